//! The facts of one kernel OOM report and the parsers for its single lines (messages with the log
//! prefix already removed, see [`crate::kernel_line`]). The strings come from `mm/oom_kill.c` and
//! `mm/memcontrol.c` (`dump_header`, `dump_task`, `dump_oom_victim`, `__oom_kill_process`,
//! `mem_cgroup_print_oom_meminfo`, `oom_reap_task_mm`), old and new.

use crate::kernel_line::KernelStamp;
use crate::{after, leading_i64, leading_u64, Cited};

/// `<comm> invoked oom-killer: gfp_mask=0x..(FLAGS), [nodemask=..,] order=N, oom_score_adj=N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OomHeader {
    /// The allocating task (often not the victim).
    pub comm: String,
    /// `gfp_mask`, e.g. `0xcc0`.
    pub gfp_mask: Option<String>,
    /// The decoded flags in parentheses, e.g. `GFP_KERNEL`.
    pub gfp_flags: Option<String>,
    /// Allocation order.
    pub order: Option<i64>,
    /// The allocating task's oom_score_adj.
    pub oom_score_adj: Option<i64>,
    /// The line.
    pub cited: Cited,
}

/// Which OOM killer acted, from the kill line's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KillScope {
    /// `Memory cgroup out of memory`: a memcg limit was hit.
    Memcg,
    /// `Out of memory`: the global (or cpuset / mempolicy) OOM killer.
    Global,
    /// No message before `Killed process` (old second line, or a bare line).
    Unknown,
}

fn scope_of(prefix: &str) -> KillScope {
    if prefix.contains("Memory cgroup out of memory") {
        KillScope::Memcg
    } else if prefix.contains("Out of memory") {
        KillScope::Global
    } else {
        KillScope::Unknown
    }
}

/// `Killed process N (comm) total-vm:..kB, anon-rss:..kB, file-rss:..kB, shmem-rss:..kB[, UID:N pgtables:NkB oom_score_adj:N]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KilledProcess {
    /// Memcg or global, from the message before `Killed process`.
    pub scope: KillScope,
    /// Victim pid.
    pub pid: u32,
    /// Victim comm (at most 15 characters, may contain spaces and parentheses).
    pub comm: String,
    /// `total-vm` in kB.
    pub total_vm_kb: Option<u64>,
    /// `anon-rss` in kB.
    pub anon_rss_kb: Option<u64>,
    /// `file-rss` in kB.
    pub file_rss_kb: Option<u64>,
    /// `shmem-rss` in kB (absent on old kernels).
    pub shmem_rss_kb: Option<u64>,
    /// `UID:N` (or RHEL 7's `, UID N,`).
    pub uid: Option<u32>,
    /// `pgtables` in kB.
    pub pgtables_kb: Option<u64>,
    /// `oom_score_adj`.
    pub oom_score_adj: Option<i64>,
    /// When it was logged.
    pub stamp: KernelStamp,
    /// The line.
    pub cited: Cited,
}

impl KilledProcess {
    /// A kill another component reports in its own words (a kubelet or cloud event): the
    /// victim and what the report gives, none of the kernel line's figures.
    pub fn reported(
        scope: KillScope,
        pid: u32,
        comm: String,
        oom_score_adj: Option<i64>,
        cited: Cited,
    ) -> Self {
        KilledProcess {
            scope,
            pid,
            comm,
            total_vm_kb: None,
            anon_rss_kb: None,
            file_rss_kb: None,
            shmem_rss_kb: None,
            uid: None,
            pgtables_kb: None,
            oom_score_adj,
            stamp: KernelStamp::default(),
            cited,
        }
    }
}

/// Old kernels' choice line: `<msg>: Kill process N (comm) score S or sacrifice child`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectedProcess {
    /// Memcg or global.
    pub scope: KillScope,
    /// The selected pid (a child may be killed instead).
    pub pid: u32,
    /// Its comm.
    pub comm: String,
    /// The badness score (can exceed 1000).
    pub score: Option<u64>,
    /// The line.
    pub cited: Cited,
}

