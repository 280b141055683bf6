//! Order statistics of the pairwise slopes `(y_j - y_i) / (x_j - x_i)`, `x_i < x_j`, of `n`
//! points without building the `n(n-1)/2` slopes: randomized interval shrinking in the style of
//! Matoušek (1991) and Dillencourt, Mount & Netanyahu (1992), expected `O(n log n)`.
//!
//! Why it works: a slope is `<= s` exactly when `u_j <= u_i` for `u = y - s x`, so the number
//! of slopes `<= s` is an inversion count of the points re-ordered by `u`, which a merge sort
//! finds in `O(n log n)`. The slopes between two thresholds `lo < hi` are exactly the pairs
//! whose order differs between the `lo`-order and the `hi`-order: the inversions of one
//! permutation. Those can be counted, sampled uniformly and, once few, listed, all by walking
//! a merge sort of that permutation in blocks (each element taken from a right run is inverted
//! with a contiguous slice of the left run). Each round samples `r = 2n` slopes of the current
//! interval (the first round simply draws random pairs), picks two sample order statistics
//! around the wanted ranks (plus or minus three standard deviations), counts them with one
//! merge sort each, and keeps the interval between: about `n^2/2 -> 2 n^1.5 -> 9 n` slopes,
//! so two rounds; then the last `O(n)` slopes are listed and the wanted ones selected in
//! linear time.
//!
//! Why the answer is the *same* number NumPy finds: the listed slopes are computed as
//! `(y_j - y_i) / (x_j - x_i)` with the same floating-point operations as
//! `scipy.stats.theilslopes`, and correctly rounded division is monotone, so the k-th of the
//! rounded slopes is the rounding of the k-th true one. The counting works on `u` (rounded
//! too); it can only misplace slopes within a few ulps of a threshold, never by a real gap.

use crate::stats::SplitMix64;

/// A threshold on the slopes: the set of pairs it "covers" is those with slope `< s` (`Below`)
/// or `<= s` (`At`); `NegInf` covers none, `PosInf` all.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Threshold {
    NegInf,
    Below(f64),
    At(f64),
    PosInf,
}

/// Points sorted by `x` ascending, ties by `y` descending (the "p-order"), ready for slope
/// selection.
#[derive(Clone, Debug)]
pub struct PairSlopes {
    x: Vec<f64>,
    y: Vec<f64>,
    /// `x - x[0]` and `y - y[0]`: thresholds are applied to centred values so that `s * x`
    /// does not swamp the differences (epoch seconds are ~1.7e9).
    xc: Vec<f64>,
    yc: Vec<f64>,
    /// `(start, len)` of runs of equal `x` longer than one.
    x_groups: Vec<(usize, usize)>,
    /// Pairs with `x_i < x_j`: the slopes there are.
    total: u64,
    seed: u64,
}

/// One threshold's point order (point ids, i.e. p-order indices) and how many slopes it covers.
struct Cut {
    th: Threshold,
    count: u64,
    order: Vec<u32>,
}

impl PairSlopes {
    /// Points from `(x, y)` pairs; non-finite ones are dropped. At most `u32::MAX` points.
    pub fn new(points: impl IntoIterator<Item = (f64, f64)>) -> Self {
        let mut pts: Vec<(f64, f64)> = points
            .into_iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        pts.truncate(u32::MAX as usize);
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let x: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let y: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let (x0, y0) = pts.first().copied().unwrap_or((0.0, 0.0));
        let xc = x.iter().map(|v| v - x0).collect();
        let yc = y.iter().map(|v| v - y0).collect();
        let n = x.len() as u64;
        let mut x_groups = Vec::new();
        let mut eq_pairs = 0u64;
        let mut i = 0;
        while i < x.len() {
            let mut j = i + 1;
            while j < x.len() && x[j] == x[i] {
                j += 1;
            }
            if j - i > 1 {
                x_groups.push((i, j - i));
                let g = (j - i) as u64;
                eq_pairs += g * (g - 1) / 2;
            }
            i = j;
        }
        let total = (n * n.saturating_sub(1) / 2).saturating_sub(eq_pairs);
        PairSlopes {
            x,
            y,
            xc,
            yc,
            x_groups,
            total,
            seed: 0x005E_ED0F_7E11 ^ n,
        }
    }

