//! A request and limit from the observed peak, and how the rule differs from VPA's and KRR's.
//!
//! The rule: **request = limit = peak x (1 + margin)**, rounded up to a MiB, margin 20% by
//! default, over the whole series given (every segment). Why:
//! - memory cannot be throttled: anything above the limit is an OOM kill, so the limit must
//!   cover the peak, not a percentile of it;
//! - request = limit makes the pod Guaranteed (oom_score_adj -997, evicted last), and a node
//!   never overcommits memory it promised;
//! - 20% rather than 15%: the peak seen is a lower bound of the true peak.
//!
//! When the JVM's max heap is known and exceeds 75% of the recommended limit, the rule says so:
//! the heap may grow into room the non-heap pools need.
//!
//! What the others do (read from their sources, see `shared/docs/research/peers.md`):
//! - the VPA recommender targets the 90th percentile of daily peaks (8 days, a decaying
//!   histogram) plus a 15% margin (`--target-memory-percentile 0.9`,
//!   `--recommendation-margin-fraction 0.15`): by design the highest 10% of days go above the
//!   request, and it sets requests (limits only in proportion);
//! - KRR's `simple` strategy sets request = limit = max(working set) x 1.15
//!   (`memory_buffer_percentage` 15; 5 in older releases): the same shape as oomdoc's.
//!
//! Neither looks at the trend. When the series leaks or is killed again and again, its peak is
//! where it died, not what it needs: the recommendation is marked not meaningful and says so.

use oomdoc_model::bytes::{exact_f64, short_f64};

use crate::types::{Recommendation, Series, Verdict};

const MIB: f64 = 1024.0 * 1024.0;

/// The recommendation for the primary series with peak `peak`.
/// `jvm_max_heap`, when known, is checked against the limit: a heap allowed to grow past 75% of
/// the limit leaves too little for metaspace, thread stacks, code cache and direct buffers.
pub fn recommend(
    primary: &Series,
    peak: f64,
    verdict: Verdict,
    margin: f64,
    jvm_max_heap: Option<f64>,
) -> Recommendation {
    let margin = if margin.is_finite() && margin >= 0.0 {
        margin
    } else {
        0.2
    };
    let round_up = |v: f64| {
        if v.is_finite() {
            (v / MIB).ceil() * MIB
        } else {
            v
        }
    };
    let limit = round_up(peak * (1.0 + margin));
    let krr = round_up(peak * 1.15);
    let vpa = vpa_like(primary).map(|p90| round_up(p90 * 1.15));
    let meaningful = !matches!(verdict, Verdict::Leak | Verdict::SawtoothRestarts);
    let name = primary.component.as_str();
    let mut rule = format!(
        "request = limit = peak {name} {} x {:.2} = {}, rounded up to a MiB (Guaranteed QoS, oom_score_adj -997; memory cannot be throttled, so the limit covers the peak, not a percentile)",
        short_f64(peak),
        1.0 + margin,
        exact_f64(limit)
    );
    if let Some(heap) = jvm_max_heap.filter(|h| h.is_finite() && *h > 0.0) {
        if heap > 0.75 * limit {
            rule.push_str(&format!(
                "; the JVM may grow its heap to {} ({:.0}% of this limit), leaving too little for non-heap memory (metaspace, thread stacks, code cache, direct buffers): size heap and limit together (`oomdoc jvm`)",
                short_f64(heap),
                100.0 * heap / limit
            ));
        }
    }
    if !meaningful {
        rule.push_str(
            "; not meaningful here: the series grows until it is killed, so its peak is where it died, not what it needs. Fix the growth first (no limit fixes a leak), then size from a steady run",
        );
    }
    let vpa_text = match vpa {
        Some(v) => format!("about {}", exact_f64(v)),
        None => "not computable from this series".into(),
    };
    let compared = format!(
        "VPA's recommender would target the 90th percentile of daily peaks + 15% ({vpa_text}; --target-memory-percentile 0.9, --recommendation-margin-fraction 0.15), which leaves the highest 10% of daily peaks above the request by design; KRR's simple strategy sets max(working set) + 15% ({}; memory_buffer_percentage 15), the same shape as this rule with a smaller margin; neither looks at the trend, so both size a leak to its last peak",
        exact_f64(krr)
    );
    Recommendation {
        request_bytes: limit,
        limit_bytes: limit,
        rule,
        compared,
        meaningful,
    }
}

/// The 90th percentile (nearest rank, as VPA's histogram reads it) of the daily peaks, daily
/// from the first sample.
fn vpa_like(series: &Series) -> Option<f64> {
    let t0 = series.samples.first()?.t;
    let mut peaks: Vec<(i64, f64)> = Vec::new();
    for s in &series.samples {
        let day = ((s.t - t0) / 86_400.0).floor();
        let day = if day.is_finite() { day as i64 } else { 0 };
        match peaks.last_mut() {
            Some((d, p)) if *d == day => *p = p.max(s.v),
            _ => peaks.push((day, s.v)),
        }
    }
    let mut v: Vec<f64> = peaks.into_iter().map(|p| p.1).collect();
    v.sort_by(f64::total_cmp);
    let rank = ((0.9 * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Component, Sample};

    #[test]
    fn rule_and_comparison() {
        // Ten days; day 9 has a one-off spike to 2 GiB, other days peak at 1 GiB.
        let gib = 1024.0 * MIB;
        let samples = (0..240)
            .map(|h| Sample {
                t: h as f64 * 3600.0,
                v: if h == 9 * 24 + 5 { 2.0 * gib } else { gib },
            })
            .collect();
        let s = Series {
            name: "ws".into(),
            component: Component::WorkingSet,
            samples,
        };
        let r = recommend(&s, 2.0 * gib, Verdict::Steady, 0.2, None);
        assert_eq!(r.limit_bytes, (2.0 * gib * 1.2 / MIB).ceil() * MIB);
        assert_eq!(r.request_bytes, r.limit_bytes);
        assert!(r.meaningful);
        // VPA-like ignores the one spiky day (p90 of ten daily peaks is the 9th: 1 GiB).
        assert_eq!(vpa_like(&s), Some(gib));
        assert!(r.compared.contains("about 1178Mi"), "{}", r.compared);
        assert!(r.compared.contains("(2356Mi;"), "{}", r.compared);
        let leak = recommend(&s, 2.0 * gib, Verdict::Leak, 0.2, Some(gib));
        assert!(!leak.rule.contains("of this limit"));
        let big_heap = recommend(&s, 2.0 * gib, Verdict::Steady, 0.2, Some(2.0 * gib));
        assert!(
            big_heap.rule.contains("(83% of this limit)"),
            "{}",
            big_heap.rule
        );
        assert!(!leak.meaningful && leak.rule.contains("no limit fixes a leak"));
    }
}
