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
use crate::node::NodeModel;
use crate::oom_kill::{badness, kill_order, pages, Task};
use crate::pod::SimPod;
use crate::{fmt_bytes, memory_bytes};

/// One `--grow`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grow {
    /// Namespace.
    pub namespace: String,
    /// Pod (or controller) name.
    pub pod: String,
    /// Container; the pod's first container when `None`.
    pub container: Option<String>,
    /// Bytes to add.
    pub bytes: i64,
}

impl Grow {
    /// Parses `NS/POD[/CONTAINER]=+SIZE` (the `+` is optional).
    pub fn parse(s: &str) -> Result<Grow, String> {
        let (target, size) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected NS/POD[/CONTAINER]=+SIZE"))?;
        let parts: Vec<&str> = target.trim().split('/').collect();
        let (namespace, pod, container) = match parts.as_slice() {
            [ns, pod] => (*ns, *pod, None),
            [ns, pod, c] => (*ns, *pod, Some(c.to_string())),
            _ => return Err(format!("`{s}`: expected NS/POD[/CONTAINER]=+SIZE")),
        };
        if namespace.is_empty() || pod.is_empty() || container.as_deref() == Some("") {
            return Err(format!("`{s}`: expected NS/POD[/CONTAINER]=+SIZE"));
        }
        let size = size.trim();
        let bytes = memory_bytes(size.strip_prefix('+').unwrap_or(size))
            .map_err(|e| format!("`{s}`: {e}"))?;
        if bytes == 0 {
            return Err(format!("`{s}`: the growth must be positive"));
        }
        Ok(Grow {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            container,
            bytes,
        })
    }
}

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

struct Grower {
    pod: usize,
    container: usize,
    base: i64,
    amount: i64,
    /// Bytes grown so far (kept when the grower stops).
    grown: i64,
    active: bool,
}

