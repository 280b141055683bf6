//! Native Memory Tracking summaries (`jcmd PID VM.native_memory summary`, JDK 11, 17 and 21
//! layouts, any `scale=`): the total and each category's reserved and committed sizes.

use crate::{leading_u64, Cited};

/// One NMT line: `Total: reserved=..KB, committed=..KB` or `- Java Heap (reserved=..KB, committed=..KB)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NmtCategory {
    /// `Total`, `Java Heap`, `Class`, `Thread`, `Code`, `GC`, `Internal`, `Other`, `Arena Chunk`, ...
    pub name: String,
    /// Reserved bytes.
    pub reserved_bytes: u64,
    /// Committed bytes.
    pub committed_bytes: u64,
    /// The line.
    pub cited: Cited,
}

/// An NMT summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NmtSummary {
    /// The `Total:` line.
    pub total: Option<NmtCategory>,
    /// The categories in order.
    pub categories: Vec<NmtCategory>,
}

impl NmtSummary {
    /// A category by name (`Java Heap`, `Thread`, ...).
    pub fn category(&self, name: &str) -> Option<&NmtCategory> {
        self.categories.iter().find(|c| c.name == name)
    }
}

/// `1048576KB` → bytes.
fn sized(s: &str) -> Option<u64> {
    let n = leading_u64(s)?;
    let unit = s
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit());
    let m: u64 = if unit.starts_with("KB") {
        1 << 10
    } else if unit.starts_with("MB") {
        1 << 20
    } else if unit.starts_with("GB") {
        1 << 30
    } else {
        1
    };
    n.checked_mul(m)
}

fn rc(s: &str) -> Option<(u64, u64)> {
    let r = crate::after(s, "reserved=")?;
    let c = crate::after(s, "committed=")?;
    Some((sized(r)?, sized(c)?))
}

/// Reads an NMT summary.
pub fn parse_nmt(text: &str) -> NmtSummary {
    let mut out = NmtSummary::default();
    for (i, raw) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let l = raw.trim();
        if let Some(r) = l.strip_prefix("Total:") {
            if let Some((reserved_bytes, committed_bytes)) = rc(r) {
                out.total = Some(NmtCategory {
                    name: "Total".into(),
                    reserved_bytes,
                    committed_bytes,
                    cited: Cited::new(n, raw),
                });
            }
        } else if let Some(r) = l.strip_prefix('-') {
            let Some(open) = r.find("(reserved=") else {
                continue;
            };
            if let Some((reserved_bytes, committed_bytes)) = rc(&r[open..]) {
                out.categories.push(NmtCategory {
                    name: r[..open].trim().to_string(),
                    reserved_bytes,
                    committed_bytes,
                    cited: Cited::new(n, raw),
                });
            }
        }
    }
    out
}
