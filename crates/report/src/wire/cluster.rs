//! `oomdoc scan`'s document ([`ScanReport`]: rows, nodes, counters) and `oomdoc watch`'s kill
//! ([`Kill`]), as written. Every field is written, `null` when unknown; internal bookkeeping
//! (`last_oom_kill_epoch`, `left_out`, a kill's `key`) is not.

use oomdoc_cluster_core::kills::{Kill, KillKind};
use oomdoc_cluster_core::overcommit::NodeRow;
use oomdoc_cluster_core::risk::Risk;
use oomdoc_cluster_core::rows::ContainerRow;
use oomdoc_cluster_core::ScanReport;
use serde::Serialize;

/// The whole `scan --format json` document.
#[derive(Serialize)]
pub(crate) struct ScanDoc<'a> {
    pods: u64,
    containers: u64,
    nodes_read: u64,
    oom_events: u64,
    now: Option<&'a str>,
    containers_at_risk: Vec<RowDoc<'a>>,
    nodes: Vec<NodeDoc<'a>>,
    notes: &'a [String],
    errors: &'a [String],
}

impl<'a> From<&'a ScanReport> for ScanDoc<'a> {
    fn from(r: &'a ScanReport) -> Self {
        ScanDoc {
            pods: r.pods,
            containers: r.containers,
            nodes_read: r.nodes_read,
            oom_events: r.oom_events,
            now: r.now.as_deref(),
            containers_at_risk: r.containers_at_risk.iter().map(RowDoc::from).collect(),
            nodes: r.nodes.iter().map(NodeDoc::from).collect(),
            notes: &r.notes,
            errors: &r.errors,
        }
    }
}

/// One container worth a look.
#[derive(Serialize)]
struct RowDoc<'a> {
    namespace: &'a str,
    pod: &'a str,
    container: &'a str,
    init: bool,
    node: Option<&'a str>,
    /// Kubernetes' spelling: `Guaranteed`, `Burstable`, `BestEffort`.
    qos: Option<&'static str>,
    memory_request_bytes: Option<i64>,
    memory_limit_bytes: Option<i64>,
    jvm_max_heap_bytes: Option<u64>,
    jvm_footprint_bytes: Option<u64>,
    usage_bytes: Option<u64>,
    restarts: i64,
    oom_kills: u32,
    last_oom_kill_at: Option<&'a str>,
    last_termination_reason: Option<&'a str>,
    evicted: bool,
    message: Option<&'a str>,
    oom_events: u32,
    findings: Vec<&'static str>,
    worst_severity: Option<&'static str>,
    risk: RiskDoc<'a>,
    from_events_only: bool,
}

impl<'a> From<&'a ContainerRow> for RowDoc<'a> {
    fn from(r: &'a ContainerRow) -> Self {
        RowDoc {
            namespace: &r.namespace,
            pod: &r.pod,
            container: &r.container,
            init: r.init,
            node: r.node.as_deref(),
            qos: r.qos.map(|q| q.as_str()),
            memory_request_bytes: r.memory_request_bytes,
            memory_limit_bytes: r.memory_limit_bytes,
            jvm_max_heap_bytes: r.jvm_max_heap_bytes,
            jvm_footprint_bytes: r.jvm_footprint_bytes,
            usage_bytes: r.usage_bytes,
            restarts: r.restarts,
            oom_kills: r.oom_kills,
            last_oom_kill_at: r.last_oom_kill_at.as_deref(),
            last_termination_reason: r.last_termination_reason.as_ref().map(|t| t.as_str()),
            evicted: r.evicted,
            message: r.message.as_deref(),
            oom_events: r.oom_events,
            findings: r.findings.iter().map(|c| c.as_str()).collect(),
            worst_severity: r.worst_severity.map(|s| s.as_str()),
            risk: RiskDoc::from(&r.risk),
            from_events_only: r.from_events_only,
        }
    }
}

/// The risk score and its reasons.
#[derive(Serialize)]
struct RiskDoc<'a> {
    score: u32,
    reasons: &'a [String],
}

impl<'a> From<&'a Risk> for RiskDoc<'a> {
    fn from(r: &'a Risk) -> Self {
        RiskDoc {
            score: r.score,
            reasons: &r.reasons,
        }
    }
}

/// One node's memory accounting.
#[derive(Serialize)]
struct NodeDoc<'a> {
    name: &'a str,
    allocatable_bytes: Option<i64>,
    capacity_bytes: Option<i64>,
    limits_bytes: i64,
    requests_bytes: i64,
    overcommit: Option<f64>,
    pods: u32,
    guaranteed: u32,
    burstable: u32,
    best_effort: u32,
    pods_without_limit: u32,
    oom_events: u32,
    memory_pressure: bool,
}

impl<'a> From<&'a NodeRow> for NodeDoc<'a> {
    fn from(n: &'a NodeRow) -> Self {
        NodeDoc {
            name: &n.name,
            allocatable_bytes: n.allocatable_bytes,
            capacity_bytes: n.capacity_bytes,
            limits_bytes: n.limits_bytes,
            requests_bytes: n.requests_bytes,
            overcommit: n.overcommit,
            pods: n.pods,
            guaranteed: n.guaranteed,
            burstable: n.burstable,
            best_effort: n.best_effort,
            pods_without_limit: n.pods_without_limit,
            oom_events: n.oom_events,
            memory_pressure: n.memory_pressure,
        }
    }
}

/// One kill or eviction, as `watch` writes it (flattened into its line).
#[derive(Serialize)]
pub(crate) struct KillDoc<'a> {
    /// `oom_kill`, `evicted` or `event`.
    kind: &'static str,
    namespace: Option<&'a str>,
    pod: Option<&'a str>,
    container: Option<&'a str>,
    node: Option<&'a str>,
    at: Option<&'a str>,
    restart_count: Option<i64>,
    exit_code: Option<i64>,
    reason: Option<&'a str>,
    message: Option<&'a str>,
}

impl<'a> From<&'a Kill> for KillDoc<'a> {
    fn from(k: &'a Kill) -> Self {
        KillDoc {
            kind: match k.kind {
                KillKind::OomKill => "oom_kill",
                KillKind::Evicted => "evicted",
                KillKind::Event => "event",
            },
            namespace: k.namespace.as_deref(),
            pod: k.pod.as_deref(),
            container: k.container.as_deref(),
            node: k.node.as_deref(),
            at: k.at.as_deref(),
            restart_count: k.restart_count,
            exit_code: k.exit_code,
            reason: k.reason.as_deref(),
            message: k.message.as_deref(),
        }
    }
}
