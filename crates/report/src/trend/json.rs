//! `oomdoc trend --format json`. The schema is stable: fields are added, never renamed or
//! removed, and keys come in this order.
//!
//! ```text
//! {
//!   "verdict": "leak" | "warming_up" | "steady" | "sawtooth_restarts" | "insufficient_data",
//!   "reason": string,                      // one sentence saying why
//!   "primary": string | null,              // name of the series the verdict is about
//!   "growing_component": "usage" | "working_set" | "rss" | "cache" | "kernel" | "shmem"
//!                        | "swap" | "heap" | "other" | null,
//!   "series": [{
//!     "name": string, "component": string (as above), "samples": integer,
//!     "first_bytes": number, "last_bytes": number, "min_bytes": number, "max_bytes": number,
//!     "slope_bytes_per_hour": number,      // since the last restart (Theil-Sen)
//!     "slope_ci_bytes_per_hour": [low, high],
//!     "p_value": number,                   // Mann-Kendall, two-sided, last segment
//!     "levels_off": bool,
//!     "segments": [{                       // one per stretch between restarts, oldest first
//!       "start": number, "end": number,   // Unix seconds
//!       "intercept_bytes": number,         // the fitted line's value at "start"
//!       "slope_bytes_per_hour": number, "slope_ci_bytes_per_hour": [low, high],
//!       "p_value": number, "samples": integer
//!     }]
//!   }],
//!   "restarts": [{
//!     "t": number,                         // Unix seconds
//!     "time": string,                      // the same, RFC 3339 UTC
//!     "source": "counter" | "drop" | "termination",
//!     "reason": string | null,             // "OOMKilled", ...
//!     "usage_before_bytes": number | null
//!   }],
//!   "restart_period_seconds": number | null,   // median time between restarts
//!   "time_to_limit_seconds": number | null,    // from the last sample, at the current slope
//!   "time_to_limit_interval_seconds": [low, high | null] | null,  // high null: unbounded
//!   "limit_bytes": number | null,
//!   "jvm_max_heap_bytes": number | null,
//!   "peak_bytes": number | null,                // highest value of the primary series
//!   "recommendation": {"request_bytes": integer, "limit_bytes": integer, "rule": string,
//!                      "compared": string, "meaningful": bool} | null,
//!   "next_steps": [string]
//! }
//! ```
//!
//! Byte figures measured or fitted are whole bytes; slopes are whole bytes per hour; the
//! recommendation's figures are whole bytes as they would go in a manifest. Numbers that are
//! not finite are written as `null`.

use std::io::{self, Write};

use oomdoc_series::{Analysis, Fit, Input, Restart, RestartSource, SeriesAnalysis};
use serde::Serialize;

/// Whole bytes; `None` (JSON `null`) when not finite, since JSON has no infinity.
fn bytes(v: f64) -> Option<i64> {
    v.is_finite().then(|| v.round() as i64)
}

fn num(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

#[derive(Serialize)]
struct Segment {
    start: Option<f64>,
    end: Option<f64>,
    intercept_bytes: Option<i64>,
    slope_bytes_per_hour: Option<i64>,
    slope_ci_bytes_per_hour: [Option<i64>; 2],
    p_value: Option<f64>,
    samples: usize,
}

#[derive(Serialize)]
struct SeriesDoc<'a> {
    name: &'a str,
    component: &'static str,
    samples: usize,
    first_bytes: Option<i64>,
    last_bytes: Option<i64>,
    min_bytes: Option<i64>,
    max_bytes: Option<i64>,
    slope_bytes_per_hour: Option<i64>,
    slope_ci_bytes_per_hour: [Option<i64>; 2],
    p_value: Option<f64>,
    levels_off: bool,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct RestartDoc<'a> {
    t: Option<f64>,
    time: String,
    source: &'static str,
    reason: Option<&'a str>,
    usage_before_bytes: Option<i64>,
}

#[derive(Serialize)]
struct RecommendationDoc<'a> {
    request_bytes: Option<i64>,
    limit_bytes: Option<i64>,
    rule: &'a str,
    compared: &'a str,
    meaningful: bool,
}

