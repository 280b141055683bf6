//! One row per container of a pod, from the pod object (spec, status) and its audit: what `scan`
//! ranks. Pure: no I/O, no clock.

use k8s_openapi::api::core::v1::{Container, ContainerStateTerminated, ContainerStatus, Pod};
use oomdoc_audit::{RuleCode, Severity};
use oomdoc_model::qos::QosClass;
use oomdoc_model::{Quantity, TerminationReason};

use crate::pod_audit::PodAudit;
use crate::risk::Risk;

/// A container worth a look: killed, evicted, restarting or at risk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerRow {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name` of the pod.
    pub pod: String,
    /// Container name (empty when only an event names the pod).
    pub container: String,
    /// An init container.
    pub init: bool,
    /// `spec.nodeName`.
    pub node: Option<String>,
    /// `status.qosClass`, else the class the model computes.
    pub qos: Option<QosClass>,
    /// `resources.requests.memory` in bytes.
    pub memory_request_bytes: Option<i64>,
    /// `resources.limits.memory` in bytes.
    pub memory_limit_bytes: Option<i64>,
    /// The JVM's max heap (HotSpot ergonomics on the spec), when a modelled JVM runs.
    pub jvm_max_heap_bytes: Option<u64>,
    /// The JVM's whole-process budget.
    pub jvm_footprint_bytes: Option<u64>,
    /// Working set measured by the metrics API, when present.
    pub usage_bytes: Option<u64>,
    /// `restartCount`.
    pub restarts: i64,
    /// OOM kills seen in `state` and `lastState` (0, 1 or 2).
    pub oom_kills: u32,
    /// `finishedAt` of the latest OOM kill (RFC 3339).
    pub last_oom_kill_at: Option<String>,
    /// The same, in seconds since the epoch.
    pub last_oom_kill_epoch: Option<i64>,
    /// `reason` of the latest termination that was not an OOM kill (`Error`, `Completed`, ...).
    pub last_termination_reason: Option<TerminationReason>,
    /// The pod was evicted (`status.reason: Evicted`).
    pub evicted: bool,
    /// The eviction message, or the latest OOM/eviction event's message.
    pub message: Option<String>,
    /// OOM and eviction events about the pod.
    pub oom_events: u32,
    /// Audit findings about the container (and its pod), each rule once.
    pub findings: Vec<RuleCode>,
    /// The worst finding's severity.
    pub worst_severity: Option<Severity>,
    /// The risk score and why (filled when ranked).
    pub risk: Risk,
    /// Only events name the pod: it is gone, or its status says nothing.
    pub from_events_only: bool,
}

impl ContainerRow {
    /// Listed by `scan`: killed, evicted, restarting, named by OOM events, with an error finding,
    /// or with little headroom.
    pub fn worth_listing(&self) -> bool {
        self.oom_kills > 0
            || self.evicted
            || self.restarts > 0
            || self.oom_events > 0
            || self.worst_severity == Some(Severity::Error)
            || self.headroom().is_some_and(|h| h < 0.10)
    }

    /// `(limit − used) / limit`, where used is the measured working set or, failing that, the
    /// JVM's modelled footprint. None without a limit or a figure to compare.
    pub fn headroom(&self) -> Option<f64> {
        let limit = self.memory_limit_bytes.filter(|l| *l > 0)? as f64;
        let used = self.usage_bytes.or(self.jvm_footprint_bytes)? as f64;
        Some((limit - used) / limit)
    }

    /// `namespace/pod/container`.
    pub fn key(&self) -> String {
        if self.container.is_empty() {
            format!("{}/{}", self.namespace, self.pod)
        } else {
            format!("{}/{}/{}", self.namespace, self.pod, self.container)
        }
    }
}

/// The memory a pod holds on its node, for overcommit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodMemory {
    /// Effective memory limit: max(sum of app containers, largest init container), as the
    /// scheduler sizes pods.
    pub limits: i64,
    /// Effective memory request, the same way.
    pub requests: i64,
    /// Some app container has no memory limit: the pod may take all the node's memory.
    pub unlimited: bool,
}

