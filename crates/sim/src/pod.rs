//! The pods a node runs, from workloads read by `oomdoc-manifest` and admitted as the API server
//! would (`oomdoc_model::admission::admit`, with the namespace's LimitRanges), joined to their
//! measured usage.
//!
//! - A `Pod` (also an item of `kubectl get pods -o json`) is one pod.
//! - A controller (Deployment, StatefulSet, ...) is as many pods as the usage file lists under
//!   names it generates (`api-7d9f8b7c6-x2x5z` for Deployment `api`, `db-0` for StatefulSet
//!   `db`); with no such row, one pod named after the workload (`replicas` is not read), stated
//!   as an assumption.
//! - Only running containers count: regular containers and sidecars; init containers have exited.

use oomdoc_model::admission::{ContainerKind, EffectiveContainer, EffectivePod};
use oomdoc_model::oom_score::{
    aggregate_container_memory_requests, is_critical, oom_score_adj, pod_level_requests_set,
    ContainerRef,
};
use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::qos::{pod_qos, QosClass};

use crate::usage::{Assume, PodUsage, UsageTable};

/// `system-node-critical`'s priority value.
const NODE_CRITICAL_PRIORITY: i32 = 2_000_001_000;
/// `system-cluster-critical`'s priority value.
const CLUSTER_CRITICAL_PRIORITY: i32 = 2_000_000_000;

/// Where a pod's usage figure came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageSource {
    /// Measured (the usage file).
    Measured,
    /// Assumed (`--assume-usage`).
    Assumed(Assume),
}

/// A running container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimContainer {
    /// `name`.
    pub name: String,
    /// Regular or sidecar.
    pub kind: ContainerKind,
    /// Memory request, bytes (0 when none).
    pub request: i64,
    /// Memory limit, bytes.
    pub limit: Option<i64>,
    /// The `oom_score_adj` the kubelet gives it on this node.
    pub oom_score_adj: i64,
    /// Working set, bytes.
    pub usage: i64,
}

/// A pod on the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// The object it came from: `Kind/namespace/name (file:line)`.
    pub origin: String,
    /// `spec.priority` as the kubelet sees it (0 when unset).
    pub priority: i32,
    /// QoS class.
    pub qos: QosClass,
    /// Critical (static, mirror, or priority at least 2000000000): the kubelet never evicts it.
    pub critical: bool,
    /// The pod's memory request as eviction and scheduling count it (`PodRequests` + overhead).
    pub request: i64,
    /// The pod's memory limit, when every running container has one (or pod-level limits).
    pub limit: Option<i64>,
    /// Running containers.
    pub containers: Vec<SimContainer>,
    /// Where the usage came from.
    pub usage_source: UsageSource,
}

impl SimPod {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The pod's working set: the sum of its containers'.
    pub fn usage(&self) -> i64 {
        self.containers
            .iter()
            .fold(0i64, |a, c| a.saturating_add(c.usage))
    }
}

/// The pods, the usage rows no pod matched, and what was assumed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSet {
    /// Pods in input order.
    pub pods: Vec<SimPod>,
    /// Usage rows of pods without a spec in the input: they use memory on the node but cannot be
    /// ranked.
    pub unmatched_usage: Vec<PodUsage>,
    /// Assumptions made, one sentence each.
    pub assumptions: Vec<String>,
}

fn bytes(s: Option<&oomdoc_model::admission::Sourced>) -> Option<i64> {
    s.and_then(|s| s.quantity.value())
}

/// Whether `pod` is a name the controller `kind`/`owner` generates.
pub(crate) fn generated_by(kind: &str, owner: &str, pod: &str) -> bool {
    let Some(suffix) = pod.strip_prefix(owner).and_then(|s| s.strip_prefix('-')) else {
        return false;
    };
    let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    let parts: Vec<&str> = suffix.split('-').collect();
    match kind {
        "Deployment" | "Rollout" | "DeploymentConfig" => {
            parts.len() == 2 && parts.iter().all(|p| token(p))
        }
        "StatefulSet" => !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_digit()),
        "CronJob" => {
            parts.len() == 2 && parts[0].chars().all(|c| c.is_ascii_digit()) && token(parts[1])
        }
        _ => parts.len() == 1 && token(parts[0]),
    }
}

