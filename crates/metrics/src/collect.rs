//! Gathers what readers find, series by series, into an [`Input`]: memory series by name (so
//! that pages of a long Prometheus range and restarted containers land in one series), the limit,
//! the restart counter, terminations and the JVM's max heap.

use std::collections::{BTreeMap, HashMap};

use oomdoc_series::{Input, Series, SeriesBuilder, Termination};

use crate::names::{classify, display_name, MetricName, Role};

/// Values at or above this are "no limit" (cgroup v1 writes 9223372036854771712).
pub const UNLIMITED: f64 = (1u64 << 62) as f64;
/// Warnings kept; the rest are counted.
const MAX_WARNINGS: usize = 20;

/// Where one input series' samples go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The n-th memory series.
    Memory(usize),
    /// The limit.
    Limit,
    /// The restart counter.
    Restarts,
    /// The n-th terminated-reason series.
    Terminated(usize),
    /// The JVM max heap.
    JvmMaxHeap,
    /// The n-th series summed over parts at equal times (JVM memory pools).
    Summed(usize),
    /// Dropped.
    Ignore,
}

/// The result of reading a source.
#[derive(Debug, Default)]
pub struct Loaded {
    /// What the analysis gets.
    pub input: Input,
    /// Problems that did not stop the reading (bad rows, unknown columns), first ones only.
    pub warnings: Vec<String>,
    /// Samples read.
    pub samples: u64,
}

/// Collects series as they are read.
#[derive(Debug, Default)]
pub struct Collector {
    memory: Vec<SeriesBuilder>,
    by_name: HashMap<String, Slot>,
    limit: Option<SeriesBuilder>,
    restarts: Option<(String, SeriesBuilder)>,
    terminated: Vec<(String, SeriesBuilder)>,
    jvm_max: Option<f64>,
    summed: Vec<(String, Role, BTreeMap<i64, f64>)>,
    warnings: Vec<String>,
    more_warnings: usize,
    samples: u64,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The slot for a series called `name`, classified by its name.
    pub fn slot(&mut self, name: &str) -> Slot {
        let role = classify(name);
        self.slot_with_role(name, role, None)
    }

    /// The slot for a series with a known role; `reason` is the termination reason for
    /// [`Role::Terminated`].
    pub fn slot_with_role(&mut self, name: &str, role: Role, reason: Option<&str>) -> Slot {
        if let Some(&s) = self.by_name.get(name) {
            return s;
        }
        let slot = match role {
            Role::Memory(c) => {
                self.memory.push(SeriesBuilder::new(name, c));
                Slot::Memory(self.memory.len() - 1)
            }
            Role::Limit => {
                if self.limit.is_none() {
                    self.limit = Some(SeriesBuilder::new(name, oomdoc_series::Component::Usage));
                }
                Slot::Limit
            }
            Role::Restarts => {
                if let Some((first, _)) = &self.restarts {
                    self.warn(format!(
                        "restart counter `{name}` ignored: already using `{first}`"
                    ));
                    Slot::Ignore
                } else {
                    self.restarts = Some((
                        name.to_string(),
                        SeriesBuilder::new(name, oomdoc_series::Component::Other),
                    ));
                    Slot::Restarts
                }
            }
            Role::Terminated => {
                let r = reason.unwrap_or("unknown").to_string();
                self.terminated
                    .push((r, SeriesBuilder::new(name, oomdoc_series::Component::Other)));
                Slot::Terminated(self.terminated.len() - 1)
            }
            Role::JvmMaxHeap => Slot::JvmMaxHeap,
            Role::Ignore => Slot::Ignore,
        };
        self.by_name.insert(name.to_string(), slot);
        slot
    }

    /// The slot for a parsed metric: Micrometer reports the heap per pool (`id="G1 Old Gen"`),
    /// and the heap is their sum at each time, so pools go to one summed series.
    pub fn slot_for_metric(&mut self, m: &MetricName, role: Role, fallback: &str) -> Slot {
        let name = display_name(m, fallback);
        let pooled = m.label("id").is_some() && m.label("area").is_some();
        if pooled
            && matches!(
                role,
                Role::Memory(oomdoc_series::Component::Heap) | Role::JvmMaxHeap
            )
        {
            if let Some(&s) = self.by_name.get(&name) {
                return s;
            }
            self.summed.push((name.clone(), role, BTreeMap::new()));
            let slot = Slot::Summed(self.summed.len() - 1);
            self.by_name.insert(name, slot);
            return slot;
        }
        self.slot_with_role(&name, role, m.label("reason"))
    }

