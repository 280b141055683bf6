//! Joining facts from different inputs into one group per death: by pod UID, container id, pid,
//! the time of the kill (when no key ties a kernel report to a container) and, for facts without keys (JVM logs, hs_err, NMT, cgroup files), by elimination.

use oomdoc_evidence::cgroup_files::CgroupMemory;
use oomdoc_evidence::events::{EventFacts, EventMeaning};
use oomdoc_evidence::flags_final::JvmFlag;
use oomdoc_evidence::hs_err::HsErr;
use oomdoc_evidence::jvm_log::JvmLogFact;
use oomdoc_evidence::kernel::OomKind;
use oomdoc_evidence::nmt::NmtSummary;
use oomdoc_evidence::pod_status::{ContainerFacts, PodFacts, Terminated};
use oomdoc_evidence::KernelOomIncident;
use oomdoc_model::TerminationReason;

use crate::collect::{Facts, HeapOption, Src};
use crate::time::{parse_time, wall_epoch, JOIN_WINDOW_SECS};

/// The facts of one death.
#[derive(Default)]
pub(crate) struct Group<'a> {
    pub kernel: Option<&'a Src<KernelOomIncident>>,
    pub pod: Option<&'a Src<PodFacts>>,
    /// Index into the pod's containers.
    pub container: Option<usize>,
    pub events: Vec<&'a Src<EventFacts>>,
    pub jvm_logs: Vec<&'a Src<Vec<JvmLogFact>>>,
    pub hs_errs: Vec<&'a Src<HsErr>>,
    pub cgroups: Vec<&'a Src<CgroupMemory>>,
    pub nmt: Vec<&'a Src<NmtSummary>>,
    pub flags: Vec<&'a Src<Vec<JvmFlag>>>,
    pub heap_options: Vec<&'a Src<HeapOption>>,
    /// Set when the kernel report and the pod were joined by time alone: seconds between the
    /// kill and `finishedAt`.
    pub time_join: Option<i64>,
    /// Set when they were joined because each was the only one of its kind in the inputs.
    pub alone_join: bool,
}

impl<'a> Group<'a> {
    pub fn container_facts(&self) -> Option<&'a ContainerFacts> {
        Some(&self.pod?.fact.containers[self.container?])
    }

    /// The container's terminated state that this death left (lastState, else state).
    pub fn terminated(&self) -> Option<&'a Terminated> {
        terminated_of(self.container_facts()?)
    }

    pub fn pod_uid(&self) -> Option<String> {
        self.pod
            .and_then(|p| p.fact.uid.clone())
            .or_else(|| self.kernel.and_then(|k| kernel_uid(&k.fact)))
    }

    fn victim_comm(&self) -> Option<&'a str> {
        self.kernel
            .and_then(|k| k.fact.victim().map(|v| v.comm.as_str()))
    }
}

/// The terminated state a container shows for its last death.
pub(crate) fn terminated_of(c: &ContainerFacts) -> Option<&Terminated> {
    c.last_state
        .as_ref()
        .and_then(|s| s.terminated())
        .or(c.state.as_ref().and_then(|s| s.terminated()))
}

fn kernel_uid(k: &KernelOomIncident) -> Option<String> {
    k.task_memcg()
        .and_then(|m| m.pod_uid)
        .or(k.oom_memcg().and_then(|m| m.pod_uid))
}

fn kernel_cid(k: &KernelOomIncident) -> Option<String> {
    k.task_memcg().and_then(|m| m.container_id)
}

/// Whether a container's terminated state is worth an incident of its own.
fn interesting(t: &Terminated) -> bool {
    matches!(
        t.reason,
        Some(TerminationReason::OomKilled | TerminationReason::Evicted)
    ) || matches!(t.exit_code, Some(137) | Some(3))
}

fn ids_match(c: &ContainerFacts, cid: &str) -> bool {
    c.container_id.as_deref() == Some(cid)
        || terminated_of(c).and_then(|t| t.container_id.as_deref()) == Some(cid)
}