    /// Points kept (finite ones).
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether no point was kept.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// The number of slopes (pairs with different `x`).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The sorted `x` values (p-order).
    pub fn xs(&self) -> &[f64] {
        &self.x
    }

    /// The `y` values in p-order.
    pub fn ys(&self) -> &[f64] {
        &self.y
    }

    /// The slopes of ranks `ranks` (0-based, ascending by value; ranks past the end are
    /// clamped). Empty when there are no slopes.
    pub fn select(&self, ranks: &[u64]) -> Vec<f64> {
        if self.total == 0 || ranks.is_empty() {
            return Vec::new();
        }
        let ranks: Vec<u64> = ranks.iter().map(|&k| k.min(self.total - 1)).collect();
        let ka = *ranks.iter().min().unwrap_or(&0);
        let kb = *ranks.iter().max().unwrap_or(&0);
        let n = self.len();
        // Two rounds of `2n` samples leave about `9n` slopes (module docs); list those.
        let budget = (12 * n as u64).max(1 << 16);
        let mut rng = SplitMix64::new(self.seed ^ ka.rotate_left(17) ^ kb);
        let mut lo = self.cut(Threshold::NegInf);
        let mut hi = self.cut(Threshold::PosInf);
        for round in 0..64 {
            if let (Threshold::Below(a), Threshold::At(b)) = (lo.th, hi.th) {
                if a == b {
                    // Every slope in the interval equals `a`.
                    return ranks.iter().map(|_| a).collect();
                }
            }
            let m = hi.count.saturating_sub(lo.count);
            if m <= budget || (round >= 48 && m <= 1 << 25) {
                return self.list_and_pick(&lo, &hi, &ranks);
            }
            let r = (2 * n).clamp(1024, 1 << 21) as u64;
            let mut sample = if lo.th == Threshold::NegInf && hi.th == Threshold::PosInf {
                self.sample_all(r, &mut rng)
            } else {
                self.sample_between(&lo, &hi, r, &mut rng)
            };
            if sample.is_empty() {
                return self.list_and_pick(&lo, &hi, &ranks);
            }
            sample.sort_by(f64::total_cmp);
            let rs = sample.len() as f64;
            let delta = 3.0 * rs.sqrt();
            let pa = ((ka - lo.count) as f64 / m as f64) * rs - delta;
            let pb = ((kb + 1 - lo.count) as f64 / m as f64) * rs + delta;
            if pb < rs {
                let v = sample[(pb.ceil() as usize).min(sample.len() - 1)];
                if v.is_finite() {
                    self.narrow(&mut lo, &mut hi, Threshold::At(v), ka, kb);
                }
            }
            if pa >= 0.0 {
                let v = sample[(pa.floor() as usize).min(sample.len() - 1)];
                if v.is_finite() {
                    self.narrow(&mut lo, &mut hi, Threshold::Below(v), ka, kb);
                }
            }
        }
        // Not reached in practice (each round keeps the ranks with probability > 0.99); the
        // best the sample can say: the interval's ends.
        let fallback = |th: Threshold| match th {
            Threshold::Below(v) | Threshold::At(v) => v,
            Threshold::NegInf => f64::NEG_INFINITY,
            Threshold::PosInf => f64::INFINITY,
        };
        ranks
            .iter()
            .map(|_| 0.5 * (fallback(lo.th) + fallback(hi.th)))
            .collect()
    }

    /// Counts the candidate and makes it the new lower or upper end when it keeps every wanted
    /// rank inside.
    fn narrow(&self, lo: &mut Cut, hi: &mut Cut, th: Threshold, ka: u64, kb: u64) {
        let cut = self.cut(th);
        let count = cut.count;
        let tighter_hi = count == hi.count && matches!(th, Threshold::At(_));
        let tighter_lo = count == lo.count && matches!(th, Threshold::Below(_));
        if count > kb && (count < hi.count || tighter_hi) {
            *hi = cut;
        } else if count <= ka && (count > lo.count || tighter_lo) {
            // (Same pairs covered but a tighter description lets the all-equal case end.)
            *lo = cut;
        }
    }

    /// `u = y - s x` per point (p-order), for a finite threshold.
    fn keys(&self, s: f64) -> Vec<f64> {
        self.yc
            .iter()
            .zip(&self.xc)
            .map(|(y, x)| y - s * x)
            .collect()
    }

