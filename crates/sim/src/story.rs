//! `--grow NS/POD[/CONTAINER]=+SIZE`: what happens first as usage grows, step by step.
//!
//! The growers grow together, each in proportion to its own amount. Along the way:
//!
//! - **container OOM kill**: a growing container reaching its own memory limit is killed by the
//!   kernel's memcg OOM killer, whatever the node's state (on cgroup v2 with kubelet 1.28+ the
//!   whole container, `memory.oom.group`); it restarts and is taken as back at its starting usage.
//! - **soft threshold**: `memory.available` below a soft threshold; if it stays there for the
//!   grace period, the kubelet evicts the first pod of `rankMemoryPressure`.
//! - **hard eviction**: `memory.available` below the hard threshold; the kubelet evicts the first
//!   pod of `rankMemoryPressure` at once, one pod per housekeeping interval (10 s), until the
//!   signal is back above the threshold. Critical pods are skipped.
//! - **global OOM kill**: the node's working set reaches its capacity before the kubelet acts
//!   (`fast`, growth faster than the housekeeping interval, or nothing left to evict); the
//!   kernel kills the container with the highest `oom_badness`.
//!
//! Growth is assumed slow next to the kubelet's 10 s housekeeping interval unless `fast` is set.

use crate::eviction::{rank_memory_pressure, reason, Candidate};
use crate::fmt_bytes;
pub use crate::grow::Grow;
use crate::grow::{resolve, Grower};
use crate::node::NodeModel;
use crate::oom_kill::{badness, kill_order, pages, Task};
use crate::pod::SimPod;
use crate::threshold::Threshold;

/// What happened at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// `memory.available` fell below a soft threshold.
    SoftThresholdCrossed,
    /// The kubelet evicts a pod after the soft grace period.
    SoftEviction,
    /// `memory.available` fell below the hard threshold but the kubelet is too slow (`fast`), or
    /// it has no pod it may evict.
    HardThresholdCrossed,
    /// The kubelet evicts a pod for the hard threshold.
    HardEviction,
    /// A container reached its memory limit: memcg OOM kill.
    ContainerOomKill,
    /// The node ran out of memory: global OOM kill.
    GlobalOomKill,
    /// All growth happened; nothing more.
    GrowthAbsorbed,
}

impl StepKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::SoftThresholdCrossed => "soft_threshold_crossed",
            StepKind::SoftEviction => "soft_eviction",
            StepKind::HardThresholdCrossed => "hard_threshold_crossed",
            StepKind::HardEviction => "hard_eviction",
            StepKind::ContainerOomKill => "container_oom_kill",
            StepKind::GlobalOomKill => "global_oom_kill",
            StepKind::GrowthAbsorbed => "growth_absorbed",
        }
    }
}

/// One step of the story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Growth so far, all growers together, bytes.
    pub growth: i64,
    /// The node's working set at that moment, bytes.
    pub node_working_set: i64,
    /// `memory.available` at that moment, bytes.
    pub memory_available: i64,
    /// What happened.
    pub kind: StepKind,
    /// To whom: `ns/pod` or `ns/pod/container`.
    pub target: Option<String>,
    /// Why, in a sentence or two.
    pub explanation: String,
}

struct State<'a> {
    node: &'a NodeModel,
    pods: Vec<SimPod>,
    evicted: Vec<bool>,
    fixed: i64,
    growers: Vec<Grower>,
    p: f64,
    steps: Vec<Step>,
}

