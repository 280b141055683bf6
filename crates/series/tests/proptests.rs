//! Properties over generated inputs: the estimators are exact against their definitions, the
//! slope is recovered within its statistical tolerance, each shape gets its verdict, the
//! builder stays bounded and faithful, and nothing panics on any input.

mod gen;

use gen::*;
use oomdoc_series::pairwise::PairSlopes;
use oomdoc_series::stats::SplitMix64;
use oomdoc_series::{
    analyze, mann_kendall, theil_sen, Component, Input, Options, Sample, Series, SeriesBuilder,
    Termination, Verdict,
};
use proptest::prelude::*;

fn brute_slopes(pts: &[(f64, f64)]) -> Vec<f64> {
    let mut s = Vec::new();
    for a in pts {
        for b in pts {
            if b.0 - a.0 > 0.0 {
                s.push((b.1 - a.1) / (b.0 - a.0));
            }
        }
    }
    s.sort_by(f64::total_cmp);
    s
}

/// Small integer-valued points with many ties in both coordinates.
fn tied_points() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((0u8..40, 0u8..30), 0..70)
        .prop_map(|v| v.into_iter().map(|(x, y)| (x as f64, y as f64)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn selection_is_exact_for_every_rank(pts in tied_points()) {
        let want = brute_slopes(&pts);
        let ps = PairSlopes::new(pts.iter().copied());
        prop_assert_eq!(ps.total(), want.len() as u64);
        // About 30 ranks spread over all of them, and both ends.
        let step = (want.len() / 30).max(1);
        for (k, w) in want.iter().enumerate().filter(|(k, _)| k % step == 0 || *k + 1 == want.len()) {
            prop_assert_eq!(ps.select(&[k as u64]), vec![*w]);
        }
    }

    #[test]
    fn theil_sen_median_is_the_median_of_all_slopes(pts in tied_points()) {
        let want = brute_slopes(&pts);
        match theil_sen(pts.iter().copied(), 0.95) {
            None => prop_assert!(want.is_empty()),
            Some(ts) => {
                let n = want.len();
                let med = if n % 2 == 1 { want[n / 2] } else { (want[n / 2 - 1] + want[n / 2]) / 2.0 };
                prop_assert_eq!(ts.slope, med);
                if !ts.low_slope.is_nan() {
                    prop_assert!(ts.low_slope <= ts.high_slope);
                    prop_assert!(want.contains(&ts.low_slope) && want.contains(&ts.high_slope));
                }
            }
        }
    }

    #[test]
    fn mann_kendall_s_is_concordant_minus_discordant(pts in tied_points()) {
        let mut s = 0i128;
        for (i, a) in pts.iter().enumerate() {
            for b in &pts[i + 1..] {
                let dt = if b.0 == a.0 { 0 } else if b.0 > a.0 { 1 } else { -1 };
                let dv = if b.1 == a.1 { 0 } else if b.1 > a.1 { 1 } else { -1 };
                s += dt * dv;
            }
        }
        let mk = mann_kendall(pts.iter().copied());
        prop_assert_eq!(mk.s, s);
        prop_assert!((0.0..=1.0).contains(&mk.p_value));
    }

    #[test]
    fn slope_is_recovered_within_tolerance(
        slope in -5e4f64..5e4,
        sigma in 0.0f64..5e6,
        n in 30usize..3000,
        step in 1.0f64..120.0,
        seed in any::<u64>(),
    ) {
        let mut rng = SplitMix64::new(seed);
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let t = T0 + i as f64 * step;
                (t, 2e9 + slope * (t - T0) + sigma * rng.normal())
            })
            .collect();
        let ts = theil_sen(pts, 0.95).unwrap();
        let span = (n - 1) as f64 * step;
        // Standard error of a least-squares slope, and Theil-Sen is ~90% as efficient.
        let se = sigma * (12.0f64).sqrt() / (span * (n as f64).sqrt());
        prop_assert!((ts.slope - slope).abs() <= 6.0 * se + 1e-9 * slope.abs() + 1e-9,
            "slope {} want {} se {}", ts.slope, slope, se);
        prop_assert!(ts.low_slope <= ts.slope && ts.slope <= ts.high_slope);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn linear_growth_is_a_leak(
        rise in 0.1f64..2.0,
        noise_frac in 0.0f64..0.5,
        hours in 2.0f64..24.0,
        seed in any::<u64>(),
    ) {
        // From 1 GiB, growing by `rise` GiB over the window.
        let rate_mib_h = rise * 1024.0 / hours;
        let rate = rate_mib_h * MIB / 3600.0;
        let n = 300;
        let step = hours * 3600.0 / n as f64;
        // Noise up to half the growth per hour, and at most 3% of the base (memory series are
        // smooth; GC noise lives in the heap series, not the working set).
        let sigma = (noise_frac * rate_mib_h * MIB).min(0.03 * GIB);
        let ws = series("ws", Component::WorkingSet, n, step, sigma, seed, |t| GIB + rate * t);
        let a = analyze(&input(vec![ws]), &Options::default());
        prop_assert_eq!(a.verdict, Verdict::Leak, "{}", a.reason);
        let got = a.series[0].slope_bytes_per_hour;
        prop_assert!((got - rate_mib_h * MIB).abs() < 0.1 * rate_mib_h * MIB, "{} vs {}", got, rate_mib_h);
    }

    #[test]
    fn saturating_growth_is_warming_up(
        m_mib in 200.0f64..4000.0,
        tau_min in 10.0f64..120.0,
        noise_frac in 0.0f64..0.02,
        seed in any::<u64>(),
    ) {
        // Watched for 4 to 6 time constants.
        let tau = tau_min * 60.0;
        let span = tau * (4.0 + (seed % 3) as f64);
        let n = 300;
        let m = m_mib * MIB;
        let ws = series("ws", Component::WorkingSet, n, span / n as f64, noise_frac * m, seed, |t| {
            200.0 * MIB + m * (1.0 - (-t / tau).exp())
        });
        let a = analyze(&input(vec![ws]), &Options::default());
        prop_assert_eq!(a.verdict, Verdict::WarmingUp, "{}", a.reason);
    }

    #[test]
    fn flat_is_steady(level_mib in 50.0f64..8000.0, noise_frac in 0.0f64..0.05, seed in any::<u64>()) {
        let level = level_mib * MIB;
        let ws = series("ws", Component::WorkingSet, 400, 60.0, noise_frac * level, seed, |_| level);
        let a = analyze(&input(vec![ws]), &Options::default());
        prop_assert_eq!(a.verdict, Verdict::Steady, "{}", a.reason);
    }

    #[test]
    fn periodic_kills_are_a_sawtooth_with_their_period(
        period_h in 1.0f64..8.0,
        kills in 2usize..8,
        noise_frac in 0.0f64..0.01,
        seed in any::<u64>(),
    ) {
        let base = GIB;
        let limit = 3.0 * GIB;
        let rate = (limit - base) / (period_h * 3600.0);
        let span = period_h * 3600.0 * (kills as f64 + 0.5);
        let step = 60.0;
        let n = (span / step) as usize;
        let ws = series("ws", Component::WorkingSet, n, step, noise_frac * GIB, seed, sawtooth(base, rate, limit));
        let mut inp = input(vec![ws]);
        inp.limit_bytes = Some(limit);
        let a = analyze(&inp, &Options::default());
        prop_assert_eq!(a.verdict, Verdict::SawtoothRestarts, "{}", a.reason);
        prop_assert_eq!(a.restarts.len(), kills);
        let got = a.restart_period_seconds.unwrap();
        prop_assert!((got - period_h * 3600.0).abs() <= 2.0 * step, "{} vs {}", got, period_h * 3600.0);
    }

    #[test]
    fn tiny_series_are_insufficient(n in 0usize..10, seed in any::<u64>()) {
        let ws = series("ws", Component::WorkingSet, n, 60.0, MIB, seed, |t| GIB + 1e5 * t);
        let a = analyze(&input(vec![ws]), &Options::default());
        prop_assert_eq!(a.verdict, Verdict::InsufficientData);
    }

    #[test]
    fn builder_is_bounded_and_keeps_extremes(
        values in prop::collection::vec((0.0f64..1e6, -1e9f64..1e9), 1..3000),
        max_buckets in 2usize..64,
        in_order in any::<bool>(),
    ) {
        let mut b = SeriesBuilder::with_max_buckets("x", Component::Usage, max_buckets);
        let mut pts = values.clone();
        if in_order {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        for (t, v) in &pts {
            b.push(*t, *v);
        }
        prop_assert_eq!(b.len(), pts.len());
        let s = b.finish();
        prop_assert!(s.samples.len() <= 6 * max_buckets + pts.len().min(6 * max_buckets));
        prop_assert!(s.samples.windows(2).all(|w| w[0].t <= w[1].t));
        let max = pts.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let min = pts.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        prop_assert_eq!(s.samples.iter().map(|p| p.v).fold(f64::MIN, f64::max), max);
        prop_assert_eq!(s.samples.iter().map(|p| p.v).fold(f64::MAX, f64::min), min);
        // Every kept sample is a pushed one.
        for x in &s.samples {
            prop_assert!(pts.iter().any(|p| p.0 == x.t && p.1 == x.v));
        }
        if in_order && pts.len() <= 2 * max_buckets {
            prop_assert_eq!(s.samples.len(), pts.len());
        }
    }
}

/// Any float, including the ones that break naive code.
fn wild_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::MIN_POSITIVE),
        Just(1e300),
        -1e12f64..1e12,
        any::<f64>(),
    ]
}

