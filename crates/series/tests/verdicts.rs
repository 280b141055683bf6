//! The verdicts on generated series of known shape: each test builds the truth, runs
//! `analyze`, and checks the verdict, the rates and the period against it.

mod gen;

use gen::*;
use oomdoc_series::{analyze, Component, Input, Options, RestartSource, Series, Verdict};

fn run(input: &Input) -> oomdoc_series::Analysis {
    analyze(input, &Options::default())
}

#[test]
fn linear_growth_is_a_leak_with_the_right_rate_and_time_to_limit() {
    let rate = 20.0 * MIB / 3600.0; // 20 MiB/h
    let ws = series(
        "ws",
        Component::WorkingSet,
        6 * 60,
        60.0,
        5.0 * MIB,
        1,
        |t| GIB + rate * t,
    );
    let mut inp = input(vec![ws]);
    inp.limit_bytes = Some(2.0 * GIB);
    let a = run(&inp);
    assert_eq!(a.verdict, Verdict::Leak, "{}", a.reason);
    let s = &a.series[0];
    let want = 20.0 * MIB;
    assert!(
        (s.slope_bytes_per_hour - want).abs() < 0.05 * want,
        "{}",
        s.slope_bytes_per_hour
    );
    assert!(s.slope_ci_bytes_per_hour.0 < want && want < s.slope_ci_bytes_per_hour.1);
    assert!(s.p_value < 1e-6);
    assert!(!s.levels_off);
    // Level at the end ~ 1 GiB + 6h*20 MiB/h - one step; (2 GiB - that) / rate.
    let level = GIB + rate * 359.0 * 60.0;
    let want_ttl = (2.0 * GIB - level) / rate;
    let ttl = a.time_to_limit_seconds.expect("forecast");
    assert!(
        (ttl.value - want_ttl).abs() < 0.1 * want_ttl,
        "{ttl:?} vs {want_ttl}"
    );
    assert!(ttl.low <= ttl.value && ttl.value <= ttl.high);
    assert!(ttl.low < want_ttl * 1.05 && want_ttl * 0.95 < ttl.high);
    let rec = a.recommendation.expect("recommendation");
    assert!(!rec.meaningful);
    assert!(a.reason.contains("does not level off"), "{}", a.reason);
}

#[test]
fn saturating_growth_is_warming_up_not_a_leak() {
    // v = M (1 - e^(-t/tau)) + noise, watched for 4 tau.
    let tau = 3600.0;
    let ws = series(
        "ws",
        Component::WorkingSet,
        4 * 60,
        60.0,
        8.0 * MIB,
        2,
        |t| 300.0 * MIB + GIB * (1.0 - (-t / tau).exp()),
    );
    let a = run(&input(vec![ws]));
    assert_eq!(a.verdict, Verdict::WarmingUp, "{}", a.reason);
    assert!(a.series[0].levels_off);
    assert!(a.time_to_limit_seconds.is_none());
    let rec = a.recommendation.expect("recommendation");
    assert!(rec.meaningful);
    assert!(rec.limit_bytes >= a.peak_bytes.unwrap() * 1.2);
}

#[test]
fn heap_filling_to_its_max_and_staying_is_warming_up() {
    // The heap climbs at 100 MiB/min to a 1 GiB max, then GC keeps it between 600 MiB and the
    // max (a sawtooth with a 5-minute period); the working set follows the committed heap.
    let max = GIB;
    let heap = series("heap", Component::Heap, 240, 30.0, 4.0 * MIB, 3, move |t| {
        let fill = 100.0 * MIB / 60.0 * t;
        if fill < max {
            fill
        } else {
            0.6 * max + 0.4 * max * ((t % 300.0) / 300.0)
        }
    });
    let ws = series(
        "ws",
        Component::WorkingSet,
        240,
        30.0,
        4.0 * MIB,
        4,
        move |t| 200.0 * MIB + (100.0 * MIB / 60.0 * t).min(max),
    );
    let mut inp = input(vec![ws, heap]);
    inp.jvm_max_heap_bytes = Some(max);
    let a = run(&inp);
    assert_eq!(a.verdict, Verdict::WarmingUp, "{}", a.reason);
    assert_eq!(a.primary, Some(0));
    assert!(
        a.restarts.is_empty(),
        "GC drops of the heap are not restarts: {:?}",
        a.restarts
    );
}

