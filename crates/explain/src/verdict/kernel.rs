//! Pass 1: the kernel's OOM report - which limit was hit, by whom, and whether anything was killed.

use oomdoc_evidence::kernel::OomKind;
use oomdoc_evidence::kernel_facts::Constraint;
use oomdoc_evidence::memcg_path::{MemcgLevel, MemcgPath};
use oomdoc_evidence::{Cited, KernelOomIncident};
use oomdoc_model::oom_score::{classify_adj, AdjClass, POD_INFRA_OOM_SCORE_ADJ};
use oomdoc_model::TerminationReason;

use super::{ev, Decision};
use crate::incident::*;
use crate::join::Group;

/// A kernel limit of this many kB or more means "no limit".
const UNLIMITED_KB: u64 = 1 << 50;

/// The scope of the limit a memcg path enforces.
fn scope_of(m: &MemcgPath) -> Option<&'static str> {
    match m.level {
        MemcgLevel::Container => Some("container"),
        MemcgLevel::Pod => Some("pod"),
        MemcgLevel::Kubepods | MemcgLevel::QosParent => Some("node_allocatable"),
        // The root cgroup's limit is the machine's.
        MemcgLevel::Outside if m.raw == "/" => Some("node"),
        // Any other cgroup outside Kubernetes (`/docker/<id>`, `/agent`, a systemd slice): that
        // cgroup's own limit.
        MemcgLevel::Outside => Some("container"),
    }
}

pub(super) fn weigh_kernel(g: &Group, inc: &mut Incident) -> Option<Decision> {
    let k = g.kernel?;
    let kf = &k.fact;
    victim_from_report(kf, inc);
    let memcg_level = limit_and_scope(kf, inc);
    for c in kf.key_lines() {
        let note = kernel_note(kf, c);
        inc.evidence.push(ev(&k.file, c, note));
    }
    let killed = !kf.killed.is_empty() || kf.selected.is_some();
    if !killed && kf.no_killable.is_some() {
        return Some(Decision::new(
            Verdict::Unknown,
            Level::Medium,
            "the OOM killer ran but found no process it could kill (`no killable processes`): nothing was killed by it",
        ));
    }
    Some(kill_decision(g, kf, inc, killed, memcg_level))
}

/// The victim as the report shows it: pid, command, cgroup (pod UID, container id), rss and
/// `oom_score_adj`.
fn victim_from_report(kf: &KernelOomIncident, inc: &mut Incident) {
    let victim = kf.victim();
    inc.victim.pid = kf.victim_pid().or(inc.victim.pid);
    inc.victim.process = kf
        .victim_comm()
        .map(str::to_string)
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
}

/// The limit that was hit: the memory cgroup (unless its path is cut), usage and limit, the
/// constraint and the scope (node, pod, container). Returns the cgroup's level.
fn limit_and_scope(kf: &KernelOomIncident, inc: &mut Incident) -> Option<MemcgLevel> {
    // A path cut inside a runtime's container scope still ends at a container.
    let cut_at_container = kf.oom_memcg().is_some_and(|m| {
        let last = m.raw.rsplit('/').next().unwrap_or("");
        ["crio-", "cri-containerd-", "docker-"]
            .iter()
            .any(|p| last.starts_with(p) && !last.starts_with("crio-conmon-"))
    });
    let cut = kf.oom_memcg_cut() && !cut_at_container;
    // A cut path says only that the limit is at least that deep: nothing about its scope.
    let oom_memcg = kf.oom_memcg().filter(|_| !cut);
    inc.memcg = oom_memcg.as_ref().map(|m| m.raw.clone());
    if let Some(c) = kf.memory_counter() {
        inc.usage_bytes = Some(c.usage_kb * 1024);
        if c.limit_kb < UNLIMITED_KB {
            inc.limit_bytes = Some(c.limit_kb * 1024);
        }
    }
    let kind = kf.kind();
    inc.constraint = match kf.summary.as_ref().map(|s| &s.constraint) {
        _ if kind == OomKind::Memcg => Some("memcg".into()),
        Some(Constraint::None) => Some("global".into()),
        Some(Constraint::Cpuset) => Some("cpuset".into()),
        Some(Constraint::MemoryPolicy) => Some("memory_policy".into()),
        Some(Constraint::Memcg) => Some("memcg".into()),
        Some(Constraint::Other(s)) if !s.is_empty() => Some(s.to_ascii_lowercase()),
        _ => (kind == OomKind::Global).then(|| "global".into()),
    };
    inc.scope = match kind {
        OomKind::Global => Some("node".into()),
        // A memcg OOM whose lines do not name the cgroup: its own limit, as far as is shown.
        OomKind::Memcg if cut => None,
        OomKind::Memcg if cut_at_container => Some("container".into()),
        OomKind::Memcg => Some(oom_memcg.as_ref().map_or(Some("container"), scope_of))
            .flatten()
            .map(str::to_string),
        OomKind::Unknown => None,
    };
    // The kernel lists the tasks of the limit's whole cgroup: a pod's sandbox (`pause`) among
    // them means the limit is the pod's, whatever stats block the paste starts with.
    if inc.scope.as_deref() == Some("container")
        && kind == OomKind::Memcg
        && kf.summary.is_none()
        && kf.task_in.is_none()
        && kf
            .tasks
            .iter()
            .any(|t| t.name == "pause" && t.oom_score_adj == Some(POD_INFRA_OOM_SCORE_ADJ))
    {
        inc.scope = Some("pod".into());
    }
    oom_memcg.as_ref().map(|m| m.level)
}

