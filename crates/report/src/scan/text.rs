//! `scan`'s text output: the ranked container table, the node table, notes and a summary line.

use std::io::{self, Write};

use oomdoc_cluster_core::overcommit::NodeRow;
use oomdoc_cluster_core::rows::ContainerRow;
use oomdoc_cluster_core::ScanReport;
use oomdoc_model::bytes::short as fmt_size;

use crate::style::{Style, Tone};

fn size(b: Option<i64>) -> String {
    match b {
        Some(b) if b >= 0 => fmt_size(b as u64),
        _ => "-".into(),
    }
}

fn usize_(b: Option<u64>) -> String {
    b.map_or_else(|| "-".into(), fmt_size)
}

/// A table cell: its text and how it is coloured (the padding is added outside the colour).
type Cell = (String, Tone);

/// A killed or evicted container's score is bad news; any other score is worth a look.
fn risk_tone(r: &ContainerRow) -> Tone {
    if r.oom_kills > 0 || r.evicted {
        Tone::Bad
    } else if r.risk.score > 0 {
        Tone::Warning
    } else {
        Tone::Plain
    }
}

fn container_cells(rank: usize, r: &ContainerRow) -> Vec<Cell> {
    let mut what = r.key();
    if r.init {
        what.push_str(" (init)");
    }
    let plain = |s: String| (s, Tone::Plain);
    vec![
        plain(rank.to_string()),
        (r.risk.score.to_string(), risk_tone(r)),
        plain(what),
        plain(r.qos.map_or_else(|| "-".into(), |q| q.as_str().to_string())),
        plain(size(r.memory_request_bytes)),
        plain(size(r.memory_limit_bytes)),
        plain(usize_(r.jvm_max_heap_bytes)),
        plain(usize_(r.usage_bytes)),
        plain(r.restarts.to_string()),
        plain(r.risk.reasons.join("; ")),
    ]
}

fn node_cells(n: &NodeRow) -> Vec<Cell> {
    let plain = |s: String| (s, Tone::Plain);
    let pressure = if n.memory_pressure {
        ("yes".into(), Tone::Bad)
    } else {
        plain("no".into())
    };
    let oom_events = if n.oom_events > 0 {
        Tone::Bad
    } else {
        Tone::Plain
    };
    vec![
        plain(n.name.clone()),
        plain(size(n.allocatable_bytes)),
        plain(size(Some(n.limits_bytes))),
        plain(
            n.overcommit
                .map_or_else(|| "-".into(), |o| format!("{:.0}%", o * 100.0)),
        ),
        plain(size(Some(n.requests_bytes))),
        plain(n.pods.to_string()),
        plain(format!(
            "{}/{}/{}",
            n.guaranteed, n.burstable, n.best_effort
        )),
        plain(n.pods_without_limit.to_string()),
        (n.oom_events.to_string(), oom_events),
        pressure,
    ]
}

/// Aligned columns two spaces apart; widths are counted on the uncoloured text and the padding
/// goes after the colour, so a coloured table strips to the plain one byte for byte.
fn table(out: &mut dyn Write, style: Style, head: &[&str], rows: &[Vec<Cell>]) -> io::Result<()> {
    let mut w: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, (c, _)) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line =
        |out: &mut dyn Write, cells: &mut dyn Iterator<Item = (&str, Tone)>| -> io::Result<()> {
            let mut s = String::new();
            for (i, (c, tone)) in cells.enumerate() {
                s.push_str(&style.tone(tone, c).to_string());
                if i + 1 < w.len() {
                    s.extend(std::iter::repeat_n(' ', w[i] - c.chars().count() + 2));
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
    line(out, &mut head.iter().map(|h| (*h, Tone::Bold)))?;
    for r in rows {
        line(out, &mut r.iter().map(|(c, t)| (c.as_str(), *t)))?;
    }
    Ok(())
}

/// Writes the report as text, at most `top` containers and nodes (0: all).
pub fn write_scan_text(
    report: &ScanReport,
    top: usize,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rows = &report.containers_at_risk;
    let shown = if top == 0 {
        rows.len()
    } else {
        top.min(rows.len())
    };
    if rows.is_empty() {
        writeln!(
            out,
            "No container with an OOM kill, eviction, restart or memory risk."
        )?;
    } else {
        let cells: Vec<_> = rows[..shown]
            .iter()
            .enumerate()
            .map(|(i, r)| container_cells(i + 1, r))
            .collect();
        table(
            out,
            style,
            &[
                "RANK",
                "RISK",
                "CONTAINER",
                "QOS",
                "REQUEST",
                "LIMIT",
                "JVM-HEAP",
                "USAGE",
                "RESTARTS",
                "WHY",
            ],
            &cells,
        )?;
        // The scan may hold only the rows shown (`Scan::keep_top`): the rest are counted.
        if (shown as u64) < report.listed() {
            writeln!(
                out,
                "... and {} more (--top 0 shows all)",
                report.listed() - shown as u64
            )?;
        }
    }
    if !report.nodes.is_empty() {
        writeln!(out)?;
        let nodes = if top == 0 {
            report.nodes.len()
        } else {
            top.min(report.nodes.len())
        };
        let cells: Vec<_> = report.nodes[..nodes].iter().map(node_cells).collect();
        table(
            out,
            style,
            &[
                "NODE",
                "ALLOCATABLE",
                "LIMITS",
                "OVERCOMMIT",
                "REQUESTS",
                "PODS",
                "QOS(G/B/BE)",
                "NO-LIMIT",
                "OOM-EVENTS",
                "PRESSURE",
            ],
            &cells,
        )?;
        if nodes < report.nodes.len() {
            writeln!(out, "... and {} more nodes", report.nodes.len() - nodes)?;
        }
    }
    writeln!(out)?;
    for n in &report.notes {
        writeln!(out, "note: {n}")?;
    }
    for e in &report.errors {
        writeln!(out, "{} {e}", style.bad("error:"))?;
    }
    writeln!(
        out,
        "{} pods, {} containers, {} nodes, {} OOM/eviction events read; {} containers listed, {} OOM-killed or evicted{}.",
        report.pods,
        report.containers,
        report.nodes_read,
        report.oom_events,
        report.listed(),
        report.killed(),
        report.now.as_deref().map_or(String::new(), |n| format!(" (as of {n})")),
    )
}