#[test]
fn flat_is_steady() {
    let ws = series(
        "ws",
        Component::WorkingSet,
        500,
        60.0,
        20.0 * MIB,
        5,
        |_| 1.5 * GIB,
    );
    let a = run(&input(vec![ws]));
    assert_eq!(a.verdict, Verdict::Steady, "{}", a.reason);
    assert!(a.growing_component.is_none());
    assert!(a.time_to_limit_seconds.is_none());
    let rec = a.recommendation.unwrap();
    assert!(rec.meaningful);
    assert!(rec.compared.contains("VPA") && rec.compared.contains("KRR"));
}

/// The seed incident: working set and kernel memory grow until the 4 GiB limit kills the pod,
/// again and again; RSS and heap stay flat.
fn seed_like(with_kernel: bool) -> (Input, f64) {
    let rate = 0.5 * GIB / 3600.0; // 512 MiB/h from 1 GiB to 4 GiB: a kill every 6 h
    let span = 36.0 * 3600.0;
    let n = (span / 60.0) as usize;
    let ws = series(
        "container_memory_working_set_bytes",
        Component::WorkingSet,
        n,
        60.0,
        10.0 * MIB,
        6,
        sawtooth(GIB, rate, 4.0 * GIB),
    );
    let kernel_rate = 0.4 * GIB / 3600.0;
    let period = 3.0 * GIB / rate;
    let kernel = series(
        "container_memory_kernel_usage",
        Component::Kernel,
        n,
        60.0,
        2.0 * MIB,
        7,
        move |t| 50.0 * MIB + kernel_rate * (t % period),
    );
    let rss = series(
        "container_memory_rss",
        Component::Rss,
        n,
        60.0,
        10.0 * MIB,
        8,
        |_| 900.0 * MIB,
    );
    let mut series = vec![ws, rss];
    if with_kernel {
        series.push(kernel);
    }
    let mut inp = input(series);
    inp.limit_bytes = Some(4.0 * GIB);
    (inp, period)
}

#[test]
fn seed_sawtooth_with_kernel_growth() {
    let (inp, period) = seed_like(true);
    let a = run(&inp);
    assert_eq!(a.verdict, Verdict::SawtoothRestarts, "{}", a.reason);
    assert_eq!(a.restarts.len(), 5, "{:?}", a.restarts);
    let got = a.restart_period_seconds.unwrap();
    assert!((got - period).abs() <= 60.0, "period {got} vs {period}");
    for (r, want) in a.restarts.iter().zip(sawtooth_restarts(
        GIB,
        0.5 * GIB / 3600.0,
        4.0 * GIB,
        36.0 * 3600.0,
    )) {
        assert_eq!(r.source, RestartSource::Drop);
        assert!((r.t - want).abs() <= 60.0, "{} vs {want}", r.t);
        assert!(r.usage_before_bytes.unwrap() > 3.8 * GIB);
    }
    assert_eq!(a.growing_component, Some(Component::Kernel));
    let kernel = a
        .series
        .iter()
        .find(|s| s.component == Component::Kernel)
        .unwrap();
    let want = 0.4 * GIB;
    assert!(
        (kernel.slope_bytes_per_hour - want).abs() < 0.03 * want,
        "{}",
        kernel.slope_bytes_per_hour
    );
    assert_eq!(kernel.fits.len(), 6);
    let steps = a.next_steps.join("\n");
    assert!(
        steps.contains("ls /proc/PID/fd | wc -l") && steps.contains("ss -s"),
        "{steps}"
    );
    assert!(!a.recommendation.unwrap().meaningful);
    assert!(a.time_to_limit_seconds.is_some());
}

#[test]
fn sawtooth_from_counter_and_oom_kills_without_component_series() {
    let (mut inp, period) = seed_like(false);
    let kills = sawtooth_restarts(GIB, 0.5 * GIB / 3600.0, 4.0 * GIB, 36.0 * 3600.0);
    // The counter is scraped every 5 minutes and the termination seen up to a scrape later.
    let counter = Series {
        name: "kube_pod_container_status_restarts_total".into(),
        component: Component::Other,
        samples: (0..=(36 * 12))
            .map(|i| {
                let t = T0 + i as f64 * 300.0;
                oomdoc_series::Sample {
                    t,
                    v: kills.iter().filter(|&&k| k <= t).count() as f64,
                }
            })
            .collect(),
    };
    inp.restarts = Some(counter);
    inp.terminations = oom_kills(&kills.iter().map(|k| k + 120.0).collect::<Vec<_>>());
    let a = run(&inp);
    assert_eq!(a.verdict, Verdict::SawtoothRestarts, "{}", a.reason);
    assert_eq!(a.restarts.len(), kills.len());
    assert!(a
        .restarts
        .iter()
        .all(|r| r.reason.as_deref() == Some("OOMKilled")));
    assert!((a.restart_period_seconds.unwrap() - period).abs() <= 60.0);
    assert!(a.reason.contains("OOMKilled"), "{}", a.reason);
    // Only a flat RSS besides the total: no component grows, and the steps say so.
    assert!(a.growing_component.is_none());
    assert!(
        a.next_steps
            .join("\n")
            .contains("no single component grows"),
        "{:?}",
        a.next_steps
    );
}

