//! Container logs of a JVM: every `java.lang.OutOfMemoryError` kind, `-XX:+ExitOnOutOfMemoryError`
//! (`Terminating due to java.lang.OutOfMemoryError: ..`, exit code 3), `-XX:+CrashOnOutOfMemoryError`
//! (`Aborting due to ..`), `-XX:+HeapDumpOnOutOfMemoryError` (`Dumping heap to X ...`, `Heap dump file
//! created [N bytes in S secs]`), Netty's `OutOfDirectMemoryError`, thread start failures, native
//! allocation failures printed on stdout (the hs_err header lines) and unified GC log pause lines
//! (`-Xlog:gc`): `[12.345s][info][gc] GC(12) Pause Full (G1 Compaction Pause) 1020M->1019M(1024M) 123.456ms`.

use crate::hs_err::{parse_native_alloc, NativeAlloc};
use crate::{after, leading_u64, Cited};

/// The `OutOfMemoryError` detail messages HotSpot uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OomeKind {
    /// `Java heap space`.
    JavaHeapSpace,
    /// `GC overhead limit exceeded`.
    GcOverhead,
    /// `Metaspace`.
    Metaspace,
    /// `Compressed class space`.
    CompressedClassSpace,
    /// `Direct buffer memory` (JDK ≤ 11) or `Cannot reserve N bytes of direct buffer memory` (JDK 17+).
    DirectBuffer,
    /// `unable to create native thread` / `unable to create new native thread` (JDK 8).
    NativeThread,
    /// `Requested array size exceeds VM limit`.
    ArraySize,
    /// `PermGen space` (JDK 7 and older).
    PermGen,
    /// `Map failed` (`FileChannel.map`).
    MapFailed,
    /// `Out of swap space?` and other native exhaustion reported as an error.
    OutOfSwap,
    /// Anything else, as written.
    Other(String),
}

/// Classifies an OutOfMemoryError detail message.
pub fn oome_kind(detail: &str) -> OomeKind {
    let d = detail.trim();
    if d.starts_with("Java heap space") {
        OomeKind::JavaHeapSpace
    } else if d.starts_with("GC overhead limit exceeded") {
        OomeKind::GcOverhead
    } else if d.starts_with("Metaspace") {
        OomeKind::Metaspace
    } else if d.starts_with("Compressed class space") {
        OomeKind::CompressedClassSpace
    } else if d.starts_with("Direct buffer memory") || d.contains("bytes of direct buffer memory") {
        OomeKind::DirectBuffer
    } else if d.starts_with("unable to create native thread")
        || d.starts_with("unable to create new native thread")
    {
        OomeKind::NativeThread
    } else if d.starts_with("Requested array size exceeds VM limit") {
        OomeKind::ArraySize
    } else if d.starts_with("PermGen space") {
        OomeKind::PermGen
    } else if d.starts_with("Map failed") {
        OomeKind::MapFailed
    } else if d.starts_with("Out of swap space") {
        OomeKind::OutOfSwap
    } else {
        // A message cut by a wrap or a page (`Requested array`): the kind whose message it
        // begins, when only one begins so.
        const MESSAGES: [&str; 7] = [
            "Java heap space",
            "GC overhead limit exceeded",
            "Compressed class space",
            "Direct buffer memory",
            "unable to create new native thread",
            "Requested array size exceeds VM limit",
            "PermGen space",
        ];
        let begins: Vec<&str> = MESSAGES
            .iter()
            .copied()
            .filter(|m| d.len() >= 6 && m.starts_with(d))
            .collect();
        match begins[..] {
            [m] => oome_kind(m),
            _ => OomeKind::Other(d.to_string()),
        }
    }
}