fn wild_series() -> impl Strategy<Value = Series> {
    let comp = prop_oneof![
        Just(Component::Usage),
        Just(Component::WorkingSet),
        Just(Component::Rss),
        Just(Component::Kernel),
        Just(Component::Heap),
        Just(Component::Other),
    ];
    let times = prop_oneof![wild_f64(), (0u8..5).prop_map(|t| t as f64)];
    (comp, prop::collection::vec((times, wild_f64()), 0..40)).prop_map(|(component, pts)| Series {
        name: "wild".into(),
        component,
        samples: pts.into_iter().map(|(t, v)| Sample { t, v }).collect(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn nothing_panics_on_any_input(
        series in prop::collection::vec(wild_series(), 0..4),
        limit in prop::option::of(wild_f64()),
        limit_series in prop::option::of(wild_series()),
        restarts in prop::option::of(wild_series()),
        terms in prop::collection::vec(wild_f64(), 0..4),
        heap in prop::option::of(wild_f64()),
        margin in wild_f64(),
        drop_fraction in wild_f64(),
    ) {
        let input = Input {
            series,
            limit_series,
            limit_bytes: limit,
            restarts,
            terminations: terms.into_iter().map(|t| Termination { t, reason: "OOMKilled".into() }).collect(),
            jvm_max_heap_bytes: heap,
        };
        let options = Options { margin, drop_fraction, ..Options::default() };
        let a = analyze(&input, &options);
        prop_assert_eq!(a.series.len(), input.series.len());
        prop_assert!(a.primary.is_none_or(|p| p < a.series.len()));
        // And the estimators on raw points.
        let pts: Vec<(f64, f64)> = input.series.iter().flat_map(|s| s.samples.iter().map(|x| (x.t, x.v))).collect();
        let _ = theil_sen(pts.iter().copied(), 0.95);
        let _ = mann_kendall(pts.iter().copied());
        let mut b = SeriesBuilder::with_max_buckets("b", Component::Usage, 4);
        for (t, v) in pts {
            b.push(t, v);
        }
        let s = b.finish();
        prop_assert!(s.samples.iter().all(|x| x.t.is_finite() && x.v.is_finite()));
    }
}