/// A quantity string in bytes (`Value()`, rounded up); None when it does not parse.
pub fn bytes(q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity) -> Option<i64> {
    Quantity::parse(&q.0).ok()?.value()
}

fn memory(c: &Container, which: &str) -> Option<i64> {
    let r = c.resources.as_ref()?;
    let m = if which == "limits" {
        r.limits.as_ref()
    } else {
        r.requests.as_ref()
    };
    m?.get("memory").and_then(bytes)
}

/// The pod's effective memory request and limit.
pub fn pod_memory(pod: &Pod) -> PodMemory {
    let Some(spec) = &pod.spec else {
        return PodMemory::default();
    };
    let mut m = PodMemory::default();
    for c in &spec.containers {
        match memory(c, "limits") {
            Some(l) => m.limits = m.limits.saturating_add(l),
            None => m.unlimited = true,
        }
        // A request defaults to the limit when only the limit is written.
        let req = memory(c, "requests").or_else(|| memory(c, "limits"));
        m.requests = m.requests.saturating_add(req.unwrap_or(0));
    }
    for c in spec.init_containers.iter().flatten() {
        m.limits = m.limits.max(memory(c, "limits").unwrap_or(0));
        m.requests = m.requests.max(
            memory(c, "requests")
                .or_else(|| memory(c, "limits"))
                .unwrap_or(0),
        );
    }
    m
}

/// `status.phase` is Succeeded or Failed: the pod holds no memory any more.
pub fn pod_finished(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// `status.reason == Evicted`.
pub fn pod_evicted(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.reason.as_deref())
        .is_some_and(|r| TerminationReason::parse(r) == TerminationReason::Evicted)
}

/// The terminated states of a container status, latest first (`state`, then `lastState`).
pub fn terminations(s: &ContainerStatus) -> impl Iterator<Item = &ContainerStateTerminated> {
    let state = s.state.as_ref().and_then(|t| t.terminated.as_ref());
    let last = s.last_state.as_ref().and_then(|t| t.terminated.as_ref());
    state.into_iter().chain(last)
}

/// The termination is an OOM kill.
pub fn is_oom_kill(t: &ContainerStateTerminated) -> bool {
    t.reason
        .as_deref()
        .is_some_and(|r| TerminationReason::parse(r).is_oom_killed())
}

/// Every container of `pod` as a row (init containers first, then app containers), with the
/// audit's JVM figures and findings and the measured usage from `usage(container)`.
pub fn pod_rows(
    pod: &Pod,
    audit: &PodAudit,
    usage: &dyn Fn(&str) -> Option<u64>,
) -> Vec<ContainerRow> {
    let Some(spec) = &pod.spec else {
        return Vec::new();
    };
    let status = pod.status.as_ref();
    let evicted = pod_evicted(pod);
    let qos = status
        .and_then(|s| s.qos_class.as_deref())
        .and_then(QosClass::parse)
        .or(audit.qos);
    let statuses = |init: bool| {
        status
            .and_then(|s| {
                if init {
                    s.init_container_statuses.as_ref()
                } else {
                    s.container_statuses.as_ref()
                }
            })
            .map_or(&[][..], |v| v.as_slice())
    };
    let init = spec.init_containers.iter().flatten().map(|c| (c, true));
    let app = spec.containers.iter().map(|c| (c, false));
    init.chain(app)
        .map(|(c, is_init)| {
            let st = statuses(is_init).iter().find(|s| s.name == c.name);
            let a = audit.container(&c.name);
            let mut row = ContainerRow {
                namespace: pod
                    .metadata
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "default".into()),
                pod: pod.metadata.name.clone().unwrap_or_default(),
                container: c.name.clone(),
                init: is_init,
                node: spec.node_name.clone(),
                qos,
                memory_request_bytes: memory(c, "requests").or_else(|| memory(c, "limits")),
                memory_limit_bytes: memory(c, "limits"),
                jvm_max_heap_bytes: a.and_then(|a| a.jvm_max_heap),
                jvm_footprint_bytes: a.and_then(|a| a.jvm_footprint),
                usage_bytes: usage(&c.name),
                restarts: st.map_or(0, |s| i64::from(s.restart_count)),
                evicted,
                message: evicted
                    .then(|| status.and_then(|s| s.message.clone()))
                    .flatten(),
                ..ContainerRow::default()
            };
            if let Some(st) = st {
                for t in terminations(st) {
                    if is_oom_kill(t) {
                        row.oom_kills += 1;
                        let at = t.finished_at.as_ref().map(|f| f.0);
                        let epoch = at.map(|a| a.timestamp());
                        if row.last_oom_kill_epoch.is_none() || epoch > row.last_oom_kill_epoch {
                            row.last_oom_kill_epoch = epoch;
                            row.last_oom_kill_at = at.map(|a| {
                                a.to_rfc3339_opts(k8s_openapi::chrono::SecondsFormat::Secs, true)
                            });
                        }
                    } else if row.last_termination_reason.is_none() {
                        row.last_termination_reason =
                            t.reason.as_deref().map(TerminationReason::parse);
                    }
                }
            }
            let findings = a
                .map_or(&[][..], |a| a.findings.as_slice())
                .iter()
                .chain(&audit.pod_findings);
            let mut worst: Option<Severity> = None;
            for (code, sev) in findings {
                if !row.findings.contains(code) {
                    row.findings.push(*code);
                }
                worst = worst.max(Some(*sev));
            }
            row.worst_severity = worst;
            row
        })
        .collect()
}

