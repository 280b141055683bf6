//! One kernel OOM report as the reader groups it, and what can be derived from its lines alone.

use crate::kernel_facts::*;
use crate::kernel_line::KernelStamp;
use crate::memcg_path::{decode_memcg_path, MemcgPath};
use crate::Cited;

/// Task rows kept per report; further rows are counted in `tasks_dropped`.
pub const MAX_TASKS: usize = 16_384;

/// Whether the report was a memcg OOM or a machine-wide one, from all the lines seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum OomKind {
    /// A memory cgroup hit its limit (`CONSTRAINT_MEMCG`, `Memory cgroup out of memory`, memcg frames).
    Memcg,
    /// The global OOM killer (`CONSTRAINT_NONE`, `global_oom`, `Out of memory:`, `Mem-Info:`).
    Global,
    /// Not visible in the lines shown.
    Unknown,
}

/// cgroup version, as far as the report shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum CgroupVersion {
    /// `memory+swap:`/`kmem:` counters or single-line KB stats.
    V1,
    /// `swap:` counter, per-line byte stats or `memory.oom.group`.
    V2,
    /// Not visible.
    Unknown,
}

/// One kernel OOM report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KernelOomIncident {
    /// First line of the report.
    pub first_line: u32,
    /// Last line attributed to it.
    pub last_line: u32,
    /// Time of the first line.
    pub start: KernelStamp,
    /// `... invoked oom-killer: ...`.
    pub header: Option<OomHeader>,
    /// pid of the allocating task (`CPU: N PID: N Comm: ..`).
    pub invoker_pid: Option<u32>,
    /// Kernel release from the `CPU:` line.
    pub kernel_release: Option<String>,
    /// The call trace went through `mem_cgroup_out_of_memory` / `try_charge`.
    pub trace_memcg: bool,
    /// `Mem-Info:` was dumped (global OOMs only).
    pub mem_info: bool,
    /// Old v1 `Task in <task memcg> killed as a result of limit of <limit memcg>`: (task, limit).
    pub task_in: Option<(String, String, Cited)>,
    /// `memory:` / `swap:` / `memory+swap:` / `kmem:` counters.
    pub counters: Vec<MemcgCounter>,
    /// `Memory cgroup stats for ...` blocks.
    pub stats: Vec<MemcgStats>,
    /// Task table rows.
    pub tasks: Vec<TaskRow>,
    /// Rows beyond [`MAX_TASKS`].
    pub tasks_dropped: u64,
    /// The `oom-kill:` summary line (4.19+).
    pub summary: Option<OomSummary>,
    /// Old kernels' `Kill process N (x) score S or sacrifice child`.
    pub selected: Option<SelectedProcess>,
    /// `Killed process` lines (several with memory.oom.group).
    pub killed: Vec<KilledProcess>,
    /// `Tasks in <memcg> are going to be killed due to memory.oom.group set`.
    pub group_kill: Option<(String, Cited)>,
    /// `oom_reaper: reaped process ...`.
    pub reaped: Vec<Reaped>,
    /// `Out of memory and no killable processes...`: the OOM killer found nothing to kill.
    pub no_killable: Option<Cited>,
}

impl KernelOomIncident {
    pub(crate) fn new(line: u32, start: KernelStamp) -> Self {
        KernelOomIncident {
            first_line: line,
            last_line: line,
            start,
            header: None,
            invoker_pid: None,
            kernel_release: None,
            trace_memcg: false,
            mem_info: false,
            task_in: None,
            counters: Vec::new(),
            stats: Vec::new(),
            tasks: Vec::new(),
            tasks_dropped: 0,
            summary: None,
            selected: None,
            killed: Vec::new(),
            group_kill: None,
            reaped: Vec::new(),
            no_killable: None,
        }
    }

