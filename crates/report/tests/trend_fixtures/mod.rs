//! Hand-built inputs and analyses for the `oomdoc trend` writers: the seed incident (a JVM whose
//! kernel memory grows until it is OOM-killed, again and again), a leak before its first kill,
//! a warm-up, a steady series, eight series, a huge series and the degenerate cases. The
//! analyses are made here, not by `oomdoc_series::analyze`, so the snapshots only move when a
//! writer does.

#![allow(dead_code)] // Each test file uses its own subset.

use oomdoc_series::{
    Analysis, Component, Estimate, Fit, Input, Recommendation, Restart, RestartSource, Sample,
    Series, SeriesAnalysis, Verdict,
};

pub const MI: f64 = 1_048_576.0;
pub const GI: f64 = 1_073_741_824.0;
/// 2026-11-25 00:00:00 UTC.
pub const T0: f64 = 1_795_564_800.0;

/// Deterministic noise in [-1, 1].
pub fn noise(i: usize, salt: u64) -> f64 {
    let mut x = (i as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(salt.wrapping_mul(1_442_695_040_888_963_407));
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % 2001) as f64 / 1000.0 - 1.0
}

pub fn series(name: &str, component: Component, samples: Vec<Sample>) -> Series {
    Series {
        name: name.into(),
        component,
        samples,
    }
}

/// Least squares over `samples` in `[t0, t1]`: a stand-in for the analysis' Theil-Sen fit.
pub fn fit(samples: &[Sample], t0: f64, t1: f64, p_value: f64) -> Fit {
    let pts: Vec<&Sample> = samples.iter().filter(|s| s.t >= t0 && s.t <= t1).collect();
    let n = pts.len() as f64;
    let (mt, mv) = pts
        .iter()
        .fold((0.0, 0.0), |(a, b), s| (a + s.t - t0, b + s.v));
    let (mt, mv) = (mt / n.max(1.0), mv / n.max(1.0));
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for s in &pts {
        sxy += (s.t - t0 - mt) * (s.v - mv);
        sxx += (s.t - t0 - mt) * (s.t - t0 - mt);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    Fit {
        t0,
        t1,
        intercept: mv - slope * mt,
        slope: Estimate {
            value: slope,
            low: slope * 0.9 - 1.0,
            high: slope * 1.1 + 1.0,
        },
        p_value,
        samples: pts.len(),
    }
}

/// The per-series analysis, with one fit per stretch between `cuts`.
pub fn analyse(s: &Series, cuts: &[f64], p_value: f64, levels_off: bool) -> SeriesAnalysis {
    let v = |f: fn(f64, f64) -> f64, init: f64| s.samples.iter().map(|x| x.v).fold(init, f);
    let (first, last) = (s.samples.first(), s.samples.last());
    let mut bounds = vec![first.map_or(0.0, |x| x.t)];
    bounds.extend(cuts.iter().copied());
    bounds.push(last.map_or(0.0, |x| x.t));
    let fits: Vec<Fit> = bounds
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| fit(&s.samples, w[0], w[1] - 1.0, p_value))
        .collect();
    let slope = fits.last().map_or(0.0, |f| f.slope.value * 3600.0);
    let ci = fits.last().map_or((0.0, 0.0), |f| {
        (f.slope.low * 3600.0, f.slope.high * 3600.0)
    });
    SeriesAnalysis {
        name: s.name.clone(),
        component: s.component,
        samples: s.samples.len(),
        first: first.map_or(0.0, |x| x.v),
        last: last.map_or(0.0, |x| x.v),
        min: if s.samples.is_empty() {
            0.0
        } else {
            v(f64::min, f64::INFINITY)
        },
        max: if s.samples.is_empty() {
            0.0
        } else {
            v(f64::max, f64::NEG_INFINITY)
        },
        slope_bytes_per_hour: slope,
        slope_ci_bytes_per_hour: ci,
        p_value,
        levels_off,
        fits,
    }
}

fn empty_analysis(verdict: Verdict, reason: &str) -> Analysis {
    Analysis {
        verdict,
        reason: reason.into(),
        series: Vec::new(),
        primary: None,
        restarts: Vec::new(),
        restart_period_seconds: None,
        limit_bytes: None,
        jvm_max_heap_bytes: None,
        time_to_limit_seconds: None,
        growing_component: None,
        peak_bytes: None,
        recommendation: None,
        next_steps: Vec::new(),
    }
}

