//! The node: capacity, reservations, allocatable, thresholds, and its working set.
//!
//! - Allocatable (`pkg/kubelet/cm/node_container_manager_linux.go`, `GetNodeAllocatableReservation`):
//!   `capacity - kube-reserved - system-reserved - hard memory.available threshold`. A Node object's
//!   `status.allocatable` is taken as measured when given.
//! - `memory.available = capacity - node working set` (the root cgroup's working set, which holds
//!   the pods, the system daemons and the kernel's own use).
//! - The node's non-pod working set is not in any input: unless given (`--system-usage`), it is
//!   taken as what is reserved for it (`kube-reserved + system-reserved`, or `capacity -
//!   allocatable - hard threshold` from a Node object), stated as an assumption.

use oomdoc_model::bytes::approx;

use crate::input::NodeObject;
use crate::threshold::{Parsed, Threshold};

/// What the user gave about the node.
#[derive(Clone, Debug, Default)]
pub struct NodeConfig {
    /// A Node object read from `--node`.
    pub object: Option<NodeObject>,
    /// `--node-memory`, bytes.
    pub memory: Option<i64>,
    /// `--kube-reserved` memory, bytes.
    pub kube_reserved: Option<i64>,
    /// `--system-reserved` memory, bytes.
    pub system_reserved: Option<i64>,
    /// `--eviction-hard`, parsed (the kubelet default when the flag is absent).
    pub hard: Parsed,
    /// `--eviction-soft`, parsed.
    pub soft: Parsed,
    /// `--system-usage`, bytes: the working set outside pods.
    pub system_usage: Option<i64>,
}

/// The node as simulated.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeModel {
    /// `metadata.name`, when a Node object was given.
    pub name: Option<String>,
    /// Memory capacity, bytes.
    pub capacity: i64,
    /// Where the capacity came from.
    pub capacity_source: &'static str,
    /// Allocatable memory, bytes.
    pub allocatable: i64,
    /// Where allocatable came from.
    pub allocatable_source: String,
    /// kube-reserved + system-reserved, bytes.
    pub reserved: i64,
    /// Hard `memory.available` thresholds (at most one).
    pub hard: Vec<Threshold>,
    /// Soft `memory.available` thresholds (at most one).
    pub soft: Vec<Threshold>,
    /// Working set outside pods (system daemons, kernel), bytes.
    pub system_usage: i64,
}

impl NodeModel {
    /// The hard threshold in bytes (0 when there is none).
    pub fn hard_bytes(&self) -> i64 {
        self.hard
            .iter()
            .map(|t| t.bytes(self.capacity))
            .max()
            .unwrap_or(0)
    }

    /// `memory.available` at a node working set of `working_set` bytes.
    pub fn available(&self, working_set: i64) -> i64 {
        self.capacity.saturating_sub(working_set)
    }
}

/// Builds the node model; the second value lists what was assumed.
pub fn node_model(cfg: &NodeConfig) -> Result<(NodeModel, Vec<String>), String> {
    let mut assumptions = Vec::new();
    let (capacity, capacity_source) = match (cfg.memory, &cfg.object) {
        (Some(m), Some(_)) => {
            assumptions.push(
                "--node-memory overrides the Node object's status.capacity.memory".to_string(),
            );
            (m, "--node-memory")
        }
        (Some(m), None) => (m, "--node-memory"),
        (None, Some(o)) => (o.capacity, "Node status.capacity.memory"),
        (None, None) => return Err(
            "no node: pass --node NODE.yaml (kubectl get node NAME -o yaml) or --node-memory 16Gi"
                .to_string(),
        ),
    };
    if capacity <= 0 {
        return Err("the node's memory capacity must be positive".to_string());
    }
    let hard: Vec<Threshold> = cfg.hard.memory.clone();
    let soft: Vec<Threshold> = cfg.soft.memory.clone();
    let hard_bytes = hard.iter().map(|t| t.bytes(capacity)).max().unwrap_or(0);
    let flags_reserved = cfg.kube_reserved.is_some() || cfg.system_reserved.is_some();
    let flag_sum = cfg
        .kube_reserved
        .unwrap_or(0)
        .saturating_add(cfg.system_reserved.unwrap_or(0));
    let object_alloc = cfg
        .object
        .as_ref()
        .and_then(|o| o.allocatable)
        .filter(|_| cfg.memory.is_none() && !flags_reserved);
    let (allocatable, allocatable_source, reserved) = match object_alloc {
        Some(a) => (
            a,
            "Node status.allocatable.memory".to_string(),
            capacity.saturating_sub(a).saturating_sub(hard_bytes).max(0),
        ),
        None => {
            if !flags_reserved {
                assumptions.push(
                    "no kube-reserved or system-reserved memory (pass --kube-reserved / --system-reserved)"
                        .to_string(),
                );
            }
            (
                capacity
                    .saturating_sub(flag_sum)
                    .saturating_sub(hard_bytes)
                    .max(0),
                "capacity - kube-reserved - system-reserved - hard eviction threshold".to_string(),
                flag_sum,
            )
        }
    };
    let system_usage = match cfg.system_usage {
        Some(s) => s,
        None => {
            assumptions.push(format!(
                "the node's working set outside pods (system daemons, kernel) is taken as what is reserved for it: {} (pass --system-usage)",
                approx(reserved)
            ));
            reserved
        }
    };
    if !cfg.hard.other.is_empty() || !cfg.soft.other.is_empty() {
        let other: Vec<&str> = cfg
            .hard
            .other
            .iter()
            .chain(&cfg.soft.other)
            .map(String::as_str)
            .collect();
        assumptions.push(format!(
            "thresholds of other signals are not simulated: {}",
            other.join(", ")
        ));
    }
    Ok((
        NodeModel {
            name: cfg.object.as_ref().and_then(|o| o.name.clone()),
            capacity,
            capacity_source,
            allocatable,
            allocatable_source,
            reserved,
            hard,
            soft,
            system_usage,
        },
        assumptions,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::{parse_list, Kind, DEFAULT_HARD};

    const GI: i64 = 1 << 30;
    const MI: i64 = 1 << 20;

    #[test]
    fn allocatable_from_flags() {
        let cfg = NodeConfig {
            memory: Some(16 * GI),
            kube_reserved: Some(GI),
            system_reserved: Some(512 * MI),
            hard: parse_list(DEFAULT_HARD, Kind::Hard, "").unwrap(),
            ..NodeConfig::default()
        };
        let (n, _) = node_model(&cfg).unwrap();
        assert_eq!(n.allocatable, 16 * GI - GI - 512 * MI - 100 * MI);
        assert_eq!(n.system_usage, GI + 512 * MI);
    }

    #[test]
    fn allocatable_from_the_node_object() {
        let cfg = NodeConfig {
            object: Some(NodeObject {
                name: Some("n".into()),
                capacity: 8 * GI,
                allocatable: Some(7 * GI),
            }),
            hard: parse_list("memory.available<10%", Kind::Hard, "").unwrap(),
            ..NodeConfig::default()
        };
        let (n, _) = node_model(&cfg).unwrap();
        assert_eq!(n.allocatable, 7 * GI);
        let ten_percent = (8.0 * GI as f64 * f64::from(0.1f32)) as i64;
        assert_eq!(n.hard_bytes(), ten_percent);
        assert_eq!(n.reserved, GI - ten_percent);
        assert!(node_model(&NodeConfig::default()).is_err());
    }
}