fn event_targets(src: &Src<EventFacts>, g: &Group) -> bool {
    let e = &src.fact;
    // The Events table of `kubectl describe pod` belongs to the pod above it.
    if e.object_uid.is_none()
        && e.object_name.is_none()
        && g.pod.is_some_and(|p| p.file == src.file)
    {
        return true;
    }
    if let (Some(u), Some(gu)) = (e.object_uid.as_deref(), g.pod_uid()) {
        if u == gu {
            return true;
        }
    }
    match (g.pod, e.object_name.as_deref()) {
        (Some(p), Some(n)) => {
            p.fact.name.as_deref() == Some(n)
                && (e.object_namespace.is_none()
                    || p.fact.namespace.is_none()
                    || e.object_namespace == p.fact.namespace)
        }
        _ => false,
    }
}

/// The kernel report (not yet joined, with no pod UID that says otherwise) whose kill is nearest
/// in time to the container's `finishedAt`, within [`JOIN_WINDOW_SECS`]; with the seconds apart.
/// Only for a container that died of an OOM kill or a SIGKILL, and only kernel reports with a
/// wall-clock stamp (raw `dmesg` counts from boot and cannot be placed).
fn by_time(c: &ContainerFacts, pod_uid: Option<&str>, groups: &[Group]) -> Option<(usize, i64)> {
    let t = terminated_of(c).filter(|t| interesting(t))?;
    let (finished, year) = parse_time(t.finished_at.as_deref()?)?;
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.pod.is_none())
        .filter_map(|(gi, g)| {
            let k = &g.kernel?.fact;
            if kernel_uid(k).is_some_and(|u| pod_uid.is_some_and(|p| p != u)) {
                return None;
            }
            if kernel_cid(k).is_some_and(|cid| c.container_id.is_some() && !ids_match(c, &cid)) {
                return None;
            }
            let wall = k.victim().map(|v| &v.stamp).unwrap_or(&k.start).wall?;
            let apart = wall_epoch(&wall, year) - finished;
            (apart.abs() <= JOIN_WINDOW_SECS).then_some((gi, apart))
        })
        .min_by_key(|(_, apart)| apart.abs())
}

/// The group of a container that was OOM-killed on the event's node (when both say which) within
/// [`JOIN_WINDOW_SECS`] of the node's `OOMKilling` event, nearest first: the kubelet's event
/// names the node and the process, not the pod, so time is the only key when no kernel log ties
/// the pid to the container.
fn event_by_time(e: &EventFacts, groups: &[Group]) -> Option<usize> {
    let (at, _) = parse_time(
        e.last_timestamp
            .as_deref()
            .or(e.first_timestamp.as_deref())?,
    )?;
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.kernel.is_none())
        .filter_map(|(gi, g)| {
            let pod = &g.pod?.fact;
            if let (Some(node), Some(host)) = (pod.node_name.as_deref(), e.host.as_deref()) {
                if node != host {
                    return None;
                }
            }
            let t = g
                .terminated()
                .filter(|t| t.reason == Some(TerminationReason::OomKilled))?;
            let (finished, _) = parse_time(t.finished_at.as_deref()?)?;
            let apart = (finished - at).abs();
            (apart <= JOIN_WINDOW_SECS).then_some((gi, apart))
        })
        .min_by_key(|&(_, apart)| apart)
        .map(|(gi, _)| gi)
}

/// Events that tell a story alone: a kill, an eviction, an OOM, a probe failure, node pressure.
fn significant(m: &EventMeaning) -> bool {
    match m {
        EventMeaning::Unhealthy(p) => *p != Some(oomdoc_evidence::events::Probe::Readiness),
        EventMeaning::BackOff { .. } | EventMeaning::Other => false,
        _ => true,
    }
}

/// The group made of one input's events alone (no kernel report, no pod).
fn loose_event_group(groups: &[Group], file: &str) -> Option<usize> {
    groups.iter().position(|g| {
        g.kernel.is_none()
            && g.pod.is_none()
            && !g.events.is_empty()
            && g.events.iter().all(|x| x.file == file)
    })
}