impl State<'_> {
    fn working_set(&self) -> i64 {
        self.pods
            .iter()
            .zip(&self.evicted)
            .filter(|(_, e)| !**e)
            .fold(self.fixed, |a, (p, _)| a.saturating_add(p.usage()))
    }

    fn growth(&self) -> i64 {
        self.growers
            .iter()
            .fold(0i64, |a, g| a.saturating_add(g.grown))
    }

    /// Moves every active grower to progress `p`.
    fn advance(&mut self, p: f64) {
        self.p = p;
        for g in self.growers.iter_mut().filter(|g| g.active) {
            g.grown = ((g.amount as f64) * p).ceil().min(g.amount as f64) as i64;
            self.pods[g.pod].containers[g.container].usage = g.base.saturating_add(g.grown);
        }
    }

    fn step(&mut self, kind: StepKind, target: Option<String>, explanation: String) {
        let ws = self.working_set();
        self.step_at(ws, kind, target, explanation);
    }

    /// A step at the node working set `ws` (taken before the step's action changed it).
    fn step_at(&mut self, ws: i64, kind: StepKind, target: Option<String>, explanation: String) {
        self.steps.push(Step {
            growth: self.growth(),
            node_working_set: ws,
            memory_available: self.node.available(ws),
            kind,
            target,
            explanation,
        });
    }

    fn stop_growers_of(&mut self, pod: usize, container: Option<usize>) {
        for g in &mut self.growers {
            if g.pod == pod && container.is_none_or(|c| c == g.container) {
                g.active = false;
            }
        }
    }

    /// The pod the kubelet evicts now: the first non-critical pod of `rankMemoryPressure`.
    fn eviction_victim(&self) -> Option<(usize, String)> {
        let live: Vec<usize> = (0..self.pods.len()).filter(|&i| !self.evicted[i]).collect();
        let cands: Vec<Candidate> = live.iter().map(|&i| candidate(&self.pods[i])).collect();
        rank_memory_pressure(&cands)
            .into_iter()
            .map(|k| live[k])
            .find(|&i| !self.pods[i].critical)
            .map(|i| (i, reason(&candidate(&self.pods[i]))))
    }

    fn evict(&mut self, kind: StepKind, threshold: &str, grace: Option<&str>) -> bool {
        let ws = self.working_set();
        let Some((victim, mut why)) = self.eviction_victim() else {
            return false;
        };
        let id = self.pods[victim].id();
        why.push_str(&format!("; priority {}", self.pods[victim].priority));
        let freed = self.pods[victim].usage();
        let when = match grace {
            Some(g) => format!(
                "memory.available has stayed below {threshold} for {g}: the kubelet evicts {id} (its termination grace period capped by evictionMaxPodGracePeriod)"
            ),
            None => format!(
                "memory.available falls below {threshold}: the kubelet evicts {id} at once (grace period 0)"
            ),
        };
        self.evicted[victim] = true;
        self.stop_growers_of(victim, None);
        self.step_at(
            ws,
            kind,
            Some(id.clone()),
            format!(
                "{when}, the first evictable pod in rankMemoryPressure ({why}); this frees {}",
                fmt_bytes(freed)
            ),
        );
        true
    }
}

fn candidate(p: &SimPod) -> Candidate {
    Candidate {
        priority: p.priority,
        request: p.request,
        usage: Some(p.usage()),
    }
}

/// The OOM killer's global victim among the live containers: (pod, container, badness).
fn global_victim(pods: &[SimPod], evicted: &[bool], capacity: i64) -> Option<(usize, usize, i64)> {
    let totalpages = pages(capacity);
    let mut refs = Vec::new();
    let mut tasks = Vec::new();
    for (pi, p) in pods.iter().enumerate().filter(|(i, _)| !evicted[*i]) {
        for (ci, c) in p.containers.iter().enumerate().filter(|(_, c)| c.usage > 0) {
            refs.push((pi, ci));
            tasks.push(Task {
                rss_pages: pages(c.usage),
                swap_pages: 0,
                pgtable_pages: 0,
                oom_score_adj: c.oom_score_adj,
            });
        }
    }
    let first = *kill_order(&tasks, totalpages).first()?;
    let (pi, ci) = refs[first];
    Some((
        pi,
        ci,
        badness(&tasks[first], totalpages).unwrap_or(i64::MIN),
    ))
}

/// The progress (0..=1) at which the node's working set first reaches `target` bytes, if it does
/// by the end of the growth.
fn progress_at(st: &State, target: i64) -> Option<f64> {
    let ws = st.working_set();
    if ws >= target {
        return Some(st.p);
    }
    let (rate, done): (f64, f64) = st
        .growers
        .iter()
        .filter(|g| g.active)
        .fold((0.0, 0.0), |(r, d), g| {
            (r + g.amount as f64, d + g.amount as f64 * st.p)
        });
    if rate <= 0.0 {
        return None;
    }
    let p = (target as f64 - ws as f64 + done) / rate;
    (p <= 1.0).then_some(p.max(st.p))
}

/// The kubelet's eviction manager as the story sees it: the first hard and soft
/// `memory.available` thresholds, whether each is already crossed (a crossing is told once),
/// and whether it can act in time (`fast`: growth outpaces its 10 s housekeeping).
struct EvictionManager {
    hard: Option<Threshold>,
    soft: Option<Threshold>,
    hard_seen: bool,
    soft_seen: bool,
    fast: bool,
}

