//! The report for people: a short summary, a table per order, the story, the assumptions.

use std::fmt::Write;

use oomdoc_model::bytes::approx;
use oomdoc_sim::simulate::Report;
use oomdoc_sim::threshold::Kind;

/// Replaces control characters so names from the input cannot drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Bytes, with the exact count when the short form is approximate (a threshold is met one byte
/// past it).
fn precise(bytes: i64) -> String {
    let short = approx(bytes);
    if short.starts_with('~') {
        format!("{short} = {bytes} B")
    } else {
        short
    }
}

/// Rows as left-aligned columns separated by two spaces.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::from("  ");
        for (i, (c, w)) in cells.iter().zip(&width).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                let _ = write!(s, "{c:<w$}  ");
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().map(|h| h.to_string()).collect())
    );
    for r in rows {
        let _ = writeln!(out, "{}", line(r.iter().map(|c| clean(c)).collect()));
    }
}

/// Writes the report as text.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    write_summary(&mut out, r);
    write_thresholds(&mut out, r);
    write_eviction_order(&mut out, r);
    write_oom_kill_order(&mut out, r);
    write_growth(&mut out, r);
    out.push_str("\nassumptions:\n");
    for a in &r.assumptions {
        let _ = writeln!(out, "  - {}", clean(a));
    }
    out
}

/// The node, the fit of requests, the overcommit of limits, the working set and
/// `memory.available`.
fn write_summary(out: &mut String, r: &Report) {
    let n = &r.node;
    let _ = writeln!(
        out,
        "node {}: capacity {} ({}), allocatable {} ({})",
        clean(n.name.as_deref().unwrap_or("(unnamed)")),
        approx(n.capacity),
        n.capacity_source,
        approx(n.allocatable),
        n.allocatable_source
    );
    let _ = writeln!(
        out,
        "requests  {} of {} allocatable: {}",
        approx(r.requests),
        approx(n.allocatable),
        if r.fits {
            "fit"
        } else {
            "DO NOT FIT (the scheduler would not place them all)"
        }
    );
    let _ = write!(
        out,
        "limits    {} = {:.2}x allocatable",
        approx(r.limits),
        r.overcommit_ratio
    );
    if r.overcommit_ratio > 1.0 {
        out.push_str(" (overcommitted: the pods may together use more than the node has)");
    }
    out.push('\n');
    if !r.unlimited.is_empty() {
        let _ = writeln!(
            out,
            "          + {} pod(s) without a memory limit, unbounded: {}",
            r.unlimited.len(),
            clean(&r.unlimited.join(", "))
        );
    }
    let _ = writeln!(
        out,
        "usage     node working set {} = pods {} + outside pods {}{}",
        approx(r.node_working_set),
        approx(r.pods_usage),
        approx(n.system_usage),
        if r.unmatched_usage > 0 {
            format!(" + pods without a spec {}", approx(r.unmatched_usage))
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "memory.available {} (capacity - working set)",
        approx(r.memory_available)
    );
}

/// Each eviction threshold, met or how far away.
fn write_thresholds(out: &mut String, r: &Report) {
    for t in &r.thresholds {
        let kind = match t.kind {
            Kind::Hard => "hard",
            Kind::Soft => "soft",
        };
        let _ = writeln!(
            out,
            "  {kind} {} = {}: {}{}",
            t.text,
            approx(t.bytes),
            if t.met {
                "MET now".to_string()
            } else {
                format!("{} to go", approx(t.distance))
            },
            t.grace_period
                .as_deref()
                .map(|g| format!(" (grace period {g})"))
                .unwrap_or_default()
        );
    }
    if r.thresholds.is_empty() {
        out.push_str("  no memory.available threshold: the kubelet never evicts for memory\n");
    }
}

/// The kubelet's `rankMemoryPressure` order.
fn write_eviction_order(out: &mut String, r: &Report) {
    out.push_str("\nkubelet eviction order under memory pressure (rankMemoryPressure):\n");
    let rows: Vec<Vec<String>> = r
        .eviction_order
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                e.pod.clone(),
                e.qos.as_str().to_string(),
                e.priority.to_string(),
                approx(e.request),
                approx(e.usage),
                if e.critical {
                    format!("{} - critical, never evicted", e.reason)
                } else {
                    e.reason.clone()
                },
            ]
        })
        .collect();
    table(
        out,
        &["#", "POD", "QOS", "PRIORITY", "REQUEST", "USAGE", "WHY"],
        &rows,
    );
}

/// The kernel's `oom_badness` order.
fn write_oom_kill_order(out: &mut String, r: &Report) {
    out.push_str("\nkernel OOM killer victim order, node out of memory (oom_badness):\n");
    let rows: Vec<Vec<String>> = r
        .oom_kill_order
        .iter()
        .enumerate()
        .map(|(i, o)| {
            vec![
                (i + 1).to_string(),
                o.container.clone(),
                o.qos.as_str().to_string(),
                o.oom_score_adj.to_string(),
                approx(o.usage),
                o.badness.to_string(),
                o.oom_score.to_string(),
            ]
        })
        .collect();
    table(
        out,
        &[
            "#",
            "CONTAINER",
            "QOS",
            "OOM_SCORE_ADJ",
            "USAGE",
            "BADNESS",
            "OOM_SCORE",
        ],
        &rows,
    );
}

/// The `--grow` story, step by step.
fn write_growth(out: &mut String, r: &Report) {
    if !r.steps.is_empty() {
        out.push_str("\nas usage grows:\n");
        for (i, s) in r.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. after +{} of growth (node working set {}, memory.available {}): {}{}",
                i + 1,
                approx(s.growth),
                approx(s.node_working_set),
                precise(s.memory_available),
                s.kind.as_str().replace('_', " "),
                s.target
                    .as_deref()
                    .map(|t| format!(" {}", clean(t)))
                    .unwrap_or_default()
            );
            let _ = writeln!(out, "     {}", clean(&s.explanation));
        }
    }
}
