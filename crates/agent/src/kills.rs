//! Kernel OOM reports in a burst of log records, each explained as `oomdoc explain` would and
//! keyed to the pod and container the kernel's cgroup paths name. Pure.

use oomdoc_evidence::kernel::OomKind;
use oomdoc_evidence::memcg_path::MemcgLevel;
use oomdoc_evidence::{KernelEvent, KernelOomIncident, KernelReader};
use oomdoc_explain::{Explanation, Facts, Verdict};

/// Which limit a kill enforced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The container's own memory limit.
    Container,
    /// The pod-level limit (the sum of its containers' limits, or `spec.resources`).
    Pod,
    /// `kubepods` (or a QoS parent): the node's allocatable memory.
    NodeAllocatable,
    /// The whole node: the global OOM killer.
    Node,
    /// A memory cgroup outside the kubelet's hierarchy (a system service).
    OtherCgroup,
}

impl Scope {
    /// The `scope` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Container => "container",
            Scope::Pod => "pod",
            Scope::NodeAllocatable => "node_allocatable",
            Scope::Node => "node",
            Scope::OtherCgroup => "other_cgroup",
        }
    }
}

/// One kill, as the agent counts and reports it.
#[derive(Clone, Debug)]
pub struct Kill {
    /// The victim's pod, from its cgroup path (`task_memcg`).
    pub pod_uid: Option<String>,
    /// The victim's container id, from its cgroup path.
    pub container_id: Option<String>,
    /// The pod's QoS class, from its cgroup path (the kubelet's `burstable`/`besteffort`
    /// parents; directly under `kubepods`: Guaranteed).
    pub qos: Option<oomdoc_model::qos::QosClass>,
    /// Which limit was hit.
    pub scope: Scope,
    /// The verdict.
    pub verdict: Verdict,
    /// The victim's command name (`comm`, at most 15 characters).
    pub process: String,
    /// The victim's anonymous, file and shmem memory at the kill, in bytes.
    pub victim: [(VictimKind, Option<u64>); 3],
    /// What `explain` says of it.
    pub explanation: Explanation,
    /// The report's lines as read, for the JSON line (`oomdoc explain` reads them back).
    pub report: Vec<String>,
    /// The kernel's timestamp of the report's first line, in microseconds since boot.
    pub monotonic_us: Option<u64>,
}

/// A kind of victim memory (`oomdoc_oom_kill_victim_bytes{kind}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VictimKind {
    /// `anon-rss`.
    Anon,
    /// `file-rss`.
    File,
    /// `shmem-rss`.
    Shmem,
}

impl VictimKind {
    /// The `kind` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            VictimKind::Anon => "anon",
            VictimKind::File => "file",
            VictimKind::Shmem => "shmem",
        }
    }
}

/// Where an incident's limit sits.
pub fn scope_of(incident: &KernelOomIncident) -> Scope {
    if incident.kind() == OomKind::Global {
        return Scope::Node;
    }
    match incident.oom_memcg().map(|p| p.level) {
        Some(MemcgLevel::Container) => Scope::Container,
        Some(MemcgLevel::Pod) => Scope::Pod,
        Some(MemcgLevel::Kubepods | MemcgLevel::QosParent) => Scope::NodeAllocatable,
        Some(MemcgLevel::Outside) => Scope::OtherCgroup,
        // A memcg kill whose limit's path was not printed: the victim's own cgroup is the best
        // guess, and it is a container's in a pod.
        None if incident.kind() == OomKind::Memcg => Scope::Container,
        None => Scope::Node,
    }
}

