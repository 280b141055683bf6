//! `oomdoc watch`: each new OOM kill or eviction in a live cluster, as it happens, with its
//! verdict. Read-only (list + watch on pods and events).

use std::io::{self, Write};
use std::time::Duration;

use clap::Args;
use oomdoc_cluster::kills::{Kill, KillKind};
use oomdoc_cluster::live_watch::{watch_live, WatchOptions};
use oomdoc_explain::Explanation;
use oomdoc_report::TerminalSafe;

use crate::args::RulesFormat;
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
    #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
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

fn headline(k: &Kill) -> String {
    let what = match k.kind {
        KillKind::OomKill => "OOM kill".to_string(),
        KillKind::Evicted => "eviction".to_string(),
        KillKind::Event => format!("event {}", k.reason.as_deref().unwrap_or("")),
    };
    let mut s = format!("== {} {what}:", k.at.as_deref().unwrap_or("-"));
    match (&k.namespace, &k.pod) {
        (Some(ns), Some(p)) => s.push_str(&format!(" {ns}/{p}")),
        (None, Some(p)) => s.push_str(&format!(" {p}")),
        _ => {}
    }
    if let Some(c) = &k.container {
        s.push_str(&format!(" container {c}"));
    }
    if let Some(n) = &k.node {
        s.push_str(&format!(" on node {n}"));
    }
    let mut extra = Vec::new();
    if let Some(x) = k.exit_code {
        extra.push(format!("exit {x}"));
    }
    if let Some(r) = k.restart_count {
        extra.push(format!("restart {r}"));
    }
    if !extra.is_empty() {
        s.push_str(&format!(" ({})", extra.join(", ")));
    }
    if let Some(m) = k.message.as_deref().filter(|_| k.kind != KillKind::OomKill) {
        s.push_str(&format!(": {m}"));
    }
    s
}

fn write_one(
    format: RulesFormat,
    k: &Kill,
    e: &Explanation,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        RulesFormat::Text => {
            writeln!(out, "{}", headline(k))?;
            oomdoc_report::write_explain_text(e, out)?;
        }
        RulesFormat::Json => {
            let mut buf = Vec::new();
            oomdoc_report::write_explain_json(e, &mut buf)?;
            let explanation: serde_json::Value =
                serde_json::from_slice(&buf).map_err(io::Error::other)?;
            let mut obj = serde_json::to_value(k).map_err(io::Error::other)?;
            if let Some(m) = obj.as_object_mut() {
                m.insert("explanation".into(), explanation);
            }
            serde_json::to_writer(&mut *out, &obj).map_err(io::Error::other)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

pub(crate) fn run(args: &WatchArgs) -> anyhow::Result<u8> {
    let target = args.conn.target(Some(&args.ns));
    let opts = WatchOptions {
        max_events: args.max_events,
        timeout: args.duration,
    };
    let stdout = io::stdout();
    let mut out = TerminalSafe::new(stdout.lock(), args.format.controls());
    let format = args.format;
    let verbose = args.verbose;
    let r = watch_live(
        &target,
        &opts,
        &mut |k, e| write_one(format, k, e, &mut out),
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
