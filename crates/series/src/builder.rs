//! Building a [`Series`] sample by sample, as readers stream their input, in bounded memory.
//!
//! # Design
//! oomdoc is an OOM tool, so its own memory must not grow with the input: ten million samples
//! (a week at 60 ms, or a fleet's worth of CSV) must not mean ten million kept samples. The
//! builder keeps a time-ordered list of **buckets**, each summarising a run of consecutive
//! samples by its `first`, `last`, `min` and `max` samples, its count, and its **largest drop**
//! (the pair of consecutive samples with the biggest fall). Buckets of one or two samples are
//! therefore exact.
//!
//! - In-order pushes (the normal case) go into the last bucket until it holds `width` samples,
//!   then open a new one. When there are more than `max_buckets` buckets, neighbours are merged
//!   in pairs and `width` doubles, so every bucket covers about the same number of samples and
//!   the memory is `O(max_buckets)` whatever the input size.
//! - Out-of-order pushes wait in a buffer of the same bound; when it fills (or at
//!   [`SeriesBuilder::finish`]) it is sorted and merged in: a sample inside a bucket's time range
//!   is folded into it (count, min, max), one outside becomes a new bucket.
//!
//! [`SeriesBuilder::finish`] turns each bucket back into *real samples*: its first, min, max,
//! the two samples of its largest drop, and its last (distinct ones, in time order). So:
//! - up to `2 * max_buckets` in-order samples, the series is exact;
//! - the peak and the trough are exact (recommendations use the peak);
//! - restarts stay visible: a sudden drop is either between two buckets (last of one, first of
//!   the next, both kept) or inside one (kept as its largest drop);
//! - the slope estimate stays sound: Theil-Sen on an evenly spread subsample of real points
//!   (first/last per bucket, plus min and max, which are symmetric under noise) estimates the
//!   same slope; only its interval gets wider, as it should with fewer points.

use crate::types::{Component, Sample, Series};

/// Buckets kept by default: `2^16`, so series up to 131,072 in-order samples stay exact and the
/// builder never holds more than a few MiB.
pub const DEFAULT_MAX_BUCKETS: usize = 1 << 16;

/// A run of consecutive samples, summarised.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bucket {
    first: Sample,
    last: Sample,
    min: Sample,
    max: Sample,
    count: u64,
    /// The largest fall between consecutive samples inside, `(before, after)`.
    drop: Option<(Sample, Sample)>,
}

impl Bucket {
    fn single(s: Sample) -> Self {
        Bucket {
            first: s,
            last: s,
            min: s,
            max: s,
            count: 1,
            drop: None,
        }
    }

    fn fall(drop: Option<(Sample, Sample)>) -> f64 {
        drop.map_or(0.0, |(a, b)| a.v - b.v)
    }

    /// Appends a sample that comes at or after `last`.
    fn push_next(&mut self, s: Sample) {
        if self.last.v - s.v > Self::fall(self.drop) {
            self.drop = Some((self.last, s));
        }
        self.last = s;
        self.fold_extremes(s);
    }

    /// Folds in a sample that falls inside the bucket's time range (neighbours unknown).
    fn push_inside(&mut self, s: Sample) {
        if s.t < self.first.t {
            self.first = s;
        }
        if s.t >= self.last.t {
            self.last = s;
        }
        self.fold_extremes(s);
    }

    fn fold_extremes(&mut self, s: Sample) {
        if s.v < self.min.v {
            self.min = s;
        }
        if s.v > self.max.v {
            self.max = s;
        }
        self.count += 1;
    }

    /// `a` followed by `b`.
    fn merge(a: &Bucket, b: &Bucket) -> Bucket {
        let mut drop = a.drop;
        if Self::fall(b.drop) > Self::fall(drop) {
            drop = b.drop;
        }
        if a.last.v - b.first.v > Self::fall(drop) {
            drop = Some((a.last, b.first));
        }
        Bucket {
            first: a.first,
            last: b.last,
            min: if b.min.v < a.min.v { b.min } else { a.min },
            max: if b.max.v > a.max.v { b.max } else { a.max },
            count: a.count + b.count,
            drop,
        }
    }

