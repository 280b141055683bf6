//! `oomdoc trend` as text: the verdict and why first, then each series' growth since its last
//! restart, the restarts and their period, the time to the limit, the peak and the
//! recommendation, and what to run next.

use std::io::{self, Write};

use oomdoc_series::{Analysis, Input, Recommendation, RestartSource, SeriesAnalysis, Verdict};

use oomdoc_model::bytes::{exact_f64, per_hour, short_f64};

use super::{data_span, datetime, duration, headline};
use crate::clean;
use crate::style::{Style, Tone};

/// At most this many restarts are listed one by one (the most recent); the rest are counted.
const RESTARTS_LISTED: usize = 10;

/// Writes the text report. `input` is used for what the analysis does not repeat (the span of
/// the data); everything else comes from `a`.
pub fn write_trend_text(
    input: &Input,
    a: &Analysis,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_verdict(input, a, style, out)?;
    if !a.series.is_empty() {
        writeln!(out)?;
        write_series(&a.series, out)?;
    }

    writeln!(out)?;
    write_restarts(a, out)?;
    write_limit_and_memory(a, out)?;
    if let Some(r) = &a.recommendation {
        write_recommendation(r, out)?;
    }
    if !a.next_steps.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", style.heading("next steps:"))?;
        for s in &a.next_steps {
            writeln!(out, "  - {}", clean(s))?;
        }
    }
    Ok(())
}

/// A leak or a restart loop is bad news; growth that levels off is worth a look.
fn verdict_tone(v: Verdict) -> Tone {
    match v {
        Verdict::Leak | Verdict::SawtoothRestarts => Tone::Bad,
        Verdict::WarmingUp => Tone::Warning,
        Verdict::Steady => Tone::Good,
        Verdict::InsufficientData => Tone::Plain,
    }
}

/// The verdict, why, the series and component it rests on, and the data it was drawn from.
fn write_verdict(input: &Input, a: &Analysis, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {}: {}",
        style.bold("verdict:"),
        style.tone(verdict_tone(a.verdict), a.verdict.as_str()),
        headline(a)
    )?;
    if !a.reason.is_empty() {
        writeln!(out, "  why: {}", clean(&a.reason))?;
    }
    if let Some(p) = a.primary.and_then(|p| a.series.get(p)) {
        writeln!(
            out,
            "  primary series: {} ({})",
            clean(&p.name),
            p.component.as_str()
        )?;
    }
    if let Some(c) = a.growing_component {
        let fastest = a
            .series
            .iter()
            .filter(|s| s.component == c)
            .max_by(|x, y| x.slope_bytes_per_hour.total_cmp(&y.slope_bytes_per_hour));
        match fastest {
            Some(s) => writeln!(
                out,
                "  growing component: {} ({})",
                c.as_str(),
                per_hour(s.slope_bytes_per_hour)
            )?,
            None => writeln!(out, "  growing component: {}", c.as_str())?,
        }
    }
    if let Some((t0, t1, n)) = data_span(input) {
        writeln!(
            out,
            "  data: {n} samples in {} series, {} to {} ({})",
            input.series.len(),
            datetime(t0),
            datetime(t1),
            duration(t1 - t0)
        )?;
    }
    Ok(())
}

/// The time to the limit at the current slope, and the limit, peak and JVM heap figures.
fn write_limit_and_memory(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    match (a.time_to_limit_seconds, a.limit_bytes) {
        (Some(e), _) => writeln!(
            out,
            "time to limit: ~{} ({} to {}) at the current slope, from the last sample",
            duration(e.value),
            duration(e.low),
            duration(e.high)
        )?,
        (None, None) => writeln!(out, "time to limit: unknown (no limit given or found)")?,
        (None, Some(_)) => writeln!(
            out,
            "time to limit: none (the primary series does not grow)"
        )?,
    }
    let mut facts = Vec::new();
    if let Some(l) = a.limit_bytes {
        facts.push(format!("limit {}", short_f64(l)));
    }
    if let Some(p) = a.peak_bytes {
        match a
            .limit_bytes
            .filter(|l| *l > 0.0 && l.is_finite() && p.is_finite())
        {
            Some(l) => facts.push(format!(
                "peak {} ({:.0}% of the limit)",
                short_f64(p),
                p / l * 100.0
            )),
            None => facts.push(format!("peak {}", short_f64(p))),
        }
    }
    if let Some(h) = a.jvm_max_heap_bytes {
        facts.push(format!("JVM max heap {}", short_f64(h)));
    }
    if !facts.is_empty() {
        writeln!(out, "memory: {}", facts.join("; "))?;
    }
    Ok(())
}