/// The constraint in the `oom-kill:` summary line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// `CONSTRAINT_NONE`: the whole machine.
    None,
    /// `CONSTRAINT_CPUSET`.
    Cpuset,
    /// `CONSTRAINT_MEMORY_POLICY`.
    MemoryPolicy,
    /// `CONSTRAINT_MEMCG`: a memory cgroup limit.
    Memcg,
    /// Anything else, as written.
    Other(String),
}

/// `oom-kill:constraint=..,nodemask=..,cpuset=..,mems_allowed=..,oom_memcg=..|global_oom,task_memcg=..,task=..,pid=..,uid=..` (4.19+).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OomSummary {
    /// The constraint.
    pub constraint: Constraint,
    /// `nodemask=`.
    pub nodemask: Option<String>,
    /// `cpuset=` (the task's cpuset cgroup; often only the container scope).
    pub cpuset: Option<String>,
    /// `mems_allowed=`.
    pub mems_allowed: Option<String>,
    /// `oom_memcg=`: the cgroup whose limit was hit.
    pub oom_memcg: Option<String>,
    /// `global_oom` was printed instead of `oom_memcg`.
    pub global_oom: bool,
    /// `task_memcg=`: the victim's cgroup.
    pub task_memcg: Option<String>,
    /// `task=`: victim comm.
    pub task: Option<String>,
    /// `pid=`: victim pid.
    pub pid: Option<u32>,
    /// `uid=`.
    pub uid: Option<u32>,
    /// The line.
    pub cited: Cited,
}

/// Which page counter a `memory:` / `swap:` / `memory+swap:` / `kmem:` line reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CounterKind {
    /// `memory:`.
    Memory,
    /// `swap:` (cgroup v2).
    Swap,
    /// `memory+swap:` (cgroup v1).
    MemorySwap,
    /// `kmem:` (cgroup v1).
    Kmem,
}

/// `memory: usage NkB, limit NkB, failcnt N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemcgCounter {
    /// Which counter.
    pub kind: CounterKind,
    /// Usage in kB.
    pub usage_kb: u64,
    /// Limit in kB (`9007199254740988kB` and similar huge values mean unlimited).
    pub limit_kb: u64,
    /// failcnt (v1; 0 on v2).
    pub failcnt: Option<u64>,
    /// The line.
    pub cited: Cited,
}

/// Unit of a memcg stats block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatUnit {
    /// cgroup v1: one line, `key:NKB`.
    Kb,
    /// cgroup v2: one `key N` line each, in bytes.
    Bytes,
}

/// `Memory cgroup stats for <path>:` and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemcgStats {
    /// The cgroup.
    pub path: String,
    /// The line ends inside the path (cut by a pager or a page): the path is a prefix of the
    /// real one.
    pub path_cut: bool,
    /// Unit of `values`.
    pub unit: StatUnit,
    /// The values in order, as (key, number in `unit`).
    pub values: Vec<(String, u64)>,
    /// The header line.
    pub cited: Cited,
}

impl MemcgStats {
    /// A value in bytes, by key (v1 `KB` values are multiplied by 1024).
    pub fn bytes(&self, key: &str) -> Option<u64> {
        let v = self.values.iter().find(|(k, _)| k == key)?.1;
        Some(match self.unit {
            StatUnit::Kb => v * 1024,
            StatUnit::Bytes => v,
        })
    }
}

/// One task table row; memory values in pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskRow {
    /// pid.
    pub pid: u32,
    /// uid.
    pub uid: Option<u32>,
    /// tgid.
    pub tgid: Option<u32>,
    /// total_vm (pages).
    pub total_vm_pages: Option<u64>,
    /// rss (pages).
    pub rss_pages: Option<u64>,
    /// rss_anon (pages, 6.x kernels).
    pub rss_anon_pages: Option<u64>,
    /// rss_file (pages, 6.x kernels).
    pub rss_file_pages: Option<u64>,
    /// rss_shmem (pages, 6.x kernels).
    pub rss_shmem_pages: Option<u64>,
    /// pgtables_bytes (4.15+).
    pub pgtables_bytes: Option<u64>,
    /// nr_ptes (before 4.15).
    pub nr_ptes: Option<u64>,
    /// swapents (pages).
    pub swapents: Option<u64>,
    /// oom_score_adj.
    pub oom_score_adj: Option<i64>,
    /// Task name.
    pub name: String,
    /// 1-based line number.
    pub line: u32,
}