    /// The distinct real samples that stand for the bucket, in time order.
    fn emit(&self, out: &mut Vec<Sample>) {
        let mut keep = [
            Some(self.first),
            Some(self.min),
            Some(self.max),
            None,
            None,
            Some(self.last),
        ];
        if let Some((a, b)) = self.drop {
            keep[3] = Some(a);
            keep[4] = Some(b);
        }
        let mut kept: Vec<Sample> = keep.iter().flatten().copied().collect();
        kept.sort_by(|a, b| a.t.total_cmp(&b.t));
        kept.dedup();
        out.extend(kept);
    }
}

/// Collects samples for one series in bounded memory (see the module docs). Readers push in any
/// order; [`SeriesBuilder::finish`] returns them sorted by time, without non-finite values.
#[derive(Clone, Debug)]
pub struct SeriesBuilder {
    name: String,
    component: Component,
    buckets: Vec<Bucket>,
    pending: Vec<Sample>,
    width: u64,
    max_buckets: usize,
    pushed: usize,
}

impl SeriesBuilder {
    /// A builder for a series called `name` measuring `component`, keeping at most
    /// [`DEFAULT_MAX_BUCKETS`] buckets.
    pub fn new(name: impl Into<String>, component: Component) -> Self {
        Self::with_max_buckets(name, component, DEFAULT_MAX_BUCKETS)
    }

    /// The same with another bound (at least 2): the series is exact up to `2 * max_buckets`
    /// in-order samples and never holds more than `max_buckets` buckets plus as many pending
    /// out-of-order samples.
    pub fn with_max_buckets(
        name: impl Into<String>,
        component: Component,
        max_buckets: usize,
    ) -> Self {
        SeriesBuilder {
            name: name.into(),
            component,
            buckets: Vec::new(),
            pending: Vec::new(),
            width: 1,
            max_buckets: max_buckets.max(2),
            pushed: 0,
        }
    }

    /// Adds one sample (`t` seconds since the epoch, `v` bytes). Non-finite values are ignored.
    pub fn push(&mut self, t: f64, v: f64) {
        if !(t.is_finite() && v.is_finite()) {
            return;
        }
        self.pushed += 1;
        let s = Sample { t, v };
        match self.buckets.last_mut() {
            Some(tail) if t >= tail.last.t => {
                if tail.count < self.width {
                    tail.push_next(s);
                } else {
                    self.buckets.push(Bucket::single(s));
                    self.compact();
                }
            }
            None => self.buckets.push(Bucket::single(s)),
            Some(_) => {
                self.pending.push(s);
                if self.pending.len() >= self.max_buckets {
                    self.merge_pending();
                }
            }
        }
    }

    /// Samples pushed so far (finite ones), whether kept exactly or summarised.
    pub fn len(&self) -> usize {
        self.pushed
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.pushed == 0
    }

    /// Whether the series will come out exact (every pushed sample kept).
    pub fn is_exact(&self) -> bool {
        self.pending.is_empty() && self.buckets.iter().all(|b| b.count <= 2)
    }

    /// The series, sorted by time.
    pub fn finish(mut self) -> Series {
        self.merge_pending();
        let mut samples = Vec::with_capacity(self.buckets.len() * 2);
        for b in &self.buckets {
            b.emit(&mut samples);
        }
        // Buckets can overlap in time only through out-of-order pushes; keep the promise.
        if samples.windows(2).any(|w| w[1].t < w[0].t) {
            samples.sort_by(|a, b| a.t.total_cmp(&b.t));
        }
        Series {
            name: self.name,
            component: self.component,
            samples,
        }
    }

    /// Sorts the out-of-order samples and merges them into the buckets.
    fn merge_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by(|a, b| a.t.total_cmp(&b.t));
        let old = std::mem::take(&mut self.buckets);
        let mut merged: Vec<Bucket> = Vec::with_capacity(old.len() + pending.len());
        let mut p = pending.into_iter().peekable();
        for b in old {
            while let Some(s) = p.next_if(|s| s.t < b.first.t) {
                merged.push(Bucket::single(s));
            }
            let mut b = b;
            while let Some(s) = p.next_if(|s| s.t <= b.last.t) {
                b.push_inside(s);
            }
            merged.push(b);
        }
        merged.extend(p.map(Bucket::single));
        self.buckets = merged;
        self.compact();
    }

    /// Merges neighbouring buckets in pairs until at most `max_buckets` remain.
    fn compact(&mut self) {
        while self.buckets.len() > self.max_buckets {
            let merged: Vec<Bucket> = self
                .buckets
                .chunks(2)
                .map(|c| {
                    if c.len() == 2 {
                        Bucket::merge(&c[0], &c[1])
                    } else {
                        c[0]
                    }
                })
                .collect();
            self.buckets = merged;
            self.width = self.width.saturating_mul(2);
        }
    }
}

