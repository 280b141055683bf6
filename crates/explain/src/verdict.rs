//! From a group of joined facts to an [`Incident`]: the verdict, the victim, the figures and the
//! chain of cited evidence.

use oomdoc_evidence::cgroup_files::{CgValue, CgroupMemory};
use oomdoc_evidence::events::EventMeaning;
use oomdoc_evidence::jvm_log::{JvmLogFact, OomeKind};
use oomdoc_evidence::kernel::OomKind;
use oomdoc_evidence::kernel_facts::Constraint;
use oomdoc_evidence::memcg_path::MemcgLevel;
use oomdoc_evidence::Cited;

use crate::collect::Src;
use crate::incident::*;
use crate::join::Group;

/// A kernel limit of this many kB or more means "no limit".
const UNLIMITED_KB: u64 = 1 << 50;

pub(crate) fn ev(file: &str, c: &Cited, note: impl Into<String>) -> EvidenceItem {
    EvidenceItem {
        file: file.to_string(),
        line: c.line,
        text: c.text.clone(),
        note: note.into(),
    }
}

/// The JSON name of an OutOfMemoryError kind.
pub fn oome_kind_name(k: &OomeKind) -> String {
    match k {
        OomeKind::JavaHeapSpace => "java_heap_space".into(),
        OomeKind::GcOverhead => "gc_overhead_limit_exceeded".into(),
        OomeKind::Metaspace => "metaspace".into(),
        OomeKind::CompressedClassSpace => "compressed_class_space".into(),
        OomeKind::DirectBuffer => "direct_buffer_memory".into(),
        OomeKind::NativeThread => "unable_to_create_native_thread".into(),
        OomeKind::ArraySize => "requested_array_size_exceeds_vm_limit".into(),
        OomeKind::Other(s) => s.clone(),
    }
}

/// The first OutOfMemoryError (or its Terminating line) in the group's logs.
pub(crate) fn first_oome<'a>(g: &Group<'a>) -> Option<(&'a str, &'a OomeKind, &'a Cited, bool)> {
    let mut first = None;
    for l in &g.jvm_logs {
        for f in &l.fact {
            match f {
                JvmLogFact::Terminating { kind, cited } => {
                    return Some((l.file.as_str(), kind, cited, true))
                }
                // CrashOnOutOfMemoryError: the JVM aborts (SIGABRT, exit 134) and writes hs_err.
                JvmLogFact::Aborting { kind, cited } => {
                    return Some((l.file.as_str(), kind, cited, false))
                }
                JvmLogFact::OutOfMemoryError { kind, cited, .. } if first.is_none() => {
                    first = Some((l.file.as_str(), kind, cited, false))
                }
                _ => {}
            }
        }
    }
    first
}

