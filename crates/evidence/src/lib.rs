//! Pure readers for the evidence of an OOM kill: kernel logs, pod objects, events, JVM container
//! logs, hs_err files, cgroup memory files, NMT summaries and `-XX:+PrintFlagsFinal` output.
//!
//! Every reader takes text (or a `BufRead` for the kernel log, which is streamed) and returns typed
//! facts. Each fact carries the 1-based line it was read from and the quoted line ([`Cited`]), so a
//! verdict engine can cite it. Facts carry the keys to join them across files: pod UID, container
//! id, pid and time. Readers never decide; they report what is written.
//!
//! **Architecture invariant:** no I/O beyond the `BufRead` a caller hands in, no threads, no clock.

#![warn(missing_docs)]

pub mod agent_lines;
pub mod blocks;
pub mod cgroup_files;
pub mod clean;
pub mod describe;
pub mod detect;
pub mod event_lines;
pub mod events;
pub mod flags_final;
pub mod hs_err;
pub mod jvm_log;
pub mod kernel;
pub mod kernel_blocks;
pub mod kernel_facts;
pub mod kernel_incident;
pub mod kernel_line;
pub mod memcg_path;
pub mod nmt;
pub mod pod_names;
pub mod pod_status;
pub mod scan;
pub mod status_lines;
pub mod tree;
pub mod triggers;

pub use detect::{detect, Kind};
pub use kernel::{KernelEvent, KernelOomIncident, KernelReader};
pub use memcg_path::{decode_memcg_path, MemcgPath, Runtime};

/// A quoted input line: the evidence a fact was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cited {
    /// 1-based line number in the input.
    pub line: u32,
    /// The line as written (without the trailing newline).
    pub text: String,
}

/// The longest quote kept of a cited line: a one-line JSON file is one line of megabytes, and
/// every fact read from it would quote it whole (400 pods made 270 MB of output).
pub const MAX_QUOTE: usize = 1024;

impl Cited {
    /// A citation of `text` at 1-based `line`, quoted up to [`MAX_QUOTE`] bytes.
    pub fn new(line: u32, text: &str) -> Self {
        Cited {
            line,
            text: quote(text.trim_end_matches(['\r', '\n'])),
        }
    }
}

/// `text`, cut to [`MAX_QUOTE`] bytes (at a character boundary) with how much was left out.
pub fn quote(text: &str) -> String {
    if text.len() <= MAX_QUOTE {
        return text.to_string();
    }
    let mut end = MAX_QUOTE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} [... {} more bytes]", &text[..end], text.len() - end)
}

/// Parses a decimal `u64` from the start of `s`, ignoring leading spaces; `None` without digits.
pub(crate) fn leading_u64(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

/// Parses a decimal `i64` (optional `-`) from the start of `s`, ignoring leading spaces.
pub(crate) fn leading_i64(s: &str) -> Option<i64> {
    let s = s.trim_start();
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let v = leading_u64(rest)? as i64;
    Some(if neg { -v } else { v })
}

/// The text after the first occurrence of `key` in `s`.
pub(crate) fn after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    // memchr's searcher: `str::find` builds a two-way searcher per call, which dominated the
    // kernel-log reader's profile on OOM-dense logs.
    memchr::memmem::find(s.as_bytes(), key.as_bytes()).map(|i| &s[i + key.len()..])
}
