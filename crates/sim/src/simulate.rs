//! The whole model: a node, its pods and their usage in; fit, overcommit, `memory.available`
//! against each threshold, the kubelet's eviction order, the kernel's OOM-kill order and the
//! growth story out, with every assumption stated.

use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::qos::QosClass;

use crate::eviction::{rank_memory_pressure, reason, Candidate};
use crate::node::{node_model, NodeConfig, NodeModel};
use crate::oom_kill::{badness, kill_order, oom_score, pages, Task, PAGE_SIZE};
use crate::pod::{pods_from_workloads, SimPod};
use crate::story::{self, Grow, Step};
use crate::threshold::Kind;
use crate::usage::{Assume, UsageFormat, UsageTable};

/// Everything the model needs.
#[derive(Clone, Debug)]
pub struct Input<'a> {
    /// The node.
    pub node: NodeConfig,
    /// Workloads read from manifests or `kubectl get pods -o json`.
    pub workloads: &'a [Workload],
    /// LimitRanges read beside them.
    pub limit_ranges: &'a [LimitRange],
    /// Measured usage, when given.
    pub usage: Option<&'a UsageTable>,
    /// Usage of pods without a measurement.
    pub assume: Assume,
    /// `--grow`.
    pub grows: Vec<Grow>,
    /// Growth faster than the kubelet's housekeeping interval.
    pub fast: bool,
}

/// A threshold and how far `memory.available` is from it.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdStatus {
    /// Hard or soft.
    pub kind: Kind,
    /// As written.
    pub text: String,
    /// In bytes on this node.
    pub bytes: i64,
    /// Grace period (soft).
    pub grace_period: Option<String>,
    /// `memory.available - bytes`: the headroom left; the threshold is met when this is
    /// negative (the comparison is strict: met when `bytes > available`).
    pub distance: i64,
    /// Met now.
    pub met: bool,
}

/// One line of the eviction order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvictionEntry {
    /// `ns/pod`.
    pub pod: String,
    /// QoS class.
    pub qos: QosClass,
    /// Priority.
    pub priority: i32,
    /// Memory request, bytes.
    pub request: i64,
    /// Working set, bytes.
    pub usage: i64,
    /// Critical: ranked, but the kubelet never evicts it.
    pub critical: bool,
    /// Why it ranks there.
    pub reason: String,
}

/// One line of the OOM-kill order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OomEntry {
    /// `ns/pod/container`.
    pub container: String,
    /// QoS class of its pod.
    pub qos: QosClass,
    /// `oom_score_adj`.
    pub oom_score_adj: i64,
    /// Working set, bytes (taken as rss).
    pub usage: i64,
    /// `oom_badness` points.
    pub badness: i64,
    /// `/proc/PID/oom_score`.
    pub oom_score: i64,
}

/// The answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The node.
    pub node: NodeModel,
    /// The pods.
    pub pods: Vec<SimPod>,
    /// Where measured usage came from.
    pub usage_format: Option<UsageFormat>,
    /// Sum of pod memory requests, bytes.
    pub requests: i64,
    /// Sum of the memory limits of pods that have one, bytes.
    pub limits: i64,
    /// Pods without a memory limit (unbounded; not in `limits`).
    pub unlimited: Vec<String>,
    /// Requests fit in allocatable.
    pub fits: bool,
    /// `limits / allocatable`.
    pub overcommit_ratio: f64,
    /// Working set of the pods with a spec, bytes.
    pub pods_usage: i64,
    /// Working set of usage rows without a spec, bytes.
    pub unmatched_usage: i64,
    /// The node's working set, bytes.
    pub node_working_set: i64,
    /// `memory.available`, bytes.
    pub memory_available: i64,
    /// Each threshold.
    pub thresholds: Vec<ThresholdStatus>,
    /// `rankMemoryPressure`.
    pub eviction_order: Vec<EvictionEntry>,
    /// The global OOM killer's order.
    pub oom_kill_order: Vec<OomEntry>,
    /// The `--grow` story.
    pub steps: Vec<Step>,
    /// What was assumed.
    pub assumptions: Vec<String>,
}

/// Each threshold against `memory.available`.
fn threshold_statuses(node: &NodeModel, memory_available: i64) -> Vec<ThresholdStatus> {
    node.hard
        .iter()
        .chain(&node.soft)
        .map(|t| {
            let bytes = t.bytes(node.capacity);
            ThresholdStatus {
                kind: t.kind,
                text: t.text.clone(),
                bytes,
                grace_period: t.grace_period.clone(),
                distance: memory_available.saturating_sub(bytes),
                met: t.met(node.capacity, memory_available),
            }
        })
        .collect()
}

/// The kubelet's eviction order (`rankMemoryPressure`), with why each pod ranks where it does.
fn eviction_order(pods: &[SimPod]) -> Vec<EvictionEntry> {
    let cands: Vec<Candidate> = pods
        .iter()
        .map(|p| Candidate {
            priority: p.priority,
            request: p.request,
            usage: Some(p.usage()),
        })
        .collect();
    rank_memory_pressure(&cands)
        .into_iter()
        .map(|i| EvictionEntry {
            pod: pods[i].id(),
            qos: pods[i].qos,
            priority: pods[i].priority,
            request: pods[i].request,
            usage: pods[i].usage(),
            critical: pods[i].critical,
            reason: reason(&cands[i]),
        })
        .collect()
}

