//! Runs the model and every check over a set of workloads.

use oomdoc_model::admission::{admit, EffectivePod};
use oomdoc_model::diagnostic::InputError;
use oomdoc_model::oom_score::{oom_score_adj, ContainerRef};
use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::qos::{pod_qos, QosClass};

use crate::checks;
use crate::finding::{ContainerSummary, Finding, WorkloadSummary};

/// Values oomdoc assumed because the input does not say them; every report prints them.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumptions {
    /// Node memory capacity used for Burstable `oom_score_adj` (`--node-memory`, default 16Gi).
    pub node_memory_bytes: i64,
}

/// What the audit reads: workloads and LimitRanges from the input, and the assumptions.
#[derive(Clone, Debug)]
pub struct AuditInput<'a> {
    /// Workloads, in input order.
    pub workloads: &'a [Workload],
    /// LimitRanges found in the input.
    pub limit_ranges: &'a [LimitRange],
    /// Assumptions.
    pub assumptions: Assumptions,
}

/// The audit's result for one input set.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditReport {
    /// One summary per workload, in input order.
    pub workloads: Vec<WorkloadSummary>,
    /// Findings, in input order.
    pub findings: Vec<Finding>,
    /// Input errors (filled by the caller from the reader).
    pub errors: Vec<InputError>,
    /// Assumptions used.
    pub assumptions: Assumptions,
}

/// A workload after admission, with its QoS class: what every check receives.
#[derive(Debug)]
pub struct Admitted<'a> {
    /// The workload as written.
    pub workload: &'a Workload,
    /// The pod spec as the API server would store it.
    pub pod: EffectivePod,
    /// Its QoS class.
    pub qos: QosClass,
    /// Node memory capacity in bytes.
    pub node_memory_bytes: i64,
}

/// Audits one workload: its summary and its findings (after `oomdoc.dev/ignore`).
pub fn audit_workload(
    workload: &Workload,
    limit_ranges: &[LimitRange],
    assumptions: &Assumptions,
) -> (WorkloadSummary, Vec<Finding>) {
    let ns = workload.namespace_or_default();
    let ranges: Vec<&LimitRange> = limit_ranges
        .iter()
        .filter(|lr| lr.namespace.as_deref().unwrap_or("default") == ns)
        .collect();
    let pod = admit(&workload.pod, &ranges);
    let qos = pod_qos(&pod);
    let refs = (0..pod.containers.len())
        .map(ContainerRef::Regular)
        .chain((0..pod.init_containers.len()).map(ContainerRef::Init));
    let containers = refs
        .map(|r| {
            let c = match r {
                ContainerRef::Regular(i) => &pod.containers[i],
                ContainerRef::Init(i) => &pod.init_containers[i],
            };
            let req = c.resources.requests.memory.as_ref();
            let lim = c.resources.limits.memory.as_ref();
            ContainerSummary {
                name: c.name.clone(),
                kind: c.kind,
                memory_request_bytes: req.and_then(|q| q.quantity.value()),
                memory_limit_bytes: lim.and_then(|q| q.quantity.value()),
                memory_request_source: req.map(|q| q.source),
                memory_limit_source: lim.map(|q| q.source),
                oom_score_adj: oom_score_adj(&pod, qos, r, assumptions.node_memory_bytes),
            }
        })
        .collect();
    let summary = WorkloadSummary {
        file: workload.file.clone(),
        line: workload.pos.line,
        kind: workload.kind.clone(),
        namespace: ns.to_string(),
        name: workload.name.clone(),
        qos_class: qos,
        containers,
    };
    let admitted = Admitted { workload, pod, qos, node_memory_bytes: assumptions.node_memory_bytes };
    let mut findings = checks::run_all(&admitted);
    findings.retain(|f| !workload.ignore.iter().any(|c| c.eq_ignore_ascii_case(f.code)));
    (summary, findings)
}

/// Audits every workload.
pub fn audit(input: &AuditInput<'_>) -> AuditReport {
    let mut workloads = Vec::with_capacity(input.workloads.len());
    let mut findings = Vec::new();
    for w in input.workloads {
        let (s, f) = audit_workload(w, input.limit_ranges, &input.assumptions);
        workloads.push(s);
        findings.extend(f);
    }
    AuditReport { workloads, findings, errors: Vec::new(), assumptions: input.assumptions.clone() }
}