#[test]
fn rss_growth_with_flat_heap_is_native_and_heap_growth_is_heap() {
    let n = 400;
    let ws = series("ws", Component::WorkingSet, n, 60.0, 5.0 * MIB, 9, |t| {
        GIB + 10.0 * MIB / 3600.0 * t
    });
    let rss = series("rss", Component::Rss, n, 60.0, 5.0 * MIB, 10, |t| {
        800.0 * MIB + 10.0 * MIB / 3600.0 * t
    });
    let flat_heap = series("heap", Component::Heap, n, 60.0, 30.0 * MIB, 11, |_| {
        400.0 * MIB
    });
    let a = run(&input(vec![ws.clone(), rss.clone(), flat_heap]));
    assert_eq!(a.verdict, Verdict::Leak, "{}", a.reason);
    assert_eq!(a.growing_component, Some(Component::Rss));
    assert!(a.next_steps.join("\n").contains("VM.native_memory summary"));

    let growing_heap = series("heap", Component::Heap, n, 60.0, 5.0 * MIB, 12, |t| {
        300.0 * MIB + 9.0 * MIB / 3600.0 * t
    });
    let a = run(&input(vec![ws, rss, growing_heap]));
    assert_eq!(a.growing_component, Some(Component::Heap));
    assert!(a.next_steps.join("\n").contains("GC.heap_dump"));
}

#[test]
fn tiny_and_empty_inputs_are_insufficient() {
    assert_eq!(run(&Input::default()).verdict, Verdict::InsufficientData);
    let three = series("ws", Component::WorkingSet, 3, 60.0, 0.0, 1, |t| t);
    let a = run(&input(vec![three]));
    assert_eq!(a.verdict, Verdict::InsufficientData);
    assert!(a.recommendation.is_none());
    assert!(!a.next_steps.is_empty());
    // Many samples in a few seconds: too short a span.
    let burst = series("ws", Component::WorkingSet, 50, 0.5, 0.0, 1, |t| GIB + t);
    assert_eq!(run(&input(vec![burst])).verdict, Verdict::InsufficientData);
}

#[test]
fn limit_from_series_ignores_no_limit_values() {
    let ws = series("ws", Component::Usage, 100, 60.0, 0.0, 1, |t| {
        GIB + 10_000.0 * t
    });
    let mut inp = input(vec![ws]);
    inp.limit_series = Some(Series {
        name: "limit".into(),
        component: Component::Other,
        samples: vec![
            oomdoc_series::Sample {
                t: T0,
                v: 2.0 * GIB,
            },
            oomdoc_series::Sample {
                t: T0 + 60.0,
                v: 9_223_372_036_854_771_712.0,
            },
        ],
    });
    let a = run(&inp);
    assert_eq!(a.limit_bytes, Some(2.0 * GIB));
    assert_eq!(a.verdict, Verdict::Leak);
    inp.limit_bytes = Some(3.0 * GIB);
    assert_eq!(run(&inp).limit_bytes, Some(3.0 * GIB));
}

#[test]
fn a_warm_up_followed_by_steady_growth_is_a_leak() {
    // The seed's pod: the JVM's heap fills in the first two hours (to 1.5 GiB), then kernel memory
    // grows at 30 MiB/h for ever. Overall the growth slows (first third steep), but it does not stop.
    let rate = 30.0 * MIB / 3600.0;
    let ws = series(
        "ws",
        Component::WorkingSet,
        6 * 60,
        60.0,
        4.0 * MIB,
        7,
        |t| 200.0 * MIB + 1.5 * GIB * (1.0 - (-t / 2400.0).exp()) + rate * t,
    );
    let a = run(&input(vec![ws]));
    assert_eq!(a.verdict, Verdict::Leak, "{}", a.reason);
    assert!(!a.series[0].levels_off);
}
