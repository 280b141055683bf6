//! `kubectl-oomdoc`: the same binary under kubectl's plugin naming, so `kubectl oomdoc audit ...`
//! works once it is on the PATH.

fn main() -> std::process::ExitCode {
    oomdoc::run(std::env::args_os())
}
