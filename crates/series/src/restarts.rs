//! Finding restarts: the restart counter, reported terminations, and sudden drops of the
//! memory series, merged into one list.
//!
//! Why three sources: a Prometheus export usually has `kube_pod_container_status_restarts_total`
//! (exact count, but only as precise as the scrape interval), sometimes the termination reason
//! (`OOMKilled` is what makes a sawtooth an OOM sawtooth), and always the memory series, whose
//! drop marks the restart to the sample. A CSV or a live cgroup has only the last.
//!
//! Rules, each a choice written down:
//! - a counter that goes up by `d` between two samples means `d` restarts, spread evenly over
//!   that interval; a counter that goes *down* is a reset (the pod was replaced): one restart;
//! - a drop of the primary series by at least `drop_fraction` of the value before it, and by at
//!   least `min_drop_bytes`, that stays down (the next two samples are still half that far
//!   below; a dip of noise comes back) is a restart candidate. Heap series are never used (every GC drops
//!   the heap). When a restart counter with two or more samples is given, drops alone do not
//!   make a restart (page cache reclaim can drop the working set too); they only sharpen the
//!   time of the restart the counter reports;
//! - candidates closer than `merge_seconds` are one restart, timed at the drop when there is one
//!   (the first sample of the new container), its source the most informative one
//!   (termination, then counter, then drop).

use crate::types::{Component, Input, Restart, RestartSource, Sample, Series};

/// What restart detection needs from the options.
#[derive(Clone, Copy, Debug)]
pub struct RestartRules {
    /// A fall of at least this fraction of the value before it is a drop.
    pub drop_fraction: f64,
    /// ... and of at least this many bytes.
    pub min_drop_bytes: f64,
    /// Candidates closer than this (seconds) are the same restart.
    pub merge_seconds: f64,
}

#[derive(Clone, Debug)]
struct Candidate {
    t: f64,
    source: RestartSource,
    reason: Option<String>,
    /// For drops: the value before.
    before: Option<f64>,
    /// A drop of the memory series (not a counter reset).
    memory: bool,
}