/// The seed incident: 3 days, one sample a minute, killed about every 10 hours. Kernel memory
/// (sockets of a WebClient made per request) climbs from zero after each start; the heap-ish
/// RSS and the page cache stay flat; the working set is their sum.
pub fn sawtooth() -> (Input, Analysis) {
    let period = 11.0 * 3600.0 + 1200.0;
    let n = 3 * 24 * 60;
    let mut kernel = Vec::new();
    let mut rss = Vec::new();
    let mut cache = Vec::new();
    let mut ws = Vec::new();
    let mut restarts = Vec::new();
    let mut cuts = Vec::new();
    let mut since = 0.0;
    for i in 0..n {
        let t = T0 + i as f64 * 60.0;
        since += 60.0;
        let k = 0.05 * GI + since / period * 2.45 * GI;
        let r = 1.3 * GI + noise(i, 1) * 40.0 * MI;
        let c = 0.2 * GI + noise(i, 2) * 10.0 * MI;
        let w = k + r + c;
        if w >= 4.0 * GI {
            restarts.push(Restart {
                t,
                source: RestartSource::Termination,
                reason: Some("OOMKilled".into()),
                usage_before_bytes: ws.last().map(|s: &Sample| s.v),
            });
            cuts.push(t);
            since = 0.0;
            continue;
        }
        kernel.push(Sample { t, v: k });
        rss.push(Sample { t, v: r });
        cache.push(Sample { t, v: c });
        ws.push(Sample { t, v: w });
    }
    let input = Input {
        series: vec![
            series(
                "container_memory_working_set_bytes",
                Component::WorkingSet,
                ws,
            ),
            series("container_memory_rss", Component::Rss, rss),
            series("container_memory_cache", Component::Cache, cache),
            series("container_memory_kernel_usage", Component::Kernel, kernel),
        ],
        limit_bytes: Some(4.0 * GI),
        jvm_max_heap_bytes: Some(GI),
        ..Input::default()
    };
    let series: Vec<SeriesAnalysis> = input
        .series
        .iter()
        .map(|s| {
            let grows = matches!(s.component, Component::Kernel | Component::WorkingSet);
            analyse(s, &cuts, if grows { 1e-9 } else { 0.41 }, false)
        })
        .collect();
    let last_ws = input.series[0].samples.last().map_or(0.0, |s| s.v);
    let slope = series[0].slope_bytes_per_hour;
    let ttl = (4.0 * GI - last_ws) / slope * 3600.0;
    let mut a = empty_analysis(
        Verdict::SawtoothRestarts,
        "the working set climbs to the 4Gi limit and the container is OOM-killed, 6 times in 3 days",
    );
    a.peak_bytes = Some(series[0].max);
    a.series = series;
    a.primary = Some(0);
    let mut gaps: Vec<f64> = restarts.windows(2).map(|w| w[1].t - w[0].t).collect();
    gaps.sort_by(f64::total_cmp);
    a.restart_period_seconds = gaps.get(gaps.len() / 2).copied();
    a.restarts = restarts;
    a.limit_bytes = Some(4.0 * GI);
    a.jvm_max_heap_bytes = Some(GI);
    a.time_to_limit_seconds = Some(Estimate {
        value: ttl,
        low: ttl / 1.1,
        high: ttl / 0.9,
    });
    a.growing_component = Some(Component::Kernel);
    a.recommendation = Some(Recommendation {
        request_bytes: 4.0 * GI,
        limit_bytes: 5.0 * GI,
        rule: "limit = peak working set x 1.2, rounded up to 256Mi".into(),
        compared: "VPA would recommend from the p90 of usage; KRR from the max".into(),
        meaningful: false,
    });
    a.next_steps = vec![
        "kernel memory grows: look at sockets and slabs (`cat /sys/fs/cgroup/memory.stat`, `ss -s` in the pod)".into(),
        "look for clients built per request (WebClient, HttpClient) that are never closed".into(),
    ];
    (input, a)
}