/// The latest time a pod's status mentions (seconds since the epoch): the offline scan's "now".
pub fn latest_time(pod: &Pod) -> Option<i64> {
    let s = pod.status.as_ref()?;
    let mut t = s.start_time.as_ref().map(|t| t.0.timestamp());
    let all = s
        .container_statuses
        .iter()
        .flatten()
        .chain(s.init_container_statuses.iter().flatten());
    for c in all {
        for term in terminations(c) {
            t = t.max(term.finished_at.as_ref().map(|f| f.0.timestamp()));
        }
        let running = c.state.as_ref().and_then(|s| s.running.as_ref());
        t = t.max(
            running
                .and_then(|r| r.started_at.as_ref())
                .map(|f| f.0.timestamp()),
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn pod_memory_takes_the_largest_init_container_and_defaults_requests_to_limits() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "initContainers": [{"name": "migrate", "resources": {"limits": {"memory": "3Gi"}}}],
                "containers": [
                    {"name": "a", "resources": {"limits": {"memory": "1Gi"}}},
                    {"name": "b", "resources": {"requests": {"memory": "256Mi"}, "limits": {"memory": "512Mi"}}}
                ]
            }
        }));
        let m = pod_memory(&p);
        assert_eq!(m.limits, 3 << 30);
        assert_eq!(m.requests, 3 << 30);
        assert!(!m.unlimited);
        let p = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [
                {"name": "a", "resources": {"limits": {"memory": "1Gi"}}},
                {"name": "b", "resources": {"requests": {"memory": "256Mi"}}}
            ]}
        }));
        let m = pod_memory(&p);
        assert_eq!(
            (m.limits, m.requests, m.unlimited),
            (1 << 30, (1 << 30) + (256 << 20), true)
        );
    }

    #[test]
    fn rows_count_oom_kills_in_state_and_last_state_and_keep_the_latest() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "1Gi"}}}]},
            "status": {"qosClass": "Burstable", "containerStatuses": [{
                "name": "app", "image": "i", "imageID": "", "ready": false, "restartCount": 2,
                "state": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-11-28T02:00:00Z"}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-11-28T01:00:00Z"}}
            }]}
        }));
        let rows = pod_rows(&p, &PodAudit::default(), &|_| Some(900 << 20));
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.oom_kills, 2);
        assert_eq!(r.last_oom_kill_at.as_deref(), Some("2026-11-28T02:00:00Z"));
        assert_eq!(r.qos, Some(QosClass::Burstable));
        assert_eq!(r.usage_bytes, Some(900 << 20));
        assert!(r.worth_listing());
        assert_eq!(r.key(), "ns/p/app");
        let h = r.headroom().unwrap();
        assert!((h - 124.0 / 1024.0).abs() < 1e-9, "{h}");
    }
}