/// Reduces a sorted run of samples the way the builder would, with at most `max_buckets`
/// buckets. The analysis uses it on very long series so that its work memory stays bounded.
pub fn reduce(samples: &[Sample], max_buckets: usize) -> Vec<Sample> {
    let mut b = SeriesBuilder::with_max_buckets("", Component::Other, max_buckets);
    for s in samples {
        b.push(s.t, s.v);
    }
    b.finish().samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_below_the_bound_and_sorted() {
        let mut b = SeriesBuilder::with_max_buckets("x", Component::Usage, 8);
        for (t, v) in [
            (3.0, 30.0),
            (1.0, 10.0),
            (2.0, 20.0),
            (f64::NAN, 1.0),
            (4.0, f64::INFINITY),
        ] {
            b.push(t, v);
        }
        assert_eq!(b.len(), 3);
        let s = b.finish();
        let ts: Vec<f64> = s.samples.iter().map(|s| s.t).collect();
        assert_eq!(ts, vec![1.0, 2.0, 3.0]);

        let mut b = SeriesBuilder::with_max_buckets("x", Component::Usage, 8);
        for i in 0..16 {
            b.push(i as f64, (i * i) as f64);
        }
        assert!(b.is_exact());
        assert_eq!(b.finish().samples.len(), 16);
    }

    #[test]
    fn bounded_and_keeps_peak_trough_and_drops() {
        let max_buckets = 64;
        let mut b = SeriesBuilder::with_max_buckets("x", Component::Usage, max_buckets);
        let n = 100_000;
        for i in 0..n {
            // A sawtooth: grows for 10,000 samples, then falls back (a restart).
            let v = 1000.0 + (i % 10_000) as f64 + if i == 55_555 { 1e6 } else { 0.0 };
            b.push(i as f64, v);
            assert!(b.buckets.len() <= max_buckets);
        }
        assert_eq!(b.len(), n);
        let s = b.finish();
        assert!(s.samples.len() <= 6 * max_buckets);
        let peak = s.samples.iter().map(|s| s.v).fold(f64::MIN, f64::max);
        assert_eq!(peak, 1000.0 + 5_555.0 + 1e6);
        // Every restart (at multiples of 10,000) is a pair of consecutive output samples.
        for k in 1..10 {
            let t = (k * 10_000) as f64;
            let at = s
                .samples
                .iter()
                .position(|x| x.t == t)
                .expect("restart sample kept");
            assert_eq!(
                s.samples[at - 1].t,
                t - 1.0,
                "sample before restart {k} kept"
            );
        }
        assert!(s.samples.windows(2).all(|w| w[0].t <= w[1].t));
    }

    #[test]
    fn out_of_order_pushes_are_merged_and_bounded() {
        let mut b = SeriesBuilder::with_max_buckets("x", Component::Usage, 16);
        for i in (0..1000).rev() {
            b.push(i as f64, i as f64);
            assert!(b.buckets.len() <= 16 && b.pending.len() <= 16);
        }
        let s = b.finish();
        assert_eq!(s.samples.first().map(|s| s.t), Some(0.0));
        assert_eq!(s.samples.last().map(|s| s.t), Some(999.0));
        assert!(s.samples.windows(2).all(|w| w[0].t <= w[1].t));
    }

    #[test]
    fn reduce_matches_the_builder() {
        let samples: Vec<Sample> = (0..1000)
            .map(|i| Sample {
                t: i as f64,
                v: (i % 7) as f64,
            })
            .collect();
        let r = reduce(&samples, 32);
        assert!(r.len() <= 6 * 32 && r.len() > 32);
        assert_eq!(reduce(&samples[..10], 32), samples[..10].to_vec());
    }
}
