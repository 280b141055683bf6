//! The verdict on the primary series, and the one sentence that says why.
//!
//! In order:
//! 1. `insufficient_data`: no series, fewer than `min_samples` samples, a span shorter than
//!    `min_span_seconds`, or no segment that can be fitted.
//! 2. `sawtooth_restarts`: at least two restarts, and the restarts look like kills from growth:
//!    at least half of the segments that ended in a restart grew significantly, or a
//!    termination said `OOMKilled`, or most restarts came with usage at 85% of the limit or
//!    more. The period is the median time between restarts. (Restarts without growth, such as
//!    deploys, fall through to the next rules about the current segment.)
//! 3. On the current segment (since the last restart, or the last one with enough samples):
//!    no significant growth is `steady`; growth is significant when Mann-Kendall's p is below
//!    `alpha`, Sen's interval excludes zero and the line rises by at least
//!    `min_growth_fraction` (5%) of its starting level over the segment (a 1% drift of page
//!    cache can be significant but is not a leak);
//! 4. growth that levels off (the last third grows at less than
//!    `levels_off_ratio` of the first third's rate) is `warming_up`: a JVM heap filling up to
//!    its max, caches warming. So is a rise early in the segment followed by a plateau
//!    ([`crate::segments::rises_then_flattens`]), whose overall slope is small because most
//!    pairs are on the plateau, when Mann-Kendall still sees the rise. Otherwise it is a
//!    `leak`.

use oomdoc_model::bytes::{per_hour, short_f64};

use crate::analyze::{Options, Worked};
use crate::types::{Fit, Restart, Verdict};
use crate::units::{duration, p_value};

/// Whether a fit shows significant, material growth (rule 3 above).
pub(crate) fn grows(f: &Fit, o: &Options) -> bool {
    let span = f.t1 - f.t0;
    let rise = f.slope.value * span;
    f.p_value < o.alpha
        && f.slope.value > 0.0
        && f.slope.low > 0.0
        && rise.is_finite()
        && rise >= o.min_growth_fraction * f.intercept.abs()
}

/// The verdict and its reason.
pub(crate) fn judge(
    primary: Option<&Worked>,
    restarts: &[Restart],
    period: Option<f64>,
    limit: Option<f64>,
    o: &Options,
) -> (Verdict, String) {
    let Some(w) = primary else {
        return (
            Verdict::InsufficientData,
            "no memory series to analyse".into(),
        );
    };
    let a = &w.analysis;
    let name = format!("{} ({})", a.name, a.component.as_str());
    let span = span_of(w);
    if a.samples < o.min_samples.max(2)
        || span.is_nan()
        || span < o.min_span_seconds
        || w.current.is_none()
    {
        return (
            Verdict::InsufficientData,
            format!(
                "{name} has {} samples over {}; at least {} over {} are needed to judge a trend",
                a.samples,
                duration(span.max(0.0)),
                o.min_samples.max(2),
                duration(o.min_span_seconds)
            ),
        );
    }
    if restarts.len() >= 2 {
        if let Some(why) = sawtooth_evidence(w, restarts, limit, o) {
            let per = period.map_or_else(|| "?".into(), duration);
            return (
                Verdict::SawtoothRestarts,
                format!(
                    "restarted {} times, about every {per} (median): {why}",
                    restarts.len()
                ),
            );
        }
    }
    let Some(f) = w.current.as_ref() else {
        return (
            Verdict::InsufficientData,
            format!("{name}: no segment can be fitted"),
        );
    };
    current_segment(w, f, &name, restarts, o)
}

/// The verdict on the current segment's fit `f`: steady, warming up, or a leak.
fn current_segment(
    w: &Worked,
    f: &Fit,
    name: &str,
    restarts: &[Restart],
    o: &Options,
) -> (Verdict, String) {
    let a = &w.analysis;
    let since = if restarts.iter().any(|r| r.t <= f.t0) {
        "since the last restart"
    } else {
        ""
    };
    let rate = |x: f64| per_hour(x * 3600.0);
    let ci = format!("95% CI {} to {}", rate(f.slope.low), rate(f.slope.high));
    if !grows(f, o) && a.levels_off {
        return (
            Verdict::WarmingUp,
            format!(
                "{name} rose early and stays near {} (Mann-Kendall {} over {}): warming up, not a leak",
                short_f64(a.last),
                p_value(f.p_value),
                duration(f.t1 - f.t0)
            ),
        );
    }
    if !grows(f, o) {
        return (
            Verdict::Steady,
            format!(
                "{name} shows no material growth over {} {since}: {} ({ci}, Mann-Kendall {})",
                duration(f.t1 - f.t0),
                rate(f.slope.value),
                p_value(f.p_value)
            )
            .replace("  ", " ")
            .replace(" :", ":"),
        );
    }
    if a.levels_off {
        return (
            Verdict::WarmingUp,
            format!(
                "{name} grew ({} overall, Mann-Kendall {}) but levels off near {}: warming up, not a leak",
                rate(f.slope.value),
                p_value(f.p_value),
                short_f64(a.last)
            ),
        );
    }
    (
        Verdict::Leak,
        format!(
            "{name} grows {} ({ci}, Mann-Kendall {}) over {} {since} and does not level off",
            rate(f.slope.value),
            p_value(f.p_value),
            duration(f.t1 - f.t0)
        )
        .replace("  ", " ")
        .trim_end()
        .to_string(),
    )
}

fn span_of(w: &Worked) -> f64 {
    let fits = &w.analysis.fits;
    match (fits.first(), fits.last()) {
        (Some(a), Some(b)) => b.t1 - a.t0,
        _ => 0.0,
    }
}

/// Why the restarts look like kills from growth, if they do.
fn sawtooth_evidence(
    w: &Worked,
    restarts: &[Restart],
    limit: Option<f64>,
    o: &Options,
) -> Option<String> {
    let oom = restarts
        .iter()
        .filter(|r| {
            r.reason
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case("OOMKilled"))
        })
        .count();
    let grown = w.complete.iter().filter(|f| grows(f, o)).count();
    let near = limit.map_or(0, |l| {
        restarts
            .iter()
            .filter(|r| r.usage_before_bytes.is_some_and(|u| u >= 0.85 * l))
            .count()
    });
    let mut why = Vec::new();
    if !w.complete.is_empty() && 2 * grown >= w.complete.len() && grown > 0 {
        let mut peaks: Vec<f64> = restarts
            .iter()
            .filter_map(|r| r.usage_before_bytes)
            .collect();
        let peak = crate::stats::median_in_place(&mut peaks);
        why.push(match peak {
            Some(p) => format!(
                "{} of {} runs grew until the restart (typically to {})",
                grown,
                w.complete.len(),
                short_f64(p)
            ),
            None => format!(
                "{} of {} runs grew until the restart",
                grown,
                w.complete.len()
            ),
        });
    }
    if oom > 0 {
        why.push(format!("{oom} terminations were OOMKilled"));
    }
    if 2 * near > restarts.len() {
        why.push(format!("{near} restarts came at 85% of the limit or more"));
    }
    (!why.is_empty()).then(|| why.join("; "))
}