/// `oom_reaper: reaped process N (comm), now anon-rss:..kB, file-rss:..kB, shmem-rss:..kB`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reaped {
    /// pid.
    pub pid: u32,
    /// comm.
    pub comm: String,
    /// The line.
    pub cited: Cited,
}

/// `(pid) (comm)` after `key`: `Killed process 1234 (java) total-vm...`.
fn pid_comm<'a>(msg: &'a str, key: &str, end_markers: &[&str]) -> Option<(u32, String, &'a str)> {
    let rest = after(msg, key)?;
    let pid = leading_u64(rest)? as u32;
    let open = memchr::memchr(b'(', rest.as_bytes())?;
    let body = &rest[open + 1..];
    let limit = end_markers
        .iter()
        .filter_map(|m| memchr::memmem::find(body.as_bytes(), m.as_bytes()))
        .min()
        .unwrap_or(body.len());
    let Some(close) = memchr::memrchr(b')', &body.as_bytes()[..limit]) else {
        // The line was cut inside the name (a pager, a page's width): the pid still counts;
        // the name is read from the task table when it lists the pid.
        return (limit == body.len()).then(|| (pid, String::new(), ""));
    };
    Some((pid, body[..close].to_string(), &body[close + 1..]))
}

pub(crate) fn parse_killed(
    msg: &str,
    line: u32,
    raw: &str,
    stamp: &KernelStamp,
) -> Option<KilledProcess> {
    let i = msg.find("Killed process ")?;
    let (pid, comm, rest) = pid_comm(msg, "Killed process ", &[" total-vm", ", UID"])?;
    // The figures are filled from the line's tokens below.
    let mut k =
        KilledProcess::reported(scope_of(&msg[..i]), pid, comm, None, Cited::new(line, raw));
    k.stamp = stamp.clone();
    // `key:NkB` tokens separated by ", " or " "; RHEL 7 writes `UID N,`.
    let mut prev_uid = false;
    for tok in rest.split([',', ' ']).filter(|t| !t.is_empty()) {
        if prev_uid {
            k.uid = leading_u64(tok).map(|u| u as u32);
            prev_uid = false;
            continue;
        }
        let Some((key, v)) = tok.split_once(':') else {
            prev_uid = tok == "UID";
            continue;
        };
        match key {
            "total-vm" => k.total_vm_kb = leading_u64(v),
            "anon-rss" => k.anon_rss_kb = leading_u64(v),
            "file-rss" => k.file_rss_kb = leading_u64(v),
            "shmem-rss" => k.shmem_rss_kb = leading_u64(v),
            "UID" => k.uid = leading_u64(v).map(|u| u as u32),
            "pgtables" => k.pgtables_kb = leading_u64(v),
            "oom_score_adj" => k.oom_score_adj = leading_i64(v),
            _ => {}
        }
    }
    Some(k)
}

pub(crate) fn parse_selected(msg: &str, line: u32, raw: &str) -> Option<SelectedProcess> {
    let i = msg.find("Kill process ")?;
    let (pid, comm, rest) = pid_comm(msg, "Kill process ", &[" score "])?;
    Some(SelectedProcess {
        scope: scope_of(&msg[..i]),
        pid,
        comm,
        score: after(rest, "score ").and_then(leading_u64),
        cited: Cited::new(line, raw),
    })
}

pub(crate) fn parse_reaped(msg: &str, line: u32, raw: &str) -> Option<Reaped> {
    let (pid, comm, _) = pid_comm(msg, "reaped process ", &[", now"])?;
    Some(Reaped {
        pid,
        comm,
        cited: Cited::new(line, raw),
    })
}

