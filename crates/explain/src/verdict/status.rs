//! Passes 2, 4 and 6: what the runtime and the kubelet recorded about the container (its
//! `OOMKilled` reason, the pod's `Evicted`), the cgroup's own kill counters, and last the bare
//! exit code.

use oomdoc_evidence::cgroup_files::{CgEntry, CgValue, CgroupMemory};
use oomdoc_evidence::events::EventMeaning;
use oomdoc_evidence::jvm_log::JvmLogFact;
use oomdoc_model::TerminationReason;

use super::{ev, Decision};
use crate::collect::Src;
use crate::incident::*;
use crate::join::Group;

pub(super) fn weigh_runtime_status(g: &Group, inc: &mut Incident) -> Option<Decision> {
    let p = g.pod?;
    let term = g.terminated();
    inc.victim.pod_uid = inc.victim.pod_uid.take().or(p.fact.uid.clone());
    inc.victim.pod = match (&p.fact.namespace, &p.fact.name) {
        (Some(ns), Some(n)) => Some(format!("{ns}/{n}")),
        (None, Some(n)) => Some(n.clone()),
        _ => None,
    };
    if let Some(c) = g.container_facts() {
        inc.victim.container = (!c.name.is_empty()).then(|| c.name.clone());
        let id = term
            .and_then(|t| t.container_id.clone())
            .or(c.container_id.clone());
        if inc.victim.container_id.is_none() {
            inc.victim.container_id = id;
        }
        inc.limit_bytes = inc
            .limit_bytes
            .or(c.memory_limit_bytes.and_then(|b| u64::try_from(b).ok()));
    }
    let mut decided = None;
    if p.fact.reason == Some(TerminationReason::Evicted) {
        inc.evidence.push(ev(
            &p.file,
            &p.fact.cited,
            "the pod's status.reason is Evicted",
        ));
        // The resource from the pod's message, else from an eviction message beside it.
        let from_events = g.events.iter().find_map(|e| match &e.fact.meaning {
            EventMeaning::Evicted(Some(m)) if !m.resource.is_empty() => Some(m.resource.as_str()),
            _ => None,
        });
        let what = p
            .fact
            .eviction
            .as_ref()
            .map(|e| e.resource.as_str())
            .filter(|r| !r.is_empty())
            .or(from_events)
            .map(eviction_resource)
            .unwrap_or_default();
        decided = Some(Decision::new(
            Verdict::Evicted,
            Level::Medium,
            format!("the pod status says Evicted (the kubelet's own record){what}"),
        ));
    }
    if let Some(t) = term {
        let r = t.reason.as_ref().map_or("?", TerminationReason::as_str);
        let code = t.exit_code.map_or("?".to_string(), |c| c.to_string());
        inc.evidence.push(ev(
            &p.file,
            &t.cited,
            format!("last termination: reason {r}, exit code {code}"),
        ));
        if t.reason == Some(TerminationReason::OomKilled) {
            let system_oom = g
                .events
                .iter()
                .any(|e| matches!(e.fact.meaning, EventMeaning::SystemOom { .. }));
            decided = Some(if system_oom {
                Decision::new(
                    Verdict::NodeOomKill,
                    Level::High,
                    "the runtime reported OOMKilled and the kubelet saw a system OOM on the node at that time: the node ran out, not the container's limit",
                )
            } else {
                // With the container's own limit known and nothing saying the node ran out, the
                // limit hit is taken as the container's (the usual case; a kernel line would say).
                let limited = g
                    .container_facts()
                    .is_some_and(|c| c.memory_limit_bytes.is_some());
                if limited && inc.scope.is_none() {
                    inc.scope = Some("container".into());
                }
                Decision::new(
                    Verdict::ContainerOomKill,
                    Level::High,
                    if limited {
                        "the runtime reported OOMKilled: it saw the kernel OOM-kill a process of the container, which has a memory limit of its own (no kernel line here says which limit was hit)"
                    } else {
                        "the runtime reported OOMKilled: it saw the kernel OOM-kill a process of the container (no kernel line here says which limit was hit)"
                    },
                )
            });
        }
    }
    decided
}

/// `; not memory: the node ran low on ephemeral-storage` and the like.
pub(super) fn eviction_resource(resource: &str) -> String {
    match resource.trim() {
        "" => String::new(),
        "memory" => "; the node ran low on memory".into(),
        r => format!("; not memory: {r}"),
    }
}

pub(super) fn weigh_cgroup_files(g: &Group, inc: &mut Incident) -> Option<Decision> {
    let mut decided = None;
    for c in &g.cgroups {
        let m = &c.fact;
        if let Some(e) = m.limit() {
            if let CgValue::N(n) = e.value {
                inc.limit_bytes = inc.limit_bytes.or(Some(n));
            }
            inc.evidence
                .push(ev(&c.file, &e.cited, "the cgroup's limit"));
        }
        if let Some(e) = m.peak().or(m.usage()) {
            if let CgValue::N(n) = e.value {
                inc.usage_bytes = inc.usage_bytes.or(Some(n));
            }
            inc.evidence
                .push(ev(&c.file, &e.cited, "the cgroup's (peak) usage"));
        }
        let n = |e: Option<&CgEntry>| match e.map(|e| e.value) {
            Some(CgValue::N(n)) => n,
            _ => 0,
        };
        if n(m.oom_kills()) > 0 {
            let e = m.oom_kills().expect("counted");
            inc.evidence.push(ev(
                &c.file,
                &e.cited,
                "the kernel counted OOM kills in this cgroup",
            ));
            decided = decided.or(Some(Decision::new(
                Verdict::ContainerOomKill,
                Level::Low,
                "only the cgroup's oom_kill counter: a kill happened, the counter does not say when or whom",
            )));
        }
        if let Some(e) = m
            .entries
            .iter()
            .find(|e| e.key.as_deref() == Some("oom_group_kill"))
            .filter(|e| matches!(e.value, CgValue::N(n) if n > 0))
        {
            inc.evidence.push(ev(
                &c.file,
                &e.cited,
                "memory.oom.group killed the whole cgroup",
            ));
            decided = Some(Decision::new(
                Verdict::GroupOomKill,
                Level::Low,
                "only memory.events' oom_group_kill counter",
            ));
        }
    }
    decided
}

