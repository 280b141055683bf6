//! The Theil-Sen slope (median of pairwise slopes) with Sen's (1968) confidence interval,
//! computed exactly as `scipy.stats.theilslopes(y, x, alpha, method='separate')` does, but in
//! expected `O(n log n)` time and `O(n)` memory instead of scipy's `n^2` matrices.
//!
//! Why Theil-Sen: memory series are noisy, have GC sawtooth and the odd spike; the median of
//! slopes ignores up to ~29% outliers where least squares is dragged by one. Why scipy's exact
//! arithmetic: it is what people check against, so the slope must be the same number.
//!
//! scipy's recipe, reproduced step by step:
//! - slopes `(y_j - y_i) / (x_j - x_i)` over pairs with `x_j > x_i` (`nt` of them), sorted;
//! - `slope = median(slopes)` (mean of the middle two when `nt` is even);
//! - `intercept = median(y) - slope * median(x)`;
//! - `z = norm.ppf(alpha / 2)` with `alpha` turned into `1 - alpha` when above 0.5;
//! - `sigma^2 = (n(n-1)(2n+5) - sum_x k(k-1)(2k+5) - sum_y k(k-1)(2k+5)) / 18` over groups of
//!   repeated values (Sen's equation 2.6);
//! - `Ru = min(round((nt - z sigma) / 2), nt - 1)`, `Rl = max(round((nt + z sigma) / 2) - 1, 0)`
//!   (NumPy rounds halves to even); `low = slopes[Rl]`, `high = slopes[Ru]`.
//!
//! The interval is therefore a distribution-free interval for the slope built on Kendall's
//! statistic (the ranks of the pairwise slopes), not a bootstrap: it assumes independent
//! noise, so on autocorrelated series it is too narrow, which is why the verdict also asks for
//! Mann-Kendall significance and a minimum size of effect.

use crate::pairwise::PairSlopes;
use crate::stats::{median_in_place, norm_ppf, round_half_even};

/// The result, with scipy's names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TheilSen {
    /// Median of the pairwise slopes.
    pub slope: f64,
    /// `median(y) - slope * median(x)`: the line's value at `x = 0`.
    pub intercept: f64,
    /// Lower end of Sen's interval (`low_slope`); NaN when scipy's would be (see [`theil_sen`]).
    pub low_slope: f64,
    /// Upper end (`high_slope`).
    pub high_slope: f64,
    /// `median(x)` and `median(y)`, to move the intercept to another origin.
    pub median_x: f64,
    /// `median(y)`.
    pub median_y: f64,
    /// Points used (finite ones).
    pub n: usize,
    /// Pairwise slopes (pairs with different `x`).
    pub pairs: u64,
}

impl TheilSen {
    /// The line's value at `x0`, computed around the medians so that epoch-sized `x` does not
    /// cost precision.
    pub fn value_at(&self, x0: f64) -> f64 {
        self.median_y + self.slope * (x0 - self.median_x)
    }
}

/// Theil-Sen over `(x, y)` points with confidence level `alpha` (scipy's meaning: 0.95 gives a
/// 95% interval; values below 0.5 are taken as `1 - alpha`). Non-finite points are dropped.
/// `None` when there is no pair with different `x`. The interval is NaN when Sen's variance is
/// negative (tiny samples with many ties), as in scipy.
pub fn theil_sen(points: impl IntoIterator<Item = (f64, f64)>, alpha: f64) -> Option<TheilSen> {
    theil_sen_prepared(&PairSlopes::new(points), alpha)
}

/// [`theil_sen`] on points already prepared (reused by callers that select more ranks).
pub fn theil_sen_prepared(ps: &PairSlopes, alpha: f64) -> Option<TheilSen> {
    let nt = ps.total();
    if nt == 0 {
        return None;
    }
    let slope = if nt % 2 == 1 {
        ps.select(&[nt / 2]).first().copied()?
    } else {
        let two = ps.select(&[nt / 2 - 1, nt / 2]);
        (two.first()? + two.get(1)?) / 2.0
    };
    let median_x = median_in_place(&mut ps.xs().to_vec())?;
    let median_y = median_in_place(&mut ps.ys().to_vec())?;
    let intercept = median_y - slope * median_x;

    let (low_slope, high_slope) = match sen_ranks(ps, alpha) {
        Some((rl, ru)) => {
            let low = ps.select(&[rl]).first().copied().unwrap_or(f64::NAN);
            let high = if ru == rl {
                low
            } else {
                ps.select(&[ru]).first().copied().unwrap_or(f64::NAN)
            };
            (low, high)
        }
        None => (f64::NAN, f64::NAN),
    };
    Some(TheilSen {
        slope,
        intercept,
        low_slope,
        high_slope,
        median_x,
        median_y,
        n: ps.len(),
        pairs: nt,
    })
}