/// The global OOM killer's order over every container (one task each), by `oom_badness`.
fn oom_kill_order(pods: &[SimPod], capacity: i64) -> Vec<OomEntry> {
    let totalpages = pages(capacity);
    let mut refs = Vec::new();
    let mut tasks = Vec::new();
    for p in pods {
        for c in &p.containers {
            refs.push((p, c));
            tasks.push(Task {
                rss_pages: pages(c.usage),
                swap_pages: 0,
                pgtable_pages: 0,
                oom_score_adj: c.oom_score_adj,
            });
        }
    }
    kill_order(&tasks, totalpages)
        .into_iter()
        .map(|i| OomEntry {
            container: format!("{}/{}", refs[i].0.id(), refs[i].1.name),
            qos: refs[i].0.qos,
            oom_score_adj: refs[i].1.oom_score_adj,
            usage: refs[i].1.usage,
            badness: badness(&tasks[i], totalpages).unwrap_or(i64::MIN),
            oom_score: oom_score(&tasks[i], totalpages),
        })
        .collect()
}

/// The `--grow` story, with its notes and how fast the growth is taken to be.
fn growth_story(
    input: &Input,
    node: &NodeModel,
    pods: &[SimPod],
    unmatched_usage: i64,
    assumptions: &mut Vec<String>,
) -> Result<Vec<Step>, String> {
    if input.grows.is_empty() {
        return Ok(Vec::new());
    }
    let (steps, notes) = story::run(node, pods, unmatched_usage, &input.grows, input.fast)?;
    assumptions.extend(notes);
    assumptions.push(if input.fast {
        "--fast-growth: the growth outpaces the kubelet's 10 s housekeeping, so no eviction happens before the kernel acts".to_string()
    } else {
        "growth is slow next to the kubelet's 10 s housekeeping interval: it evicts (one pod per interval) before the node runs out; a faster growth ends in a global OOM kill instead (--fast-growth)".to_string()
    });
    Ok(steps)
}

/// What the usage figures are taken to mean.
fn usage_assumptions(usage: Option<&UsageTable>, assumptions: &mut Vec<String>) {
    if let Some(u) = usage {
        assumptions.push(format!(
            "usage is the working set from {}; the OOM killer counts rss + swap + page tables: taken as the working set, no swap, {} B pages, one process per container",
            u.format.as_str(),
            PAGE_SIZE
        ));
        if u.format == UsageFormat::TopPods {
            assumptions.push(
                "`kubectl top pod` gives pod totals: a pod's usage is split evenly over its containers (use --containers for per-container figures)"
                    .to_string(),
            );
        }
    } else {
        assumptions.push(format!(
            "no usage file: no swap, {PAGE_SIZE} B pages, one process per container"
        ));
    }
}

/// Runs the model.
pub fn simulate(input: &Input) -> Result<Report, String> {
    let (node, mut assumptions) = node_model(&input.node)?;
    let set = pods_from_workloads(
        input.workloads,
        input.limit_ranges,
        input.usage,
        input.assume,
        node.capacity,
        node.name.as_deref(),
    );
    assumptions.extend(set.assumptions.iter().cloned());
    assumptions.push(
        "every pod in the input without a spec.nodeName of another node runs on this node (for a live node: kubectl get pods -A -o json --field-selector spec.nodeName=NODE, or --live NODE)"
            .to_string(),
    );
    let pods = set.pods;
    let requests = pods.iter().fold(0i64, |a, p| a.saturating_add(p.request));
    let limits = pods
        .iter()
        .filter_map(|p| p.limit)
        .fold(0i64, |a, l| a.saturating_add(l));
    let unlimited: Vec<String> = pods
        .iter()
        .filter(|p| p.limit.is_none())
        .map(SimPod::id)
        .collect();
    let pods_usage = pods.iter().fold(0i64, |a, p| a.saturating_add(p.usage()));
    let unmatched_usage = set
        .unmatched_usage
        .iter()
        .fold(0i64, |a, u| a.saturating_add(u.total()));
    let node_working_set = node
        .system_usage
        .saturating_add(pods_usage)
        .saturating_add(unmatched_usage);
    let memory_available = node.available(node_working_set);
    let thresholds = threshold_statuses(&node, memory_available);
    let eviction_order = eviction_order(&pods);
    let oom_kill_order = oom_kill_order(&pods, node.capacity);
    let steps = growth_story(input, &node, &pods, unmatched_usage, &mut assumptions)?;
    usage_assumptions(input.usage, &mut assumptions);
    assumptions.push(
        "pods that tie on every eviction comparator (the kubelet's sort is not stable) and containers that tie on oom_badness (the kernel takes the later task it scans) are shown in input order, resp. reverse input order"
            .to_string(),
    );
    Ok(Report {
        overcommit_ratio: limits as f64 / node.allocatable.max(1) as f64,
        fits: requests <= node.allocatable,
        node,
        pods,
        usage_format: input.usage.map(|u| u.format),
        requests,
        limits,
        unlimited,
        pods_usage,
        unmatched_usage,
        node_working_set,
        memory_available,
        thresholds,
        eviction_order,
        oom_kill_order,
        steps,
        assumptions,
    })
}
