//! The answer: one [`Incident`] per death, with its verdict, victim, figures and cited evidence.

/// Why the container (or process) died.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// A memory cgroup limit (the container's or the pod's) was hit and the kernel killed a task.
    ContainerOomKill,
    /// The global OOM killer (the node ran out of memory, or the `/kubepods` allocatable limit).
    NodeOomKill,
    /// The kubelet evicted the pod under node memory pressure.
    Evicted,
    /// The JVM threw `java.lang.OutOfMemoryError` (no kernel kill).
    JvmOome,
    /// The JVM could not get native memory from the OS (hs_err "insufficient memory").
    NativeAllocFailure,
    /// Exit 137 (SIGKILL) with no OOM evidence: probe failure, grace period, manual kill.
    SigkillNotOom,
    /// Killed with its siblings because the cgroup has `memory.oom.group` set.
    GroupOomKill,
    /// Nothing conclusive.
    Unknown,
}

impl Verdict {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::ContainerOomKill => "container_oom_kill",
            Verdict::NodeOomKill => "node_oom_kill",
            Verdict::Evicted => "evicted",
            Verdict::JvmOome => "jvm_oome",
            Verdict::NativeAllocFailure => "native_alloc_failure",
            Verdict::SigkillNotOom => "sigkill_not_oom",
            Verdict::GroupOomKill => "group_oom_kill",
            Verdict::Unknown => "unknown",
        }
    }

    /// One line for people.
    pub fn headline(self) -> &'static str {
        match self {
            Verdict::ContainerOomKill => "OOM-killed by the kernel at its memory cgroup limit",
            Verdict::NodeOomKill => "OOM-killed by the kernel because the node ran out of memory",
            Verdict::Evicted => "evicted by the kubelet (node pressure, or a storage limit)",
            Verdict::JvmOome => "the JVM threw java.lang.OutOfMemoryError",
            Verdict::NativeAllocFailure => "the JVM could not allocate native memory",
            Verdict::SigkillNotOom => "killed with SIGKILL, but not for memory",
            Verdict::GroupOomKill => "OOM-killed with its cgroup (memory.oom.group)",
            Verdict::Unknown => "no conclusive evidence",
        }
    }
}

/// Where the memory that filled the limit went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attribution {
    /// The Java heap.
    Heap,
    /// Anonymous memory outside a Java heap: native allocations, direct buffers, metaspace,
    /// thread stacks (or any non-JVM process's own memory).
    OffHeapNative,
    /// Page cache (file-backed memory).
    PageCache,
    /// shmem / tmpfs (including `emptyDir: {medium: Memory}`).
    ShmemTmpfs,
    /// Kernel memory charged to the cgroup (slab, sockets, stacks, page tables).
    Kernel,
    /// Another process in the same cgroup, not the victim.
    OtherProcess,
}

impl Attribution {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::Heap => "heap",
            Attribution::OffHeapNative => "off_heap_native",
            Attribution::PageCache => "page_cache",
            Attribution::ShmemTmpfs => "shmem_tmpfs",
            Attribution::Kernel => "kernel",
            Attribution::OtherProcess => "other_process",
        }
    }
}

/// How sure the verdict is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// The deciding fact was seen (a kernel kill line, an hs_err, a thrown error).
    High,
    /// A second-hand fact (the kubelet's reason, an event).
    Medium,
    /// Inferred from counters or the absence of evidence.
    Low,
}

impl Level {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
}

/// The confidence and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confidence {
    /// The level.
    pub level: Level,
    /// Why.
    pub why: String,
}

/// The killed (or failing) process and where it ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Victim {
    /// pid (in the node's pid namespace for kernel kills).
    pub pid: Option<u32>,
    /// Process name (`comm`).
    pub process: Option<String>,
    /// Container name.
    pub container: Option<String>,
    /// Pod UID.
    pub pod_uid: Option<String>,
    /// Container id (hex, no runtime prefix).
    pub container_id: Option<String>,
    /// `namespace/name` of the pod, when a pod object was joined (text output only).
    pub pod: Option<String>,
}

/// Resident memory of the victim at the kill, in kB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RssKb {
    /// `anon-rss`.
    pub anon: Option<u64>,
    /// `file-rss`.
    pub file: Option<u64>,
    /// `shmem-rss`.
    pub shmem: Option<u64>,
}

/// One quoted fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceItem {
    /// The input it came from (`-` for stdin).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// The line as written.
    pub text: String,
    /// What the line shows (text output only).
    pub note: String,
}

/// One explained death.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// The verdict.
    pub verdict: Verdict,
    /// The `OutOfMemoryError` kind (`java_heap_space`, ...) when the JVM threw one.
    pub oome_kind: Option<String>,
    /// The victim.
    pub victim: Victim,
    /// `memcg` or `global` (or the kernel's `CONSTRAINT_*` name in lower case).
    pub constraint: Option<String>,
    /// The memory cgroup whose limit was hit.
    pub memcg: Option<String>,
    /// Which limit was hit: `container`, `pod`, `node_allocatable` (`/kubepods`) or `node`.
    pub scope: Option<String>,
    /// The limit in bytes.
    pub limit_bytes: Option<u64>,
    /// The cgroup's usage in bytes at the kill (or when the files were read).
    pub usage_bytes: Option<u64>,
    /// The victim's resident memory.
    pub rss_kb: RssKb,
    /// The victim's oom_score_adj.
    pub oom_score_adj: Option<i64>,
    /// Where the memory went.
    pub attribution: Option<Attribution>,
    /// Why that attribution, in one or two sentences (text output only).
    pub attribution_why: Option<String>,
    /// The facts, in order of the chain of reasoning.
    pub evidence: Vec<EvidenceItem>,
    /// How sure.
    pub confidence: Confidence,
    /// What to run next.
    pub next_steps: Vec<String>,
}

/// Everything `explain` found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    /// The incidents, in input order.
    pub incidents: Vec<Incident>,
    /// Inputs that could not be read (`file:line: message`).
    pub errors: Vec<String>,
    /// What was read but left out, and why.
    pub notes: Vec<String>,
    /// What was found in each input.
    pub inputs: Vec<crate::collect::InputRead>,
}

impl Explanation {
    /// True when at least one incident has a verdict other than `unknown`.
    pub fn explained(&self) -> bool {
        self.incidents.iter().any(|i| i.verdict != Verdict::Unknown)
    }
}
