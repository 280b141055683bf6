//! The audit (`oomdoc audit`'s rules and JVM model) run on a live pod's spec: the pod's JSON goes
//! through the manifest reader like any other input, so JVM heaps and findings are the same as
//! for files.

use oomdoc_audit::{Assumptions, AuditSession, RuleCode, Severity};
use oomdoc_manifest::{Item, ReadOptions};
use oomdoc_model::qos::QosClass;

/// What the audit says about one container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerAudit {
    /// Container name.
    pub name: String,
    /// The JVM's max heap (HotSpot ergonomics), when the container runs a modelled JVM.
    pub jvm_max_heap: Option<u64>,
    /// The JVM's whole-process budget (heap and every other pool).
    pub jvm_footprint: Option<u64>,
    /// Findings about the container: (code, severity).
    pub findings: Vec<(RuleCode, Severity)>,
}

/// What the audit says about one pod.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodAudit {
    /// QoS class as the model computes it (`status.qosClass` wins when present).
    pub qos: Option<QosClass>,
    /// Per container.
    pub containers: Vec<ContainerAudit>,
    /// Findings about the pod as a whole (no container).
    pub pod_findings: Vec<(RuleCode, Severity)>,
}

impl PodAudit {
    /// The audit of container `name`, if any.
    pub fn container(&self, name: &str) -> Option<&ContainerAudit> {
        self.containers.iter().find(|c| c.name == name)
    }
}

/// Audits the pod written as JSON (or YAML) in `text`. LimitRanges are not applied: a live pod's
/// spec already holds what admission defaulted.
pub fn audit_pod(text: &str, assumptions: &Assumptions, read: &ReadOptions) -> PodAudit {
    let mut session = AuditSession::new(&[], &[], &[], assumptions.clone(), 0);
    let mut out = PodAudit::default();
    for item in oomdoc_manifest::read_str_with("pod", text, read) {
        let Item::Workload(w) = item else { continue };
        let (summary, findings) = session.workload(&w);
        out.qos = Some(summary.qos_class);
        out.containers = summary
            .containers
            .iter()
            .map(|c| {
                let jvm = c.jvm.as_ref().filter(|j| j.heap_modelled);
                ContainerAudit {
                    name: c.name.clone(),
                    jvm_max_heap: jvm.map(|j| j.analysis.ergonomics.max_heap.value),
                    jvm_footprint: jvm.map(|j| j.analysis.budget.footprint),
                    findings: Vec::new(),
                }
            })
            .collect();
        for f in findings {
            match f
                .container
                .as_deref()
                .and_then(|n| out.containers.iter_mut().find(|c| c.name == n))
            {
                Some(c) => c.findings.push((f.code, f.severity)),
                None => out.pod_findings.push((f.code, f.severity)),
            }
        }
        break;
    }
    out
}