/// The verdict by the kind of OOM and the limit's level: the node's, a group kill, the
/// container's (or pod's) own, or a bare kill line.
fn kill_decision(
    g: &Group,
    kf: &KernelOomIncident,
    inc: &Incident,
    killed: bool,
    memcg_level: Option<MemcgLevel>,
) -> Decision {
    let kind = kf.kind();
    let level = if killed { Level::High } else { Level::Medium };
    // `Tasks in X are going to be killed due to memory.oom.group set`: the whole cgroup goes,
    // whether or not the paste shows the further kill lines.
    let group = kf.group_kill.is_some();
    let node_wide = kind == OomKind::Global
        || matches!(
            memcg_level,
            Some(MemcgLevel::Kubepods | MemcgLevel::QosParent)
        );
    let partial = if killed {
        ""
    } else {
        " (the report has no kill line: the kill itself is not shown)"
    };
    match kind {
        OomKind::Global => Decision::new(
            Verdict::NodeOomKill,
            level,
            format!(
                "the kernel's global OOM killer chose the victim: the node ran out of memory{}{partial}",
                if group {
                    "; memory.oom.group then killed every task of its cgroup".to_string()
                } else {
                    String::new()
                }
            ),
        ),
        OomKind::Memcg if node_wide => Decision::new(
            Verdict::NodeOomKill,
            level,
            format!(
                "the limit hit was the kubelet's node-allocatable cgroup ({}), not the container's own{}{partial}",
                inc.memcg.as_deref().unwrap_or("/kubepods"),
                if group { "; memory.oom.group killed the victim's whole cgroup" } else { "" }
            ),
        ),
        OomKind::Memcg if group => Decision::new(
            Verdict::GroupOomKill,
            level,
            format!(
                "the kernel killed every task of the cgroup together (memory.oom.group; {} kill line{} shown)",
                kf.killed.len(),
                if kf.killed.len() == 1 { "" } else { "s" }
            ),
        ),
        OomKind::Memcg => Decision::new(
            Verdict::ContainerOomKill,
            level,
            format!(
                "the kernel's report names a memory cgroup limit{}{partial}",
                match inc.scope.as_deref() {
                    Some("pod") => ", the pod's (not one container's)",
                    Some("container") => ", the container's own",
                    _ => "",
                }
            ),
        ),
        OomKind::Unknown => {
            let oomkilled = g
                .terminated()
                .is_some_and(|t| t.reason == Some(TerminationReason::OomKilled));
            Decision::new(
                if oomkilled || killed {
                    // A bare `Killed process` line: the kernel's OOM killer killed it; which limit
                    // the lines shown do not say.
                    Verdict::ContainerOomKill
                } else {
                    Verdict::Unknown
                },
                match (killed, oomkilled) {
                    (true, true) => Level::High,
                    (false, true) => Level::Medium,
                    _ => Level::Low,
                },
                if oomkilled {
                    "a kernel kill line without the lines that say which limit was hit, and the runtime reported OOMKilled"
                } else {
                    "a kernel kill line without the lines that say which limit was hit (a memory cgroup's, or the whole node's)"
                },
            )
        }
    }
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
    if k.no_killable.as_ref().is_some_and(|s| s.line == c.line) {
        return "the OOM killer found nothing to kill".into();
    }
    "the kill: the victim and its resident memory".into()
}

/// What an oom_score_adj says about the process, as the kubelet sets it (the model classifies).
pub(crate) fn qos_of_adj(adj: i64) -> String {
    let what = match classify_adj(adj) {
        AdjClass::BestEffort => "a BestEffort pod (no requests): the kubelet gives it the highest score, so it goes first".into(),
        AdjClass::Guaranteed => "a Guaranteed pod: the kubelet protects it (-997); the node had nothing else left to kill".into(),
        AdjClass::Burstable { request_per_mille } => format!(
            "a Burstable pod: the kubelet sets 1000 - 1000 x request / node memory, so this one requested about {}% of the node's memory; pods with smaller requests (and BestEffort pods) rank before it",
            request_per_mille / 10
        ),
        AdjClass::PodInfra => "a pod sandbox (pause) process".into(),
        AdjClass::Kubelet => "the kubelet or the container runtime".into(),
        AdjClass::Default => "a process outside any pod (or one that kept the default 0)".into(),
        AdjClass::Other => "a value not set by the kubelet".into(),
    };
    format!("oom_score_adj {adj} is {what}; the kernel kills the task with the highest badness (rss + swap + page tables, plus oom_score_adj x total memory / 1000)")
}