/// Decides the verdict and fills everything but attribution and next steps.
pub(crate) fn decide(g: &Group) -> Incident {
    let mut inc = Incident {
        verdict: Verdict::Unknown,
        oome_kind: None,
        victim: Victim::default(),
        constraint: None,
        memcg: None,
        limit_bytes: None,
        usage_bytes: None,
        rss_kb: RssKb::default(),
        oom_score_adj: None,
        attribution: None,
        attribution_why: None,
        evidence: Vec::new(),
        confidence: Confidence {
            level: Level::Low,
            why: "no deciding fact in the inputs".into(),
        },
        next_steps: Vec::new(),
    };
    let mut decided: Option<(Verdict, Level, String)> = None;

    // Pod and container: names, ids, limit, the kubelet's reason.
    let term = g.terminated();
    if let Some(p) = g.pod {
        inc.victim.pod_uid = p.fact.uid.clone();
        inc.victim.pod = match (&p.fact.namespace, &p.fact.name) {
            (Some(ns), Some(n)) => Some(format!("{ns}/{n}")),
            (None, Some(n)) => Some(n.clone()),
            _ => None,
        };
        if let Some(c) = g.container_facts() {
            inc.victim.container = Some(c.name.clone());
            inc.victim.container_id = term
                .and_then(|t| t.container_id.clone())
                .or(c.container_id.clone());
            inc.limit_bytes = c.memory_limit_bytes.and_then(|b| u64::try_from(b).ok());
        }
        if p.fact.reason.as_deref() == Some("Evicted") {
            inc.evidence.push(ev(
                &p.file,
                &p.fact.cited,
                "the pod's status.reason is Evicted",
            ));
            decided = Some((
                Verdict::Evicted,
                Level::Medium,
                "the pod status says Evicted (the kubelet's own record)".into(),
            ));
        }
        if let Some(t) = term {
            let r = t.reason.as_deref().unwrap_or("?");
            let code = t.exit_code.map_or("?".to_string(), |c| c.to_string());
            inc.evidence.push(ev(
                &p.file,
                &t.cited,
                format!("last termination: reason {r}, exit code {code}"),
            ));
            if r == "OOMKilled" {
                decided = Some((
                    Verdict::ContainerOomKill,
                    Level::Medium,
                    "the runtime reported OOMKilled (exit 137), but no kernel line confirms which limit".into(),
                ));
            }
        }
    }

    // Events.
    let mut probe_kill = false;
    for e in &g.events {
        let f = &e.fact;
        let (note, v) = match &f.meaning {
            EventMeaning::OomKilling(_) => {
                ("node-problem-detector relayed the kernel's kill line", None)
            }
            EventMeaning::SystemOom { .. } => (
                "the kubelet saw a system (node) OOM",
                Some(Verdict::NodeOomKill),
            ),
            EventMeaning::Evicted(_) => ("the kubelet evicted the pod", Some(Verdict::Evicted)),
            EventMeaning::ProbeKill { .. } => {
                probe_kill = true;
                (
                    "the kubelet killed the container after a failed probe",
                    None,
                )
            }
            EventMeaning::Killing { .. } => ("the kubelet stopped the container", None),
            EventMeaning::Unhealthy(_) => ("a probe failed", None),
            EventMeaning::BackOff { .. } => ("the container is crash-looping", None),
            EventMeaning::NodeMemoryPressure => ("the node was under memory pressure", None),
            EventMeaning::Other => continue,
        };
        inc.evidence.push(ev(&e.file, &f.cited, note));
        if g.pod.is_none()
            && !matches!(
                f.meaning,
                EventMeaning::OomKilling(_) | EventMeaning::SystemOom { .. }
            )
        {
            inc.victim.pod_uid = inc.victim.pod_uid.take().or(f.object_uid.clone());
            inc.victim.pod =
                inc.victim
                    .pod
                    .take()
                    .or(match (&f.object_namespace, &f.object_name) {
                        (Some(ns), Some(n)) => Some(format!("{ns}/{n}")),
                        (None, Some(n)) => Some(n.clone()),
                        _ => None,
                    });
            if let EventMeaning::ProbeKill { container, .. } = &f.meaning {
                inc.victim.container = inc.victim.container.take().or(Some(container.clone()));
            }
        }
        if let (EventMeaning::SystemOom { victim, pid }, None) = (&f.meaning, g.kernel) {
            inc.victim.pid = inc.victim.pid.or(*pid);
            inc.victim.process = inc.victim.process.take().or(victim.clone());
        }
        if let EventMeaning::OomKilling(Some(k)) = &f.meaning {
            inc.victim.pid = inc.victim.pid.or(Some(k.pid));
            inc.victim.process = inc.victim.process.take().or(Some(k.comm.clone()));
            inc.rss_kb = RssKb {
                anon: k.anon_rss_kb,
                file: k.file_rss_kb,
                shmem: k.shmem_rss_kb,
            };
            inc.oom_score_adj = k.oom_score_adj;
            if decided.is_none() && g.kernel.is_none() {
                decided = Some((
                    Verdict::ContainerOomKill,
                    Level::Medium,
                    "an OOMKilling event quotes the kernel's kill line".into(),
                ));
            }
        }
        if let (Some(v), true) = (v, g.kernel.is_none()) {
            if decided.as_ref().is_none_or(|d| d.0 != Verdict::Evicted) {
                decided = Some((
                    v,
                    Level::Medium,
                    format!("the {} event: {}", f.reason, note),
                ));
            }
        }
    }

    // The kernel report: the deciding fact.
    if let Some(k) = g.kernel {
        let kf = &k.fact;
        let victim = kf.victim();
        inc.victim.pid = kf.victim_pid().or(inc.victim.pid);
        inc.victim.process = victim
            .map(|v| v.comm.clone())
            .or(kf.summary.as_ref().and_then(|s| s.task.clone()))
            .or(inc.victim.process.take());
        let task = kf.task_memcg();
        if let Some(t) = &task {
            inc.victim.pod_uid = inc.victim.pod_uid.take().or(t.pod_uid.clone());
            if inc.victim.container_id.is_none() || t.container_id.is_some() {
                inc.victim.container_id = t.container_id.clone().or(inc.victim.container_id.take());
            }
        }
        if let Some(v) = victim {
            inc.rss_kb = RssKb {
                anon: v.anon_rss_kb,
                file: v.file_rss_kb,
                shmem: v.shmem_rss_kb,
            };
            inc.oom_score_adj = v.oom_score_adj;
        }
        inc.oom_score_adj = inc
            .oom_score_adj
            .or(kf.victim_row().and_then(|r| r.oom_score_adj));
        let oom_memcg = kf.oom_memcg();
        inc.memcg = oom_memcg.as_ref().map(|m| m.raw.clone());
        if let Some(c) = kf.memory_counter() {
            inc.usage_bytes = Some(c.usage_kb * 1024);
            if c.limit_kb < UNLIMITED_KB {
                inc.limit_bytes = Some(c.limit_kb * 1024);
            }
        }
        inc.constraint = match kf.summary.as_ref().map(|s| &s.constraint) {
            Some(Constraint::Memcg) => Some("memcg".into()),
            Some(Constraint::None) => Some("global".into()),
            Some(Constraint::Cpuset) => Some("cpuset".into()),
            Some(Constraint::MemoryPolicy) => Some("memory_policy".into()),
            Some(Constraint::Other(s)) => Some(s.to_ascii_lowercase()),
            None => match kf.kind() {
                OomKind::Memcg => Some("memcg".into()),
                OomKind::Global => Some("global".into()),
                OomKind::Unknown => None,
            },
        };
        for c in kf.key_lines() {
            let note = kernel_note(kf, c);
            inc.evidence.push(ev(&k.file, c, note));
        }
        let level = oom_memcg.as_ref().map(|m| m.level);
        decided = Some(match kf.kind() {
            _ if kf.group_kill.is_some() && kf.killed.len() > 1 => (
                Verdict::GroupOomKill,
                Level::High,
                format!(
                    "the kernel killed {} tasks of the cgroup together (memory.oom.group)",
                    kf.killed.len()
                ),
            ),
            OomKind::Memcg if matches!(level, Some(MemcgLevel::Kubepods | MemcgLevel::QosParent)) => (
                Verdict::NodeOomKill,
                Level::High,
                "the limit hit was the kubelet's node-allocatable cgroup, not the container's own".into(),
            ),
            OomKind::Memcg => (
                Verdict::ContainerOomKill,
                Level::High,
                "the kernel's kill line names a memory cgroup limit".into(),
            ),
            OomKind::Global => (
                Verdict::NodeOomKill,
                Level::High,
                "the kernel's global OOM killer chose the victim (CONSTRAINT_NONE)".into(),
            ),
            OomKind::Unknown => (
                if term.and_then(|t| t.reason.as_deref()) == Some("OOMKilled") {
                    Verdict::ContainerOomKill
                } else {
                    Verdict::Unknown
                },
                Level::Medium,
                "a kernel kill line without the lines that say which limit was hit".into(),
            ),
        });
        if decided
            .as_ref()
            .is_some_and(|d| d.0 == Verdict::ContainerOomKill)
            && term.and_then(|t| t.reason.as_deref()) == Some("OOMKilled")
        {
            decided.as_mut().expect("decided").2 =
                "the kernel's kill line names a memory cgroup limit and the runtime reported OOMKilled".into();
        }
    }

    // cgroup files: the limit, the usage, the kill counters.
    for c in &g.cgroups {
        let m = &c.fact;
        if let Some(e) = m.limit() {
            if let oomdoc_evidence::cgroup_files::CgValue::N(n) = e.value {
                inc.limit_bytes = inc.limit_bytes.or(Some(n));
            }
            inc.evidence
                .push(ev(&c.file, &e.cited, "the cgroup's limit"));
        }
        if let Some(e) = m.peak().or(m.usage()) {
            if let oomdoc_evidence::cgroup_files::CgValue::N(n) = e.value {
                inc.usage_bytes = inc.usage_bytes.or(Some(n));
            }
            inc.evidence
                .push(ev(&c.file, &e.cited, "the cgroup's (peak) usage"));
        }
        let n = |e: Option<&oomdoc_evidence::cgroup_files::CgEntry>| match e.map(|e| e.value) {
            Some(oomdoc_evidence::cgroup_files::CgValue::N(n)) => n,
            _ => 0,
        };
        let group = m.get("memory.events", Some("oom_group_kill"));
        let group_n = match group {
            Some(oomdoc_evidence::cgroup_files::CgValue::N(n)) => n,
            _ => 0,
        };
        if n(m.oom_kills()) > 0 {
            let e = m.oom_kills().expect("counted");
            inc.evidence.push(ev(
                &c.file,
                &e.cited,
                "the kernel counted OOM kills in this cgroup",
            ));
            if decided.is_none() {
                decided = Some((
                    Verdict::ContainerOomKill,
                    Level::Low,
                    "only the cgroup's oom_kill counter: a kill happened, the counter does not say when or whom".into(),
                ));
            }
        }
        if group_n > 0 {
            if let Some(e) = m
                .entries
                .iter()
                .find(|e| e.key.as_deref() == Some("oom_group_kill"))
            {
                inc.evidence.push(ev(
                    &c.file,
                    &e.cited,
                    "memory.oom.group killed the whole cgroup",
                ));
            }
            if decided.as_ref().is_none_or(|d| d.1 == Level::Low) {
                decided = Some((
                    Verdict::GroupOomKill,
                    Level::Low,
                    "only memory.events' oom_group_kill counter".into(),
                ));
            }
        }
    }

    // JVM: OutOfMemoryError and native allocation failures.
    if let Some((file, kind, cited, terminating)) = first_oome(g) {
        inc.oome_kind = Some(oome_kind_name(kind));
        let note = if terminating {
            "ExitOnOutOfMemoryError: the JVM exited (code 3) on the error"
        } else {
            "the JVM threw OutOfMemoryError"
        };
        inc.evidence.push(ev(file, cited, note));
        if decided
            .as_ref()
            .is_none_or(|d| d.1 == Level::Low || d.0 == Verdict::Unknown)
        {
            let exit3 = term.and_then(|t| t.exit_code) == Some(3);
            decided = Some((
                Verdict::JvmOome,
                Level::High,
                if exit3 || terminating {
                    "the JVM's own OutOfMemoryError, and it exited on it (exit code 3) with no kernel kill".into()
                } else {
                    "the JVM's own OutOfMemoryError, with no kernel kill in the inputs".into()
                },
            ));
        }
    }
    for h in &g.hs_errs {
        let hs = &h.fact;
        if let Some(c) = &hs.insufficient_memory {
            inc.evidence.push(ev(
                &h.file,
                c,
                "hs_err: the JVM could not get memory from the OS",
            ));
        }
        if let Some((_, c)) = &hs.native_alloc {
            inc.evidence
                .push(ev(&h.file, c, "the native allocation that failed"));
        }
        if let Some((_, c)) = &hs.oom_error_at {
            inc.evidence
                .push(ev(&h.file, c, "where in HotSpot it failed"));
        }
        if hs.insufficient_memory.is_some() || hs.native_alloc.is_some() {
            inc.victim.pid = inc.victim.pid.or(hs.pid);
            inc.victim.process = inc.victim.process.take().or(Some("java".into()));
            if decided
                .as_ref()
                .is_none_or(|d| d.1 == Level::Low || d.0 == Verdict::Unknown)
            {
                decided = Some((
                    Verdict::NativeAllocFailure,
                    Level::High,
                    "the hs_err file says the JVM ran out of native memory".into(),
                ));
            }
        }
    }
    for l in &g.jvm_logs {
        for f in &l.fact {
            if let JvmLogFact::NativeAllocFailure { cited, .. } = f {
                inc.evidence
                    .push(ev(&l.file, cited, "the JVM could not get native memory"));
                if decided.is_none() {
                    decided = Some((
                        Verdict::NativeAllocFailure,
                        Level::High,
                        "the JVM printed a native allocation failure".into(),
                    ));
                }
            }
        }
    }

    // 137 with no OOM evidence.
    if decided.is_none() {
        if let Some(t) = term.filter(|t| t.exit_code == Some(137)) {
            decided = Some(if probe_kill {
                (
                    Verdict::SigkillNotOom,
                    Level::Medium,
                    "exit 137 without OOMKilled, and the kubelet killed the container after a failed probe".into(),
                )
            } else if let Some((src, e)) = no_oom_kill_counted(g) {
                inc.evidence
                    .push(ev(&src.file, &e.cited, "the cgroup counted no OOM kill"));
                (
                    Verdict::SigkillNotOom,
                    Level::Medium,
                    format!(
                        "exit 137 (SIGKILL) with reason {}, and the container's cgroup counted no OOM kill ({} oom_kill 0): something else sent SIGKILL - a manual kill, the runtime after the termination grace period, or another process",
                        t.reason.as_deref().unwrap_or("unset"),
                        e.file
                    ),
                )
            } else {
                (
                    Verdict::Unknown,
                    Level::Low,
                    format!(
                        "exit 137 (SIGKILL) with reason {}: no kernel line, event or log says who sent it",
                        t.reason.as_deref().unwrap_or("unset")
                    ),
                )
            });
        } else if probe_kill {
            decided = Some((
                Verdict::SigkillNotOom,
                Level::Low,
                "the kubelet killed the container after a failed probe; no exit code or OOM evidence in the inputs".into(),
            ));
        }
    }
    if let (Some(d), Some(adj)) = (decided.as_mut(), inc.oom_score_adj) {
        if d.0 == Verdict::NodeOomKill && g.kernel.is_some() {
            d.2.push_str("; why this victim: ");
            d.2.push_str(&qos_of_adj(adj));
        }
    }
    if let (Some(d), Some(apart)) = (decided.as_mut(), g.time_join) {
        d.2.push_str(&format!(
            "; the kernel report and the pod were joined by time alone: the kill was {}s {} finishedAt (node clock taken as UTC)",
            apart.abs(),
            if apart <= 0 { "before" } else { "after" }
        ));
    }
    if let Some((v, level, why)) = decided {
        inc.verdict = v;
        inc.confidence = Confidence { level, why };
    }
    inc
}