/// A leak caught before its first kill: 12 hours, working set growing 150Mi/h towards 4Gi.
pub fn leak() -> (Input, Analysis) {
    let ws: Vec<Sample> = (0..720)
        .map(|i| Sample {
            t: T0 + i as f64 * 60.0,
            v: 1.2 * GI + i as f64 / 60.0 * 150.0 * MI + noise(i, 3) * 30.0 * MI,
        })
        .collect();
    let input = Input {
        series: vec![series(
            "container_memory_working_set_bytes",
            Component::WorkingSet,
            ws,
        )],
        limit_bytes: Some(4.0 * GI),
        ..Input::default()
    };
    let s = analyse(&input.series[0], &[], 1e-12, false);
    let last = input.series[0].samples.last().map_or(0.0, |x| x.v);
    let ttl = (4.0 * GI - last) / s.slope_bytes_per_hour * 3600.0;
    let mut a = empty_analysis(
        Verdict::Leak,
        "the working set grows 150Mi/h for 12h and does not level off",
    );
    a.peak_bytes = Some(s.max);
    a.series = vec![s];
    a.primary = Some(0);
    a.limit_bytes = Some(4.0 * GI);
    a.time_to_limit_seconds = Some(Estimate {
        value: ttl,
        low: ttl * 0.9,
        high: ttl * 1.15,
    });
    a.growing_component = Some(Component::WorkingSet);
    a.next_steps = vec!["take two heap dumps an hour apart and compare them".into()];
    (input, a)
}

/// A JVM heap filling up to its max, then flat: 6 hours, every 30 s.
pub fn warm_up() -> (Input, Analysis) {
    let heap: Vec<Sample> = (0..720)
        .map(|i| {
            let t = i as f64 * 30.0;
            Sample {
                t: T0 + t,
                v: 0.2 * GI + 0.75 * GI * (1.0 - (-t / 3600.0).exp()) + noise(i, 4) * 20.0 * MI,
            }
        })
        .collect();
    let input = Input {
        series: vec![series(
            "jvm_memory_used_bytes{area=\"heap\"}",
            Component::Heap,
            heap,
        )],
        limit_bytes: Some(2.0 * GI),
        jvm_max_heap_bytes: Some(GI),
        ..Input::default()
    };
    let mut s = analyse(&input.series[0], &[], 0.2, true);
    s.slope_bytes_per_hour = 2.0 * MI;
    s.slope_ci_bytes_per_hour = (-MI, 5.0 * MI);
    let mut a = empty_analysis(
        Verdict::WarmingUp,
        "the heap grew fast in the first hour and has been flat since",
    );
    a.peak_bytes = Some(s.max);
    a.series = vec![s];
    a.primary = Some(0);
    a.limit_bytes = Some(2.0 * GI);
    a.jvm_max_heap_bytes = Some(GI);
    a.recommendation = Some(Recommendation {
        request_bytes: 1.25 * GI,
        limit_bytes: 1.5 * GI,
        rule: "limit = peak x 1.2".into(),
        compared: "close to VPA's upper bound".into(),
        meaningful: true,
    });
    (input, a)
}

/// 50 samples of a flat series, 5 minutes apart, no limit.
pub fn steady() -> (Input, Analysis) {
    let s: Vec<Sample> = (0..50)
        .map(|i| Sample {
            t: T0 + i as f64 * 300.0,
            v: 300.0 * MI + noise(i, 5) * 8.0 * MI,
        })
        .collect();
    let input = Input {
        series: vec![series("memory.current", Component::Usage, s)],
        ..Input::default()
    };
    let mut a = empty_analysis(Verdict::Steady, "no significant trend (p = 0.62)");
    let sa = analyse(&input.series[0], &[], 0.62, false);
    a.peak_bytes = Some(sa.max);
    a.series = vec![sa];
    a.primary = Some(0);
    (input, a)
}

/// Eight series at once (one per container of a pod, say), one with a hostile name.
pub fn eight() -> (Input, Analysis) {
    let names = [
        "app",
        "envoy",
        "fluent-bit",
        "istio-proxy",
        "a<b&\"c\"",
        "vault-agent",
        "otel-collector",
        "jaeger-agent",
    ];
    let input = Input {
        series: names
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let base = (k as f64 + 1.0) * 100.0 * MI;
                let s = (0..500)
                    .map(|i| Sample {
                        t: T0 + i as f64 * 120.0,
                        v: base
                            + i as f64 * (k as f64) * 0.05 * MI
                            + noise(i, k as u64) * 10.0 * MI,
                    })
                    .collect();
                series(n, Component::WorkingSet, s)
            })
            .collect(),
        limit_bytes: Some(1.5 * GI),
        ..Input::default()
    };
    let series: Vec<SeriesAnalysis> = input
        .series
        .iter()
        .map(|s| analyse(s, &[], 0.01, false))
        .collect();
    let mut a = empty_analysis(Verdict::Leak, "several containers grow");
    a.peak_bytes = Some(series[0].max);
    a.series = series;
    a.primary = Some(0);
    a.limit_bytes = Some(1.5 * GI);
    a.growing_component = Some(Component::WorkingSet);
    (input, a)
}

