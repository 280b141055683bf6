//! HotSpot fatal error files (`hs_err_pid<N>.log`): whether the JVM died for lack of native memory
//! (`There is insufficient memory for the Java Runtime Environment to continue.`, `Native memory
//! allocation (mmap|malloc) failed to map|allocate N bytes ...`, `Out of Memory Error (os_linux.cpp:N)`),
//! the signal of other crashes, the JRE version, the JVM arguments and the container limit it saw.

use crate::{after, leading_u64, Cited};

/// How a native allocation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeAlloc {
    /// `mmap`, `malloc`, or `commit_memory` (the `os::commit_memory(...) failed` warning).
    pub how: String,
    /// Bytes requested.
    pub bytes: Option<u64>,
    /// What for (`committing reserved memory`, `AllocateHeap`, `G1 virtual space`...).
    pub purpose: Option<String>,
    /// `errno=N` from `os::commit_memory` warnings.
    pub errno: Option<u64>,
}

/// Parses `Native memory allocation (mmap) failed to map N bytes for PURPOSE.` or
/// `os::commit_memory(0x.., N, 0) failed; error='...' (errno=12)`.
pub fn parse_native_alloc(line: &str) -> Option<NativeAlloc> {
    if let Some(r) = after(line, "Native memory allocation (") {
        let close = r.find(')')?;
        let rest = &r[close..];
        let bytes = after(rest, "failed to map ")
            .or_else(|| after(rest, "failed to allocate "))
            .and_then(leading_u64);
        let purpose = after(rest, " bytes for ")
            .or_else(|| after(rest, " bytes. "))
            .map(|p| p.trim().trim_end_matches('.').to_string());
        return Some(NativeAlloc {
            how: r[..close].to_string(),
            bytes,
            purpose,
            errno: None,
        });
    }
    let r = after(line, "os::commit_memory(")?;
    let bytes = r.split(',').nth(1).and_then(leading_u64);
    Some(NativeAlloc {
        how: "commit_memory".into(),
        bytes,
        purpose: None,
        errno: after(r, "errno=").and_then(leading_u64),
    })
}

/// What an hs_err file says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HsErr {
    /// `There is insufficient memory for the Java Runtime Environment to continue.`
    pub insufficient_memory: Option<Cited>,
    /// The native allocation that failed.
    pub native_alloc: Option<(NativeAlloc, Cited)>,
    /// `Out of Memory Error (os_linux.cpp:2749)`: the location.
    pub oom_error_at: Option<(String, Cited)>,
    /// `pid=N` from the error line.
    pub pid: Option<u32>,
    /// `SIGSEGV (0xb)` and the like, for crashes that are not OOMs.
    pub signal: Option<(String, Cited)>,
    /// `# JRE version: ...`.
    pub jre_version: Option<String>,
    /// The Java feature version parsed from the JRE version (8, 11, 17, 21, ...).
    pub java_feature: Option<u32>,
    /// `# Java VM: ...`.
    pub java_vm: Option<String>,
    /// `jvm_args: ...`.
    pub jvm_args: Option<String>,
    /// `memory_limit_in_bytes: ...` from the container (cgroup) section, as written.
    pub container_memory_limit: Option<String>,
}

/// The first parenthesised version, `(17.0.9+9)` / `(8.0_392-b08)`, else `build 1.8.0_292` → feature version.
fn feature(v: &str) -> Option<u32> {
    let inner = v
        .split('(')
        .skip(1)
        .find(|p| p.starts_with(|c: char| c.is_ascii_digit()))
        .or_else(|| after(v, "build "))?;
    let n = leading_u64(inner)? as u32;
    if n == 1 {
        return after(inner, "1.").and_then(leading_u64).map(|m| m as u32);
    }
    Some(n)
}

/// Reads an hs_err file.
pub fn parse_hs_err(text: &str) -> HsErr {
    let mut h = HsErr::default();
    for (i, raw) in text.lines().enumerate() {
        let n = i as u32 + 1;
        // hs_err lines inside a container log keep the log's prefix (a timestamp): the report
        // line starts at its `#`.
        let t = raw.trim_start();
        let t = if t.starts_with('#') {
            t
        } else {
            t.find(" #").map_or(t, |i| &t[i + 1..])
        };
        let l = t.trim_start_matches('#').trim();
        if l.starts_with("There is insufficient memory for the Java Runtime Environment") {
            h.insufficient_memory = Some(Cited::new(n, raw));
        } else if l.starts_with("Native memory allocation (") && h.native_alloc.is_none() {
            h.native_alloc = parse_native_alloc(l).map(|a| (a, Cited::new(n, raw)));
        } else if let Some(r) = l.strip_prefix("Out of Memory Error (") {
            h.oom_error_at = r
                .find(')')
                .map(|c| (r[..c].to_string(), Cited::new(n, raw)));
            h.pid = after(r, "pid=").and_then(leading_u64).map(|p| p as u32);
        } else if l.starts_with("SIG") && l.contains(" at pc=") && h.signal.is_none() {
            h.signal = Some((
                l[..l.find(" at pc=").unwrap_or(l.len())].to_string(),
                Cited::new(n, raw),
            ));
            h.pid = after(l, "pid=").and_then(leading_u64).map(|p| p as u32);
        } else if let Some(v) = l.strip_prefix("JRE version:") {
            h.jre_version = Some(v.trim().to_string());
            h.java_feature = feature(v);
        } else if let Some(v) = l.strip_prefix("Java VM:") {
            h.java_vm = Some(v.trim().to_string());
        } else if let Some(v) = l.strip_prefix("jvm_args:") {
            h.jvm_args = Some(v.trim().to_string());
        } else if let Some(v) = l.strip_prefix("memory_limit_in_bytes:") {
            h.container_memory_limit = Some(v.trim().to_string());
        } else if h.pid.is_none() {
            h.pid = crate::jvm_log::hs_err_pid(l);
        }
    }
    h
}