/// Explains one incident and keys it to its pod and container.
pub fn kill_of(source: &str, incident: KernelOomIncident) -> Kill {
    let monotonic_us = incident.start.monotonic_us;
    let task = incident.task_memcg();
    let scope = scope_of(&incident);
    let victim = incident.victim();
    let kb = |v: Option<u64>| v.map(|k| k.saturating_mul(1024));
    let process = victim.map(|v| v.comm.clone()).unwrap_or_default();
    let sizes = [
        (VictimKind::Anon, kb(victim.and_then(|v| v.anon_rss_kb))),
        (VictimKind::File, kb(victim.and_then(|v| v.file_rss_kb))),
        (VictimKind::Shmem, kb(victim.and_then(|v| v.shmem_rss_kb))),
    ];
    let mut facts = Facts::new();
    facts.add_kernel_incident(source, incident);
    let explanation = oomdoc_explain::explain(&facts);
    let verdict = explanation
        .incidents
        .first()
        .map_or(Verdict::Unknown, |i| i.verdict);
    Kill {
        pod_uid: task.as_ref().and_then(|t| t.pod_uid.clone()),
        qos: task.as_ref().and_then(|t| t.qos),
        container_id: task.and_then(|t| t.container_id),
        scope,
        verdict,
        process,
        victim: sizes,
        explanation,
        report: Vec::new(),
        monotonic_us,
    }
}

/// When a kill happened, in Unix seconds: the time it was read (`now`), unless the kernel's
/// stamp puts it well before the agent started (`start`) - a report from the ring buffer's
/// backlog (`--since-boot`), whose read time says nothing about it. `boot` is the wall-clock
/// time of the kernel's zero (`None` for a replayed file from another boot). For live kills the
/// read time is kept: the kernel's clock is not NTP-disciplined and drifts from the wall clock
/// over a long uptime, while a live report is read within the burst window (200 ms).
pub fn kill_time(monotonic_us: Option<u64>, now: f64, start: f64, boot: Option<f64>) -> f64 {
    match (monotonic_us, boot) {
        (Some(us), Some(boot)) => {
            let at = boot + us as f64 / 1e6;
            if at < start - 2.0 {
                at
            } else {
                now
            }
        }
        _ => now,
    }
}

/// Every OOM report in `burst` (text lines in `/dev/kmsg` format, or any kernel log format),
/// handed to `each` one at a time so that an OOM storm's burst never holds thousands of
/// explanations at once. Returns the reports that could not be read to the end.
pub fn each_kill(source: &str, burst: &[u8], each: &mut dyn FnMut(Kill)) -> u64 {
    let lines: Vec<&[u8]> = burst.split(|&b| b == b'\n').collect();
    let mut failures = 0;
    for ev in KernelReader::new(burst) {
        match ev {
            KernelEvent::Incident(i) => {
                let (first, last) = (i.first_line as usize, i.last_line as usize);
                let mut k = kill_of(source, *i);
                k.report = lines
                    .get(first.saturating_sub(1)..last.min(lines.len()))
                    .unwrap_or(&[])
                    .iter()
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .collect();
                each(k);
            }
            KernelEvent::ReadError(_) => failures += 1,
        }
    }
    failures
}

/// What a burst of records held.
#[derive(Debug, Default)]
pub struct BurstKills {
    /// The kills, in log order.
    pub kills: Vec<Kill>,
    /// Reports that could not be read to the end (a read error inside the burst).
    pub failures: u64,
}

