//! `oomdoc watch`: each new OOM kill or eviction in a live cluster, as it happens, with its
//! verdict. Read-only (list + watch on pods and events).

use std::io::{self, Write};
use std::time::Duration;

use clap::Args;
use oomdoc_cluster::kills::Kill;
use oomdoc_cluster::live_watch::{watch_live, WatchOptions};
use oomdoc_explain::Explanation;
use oomdoc_report::{Style, TerminalSafe};

use crate::args::OutputFormat;
use crate::scan_cmd::{parse_duration, ConnArgs, NamespaceArgs};

/// Examples shown by `oomdoc watch --help`.
pub const EXAMPLES: &str = "\
Examples:
  kubectl oomdoc watch -n shop                 kills and evictions in one namespace, explained
  oomdoc watch -A --format json | jq .         one JSON object per line
  oomdoc watch -A --for 10m --max-events 5     stop after 10 minutes or 5 reports

Reported once each: a container whose state or lastState becomes terminated OOMKilled (a new
finishedAt or restart), an evicted pod, and OOMKilling/SystemOOM/Evicted/EvictionThresholdMet
events. What exists when the watch starts is not reported (use `oomdoc scan`). The watch lists,
then watches from the list's resourceVersion with bookmarks; after 410 Gone it lists again and
reports what changed in between. Ctrl-C ends it.
Exit status: 0 ended (Ctrl-C, --for, --max-events), 2 error (401/403/404, unreachable).";

/// `oomdoc watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    conn: ConnArgs,
    #[command(flatten)]
    ns: NamespaceArgs,
    /// Output format (`json`: one object per line).
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Stop after this long: 30s, 10m, 2h (as `trend --for`).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Stop after reporting N kills or evictions.
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Also print re-lists and reconnects on stderr.
    #[arg(long, short = 'v')]
    verbose: bool,
}

fn write_one(
    format: OutputFormat,
    style: Style,
    k: &Kill,
    e: &Explanation,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => oomdoc_report::write_watch_text(k, e, style, out)?,
        OutputFormat::Json => oomdoc_report::write_watch_json(k, e, out)?,
    }
    out.flush()
}

pub(crate) fn run(args: &WatchArgs, style: Style) -> anyhow::Result<u8> {
    let target = args.conn.target(Some(&args.ns));
    let opts = WatchOptions {
        max_events: args.max_events,
        timeout: args.duration,
    };
    let stdout = io::stdout();
    let mut out = TerminalSafe::new(stdout.lock(), args.format.controls_with(style));
    let format = args.format;
    let verbose = args.verbose;
    let r = watch_live(
        &target,
        &opts,
        &mut |k, e| write_one(format, style, k, e, &mut out),
        &mut |n| {
            if verbose {
                let _ = writeln!(crate::stderr(), "oomdoc: {n}");
            }
        },
    );
    match r {
        Ok(sum) => {
            if verbose {
                writeln!(
                    crate::stderr(),
                    "oomdoc: watch ended ({:?}): {} reported, {} lists",
                    sum.end,
                    sum.reported,
                    sum.lists
                )?;
            }
            Ok(0)
        }
        Err(e) => {
            writeln!(crate::stderr(), "oomdoc: error: {e}")?;
            Ok(crate::EXIT_ERROR)
        }
    }
}
