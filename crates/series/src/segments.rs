//! Cutting a series at restarts and fitting each piece.
//!
//! Why per segment: after a restart the container starts again from its baseline; one line
//! through a sawtooth has a slope near zero and hides the growth that kills it. Each stretch
//! between restarts gets its own Theil-Sen line, Sen interval and Mann-Kendall p-value.
//!
//! Very long stretches are first reduced with the builder's bucket summary
//! ([`crate::builder::reduce`]) to at most `max_points` real samples, so the work memory of the
//! analysis stays bounded whatever the input size; the slope of an evenly spread subsample is
//! the same slope, with a wider interval.

use crate::builder::reduce;
use crate::mann_kendall::mann_kendall;
use crate::theil_sen::{median_slope, theil_sen};
use crate::types::{Estimate, Fit, Restart, Sample};

/// Index ranges of `samples` (sorted by time) between restarts: a sample at or after a
/// restart's time belongs to the next segment. Empty ranges are left out.
pub fn split(samples: &[Sample], restarts: &[Restart]) -> Vec<std::ops::Range<usize>> {
    let mut cuts: Vec<usize> = restarts
        .iter()
        .map(|r| samples.partition_point(|s| s.t < r.t))
        .collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for c in cuts.into_iter().chain(std::iter::once(samples.len())) {
        if c > start {
            out.push(start..c);
            start = c;
        }
    }
    out
}

/// The samples to fit: the stretch itself, or its bounded reduction.
pub fn fit_points(samples: &[Sample], max_points: usize) -> std::borrow::Cow<'_, [Sample]> {
    if samples.len() <= max_points.max(16) {
        std::borrow::Cow::Borrowed(samples)
    } else {
        std::borrow::Cow::Owned(reduce(samples, (max_points / 6).max(8)))
    }
}

/// Theil-Sen with Sen's interval (confidence `confidence`) and Mann-Kendall on one stretch.
/// `None` with fewer than two distinct times.
pub fn fit(samples: &[Sample], confidence: f64, max_points: usize) -> Option<Fit> {
    let pts = fit_points(samples, max_points);
    let first = pts.first()?;
    let last = pts.last()?;
    let t0 = first.t;
    let ts = theil_sen(pts.iter().map(|s| (s.t, s.v)), confidence)?;
    let mk = mann_kendall(pts.iter().map(|s| (s.t, s.v)));
    // Sen's interval is undefined for tiny, heavily tied stretches (negative variance, NaN in
    // scipy): the interval collapses to the point rather than carrying NaN into the JSON.
    let (low, high) = if ts.low_slope.is_nan() || ts.high_slope.is_nan() {
        (ts.slope, ts.slope)
    } else {
        (ts.low_slope, ts.high_slope)
    };
    Some(Fit {
        t0,
        t1: last.t,
        intercept: ts.value_at(t0),
        slope: Estimate {
            value: ts.slope,
            low,
            high,
        },
        p_value: mk.p_value,
        samples: samples.len(),
    })
}

/// Whether growth over the stretch levels off: the Theil-Sen slope of its last third (by time)
/// is below `ratio` times that of its first third. Why thirds: a saturating curve
/// `M(1 - e^(-t/tau))` watched for `3 tau` has a last-third/first-third slope ratio of 0.14,
/// for `2 tau` 0.26; a straight line has 1 and even `sqrt(t)`, which never levels off, 0.32.
pub fn levels_off(samples: &[Sample], ratio: f64, max_points: usize) -> bool {
    let pts = fit_points(samples, max_points);
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return false;
    };
    let span = last.t - first.t;
    if span.is_nan() || span <= 0.0 || pts.len() < 9 {
        return false;
    }
    let a = pts.partition_point(|s| s.t < first.t + span / 3.0);
    let b = pts.partition_point(|s| s.t < first.t + 2.0 * span / 3.0);
    let head = median_slope(pts[..a].iter().map(|s| (s.t, s.v)));
    let tail = median_slope(pts[b..].iter().map(|s| (s.t, s.v)));
    match (head, tail) {
        (Some(h), Some(t)) => h > 0.0 && t < ratio * h,
        _ => false,
    }
}