/// [`each_kill`], collected.
pub fn kills_in(source: &str, burst: &[u8]) -> BurstKills {
    let mut out = BurstKills::default();
    out.failures = each_kill(source, burst, &mut |k| out.kills.push(k));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cgroup v1 memcg OOM as a 6.x kernel writes it to `/dev/kmsg` (recorded on this
    /// project's test machine; pod UID and container id shaped as the kubelet's).
    const REPORT: &str = "\
4,2001,91000000,-;python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
4,2002,91000010,-;CPU: 1 PID: 4242 Comm: python3 Not tainted 6.18.44 #1
6,2003,91000020,-;memory: usage 65536kB, limit 65536kB, failcnt 12
6,2004,91000030,-;Tasks state (memory values in pages):
6,2005,91000040,-;[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
6,2006,91000050,-;[   4242]     0  4242    20000    16000   180224        0             0 python3
6,2007,91000060,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods/burstable/pod2b1f0a43-9c59-4d0c-8f6e-0a1b2c3d4e5f/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,task_memcg=/kubepods/burstable/pod2b1f0a43-9c59-4d0c-8f6e-0a1b2c3d4e5f/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,task=python3,pid=4242,uid=0
3,2008,91000070,-;Memory cgroup out of memory: Killed process 4242 (python3) total-vm:80000kB, anon-rss:63000kB, file-rss:1000kB, shmem-rss:200kB, UID:0 pgtables:176kB oom_score_adj:0
";

    #[test]
    fn a_container_kill_is_keyed_and_explained() {
        let b = kills_in("/dev/kmsg", REPORT.as_bytes());
        assert_eq!(b.failures, 0);
        assert_eq!(b.kills.len(), 1);
        let k = &b.kills[0];
        assert_eq!(
            k.pod_uid.as_deref(),
            Some("2b1f0a43-9c59-4d0c-8f6e-0a1b2c3d4e5f")
        );
        assert_eq!(k.container_id.as_deref(), Some(&"a".repeat(64)[..]));
        assert_eq!(k.scope, Scope::Container);
        assert_eq!(k.qos, Some(oomdoc_model::qos::QosClass::Burstable));
        assert_eq!(k.verdict, Verdict::ContainerOomKill);
        assert_eq!(k.process, "python3");
        assert_eq!(k.victim[0], (VictimKind::Anon, Some(63_000 * 1024)));
        assert_eq!(k.victim[2], (VictimKind::Shmem, Some(200 * 1024)));
        assert_eq!(
            k.report.len(),
            8,
            "every line of the report: {:#?}",
            k.report
        );
        assert!(k.report[7].contains("Killed process 4242"));
    }

    #[test]
    fn pod_and_allocatable_limits_are_told_apart() {
        let pod = REPORT.replace(
            "oom_memcg=/kubepods/burstable/pod2b1f0a43-9c59-4d0c-8f6e-0a1b2c3d4e5f/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,",
            "oom_memcg=/kubepods/burstable/pod2b1f0a43-9c59-4d0c-8f6e-0a1b2c3d4e5f,",
        );
        assert_eq!(kills_in("k", pod.as_bytes()).kills[0].scope, Scope::Pod);
        let alloc = REPORT.replace(
            "oom_memcg=/kubepods/burstable/pod2b1f0a43-9c59-4d0c-8f6e-0a1b2c3d4e5f/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,",
            "oom_memcg=/kubepods,",
        );
        assert_eq!(
            kills_in("k", alloc.as_bytes()).kills[0].scope,
            Scope::NodeAllocatable
        );
        assert!(kills_in("k", b"6,1,1,-;eth0: link up\n").kills.is_empty());
    }

    #[test]
    fn a_report_keeps_the_kernels_stamp() {
        let kills = kills_in("/dev/kmsg", REPORT.as_bytes()).kills;
        assert_eq!(kills[0].monotonic_us, Some(91_000_000));
    }

    #[test]
    fn a_kill_from_the_backlog_gets_the_kernels_time_a_live_one_its_read_time() {
        // Booted at 1,000,000 (Unix seconds); the agent started at 1,090,000 and reads at now.
        let (boot, start, now) = (Some(1_000_000.0), 1_090_000.0, 1_090_500.0);
        // A report from 91 s after boot, read from the backlog: its own time.
        assert_eq!(kill_time(Some(91_000_000), now, start, boot), 1_000_091.0);
        // A live report (its stamp near now, whatever the drift): the read time.
        assert_eq!(kill_time(Some(90_499_000_000), now, start, boot), now);
        assert_eq!(kill_time(Some(90_510_000_000), now, start, boot), now);
        // A replayed file (no boot time) or a report without a stamp: the read time.
        assert_eq!(kill_time(Some(91_000_000), now, start, None), now);
        assert_eq!(kill_time(None, now, start, boot), now);
    }
}
