//! `scan`'s text output: the ranked container table, the node table, notes and a summary line.

use std::io::{self, Write};

use oomdoc_cluster::overcommit::NodeRow;
use oomdoc_cluster::rows::ContainerRow;
use oomdoc_cluster::ScanReport;
use oomdoc_model::bytes::short as fmt_size;

fn size(b: Option<i64>) -> String {
    match b {
        Some(b) if b >= 0 => fmt_size(b as u64),
        _ => "-".into(),
    }
}

fn usize_(b: Option<u64>) -> String {
    b.map_or_else(|| "-".into(), fmt_size)
}

fn container_cells(rank: usize, r: &ContainerRow) -> Vec<String> {
    let mut what = r.key();
    if r.init {
        what.push_str(" (init)");
    }
    vec![
        rank.to_string(),
        r.risk.score.to_string(),
        what,
        r.qos.map_or_else(|| "-".into(), |q| q.as_str().to_string()),
        size(r.memory_request_bytes),
        size(r.memory_limit_bytes),
        usize_(r.jvm_max_heap_bytes),
        usize_(r.usage_bytes),
        r.restarts.to_string(),
        r.risk.reasons.join("; "),
    ]
}

fn node_cells(n: &NodeRow) -> Vec<String> {
    vec![
        n.name.clone(),
        size(n.allocatable_bytes),
        size(Some(n.limits_bytes)),
        n.overcommit
            .map_or_else(|| "-".into(), |o| format!("{:.0}%", o * 100.0)),
        size(Some(n.requests_bytes)),
        n.pods.to_string(),
        format!("{}/{}/{}", n.guaranteed, n.burstable, n.best_effort),
        n.pods_without_limit.to_string(),
        n.oom_events.to_string(),
        if n.memory_pressure { "yes" } else { "no" }.into(),
    ]
}

fn table(out: &mut dyn Write, head: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut w: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
        let mut s = String::new();
        for (i, c) in cells.enumerate() {
            if i + 1 == w.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.extend(std::iter::repeat_n(' ', w[i] - c.chars().count() + 2));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(out, &mut head.iter().copied())?;
    for r in rows {
        line(out, &mut r.iter().map(String::as_str))?;
    }
    Ok(())
}

/// Writes the report as text, at most `top` containers and nodes (0: all).
pub fn write_scan_text(report: &ScanReport, top: usize, out: &mut dyn Write) -> io::Result<()> {
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
        writeln!(out, "error: {e}")?;
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
