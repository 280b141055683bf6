//! [`analyze`]: from an [`Input`] to an [`Analysis`]. This file only orchestrates; each step
//! lives in the module named for it (restarts, segments, verdict, forecast, recommend,
//! next_steps).
//!
//! The flow: clean the series (sorted, finite), pick the primary one (working set, else usage,
//! else the first), find restarts, cut every series at them and fit each segment, judge the
//! primary series, find the component that grows, forecast the limit, recommend a size, and say
//! what to run next. Pure: no I/O, no clock, deterministic (the randomized selection is seeded).

use std::borrow::Cow;

use crate::forecast::time_to_limit;
use crate::next_steps::next_steps;
use crate::recommend::recommend;
use crate::restarts::{find_restarts, restart_period, RestartRules};
use crate::segments::{fit, grows_on_after_warm_up, levels_off, rises_then_flattens, split};

/// Growth after an early rise that keeps this share of its middle-third rate is a leak behind a
/// warm-up (see [`grows_on_after_warm_up`]).
const STEADY_RATE_RATIO: f64 = 0.45;
use crate::types::{Analysis, Component, Fit, Input, Sample, Series, SeriesAnalysis, Verdict};
use crate::verdict::{grows, judge};

/// Knobs of the analysis. `Options::default()` is what `oomdoc trend` uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Confidence level of slope intervals (scipy's `alpha`): 0.95.
    pub confidence: f64,
    /// Significance level of the trend test: 0.01. (0.05 called one flat, noisy series in
    /// twenty-odd a leak in the property tests; memory series are also autocorrelated, which
    /// makes the test optimistic, so the bar is higher.)
    pub alpha: f64,
    /// A fall of at least this fraction of the value before it is a restart candidate: 0.3.
    pub drop_fraction: f64,
    /// ... and of at least this many bytes: 1 MiB.
    pub min_drop_bytes: f64,
    /// Restart signals closer than this are one restart: 300 s.
    pub restart_merge_seconds: f64,
    /// Fewer samples than this (in the series, or in the segment judged) is too few: 10.
    pub min_samples: usize,
    /// A shorter span than this is too short: 60 s.
    pub min_span_seconds: f64,
    /// Growth smaller than this fraction of the starting level over the segment is not growth:
    /// 0.05. (A slower leak needs a longer window to be told from noise and drift.)
    pub min_growth_fraction: f64,
    /// Growth levels off when the last third's slope is below this fraction of the first
    /// third's: 0.3 (see [`crate::segments::levels_off`]).
    pub levels_off_ratio: f64,
    /// Safety margin of the recommendation: 0.2 (limit = peak x 1.2).
    pub margin: f64,
    /// Segments longer than this are reduced to at most this many real samples before fitting,
    /// which bounds the analysis' memory: 262,144.
    pub max_points: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            confidence: 0.95,
            alpha: 0.01,
            drop_fraction: 0.3,
            min_drop_bytes: 1024.0 * 1024.0,
            restart_merge_seconds: 300.0,
            min_samples: 10,
            min_span_seconds: 60.0,
            min_growth_fraction: 0.05,
            levels_off_ratio: 0.3,
            margin: 0.2,
            max_points: 1 << 18,
        }
    }
}

/// What the analysis knows about one series beyond the public [`SeriesAnalysis`].
pub(crate) struct Worked {
    pub analysis: SeriesAnalysis,
    /// The fit the verdict and the rates are about: the last segment with enough samples.
    pub current: Option<Fit>,
    /// Fits of the segments that ended in a restart (all but the last).
    pub complete: Vec<Fit>,
}