/// A cgroup file of this death saying the kernel OOM-killed nothing in it (v2 `memory.events`
/// or v1 `memory.oom_control` `oom_kill 0`).
fn no_oom_kill_counted<'a>(
    g: &Group<'a>,
) -> Option<(
    &'a Src<CgroupMemory>,
    &'a oomdoc_evidence::cgroup_files::CgEntry,
)> {
    g.cgroups.iter().find_map(|src| {
        let e = src.fact.oom_kills()?;
        (e.value == CgValue::N(0)).then_some((*src, e))
    })
}

fn kernel_note(k: &oomdoc_evidence::KernelOomIncident, c: &Cited) -> String {
    if k.header.as_ref().is_some_and(|h| h.cited.line == c.line) {
        return "the allocation that found no memory (the invoking task is often not the victim)"
            .into();
    }
    if k.summary.as_ref().is_some_and(|s| s.cited.line == c.line) {
        return "which limit was hit, and the victim's cgroup".into();
    }
    if k.counters.iter().any(|x| x.cited.line == c.line) {
        return "the cgroup's usage and limit at the kill".into();
    }
    if k.task_in.as_ref().is_some_and(|t| t.2.line == c.line) {
        return "the victim's cgroup and the cgroup whose limit was hit".into();
    }
    if k.group_kill.as_ref().is_some_and(|g| g.1.line == c.line) {
        return "memory.oom.group: every task of the cgroup is killed".into();
    }
    if k.selected.as_ref().is_some_and(|s| s.cited.line == c.line) {
        return "the task the OOM killer selected".into();
    }
    "the kill: the victim and its resident memory".into()
}

/// What an oom_score_adj says about the process, as the kubelet sets it.
pub(crate) fn qos_of_adj(adj: i64) -> String {
    let what = match adj {
        1000 => "a BestEffort pod (no requests): the kubelet gives it the highest score, so it goes first".into(),
        -997 => "a Guaranteed pod: the kubelet protects it (-997); the node had nothing else left to kill".into(),
        2..=999 => format!(
            "a Burstable pod: the kubelet sets 1000 - 1000 x request / node memory, so this one requested about {}% of the node's memory; pods with smaller requests (and BestEffort pods) rank before it",
            (1000 - adj) / 10
        ),
        -998 => "a pod sandbox (pause) process".into(),
        -999 => "the kubelet or the container runtime".into(),
        0 => "a process outside any pod (or one that kept the default 0)".into(),
        _ => "a value not set by the kubelet".into(),
    };
    format!("oom_score_adj {adj} is {what}; the kernel kills the task with the highest badness (rss + swap + page tables, plus oom_score_adj x total memory / 1000)")
}