/// The priority the kubelet sees, and a note when it had to be guessed from the class name.
fn priority_of(pod: &EffectivePod) -> (i32, Option<String>) {
    if let Some(p) = pod.priority {
        return (p, None);
    }
    match pod.priority_class_name.as_deref() {
        Some("system-node-critical") => (NODE_CRITICAL_PRIORITY, None),
        Some("system-cluster-critical") => (CLUSTER_CRITICAL_PRIORITY, None),
        Some(other) => (
            0,
            Some(format!(
                "PriorityClass `{other}` is not in the input: its priority is taken as 0"
            )),
        ),
        None => (0, None),
    }
}

/// `GetResourceRequestQuantity(pod, memory)`: pod-level requests when set, else the aggregated
/// container requests; then the overhead.
pub fn pod_request(pod: &EffectivePod) -> i64 {
    let base = if pod_level_requests_set(pod) {
        pod.pod_resources
            .as_ref()
            .and_then(|r| bytes(r.requests.memory.as_ref()))
            .unwrap_or_else(|| aggregate_container_memory_requests(pod))
    } else {
        aggregate_container_memory_requests(pod)
    };
    base.saturating_add(pod.overhead_memory.and_then(|q| q.value()).unwrap_or(0))
}

/// The pod's memory limit: pod-level when set; else the running containers' sum (each must
/// have one), at least the largest init container limit.
fn pod_limit(pod: &EffectivePod) -> Option<i64> {
    if let Some(l) = pod
        .pod_resources
        .as_ref()
        .and_then(|r| bytes(r.limits.memory.as_ref()))
    {
        return Some(l);
    }
    let mut sum = 0i64;
    for c in running(pod) {
        sum = sum.saturating_add(bytes(c.resources.limits.memory.as_ref())?);
    }
    let init_max = pod
        .init_containers
        .iter()
        .filter(|c| c.kind == ContainerKind::Init)
        .filter_map(|c| bytes(c.resources.limits.memory.as_ref()))
        .max()
        .unwrap_or(0);
    Some(sum.max(init_max))
}

fn running(pod: &EffectivePod) -> impl Iterator<Item = &EffectiveContainer> {
    pod.containers.iter().chain(
        pod.init_containers
            .iter()
            .filter(|c| c.kind == ContainerKind::Sidecar),
    )
}

/// Builds one pod: containers with their `oom_score_adj` on a node of `capacity` bytes, usage
/// from `row` (split evenly over the running containers when only the pod's total is known) or
/// assumed.
fn build(
    namespace: &str,
    name: &str,
    origin: String,
    pod: &EffectivePod,
    capacity: i64,
    row: Option<&PodUsage>,
    assume: Assume,
) -> SimPod {
    let qos = pod_qos(pod);
    let mut containers: Vec<SimContainer> = Vec::new();
    for (i, c) in pod.containers.iter().enumerate() {
        containers.push(container(pod, c, ContainerRef::Regular(i), qos, capacity));
    }
    for (i, c) in pod.init_containers.iter().enumerate() {
        if c.kind == ContainerKind::Sidecar {
            containers.push(container(pod, c, ContainerRef::Init(i), qos, capacity));
        }
    }
    let usage_source = match row {
        Some(row) => {
            let named = row.containers.iter().any(|c| c.name.is_some());
            if named {
                for c in &mut containers {
                    c.usage = row
                        .containers
                        .iter()
                        .filter(|u| u.name.as_deref() == Some(c.name.as_str()))
                        .fold(0, |a, u| a + u.bytes);
                }
            } else if !containers.is_empty() {
                let total = row.total();
                let n = containers.len() as i64;
                for (i, c) in containers.iter_mut().enumerate() {
                    c.usage = total / n + if i == 0 { total % n } else { 0 };
                }
            }
            UsageSource::Measured
        }
        None => {
            for c in &mut containers {
                c.usage = assume.bytes(c.request, c.limit);
            }
            UsageSource::Assumed(assume)
        }
    };
    let (priority, _) = priority_of(pod);
    SimPod {
        namespace: namespace.to_string(),
        name: name.to_string(),
        origin,
        priority,
        qos,
        critical: is_critical(pod),
        request: pod_request(pod),
        limit: pod_limit(pod),
        containers,
        usage_source,
    }
}

