//! The `oom_score_adj` the kubelet writes for each container (`pkg/kubelet/qos/policy.go`,
//! `GetContainerOOMScoreAdjust`, with `helpers.go`).
//!
//! 1. A node-critical pod (critical and of class `system-node-critical`) gets -997.
//! 2. A Guaranteed pod gets -997 and a BestEffort pod 1000, whatever each container requests.
//! 3. A Burstable container gets `1000 - 1000*request/capacity` (int64, truncating), where
//!    `request` is its memory request in bytes. With PodLevelResources and pod-level cpu or memory
//!    requests, each container's request is raised by an equal share of the pod-level memory
//!    request not claimed by the containers: `(podRequest - aggregated) / (containers + init
//!    containers)`, or 0 when the pod-level memory request is 0 or missing.
//! 4. A sidecar (an init container with `restartPolicy: Always`) never scores above the regular
//!    container with the smallest memory request: `min(adj, 1000 - 1000*(minRegular +
//!    share)/capacity)`.
//! 5. The result is clamped to at least 3 (`1000 + guaranteedOOMScoreAdj`), and 1000 becomes 999
//!    so a Burstable container never ties a BestEffort one.
//!
//! Not modelled: memory of DRA node-allocatable claims (gate `DRANodeAllocatableResources`), the
//! `KubeletOOMScoreAdjTieBreak` nudge, and in-place resize (the kubelet uses allocated resources).

use crate::admission::{
    aggregate_requests_milli, ContainerKind, EffectiveContainer, EffectivePod, Resource,
};
use crate::qos::QosClass;

/// `guaranteedOOMScoreAdj`.
pub const GUARANTEED_OOM_SCORE_ADJ: i64 = -997;
/// `besteffortOOMScoreAdj`.
pub const BEST_EFFORT_OOM_SCORE_ADJ: i64 = 1000;
/// `KubeletOOMScoreAdj`.
pub const KUBELET_OOM_SCORE_ADJ: i64 = -999;

/// `PodInfraOOMAdj`: the pod sandbox (`pause`) process.
pub const POD_INFRA_OOM_SCORE_ADJ: i64 = -998;
/// The lowest Burstable value (`1000 + guaranteedOOMScoreAdj`): lower ones are raised to it.
pub const BURSTABLE_MIN_OOM_SCORE_ADJ: i64 = 1000 + GUARANTEED_OOM_SCORE_ADJ;
/// The highest Burstable value: a Burstable container never ranks with BestEffort ones.
pub const BURSTABLE_MAX_OOM_SCORE_ADJ: i64 = BEST_EFFORT_OOM_SCORE_ADJ - 1;

/// What an `oom_score_adj` read from a node says about its process, as the kubelet sets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjClass {
    /// 1000: a BestEffort pod.
    BestEffort,
    /// 3..=999: a Burstable container that requested about this per mille of the node's
    /// memory (`1000 - adj`).
    Burstable {
        /// The request as a share of the node's memory, per mille.
        request_per_mille: i64,
    },
    /// -997: a Guaranteed (or node-critical) pod.
    Guaranteed,
    /// -998: a pod sandbox.
    PodInfra,
    /// -999: the kubelet or the container runtime.
    Kubelet,
    /// 0: outside any pod, or the default left alone.
    Default,
    /// Anything else: not set by the kubelet.
    Other,
}

/// Classifies an `oom_score_adj` value.
pub fn classify_adj(adj: i64) -> AdjClass {
    match adj {
        BEST_EFFORT_OOM_SCORE_ADJ => AdjClass::BestEffort,
        BURSTABLE_MIN_OOM_SCORE_ADJ..=BURSTABLE_MAX_OOM_SCORE_ADJ => AdjClass::Burstable {
            request_per_mille: 1000 - adj,
        },
        GUARANTEED_OOM_SCORE_ADJ => AdjClass::Guaranteed,
        POD_INFRA_OOM_SCORE_ADJ => AdjClass::PodInfra,
        KUBELET_OOM_SCORE_ADJ => AdjClass::Kubelet,
        0 => AdjClass::Default,
        _ => AdjClass::Other,
    }
}

/// Priority at and above which a pod is critical (`scheduling.SystemCriticalPriority`).
pub const SYSTEM_CRITICAL_PRIORITY: i32 = 2_000_000_000;

/// `IsCriticalPod` (`pkg/kubelet/types/pod_update.go`): a static pod, a mirror pod, or priority at
/// least [`SYSTEM_CRITICAL_PRIORITY`].
///
/// oomdoc addition: a pod read from a manifest has no `priority` yet. The Priority admission plugin
/// resolves `system-node-critical` (2000001000) and `system-cluster-critical` (2000000000) to a
/// critical priority, so a pod without `priority` that names one of the two classes counts as
/// critical. A pod that carries `priority` is judged by it alone, as the kubelet does.
pub fn is_critical(pod: &EffectivePod) -> bool {
    pod.static_or_mirror
        || pod.priority.is_some_and(|p| p >= SYSTEM_CRITICAL_PRIORITY)
        || (pod.priority.is_none()
            && matches!(
                pod.priority_class_name.as_deref(),
                Some("system-node-critical" | "system-cluster-critical")
            ))
}