    fn cut(&self, th: Threshold) -> Cut {
        let (count, order) = self.order_and_count(th, true);
        Cut { th, count, order }
    }

    /// The threshold's order of the points (when `want_order`) and the slopes it covers. The
    /// order puts `j` before `i` (for `i` before `j` in p-order) exactly when the pair is
    /// covered, so covered pairs are its inversions.
    fn order_and_count(&self, th: Threshold, want_order: bool) -> (u64, Vec<u32>) {
        let n = self.len();
        match th {
            Threshold::NegInf => {
                if !want_order {
                    return (0, Vec::new());
                }
                // p-order with every run of equal x reversed: only equal-x pairs inverted.
                let mut order: Vec<u32> = (0..n as u32).collect();
                for &(start, len) in &self.x_groups {
                    order[start..start + len].reverse();
                }
                (0, order)
            }
            Threshold::PosInf => {
                let order = if want_order {
                    (0..n as u32).rev().collect()
                } else {
                    Vec::new()
                };
                (self.total, order)
            }
            Threshold::Below(s) | Threshold::At(s) => {
                let strict = matches!(th, Threshold::Below(_));
                let keys = self.keys(s);
                // Equal-x pairs the merge sort counts and that are not slopes.
                let mut equal_x = 0u64;
                for &(start, len) in &self.x_groups {
                    let g = len as u64;
                    equal_x += g * (g - 1) / 2;
                    if strict {
                        // Keys are non-increasing inside a group; pairs of equal keys are not
                        // strict inversions.
                        let mut i = start;
                        while i < start + len {
                            let mut j = i + 1;
                            while j < start + len && keys[j] == keys[i] {
                                j += 1;
                            }
                            let h = (j - i) as u64;
                            equal_x -= h * (h - 1) / 2;
                            i = j;
                        }
                    }
                }
                let mut items: Vec<(f64, u32)> = keys
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| (k, i as u32))
                    .collect();
                let inversions = merge_count(&mut items, strict);
                let order = if want_order {
                    items.into_iter().map(|(_, id)| id).collect()
                } else {
                    Vec::new()
                };
                (inversions.saturating_sub(equal_x), order)
            }
        }
    }

    /// The points in `lo`'s order, each keyed by its position in `hi`'s order and carrying
    /// its coordinates (so the walks below read memory in order, not at random).
    fn permutation(&self, lo: &Cut, hi: &Cut) -> Vec<Item> {
        let mut pos_hi = vec![0u32; hi.order.len()];
        for (rank, &id) in hi.order.iter().enumerate() {
            pos_hi[id as usize] = rank as u32;
        }
        lo.order
            .iter()
            .map(|&id| Item {
                key: pos_hi[id as usize],
                x: self.x[id as usize],
                y: self.y[id as usize],
            })
            .collect()
    }

    /// `r` slopes drawn uniformly (with replacement) from all of them: random pairs of points,
    /// pairs with equal `x` rejected (at most `4r` tries, so mostly-equal `x` cannot loop).
    fn sample_all(&self, r: u64, rng: &mut SplitMix64) -> Vec<f64> {
        let n = self.len() as u64;
        let mut out = Vec::with_capacity(r as usize);
        for _ in 0..4 * r {
            if out.len() as u64 >= r {
                break;
            }
            let (i, j) = (rng.below(n) as usize, rng.below(n) as usize);
            let (a, b) = if self.x[i] < self.x[j] {
                (i, j)
            } else {
                (j, i)
            };
            let dx = self.x[b] - self.x[a];
            if dx > 0.0 {
                out.push((self.y[b] - self.y[a]) / dx);
            }
        }
        out
    }

    /// `r` slopes drawn uniformly (with replacement) from those between `lo` and `hi`: the
    /// inversions of the permutation, walked in blocks (see [`inversion_blocks`]) once to
    /// count them and once to pick the drawn ones.
    fn sample_between(&self, lo: &Cut, hi: &Cut, r: u64, rng: &mut SplitMix64) -> Vec<f64> {
        let items = self.permutation(lo, hi);
        let mut m = 0u64;
        inversion_blocks(items.clone(), |_, left| m += left.len() as u64);
        if m == 0 {
            return Vec::new();
        }
        let mut draws: Vec<u64> = (0..r).map(|_| rng.below(m)).collect();
        draws.sort_unstable();
        let mut out = Vec::with_capacity(draws.len());
        let mut start = 0u64;
        let mut d = 0;
        inversion_blocks(items, |right, left| {
            let end = start + left.len() as u64;
            while d < draws.len() && draws[d] < end {
                if let Some(s) = pair_slope(&left[(draws[d] - start) as usize], right) {
                    out.push(s);
                }
                d += 1;
            }
            start = end;
        });
        out
    }

    /// Lists the slopes between `lo` and `hi` and picks the wanted ranks (linear-time
    /// selection, not a sort).
    fn list_and_pick(&self, lo: &Cut, hi: &Cut, ranks: &[u64]) -> Vec<f64> {
        let mut slopes = Vec::new();
        inversion_blocks(self.permutation(lo, hi), |right, left| {
            slopes.extend(left.iter().filter_map(|l| pair_slope(l, right)));
        });
        ranks
            .iter()
            .map(|&k| {
                if slopes.is_empty() {
                    return f64::NAN;
                }
                let i = k.saturating_sub(lo.count).min(slopes.len() as u64 - 1) as usize;
                *slopes.select_nth_unstable_by(i, f64::total_cmp).1
            })
            .collect()
    }
}