/// The JSON document of one analysis, in the documented key order; serialize it with
/// `serde_json` or embed it in a larger document.
#[derive(Serialize)]
pub struct TrendDoc<'a> {
    verdict: &'static str,
    reason: &'a str,
    primary: Option<&'a str>,
    growing_component: Option<&'static str>,
    series: Vec<SeriesDoc<'a>>,
    restarts: Vec<RestartDoc<'a>>,
    restart_period_seconds: Option<f64>,
    time_to_limit_seconds: Option<f64>,
    time_to_limit_interval_seconds: Option<[Option<f64>; 2]>,
    limit_bytes: Option<i64>,
    jvm_max_heap_bytes: Option<i64>,
    peak_bytes: Option<i64>,
    recommendation: Option<RecommendationDoc<'a>>,
    next_steps: &'a [String],
}

fn segment(fit: &Fit) -> Segment {
    Segment {
        start: num(fit.t0),
        end: num(fit.t1),
        intercept_bytes: bytes(fit.intercept),
        slope_bytes_per_hour: bytes(fit.slope.value * 3600.0),
        slope_ci_bytes_per_hour: [
            bytes(fit.slope.low * 3600.0),
            bytes(fit.slope.high * 3600.0),
        ],
        p_value: num(fit.p_value),
        samples: fit.samples,
    }
}

fn series(s: &SeriesAnalysis) -> SeriesDoc<'_> {
    SeriesDoc {
        name: &s.name,
        component: s.component.as_str(),
        samples: s.samples,
        first_bytes: bytes(s.first),
        last_bytes: bytes(s.last),
        min_bytes: bytes(s.min),
        max_bytes: bytes(s.max),
        slope_bytes_per_hour: bytes(s.slope_bytes_per_hour),
        slope_ci_bytes_per_hour: [
            bytes(s.slope_ci_bytes_per_hour.0),
            bytes(s.slope_ci_bytes_per_hour.1),
        ],
        p_value: num(s.p_value),
        levels_off: s.levels_off,
        segments: s.fits.iter().map(segment).collect(),
    }
}

fn restart(r: &Restart) -> RestartDoc<'_> {
    let (date, secs) = super::axis::civil(r.t);
    RestartDoc {
        t: num(r.t),
        time: format!(
            "{date}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ),
        source: match r.source {
            RestartSource::Counter => "counter",
            RestartSource::Drop => "drop",
            RestartSource::Termination => "termination",
        },
        reason: r.reason.as_deref(),
        usage_before_bytes: r.usage_before_bytes.and_then(bytes),
    }
}

/// The JSON document of an analysis. `input` is not needed today; it is taken so the schema
/// can grow (e.g. with the data's span) without a signature change.
pub fn trend_json<'a>(_input: &Input, a: &'a Analysis) -> TrendDoc<'a> {
    TrendDoc {
        verdict: a.verdict.as_str(),
        reason: &a.reason,
        primary: a
            .primary
            .and_then(|p| a.series.get(p))
            .map(|s| s.name.as_str()),
        growing_component: a.growing_component.map(|c| c.as_str()),
        series: a.series.iter().map(series).collect(),
        restarts: a.restarts.iter().map(restart).collect(),
        restart_period_seconds: a.restart_period_seconds.and_then(num),
        time_to_limit_seconds: a.time_to_limit_seconds.and_then(|e| num(e.value)),
        time_to_limit_interval_seconds: a.time_to_limit_seconds.map(|e| [num(e.low), num(e.high)]),
        limit_bytes: a.limit_bytes.and_then(bytes),
        jvm_max_heap_bytes: a.jvm_max_heap_bytes.and_then(bytes),
        peak_bytes: a.peak_bytes.and_then(bytes),
        recommendation: a.recommendation.as_ref().map(|r| RecommendationDoc {
            request_bytes: bytes(r.request_bytes),
            limit_bytes: bytes(r.limit_bytes),
            rule: &r.rule,
            compared: &r.compared,
            meaningful: r.meaningful,
        }),
        next_steps: &a.next_steps,
    }
}

/// Writes the JSON document (pretty, keys in the documented order, one trailing newline).
pub fn write_trend_json(input: &Input, a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &trend_json(input, a))?;
    writeln!(out)
}