fn container(
    pod: &EffectivePod,
    c: &EffectiveContainer,
    which: ContainerRef,
    qos: QosClass,
    capacity: i64,
) -> SimContainer {
    SimContainer {
        name: c.name.clone(),
        kind: c.kind,
        request: bytes(c.resources.requests.memory.as_ref()).unwrap_or(0),
        limit: bytes(c.resources.limits.memory.as_ref()),
        oom_score_adj: oom_score_adj(pod, qos, which, capacity),
        usage: 0,
    }
}

/// Why the API server's validation refuses the admitted `pod` (a limit below its request, after
/// LimitRange defaults, as `ValidateResourceRequirements` checks), if it does.
fn refused_by_validation(pod: &oomdoc_model::admission::EffectivePod) -> Option<String> {
    pod.init_containers
        .iter()
        .chain(&pod.containers)
        .find_map(|c| {
            let r = &c.resources;
            [
                ("memory", &r.requests.memory, &r.limits.memory),
                ("cpu", &r.requests.cpu, &r.limits.cpu),
            ]
            .into_iter()
            .find_map(|(what, req, lim)| match (req, lim) {
                (Some(req), Some(lim)) if req.quantity > lim.quantity => Some(format!(
                    "container \"{}\" has a {what} limit {} below its request {}",
                    c.name, lim.quantity, req.quantity
                )),
                _ => None,
            })
        })
}

/// The pods of `workloads` on a node of `capacity` bytes, admitted with the LimitRanges of their
/// namespaces, joined to `usage` (assumed per `assume` where there is none). Workloads the
/// reader rejected are skipped, and so are Pods read from the API that run elsewhere (a
/// `spec.nodeName` other than `node`, when the node is named) or no longer run (phase
/// Succeeded or Failed: their memory is freed), each counted in an assumption.
pub fn pods_from_workloads(
    workloads: &[Workload],
    limit_ranges: &[LimitRange],
    usage: Option<&UsageTable>,
    assume: Assume,
    capacity: i64,
    node: Option<&str>,
) -> PodSet {
    let rows = usage.map(|u| u.pods.as_slice()).unwrap_or_default();
    let mut join = UsageJoin {
        set: PodSet::default(),
        rows,
        used: vec![false; rows.len()],
        assume,
        capacity,
        one_per_controller: Vec::new(),
        unmeasured: 0,
        elsewhere: 0,
        finished: 0,
    };
    for w in workloads.iter().filter(|w| !w.rejected) {
        let Some(pod) = join.admitted(w, limit_ranges, node) else {
            continue;
        };
        if w.kind == "Pod" {
            join.add_pod(w, &pod);
        } else {
            join.add_controller(w, &pod);
        }
    }
    join.finish()
}

/// Pods being joined to their usage rows, with what was left out or assumed on the way.
struct UsageJoin<'a> {
    set: PodSet,
    rows: &'a [PodUsage],
    /// Rows already joined to a pod.
    used: Vec<bool>,
    assume: Assume,
    capacity: i64,
    /// Controllers taken as one pod (no usage row matches them).
    one_per_controller: Vec<String>,
    unmeasured: usize,
    elsewhere: usize,
    finished: usize,
}

