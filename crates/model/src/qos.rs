//! The pod QoS class, as `pkg/apis/core/v1/helper/qos/qos.go` computes it.
//!
//! Only cpu and memory count. Kubernetes classifies each container on its own (`resourceQOS`) and
//! then the pod: any Burstable container, or a mix of BestEffort and Guaranteed containers, makes
//! the pod Burstable. Regular containers, init containers and sidecars all take part; ephemeral
//! containers do not (`podutil.ContainerIter(&pod.Spec, InitContainers|Containers)`). With the
//! PodLevelResources gate on and `spec.resources` present (even empty), the pod-level resources
//! alone decide the class.
//!
//! Releases before that per-container rule summed the positive requests and limits over all
//! containers and required every container to have positive cpu and memory limits for Guaranteed.
//! Both rules agree on every pod validation accepts (each request at most its limit), and on every
//! case of both versions of `qos_test.go` (see `tests/qos_table.rs`).

use crate::admission::{EffectivePod, EffectiveResources, Sourced};

/// A pod's quality-of-service class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

    /// The class named by `status.qosClass`, if it is one of the three.
    pub fn parse(s: &str) -> Option<QosClass> {
        match s {
            "Guaranteed" => Some(QosClass::Guaranteed),
            "Burstable" => Some(QosClass::Burstable),
            "BestEffort" => Some(QosClass::BestEffort),
            _ => None,
        }
    }
}

/// `req.Equal(lim)` on two `ResourceList` lookups: a missing entry is the zero quantity.
fn equal_by_value(a: Option<&Sourced>, b: Option<&Sourced>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.quantity == b.quantity,
        (Some(x), None) | (None, Some(x)) => x.quantity.is_zero(),
        (None, None) => true,
    }
}

/// `resourceQOS`: the class of one set of requirements (a container's, or the pod-level ones).
///
/// No cpu or memory entry at all is BestEffort. Otherwise, for cpu and for memory, the request
/// must equal the limit by value (a missing entry counts as 0) or the class is Burstable; a
/// resource that is 0 on both sides is best-effort, one equal and non-zero is guaranteed, and the
/// two resources must agree.
pub fn requirements_class(r: &EffectiveResources) -> QosClass {
    if r.requests.is_empty() && r.limits.is_empty() {
        return QosClass::BestEffort;
    }
    let pairs = [
        (r.requests.cpu.as_ref(), r.limits.cpu.as_ref()),
        (r.requests.memory.as_ref(), r.limits.memory.as_ref()),
    ];
    let mut class = None;
    for (req, lim) in pairs {
        if !equal_by_value(req, lim) {
            return QosClass::Burstable;
        }
        // Equal, so the request alone says whether both are zero.
        let best_effort = req.is_none_or(|q| q.quantity.is_zero());
        match class {
            None => {
                class = Some(if best_effort {
                    QosClass::BestEffort
                } else {
                    QosClass::Guaranteed
                })
            }
            Some(c) if best_effort != (c == QosClass::BestEffort) => return QosClass::Burstable,
            Some(_) => {}
        }
    }
    class.unwrap_or(QosClass::BestEffort)
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
    for c in pod.init_containers.iter().chain(pod.containers.iter()) {
        let this = requirements_class(&c.resources);
        if this == QosClass::Burstable {
            return QosClass::Burstable;
        }
        match class {
            None => class = Some(this),
            Some(prev) if prev != this => return QosClass::Burstable,
            Some(_) => {}
        }
    }
    // No containers at all ("this should only happen in tests").
    class.unwrap_or(QosClass::BestEffort)
}

/// `GetPodQOS`: `status.qosClass` when the pod was read from the API and names one of the three
/// classes, else [`compute_pod_qos`] with PodLevelResources on (beta and on by default since 1.34).
///
/// Kubernetes returns any non-empty `status.qosClass` as it is; the API server only ever writes
/// one of the three names there, so an unknown value is treated as absent.
pub fn pod_qos(pod: &EffectivePod) -> QosClass {
    pod.status_qos_class
        .as_deref()
        .and_then(QosClass::parse)
        .unwrap_or_else(|| compute_pod_qos(pod, true))
}