pub(crate) fn parse_header(msg: &str, line: u32, raw: &str) -> Option<OomHeader> {
    let i = msg.find(" invoked oom-killer:")?;
    let rest = &msg[i..];
    let (gfp_mask, gfp_flags) = match after(rest, "gfp_mask=") {
        Some(g) => {
            let end = g.find(['(', ',', ' ']).unwrap_or(g.len());
            let flags = g[end..]
                .strip_prefix('(')
                .and_then(|f| f.find(')').map(|c| f[..c].to_string()));
            (Some(g[..end].to_string()), flags)
        }
        None => (None, None),
    };
    Some(OomHeader {
        comm: msg[..i].trim_start().to_string(),
        gfp_mask,
        gfp_flags,
        order: after(rest, "order=").and_then(leading_i64),
        oom_score_adj: after(rest, "oom_score_adj=").and_then(leading_i64),
        cited: Cited::new(line, raw),
    })
}

pub(crate) fn parse_summary(msg: &str, line: u32, raw: &str) -> Option<OomSummary> {
    let body = after(msg, "oom-kill:")?;
    let mut s = OomSummary {
        constraint: Constraint::Other(String::new()),
        nodemask: None,
        cpuset: None,
        mems_allowed: None,
        oom_memcg: None,
        global_oom: false,
        task_memcg: None,
        task: None,
        pid: None,
        uid: None,
        cited: Cited::new(line, raw),
    };
    // Split on commas; a piece that does not start with a known key continues the previous value
    // (`mems_allowed=0-1,3`, nodemask lists, paths with commas).
    let mut fields: Vec<(&str, usize, usize)> = Vec::with_capacity(10);
    let mut off = 0;
    for piece in body.split(',') {
        let key = match piece.split_once('=') {
            Some((k, _))
                if matches!(
                    k,
                    "constraint"
                        | "nodemask"
                        | "cpuset"
                        | "mems_allowed"
                        | "oom_memcg"
                        | "task_memcg"
                        | "task"
                        | "pid"
                        | "uid"
                ) =>
            {
                Some(k)
            }
            _ if piece == "global_oom" => Some("global_oom"),
            _ => None,
        };
        match (key, fields.last_mut()) {
            (Some(k), _) => {
                fields.push((k, off + (k.len() + 1).min(piece.len()), off + piece.len()))
            }
            (None, Some(last)) => last.2 = off + piece.len(),
            (None, None) => {}
        }
        off += piece.len() + 1;
    }
    for (k, vs, ve) in fields {
        let v = body[vs..ve].trim();
        match k {
            "constraint" => {
                s.constraint = match v {
                    "CONSTRAINT_NONE" => Constraint::None,
                    "CONSTRAINT_CPUSET" => Constraint::Cpuset,
                    "CONSTRAINT_MEMORY_POLICY" => Constraint::MemoryPolicy,
                    "CONSTRAINT_MEMCG" => Constraint::Memcg,
                    _ => Constraint::Other(v.to_string()),
                }
            }
            "nodemask" => s.nodemask = Some(v.to_string()),
            "cpuset" => s.cpuset = Some(v.to_string()),
            "mems_allowed" => s.mems_allowed = Some(v.to_string()),
            "oom_memcg" => s.oom_memcg = Some(v.to_string()),
            "global_oom" => s.global_oom = true,
            "task_memcg" => s.task_memcg = Some(v.to_string()),
            "task" => s.task = Some(v.to_string()),
            "pid" => s.pid = leading_u64(v).map(|p| p as u32),
            _ => s.uid = leading_u64(v).map(|p| p as u32),
        }
    }
    Some(s)
}