/// Whether growth that [`levels_off`] goes on after an early rise: the last third grows
/// significantly (its Sen interval excludes zero at `confidence`, Mann-Kendall p < `alpha`), so
/// does the last sixth on its own, and the last third's slope is at least `ratio` of the middle
/// third's. Why: a JVM warming up in the first hours with a kernel-memory leak under it (the
/// seed's pod) makes the first third steep and the rest close to a straight line; that is a
/// leak behind a warm-up. A saturating curve `M(1 - e^(-t/tau))` keeps slowing: last/middle
/// third is e^(-span/3tau), 0.26 over a `4 tau` watch, and its last sixth is flat within the
/// noise.
pub fn grows_on_after_warm_up(
    samples: &[Sample],
    ratio: f64,
    confidence: f64,
    alpha: f64,
    max_points: usize,
) -> bool {
    let pts = fit_points(samples, max_points);
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return false;
    };
    let span = last.t - first.t;
    if span.is_nan() || span <= 0.0 || pts.len() < 18 {
        return false;
    }
    let a = pts.partition_point(|s| s.t < first.t + span / 3.0);
    let b = pts.partition_point(|s| s.t < first.t + 2.0 * span / 3.0);
    let c = pts.partition_point(|s| s.t < first.t + 5.0 * span / 6.0);
    let Some(tail) = fit(&pts[b..], confidence, max_points) else {
        return false;
    };
    // The last sixth must grow significantly on its own too: the tail of a saturating curve
    // is flat within the noise there.
    let Some(late) = fit(&pts[c..], confidence, max_points) else {
        return false;
    };
    let significant = |f: &Fit| f.slope.low > 0.0 && f.p_value < alpha;
    match median_slope(pts[a..b].iter().map(|s| (s.t, s.v))) {
        Some(m) => {
            m > 0.0 && significant(&tail) && significant(&late) && tail.slope.value >= ratio * m
        }
        None => false,
    }
}

/// Whether the stretch rose early and then stayed: the median of its last third is above the
/// median of its first tenth by at least `min_rise` of the former, and the last third's own
/// line does not grow by that much. Why: a JVM heap that fills in ten minutes and then stays
/// at its max for two hours has a small overall slope (most pairs are on the plateau), so the
/// slope test alone would call it steady; it is warming up.
pub fn rises_then_flattens(samples: &[Sample], min_rise: f64, max_points: usize) -> bool {
    let pts = fit_points(samples, max_points);
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return false;
    };
    let span = last.t - first.t;
    if span.is_nan() || span <= 0.0 || pts.len() < 10 {
        return false;
    }
    let head_end = pts.partition_point(|s| s.t <= first.t + span / 10.0).max(1);
    let tail_start = pts.partition_point(|s| s.t < first.t + 2.0 * span / 3.0);
    let med = |xs: &[Sample]| {
        crate::stats::median_in_place(&mut xs.iter().map(|s| s.v).collect::<Vec<_>>())
    };
    let (Some(head), Some(tail)) = (med(&pts[..head_end]), med(&pts[tail_start..])) else {
        return false;
    };
    let need = min_rise * tail.abs();
    let rise = tail - head;
    if rise.is_nan() || rise < need || tail <= head {
        return false;
    }
    let tail_pts = &pts[tail_start..];
    let tail_rise = match (
        median_slope(tail_pts.iter().map(|s| (s.t, s.v))),
        tail_pts.first(),
        tail_pts.last(),
    ) {
        (Some(slope), Some(a), Some(b)) => slope * (b.t - a.t),
        _ => return false,
    };
    tail_rise < need
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RestartSource;

    fn samples(f: impl Fn(f64) -> f64, n: usize) -> Vec<Sample> {
        (0..n)
            .map(|i| Sample {
                t: i as f64 * 60.0,
                v: f(i as f64 * 60.0),
            })
            .collect()
    }

    #[test]
    fn split_at_restarts() {
        let s = samples(|t| t, 10);
        let r = |t| Restart {
            t,
            source: RestartSource::Drop,
            reason: None,
            usage_before_bytes: None,
        };
        assert_eq!(split(&s, &[]), vec![0..10]);
        assert_eq!(split(&s, &[r(180.0), r(420.0)]), vec![0..3, 3..7, 7..10]);
        assert_eq!(split(&s, &[r(-5.0), r(1e9)]), vec![0..10]);
        assert!(split(&[], &[r(1.0)]).is_empty());
    }

    #[test]
    fn fit_and_level_off() {
        let line = samples(|t| 1e6 + 10.0 * t, 300);
        let f = fit(&line, 0.95, 1 << 18).unwrap();
        assert_eq!(f.slope.value, 10.0);
        assert_eq!(f.intercept, 1e6);
        assert!(f.p_value < 1e-10);
        assert!(!levels_off(&line, 0.3, 1 << 18));
        let sat = samples(|t| 1e9 * (1.0 - (-t / 4000.0).exp()), 300);
        assert!(levels_off(&sat, 0.3, 1 << 18));
        let fill_and_stay = samples(|t| (1e6 * t).min(1e9), 300);
        assert!(rises_then_flattens(&fill_and_stay, 0.02, 1 << 18));
        assert!(!rises_then_flattens(&line, 0.02, 1 << 18));
        assert!(!rises_then_flattens(&samples(|_| 5.0, 300), 0.02, 1 << 18));
        // Reduced fits see the same slope.
        let long = samples(|t| 5.0 * t, 100_000);
        let f = fit(&long, 0.95, 4096).unwrap();
        assert!((f.slope.value - 5.0).abs() < 1e-9);
        assert_eq!(f.samples, 100_000);
    }
}