/// Resolves `--grow` targets to (pod, container) indices; the second value holds notes.
fn resolve(pods: &[SimPod], grows: &[Grow]) -> Result<(Vec<Grower>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for g in grows {
        let exact = pods
            .iter()
            .position(|p| p.namespace == g.namespace && p.name == g.pod);
        let by_owner: Vec<usize> = pods
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.namespace == g.namespace
                    && (p
                        .origin
                        .split(' ')
                        .next()
                        .is_some_and(|id| id.rsplit('/').next() == Some(g.pod.as_str()))
                        || ["Deployment", "StatefulSet", "DaemonSet", "CronJob"]
                            .iter()
                            .any(|k| crate::pod::generated_by(k, &g.pod, &p.name)))
            })
            .map(|(i, _)| i)
            .collect();
        let pi = match (exact, by_owner.first()) {
            (Some(i), _) => i,
            (None, Some(&i)) => {
                if by_owner.len() > 1 {
                    notes.push(format!(
                        "--grow {}/{}: {} pods belong to it; the first, {}, grows",
                        g.namespace,
                        g.pod,
                        by_owner.len(),
                        pods[i].name
                    ));
                }
                i
            }
            (None, None) => {
                let known: Vec<String> = pods.iter().take(8).map(SimPod::id).collect();
                return Err(format!(
                    "--grow: no pod {}/{} in the input (pods: {})",
                    g.namespace,
                    g.pod,
                    known.join(", ")
                ));
            }
        };
        let pod = &pods[pi];
        let ci = match &g.container {
            Some(c) => pod
                .containers
                .iter()
                .position(|x| &x.name == c)
                .ok_or_else(|| format!("--grow: pod {} has no container `{c}`", pod.id()))?,
            None if pod.containers.is_empty() => {
                return Err(format!("--grow: pod {} has no containers", pod.id()))
            }
            None => {
                if pod.containers.len() > 1 {
                    notes.push(format!(
                        "--grow {}: the first container, {}, grows",
                        pod.id(),
                        pod.containers[0].name
                    ));
                }
                0
            }
        };
        // Two --grow for one container add up.
        if let Some(g0) = out
            .iter_mut()
            .find(|g: &&mut Grower| g.pod == pi && g.container == ci)
        {
            g0.amount = g0.amount.saturating_add(g.bytes);
            continue;
        }
        out.push(Grower {
            pod: pi,
            container: ci,
            base: pod.containers[ci].usage,
            amount: g.bytes,
            grown: 0,
            active: true,
        });
    }
    Ok((out, notes))
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
    let soft = node.soft.first().cloned();
    let hard = node.hard.first().cloned();
    let (mut soft_seen, mut hard_seen) = (false, false);
    for _ in 0..(4 * pods.len() + 32) {
        let ws = st.working_set();
        let available = node.available(ws);
        // Kubelet reactions to the state as it is now.
        if let Some(h) = hard.as_ref().filter(|h| h.met(node.capacity, available)) {
            if !fast && st.evict(StepKind::HardEviction, &h.text, None) {
                continue;
            }
            if !hard_seen {
                hard_seen = true;
                let why = if fast {
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
        } else {
            hard_seen = false;
        }
        if let Some(s) = soft.as_ref().filter(|s| s.met(node.capacity, available)) {
            if !soft_seen {
                soft_seen = true;
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
            if !fast && st.evict(StepKind::SoftEviction, &s.text, s.grace_period.as_deref()) {
                continue;
            }
        } else {
            soft_seen = false;
        }
        if ws >= node.capacity {
            let Some((pi, ci, points)) = global_victim(&st.pods, &st.evicted, node.capacity) else {
                st.step(
                    StepKind::GrowthAbsorbed,
                    None,
                    "the node is out of memory with no container left to kill: the working set outside pods alone fills it".to_string(),
                );
                break;
            };
            let c = &st.pods[pi].containers[ci];
            let id = format!("{}/{}", st.pods[pi].id(), c.name);
            let explanation = format!(
                "the node's working set reaches its capacity {}: the kernel's global OOM killer kills {id}, the highest oom_badness ({points} = {} pages + oom_score_adj {} x ({} pages / 1000)); it restarts at its starting usage",
                fmt_bytes(node.capacity),
                pages(c.usage),
                c.oom_score_adj,
                pages(node.capacity)
            );
            st.pods[pi].containers[ci].usage = 0;
            st.stop_growers_of(pi, Some(ci));
            st.step_at(ws, StepKind::GlobalOomKill, Some(id), explanation);
            continue;
        }
        // The next event as growth goes on.
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
        let thresholds = [hard.as_ref(), soft.as_ref()];
        for t in thresholds.into_iter().flatten() {
            if t.met(node.capacity, available) {
                continue;
            }
            let target = node.capacity - t.bytes(node.capacity) + 1;
            if let Some(p) = progress_at(&st, target) {
                consider(p, 1, 0);
            }
        }
        if let Some(p) = progress_at(&st, node.capacity) {
            consider(p, 2, 0);
        }
        let Some((p, rank, gi)) = next else {
            let growing = st.growers.iter().any(|g| g.active);
            st.advance(1.0);
            let grown = st.growth();
            let what = if growing {
                "the rest of the growth is absorbed"
            } else {
                "nothing grows any more (every grower was evicted or killed)"
            };
            st.step(
                StepKind::GrowthAbsorbed,
                None,
                format!(
                    "{what}: {} grown in all; memory.available ends at {}",
                    fmt_bytes(grown),
                    fmt_bytes(node.available(st.working_set()))
                ),
            );
            break;
        };
        st.advance(p);
        if rank == 0 {
            let g = &st.growers[gi];
            let (pi, ci) = (g.pod, g.container);
            let c = &st.pods[pi].containers[ci];
            let limit = c.limit.unwrap_or(c.usage);
            st.pods[pi].containers[ci].usage = limit;
            st.growers[gi].grown = (limit - st.growers[gi].base).max(0);
            let id = format!("{}/{}", st.pods[pi].id(), st.pods[pi].containers[ci].name);
            st.step(
                StepKind::ContainerOomKill,
                Some(id.clone()),
                format!(
                    "{id} reaches its memory limit {}: the kernel's memcg OOM killer kills it (exit 137, OOMKilled) whatever the node's state; on cgroup v2 with kubelet 1.28+ every process of the container goes (memory.oom.group). It restarts at its starting usage; steady growth brings it back here (CrashLoopBackOff)",
                    fmt_bytes(limit)
                ),
            );
            st.pods[pi].containers[ci].usage = st.growers[gi].base;
            st.growers[gi].active = false;
        }
    }
    if st
        .steps
        .last()
        .is_none_or(|s| s.kind != StepKind::GrowthAbsorbed)
    {
        st.step(
            StepKind::GrowthAbsorbed,
            None,
            "the simulation stops here (step limit reached)".to_string(),
        );
    }
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
