//! The oomdoc command line: flag definitions ([`args`]), one module per command, and the exit-code
//! policy. Everything that decides lives in the library crates; this crate reads, calls, prints.
//!
//! Exit codes: 0 = no finding at or above `--fail-on`; 1 = findings at or above it; 2 = usage
//! error or unreadable input.

mod agent_cmd;
mod agent_names;
pub mod args;
mod audit_cmd;
mod audit_passes;
mod cleanup;
mod explain_cmd;
mod fix_cmd;
mod jvm_cmd;
pub mod kernel_stream;
mod output_file;
mod policy_file;
mod rules_cmd;
pub mod scan_cmd;
pub mod simulate_cmd;
pub mod trend_cmd;
pub mod watch_cmd;
mod webhook_cmd;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use args::{Cli, ColorChoice, Command};
use oomdoc_report::Style;

/// Exit status: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage error or unreadable input.
pub const EXIT_ERROR: u8 = 2;

/// Standard error for messages that quote the input or a server (file names, column titles,
/// API messages): control characters are written escaped, as on standard output.
pub(crate) fn stderr() -> oomdoc_report::TerminalSafe<io::StderrLock<'static>> {
    oomdoc_report::TerminalSafe::new(io::stderr().lock(), oomdoc_report::Controls::Escape)
}

/// Whether to colour text output: `--color always|never`, else only on a terminal and without
/// `NO_COLOR` (no-color.org: it disables colour when present and not empty).
pub(crate) fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Parses `argv` and runs the command; returns the process exit code.
pub fn run<I: IntoIterator<Item = OsString>>(argv: I) -> ExitCode {
    let argv: Vec<OsString> = argv.into_iter().collect();
    // oomdoc runs a kubeconfig's credential plugin through itself, to give it a deadline.
    if argv
        .get(1)
        .is_some_and(|a| a == oomdoc_cluster::exec_deadline::SHIM)
    {
        let code = oomdoc_cluster::exec_deadline::run(&argv[2..]);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches_from(argv)
        .and_then(|m| {
            let mut cli = <Cli as clap::FromArgMatches>::from_arg_matches(&m)?;
            // What a policy file may also set: the flags given win over it.
            if let (Command::Audit(a), Some(("audit", sub))) = (&mut cli.command, m.subcommand()) {
                a.given = args::GivenFlags::of(sub);
            }
            Ok(cli)
        });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Every text writer colours through this one choice.
    let style = Style::new(color_enabled(cli.global.color));
    let result = match &cli.command {
        Command::Audit(a) => audit_cmd::run(a, style),
        Command::Jvm(j) => jvm_cmd::run(j, style),
        Command::Rules(r) => rules_cmd::run(r, style),
        Command::Explain(x) => explain_cmd::run(x, style),
        Command::Trend(t) => trend_cmd::run(t, style),
        Command::Simulate(s) => simulate_cmd::run(s, style),
        Command::Scan(s) => scan_cmd::run(s, style),
        Command::Watch(w) => watch_cmd::run(w, style),
        Command::Agent(a) => agent_cmd::run(a),
        Command::Webhook(w) => webhook_cmd::run_webhook(w),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (`oomdoc audit . | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(stderr(), "oomdoc: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            // The JSON writers fail through serde_json, which wraps the io error.
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}