/// Restarts found in `input`, oldest first. `primary` is the series drops are looked for in.
pub fn find_restarts(
    input: &Input,
    primary: Option<&Series>,
    rules: &RestartRules,
) -> Vec<Restart> {
    let counter_given = input
        .restarts
        .as_ref()
        .is_some_and(|s| s.samples.len() >= 2);
    let mut cands = Vec::new();
    if let Some(counter) = &input.restarts {
        counter_candidates(&counter.samples, &mut cands);
    }
    for term in &input.terminations {
        if term.t.is_finite() {
            cands.push(Candidate {
                t: term.t,
                source: RestartSource::Termination,
                reason: Some(term.reason.clone()),
                before: None,
                memory: false,
            });
        }
    }
    if let Some(p) = primary.filter(|p| p.component != Component::Heap) {
        for (t, before) in drops(&p.samples, rules) {
            cands.push(Candidate {
                t,
                source: RestartSource::Drop,
                reason: None,
                before: Some(before),
                memory: true,
            });
        }
    }
    cands.sort_by(|a, b| a.t.total_cmp(&b.t));
    let merge = if rules.merge_seconds.is_finite() {
        rules.merge_seconds.max(0.0)
    } else {
        0.0
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < cands.len() {
        let start = cands[i].t;
        let mut j = i + 1;
        while j < cands.len() && cands[j].t - start <= merge {
            j += 1;
        }
        let cluster = &cands[i..j];
        i = j;
        let only_drops = cluster.iter().all(|c| c.memory);
        if only_drops && counter_given {
            continue;
        }
        let drop = cluster.iter().find(|c| c.memory);
        let best = cluster
            .iter()
            .min_by_key(|c| match c.source {
                RestartSource::Termination => 0,
                RestartSource::Counter => 1,
                RestartSource::Drop => 2,
            })
            .unwrap_or(&cluster[0]);
        let t = drop.map_or(cluster[0].t, |d| d.t);
        let usage_before = drop
            .and_then(|d| d.before)
            .or_else(|| primary.and_then(|p| peak_before(&p.samples, t, merge.max(60.0))));
        let reason = cluster.iter().find_map(|c| c.reason.clone());
        out.push(Restart {
            t,
            source: best.source,
            reason,
            usage_before_bytes: usage_before,
        });
    }
    out
}

/// Restart candidates from a restart counter.
fn counter_candidates(samples: &[Sample], out: &mut Vec<Candidate>) {
    for w in samples.windows(2) {
        let (a, b) = (w[0], w[1]);
        if !(a.v.is_finite() && b.v.is_finite() && a.t.is_finite() && b.t.is_finite()) {
            continue;
        }
        if b.v > a.v {
            let d = (b.v - a.v).round().clamp(1.0, 1000.0) as usize;
            for k in 1..=d {
                let t = a.t + (b.t - a.t) * k as f64 / d as f64;
                out.push(Candidate {
                    t,
                    source: RestartSource::Counter,
                    reason: None,
                    before: None,
                    memory: false,
                });
            }
        } else if b.v < a.v {
            out.push(Candidate {
                t: b.t,
                source: RestartSource::Drop,
                reason: None,
                before: None,
                memory: false,
            });
        }
    }
}

/// `(time of the first sample after, value before)` for each sudden drop.
fn drops(samples: &[Sample], rules: &RestartRules) -> Vec<(f64, f64)> {
    let frac = if rules.drop_fraction.is_finite() {
        rules.drop_fraction.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let min_bytes = if rules.min_drop_bytes.is_finite() {
        rules.min_drop_bytes.max(0.0)
    } else {
        0.0
    };
    let mut out = Vec::new();
    for i in 1..samples.len() {
        let (before, after) = (samples[i - 1], samples[i]);
        let need = (frac * before.v.abs()).max(min_bytes);
        let fall = before.v - after.v;
        // A restart stays down: the next two samples (when there are) are still at least half
        // the needed fall below the value before. A one-sample dip of noise comes back.
        let stays = samples[i + 1..(i + 3).min(samples.len())]
            .iter()
            .all(|s| before.v - s.v >= need / 2.0);
        if fall > 0.0 && fall >= need && stays {
            out.push((after.t, before.v));
        }
    }
    out
}

/// The highest value in the `window` seconds before `t`. Without a drop to time it, a restart
/// reported by the counter or a termination happened somewhere in that window, and the peak
/// there is the usage it was killed at (the last value could already be the new container's).
fn peak_before(samples: &[Sample], t: f64, window: f64) -> Option<f64> {
    let end = samples.partition_point(|s| s.t < t);
    let start = samples.partition_point(|s| s.t < t - window).min(end);
    samples[start..end].iter().map(|s| s.v).reduce(f64::max)
}

/// The typical time between restarts: the median interval, when there are at least two.
pub fn restart_period(restarts: &[Restart]) -> Option<f64> {
    if restarts.len() < 2 {
        return None;
    }
    let mut gaps: Vec<f64> = restarts.windows(2).map(|w| w[1].t - w[0].t).collect();
    crate::stats::median_in_place(&mut gaps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Termination;

    fn series(component: Component, pts: &[(f64, f64)]) -> Series {
        Series {
            name: "s".into(),
            component,
            samples: pts.iter().map(|&(t, v)| Sample { t, v }).collect(),
        }
    }

    const RULES: RestartRules = RestartRules {
        drop_fraction: 0.3,
        min_drop_bytes: 1.0,
        merge_seconds: 60.0,
    };

    #[test]
    fn drops_counter_and_terminations_merge() {
        let mem = series(
            Component::WorkingSet,
            &[
                (0.0, 100.0),
                (60.0, 200.0),
                (120.0, 300.0),
                (180.0, 50.0),
                (240.0, 150.0),
                (300.0, 40.0),
            ],
        );
        // Drops only.
        let input = Input {
            series: vec![mem.clone()],
            ..Input::default()
        };
        let r = find_restarts(&input, Some(&mem), &RULES);
        assert_eq!(
            r.iter().map(|r| r.t).collect::<Vec<_>>(),
            vec![180.0, 300.0]
        );
        assert_eq!(r[0].usage_before_bytes, Some(300.0));
        assert_eq!(r[0].source, RestartSource::Drop);
        assert_eq!(restart_period(&r), Some(120.0));

        // Counter and a termination near the first drop: one restart, timed at the drop.
        let counter = series(Component::Other, &[(0.0, 3.0), (200.0, 4.0), (400.0, 4.0)]);
        let input = Input {
            series: vec![mem.clone()],
            restarts: Some(counter),
            terminations: vec![Termination {
                t: 210.0,
                reason: "OOMKilled".into(),
            }],
            ..Input::default()
        };
        let r = find_restarts(&input, Some(&mem), &RULES);
        // The drop at 300 alone is not trusted when a counter is given.
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].t, 180.0);
        assert_eq!(r[0].source, RestartSource::Termination);
        assert_eq!(r[0].reason.as_deref(), Some("OOMKilled"));
    }

    #[test]
    fn counter_jumps_spread_and_resets_count() {
        let counter = series(Component::Other, &[(0.0, 0.0), (300.0, 3.0), (600.0, 1.0)]);
        let input = Input {
            restarts: Some(counter),
            ..Input::default()
        };
        let r = find_restarts(
            &input,
            None,
            &RestartRules {
                merge_seconds: 10.0,
                ..RULES
            },
        );
        assert_eq!(
            r.iter().map(|r| r.t).collect::<Vec<_>>(),
            vec![100.0, 200.0, 300.0, 600.0]
        );
    }

    #[test]
    fn a_dip_that_comes_back_is_noise() {
        let mem = series(
            Component::WorkingSet,
            &[
                (0.0, 100.0),
                (60.0, 100.0),
                (120.0, 40.0),
                (180.0, 100.0),
                (240.0, 101.0),
            ],
        );
        let input = Input {
            series: vec![mem.clone()],
            ..Input::default()
        };
        assert!(find_restarts(&input, Some(&mem), &RULES).is_empty());
    }

    #[test]
    fn heap_drops_are_gc_not_restarts() {
        let heap = series(
            Component::Heap,
            &[(0.0, 100.0), (1.0, 900.0), (2.0, 100.0), (3.0, 900.0)],
        );
        let input = Input {
            series: vec![heap.clone()],
            ..Input::default()
        };
        assert!(find_restarts(&input, Some(&heap), &RULES).is_empty());
    }
}