impl EvictionManager {
    /// The hard threshold: evict at once, else say the threshold is crossed with no eviction.
    /// `true` when a pod was evicted (the node changed: look again).
    fn hard_eviction(&mut self, st: &mut State, available: i64) -> bool {
        let capacity = st.node.capacity;
        let Some(h) = self.hard.as_ref().filter(|h| h.met(capacity, available)) else {
            self.hard_seen = false;
            return false;
        };
        if !self.fast && st.evict(StepKind::HardEviction, &h.text, None) {
            return true;
        }
        if !self.hard_seen {
            self.hard_seen = true;
            let why = if self.fast {
                "growth is faster than the kubelet's 10 s housekeeping (--fast-growth): no eviction happens in time"
            } else {
                "the kubelet has no pod it may evict (critical pods are never evicted)"
            };
            st.step(
                StepKind::HardThresholdCrossed,
                None,
                format!("memory.available falls below {}; {why}", h.text),
            );
        }
        false
    }

    /// The soft threshold: its grace period starts, then the kubelet evicts. `true` when a pod
    /// was evicted (the node changed: look again).
    fn soft_eviction(&mut self, st: &mut State, available: i64) -> bool {
        let capacity = st.node.capacity;
        let Some(s) = self.soft.as_ref().filter(|s| s.met(capacity, available)) else {
            self.soft_seen = false;
            return false;
        };
        if !self.soft_seen {
            self.soft_seen = true;
            st.step(
                StepKind::SoftThresholdCrossed,
                None,
                format!(
                    "memory.available falls below the soft threshold {}: the kubelet starts its grace period ({})",
                    s.text,
                    s.grace_period.as_deref().unwrap_or("?")
                ),
            );
        }
        !self.fast && st.evict(StepKind::SoftEviction, &s.text, s.grace_period.as_deref())
    }

    /// The next event as growth goes on: (progress, rank, grower). Rank 0 is a grower reaching
    /// its container limit, 1 a threshold crossed, 2 the node's capacity reached; at equal
    /// progress the lower rank comes first.
    fn next_event(&self, st: &State, available: i64) -> Option<(f64, u8, usize)> {
        let capacity = st.node.capacity;
        let mut next: Option<(f64, u8, usize)> = None;
        let mut consider = |p: f64, rank: u8, who: usize| {
            if next.is_none_or(|(np, nr, _)| p < np || (p == np && rank < nr)) {
                next = Some((p, rank, who));
            }
        };
        for (gi, g) in st.growers.iter().enumerate().filter(|(_, g)| g.active) {
            if let Some(limit) = st.pods[g.pod].containers[g.container].limit {
                let p = (limit - g.base) as f64 / g.amount as f64;
                if p <= 1.0 {
                    consider(p.max(st.p), 0, gi);
                }
            }
        }
        let thresholds = [self.hard.as_ref(), self.soft.as_ref()];
        for t in thresholds.into_iter().flatten() {
            if t.met(capacity, available) {
                continue;
            }
            let target = capacity - t.bytes(capacity) + 1;
            if let Some(p) = progress_at(st, target) {
                consider(p, 1, 0);
            }
        }
        if let Some(p) = progress_at(st, capacity) {
            consider(p, 2, 0);
        }
        next
    }
}

/// What the story does after the kernel's global OOM check.
enum Then {
    /// A container was killed: look at the node again.
    Again,
    /// The node is not out of memory: go on.
    Next,
    /// Nothing is left to kill: the story ends.
    Stop,
}

