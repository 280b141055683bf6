//! Classifying an input by its content (never by its file name): pass the first kilobyte or so.

/// What an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A kernel log (`dmesg`, `dmesg -T`, `journalctl -k`, syslog, `/dev/kmsg`, bare kernel lines).
    KernelLog,
    /// Pod objects, JSON or YAML (read with [`crate::pod_status::parse_pods`]).
    PodObjects,
    /// Event objects, JSON or YAML (read with [`crate::events::parse_events`]).
    Events,
    /// `kubectl describe pod` text (read with [`crate::describe::parse_describe`]).
    DescribePod,
    /// A bare Events table (`Type Reason Age From Message`, read with [`crate::events::parse_events_table`]).
    EventsTable,
    /// A HotSpot fatal error file (read with [`crate::hs_err::parse_hs_err`]).
    HsErr,
    /// A Native Memory Tracking summary (read with [`crate::nmt::parse_nmt`]).
    NmtSummary,
    /// `-XX:+PrintFlagsFinal` output (read with [`crate::flags_final::parse_flags_final`]).
    FlagsFinal,
    /// cgroup v1 memory files (read with [`crate::cgroup_files::parse_cgroup_files`]).
    CgroupV1,
    /// cgroup v2 memory files (read with [`crate::cgroup_files::parse_cgroup_files`]).
    CgroupV2,
    /// A container log with JVM markers (read with [`crate::jvm_log::parse_jvm_log`]).
    JvmLog,
    /// Other non-empty text: a container log without JVM markers.
    ContainerLog,
    /// Empty or binary.
    Unknown,
}

fn first_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn is_kernel_prefixed(l: &str) -> bool {
    let (st, msg) = crate::kernel_line::split_prefix(l);
    !st.is_empty() && msg.len() < l.len()
}

fn cgroup_kind(head: &str) -> Option<Kind> {
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let keyed = |l: &&str| {
        let l = l.rsplit('/').next().unwrap_or(l);
        l.starts_with("==> ")
            || l.starts_with("memory.")
            || l == "max"
            || (head.contains("==> ") && l.parse::<u64>().is_ok())
            || l.split_once(' ').is_some_and(|(k, v)| {
                !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
                    && (v.trim().parse::<u64>().is_ok() || v.trim() == "max")
            })
    };
    // Allow a truncated last line.
    let all_keyed = lines.len() >= 2 && lines[..lines.len() - 1].iter().all(keyed);
    if !(all_keyed || lines.len() == 1 && lines[0].starts_with("memory.")) {
        return None;
    }
    match crate::cgroup_files::parse_cgroup_files(head).version() {
        crate::cgroup_files::CgVersion::V1 => Some(Kind::CgroupV1),
        crate::cgroup_files::CgVersion::V2 => Some(Kind::CgroupV2),
        crate::cgroup_files::CgVersion::Unknown => None,
    }
}

/// Classifies an input from its first kilobyte(s).
pub fn detect(first_kb: &str) -> Kind {
    let head = first_kb;
    let first = first_line(head);
    if first.is_empty() || head.contains('\0') {
        return Kind::Unknown;
    }
    if let Some(k) = hotspot_output(head, first).or_else(|| object_kind(head, first)) {
        return k;
    }
    if first.starts_with("Name:")
        && (head.contains("\nNamespace:") || head.contains("\nContainers:"))
    {
        return Kind::DescribePod;
    }
    let t = first.trim_start();
    if t.starts_with("Type") && t.contains("Reason") && t.contains("Message") {
        return Kind::EventsTable;
    }
    if let Some(k) = cgroup_kind(head) {
        return k;
    }
    log_kind(head)
}

/// The JVM's own outputs: an hs_err file, an NMT summary, PrintFlagsFinal.
fn hotspot_output(head: &str, first: &str) -> Option<Kind> {
    if first.starts_with('#')
        && (head.contains("A fatal error has been detected by the Java Runtime Environment")
            || head.contains("There is insufficient memory for the Java Runtime Environment"))
    {
        return Some(Kind::HsErr);
    }
    if head.contains("Native Memory Tracking:")
        || (head.contains("Total: reserved=") && head.contains("committed="))
    {
        return Some(Kind::NmtSummary);
    }
    if head.contains("[Global flags]")
        || head
            .lines()
            .filter(|l| l.contains("{product}") && l.contains(" = ") || l.contains(" := "))
            .count()
            >= 2
    {
        return Some(Kind::FlagsFinal);
    }
    None
}

/// A JSON or YAML object (not a kernel line in brackets): events, else pods.
fn object_kind(head: &str, first: &str) -> Option<Kind> {
    let object = first.starts_with('{')
        || first.starts_with('[') && !is_kernel_prefixed(first)
        || first.starts_with("apiVersion:")
        || first.starts_with("kind:")
        || first.starts_with("---")
        || first.starts_with("items:")
        || first.starts_with("metadata:");
    if !object {
        return None;
    }
    let ev = [
        "\"kind\": \"Event",
        "\"kind\":\"Event",
        "kind: Event",
        "involvedObject",
    ]
    .iter()
    .any(|k| head.contains(k));
    let pod = [
        "\"kind\": \"Pod",
        "\"kind\":\"Pod",
        "kind: Pod",
        "containerStatuses",
        "\"containers\"",
        "containers:",
    ]
    .iter()
    .any(|k| head.contains(k));
    if ev && !head.contains("containerStatuses") {
        return Some(Kind::Events);
    }
    if pod {
        return Some(Kind::PodObjects);
    }
    if ev {
        return Some(Kind::Events);
    }
    None
}

/// A log: the kernel's (by its report lines, or mostly prefixed lines), a JVM's, else a
/// container's.
fn log_kind(head: &str) -> Kind {
    let kernel_markers = [
        "invoked oom-killer",
        "Killed process",
        "oom-kill:constraint",
        "Out of memory:",
        "Memory cgroup out of memory",
        "oom_reaper:",
    ];
    if kernel_markers.iter().any(|m| head.contains(m)) {
        return Kind::KernelLog;
    }
    let lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let prefixed = lines.iter().filter(|l| is_kernel_prefixed(l)).count();
    let jvm_markers = [
        "java.lang.OutOfMemoryError",
        "os::commit_memory(",
        "insufficient memory for the Java Runtime",
        "Native memory allocation (",
        "OutOfDirectMemoryError",
        "Exception in thread \"",
        "\tat java.",
        "][gc",
        "Dumping heap to",
        "Terminating due to java",
        "Picked up JAVA_TOOL_OPTIONS",
    ];
    if jvm_markers.iter().any(|m| head.contains(m)) {
        return Kind::JvmLog;
    }
    let kernelish = lines
        .iter()
        .filter(|l| {
            l.contains(" kernel: ")
                || l.trim_start().starts_with('[')
                || l.as_bytes().first().is_some_and(u8::is_ascii_digit) && l.contains(";")
        })
        .count();
    if prefixed * 2 > lines.len() && kernelish * 2 > lines.len() {
        return Kind::KernelLog;
    }
    Kind::ContainerLog
}