/// `n` samples of one growing series one second apart, with the matching analysis.
pub fn huge(n: usize) -> (Input, Analysis) {
    let s: Vec<Sample> = (0..n)
        .map(|i| Sample {
            t: T0 + i as f64,
            v: GI + i as f64 * 64.0 + noise(i, 6) * 50.0 * MI,
        })
        .collect();
    let input = Input {
        series: vec![series("usage", Component::Usage, s)],
        limit_bytes: Some(4.0 * GI),
        ..Input::default()
    };
    let mut a = empty_analysis(Verdict::Leak, "grows");
    a.series = vec![analyse(&input.series[0], &[], 1e-9, false)];
    a.primary = Some(0);
    a.limit_bytes = Some(4.0 * GI);
    (input, a)
}

/// No series at all.
pub fn empty() -> (Input, Analysis) {
    (
        Input::default(),
        empty_analysis(Verdict::InsufficientData, "no samples"),
    )
}

/// One sample, and a second series of equal values at the same instant.
pub fn one_sample() -> (Input, Analysis) {
    let input = Input {
        series: vec![
            series(
                "usage",
                Component::Usage,
                vec![Sample {
                    t: T0,
                    v: 100.0 * MI,
                }],
            ),
            series(
                "rss",
                Component::Rss,
                vec![
                    Sample {
                        t: T0,
                        v: 50.0 * MI,
                    },
                    Sample {
                        t: T0,
                        v: 50.0 * MI,
                    },
                ],
            ),
        ],
        limit_bytes: Some(0.0),
        ..Input::default()
    };
    let series = input
        .series
        .iter()
        .map(|s| analyse(s, &[], f64::NAN, false))
        .collect();
    let mut a = empty_analysis(Verdict::InsufficientData, "one sample");
    a.series = series;
    a.primary = Some(0);
    a.limit_bytes = Some(0.0);
    a.time_to_limit_seconds = Some(Estimate {
        value: 0.0,
        low: 0.0,
        high: f64::INFINITY,
    });
    (input, a)
}

/// A week of a container restarted every four hours, sampled every 15 s, with a six-hour hole
/// where the scraper was down: many restart markers and a broken line.
pub fn busy_week() -> (Input, Analysis) {
    let mut ws = Vec::new();
    let mut restarts = Vec::new();
    let mut cuts = Vec::new();
    let period = 4.0 * 3600.0;
    for i in 0..(7 * 24 * 240) {
        let t = i as f64 * 15.0;
        if (3.0 * 86_400.0..3.25 * 86_400.0).contains(&t) {
            continue;
        }
        let since = t % period;
        if since < 15.0 && i > 0 {
            restarts.push(Restart {
                t: T0 + t,
                source: RestartSource::Drop,
                reason: None,
                usage_before_bytes: ws.last().map(|s: &Sample| s.v),
            });
            cuts.push(T0 + t);
        }
        ws.push(Sample {
            t: T0 + t,
            v: 300.0 * MI + since / period * 400.0 * MI + noise(i, 7) * 5.0 * MI,
        });
    }
    let input = Input {
        series: vec![series("working_set", Component::WorkingSet, ws)],
        limit_bytes: Some(768.0 * MI),
        ..Input::default()
    };
    let s = analyse(&input.series[0], &cuts, 1e-6, false);
    let mut a = empty_analysis(Verdict::SawtoothRestarts, "restarted every 4h");
    a.peak_bytes = Some(s.max);
    a.series = vec![s];
    a.primary = Some(0);
    a.restart_period_seconds = Some(period);
    a.restarts = restarts;
    a.limit_bytes = Some(768.0 * MI);
    (input, a)
}