impl State<'_> {
    /// The kernel's `out_of_memory` for the whole node: once the working set `ws` reaches the
    /// capacity, the container with the highest `oom_badness` is killed.
    fn global_oom_kill(&mut self, ws: i64) -> Then {
        let capacity = self.node.capacity;
        if ws < capacity {
            return Then::Next;
        }
        let Some((pi, ci, points)) = global_victim(&self.pods, &self.evicted, capacity) else {
            self.step(
                StepKind::GrowthAbsorbed,
                None,
                "the node is out of memory with no container left to kill: the working set outside pods alone fills it".to_string(),
            );
            return Then::Stop;
        };
        let c = &self.pods[pi].containers[ci];
        let id = format!("{}/{}", self.pods[pi].id(), c.name);
        let explanation = format!(
            "the node's working set reaches its capacity {}: the kernel's global OOM killer kills {id}, the highest oom_badness ({points} = {} pages + oom_score_adj {} x ({} pages / 1000)); it restarts at its starting usage",
            fmt_bytes(capacity),
            pages(c.usage),
            c.oom_score_adj,
            pages(capacity)
        );
        self.pods[pi].containers[ci].usage = 0;
        self.stop_growers_of(pi, Some(ci));
        self.step_at(ws, StepKind::GlobalOomKill, Some(id), explanation);
        Then::Again
    }

    /// The memcg OOM killer: grower `gi` reached its container's limit; the container is
    /// killed, restarts at its starting usage and grows no more.
    fn memcg_oom_kill(&mut self, gi: usize) {
        let g = &self.growers[gi];
        let (pi, ci) = (g.pod, g.container);
        let c = &self.pods[pi].containers[ci];
        let limit = c.limit.unwrap_or(c.usage);
        self.pods[pi].containers[ci].usage = limit;
        self.growers[gi].grown = (limit - self.growers[gi].base).max(0);
        let id = format!(
            "{}/{}",
            self.pods[pi].id(),
            self.pods[pi].containers[ci].name
        );
        self.step(
            StepKind::ContainerOomKill,
            Some(id.clone()),
            format!(
                "{id} reaches its memory limit {}: the kernel's memcg OOM killer kills it (exit 137, OOMKilled) whatever the node's state; on cgroup v2 with kubelet 1.28+ every process of the container goes (memory.oom.group). It restarts at its starting usage; steady growth brings it back here (CrashLoopBackOff)",
                fmt_bytes(limit)
            ),
        );
        self.pods[pi].containers[ci].usage = self.growers[gi].base;
        self.growers[gi].active = false;
    }

    /// Nothing more happens: the rest of the growth is absorbed (or nothing grows any more).
    fn absorb_the_rest(&mut self) {
        let growing = self.growers.iter().any(|g| g.active);
        self.advance(1.0);
        let grown = self.growth();
        let what = if growing {
            "the rest of the growth is absorbed"
        } else {
            "nothing grows any more (every grower was evicted or killed)"
        };
        self.step(
            StepKind::GrowthAbsorbed,
            None,
            format!(
                "{what}: {} grown in all; memory.available ends at {}",
                fmt_bytes(grown),
                fmt_bytes(self.node.available(self.working_set()))
            ),
        );
    }

    /// The story ends with `GrowthAbsorbed`; when the step limit cut it, it says so.
    fn end_at_the_step_limit(&mut self) {
        if self
            .steps
            .last()
            .is_none_or(|s| s.kind != StepKind::GrowthAbsorbed)
        {
            self.step(
                StepKind::GrowthAbsorbed,
                None,
                "the simulation stops here (step limit reached)".to_string(),
            );
        }
    }
}

/// Runs the growth story. `unmatched` is the working set of pods without a spec.
pub fn run(
    node: &NodeModel,
    pods: &[SimPod],
    unmatched: i64,
    grows: &[Grow],
    fast: bool,
) -> Result<(Vec<Step>, Vec<String>), String> {
    let (growers, notes) = resolve(pods, grows)?;
    let mut st = State {
        node,
        pods: pods.to_vec(),
        evicted: vec![false; pods.len()],
        fixed: node.system_usage.saturating_add(unmatched),
        growers,
        p: 0.0,
        steps: Vec::new(),
    };
    let mut kubelet = EvictionManager {
        hard: node.hard.first().cloned(),
        soft: node.soft.first().cloned(),
        hard_seen: false,
        soft_seen: false,
        fast,
    };
    for _ in 0..(4 * pods.len() + 32) {
        let ws = st.working_set();
        let available = node.available(ws);
        // Kubelet reactions to the state as it is now.
        if kubelet.hard_eviction(&mut st, available) || kubelet.soft_eviction(&mut st, available) {
            continue;
        }
        match st.global_oom_kill(ws) {
            Then::Again => continue,
            Then::Stop => break,
            Then::Next => {}
        }
        let Some((p, rank, gi)) = kubelet.next_event(&st, available) else {
            st.absorb_the_rest();
            break;
        };
        st.advance(p);
        if rank == 0 {
            st.memcg_oom_kill(gi);
        }
    }
    st.end_at_the_step_limit();
    Ok((st.steps, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grow() {
        let g = Grow::parse("shop/api=+2Gi").unwrap();
        assert_eq!((g.container, g.bytes), (None, 2 << 30));
        let g = Grow::parse("shop/api/envoy=512Mi").unwrap();
        assert_eq!(g.container.as_deref(), Some("envoy"));
        for bad in [
            "shop=+1Gi",
            "shop/api",
            "shop/api=+0",
            "shop/api=+lots",
            "/api=+1Gi",
        ] {
            assert!(Grow::parse(bad).is_err(), "{bad}");
        }
    }
}