/// A fact read from a container log.
#[derive(Clone, Debug, PartialEq)]
pub enum JvmLogFact {
    /// A `java.lang.OutOfMemoryError: detail` line (thrown, caught and logged, or a `Caused by:`).
    OutOfMemoryError {
        /// The kind.
        kind: OomeKind,
        /// The detail message.
        detail: String,
        /// `Exception in thread "name"`.
        thread: Option<String>,
        /// The line starts with `Caused by:`.
        caused_by: bool,
        /// The line.
        cited: Cited,
    },
    /// `Terminating due to java.lang.OutOfMemoryError: ..` (ExitOnOutOfMemoryError; exit code 3).
    Terminating {
        /// The kind.
        kind: OomeKind,
        /// The line.
        cited: Cited,
    },
    /// `Aborting due to java.lang.OutOfMemoryError: ..` (CrashOnOutOfMemoryError; hs_err follows).
    Aborting {
        /// The kind.
        kind: OomeKind,
        /// The line.
        cited: Cited,
    },
    /// `Dumping heap to PATH ...`.
    HeapDumpStarted {
        /// The dump path.
        path: String,
        /// The line.
        cited: Cited,
    },
    /// `Heap dump file created [N bytes in S secs]`.
    HeapDumpCreated {
        /// Size in bytes.
        bytes: Option<u64>,
        /// The line.
        cited: Cited,
    },
    /// Netty `OutOfDirectMemoryError: failed to allocate N byte(s) of direct memory (used: U, max: M)`.
    NettyDirectMemory {
        /// Requested bytes.
        requested: Option<u64>,
        /// `used`.
        used: Option<u64>,
        /// `max`.
        max: Option<u64>,
        /// The line.
        cited: Cited,
    },
    /// `pthread_create failed (EAGAIN)` / `Failed to start thread`.
    ThreadStartFailed {
        /// The line.
        cited: Cited,
    },
    /// Native allocation failure printed on stdout (`Native memory allocation (mmap) failed ...`,
    /// `os::commit_memory(...) failed; error='Cannot allocate memory'`,
    /// `There is insufficient memory for the Java Runtime Environment to continue.`).
    NativeAllocFailure {
        /// The allocation, when the line gives it.
        alloc: Option<NativeAlloc>,
        /// The line.
        cited: Cited,
    },
    /// `-XX:OnOutOfMemoryError` running its command: `#   Executing /bin/sh -c "kill -9 1234"...`.
    OnOomeCommand {
        /// The pid in a `kill` command (the JVM's own, from `%p`).
        pid: Option<u32>,
        /// The line.
        cited: Cited,
    },
    /// `An error report file with more information is saved as: PATH`.
    HsErrSaved {
        /// hs_err path.
        path: String,
        /// The JVM's pid, from the `hs_err_pid<N>.log` name.
        pid: Option<u32>,
        /// The line.
        cited: Cited,
    },
    /// A unified GC log pause: heap before/after/capacity in bytes.
    GcPause {
        /// JVM uptime in seconds (`[12.345s]`).
        uptime_s: Option<f64>,
        /// `GC(N)`.
        gc_id: Option<u64>,
        /// `Pause Full (G1 Compaction Pause)`, `Pause Young (Normal) (G1 Evacuation Pause)`, ...
        what: String,
        /// Heap before.
        before_bytes: u64,
        /// Heap after.
        after_bytes: u64,
        /// Heap capacity.
        capacity_bytes: u64,
        /// Pause duration.
        pause_ms: Option<f64>,
        /// The line.
        cited: Cited,
    },
}

