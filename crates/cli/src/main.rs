//! The `oomdoc` binary: only dispatches to [`oomdoc::run`].

fn main() -> std::process::ExitCode {
    oomdoc::run(std::env::args_os())
}
