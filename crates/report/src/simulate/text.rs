//! The report for people: a short summary, a table per order, the story, the assumptions.

use std::fmt::Write;

use oomdoc_model::bytes::approx;
use oomdoc_sim::simulate::Report;
use oomdoc_sim::story::StepKind;
use oomdoc_sim::threshold::Kind;

use crate::style::{Style, Tone};

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

/// Rows as left-aligned columns separated by two spaces; the header bold and the cell `tone`
/// picks coloured, padded outside the colour so a coloured table strips to the plain one.
fn table(
    out: &mut String,
    style: Style,
    header: &[&str],
    rows: &[Vec<String>],
    tone: &dyn Fn(usize, usize) -> Tone,
) {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>, tone: &dyn Fn(usize) -> Tone| {
        let mut s = String::from("  ");
        for (i, (c, w)) in cells.iter().zip(&width).enumerate() {
            let _ = write!(s, "{}", style.tone(tone(i), c));
            if i + 1 < cells.len() {
                s.extend(std::iter::repeat_n(' ', w - c.chars().count() + 2));
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().map(|h| h.to_string()).collect(), &|_| {
            Tone::Bold
        })
    );
    for (n, r) in rows.iter().enumerate() {
        let cells = r.iter().map(|c| clean(c)).collect();
        let _ = writeln!(out, "{}", line(cells, &|i| tone(n, i)));
    }
}

/// A section heading on its own line, after a blank one.
fn heading(out: &mut String, style: Style, text: &str) {
    let _ = writeln!(out, "\n{}", style.heading(text));
}

/// Writes the report as text.
pub fn render(r: &Report, style: Style) -> String {
    let mut out = String::new();
    write_summary(&mut out, r, style);
    write_thresholds(&mut out, r, style);
    write_eviction_order(&mut out, r, style);
    write_oom_kill_order(&mut out, r, style);
    write_growth(&mut out, r, style);
    heading(&mut out, style, "assumptions:");
    for a in &r.assumptions {
        let _ = writeln!(out, "  - {}", clean(a));
    }
    out
}

/// The node, the fit of requests, the overcommit of limits, the working set and
/// `memory.available`.
fn write_summary(out: &mut String, r: &Report, style: Style) {
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
            style.good("fit")
        } else {
            style.bad("DO NOT FIT (the scheduler would not place them all)")
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
fn write_thresholds(out: &mut String, r: &Report, style: Style) {
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
                style.bad("MET now").to_string()
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
fn write_eviction_order(out: &mut String, r: &Report, style: Style) {
    heading(
        out,
        style,
        "kubelet eviction order under memory pressure (rankMemoryPressure):",
    );
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
    // The first pod that can be evicted is who goes first.
    let first = r.eviction_order.iter().position(|e| !e.critical);
    table(
        out,
        style,
        &["#", "POD", "QOS", "PRIORITY", "REQUEST", "USAGE", "WHY"],
        &rows,
        &|row, col| victim_tone(first == Some(row) && col == 1),
    );
}

/// The kernel's `oom_badness` order.
fn write_oom_kill_order(out: &mut String, r: &Report, style: Style) {
    heading(
        out,
        style,
        "kernel OOM killer victim order, node out of memory (oom_badness):",
    );
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
        style,
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
        &|row, col| victim_tone(row == 0 && col == 1),
    );
}

/// Who is evicted or killed first is the report's answer.
fn victim_tone(victim: bool) -> Tone {
    if victim {
        Tone::Bad
    } else {
        Tone::Plain
    }
}

/// A step that kills or evicts is bad news; crossing a threshold a warning.
fn step_tone(kind: StepKind) -> Tone {
    match kind {
        StepKind::SoftEviction
        | StepKind::HardEviction
        | StepKind::ContainerOomKill
        | StepKind::GlobalOomKill => Tone::Bad,
        StepKind::SoftThresholdCrossed | StepKind::HardThresholdCrossed => Tone::Warning,
        StepKind::GrowthAbsorbed => Tone::Plain,
    }
}

/// The `--grow` story, step by step.
fn write_growth(out: &mut String, r: &Report, style: Style) {
    if !r.steps.is_empty() {
        heading(out, style, "as usage grows:");
        for (i, s) in r.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. after +{} of growth (node working set {}, memory.available {}): {}{}",
                i + 1,
                approx(s.growth),
                approx(s.node_working_set),
                precise(s.memory_available),
                style.tone(step_tone(s.kind), &s.kind.as_str().replace('_', " ")),
                s.target
                    .as_deref()
                    .map(|t| format!(" {}", style.tone(step_tone(s.kind), &clean(t))))
                    .unwrap_or_default()
            );
            let _ = writeln!(out, "     {}", clean(&s.explanation));
        }
    }
}