/// Runs the whole analysis. Never panics; any input (empty, NaN, one sample, equal times, huge
/// values) gives an [`Analysis`], at worst `insufficient_data`.
pub fn analyze(input: &Input, options: &Options) -> Analysis {
    let cleaned: Vec<Cow<'_, Series>> = input.series.iter().map(clean).collect();
    let primary = primary_index(&cleaned);
    let limit = limit_of(input);
    let rules = RestartRules {
        drop_fraction: options.drop_fraction,
        min_drop_bytes: options.min_drop_bytes,
        merge_seconds: options.restart_merge_seconds,
    };
    let restarts_input = clean_input_parts(input);
    let restarts = find_restarts(
        &restarts_input,
        primary.map(|i| cleaned[i].as_ref()),
        &rules,
    );
    let period = restart_period(&restarts);

    let worked: Vec<Worked> = cleaned
        .iter()
        .map(|s| work(s, &restarts, options))
        .collect();
    let primary_work = primary.map(|i| &worked[i]);
    let (verdict, reason) = judge(primary_work, &restarts, period, limit, options);

    let growing_component = growing_component(&worked, verdict, options);
    let last_t = primary.and_then(|i| cleaned[i].samples.last().map(|s| s.t));
    let time_to_limit_seconds = match (verdict, primary_work, last_t, limit) {
        (Verdict::Leak | Verdict::SawtoothRestarts, Some(w), Some(t), Some(l)) => {
            w.current.as_ref().and_then(|f| time_to_limit(f, t, l))
        }
        _ => None,
    };
    let peak_bytes = primary_work
        .map(|w| w.analysis.max)
        .filter(|v| v.is_finite());
    let recommendation = match (primary, peak_bytes) {
        (Some(i), Some(peak)) if verdict != Verdict::InsufficientData => Some(recommend(
            &cleaned[i],
            peak,
            verdict,
            options.margin,
            input.jvm_max_heap_bytes,
        )),
        _ => None,
    };
    let steps = next_steps(
        verdict,
        growing_component,
        worked.iter().any(|w| is_component(w.analysis.component)),
        worked
            .iter()
            .any(|w| w.analysis.component == Component::Heap),
    );
    Analysis {
        verdict,
        reason,
        series: worked.into_iter().map(|w| w.analysis).collect(),
        primary,
        restarts,
        restart_period_seconds: period,
        limit_bytes: limit,
        jvm_max_heap_bytes: input
            .jvm_max_heap_bytes
            .filter(|v| v.is_finite() && *v > 0.0),
        time_to_limit_seconds,
        growing_component,
        peak_bytes,
        recommendation,
        next_steps: steps,
    }
}

/// The series sorted by time without non-finite samples (borrowed when it already is).
fn clean(s: &Series) -> Cow<'_, Series> {
    let ok = s.samples.iter().all(|x| x.t.is_finite() && x.v.is_finite())
        && s.samples.windows(2).all(|w| w[0].t <= w[1].t);
    if ok {
        return Cow::Borrowed(s);
    }
    let mut samples: Vec<Sample> = s
        .samples
        .iter()
        .copied()
        .filter(|x| x.t.is_finite() && x.v.is_finite())
        .collect();
    samples.sort_by(|a, b| a.t.total_cmp(&b.t));
    Cow::Owned(Series {
        name: s.name.clone(),
        component: s.component,
        samples,
    })
}

/// The restart counter cleaned the same way (terminations are used as given).
fn clean_input_parts(input: &Input) -> Input {
    Input {
        series: Vec::new(),
        limit_series: None,
        limit_bytes: None,
        restarts: input.restarts.as_ref().map(|s| clean(s).into_owned()),
        terminations: input.terminations.clone(),
        jvm_max_heap_bytes: None,
    }
}

