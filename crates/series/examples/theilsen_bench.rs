//! Times oomdoc's Theil-Sen (and the whole analysis) for `benches/theilsen_vs_scipy.sh`.
//!
//! ```text
//! theilsen_bench --generate N [--seed S] [--out FILE]   generate a series, fit it
//! theilsen_bench --csv FILE                             fit `t,v` rows (a header is skipped)
//! theilsen_bench --analyze N                            stream N samples through SeriesBuilder
//!                                                       and analyze (bounded memory)
//! theilsen_bench --analyze-direct N                     the same with all N samples in a Series
//! ```
//!
//! The fit prints one line `n=.. slope=.. intercept=.. low=.. high=.. seconds=..` with the
//! values in shortest round-trip form, timing only `theil_sen` (not reading or generating),
//! as the script times only `scipy.stats.theilslopes`.

use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;

use oomdoc_series::stats::SplitMix64;
use oomdoc_series::{analyze, theil_sen, Component, Input, Options, Sample, Series, SeriesBuilder};

const T0: f64 = 1_764_000_000.0;

/// A leaking series: 15 s steps, 1 GB plus 1000 B/s, N(0, 5 MB) noise, integer-valued so that
/// the CSV round trip is exact.
fn generated(n: usize, seed: u64) -> impl Iterator<Item = (f64, f64)> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(move |i| {
        let t = T0 + 15.0 * i as f64;
        (
            t,
            (1e9 + 1000.0 * 15.0 * i as f64 + 5e6 * rng.normal()).round(),
        )
    })
}

fn read_csv(path: &str) -> Result<Vec<(f64, f64)>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| format!("{path}: {e}"))?;
        let mut it = line.split(',');
        let (Some(a), Some(b)) = (it.next(), it.next()) else {
            continue;
        };
        match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
            (Ok(t), Ok(v)) => out.push((t, v)),
            _ if i == 0 => {}
            _ => return Err(format!("{path}:{}: not `t,v`", i + 1)),
        }
    }
    Ok(out)
}

fn fit(points: Vec<(f64, f64)>) {
    let n = points.len();
    let start = Instant::now();
    let ts = theil_sen(points, 0.95);
    let secs = start.elapsed().as_secs_f64();
    match ts {
        Some(ts) => println!(
            "n={n} slope={:?} intercept={:?} low={:?} high={:?} seconds={secs:.6}",
            ts.slope, ts.intercept, ts.low_slope, ts.high_slope
        ),
        None => println!("n={n} slope=nan seconds={secs:.6}"),
    }
}

fn run_analysis(n: usize, direct: bool) {
    let start = Instant::now();
    let series = if direct {
        let samples: Vec<Sample> = generated(n, 1).map(|(t, v)| Sample { t, v }).collect();
        Series {
            name: "generated".into(),
            component: Component::WorkingSet,
            samples,
        }
    } else {
        let mut b = SeriesBuilder::new("generated", Component::WorkingSet);
        for (t, v) in generated(n, 1) {
            b.push(t, v);
        }
        b.finish()
    };
    let built = start.elapsed().as_secs_f64();
    let kept = series.samples.len();
    let input = Input {
        series: vec![series],
        limit_bytes: Some(64e9),
        ..Input::default()
    };
    let a = analyze(&input, &Options::default());
    let total = start.elapsed().as_secs_f64();
    println!(
        "n={n} kept={kept} verdict={} slope_per_hour={:.1} build_seconds={built:.3} total_seconds={total:.3}",
        a.verdict.as_str(),
        a.series[0].slope_bytes_per_hour
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |flag: &str| get(flag).and_then(|v| v.replace('_', "").parse::<usize>().ok());
    if let Some(path) = get("--csv") {
        match read_csv(&path) {
            Ok(points) => fit(points),
            Err(e) => {
                eprintln!("theilsen_bench: {e}");
                std::process::exit(2);
            }
        }
    } else if let Some(n) = num("--generate") {
        let seed = num("--seed").unwrap_or(1) as u64;
        let points: Vec<(f64, f64)> = generated(n, seed).collect();
        if let Some(out) = get("--out") {
            let write = || -> std::io::Result<()> {
                let mut w = BufWriter::new(std::fs::File::create(&out)?);
                writeln!(w, "t,v")?;
                for (t, v) in &points {
                    writeln!(w, "{t},{v}")?;
                }
                w.flush()
            };
            if let Err(e) = write() {
                eprintln!("theilsen_bench: {out}: {e}");
                std::process::exit(2);
            }
        }
        fit(points);
    } else if let Some(n) = num("--analyze") {
        run_analysis(n, false);
    } else if let Some(n) = num("--analyze-direct") {
        run_analysis(n, true);
    } else {
        eprintln!("usage: theilsen_bench --generate N [--seed S] [--out FILE] | --csv FILE | --analyze N | --analyze-direct N");
        std::process::exit(2);
    }
}