/// Whether anything in the group says memory: a kernel report, the runtime's OOMKilled, an
/// OOM event, an OOM kill counted by the cgroup, an OutOfMemoryError, an eviction.
fn oom_evidence(g: &Group) -> bool {
    g.kernel.is_some()
        || g.terminated()
            .is_some_and(|t| t.reason == Some(TerminationReason::OomKilled))
        || g.pod
            .is_some_and(|p| p.fact.reason == Some(TerminationReason::Evicted))
        || g.events.iter().any(|e| {
            matches!(
                e.fact.meaning,
                EventMeaning::OomKilling(_)
                    | EventMeaning::SystemOom { .. }
                    | EventMeaning::Evicted(_)
            )
        })
        || g.cgroups
            .iter()
            .any(|c| matches!(c.fact.oom_kills().map(|e| e.value), Some(CgValue::N(n)) if n > 0))
        || g.jvm_logs.iter().any(|l| {
            l.fact.iter().any(|f| {
                matches!(
                    f,
                    JvmLogFact::OutOfMemoryError { .. }
                        | JvmLogFact::Terminating { .. }
                        | JvmLogFact::Aborting { .. }
                        | JvmLogFact::NettyDirectMemory { .. }
                        | JvmLogFact::NativeAllocFailure { .. }
                )
            })
        })
        || g.hs_errs
            .iter()
            .any(|h| h.fact.insufficient_memory.is_some() || h.fact.native_alloc.is_some())
}

/// A cgroup file of this death saying the kernel OOM-killed nothing in it (v2 `memory.events`
/// or v1 `memory.oom_control` `oom_kill 0`).
fn no_oom_kill_counted<'a>(g: &Group<'a>) -> Option<(&'a Src<CgroupMemory>, &'a CgEntry)> {
    g.cgroups.iter().find_map(|src| {
        let e = src.fact.oom_kills()?;
        (e.value == CgValue::N(0)).then_some((*src, e))
    })
}

pub(super) fn weigh_exit_code(g: &Group, inc: &mut Incident) -> Option<Decision> {
    let probe_kill = g.events.iter().any(|e| {
        matches!(e.fact.meaning, EventMeaning::ProbeKill { .. })
            || matches!(e.fact.meaning, EventMeaning::Unhealthy(Some(p)) if p != oomdoc_evidence::events::Probe::Readiness)
    });
    if oom_evidence(g) {
        return None;
    }
    let t = g.terminated().filter(|t| t.exit_code == Some(137))?;
    if t.reason == Some(TerminationReason::ContainerStatusUnknown) {
        // The kubelet writes 137 itself when it loses a container (the pod deleted or evicted
        // while it ran): no signal was seen.
        return Some(Decision::new(
            Verdict::Unknown,
            Level::Low,
            "reason ContainerStatusUnknown: the kubelet could not find the container when the pod was deleted or evicted, and wrote exit code 137 itself; look at the pod's events and the node",
        ));
    }
    Some(if probe_kill {
        Decision::new(
            Verdict::SigkillNotOom,
            Level::Medium,
            "exit 137 without OOMKilled, and the kubelet killed the container after a failed probe",
        )
    } else if let Some((src, e)) = no_oom_kill_counted(g) {
        inc.evidence
            .push(ev(&src.file, &e.cited, "the cgroup counted no OOM kill"));
        Decision::new(
            Verdict::SigkillNotOom,
            Level::Medium,
            format!(
                "exit 137 (SIGKILL) with reason {}, and the container's cgroup counted no OOM kill ({} oom_kill 0): something else sent SIGKILL - a manual kill, the runtime after the termination grace period, or another process",
                t.reason.as_ref().map_or("unset", TerminationReason::as_str),
                e.file
            ),
        )
    } else if let Some(r) = t.reason.as_ref().filter(|r| !r.is_oom_killed()) {
        Decision::new(
            Verdict::SigkillNotOom,
            Level::Medium,
            format!(
                "exit 137 (SIGKILL) with reason {r}, not OOMKilled: the runtime reports OOMKilled when it sees the cgroup's OOM kill, so something else sent SIGKILL (a failed probe, the grace period after SIGTERM, a manual kill); no OOM evidence in the inputs"
            ),
        )
    } else {
        Decision::new(
            Verdict::Unknown,
            Level::Low,
            "exit 137 (SIGKILL) with no reason: no kernel line, event or log says who sent it",
        )
    })
}