    /// Memcg or global, from the summary, the kill line, the trace and `Mem-Info:`.
    pub fn kind(&self) -> OomKind {
        if let Some(s) = &self.summary {
            match s.constraint {
                Constraint::Memcg => return OomKind::Memcg,
                Constraint::None | Constraint::Cpuset | Constraint::MemoryPolicy => {
                    return OomKind::Global
                }
                Constraint::Other(_) => {}
            }
        }
        match self
            .killed
            .first()
            .map(|k| k.scope)
            .or(self.selected.as_ref().map(|s| s.scope))
        {
            Some(KillScope::Memcg) => return OomKind::Memcg,
            Some(KillScope::Global) => return OomKind::Global,
            _ => {}
        }
        if self.trace_memcg || self.task_in.is_some() || !self.counters.is_empty() {
            OomKind::Memcg
        } else if self.mem_info {
            OomKind::Global
        } else {
            OomKind::Unknown
        }
    }

    /// The cgroup version the counters and stats show.
    pub fn cgroup_version(&self) -> CgroupVersion {
        let c = |k| self.counters.iter().any(|c| c.kind == k);
        if self.group_kill.is_some()
            || c(CounterKind::Swap)
            || self
                .stats
                .iter()
                .any(|s| s.unit == StatUnit::Bytes && !s.values.is_empty())
        {
            CgroupVersion::V2
        } else if c(CounterKind::MemorySwap)
            || c(CounterKind::Kmem)
            || self.stats.iter().any(|s| s.unit == StatUnit::Kb)
        {
            CgroupVersion::V1
        } else {
            CgroupVersion::Unknown
        }
    }

    /// The victim (first `Killed process` line).
    pub fn victim(&self) -> Option<&KilledProcess> {
        self.killed.first()
    }

    /// The victim's pid: from the kill line, else the summary.
    pub fn victim_pid(&self) -> Option<u32> {
        self.victim()
            .map(|k| k.pid)
            .or(self.summary.as_ref().and_then(|s| s.pid))
    }

    /// The cgroup whose limit was hit: `oom_memcg=` or the old `limit of`.
    pub fn oom_memcg(&self) -> Option<MemcgPath> {
        let s = self.summary.as_ref().and_then(|s| s.oom_memcg.as_deref());
        s.or(self.task_in.as_ref().map(|t| t.1.as_str()))
            .map(decode_memcg_path)
    }

    /// The victim's cgroup: `task_memcg=` or the old `Task in`.
    pub fn task_memcg(&self) -> Option<MemcgPath> {
        let s = self.summary.as_ref().and_then(|s| s.task_memcg.as_deref());
        s.or(self.task_in.as_ref().map(|t| t.0.as_str()))
            .map(decode_memcg_path)
    }

    /// The memory counter (`memory: usage .., limit ..`).
    pub fn memory_counter(&self) -> Option<&MemcgCounter> {
        self.counters.iter().find(|c| c.kind == CounterKind::Memory)
    }

    /// The victim's task table row.
    pub fn victim_row(&self) -> Option<&TaskRow> {
        let pid = self.victim_pid()?;
        self.tasks.iter().find(|t| t.pid == pid)
    }

    /// The lines a verdict would quote: header, Task in, counters, summary, select, kills, group kill.
    pub fn key_lines(&self) -> Vec<&Cited> {
        let mut v: Vec<&Cited> = Vec::new();
        v.extend(self.header.as_ref().map(|h| &h.cited));
        v.extend(self.task_in.as_ref().map(|t| &t.2));
        v.extend(self.counters.iter().map(|c| &c.cited));
        v.extend(self.summary.as_ref().map(|s| &s.cited));
        v.extend(self.selected.as_ref().map(|s| &s.cited));
        v.extend(self.group_kill.as_ref().map(|g| &g.1));
        v.extend(self.killed.iter().map(|k| &k.cited));
        v.extend(self.no_killable.as_ref());
        v.sort_by_key(|c| c.line);
        v
    }
}