impl UsageJoin<'_> {
    /// The pod of `w` as the API server admits it, or `None` when it is not on this node, no
    /// longer runs, or fails validation (noted).
    fn admitted(
        &mut self,
        w: &Workload,
        limit_ranges: &[LimitRange],
        node: Option<&str>,
    ) -> Option<EffectivePod> {
        if let (Some(on), Some(node)) = (w.pod.node_name.as_deref(), node) {
            if on != node {
                self.elsewhere += 1;
                return None;
            }
        }
        if matches!(w.pod.phase.as_deref(), Some("Succeeded" | "Failed")) {
            self.finished += 1;
            return None;
        }
        let ns = w.namespace_or_default();
        let lrs: Vec<&LimitRange> = limit_ranges
            .iter()
            .filter(|l| l.namespace.as_deref().unwrap_or("default") == ns)
            .collect();
        let pod = oomdoc_model::admission::admit(&w.pod, &lrs);
        if let Some(why) = refused_by_validation(&pod) {
            let note = format!(
                "{} ({}:{}) left out: {why}, so the API server rejects the pod",
                w.id(),
                w.file,
                w.pos.line
            );
            self.set.assumptions.push(note);
            return None;
        }
        if let (_, Some(note)) = priority_of(&pod) {
            if !self.set.assumptions.contains(&note) {
                self.set.assumptions.push(note);
            }
        }
        Some(pod)
    }

    fn name_and_origin(w: &Workload) -> (&str, String) {
        let name = w.name.as_deref().unwrap_or("<unnamed>");
        (name, format!("{} ({}:{})", w.id(), w.file, w.pos.line))
    }

    /// A Pod: joined to the usage row of its namespace and name, if any.
    fn add_pod(&mut self, w: &Workload, pod: &EffectivePod) {
        let ns = w.namespace_or_default();
        let (name, origin) = Self::name_and_origin(w);
        let rows = self.rows;
        let row = rows.iter().position(|r| r.is_for(ns, name));
        if let Some(i) = row {
            self.used[i] = true;
        } else {
            self.unmeasured += 1;
        }
        let p = build(
            ns,
            name,
            origin,
            pod,
            self.capacity,
            row.map(|i| &rows[i]),
            self.assume,
        );
        self.set.pods.push(p);
    }

    /// A controller: one pod per unused usage row whose pod name it generates, else one pod
    /// without usage.
    fn add_controller(&mut self, w: &Workload, pod: &EffectivePod) {
        let ns = w.namespace_or_default();
        let (name, origin) = Self::name_and_origin(w);
        let rows = self.rows;
        let matches: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                !self.used[*i]
                    && r.namespace.as_deref().is_none_or(|n| n == ns)
                    && generated_by(&w.kind, name, &r.pod)
            })
            .map(|(i, _)| i)
            .collect();
        if matches.is_empty() {
            self.one_per_controller.push(w.id());
            self.unmeasured += 1;
            self.set.pods.push(build(
                ns,
                name,
                origin.clone(),
                pod,
                self.capacity,
                None,
                self.assume,
            ));
        }
        for i in matches {
            self.used[i] = true;
            let r = &rows[i];
            self.set.pods.push(build(
                ns,
                &r.pod,
                origin.clone(),
                pod,
                self.capacity,
                Some(r),
                self.assume,
            ));
        }
    }

    /// The set, with an assumption for each thing left out or assumed and the unused rows.
    fn finish(mut self) -> PodSet {
        if !self.one_per_controller.is_empty() {
            self.set.assumptions.push(format!(
                "one pod per controller without a matching usage row (replicas are not read): {}",
                self.one_per_controller.join(", ")
            ));
        }
        if self.elsewhere > 0 {
            self.set.assumptions.push(format!(
                "{} pod(s) scheduled to other nodes (spec.nodeName) left out",
                self.elsewhere
            ));
        }
        if self.finished > 0 {
            self.set.assumptions.push(format!(
                "{} pod(s) Succeeded or Failed left out: their containers no longer use memory",
                self.finished
            ));
        }
        if self.unmeasured > 0 {
            self.set.assumptions.push(format!(
                "{} pod(s) without a measured usage: each container is taken to use {}",
                self.unmeasured,
                self.assume.describe()
            ));
        }
        self.set.unmatched_usage = self
            .rows
            .iter()
            .zip(&self.used)
            .filter(|(_, u)| !**u)
            .map(|(r, _)| r.clone())
            .collect();
        if !self.set.unmatched_usage.is_empty() {
            self.set.assumptions.push(format!(
                "{} pod(s) in the usage file have no spec in the input: their usage counts toward the node's working set, but they are not ranked",
                self.set.unmatched_usage.len()
            ));
        }
        self.set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names() {
        assert!(generated_by("Deployment", "api", "api-7d9f8b7c6-x2x5z"));
        assert!(!generated_by(
            "Deployment",
            "api",
            "api-gateway-7d9f8b7c6-x2x5z"
        ));
        assert!(generated_by("StatefulSet", "db", "db-0"));
        assert!(!generated_by("StatefulSet", "db", "db-proxy"));
        assert!(generated_by("DaemonSet", "agent", "agent-x2x5z"));
        assert!(generated_by("CronJob", "report", "report-29400000-x2x5z"));
    }
}