/// A point keyed by its rank in another order.
#[derive(Clone, Copy, Debug)]
struct Item {
    key: u32,
    x: f64,
    y: f64,
}

/// The slope of two points as NumPy computes it (larger `x` minus smaller), `None` for equal
/// `x`.
fn pair_slope(a: &Item, b: &Item) -> Option<f64> {
    let (i, j) = if a.x < b.x { (a, b) } else { (b, a) };
    let dx = j.x - i.x;
    (dx > 0.0).then(|| (j.y - i.y) / dx)
}

/// Merge-sorts `items` by their distinct keys and calls `block(right, left)` each time an
/// item is taken from a right run while `left` (a contiguous slice of the left run) still
/// holds greater keys: those are exactly its inversions, so the inversions come as
/// `O(n log n)` blocks in a fixed order, in sequential memory, and can be counted, sampled
/// or listed without a tree.
fn inversion_blocks(mut items: Vec<Item>, mut block: impl FnMut(&Item, &[Item])) {
    let n = items.len();
    let mut dst = items.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if items[j].key < items[i].key {
                    block(&items[j], &items[i..mid]);
                    dst[k] = items[j];
                    j += 1;
                } else {
                    dst[k] = items[i];
                    i += 1;
                }
                k += 1;
            }
            dst[k..k + (mid - i)].copy_from_slice(&items[i..mid]);
            k += mid - i;
            dst[k..k + (end - j)].copy_from_slice(&items[j..end]);
            start = end;
        }
        std::mem::swap(&mut items, &mut dst);
        width *= 2;
    }
}

/// Sorts `items` by key (ties: later item first when `!strict`, earlier first when `strict`)
/// and returns the pairs `i < j` with `key_j <= key_i` (`<` when `strict`). Bottom-up merge
/// sort, one scratch buffer.
pub(crate) fn merge_count(items: &mut Vec<(f64, u32)>, strict: bool) -> u64 {
    if strict {
        merge_count_impl::<true>(items)
    } else {
        merge_count_impl::<false>(items)
    }
}

