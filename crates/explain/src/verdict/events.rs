//! Pass 3: events and kubelet messages - evictions, the kubelet's `SystemOOM`, the kernel kill
//! line relayed by node-problem-detector, probe kills, node pressure.

use oomdoc_evidence::events::{EventFacts, EventMeaning, Probe};

use super::status::eviction_resource;
use super::{ev, Decision};
use crate::incident::*;
use crate::join::Group;

pub(super) fn weigh_events(g: &Group, inc: &mut Incident) -> Option<Decision> {
    let mut decided: Option<Decision> = None;
    let mut killing = false;
    let mut unhealthy = None;
    for e in &g.events {
        let f = &e.fact;
        let Some(note) = event_note(&f.meaning) else {
            continue;
        };
        inc.evidence.push(ev(&e.file, &f.cited, note));
        victim_from_event(g, inc, f);
        match &f.meaning {
            EventMeaning::Killing { .. } => killing = true,
            EventMeaning::Unhealthy(p) => unhealthy = unhealthy.or(Some(*p)),
            _ => {}
        }
        if let Some(d) = event_decision(g, inc, f) {
            propose(d, &mut decided);
        }
    }
    if let Some(p) = unhealthy.filter(|p| *p != Some(Probe::Readiness)) {
        let level = if killing { Level::Medium } else { Level::Low };
        propose(
            Decision::new(
                Verdict::SigkillNotOom,
                level,
                format!(
                    "the {} probe failed{}: the kubelet restarts the container for that (SIGTERM, then SIGKILL), not for memory",
                    probe_name(p),
                    if killing { " and the kubelet killed the container" } else { "" }
                ),
            ),
            &mut decided,
        );
    }
    decided
}

/// Keeps `d` when it outweighs what is decided: within events, an eviction or an OOM outweighs
/// a probe kill or pressure alone.
fn propose(d: Decision, decided: &mut Option<Decision>) {
    let weight = |v: Verdict, l: Level| match (v, l) {
        (_, Level::Low) => 0,
        (Verdict::SigkillNotOom, _) => 1,
        _ => 2,
    };
    if decided
        .as_ref()
        .is_none_or(|o| weight(d.verdict, d.level) > weight(o.verdict, o.level))
    {
        *decided = Some(d);
    }
}

/// What an event says, for the evidence list; `None` for events the verdict does not weigh.
fn event_note(meaning: &EventMeaning) -> Option<&'static str> {
    Some(match meaning {
        EventMeaning::OomKilling(_) => "node-problem-detector relayed the kernel's kill line",
        EventMeaning::SystemOom { .. } => "the kubelet saw a system (node) OOM",
        EventMeaning::Evicted(_) => "the kubelet evicted the pod",
        EventMeaning::ProbeKill { .. } => "the kubelet killed the container after a failed probe",
        EventMeaning::Killing { .. } => "the kubelet stopped the container",
        EventMeaning::ForcedKill => {
            "the runtime sent SIGKILL: the container did not stop within its grace period"
        }
        EventMeaning::UserspaceOomKill { .. } => "a userspace OOM killer acted",
        EventMeaning::Unhealthy(_) => "a probe failed",
        EventMeaning::BackOff { .. } => "the container is crash-looping",
        EventMeaning::NodeMemoryPressure => "the node was under resource pressure",
        EventMeaning::Other => return None,
    })
}

/// The victim an event names: its container id (without a kernel report), and, without a pod
/// status, its pod (and the container a probe kill names).
fn victim_from_event(g: &Group, inc: &mut Incident, f: &EventFacts) {
    if inc.victim.container_id.is_none() && g.kernel.is_none() {
        inc.victim.container_id.clone_from(&f.container_id);
    }
    if g.pod.is_none()
        && !matches!(
            f.meaning,
            EventMeaning::OomKilling(_) | EventMeaning::SystemOom { .. }
        )
    {
        inc.victim.pod_uid = inc.victim.pod_uid.take().or(f.object_uid.clone());
        inc.victim.pod = inc
            .victim
            .pod
            .take()
            .or(match (&f.object_namespace, &f.object_name) {
                (Some(ns), Some(n)) => Some(format!("{ns}/{n}")),
                (None, Some(n)) => Some(n.clone()),
                _ => None,
            });
        if let EventMeaning::ProbeKill { container, .. } = &f.meaning {
            if !container.is_empty() {
                inc.victim.container = inc.victim.container.take().or(Some(container.clone()));
            }
        }
    }
}