pub(crate) fn parse_counter(msg: &str, line: u32, raw: &str) -> Option<MemcgCounter> {
    let (kind, rest) = if let Some(r) = msg.strip_prefix("memory: usage ") {
        (CounterKind::Memory, r)
    } else if let Some(r) = msg.strip_prefix("memory+swap: usage ") {
        (CounterKind::MemorySwap, r)
    } else if let Some(r) = msg.strip_prefix("swap: usage ") {
        (CounterKind::Swap, r)
    } else if let Some(r) = msg.strip_prefix("kmem: usage ") {
        (CounterKind::Kmem, r)
    } else {
        return None;
    };
    Some(MemcgCounter {
        kind,
        usage_kb: leading_u64(rest)?,
        limit_kb: after(rest, "limit ").and_then(leading_u64)?,
        failcnt: after(rest, "failcnt ").and_then(leading_u64),
        cited: Cited::new(line, raw),
    })
}

/// `Memory cgroup stats for <path>:[ v1 inline values]`.
pub(crate) fn parse_stats_header(msg: &str, line: u32, raw: &str) -> Option<MemcgStats> {
    let rest = msg.strip_prefix("Memory cgroup stats for ")?;
    // The path ends at the first ':' followed by end of line or a space.
    let end = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(|r| r.len()));
    let path_cut = end.is_none();
    let end = end.unwrap_or(rest.len());
    let path = rest[..end].to_string();
    let tail = rest.get(end + 1..).unwrap_or("").trim();
    let mut values = Vec::new();
    for tok in tail.split_ascii_whitespace() {
        if let Some((k, v)) = tok.split_once(':') {
            if let Some(n) = v.strip_suffix("KB").and_then(|n| n.parse().ok()) {
                values.push((k.to_string(), n));
            }
        }
    }
    let unit = if values.is_empty() {
        StatUnit::Bytes
    } else {
        StatUnit::Kb
    };
    Some(MemcgStats {
        path,
        path_cut,
        unit,
        values,
        cited: Cited::new(line, raw),
    })
}

/// A v2 per-line stat: `anon 123456`.
pub(crate) fn parse_stat_kv(msg: &str) -> Option<(String, u64)> {
    let (k, v) = msg.trim().split_once(' ')?;
    if k.is_empty()
        || !k
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    Some((k.to_string(), v.trim().parse().ok()?))
}

/// Column names from a task table header `[  pid  ]   uid  tgid total_vm ... name`.
pub(crate) fn parse_task_header(msg: &str) -> Option<Vec<String>> {
    let t = msg.trim_start();
    let rest = t.strip_prefix('[')?;
    let close = rest.find(']')?;
    if rest[..close].trim() != "pid" {
        return None;
    }
    Some(
        rest[close + 1..]
            .split_ascii_whitespace()
            .map(str::to_string)
            .collect(),
    )
}

/// A task row by the header's columns (the last column, `name`, takes the rest of the line).
pub(crate) fn parse_task_row(msg: &str, cols: &[String], line: u32) -> Option<TaskRow> {
    let t = msg.trim_start();
    let rest = t.strip_prefix('[')?;
    let close = rest.find(']')?;
    let pid = rest[..close].trim().parse().ok()?;
    let mut row = TaskRow {
        pid,
        line,
        ..TaskRow::default()
    };
    let mut s = &rest[close + 1..];
    let n = cols.len().saturating_sub(1);
    for col in &cols[..n] {
        s = s.trim_start_matches(' ');
        let end = memchr::memchr(b' ', s.as_bytes()).unwrap_or(s.len());
        let tok = &s[..end];
        s = &s[end..];
        let u = tok.parse::<u64>().ok();
        match col.as_str() {
            "uid" => row.uid = u.map(|v| v as u32),
            "tgid" => row.tgid = u.map(|v| v as u32),
            "total_vm" => row.total_vm_pages = u,
            "rss" => row.rss_pages = u,
            "rss_anon" => row.rss_anon_pages = u,
            "rss_file" => row.rss_file_pages = u,
            "rss_shmem" => row.rss_shmem_pages = u,
            "pgtables_bytes" => row.pgtables_bytes = u,
            "nr_ptes" => row.nr_ptes = u,
            "swapents" => row.swapents = u,
            "oom_score_adj" => row.oom_score_adj = tok.parse().ok(),
            _ => {}
        }
    }
    row.name = s.trim().to_string();
    Some(row)
}
