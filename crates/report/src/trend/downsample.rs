//! Min/max per pixel column: what a line chart of many samples can show at all. Each column
//! keeps its lowest and highest sample in time order, so spikes and drops survive, and the
//! chart of ten million samples is as small as the chart of a thousand.

use oomdoc_series::Sample;

/// Splits `samples` (sorted by time) into runs without gaps and reduces each run to at most two
/// samples per column of `columns` columns across `[t0, t1]`. A gap is a pause longer than ten
/// typical sampling intervals (the pod was not running, or the scraper was down); the line is
/// broken there rather than drawn across.
pub(crate) fn min_max_columns(
    samples: &[Sample],
    t0: f64,
    t1: f64,
    columns: usize,
) -> Vec<Vec<Sample>> {
    let columns = columns.max(1);
    let span = if t1 > t0 { t1 - t0 } else { 1.0 };
    let column =
        |t: f64| (((t - t0) / span * columns as f64).floor().max(0.0) as usize).min(columns - 1);
    let gap = typical_interval(samples) * 10.0;
    let mut runs = Vec::new();
    let mut run: Vec<Sample> = Vec::new();
    // The column being filled: its index and its min and max samples, each with its position.
    let mut cur: Option<Column> = None;
    let mut prev_t = f64::NEG_INFINITY;
    for (i, s) in samples.iter().enumerate() {
        let broken = gap > 0.0 && s.t - prev_t > gap && column(s.t) > column(prev_t.max(t0)) + 1;
        prev_t = s.t;
        let c = column(s.t);
        match &mut cur {
            Some((cc, lo, hi)) if *cc == c && !broken => {
                if s.v < lo.1.v {
                    *lo = (i, *s);
                }
                if s.v > hi.1.v {
                    *hi = (i, *s);
                }
            }
            _ => {
                if let Some(done) = cur.take() {
                    flush(&mut run, done);
                }
                if broken && !run.is_empty() {
                    runs.push(std::mem::take(&mut run));
                }
                cur = Some((c, (i, *s), (i, *s)));
            }
        }
    }
    if let Some(done) = cur {
        flush(&mut run, done);
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// A pixel column: its index, and its lowest and highest sample with their positions.
type Column = (usize, (usize, Sample), (usize, Sample));

fn flush(run: &mut Vec<Sample>, (_, lo, hi): Column) {
    if lo.0 == hi.0 {
        run.push(lo.1);
    } else if lo.0 < hi.0 {
        run.extend([lo.1, hi.1]);
    } else {
        run.extend([hi.1, lo.1]);
    }
}

/// The median time between samples, from at most about a thousand evenly spread pairs so that
/// it costs nothing on huge series; zero when there are fewer than two samples.
fn typical_interval(samples: &[Sample]) -> f64 {
    if samples.len() < 2 {
        return 0.0;
    }
    let pairs = samples.len() - 1;
    let stride = pairs.div_ceil(1001).max(1);
    let mut d: Vec<f64> = (0..pairs)
        .step_by(stride)
        .map(|i| samples[i + 1].t - samples[i].t)
        .collect();
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: f64, v: f64) -> Sample {
        Sample { t, v }
    }

    #[test]
    fn keeps_min_and_max_per_column_in_time_order() {
        let samples: Vec<Sample> = (0..1000)
            .map(|i| s(i as f64, if i == 500 { 1e9 } else { (i % 7) as f64 }))
            .collect();
        let runs = min_max_columns(&samples, 0.0, 999.0, 10);
        assert_eq!(runs.len(), 1);
        assert!(runs[0].len() <= 20);
        // The spike survives.
        assert!(runs[0].iter().any(|p| p.v == 1e9));
        assert!(runs[0].windows(2).all(|w| w[0].t <= w[1].t));
    }

    #[test]
    fn breaks_the_line_at_gaps() {
        let mut samples: Vec<Sample> = (0..100).map(|i| s(i as f64, 1.0)).collect();
        samples.extend((0..100).map(|i| s(10_000.0 + i as f64, 2.0)));
        let runs = min_max_columns(&samples, 0.0, 10_099.0, 500);
        assert_eq!(runs.len(), 2);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(min_max_columns(&[], 0.0, 0.0, 10).is_empty());
        let one = min_max_columns(&[s(5.0, 1.0)], 5.0, 5.0, 10);
        assert_eq!(one, vec![vec![s(5.0, 1.0)]]);
        let same_t = min_max_columns(&[s(5.0, 1.0), s(5.0, 3.0)], 5.0, 5.0, 0);
        assert_eq!(same_t[0].len(), 2);
    }
}
