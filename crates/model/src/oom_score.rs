//! The `oom_score_adj` the kubelet writes for each container (`pkg/kubelet/qos/policy.go`).

use crate::admission::{ContainerKind, EffectiveContainer, EffectivePod};
use crate::qos::QosClass;

/// `guaranteedOOMScoreAdj`.
pub const GUARANTEED_OOM_SCORE_ADJ: i64 = -997;
/// `besteffortOOMScoreAdj`.
pub const BEST_EFFORT_OOM_SCORE_ADJ: i64 = 1000;
/// `KubeletOOMScoreAdj`.
pub const KUBELET_OOM_SCORE_ADJ: i64 = -999;

/// Priority at and above which a pod is critical (`scheduling.SystemCriticalPriority`).
pub const SYSTEM_CRITICAL_PRIORITY: i32 = 2_000_000_000;

/// `IsCriticalPod`: static, mirror, or priority at least [`SYSTEM_CRITICAL_PRIORITY`]. A manifest
/// has no `priority` yet; admission would resolve the two system classes to a critical priority.
pub fn is_critical(pod: &EffectivePod) -> bool {
    pod.static_or_mirror
        || pod.priority.is_some_and(|p| p >= SYSTEM_CRITICAL_PRIORITY)
        || (pod.priority.is_none()
            && matches!(
                pod.priority_class_name.as_deref(),
                Some("system-node-critical" | "system-cluster-critical")
            ))
}

/// `IsNodeCriticalPod`: critical and of class `system-node-critical`.
pub fn is_node_critical(pod: &EffectivePod) -> bool {
    is_critical(pod) && pod.priority_class_name.as_deref() == Some("system-node-critical")
}

fn memory_request(c: &EffectiveContainer) -> i64 {
    c.resources.requests.memory.as_ref().and_then(|q| q.quantity.value()).unwrap_or(0)
}

fn adj_for(request: i64, capacity: i64) -> i64 {
    1000 - (1000i128 * i128::from(request) / i128::from(capacity.max(1))) as i64
}

/// The per-container share of pod-level memory requests not claimed by containers (0 without
/// pod-level requests).
fn pod_level_share(pod: &EffectivePod) -> i64 {
    let Some(pod_req) = pod
        .pod_resources
        .as_ref()
        .and_then(|r| r.requests.memory.as_ref())
        .and_then(|q| q.quantity.value())
    else {
        return 0;
    };
    if pod_req == 0 {
        return 0;
    }
    let aggregated = crate::oom_score::aggregate_container_memory_requests(pod);
    let n = (pod.containers.len() + pod.init_containers.len()) as i64;
    if n == 0 {
        0
    } else {
        (pod_req - aggregated) / n
    }
}

/// `PodRequests` over containers for memory: max(sum of regular + sidecars, largest init-phase
/// value), where an init container's phase value is its request plus the sidecars declared
/// before it.
pub fn aggregate_container_memory_requests(pod: &EffectivePod) -> i64 {
    let regular: i64 = pod.containers.iter().map(memory_request).sum();
    let mut sidecars = 0i64;
    let mut init_max = 0i64;
    for c in &pod.init_containers {
        let r = memory_request(c);
        if c.kind == ContainerKind::Sidecar {
            sidecars += r;
            init_max = init_max.max(sidecars);
        } else {
            init_max = init_max.max(r + sidecars);
        }
    }
    (regular + sidecars).max(init_max)
}

/// Which container of the pod: `containers[i]` or `initContainers[i]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerRef {
    /// `containers[i]`.
    Regular(usize),
    /// `initContainers[i]`.
    Init(usize),
}

/// `GetContainerOOMScoreAdjust` for one container, given the pod's QoS class and the node's
/// memory capacity in bytes.
pub fn oom_score_adj(pod: &EffectivePod, qos: QosClass, which: ContainerRef, capacity: i64) -> i64 {
    if is_node_critical(pod) {
        return GUARANTEED_OOM_SCORE_ADJ;
    }
    match qos {
        QosClass::Guaranteed => return GUARANTEED_OOM_SCORE_ADJ,
        QosClass::BestEffort => return BEST_EFFORT_OOM_SCORE_ADJ,
        QosClass::Burstable => {}
    }
    let container = match which {
        ContainerRef::Regular(i) => &pod.containers[i],
        ContainerRef::Init(i) => &pod.init_containers[i],
    };
    let share = pod_level_share(pod);
    let mut adj = adj_for(memory_request(container) + share, capacity);
    if container.kind == ContainerKind::Sidecar {
        let min_regular = pod.containers.iter().map(memory_request).min().unwrap_or(0);
        adj = adj.min(adj_for(min_regular + share, capacity));
    }
    if adj < 1000 + GUARANTEED_OOM_SCORE_ADJ {
        return 1000 + GUARANTEED_OOM_SCORE_ADJ;
    }
    if adj == BEST_EFFORT_OOM_SCORE_ADJ {
        return adj - 1;
    }
    adj
}