/// Only the median slope (no interval, no intercept): a third of the work of [`theil_sen`].
pub fn median_slope(points: impl IntoIterator<Item = (f64, f64)>) -> Option<f64> {
    let ps = PairSlopes::new(points);
    let nt = ps.total();
    if nt == 0 {
        return None;
    }
    if nt % 2 == 1 {
        ps.select(&[nt / 2]).first().copied()
    } else {
        let two = ps.select(&[nt / 2 - 1, nt / 2]);
        Some((two.first()? + two.get(1)?) / 2.0)
    }
}

/// Sen's ranks `(Rl, Ru)` of the interval's ends, `None` where scipy gives NaN.
fn sen_ranks(ps: &PairSlopes, alpha: f64) -> Option<(u64, u64)> {
    let mut a = alpha;
    if !(a.is_finite() && a > 0.0 && a < 1.0) {
        return None;
    }
    if a > 0.5 {
        a = 1.0 - a;
    }
    let z = norm_ppf(a / 2.0);
    let n = ps.len() as i128;
    let mut sum = n * (n - 1) * (2 * n + 5);
    sum -= repeats_term(ps.xs().to_vec());
    sum -= repeats_term(ps.ys().to_vec());
    let sigsq = (1.0 / 18.0) * sum as f64;
    if sigsq.is_nan() || sigsq < 0.0 {
        return None;
    }
    let sigma = sigsq.sqrt();
    let nt = ps.total() as f64;
    let ru = round_half_even((nt - z * sigma) / 2.0);
    let rl = round_half_even((nt + z * sigma) / 2.0) - 1.0;
    if !ru.is_finite() || !rl.is_finite() {
        return None;
    }
    let last = ps.total() - 1;
    let ru = if ru < 0.0 { 0 } else { (ru as u64).min(last) };
    let rl = if rl < 0.0 { 0 } else { (rl as u64).min(last) };
    Some((rl, ru))
}