/// Working set, else usage, else the first series.
fn primary_index(series: &[Cow<'_, Series>]) -> Option<usize> {
    let by = |c: Component| series.iter().position(|s| s.component == c);
    by(Component::WorkingSet)
        .or_else(|| by(Component::Usage))
        .or(if series.is_empty() { None } else { Some(0) })
}

/// The user's limit, else the last sensible value of the limit series. "No limit" shows up as 0
/// (cAdvisor) or as a huge page-aligned number (cgroup v1's 9223372036854771712): neither counts.
fn limit_of(input: &Input) -> Option<f64> {
    let sensible = |v: f64| v.is_finite() && v > 0.0 && v < 4.0e18;
    if let Some(l) = input.limit_bytes.filter(|v| sensible(*v)) {
        return Some(l);
    }
    let s = input.limit_series.as_ref()?;
    let mut best: Option<Sample> = None;
    for x in s
        .samples
        .iter()
        .filter(|x| x.t.is_finite() && sensible(x.v))
    {
        if best.is_none_or(|b| x.t >= b.t) {
            best = Some(*x);
        }
    }
    best.map(|b| b.v)
}

/// Components (parts of the total); usage and working set are totals, `other` is unknown.
pub(crate) fn is_component(c: Component) -> bool {
    matches!(
        c,
        Component::Rss
            | Component::Cache
            | Component::Kernel
            | Component::Shmem
            | Component::Swap
            | Component::Heap
    )
}

/// Segments, fits and summary of one series.
fn work(series: &Series, restarts: &[crate::types::Restart], o: &Options) -> Worked {
    let s = &series.samples;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in s {
        min = min.min(x.v);
        max = max.max(x.v);
    }
    let ranges = split(s, restarts);
    let mut fits = Vec::new();
    let mut current: Option<(Fit, std::ops::Range<usize>)> = None;
    let mut complete = Vec::new();
    for (k, r) in ranges.iter().enumerate() {
        let Some(f) = fit(&s[r.clone()], o.confidence, o.max_points) else {
            continue;
        };
        if k + 1 < ranges.len() {
            complete.push(f.clone());
        }
        if r.len() >= o.min_samples || current.is_none() {
            current = Some((f.clone(), r.clone()));
        }
        fits.push(f);
    }
    let per_hour = 3600.0;
    let (slope, ci, p, lev) = match &current {
        Some((f, r)) => (
            f.slope.value * per_hour,
            (f.slope.low * per_hour, f.slope.high * per_hour),
            f.p_value,
            if grows(f, o) {
                levels_off(&s[r.clone()], o.levels_off_ratio, o.max_points)
                    && !grows_on_after_warm_up(
                        &s[r.clone()],
                        STEADY_RATE_RATIO,
                        o.confidence,
                        o.alpha,
                        o.max_points,
                    )
            } else {
                f.p_value < o.alpha
                    && f.slope.value >= 0.0
                    && rises_then_flattens(&s[r.clone()], o.min_growth_fraction, o.max_points)
            },
        ),
        None => (0.0, (0.0, 0.0), 1.0, false),
    };
    let analysis = SeriesAnalysis {
        name: series.name.clone(),
        component: series.component,
        samples: s.len(),
        first: s.first().map_or(f64::NAN, |x| x.v),
        last: s.last().map_or(f64::NAN, |x| x.v),
        min: if s.is_empty() { f64::NAN } else { min },
        max: if s.is_empty() { f64::NAN } else { max },
        slope_bytes_per_hour: slope,
        slope_ci_bytes_per_hour: ci,
        p_value: p,
        levels_off: lev,
        fits,
    };
    Worked {
        analysis,
        current: current.map(|c| c.0),
        complete,
    }
}

/// The component that grows the most (bytes per hour) among those that grow significantly and
/// do not level off (leveling-off growth counts when the verdict is `warming_up`). When RSS
/// wins but the heap grows at least half as fast, the heap is named: it is the part of RSS
/// that grows.
fn growing_component(worked: &[Worked], verdict: Verdict, o: &Options) -> Option<Component> {
    let cands: Vec<(Component, f64)> = worked
        .iter()
        .filter(|w| is_component(w.analysis.component))
        .filter(|w| w.current.as_ref().is_some_and(|f| grows(f, o)))
        .filter(|w| !w.analysis.levels_off || verdict == Verdict::WarmingUp)
        .map(|w| (w.analysis.component, w.analysis.slope_bytes_per_hour))
        .collect();
    let best = cands.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
    if best.0 == Component::Rss {
        if let Some(h) = cands
            .iter()
            .find(|c| c.0 == Component::Heap && c.1 >= 0.5 * best.1)
        {
            return Some(h.0);
        }
    }
    Some(best.0)
}
