//! Generated memory series with known shape, noise and restarts, from a seeded generator, so
//! every test knows the truth it checks against.
#![allow(dead_code)]

use oomdoc_series::stats::SplitMix64;
use oomdoc_series::{Component, Input, Sample, Series, Termination};

pub const MIB: f64 = 1024.0 * 1024.0;
pub const GIB: f64 = 1024.0 * MIB;
/// An epoch-sized start, as real exports have.
pub const T0: f64 = 1_764_000_000.0;

/// `n` samples every `step` seconds from `T0`, value `f(t - T0) + N(0, sigma)`.
pub fn series(
    name: &str,
    component: Component,
    n: usize,
    step: f64,
    sigma: f64,
    seed: u64,
    f: impl Fn(f64) -> f64,
) -> Series {
    let mut rng = SplitMix64::new(seed);
    let samples = (0..n)
        .map(|i| {
            let t = i as f64 * step;
            Sample {
                t: T0 + t,
                v: (f(t) + sigma * rng.normal()).round(),
            }
        })
        .collect();
    Series {
        name: name.into(),
        component,
        samples,
    }
}

/// Growth from `base` at `rate` bytes/s until `kill_at`, then a restart back to `base`: the
/// seed's pattern. Returns the value at `t` seconds from the start and the restart times
/// (seconds from the start) within `span`.
pub fn sawtooth(base: f64, rate: f64, kill_at: f64) -> impl Fn(f64) -> f64 {
    let period = (kill_at - base) / rate;
    move |t: f64| base + rate * (t % period)
}

/// Restart times of [`sawtooth`] within `span` seconds, as epoch times.
pub fn sawtooth_restarts(base: f64, rate: f64, kill_at: f64, span: f64) -> Vec<f64> {
    let period = (kill_at - base) / rate;
    let mut out = Vec::new();
    let mut t = period;
    while t < span {
        out.push(T0 + t);
        t += period;
    }
    out
}

/// An input of the given series.
pub fn input(series: Vec<Series>) -> Input {
    Input {
        series,
        ..Input::default()
    }
}

/// OOMKilled terminations at the given times.
pub fn oom_kills(times: &[f64]) -> Vec<Termination> {
    times
        .iter()
        .map(|&t| Termination {
            t,
            reason: "OOMKilled".into(),
        })
        .collect()
}