    /// Adds a sample (`t` seconds since the epoch, `v` bytes or a count).
    pub fn push(&mut self, slot: Slot, t: f64, v: f64) {
        if !t.is_finite() || !v.is_finite() {
            return;
        }
        self.samples += 1;
        match slot {
            Slot::Memory(i) => self.memory[i].push(t, v),
            Slot::Limit => {
                // 0 (cAdvisor without a limit) and the v1 "unlimited" value are no limit.
                if v > 0.0 && v < UNLIMITED {
                    if let Some(b) = &mut self.limit {
                        b.push(t, v);
                    }
                }
            }
            Slot::Restarts => {
                if let Some((_, b)) = &mut self.restarts {
                    b.push(t, v);
                }
            }
            Slot::Terminated(i) => self.terminated[i].1.push(t, v),
            Slot::JvmMaxHeap => {
                if v > 0.0 && v < UNLIMITED {
                    self.jvm_max = Some(self.jvm_max.map_or(v, |m| m.max(v)));
                }
            }
            Slot::Summed(i) => {
                // Undefined pool maxima are -1: they add nothing.
                if v >= 0.0 {
                    *self.summed[i]
                        .2
                        .entry((t * 1000.0).round() as i64)
                        .or_insert(0.0) += v;
                }
            }
            Slot::Ignore => {}
        }
    }

    /// Records a problem that does not stop the reading.
    pub fn warn(&mut self, w: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.more_warnings += 1;
        }
    }

    /// Samples pushed so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The input, or [`crate::Error::NoData`] when no memory series has a sample.
    pub fn finish(mut self, what: &str) -> Result<Loaded, crate::Error> {
        if self.more_warnings > 0 {
            let n = self.more_warnings;
            self.warnings.push(format!("... and {n} more"));
        }
        for (name, role, sums) in std::mem::take(&mut self.summed) {
            match role {
                Role::JvmMaxHeap => {
                    if let Some(m) = sums.values().copied().filter(|v| *v > 0.0).reduce(f64::max) {
                        self.jvm_max = Some(self.jvm_max.map_or(m, |j| j.max(m)));
                    }
                }
                Role::Memory(c) => {
                    let mut b = SeriesBuilder::new(name, c);
                    for (t, v) in sums {
                        b.push(t as f64 / 1000.0, v);
                    }
                    self.memory.push(b);
                }
                _ => {}
            }
        }
        let series: Vec<_> = self
            .memory
            .into_iter()
            .filter(|b| !b.is_empty())
            .map(SeriesBuilder::finish)
            // Swap that stays at zero (no swap on the node) says nothing.
            .filter(|s| {
                s.component != oomdoc_series::Component::Swap
                    || s.samples.iter().any(|x| x.v != 0.0)
            })
            .collect();
        if series.is_empty() {
            return Err(crate::Error::NoData(format!(
                "{what} has no memory series with values"
            )));
        }
        let restarts = self
            .restarts
            .map(|(_, b)| b)
            .filter(|b| !b.is_empty())
            .map(SeriesBuilder::finish);
        let reasons: Vec<(String, Series)> = self
            .terminated
            .into_iter()
            .map(|(r, b)| (r, b.finish()))
            .collect();
        let terminations = terminations(restarts.as_ref(), &reasons);
        let input = Input {
            series,
            limit_series: self
                .limit
                .filter(|b| !b.is_empty())
                .map(SeriesBuilder::finish),
            limit_bytes: None,
            restarts,
            terminations,
            jvm_max_heap_bytes: self.jvm_max,
        };
        Ok(Loaded {
            input,
            warnings: self.warnings,
            samples: self.samples,
        })
    }
}

/// How long after a restart the termination reason may show up (kube-state-metrics and the
/// restart counter come from the same scrape, but a query step can split them).
const REASON_WINDOW_SECONDS: f64 = 600.0;

