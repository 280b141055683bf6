//! One kernel OOM report as the reader groups it, and what can be derived from its lines alone.

use crate::kernel_facts::*;
use crate::kernel_line::KernelStamp;
use crate::memcg_path::{decode_memcg_path, MemcgPath};
use crate::Cited;

/// Task rows kept per report; further rows are counted in `tasks_dropped`.
pub const MAX_TASKS: usize = 16_384;

/// Whether the report was a memcg OOM or a machine-wide one, from all the lines seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OomKind {
    /// A memory cgroup hit its limit (`CONSTRAINT_MEMCG`, `Memory cgroup out of memory`, memcg frames).
    Memcg,
    /// The global OOM killer (`CONSTRAINT_NONE`, `global_oom`, `Out of memory:`, `Mem-Info:`).
    Global,
    /// Not visible in the lines shown.
    Unknown,
}

pub use oomdoc_model::cgroup::CgroupVersion;

/// One kernel OOM report.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The call trace went through the page allocator (`__alloc_pages_slowpath`): a global OOM.
    pub trace_global: bool,
    /// Old kernels' `<comm> cpuset=<name> mems_allowed=..` line: the task's cpuset cgroup (for
    /// docker, the container id).
    pub cpuset: Option<String>,
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
            trace_global: false,
            cpuset: None,
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
            // `oom_memcg=` is printed only for a memcg OOM (`global_oom` otherwise), whatever
            // the constraint says (some kernels printed CONSTRAINT_NONE for memcg OOMs).
            if s.oom_memcg.is_some() {
                return OomKind::Memcg;
            }
            if s.global_oom {
                return OomKind::Global;
            }
            match s.constraint {
                Constraint::Memcg => return OomKind::Memcg,
                Constraint::None | Constraint::Cpuset | Constraint::MemoryPolicy => {
                    return OomKind::Global
                }
                Constraint::Other(_) => {}
            }
        }
        let scopes = self.killed.iter().map(|k| k.scope);
        match scopes
            .chain(self.selected.as_ref().map(|s| s.scope))
            .find(|s| *s != KillScope::Unknown)
        {
            Some(KillScope::Memcg) => return OomKind::Memcg,
            Some(KillScope::Global) => return OomKind::Global,
            _ => {}
        }
        // The usage lines and the stats are printed only for a memcg OOM.
        if self.trace_memcg
            || self.task_in.is_some()
            || !self.counters.is_empty()
            || !self.stats.is_empty()
        {
            OomKind::Memcg
        } else if self.mem_info || self.trace_global {
            OomKind::Global
        } else {
            OomKind::Unknown
        }
    }

    /// The cgroup version the counters and stats show: v1 from `memory+swap:`/`kmem:` counters
    /// or single-line KB stats, v2 from a `swap:` counter, per-line byte stats or
    /// `memory.oom.group`; `None` when the lines shown do not say.
    pub fn cgroup_version(&self) -> Option<CgroupVersion> {
        let c = |k| self.counters.iter().any(|c| c.kind == k);
        if self.group_kill.is_some()
            || c(CounterKind::Swap)
            || self
                .stats
                .iter()
                .any(|s| s.unit == StatUnit::Bytes && !s.values.is_empty())
        {
            Some(CgroupVersion::V2)
        } else if c(CounterKind::MemorySwap)
            || c(CounterKind::Kmem)
            || self.stats.iter().any(|s| s.unit == StatUnit::Kb)
        {
            Some(CgroupVersion::V1)
        } else {
            None
        }
    }

    /// The victim (first `Killed process` line).
    pub fn victim(&self) -> Option<&KilledProcess> {
        self.killed.first()
    }

    /// The victim's pid: from the kill line, else the summary, else the old kernels' selection
    /// line (`Kill process N ... or sacrifice child`, when no `Killed process` line is shown).
    pub fn victim_pid(&self) -> Option<u32> {
        self.victim()
            .map(|k| k.pid)
            .or(self.summary.as_ref().and_then(|s| s.pid))
            .or(self.selected.as_ref().map(|s| s.pid))
    }

    /// The victim's name, by the same sources as [`Self::victim_pid`].
    pub fn victim_comm(&self) -> Option<&str> {
        if let Some(k) = self.victim() {
            if !k.comm.is_empty() {
                return Some(&k.comm);
            }
            // A kill line cut before the name: the task table's row for the pid.
            return self
                .tasks
                .iter()
                .find(|t| t.pid == k.pid)
                .map(|t| t.name.as_str())
                .or(self.summary.as_ref().and_then(|s| s.task.as_deref()));
        }
        self.summary
            .as_ref()
            .and_then(|s| s.task.as_deref())
            .or(self.selected.as_ref().map(|s| s.comm.as_str()))
    }

    /// The cgroup whose limit was hit: `oom_memcg=`, the old `limit of`, or else the cgroup of
    /// the first stats block (the kernel prints the stats of the memcg whose limit was hit).
    pub fn oom_memcg(&self) -> Option<MemcgPath> {
        let s = self.summary.as_ref().and_then(|s| s.oom_memcg.as_deref());
        s.or(self.task_in.as_ref().map(|t| t.1.as_str()))
            .or(self.stats.first().map(|s| s.path.as_str()))
            .map(decode_memcg_path)
    }

    /// Whether the path of the limit's cgroup is cut short in the lines shown (an `oom-kill:`
    /// line that ends inside `oom_memcg=`, a stats header without its `:`): its depth, and so
    /// which limit was hit, is then not known.
    pub fn oom_memcg_cut(&self) -> bool {
        match &self.summary {
            Some(s) if s.oom_memcg.is_some() => {
                s.task_memcg.is_none() && s.task.is_none() && s.pid.is_none()
            }
            _ if self.task_in.is_some() => false,
            _ => self.stats.first().is_some_and(|s| s.path_cut),
        }
    }

    /// The victim's cgroup: `task_memcg=`, the old `Task in`, the summary's `cpuset=` (a container
    /// scope with the systemd driver), or else the limit's cgroup (the victim is inside it).
    pub fn task_memcg(&self) -> Option<MemcgPath> {
        let s = self.summary.as_ref().and_then(|s| s.task_memcg.as_deref());
        let cpuset = self
            .summary
            .as_ref()
            .and_then(|s| s.cpuset.as_deref())
            .filter(|c| c.ends_with(".scope"))
            .or(self
                .cpuset
                .as_deref()
                .filter(|c| c.len() >= 12 && c.bytes().all(|b| b.is_ascii_hexdigit())));
        s.or(self.task_in.as_ref().map(|t| t.0.as_str()))
            .or(cpuset)
            // `Tasks in X are going to be killed due to memory.oom.group set` names it too.
            .or(self.group_kill.as_ref().map(|g| g.0.as_str()))
            .or(self.stats.first().map(|s| s.path.as_str()))
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