/// Groups the facts.
pub(crate) fn join(f: &Facts) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = f
        .kept_kernel()
        .iter()
        .map(|k| Group {
            kernel: Some(k),
            ..Group::default()
        })
        .collect();
    join_pods(f, &mut groups);
    join_events(f, &mut groups);
    let loose_heap = join_heap_options(f, &mut groups);
    join_loose_facts(f, &mut groups, loose_heap);
    groups
}

/// Pods: each interesting container (or an evicted pod) joins a kernel report of its pod (by
/// UID and container id, else by time, else as the only report for the only fragment), or
/// makes a group of its own.
fn join_pods<'a>(f: &'a Facts, groups: &mut Vec<Group<'a>>) {
    let oom_fragments = f
        .pods
        .iter()
        .flat_map(|p| p.fact.containers.iter().map(move |c| (p, c)))
        .filter(|(p, c)| {
            p.fact.uid.is_none()
                && terminated_of(c).is_some_and(|t| t.reason == Some(TerminationReason::OomKilled))
        })
        .count();
    for p in &f.pods {
        let uid = p.fact.uid.as_deref();
        let evicted = p.fact.reason == Some(TerminationReason::Evicted);
        let mut used = false;
        for (ci, c) in p.fact.containers.iter().enumerate() {
            let hit = groups.iter().position(|g| {
                g.pod.is_none()
                    && g.kernel.is_some_and(|k| {
                        kernel_uid(&k.fact).as_deref() == uid
                            && uid.is_some()
                            && kernel_cid(&k.fact).is_none_or(|cid| ids_match(c, &cid))
                    })
            });
            let hit = hit.filter(|&gi| {
                // Without a container id match, only a container that died can claim the report.
                let k = &groups[gi].kernel.expect("kernel group").fact;
                kernel_cid(k).is_some() || terminated_of(c).is_some_and(interesting)
            });
            let by_time = match hit {
                Some(_) => None,
                None => by_time(c, uid, groups),
            };
            // A pasted fragment (no pod UID, no time) and a kernel report that are the only ones
            // of their kind in the inputs: one death, told twice.
            let alone = match (hit, by_time) {
                (None, None) if uid.is_none() && oom_fragments == 1 => {
                    only_report_for_fragment(f, c, groups)
                }
                _ => None,
            };
            if let Some(gi) = hit.or(by_time.map(|(gi, _)| gi)).or(alone) {
                groups[gi].pod = Some(p);
                groups[gi].container = Some(ci);
                groups[gi].time_join = by_time.map(|(_, apart)| apart);
                groups[gi].alone_join = alone.is_some();
                used = true;
            } else if terminated_of(c).is_some_and(interesting) && !evicted {
                groups.push(Group {
                    pod: Some(p),
                    container: Some(ci),
                    ..Group::default()
                });
                used = true;
            }
        }
        if evicted && !used {
            groups.push(Group {
                pod: Some(p),
                ..Group::default()
            });
        }
    }
}

/// The only free kernel report, for a pasted OOMKilled fragment that is the only one; not when
/// the figures contradict (a victim holding more than the container's limit did not die at
/// that limit).
fn only_report_for_fragment(f: &Facts, c: &ContainerFacts, groups: &[Group]) -> Option<usize> {
    let free: Vec<usize> = (0..groups.len())
        .filter(|&gi| groups[gi].pod.is_none() && groups[gi].kernel.is_some())
        .collect();
    // Not when the figures contradict: a victim holding more than the
    // container's limit did not die at that limit.
    let fits = |gi: usize| {
        let k = &groups[gi].kernel.expect("kernel group").fact;
        let rss = k.victim().and_then(|v| v.anon_rss_kb).map(|kb| kb * 1024);
        let counter = k.memory_counter().map(|m| m.limit_kb * 1024);
        let lim = c.memory_limit_bytes.and_then(|b| u64::try_from(b).ok());
        match lim {
            Some(l) => {
                rss.is_none_or(|r| r <= l + l / 20)
                    && counter.is_none_or(|x| x >= l.saturating_sub(l / 20))
            }
            None => true,
        }
    };
    (free.len() == 1
        && f.kept_kernel().len() == 1
        && fits(free[0])
        && terminated_of(c).is_some_and(|t| t.reason == Some(TerminationReason::OomKilled)))
    .then(|| free[0])
}

