//! The pod QoS class, as `pkg/apis/core/v1/helper/qos/qos.go` computes it.

use crate::admission::{EffectivePod, EffectiveResources};

/// A pod's quality-of-service class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum QosClass {
    /// Every container has equal, non-zero cpu and memory requests and limits.
    Guaranteed,
    /// Anything between.
    Burstable,
    /// No container has a cpu or memory request or limit.
    BestEffort,
}

impl QosClass {
    /// The name Kubernetes prints.
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }

    fn parse(s: &str) -> Option<QosClass> {
        match s {
            "Guaranteed" => Some(QosClass::Guaranteed),
            "Burstable" => Some(QosClass::Burstable),
            "BestEffort" => Some(QosClass::BestEffort),
            _ => None,
        }
    }
}

/// The class of one set of requirements (`ComputePodQOS`'s per-container step).
pub fn requirements_class(r: &EffectiveResources) -> QosClass {
    let pairs = [
        (r.requests.cpu.as_ref(), r.limits.cpu.as_ref()),
        (r.requests.memory.as_ref(), r.limits.memory.as_ref()),
    ];
    let mut zero = 0;
    let mut equal_nonzero = 0;
    for (req, lim) in pairs {
        let req_zero = req.is_none_or(|q| q.quantity.is_zero());
        let lim_zero = lim.is_none_or(|q| q.quantity.is_zero());
        match (req, lim) {
            _ if req_zero && lim_zero => zero += 1,
            (Some(a), Some(b)) if a.quantity == b.quantity => equal_nonzero += 1,
            _ => return QosClass::Burstable,
        }
    }
    match (zero, equal_nonzero) {
        (2, 0) => QosClass::BestEffort,
        (0, 2) => QosClass::Guaranteed,
        _ => QosClass::Burstable,
    }
}

/// `ComputePodQOS`: the class from the spec alone. `pod_level_resources` is the PodLevelResources
/// feature gate.
pub fn compute_pod_qos(pod: &EffectivePod, pod_level_resources: bool) -> QosClass {
    if pod_level_resources {
        if let Some(r) = &pod.pod_resources {
            return requirements_class(r);
        }
    }
    let mut class: Option<QosClass> = None;
    for c in pod.containers.iter().chain(pod.init_containers.iter()) {
        let this = requirements_class(&c.resources);
        class = match class {
            None => Some(this),
            Some(prev) if prev == this => Some(prev),
            Some(_) => return QosClass::Burstable,
        };
        if this == QosClass::Burstable {
            return QosClass::Burstable;
        }
    }
    class.unwrap_or(QosClass::BestEffort)
}

/// `GetPodQOS`: `status.qosClass` when the pod was read from the API, else [`compute_pod_qos`]
/// with PodLevelResources on (beta and on by default since 1.34).
pub fn pod_qos(pod: &EffectivePod) -> QosClass {
    pod.status_qos_class
        .as_deref()
        .and_then(QosClass::parse)
        .unwrap_or_else(|| compute_pod_qos(pod, true))
}
