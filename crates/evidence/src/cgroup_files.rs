//! cgroup memory files, v1 and v2.
//!
//! Accepted shapes:
//! - a whole `memory.stat`, `memory.events` (v2: `low high max oom oom_kill oom_group_kill`) or
//!   `memory.oom_control` (v1: `oom_kill_disable under_oom oom_kill`), recognised by their keys;
//! - several files as `grep . memory.*` prints them: `memory.limit_in_bytes:4294967296`,
//!   `memory.stat:anon 123` (a leading directory is dropped);
//! - several files as `head memory.*` prints them: a `==> memory.max <==` line, then the content.
//!
//! A file holding a single number (`memory.max`, `memory.limit_in_bytes`, `memory.current`, ...)
//! cannot be told apart by content, so it must come in one of the two header forms.

use crate::Cited;

/// A number or `max` (v2 "no limit").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgValue {
    /// A number (bytes for sizes, a count for events).
    N(u64),
    /// `max`.
    Max,
}

/// One value read from a cgroup file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgEntry {
    /// The file (`memory.stat`, `memory.max`, ...); for headerless input the file the keys imply.
    pub file: String,
    /// The key inside a keyed file (`anon`, `oom_kill`); `None` for single-value files.
    pub key: Option<String>,
    /// The value.
    pub value: CgValue,
    /// The line.
    pub cited: Cited,
}

/// cgroup version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CgVersion {
    /// cgroup v1 (`*_in_bytes`, `memory.oom_control`, `total_*` stat keys).
    V1,
    /// cgroup v2 (`memory.max`, `memory.current`, `memory.events`, `anon`/`file` stat keys).
    V2,
    /// Not known from the content.
    Unknown,
}

/// The values of a set of cgroup memory files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CgroupMemory {
    /// Every value read, in order.
    pub entries: Vec<CgEntry>,
}

const V1_FILES: [&str; 6] = [
    "memory.limit_in_bytes",
    "memory.usage_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.oom_control",
    "memory.kmem.usage_in_bytes",
    "memory.memsw.limit_in_bytes",
];
const V2_FILES: [&str; 6] = [
    "memory.max",
    "memory.current",
    "memory.peak",
    "memory.events",
    "memory.high",
    "memory.swap.max",
];

impl CgroupMemory {
    fn find(&self, file: &str, key: Option<&str>) -> Option<&CgEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.file == file && e.key.as_deref() == key)
    }

    /// A value by file and key.
    pub fn get(&self, file: &str, key: Option<&str>) -> Option<CgValue> {
        self.find(file, key).map(|e| e.value)
    }

    /// The version the file names and keys show.
    pub fn version(&self) -> CgVersion {
        let v1 = self.entries.iter().any(|e| {
            V1_FILES.contains(&e.file.as_str())
                || (e.file == "memory.stat"
                    && e.key.as_deref().is_some_and(|k| {
                        k.starts_with("total_")
                            || matches!(
                                k,
                                "hierarchical_memory_limit" | "cache" | "rss" | "mapped_file"
                            )
                    }))
        });
        let v2 = self.entries.iter().any(|e| {
            V2_FILES.contains(&e.file.as_str())
                || (e.file == "memory.stat"
                    && e.key
                        .as_deref()
                        .is_some_and(|k| k == "anon" || k == "kernel_stack" || k == "file"))
        });
        match (v1, v2) {
            (true, false) => CgVersion::V1,
            (false, true) => CgVersion::V2,
            _ => CgVersion::Unknown,
        }
    }

    /// The limit: v2 `memory.max`, v1 `memory.limit_in_bytes`, else v1 `hierarchical_memory_limit`.
    pub fn limit(&self) -> Option<&CgEntry> {
        self.find("memory.max", None)
            .or_else(|| self.find("memory.limit_in_bytes", None))
            .or_else(|| self.find("memory.stat", Some("hierarchical_memory_limit")))
    }

    /// Current usage: `memory.current` or `memory.usage_in_bytes`.
    pub fn usage(&self) -> Option<&CgEntry> {
        self.find("memory.current", None)
            .or_else(|| self.find("memory.usage_in_bytes", None))
    }

    /// Peak usage: `memory.peak` or `memory.max_usage_in_bytes`.
    pub fn peak(&self) -> Option<&CgEntry> {
        self.find("memory.peak", None)
            .or_else(|| self.find("memory.max_usage_in_bytes", None))
    }

    /// A `memory.stat` value.
    pub fn stat(&self, key: &str) -> Option<&CgEntry> {
        self.find("memory.stat", Some(key))
    }

    /// OOM kills counted by the kernel: v2 `memory.events oom_kill`, v1 `memory.oom_control oom_kill`.
    pub fn oom_kills(&self) -> Option<&CgEntry> {
        self.find("memory.events", Some("oom_kill"))
            .or_else(|| self.find("memory.oom_control", Some("oom_kill")))
    }
}

fn value(s: &str) -> Option<CgValue> {
    let s = s.trim();
    if s == "max" {
        return Some(CgValue::Max);
    }
    s.parse().ok().map(CgValue::N)
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path).trim()
}

/// The file a headerless keyed file is, from its keys.
fn guess_file(keys: &[&str]) -> &'static str {
    let has = |k: &str| keys.contains(&k);
    if has("oom_kill_disable") || has("under_oom") {
        "memory.oom_control"
    } else if has("oom_group_kill") || (has("low") && has("high") && has("oom")) {
        "memory.events"
    } else {
        "memory.stat"
    }
}

/// Reads cgroup memory files in any of the accepted shapes.
pub fn parse_cgroup_files(text: &str) -> CgroupMemory {
    let mut out = CgroupMemory::default();
    let mut current: Option<String> = None;
    let mut headerless: Vec<CgEntry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(name) = l.strip_prefix("==> ").and_then(|r| r.strip_suffix(" <==")) {
            current = Some(base_name(name).to_string());
            continue;
        }
        // `grep .` form: `path/memory.x:content`.
        if let Some((file, rest)) = l.split_once(':') {
            let f = base_name(file);
            if f.starts_with("memory.") && !f.contains(' ') {
                push(&mut out.entries, f, rest, n, raw);
                continue;
            }
        }
        match &current {
            Some(f) => {
                let f = f.clone();
                push(&mut out.entries, &f, l, n, raw);
            }
            None => {
                if let Some((k, v)) = l.split_once(' ') {
                    if let Some(v) = value(v) {
                        headerless.push(CgEntry {
                            file: String::new(),
                            key: Some(k.to_string()),
                            value: v,
                            cited: Cited::new(n, raw),
                        });
                    }
                }
            }
        }
    }
    if !headerless.is_empty() {
        let keys: Vec<&str> = headerless.iter().filter_map(|e| e.key.as_deref()).collect();
        let file = guess_file(&keys);
        for mut e in headerless {
            e.file = file.to_string();
            out.entries.push(e);
        }
    }
    out
}

fn push(entries: &mut Vec<CgEntry>, file: &str, content: &str, n: u32, raw: &str) {
    let content = content.trim();
    let (key, v) = match content.split_once(' ') {
        Some((k, v)) => (Some(k.to_string()), value(v)),
        None => (None, value(content)),
    };
    if let Some(value) = v {
        entries.push(CgEntry {
            file: file.to_string(),
            key,
            value,
            cited: Cited::new(n, raw),
        });
    }
}