/// Events: by pid for kernel lines, else by the involved pod; loose ones of one input are one
/// story.
fn join_events<'a>(f: &'a Facts, groups: &mut Vec<Group<'a>>) {
    let mut deferred = Vec::new();
    for e in &f.events {
        let by_pid = |pid: Option<u32>, gs: &[Group]| {
            gs.iter()
                .position(|g| pid.is_some() && g.kernel.is_some_and(|k| k.fact.victim_pid() == pid))
        };
        let hit = match &e.fact.meaning {
            EventMeaning::OomKilling(k) => {
                by_pid(k.as_ref().map(|k| k.pid), groups).or_else(|| event_by_time(&e.fact, groups))
            }
            // The kubelet reports SystemOOM for kills outside any container cgroup: global ones.
            EventMeaning::SystemOom { pid, .. } => {
                let global = |g: &Group| g.kernel.is_some_and(|k| k.fact.kind() == OomKind::Global);
                by_pid(*pid, groups)
                    .filter(|&gi| global(&groups[gi]))
                    .or_else(|| groups.iter().position(global))
            }
            EventMeaning::Other => continue,
            _ => groups.iter().position(|g| event_targets(e, g)),
        };
        match hit {
            Some(gi) => groups[gi].events.push(e),
            None if significant(&e.fact.meaning) => {
                // Loose events of one input (a pasted events table, kubelet log lines) are one
                // story: they join the group of that input's other loose events.
                match loose_event_group(groups, &e.file) {
                    Some(gi) => groups[gi].events.push(e),
                    None => groups.push(Group {
                        events: vec![e],
                        ..Group::default()
                    }),
                }
            }
            None => deferred.push(e),
        }
    }
    // Context events (a back-off, a readiness failure) join their input's group if it has one.
    for e in deferred {
        if let Some(gi) = loose_event_group(groups, &e.file) {
            groups[gi].events.push(e);
        }
    }
}

/// Heap options written in a pod file follow that pod; returns the others.
fn join_heap_options<'a>(f: &'a Facts, groups: &mut [Group<'a>]) -> Vec<&'a Src<HeapOption>> {
    let mut loose_heap = Vec::new();
    for h in &f.heap_options {
        match groups
            .iter()
            .position(|g| g.pod.is_some_and(|p| p.file == h.file))
        {
            Some(gi) => groups[gi].heap_options.push(h),
            None => loose_heap.push(h),
        }
    }
    loose_heap
}

/// Facts without keys: to the one group they can belong to, else a group of their own.
fn join_loose_facts<'a>(
    f: &'a Facts,
    groups: &mut Vec<Group<'a>>,
    loose_heap: Vec<&'a Src<HeapOption>>,
) {
    let loose = !f.jvm_logs.is_empty()
        || !f.hs_errs.is_empty()
        || !f.cgroups.is_empty()
        || !f.nmt.is_empty()
        || !f.flags.is_empty()
        || !loose_heap.is_empty();
    if loose {
        let pick = |pred: &dyn Fn(&Group) -> bool, gs: &[Group]| {
            let v: Vec<usize> = (0..gs.len()).filter(|&i| pred(&gs[i])).collect();
            (v.len() == 1).then(|| v[0])
        };
        let target = if groups.len() == 1 {
            Some(0)
        } else {
            pick(&|g: &Group| g.victim_comm() == Some("java"), groups)
                .or_else(|| pick(&|g: &Group| g.kernel.is_some(), groups))
        };
        let gi = match target {
            Some(gi) => gi,
            None => {
                groups.push(Group::default());
                groups.len() - 1
            }
        };
        let g = &mut groups[gi];
        g.jvm_logs.extend(f.jvm_logs.iter());
        g.hs_errs.extend(f.hs_errs.iter());
        g.cgroups.extend(f.cgroups.iter());
        g.nmt.extend(f.nmt.iter());
        g.flags.extend(f.flags.iter());
        g.heap_options.extend(loose_heap);
    }
}
