//! The rows a scan holds while it reads: with `--top N`, only those that can still be among the
//! N riskiest once the scan is finished, so memory does not grow with the cluster.
//!
//! A row's final score is not known while the scan reads: OOM/eviction events naming its pod may
//! come later (the live scan lists them after the pods) and add up to 700 points, and the age of
//! an OOM kill is measured from a "now" known at the end (500 or 1000 points). So each row gets
//! the least and the most it can score ([`score_bounds`]). A row is dropped when N held rows are
//! ranked before it even at their least and it at its most: nothing read later can lift it into
//! the top N, so the top N (and their order, ties included) are exactly those of ranking every
//! row (`risk::rank`). Held are the N rows best at their least and the rows that could still
//! pass them; of a dropped row only its pod's name and two counts are kept, for the totals and
//! for events that name it later (they must not list it again as a pod known only by events).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use crate::risk::score_bounds;
use crate::rows::ContainerRow;

/// Where a row ranks, compared as `risk::rank` sorts: a smaller key ranks first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    score: Reverse<u32>,
    restarts: Reverse<i64>,
    namespace: String,
    pod: String,
    container: String,
}

impl Key {
    fn new(row: &ContainerRow, score: u32) -> Key {
        Key {
            score: Reverse(score),
            restarts: Reverse(row.restarts),
            namespace: row.namespace.clone(),
            pod: row.pod.clone(),
            container: row.container.clone(),
        }
    }
}

/// What is left of the dropped rows of one pod.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Rows dropped.
    pub rows: u64,
    /// Of them, OOM-killed or evicted (so far: an eviction event may still come).
    pub killed: u64,
}

/// A row counted among the OOM-killed or evicted.
pub fn is_killed(r: &ContainerRow) -> bool {
    r.oom_kills > 0 || r.evicted
}

/// The rows held (see the module documentation).
#[derive(Debug, Default)]
pub struct TopRows {
    /// N (0: every row is held).
    limit: usize,
    /// Held rows with the order they were added in; `None` once dropped.
    slots: Vec<Option<(u64, ContainerRow)>>,
    free: Vec<usize>,
    added: u64,
    held: usize,
    /// The keys at their least of the N held rows best at their least; the greatest (the worst
    /// of them) is the bar a row must be able to pass to stay.
    best: BinaryHeap<Key>,
    /// Every held row's key at its most, worst first.
    by_most: BinaryHeap<(Key, usize)>,
    dropped: HashMap<(String, String), Dropped>,
}

impl TopRows {
    /// Holds the rows that can be among the `limit` riskiest (0: every row).
    pub fn new(limit: usize) -> TopRows {
        TopRows {
            limit,
            ..TopRows::default()
        }
    }

    /// The N of `--top N` (0: no limit).
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Rows held now.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Adds a row of a pod that `events` OOM/eviction events named so far (`evicted`: one of
    /// them an eviction).
    pub fn push(&mut self, row: ContainerRow, events: u32, evicted: bool) {
        let seq = self.added;
        self.added += 1;
        if self.limit == 0 {
            self.slots.push(Some((seq, row)));
            self.held += 1;
            return;
        }
        let (least, most) = score_bounds(&row, events, evicted);
        let most = Key::new(&row, most);
        if self.best.len() == self.limit && self.best.peek().is_some_and(|bar| most > *bar) {
            self.drop_row(&row);
            return;
        }
        let least = Key::new(&row, least);
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some((seq, row));
                i
            }
            None => {
                self.slots.push(Some((seq, row)));
                self.slots.len() - 1
            }
        };
        self.held += 1;
        self.by_most.push((most, slot));
        self.best.push(least);
        if self.best.len() > self.limit {
            self.best.pop();
        }
        if self.best.len() < self.limit {
            return;
        }
        // The bar may have risen: drop the rows that can no longer pass it.
        while let (Some(bar), Some((most, _))) = (self.best.peek(), self.by_most.peek()) {
            if most.cmp(bar) != Ordering::Greater {
                break;
            }
            let Some((_, slot)) = self.by_most.pop() else {
                break;
            };
            if let Some((_, row)) = self.slots[slot].take() {
                self.held -= 1;
                self.free.push(slot);
                self.drop_row(&row);
            }
        }
    }

    fn drop_row(&mut self, row: &ContainerRow) {
        let d = self
            .dropped
            .entry((row.namespace.clone(), row.pod.clone()))
            .or_default();
        d.rows += 1;
        d.killed += u64::from(is_killed(row));
    }

    /// The rows held, in the order they were added, and what is left of the pods of the others.
    pub fn into_parts(self) -> (Vec<ContainerRow>, HashMap<(String, String), Dropped>) {
        let mut rows: Vec<(u64, ContainerRow)> = self.slots.into_iter().flatten().collect();
        rows.sort_unstable_by_key(|r| r.0);
        (rows.into_iter().map(|r| r.1).collect(), self.dropped)
    }
}