/// `sum k(k-1)(2k+5)` over groups of `k > 1` equal values.
fn repeats_term(mut values: Vec<f64>) -> i128 {
    values.sort_by(f64::total_cmp);
    let mut sum = 0i128;
    let mut i = 0;
    while i < values.len() {
        let mut j = i + 1;
        while j < values.len() && values[j] == values[i] {
            j += 1;
        }
        let k = (j - i) as i128;
        if k > 1 {
            sum += k * (k - 1) * (2 * k + 5);
        }
        i = j;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::SplitMix64;

    /// The scipy recipe with every slope built and sorted: the reference.
    fn naive(points: &[(f64, f64)], alpha: f64) -> (f64, f64, f64, f64) {
        let mut slopes = Vec::new();
        for a in points {
            for b in points {
                if b.0 - a.0 > 0.0 {
                    slopes.push((b.1 - a.1) / (b.0 - a.0));
                }
            }
        }
        slopes.sort_by(f64::total_cmp);
        let nt = slopes.len();
        let slope = if nt % 2 == 1 {
            slopes[nt / 2]
        } else {
            (slopes[nt / 2 - 1] + slopes[nt / 2]) / 2.0
        };
        let mut xs: Vec<f64> = points.iter().map(|p| p.0).collect();
        let mut ys: Vec<f64> = points.iter().map(|p| p.1).collect();
        let inter = median_in_place(&mut ys).unwrap() - slope * median_in_place(&mut xs).unwrap();
        let z = norm_ppf((1.0 - alpha) / 2.0);
        let n = points.len() as i128;
        let sum = n * (n - 1) * (2 * n + 5)
            - repeats_term(points.iter().map(|p| p.0).collect())
            - repeats_term(points.iter().map(|p| p.1).collect());
        let sigma = ((1.0 / 18.0) * sum as f64).sqrt();
        let ru = (round_half_even((nt as f64 - z * sigma) / 2.0) as usize).min(nt - 1);
        let rl = (round_half_even((nt as f64 + z * sigma) / 2.0) - 1.0).max(0.0) as usize;
        (slope, inter, slopes[rl], slopes[ru])
    }

    #[test]
    fn matches_the_naive_scipy_recipe() {
        let mut rng = SplitMix64::new(42);
        for &n in &[2usize, 3, 10, 101, 400, 900] {
            let pts: Vec<(f64, f64)> = (0..n)
                .map(|i| {
                    let t = 1_700_000_000.0 + 30.0 * i as f64;
                    (t, (5e8 + 2000.0 * i as f64 + 3e5 * rng.normal()).round())
                })
                .collect();
            let got = theil_sen(pts.iter().copied(), 0.95).unwrap();
            let (slope, inter, low, high) = naive(&pts, 0.95);
            assert_eq!(got.slope, slope, "n={n}");
            assert_eq!(got.intercept, inter, "n={n}");
            if n > 2 {
                assert_eq!((got.low_slope, got.high_slope), (low, high), "n={n}");
            }
        }
    }

    /// Values printed by `scipy.stats.theilslopes` 1.17.1 (`repr(float(...))`) for these
    /// series, so the test holds without scipy installed.
    #[test]
    fn matches_scipy_reference_values() {
        let pts: Vec<(f64, f64)> = (0..200u64)
            .map(|i| {
                let t = 1.7e9 + 15.0 * i as f64 + (i * 7 % 5) as f64;
                let v = 1e9 + 15000.0 * i as f64 + (((i * 7919) % 1000) as f64 - 500.0) * 1e4;
                (t, v)
            })
            .collect();
        let r = theil_sen(pts.iter().copied(), 0.95).unwrap();
        assert_eq!(
            (r.slope, r.intercept, r.low_slope, r.high_slope),
            (
                920.6660137120471,
                -1564132136285.5044,
                333.3333333333333,
                1420.8021753908906
            )
        );
        let r = theil_sen(pts, 0.90).unwrap();
        assert_eq!(
            (r.low_slope, r.high_slope),
            (333.3333333333333, 1320.9876543209878)
        );
        // Heavy ties in both coordinates (the repeat terms of Sen's variance).
        let tied: Vec<(f64, f64)> = (0..60u64)
            .map(|i| ((i / 3) as f64, ((i * 13) % 7) as f64))
            .collect();
        let r = theil_sen(tied, 0.95).unwrap();
        assert_eq!(
            (r.slope, r.intercept, r.low_slope, r.high_slope),
            (0.0, 3.0, -0.08333333333333333, 0.09090909090909091)
        );
    }

    #[test]
    fn recovers_a_known_slope_and_brackets_it() {
        let mut rng = SplitMix64::new(3);
        let pts: Vec<(f64, f64)> = (0..5000)
            .map(|i| {
                (
                    i as f64 * 10.0,
                    1e9 + 250.0 * i as f64 * 10.0 + 1e5 * rng.normal(),
                )
            })
            .collect();
        let ts = theil_sen(pts, 0.95).unwrap();
        assert!((ts.slope - 250.0).abs() < 2.0, "{ts:?}");
        assert!(ts.low_slope <= 250.0 && 250.0 <= ts.high_slope, "{ts:?}");
        assert!(ts.low_slope < ts.slope && ts.slope < ts.high_slope);
    }

    #[test]
    fn ignores_outliers() {
        let mut pts: Vec<(f64, f64)> = (0..200).map(|i| (i as f64, 3.0 * i as f64)).collect();
        for p in pts.iter_mut().step_by(5) {
            p.1 += 1e12;
        }
        assert_eq!(theil_sen(pts, 0.95).unwrap().slope, 3.0);
    }

    #[test]
    fn degenerate() {
        assert!(theil_sen(Vec::new(), 0.95).is_none());
        assert!(theil_sen(vec![(1.0, 2.0)], 0.95).is_none());
        assert!(theil_sen(vec![(1.0, 2.0), (1.0, 3.0)], 0.95).is_none());
        let two = theil_sen(vec![(0.0, 0.0), (2.0, 4.0)], 0.95).unwrap();
        assert_eq!(two.slope, 2.0);
        // n = 2: sigma^2 = 2*1*9/18 = 1, Ru = round((1+1.96)/2) = 1 -> clamped to 0.
        assert_eq!((two.low_slope, two.high_slope), (2.0, 2.0));
        assert!(theil_sen(vec![(0.0, 1.0), (1.0, 1.0)], f64::NAN)
            .unwrap()
            .low_slope
            .is_nan());
    }
}