/// The merge sort behind [`merge_count`], branch-free in its inner loop (the comparison
/// outcome of random keys is unpredictable; a data dependency is cheaper than a mispredict).
fn merge_count_impl<const STRICT: bool>(items: &mut Vec<(f64, u32)>) -> u64 {
    let n = items.len();
    let mut src = std::mem::take(items);
    let mut dst = src.clone();
    let mut count = 0u64;
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                let (l, r) = (src[i], src[j]);
                let right = if STRICT { r.0 < l.0 } else { r.0 <= l.0 };
                dst[k] = if right { r } else { l };
                count += (right as u64) * (mid - i) as u64;
                j += right as usize;
                i += (!right) as usize;
                k += 1;
            }
            dst[k..k + (mid - i)].copy_from_slice(&src[i..mid]);
            k += mid - i;
            dst[k..k + (end - j)].copy_from_slice(&src[j..end]);
            start = end;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    *items = src;
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(points: &[(f64, f64)]) -> Vec<f64> {
        let mut s = Vec::new();
        for (i, a) in points.iter().enumerate() {
            for b in &points[i + 1..] {
                let (p, q) = if a.0 < b.0 { (a, b) } else { (b, a) };
                if q.0 - p.0 > 0.0 {
                    s.push((q.1 - p.1) / (q.0 - p.0));
                }
            }
        }
        s.sort_by(f64::total_cmp);
        s
    }

    fn check_all_ranks(points: &[(f64, f64)]) {
        let want = brute(points);
        let ps = PairSlopes::new(points.iter().copied());
        assert_eq!(ps.total(), want.len() as u64);
        for k in 0..want.len() as u64 {
            assert_eq!(ps.select(&[k]), vec![want[k as usize]], "rank {k}");
        }
    }

    #[test]
    fn every_rank_matches_brute_force_small() {
        let mut rng = SplitMix64::new(1);
        let pts: Vec<(f64, f64)> = (0..40)
            .map(|i| (i as f64, (rng.below(20) as f64) + 0.3 * i as f64))
            .collect();
        check_all_ranks(&pts);
        // Ties in x and in y, duplicates, unsorted input.
        let pts = vec![
            (3.0, 1.0),
            (1.0, 2.0),
            (1.0, 2.0),
            (1.0, 5.0),
            (2.0, 2.0),
            (3.0, 7.0),
            (0.0, 0.0),
            (5.0, -1.0),
        ];
        check_all_ranks(&pts);
    }

    #[test]
    fn large_selection_matches_brute_force() {
        // Large enough that the sampling rounds run (n^2/2 > 4n and > 65536).
        let mut rng = SplitMix64::new(9);
        let pts: Vec<(f64, f64)> = (0..1200)
            .map(|i| {
                let t = 1.7e9 + 15.0 * i as f64 + (rng.below(3) as f64);
                (t, 1e9 + 1234.5 * i as f64 + 1e6 * rng.normal())
            })
            .collect();
        let want = brute(&pts);
        let ps = PairSlopes::new(pts.iter().copied());
        let ranks = [
            0,
            17,
            want.len() as u64 / 3,
            want.len() as u64 / 2,
            want.len() as u64 - 1,
        ];
        let got = ps.select(&ranks);
        for (r, g) in ranks.iter().zip(got) {
            assert_eq!(g, want[*r as usize], "rank {r}");
        }
    }

    #[test]
    fn constant_and_stepped_series_end() {
        let pts: Vec<(f64, f64)> = (0..5000).map(|i| (i as f64, 7.0)).collect();
        let ps = PairSlopes::new(pts.iter().copied());
        assert_eq!(ps.select(&[ps.total() / 2]), vec![0.0]);
        // Mostly flat with a step: many slopes exactly zero.
        let pts: Vec<(f64, f64)> = (0..4000)
            .map(|i| (i as f64, if i < 3000 { 1.0 } else { 2.0 }))
            .collect();
        let want = brute(&pts);
        let ps = PairSlopes::new(pts.iter().copied());
        let k = want.len() as u64 / 2;
        assert_eq!(ps.select(&[k]), vec![want[k as usize]]);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(PairSlopes::new(Vec::new()).select(&[0]).is_empty());
        assert!(PairSlopes::new(vec![(1.0, 1.0)]).select(&[0]).is_empty());
        assert!(PairSlopes::new(vec![(1.0, 1.0), (1.0, 3.0)])
            .select(&[0])
            .is_empty());
        assert_eq!(
            PairSlopes::new(vec![(1.0, 1.0), (2.0, 3.0)]).select(&[5]),
            vec![2.0]
        );
        let ps = PairSlopes::new(vec![(f64::NAN, 1.0), (0.0, 1.0), (1.0, f64::INFINITY)]);
        assert_eq!(ps.len(), 1);
    }

    #[test]
    fn merge_count_counts_non_strict_inversions() {
        let mut items: Vec<(f64, u32)> = [3.0, 1.0, 2.0, 2.0]
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        // pairs (i<j) with k_j <= k_i: (0,1),(0,2),(0,3),(2,3) = 4
        assert_eq!(merge_count(&mut items.clone(), false), 4);
        assert_eq!(merge_count(&mut items, true), 3);
    }
}
