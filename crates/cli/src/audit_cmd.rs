//! `oomdoc audit`: read manifests, run the audit, write the report, pick the exit code.

use std::io::{self, IsTerminal, Write};

use oomdoc_audit::{audit, Assumptions, AuditInput, Severity};
use oomdoc_manifest::{read_inputs, Item, ReadOptions};

use crate::args::{AuditArgs, ColorChoice, FailOn, Format, Global};
use crate::{EXIT_ERROR, EXIT_FINDINGS};

pub(crate) fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

pub(crate) fn run(args: &AuditArgs, global: &Global) -> anyhow::Result<u8> {
    let mut opts = ReadOptions::default();
    if let Some(t) = args.threads {
        opts.threads = t.max(1);
    }
    let mut workloads = Vec::new();
    let mut limit_ranges = Vec::new();
    let mut errors = Vec::new();
    read_inputs(&args.paths, &opts, &mut |item| match item {
        Item::Workload(w) => workloads.push(w),
        Item::LimitRange(l) => limit_ranges.push(l),
        Item::Error(e) => errors.push(e),
    });
    let input = AuditInput {
        workloads: &workloads,
        limit_ranges: &limit_ranges,
        assumptions: Assumptions { node_memory_bytes: args.node_memory },
    };
    let mut report = audit(&input);
    report.errors = errors;

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Text => {
            let opts = oomdoc_report::TextOptions { color: color_enabled(global.color), verbose: args.verbose };
            let mut sources = oomdoc_report::FileSources::default();
            oomdoc_report::write_text(&report, &opts, &mut sources, &mut out)?;
        }
        Format::Json => oomdoc_report::write_json(&report, &mut out)?,
        Format::Sarif => oomdoc_report::write_sarif(&report, env!("CARGO_PKG_VERSION"), &mut out)?,
    }
    out.flush()?;

    if !report.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failed { EXIT_FINDINGS } else { 0 })
}