/// `1020M` → bytes (unified logging uses B, K, M, G).
fn size(s: &str) -> Option<u64> {
    // The unit is the last character, which need not be ASCII in arbitrary input.
    let unit_at = s.char_indices().next_back()?.0;
    let (num, unit) = s.split_at(unit_at);
    let n: u64 = num.parse().ok()?;
    let m = match unit {
        "B" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(m)
}

fn gc_pause(line: &str, n: u32) -> Option<JvmLogFact> {
    let gc = line.find("GC(")?;
    let gc_id = leading_u64(&line[gc + 3..]);
    let after_id = &line[gc..];
    let desc_start = after_id.find(") ")? + 2;
    let desc = &after_id[desc_start..];
    // The last `A->B(C)` token.
    let tok_start = desc.rfind("->")?;
    let tok_begin = desc[..tok_start].rfind(' ').map_or(0, |i| i + 1);
    let tok_end = desc[tok_start..].find(')').map(|i| tok_start + i)?;
    let tok = &desc[tok_begin..tok_end];
    let (before, rest) = tok.split_once("->")?;
    let (after_s, cap) = rest.split_once('(')?;
    let pause_ms = desc[tok_end + 1..]
        .trim()
        .strip_suffix("ms")
        .and_then(|m| m.trim().parse().ok());
    let uptime_s = line.split('[').find_map(|p| {
        p.strip_suffix("s]")
            .or_else(|| p.split(']').next().and_then(|q| q.strip_suffix('s')))
            .and_then(|v| v.parse().ok())
    });
    Some(JvmLogFact::GcPause {
        uptime_s,
        gc_id,
        what: desc[..tok_begin].trim().to_string(),
        before_bytes: size(before)?,
        after_bytes: size(after_s)?,
        capacity_bytes: size(cap)?,
        pause_ms,
        cited: Cited::new(n, line),
    })
}

/// Reads one line; `None` when it holds nothing of interest.
pub fn parse_jvm_line(line: &str, n: u32) -> Option<JvmLogFact> {
    terminating(line, n)
        .or_else(|| out_of_memory_error(line, n))
        .or_else(|| heap_dump_or_direct_memory(line, n))
        .or_else(|| native_failure_or_hs_err(line, n))
        .or_else(|| {
            (line.contains("GC(") && line.contains("->") && line.contains("Pause"))
                .then(|| gc_pause(line, n))
                .flatten()
        })
}

/// The JVM ending itself on an OutOfMemoryError (ExitOnOutOfMemoryError, jvmkill,
/// CrashOnOutOfMemoryError).
fn terminating(line: &str, n: u32) -> Option<JvmLogFact> {
    let cited = || Cited::new(n, line);
    if let Some(d) = after(line, "Terminating due to java.lang.OutOfMemoryError: ") {
        return Some(JvmLogFact::Terminating {
            kind: oome_kind(d),
            cited: cited(),
        });
    }
    // Cloud Foundry's jvmkill agent kills the JVM on a resource exhaustion event.
    if let Some(d) = after(line, "Resource exhaustion event: ") {
        let kind = if d.contains("allocate memory from the heap") {
            OomeKind::JavaHeapSpace
        } else if d.contains("create a thread") {
            OomeKind::NativeThread
        } else {
            OomeKind::Other(d.trim().to_string())
        };
        return Some(JvmLogFact::Terminating {
            kind,
            cited: cited(),
        });
    }
    if let Some(d) = after(line, "Aborting due to java.lang.OutOfMemoryError: ") {
        return Some(JvmLogFact::Aborting {
            kind: oome_kind(d),
            cited: cited(),
        });
    }
    None
}

/// A `java.lang.OutOfMemoryError` line, with its kind, detail and thread.
fn out_of_memory_error(line: &str, n: u32) -> Option<JvmLogFact> {
    let cited = || Cited::new(n, line);
    let oome = after(line, "java.lang.OutOfMemoryError: ").or_else(|| {
        // Without a detail message (`Exception in thread "main" java.lang.OutOfMemoryError`),
        // OpenJ9's `java/lang/OutOfMemoryError`, or a bare `OutOfMemoryError: Java heap space`.
        after(line, "java.lang.OutOfMemoryError")
            .or_else(|| after(line, "java/lang/OutOfMemoryError"))
            .filter(|r| {
                r.is_empty()
                    || r.starts_with(['"', ' ', ',', ')', '\'', ']'])
                    || r.starts_with(": ")
            })
            .map(|r| r.strip_prefix(": ").unwrap_or(""))
            .or_else(|| after(line, "OutOfMemoryError: "))
    });
    // ECS writes its runtime's OOM kill as `OutOfMemoryError: Container killed due to memory
    // usage`: not the JVM's error (read as a container termination instead).
    let oome = oome.filter(|d| !d.starts_with("Container killed due to memory usage"));
    if let Some(d) = oome {
        let thread = after(line, "Exception in thread \"")
            .and_then(|t| t.rfind("\" java.lang.").map(|e| t[..e].to_string()));
        return Some(JvmLogFact::OutOfMemoryError {
            kind: oome_kind(d),
            detail: d.trim().to_string(),
            thread,
            caused_by: line.trim_start().starts_with("Caused by:"),
            cited: cited(),
        });
    }
    None
}

/// A heap dump written, or Netty's direct memory exhausted.
fn heap_dump_or_direct_memory(line: &str, n: u32) -> Option<JvmLogFact> {
    let cited = || Cited::new(n, line);
    if let Some(p) = after(line, "Dumping heap to ") {
        return Some(JvmLogFact::HeapDumpStarted {
            path: p.trim().trim_end_matches(" ...").to_string(),
            cited: cited(),
        });
    }
    if let Some(p) = after(line, "Heap dump file created [") {
        return Some(JvmLogFact::HeapDumpCreated {
            bytes: leading_u64(p),
            cited: cited(),
        });
    }
    if let Some(p) = after(line, "OutOfDirectMemoryError:") {
        let p = p.trim_start();
        let p = p
            .strip_prefix("failed to allocated ")
            .or_else(|| p.strip_prefix("failed to allocate "))
            .unwrap_or(p);
        return Some(JvmLogFact::NettyDirectMemory {
            requested: leading_u64(p),
            used: after(p, "used: ").and_then(leading_u64),
            max: after(p, "max: ").and_then(leading_u64),
            cited: cited(),
        });
    }
    None
}

/// Native memory the JVM could not get (a thread, an allocation), the hs_err file it wrote,
/// the OnOutOfMemoryError command it ran.
fn native_failure_or_hs_err(line: &str, n: u32) -> Option<JvmLogFact> {
    let cited = || Cited::new(n, line);
    if line.contains("pthread_create failed") || line.contains("Failed to start thread") {
        return Some(JvmLogFact::ThreadStartFailed { cited: cited() });
    }
    if line.contains("There is insufficient memory for the Java Runtime Environment to continue")
        || line.contains("Native memory allocation (")
        || (line.contains("os::commit_memory(") && line.contains("failed"))
    {
        return Some(JvmLogFact::NativeAllocFailure {
            alloc: parse_native_alloc(line),
            cited: cited(),
        });
    }
    if let Some(p) = after(
        line,
        "An error report file with more information is saved as:",
    ) {
        return Some(JvmLogFact::HsErrSaved {
            path: p.trim().trim_start_matches("# ").to_string(),
            pid: hs_err_pid(p),
            cited: cited(),
        });
    }
    if let Some(pid) = hs_err_pid(line) {
        // The path on the line after "saved as:", or a file listing.
        let tok = line
            .split_whitespace()
            .find(|t| t.contains("hs_err_pid"))
            .unwrap_or("");
        return Some(JvmLogFact::HsErrSaved {
            path: tok.to_string(),
            pid: Some(pid),
            cited: cited(),
        });
    }
    if let Some(c) = after(line, "Executing ").filter(|_| line.trim_start().starts_with('#')) {
        return Some(JvmLogFact::OnOomeCommand {
            pid: after(c, "kill -9 ")
                .or_else(|| after(c, "kill "))
                .and_then(leading_u64)
                .map(|p| p as u32),
            cited: cited(),
        });
    }
    None
}

/// The pid in an `hs_err_pid<N>.log` name.
pub fn hs_err_pid(s: &str) -> Option<u32> {
    after(s, "hs_err_pid")
        .and_then(leading_u64)
        .map(|p| p as u32)
}

/// Every fact in a container log.
pub fn parse_jvm_log(text: &str) -> Vec<JvmLogFact> {
    let hot = crate::triggers::lines_with(text, TRIGGERS);
    text.lines()
        .enumerate()
        .filter(|(i, _)| hot.as_ref().is_none_or(|h| h.has(*i as u32 + 1)))
        .filter_map(|(i, l)| parse_jvm_line(l, i as u32 + 1))
        .collect()
}

/// Words without which [`parse_jvm_line`] finds nothing on a line.
const TRIGGERS: &[&str] = &[
    "OutOfMemory",
    "java/lang/OutOfMemoryError",
    "Resource exhaustion event",
    "Dumping heap to",
    "Heap dump file created",
    "pthread_create failed",
    "Failed to start thread",
    "insufficient memory for the Java",
    "Native memory allocation (",
    "os::commit_memory(",
    "error report file",
    "hs_err_pid",
    "Executing ",
    "GC(",
];

#[cfg(test)]
mod tests {
    // Found by the `evidence` fuzz target: a GC-line size ending in a multi-byte character.
    #[test]
    fn a_size_ending_in_a_multibyte_character_is_not_a_size() {
        assert_eq!(super::size("512\u{fffd}"), None);
        assert_eq!(super::size("1020M"), Some(1020 << 20));
    }
}
