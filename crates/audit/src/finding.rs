//! Findings and workload summaries: the audit's results, before any writer formats them.

use std::sync::Arc;

use oomdoc_model::admission::{ContainerKind, Source};
use oomdoc_model::pod::DocSource;
use oomdoc_model::qos::QosClass;
use oomdoc_model::span::Pos;

use crate::registry::Severity;

/// One rule violation, anchored at the value (or the object) it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule code (`OOM003`).
    pub code: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// The input file.
    pub file: Arc<str>,
    /// Where the offending value (or the object, when a value is missing) is.
    pub pos: Pos,
    /// `Kind/namespace/name`.
    pub workload: String,
    /// The container, when the finding is about one.
    pub container: Option<String>,
    /// What is wrong, with the figures.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// The document text, for inputs that cannot be read again (stdin).
    pub source: Option<Arc<DocSource>>,
}

/// One container's effective memory settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerSummary {
    /// `name`.
    pub name: String,
    /// Regular, init or sidecar.
    pub kind: ContainerKind,
    /// Effective memory request in bytes (`Value()`), if any.
    pub memory_request_bytes: Option<i64>,
    /// Effective memory limit in bytes, if any.
    pub memory_limit_bytes: Option<i64>,
    /// Where the request came from.
    pub memory_request_source: Option<Source>,
    /// Where the limit came from.
    pub memory_limit_source: Option<Source>,
    /// The `oom_score_adj` the kubelet will give the container's processes.
    pub oom_score_adj: i64,
}

/// One workload's memory summary.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSummary {
    /// The input file.
    pub file: Arc<str>,
    /// The object's first line.
    pub line: u32,
    /// `kind`.
    pub kind: String,
    /// Namespace, `default` when absent.
    pub namespace: String,
    /// `metadata.name`.
    pub name: Option<String>,
    /// The pod's QoS class.
    pub qos_class: QosClass,
    /// Containers: regular first, then init containers, in declaration order.
    pub containers: Vec<ContainerSummary>,
}
