//! Per node: how much memory its pods may take against what it has (overcommit), and the QoS mix
//! that decides who goes first when it runs out. Pure.

use k8s_openapi::api::core::v1::Node;
use oomdoc_model::qos::QosClass;

use crate::rows::{bytes, PodMemory};

/// One node's memory accounting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeRow {
    /// `metadata.name`.
    pub name: String,
    /// `status.allocatable.memory` in bytes (None when the node object was not seen).
    pub allocatable_bytes: Option<i64>,
    /// `status.capacity.memory` in bytes.
    pub capacity_bytes: Option<i64>,
    /// Sum of its running pods' memory limits.
    pub limits_bytes: i64,
    /// Sum of its running pods' memory requests.
    pub requests_bytes: i64,
    /// `limits / allocatable`: above 1.0 the pods may together take more than the node has.
    pub overcommit: Option<f64>,
    /// Running pods.
    pub pods: u32,
    /// Pods by QoS class.
    pub guaranteed: u32,
    /// Burstable pods.
    pub burstable: u32,
    /// BestEffort pods.
    pub best_effort: u32,
    /// Pods with a container without a memory limit (unbounded).
    pub pods_without_limit: u32,
    /// Node OOM events (`OOMKilling`, `SystemOOM`) and eviction pressure events.
    pub oom_events: u32,
    /// `MemoryPressure` condition is True.
    pub memory_pressure: bool,
}

impl NodeRow {
    /// An empty row for `name`.
    pub fn new(name: &str) -> Self {
        NodeRow {
            name: name.to_string(),
            ..NodeRow::default()
        }
    }

    /// Adds a running pod.
    pub fn add_pod(&mut self, mem: PodMemory, qos: Option<QosClass>) {
        self.pods += 1;
        self.limits_bytes = self.limits_bytes.saturating_add(mem.limits);
        self.requests_bytes = self.requests_bytes.saturating_add(mem.requests);
        if mem.unlimited {
            self.pods_without_limit += 1;
        }
        match qos {
            Some(QosClass::Guaranteed) => self.guaranteed += 1,
            Some(QosClass::BestEffort) => self.best_effort += 1,
            _ => self.burstable += 1,
        }
    }

    /// Takes allocatable, capacity and conditions from the node object.
    pub fn set_node(&mut self, node: &Node) {
        let status = node.status.as_ref();
        let get = |m: Option<&std::collections::BTreeMap<String, _>>| {
            m.and_then(|m| m.get("memory")).and_then(bytes)
        };
        self.allocatable_bytes = get(status.and_then(|s| s.allocatable.as_ref()));
        self.capacity_bytes = get(status.and_then(|s| s.capacity.as_ref()));
        self.memory_pressure = status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .any(|c| c.type_ == "MemoryPressure" && c.status == "True");
    }

    /// Computes `overcommit` from the sums.
    pub fn finish(&mut self) {
        self.overcommit = self
            .allocatable_bytes
            .filter(|a| *a > 0)
            .map(|a| self.limits_bytes as f64 / a as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overcommit_is_limits_over_allocatable() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n1"},
            "status": {"allocatable": {"memory": "8Gi"}, "capacity": {"memory": "8363408Ki"},
                       "conditions": [{"type": "MemoryPressure", "status": "True"}]}
        }))
        .unwrap();
        let mut n = NodeRow::new("n1");
        n.set_node(&node);
        let four = PodMemory {
            limits: 4 << 30,
            requests: 1 << 30,
            unlimited: false,
        };
        n.add_pod(four, Some(QosClass::Burstable));
        n.add_pod(four, Some(QosClass::Guaranteed));
        n.add_pod(
            PodMemory {
                limits: 4 << 30,
                requests: 0,
                unlimited: true,
            },
            Some(QosClass::BestEffort),
        );
        n.finish();
        assert_eq!(n.overcommit, Some(1.5));
        assert_eq!((n.guaranteed, n.burstable, n.best_effort), (1, 1, 1));
        assert_eq!(n.pods_without_limit, 1);
        assert_eq!(n.capacity_bytes, Some(8363408 * 1024));
        assert!(n.memory_pressure);
    }
}