/// `IsNodeCriticalPod`: critical ([`is_critical`]) and of class `system-node-critical`. Only these
/// pods get -997 regardless of QoS; a `system-cluster-critical` pod is scored by its QoS class.
pub fn is_node_critical(pod: &EffectivePod) -> bool {
    is_critical(pod) && pod.priority_class_name.as_deref() == Some("system-node-critical")
}

/// `container.Resources.Requests.Memory().Value()`: bytes, rounded up; 0 when missing.
fn memory_request(c: &EffectiveContainer) -> i64 {
    c.resources
        .requests
        .memory
        .as_ref()
        .and_then(|q| q.quantity.value())
        .unwrap_or(0)
}

/// `1000 - (1000*request)/capacity` with Go's truncating integer division (computed wide, so it
/// cannot overflow where Go's int64 product would for requests above 8 PiB).
fn linear_adj(request: i64, capacity: i64) -> i64 {
    let adj = 1000 - 1000i128 * i128::from(request) / i128::from(capacity.max(1));
    adj.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// `PodRequests` over containers for memory (`AggregateContainerRequests`), in bytes: the larger of
/// (regular containers + sidecars) and the peak of the init phase, where an init container needs
/// its own request plus the sidecars declared before it. 0 when no container requests memory.
pub fn aggregate_container_memory_requests(pod: &EffectivePod) -> i64 {
    aggregate_requests_milli(&pod.containers, &pod.init_containers, Resource::Memory).map_or(
        0,
        |milli| {
            // Quantity.Value() of the sum: rounded up to whole bytes.
            let bytes = milli.div_euclid(1000) + i128::from(milli.rem_euclid(1000) != 0);
            bytes.clamp(0, i128::from(i64::MAX)) as i64
        },
    )
}

/// `resourcehelper.IsPodLevelRequestsSet`: pod-level requests name cpu or memory.
pub fn pod_level_requests_set(pod: &EffectivePod) -> bool {
    pod.pod_resources
        .as_ref()
        .is_some_and(|r| !r.requests.is_empty())
}

/// `remainingPodMemReqPerContainer`: the pod-level memory request not claimed by the containers,
/// split equally over all containers and init containers (truncating); 0 when the pod-level memory
/// request is 0 or missing.
pub fn remaining_pod_memory_request_per_container(pod: &EffectivePod) -> i64 {
    let Some(pod_request) = pod
        .pod_resources
        .as_ref()
        .and_then(|r| r.requests.memory.as_ref())
    else {
        return 0;
    };
    if pod_request.quantity.is_zero() {
        return 0;
    }
    let n = (pod.containers.len() + pod.init_containers.len()) as i64;
    if n == 0 {
        return 0;
    }
    let remaining =
        pod_request.quantity.value().unwrap_or(i64::MAX) - aggregate_container_memory_requests(pod);
    remaining / n
}

/// `minRegularContainerMemory`: the smallest memory request among `containers` (init containers and
/// sidecars excluded); 0 for a pod without containers, which validation rejects.
fn min_regular_container_memory(pod: &EffectivePod) -> i64 {
    pod.containers.iter().map(memory_request).min().unwrap_or(0)
}

/// Which container of the pod: `containers[i]` or `initContainers[i]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerRef {
    /// `containers[i]`.
    Regular(usize),
    /// `initContainers[i]`.
    Init(usize),
}

/// `GetContainerOOMScoreAdjust` for one container, given the pod's QoS class (normally
/// [`crate::qos::pod_qos`]) and the node's memory capacity in bytes, with the PodLevelResources
/// gate on (beta and on by default since 1.34).
pub fn oom_score_adj(pod: &EffectivePod, qos: QosClass, which: ContainerRef, capacity: i64) -> i64 {
    oom_score_adj_gated(pod, qos, which, capacity, true)
}

/// [`oom_score_adj`] with the PodLevelResources gate given: off, pod-level requests do not raise
/// the containers' requests.
pub fn oom_score_adj_gated(
    pod: &EffectivePod,
    qos: QosClass,
    which: ContainerRef,
    capacity: i64,
    pod_level_resources: bool,
) -> i64 {
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
    let share = if pod_level_resources && pod_level_requests_set(pod) {
        remaining_pod_memory_request_per_container(pod)
    } else {
        0
    };
    let mut adj = linear_adj(memory_request(container).saturating_add(share), capacity);
    if container.kind == ContainerKind::Sidecar {
        let min_adj = linear_adj(
            min_regular_container_memory(pod).saturating_add(share),
            capacity,
        );
        adj = adj.min(min_adj);
    }
    adj.clamp(BURSTABLE_MIN_OOM_SCORE_ADJ, BURSTABLE_MAX_OOM_SCORE_ADJ)
}