/// The request and limit to set (or why none fixes a leak), with the rule and comparison.
fn write_recommendation(r: &Recommendation, out: &mut dyn Write) -> io::Result<()> {
    let figures = format!(
        "requests.memory {}, limits.memory {}",
        exact_f64(r.request_bytes),
        exact_f64(r.limit_bytes)
    );
    if r.meaningful {
        writeln!(out, "recommendation: {figures}")?;
    } else {
        writeln!(
            out,
            "recommendation: none; no limit fixes a leak (from these figures: {figures})"
        )?;
    }
    if !r.rule.is_empty() {
        writeln!(out, "  rule: {}", clean(&r.rule))?;
    }
    if !r.compared.is_empty() {
        writeln!(out, "  compared: {}", clean(&r.compared))?;
    }
    Ok(())
}

fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "-".into()
    } else if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn write_series(series: &[SeriesAnalysis], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "series (growth since the last restart, with its 95% interval):"
    )?;
    let rows: Vec<[String; 9]> = series
        .iter()
        .map(|s| {
            let (lo, hi) = s.slope_ci_bytes_per_hour;
            let mut name = clean(&s.name).into_owned();
            if s.levels_off {
                name.push_str(" (levels off)");
            }
            [
                s.component.as_str().to_string(),
                s.samples.to_string(),
                short_f64(s.first),
                short_f64(s.last),
                short_f64(s.min),
                short_f64(s.max),
                format!(
                    "{} [{} .. {}]",
                    per_hour(s.slope_bytes_per_hour),
                    per_hour(lo),
                    per_hour(hi)
                ),
                p_value(s.p_value),
                name,
            ]
        })
        .collect();
    let head = [
        "component",
        "samples",
        "first",
        "last",
        "min",
        "max",
        "growth",
        "p",
        "name",
    ];
    let mut widths = head.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 9]| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            // Text left, numbers right, the name last and unpadded.
            let pad = w.saturating_sub(c.chars().count());
            match i {
                0 | 6 => l.push_str(&format!("  {c}{}", " ".repeat(pad))),
                8 => l.push_str(&format!("  {c}")),
                _ => l.push_str(&format!("  {}{c}", " ".repeat(pad))),
            }
        }
        l
    };
    writeln!(out, "{}", line(head))?;
    for r in &rows {
        writeln!(out, "{}", line(r.each_ref().map(String::as_str)))?;
    }
    Ok(())
}

fn write_restarts(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let n = a.restarts.len();
    if n == 0 {
        return writeln!(out, "restarts: none seen");
    }
    let every = a
        .restart_period_seconds
        .map(|p| format!(", about every {} (median)", duration(p)))
        .unwrap_or_default();
    let ooms = a
        .restarts
        .iter()
        .filter(|r| r.reason.as_deref() == Some("OOMKilled"))
        .count();
    let oom = if ooms > 0 {
        format!(", {ooms} OOMKilled")
    } else {
        String::new()
    };
    writeln!(out, "restarts: {n}{every}{oom}")?;
    if n > RESTARTS_LISTED {
        writeln!(out, "  ({} earlier not listed)", n - RESTARTS_LISTED)?;
    }
    for r in &a.restarts[n.saturating_sub(RESTARTS_LISTED)..] {
        let how = match r.source {
            RestartSource::Counter => "restart counter",
            RestartSource::Drop => "memory dropped",
            RestartSource::Termination => "termination",
        };
        let reason = r.reason.as_deref().map(clean).unwrap_or("-".into());
        let before = r
            .usage_before_bytes
            .map(|b| format!("  at {}", short_f64(b)))
            .unwrap_or_default();
        writeln!(out, "  {}  {reason:<10} ({how}){before}", datetime(r.t))?;
    }
    Ok(())
}