/// The verdict one event proposes (the kubelet's SystemOOM, a relayed kill line, an eviction,
/// a probe or forced kill...), taking the victim's figures from a relayed kill line.
fn event_decision(g: &Group, inc: &mut Incident, f: &EventFacts) -> Option<Decision> {
    Some(match &f.meaning {
        EventMeaning::SystemOom { victim, pid } => {
            if g.kernel.is_none() {
                inc.scope = inc.scope.take().or(Some("node".into()));
                inc.victim.pid = inc.victim.pid.or(*pid);
                inc.victim.process = inc.victim.process.take().or(victim.clone());
            }
            Decision::new(
                Verdict::NodeOomKill,
                Level::Medium,
                "the kubelet's SystemOOM event: the node ran out of memory",
            )
        }
        EventMeaning::OomKilling(k) => {
            if let Some(k) = k {
                inc.victim.pid = inc.victim.pid.or(Some(k.pid));
                inc.victim.process = inc.victim.process.take().or(Some(k.comm.clone()));
                if inc.rss_kb.anon.is_none() {
                    inc.rss_kb = RssKb {
                        anon: k.anon_rss_kb,
                        file: k.file_rss_kb,
                        shmem: k.shmem_rss_kb,
                    };
                }
                inc.oom_score_adj = inc.oom_score_adj.or(k.oom_score_adj);
            }
            let global = k.as_ref().is_some_and(|k| {
                k.scope == oomdoc_evidence::kernel_facts::KillScope::Global
            });
            Decision::new(
                if global { Verdict::NodeOomKill } else { Verdict::ContainerOomKill },
                Level::Medium,
                "an OOMKilling event quotes the kernel's kill line",
            )
        }
        EventMeaning::Evicted(m) => {
            let what = m
                .as_ref()
                .map(|m| eviction_resource(&m.resource))
                .unwrap_or_default();
            Decision::new(
                Verdict::Evicted,
                Level::Medium,
                format!("the kubelet's eviction ({}){what}", f.reason),
            )
        }
        EventMeaning::ProbeKill { probe, .. } => Decision::new(
            Verdict::SigkillNotOom,
            Level::Medium,
            format!(
                "the kubelet killed the container because its {} probe failed (SIGTERM, then SIGKILL after the grace period): not memory",
                probe_name(*probe)
            ),
        ),
        EventMeaning::Killing { .. } => Decision::new(
            Verdict::SigkillNotOom,
            Level::Low,
            "the kubelet stopped the container (Killing): a deliberate stop, not an OOM kill, as far as these inputs show",
        ),
        EventMeaning::UserspaceOomKill { killer } => Decision::new(
            Verdict::Unknown,
            Level::Medium,
            format!(
                "{killer} killed it for memory pressure: a userspace OOM killer, not the kernel's OOM killer (no memcg or node limit was hit) and not the kubelet's eviction; oomdoc's verdicts do not name it yet"
            ),
        ),
        EventMeaning::ForcedKill => Decision::new(
            Verdict::SigkillNotOom,
            Level::Medium,
            "the runtime killed the container with SIGKILL after it ignored SIGTERM for its grace period: not memory",
        ),
        EventMeaning::NodeMemoryPressure => Decision::new(
            Verdict::Evicted,
            Level::Low,
            "the kubelet's eviction manager was reclaiming resources on the node (no eviction of this pod shown)",
        ),
        _ => return None,
    })
}

fn probe_name(p: Option<Probe>) -> &'static str {
    match p {
        Some(Probe::Liveness) => "liveness",
        Some(Probe::Startup) => "startup",
        Some(Probe::Readiness) => "readiness",
        None => "liveness",
    }
}