/// Terminations from `kube_pod_container_status_last_terminated_reason` (1 while the *last*
/// termination had that reason). The gauge stays 1 through repeated kills with the same
/// reason, and is already 1 at the start of a window for a kill before it, so: with a restart
/// counter, each increase is a termination with the reason whose gauge is 1 just after it;
/// without one, each rise of a gauge from 0 after its first sample is.
fn terminations(restarts: Option<&Series>, reasons: &[(String, Series)]) -> Vec<Termination> {
    let mut out = Vec::new();
    let reason_at = |t: f64| {
        reasons.iter().find_map(|(r, s)| {
            let i = s.samples.partition_point(|x| x.t < t);
            s.samples
                .get(i)
                .filter(|x| x.v > 0.0 && x.t - t <= REASON_WINDOW_SECONDS)
                .map(|_| r.clone())
        })
    };
    match restarts {
        Some(counter) if counter.samples.len() >= 2 => {
            for w in counter.samples.windows(2) {
                if w[1].v != w[0].v {
                    if let Some(reason) = reason_at(w[1].t) {
                        out.push(Termination { t: w[1].t, reason });
                    }
                }
            }
        }
        _ => {
            for (reason, s) in reasons {
                for w in s.samples.windows(2) {
                    if w[1].v > 0.0 && w[0].v <= 0.0 {
                        out.push(Termination {
                            t: w[1].t,
                            reason: reason.clone(),
                        });
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use oomdoc_series::Component;

    #[test]
    fn routes_by_role_and_merges_by_name() {
        let mut c = Collector::new();
        let ws = c.slot("container_memory_working_set_bytes");
        assert_eq!(c.slot("container_memory_working_set_bytes"), ws);
        let lim = c.slot("container_spec_memory_limit_bytes");
        let r = c.slot("kube_pod_container_status_restarts_total");
        let t = c.slot_with_role("last_terminated", Role::Terminated, Some("OOMKilled"));
        c.push(ws, 2.0, 20.0);
        c.push(ws, 1.0, 10.0);
        c.push(lim, 1.0, 0.0);
        c.push(lim, 2.0, 100.0);
        // Two restarts (at 3 and 5), both OOMKilled: the gauge stays 1 through the second.
        for (tt, n, g) in [
            (1.0, 0.0, 0.0),
            (2.0, 0.0, 0.0),
            (3.0, 1.0, 1.0),
            (4.0, 1.0, 1.0),
            (5.0, 2.0, 1.0),
        ] {
            c.push(r, tt, n);
            c.push(t, tt, g);
        }
        let l = c.finish("test").unwrap();
        assert_eq!(l.input.series.len(), 1);
        assert_eq!(l.input.series[0].component, Component::WorkingSet);
        assert_eq!(l.input.series[0].samples[0].v, 10.0);
        assert_eq!(l.input.limit_series.unwrap().samples.len(), 1);
        assert_eq!(l.input.restarts.unwrap().samples.len(), 5);
        let ts: Vec<f64> = l.input.terminations.iter().map(|t| t.t).collect();
        assert_eq!(ts, vec![3.0, 5.0]);
        assert_eq!(l.input.terminations[0].reason, "OOMKilled");
    }

    #[test]
    fn reason_gauge_without_counter() {
        let mut c = Collector::new();
        let ws = c.slot("container_memory_working_set_bytes");
        c.push(ws, 1.0, 1.0);
        let t = c.slot_with_role("last_terminated", Role::Terminated, Some("Error"));
        // Already 1 at the start (a kill before the window): not a termination in it.
        for (tt, g) in [(1.0, 1.0), (2.0, 1.0), (3.0, 0.0), (4.0, 1.0)] {
            c.push(t, tt, g);
        }
        let l = c.finish("x").unwrap();
        let ts: Vec<f64> = l.input.terminations.iter().map(|t| t.t).collect();
        assert_eq!(ts, vec![4.0]);
    }

    #[test]
    fn no_memory_is_an_error() {
        let mut c = Collector::new();
        let lim = c.slot("memory.limit_in_bytes");
        c.push(lim, 1.0, 5.0);
        assert!(matches!(c.finish("x"), Err(crate::Error::NoData(_))));
    }
}
