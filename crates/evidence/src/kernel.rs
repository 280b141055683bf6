//! The streaming kernel log reader: groups the lines of each OOM report (header ... `Killed
//! process`, plus `oom_reaper` and `memory.oom.group` follow-ups) into one [`KernelOomIncident`].
//!
//! Memory stays bounded by one report (task tables are capped at [`MAX_TASKS`] rows); lines outside
//! a report are skipped after a byte search for `oom` / `Kill`, so throughput is close to `grep`'s.

use std::io::BufRead;

use memchr::memmem::Finder;

use crate::kernel_facts::*;
use crate::kernel_line::{split_prefix_ref, KernelStamp, StampRef};
use crate::Cited;

pub use crate::kernel_incident::{CgroupVersion, KernelOomIncident, OomKind, MAX_TASKS};
/// Unrelated lines after a kill line before the report is closed.
const FOLLOW_UP_WINDOW: u32 = 64;
/// Lines longer than this are cut before parsing.
const MAX_LINE: usize = 64 * 1024;

/// What the reader yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelEvent {
    /// A whole (or partly shown) OOM report.
    Incident(Box<KernelOomIncident>),
    /// The input could not be read further.
    ReadError(String),
}

/// A streaming reader over a kernel log. See the module documentation.
pub struct KernelReader<R> {
    input: R,
    /// A line that spans two buffer fills.
    carry: Vec<u8>,
    eof: bool,
    parser: Parser,
}

/// The grouping state machine, fed one line at a time.
struct Parser {
    line: u32,
    cur: Option<Box<KernelOomIncident>>,
    /// The current report has its kill line; count of unrelated lines since.
    done_since: Option<u32>,
    task_cols: Option<Vec<String>>,
    in_v2_stats: bool,
    /// Read every line, and start a report at any line of one (a pasted fragment may hold only
    /// the usage lines or the stats); see [`KernelReader::fragments`].
    fragments: bool,
    f_oom: Finder<'static>,
    f_kill: Finder<'static>,
    f_invoked: Finder<'static>,
    f_memcg_frame: Finder<'static>,
    f_charge_frame: Finder<'static>,
}

impl<R: BufRead> KernelReader<R> {
    /// A reader over `input`.
    pub fn new(input: R) -> Self {
        KernelReader {
            input,
            carry: Vec::new(),
            eof: false,
            parser: Parser::new(),
        }
    }

    /// A reader for pasted fragments: every line is looked at (no skipping by byte search), and a
    /// report may start at its usage lines, its `Task in` line, its stats or its
    /// `no killable processes` line, not only at its header or kill line. For texts held in
    /// memory; whole logs use [`KernelReader::new`], which is as fast as `grep`.
    pub fn fragments(input: R) -> Self {
        let mut r = KernelReader::new(input);
        r.parser.fragments = true;
        r
    }

    /// A reader over `input` whose first line is line `first_line` (1-based) of a larger log:
    /// for a block cut at [`crate::kernel_blocks::safe_cut`].
    pub fn starting_at_line(input: R, first_line: u32) -> Self {
        let mut r = KernelReader::new(input);
        r.parser.line = first_line.saturating_sub(1);
        r
    }
}

impl Parser {
    fn new() -> Self {
        Parser {
            line: 0,
            cur: None,
            done_since: None,
            task_cols: None,
            in_v2_stats: false,
            fragments: false,
            f_oom: Finder::new(b"oom"),
            f_kill: Finder::new(b"Kill"),
            f_invoked: Finder::new(b" invoked oom-killer:"),
            f_memcg_frame: Finder::new(b"mem_cgroup_o"),
            f_charge_frame: Finder::new(b"try_charge"),
        }
    }

    fn take(&mut self) -> Option<KernelEvent> {
        self.done_since = None;
        self.task_cols = None;
        self.in_v2_stats = false;
        self.cur.take().map(KernelEvent::Incident)
    }

    fn start(&mut self, stamp: &KernelStamp) -> Option<KernelEvent> {
        let out = self.take();
        self.cur = Some(Box::new(KernelOomIncident::new(self.line, stamp.clone())));
        out
    }

    /// Handles one line; returns an incident closed by it.
    fn feed(&mut self, raw: &str) -> Option<KernelEvent> {
        let raw = if raw.len() > MAX_LINE {
            &raw[..raw.floor_char_boundary_compat(MAX_LINE)]
        } else {
            raw
        };
        let (stamp_ref, msg) = split_prefix_ref(raw);
        let line = self.line;
        let mut out = None;
        // Lines inside a report that cannot be a header, summary or kill line: skip the searches.
        if self.cur.is_some() && self.done_since.is_none() && self.is_body_line(msg) {
            return self.feed_body(raw, msg);
        }
        let has_oom = self.f_oom.find(msg.as_bytes()).is_some();
        let kill_at = self.f_kill.find(msg.as_bytes());
        let stamp = || stamp_ref.to_stamp();
        if has_oom && self.f_invoked.find(msg.as_bytes()).is_some() {
            out = self.start(&stamp());
            let c = self.cur.as_mut()?;
            c.header = parse_header(msg, line, raw);
            return out;
        }
        if has_oom && msg.starts_with("oom-kill:") {
            if self.cur.is_none()
                || self.done_since.is_some()
                || self.cur.as_ref().is_some_and(|c| c.summary.is_some())
            {
                out = self.start(&stamp());
            }
            let c = self.cur.as_mut()?;
            c.summary = parse_summary(msg, line, raw);
            c.last_line = line;
            return out;
        }
        let kill_word = kill_line(msg, kill_at);
        if kill_word.starts_with("Kill process ") && msg.contains("sacrifice child") {
            if self.cur.is_none()
                || self.done_since.is_some()
                || self.cur.as_ref().is_some_and(|c| c.selected.is_some())
            {
                out = self.start(&stamp());
            }
            let c = self.cur.as_mut()?;
            c.selected = parse_selected(msg, line, raw);
            c.last_line = line;
            return out;
        }
        if kill_word.starts_with("Killed process ") {
            return self.feed_killed(raw, msg, &stamp_ref);
        }
        if (self.cur.is_none() || self.done_since.is_some())
            && self.fragments
            && starts_fragment(msg)
        {
            out = self.start(&stamp());
            self.feed_body(raw, msg);
            return out;
        }
        self.feed_follow_up(raw, msg, has_oom)
    }

    /// Whether `msg`, inside an open report, is a body line for certain: indented, a task table
    /// row, or a cgroup v2 memory.stat line.
    fn is_body_line(&self, msg: &str) -> bool {
        let first = msg.as_bytes().first().copied().unwrap_or(b' ');
        first == b' '
            || (first == b'[' && self.task_cols.is_some())
            || (self.in_v2_stats
                && first.is_ascii_lowercase()
                && self.f_invoked.find(msg.as_bytes()).is_none())
    }

    /// A `Killed process` line: the kill of the open report (memory.oom.group: further kill
    /// lines of the same burst belong to it), else of a new one.
    fn feed_killed(
        &mut self,
        raw: &str,
        msg: &str,
        stamp_ref: &StampRef<'_>,
    ) -> Option<KernelEvent> {
        let line = self.line;
        let stamp = || stamp_ref.to_stamp();
        let mut out = None;
        // memory.oom.group: further kill lines of the same burst belong to this report.
        let group = self.cur.as_ref().is_some_and(|c| {
            c.group_kill.is_some()
                && c.killed
                    .last()
                    .is_some_and(|k| same_burst(&k.stamp, &stamp_ref.to_stamp()))
        });
        if self.cur.is_none() || (self.done_since.is_some() && !group) {
            out = self.start(&stamp());
        }
        let c = self.cur.as_mut()?;
        if let Some(k) = parse_killed(msg, line, raw, &stamp()) {
            if c.killed.len() < MAX_TASKS {
                c.killed.push(k);
            }
        }
        c.last_line = line;
        self.done_since = Some(0);
        out
    }

    /// A line after the kill: the OOM reaper's, a memory.oom.group note, or one more line of
    /// the window in which they may come.
    fn feed_follow_up(&mut self, raw: &str, msg: &str, has_oom: bool) -> Option<KernelEvent> {
        let line = self.line;
        let c = self.cur.as_mut()?;
        if has_oom && msg.starts_with("oom_reaper: reaped process") {
            if let Some(r) = parse_reaped(msg, line, raw) {
                c.reaped.push(r);
                c.last_line = line;
            }
            return None;
        }
        if let Some(rest) = msg.strip_prefix("Tasks in ").filter(|_| has_oom) {
            if let Some(p) = rest.find(" are going to be killed due to memory.oom.group set") {
                c.group_kill = Some((rest[..p].to_string(), Cited::new(line, raw)));
                c.last_line = line;
                return None;
            }
        }
        if let Some(n) = self.done_since.as_mut() {
            *n += 1;
            if *n > FOLLOW_UP_WINDOW {
                return self.take();
            }
            return None;
        }
        self.feed_body(raw, msg)
    }

    /// A line inside a report that is not a header, summary or kill line.
    fn feed_body(&mut self, raw: &str, msg: &str) -> Option<KernelEvent> {
        let line = self.line;
        let c = self.cur.as_mut()?;
        c.last_line = line;
        if self.in_v2_stats {
            if let Some(kv) = parse_stat_kv(msg) {
                if let Some(s) = c.stats.last_mut() {
                    s.values.push(kv);
                }
                return None;
            }
            self.in_v2_stats = false;
        }
        if let Some(cols) = &self.task_cols {
            if let Some(row) = parse_task_row(msg, cols, line) {
                if c.tasks.len() < MAX_TASKS {
                    c.tasks.push(row);
                } else {
                    c.tasks_dropped += 1;
                }
                return None;
            }
        }
        // Call trace frames: ` frame+0x..` (4.x+) or `[<ffffffff...>] frame+0x..` (3.x).
        if msg.starts_with(' ') || msg.starts_with("[<") || is_frame(msg) {
            let b = msg.as_bytes();
            if !c.trace_memcg
                && (self.f_memcg_frame.find(b).is_some() || self.f_charge_frame.find(b).is_some())
            {
                c.trace_memcg = true;
            }
            // The page allocator ran out (`__alloc_pages_slowpath` -> `out_of_memory`): a
            // global (or cpuset/mempolicy) OOM; a memcg OOM comes from the charge path instead.
            if !c.trace_global && memchr::memmem::find(b, b"__alloc_pages").is_some() {
                c.trace_global = true;
            }
            return None;
        }
        let m = msg;
        if m.starts_with("CPU: ") {
            c.invoker_pid = crate::after(m, "PID: ")
                .and_then(crate::leading_u64)
                .map(|p| p as u32);
            let t = crate::after(m, "ainted").unwrap_or("");
            c.kernel_release = t
                .split_ascii_whitespace()
                .find(|w| w.as_bytes()[0].is_ascii_digit() && w.contains('.'))
                .map(str::to_string);
        } else if let (Some(cs), true) = (crate::after(m, " cpuset="), m.contains(" mems_allowed="))
        {
            // 3.x-4.x: `<comm> cpuset=<the task's cpuset cgroup> mems_allowed=..`.
            c.cpuset = cs.split_whitespace().next().map(str::to_string);
        } else if m.starts_with("Mem-Info:") {
            c.mem_info = true;
        } else if m.contains("Out of memory and no killable processes") {
            c.no_killable = Some(Cited::new(line, raw));
        } else if let Some(rest) = m.strip_prefix("Task in ") {
            if let Some((t, l)) = rest.split_once(" killed as a result of limit of ") {
                c.task_in = Some((t.to_string(), l.trim().to_string(), Cited::new(line, raw)));
            }
        } else if let Some(k) = parse_counter(m, line, raw) {
            c.counters.push(k);
        } else if let Some(s) = parse_stats_header(m, line, raw) {
            self.in_v2_stats = s.unit == StatUnit::Bytes;
            c.stats.push(s);
        } else if let Some(cols) = parse_task_header(m) {
            self.task_cols = Some(cols);
        }
        None
    }

    /// One line of bytes (without its newline).
    fn bytes_line(&mut self, bytes: &[u8]) -> Option<KernelEvent> {
        self.line = self.line.saturating_add(1);
        if self.cur.is_none()
            && self.f_oom.find(bytes).is_none()
            && self.f_kill.find(bytes).is_none()
            // Fragments may also start at their usage lines, stats, `Task in` or `no killable`.
            && !(self.fragments
                && (memchr::memmem::find(bytes, b"emory").is_some()
                    || memchr::memmem::find(bytes, b"Task in ").is_some()
                    || memchr::memmem::find(bytes, b"killable").is_some()))
        {
            return None;
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => self.feed(s),
            Err(_) => {
                let s = String::from_utf8_lossy(bytes).into_owned();
                self.feed(&s)
            }
        }
    }

    /// With no report open, the offset in `chunk` of the start of the next line that may matter
    /// (one containing `oom` or `Kill`), counting the lines skipped; `chunk.len()` when none.
    fn skip(&mut self, chunk: &[u8]) -> usize {
        if self.cur.is_some() || self.fragments {
            return 0;
        }
        let a = self.f_oom.find(chunk);
        let b = self.f_kill.find(chunk);
        let hit = match (a, b) {
            (Some(a), Some(b)) => a.min(b),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => {
                // Keep the last partial line for the caller.
                let end = memchr::memrchr(b'\n', chunk).map_or(0, |i| i + 1);
                self.line = self
                    .line
                    .saturating_add(memchr::memchr_iter(b'\n', &chunk[..end]).count() as u32);
                return end;
            }
        };
        let start = memchr::memrchr(b'\n', &chunk[..hit]).map_or(0, |i| i + 1);
        self.line = self
            .line
            .saturating_add(memchr::memchr_iter(b'\n', &chunk[..start]).count() as u32);
        start
    }
}

/// A line that belongs only to an OOM report, so a fragment may start with it.
fn starts_fragment(msg: &str) -> bool {
    msg.starts_with("memory: usage ")
        || msg.starts_with("memory+swap: usage ")
        || msg.starts_with("Memory cgroup stats for ")
        || (msg.starts_with("Task in ") && msg.contains(" killed as a result of limit of "))
        || msg.contains("Out of memory and no killable processes")
        // A paste that starts inside the call trace: the OOM killer's own frame.
        || (is_frame(msg) && msg.contains("oom_kill_process"))
}

/// A call trace frame: ` func+0x1a/0x30`, `? func+0x..`, `[<ffffffff..>] func+0x..` (with or
/// without the leading space a paste may have collapsed).
fn is_frame(msg: &str) -> bool {
    let t = msg.trim_start();
    let t = t.strip_prefix("? ").unwrap_or(t);
    let t = match t.strip_prefix("[<") {
        Some(r) => r
            .split_once("] ")
            .map_or("", |(_, f)| f.strip_prefix("? ").unwrap_or(f)),
        None => t,
    };
    let tok = t.split_whitespace().next().unwrap_or("");
    tok.contains("+0x")
        && tok.contains("/0x")
        && tok
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// Two kill lines close enough in time to be one memory.oom.group burst (within a second; lines
/// without stamps are taken as close, lines with different kinds of stamp are not).
fn same_burst(a: &KernelStamp, b: &KernelStamp) -> bool {
    match (a.monotonic_us, b.monotonic_us, a.wall, b.wall) {
        (Some(x), Some(y), _, _) => x.abs_diff(y) <= 1_000_000,
        (None, None, Some(x), Some(y)) => {
            let secs = |w: crate::kernel_line::WallClock| {
                i64::from(w.hour) * 3600 + i64::from(w.minute) * 60 + i64::from(w.second)
            };
            (x.year, x.month, x.day) == (y.year, y.month, y.day) && (secs(x) - secs(y)).abs() <= 1
        }
        (None, None, None, None) => true,
        _ => false,
    }
}

/// `str::floor_char_boundary` for the MSRV.
trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

impl<R: BufRead> Iterator for KernelReader<R> {
    type Item = KernelEvent;

    fn next(&mut self) -> Option<KernelEvent> {
        while !self.eof {
            let chunk = match self.input.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.eof = true;
                    return Some(KernelEvent::ReadError(e.to_string()));
                }
            };
            if chunk.is_empty() {
                self.eof = true;
                if !self.carry.is_empty() {
                    let carry = std::mem::take(&mut self.carry);
                    if let Some(ev) = self.parser.bytes_line(&carry) {
                        return Some(ev);
                    }
                }
                break;
            }
            let mut pos = 0;
            let mut out = None;
            if self.carry.is_empty() {
                pos = self.parser.skip(chunk);
            }
            while pos < chunk.len() {
                let Some(nl) = memchr::memchr(b'\n', &chunk[pos..]) else {
                    if self.carry.len() < MAX_LINE {
                        let room = MAX_LINE - self.carry.len();
                        self.carry
                            .extend_from_slice(&chunk[pos..chunk.len().min(pos + room)]);
                    }
                    pos = chunk.len();
                    break;
                };
                let line = &chunk[pos..pos + nl];
                pos += nl + 1;
                out = if self.carry.is_empty() {
                    self.parser.bytes_line(line)
                } else {
                    self.carry
                        .extend_from_slice(&line[..line.len().min(MAX_LINE)]);
                    let carry = std::mem::take(&mut self.carry);
                    let ev = self.parser.bytes_line(&carry);
                    self.carry = carry;
                    self.carry.clear();
                    ev
                };
                if out.is_some() {
                    break;
                }
                if self.parser.cur.is_none() {
                    pos += self.parser.skip(&chunk[pos..]);
                }
            }
            self.input.consume(pos);
            if out.is_some() {
                return out;
            }
        }
        self.parser.take()
    }
}

/// Parses a whole kernel log held in memory.
pub fn parse_kernel_log(text: &str) -> Vec<KernelOomIncident> {
    collect(KernelReader::new(text.as_bytes()))
}

/// Parses a pasted text held in memory, fragments included ([`KernelReader::fragments`]).
pub fn parse_kernel_fragments(text: &str) -> Vec<KernelOomIncident> {
    collect(KernelReader::fragments(text.as_bytes()))
}

fn collect<R: BufRead>(r: KernelReader<R>) -> Vec<KernelOomIncident> {
    r.filter_map(|e| match e {
        KernelEvent::Incident(i) => Some(*i),
        KernelEvent::ReadError(_) => None,
    })
    .collect()
}

/// Where the kill line's own words start in `msg`: `Kill` may first appear in another word (an
/// event reason `OOMKilling` before the relayed kill line), so look on for `Killed process ` or
/// `Kill process `.
fn kill_line(msg: &str, kill_at: Option<usize>) -> &str {
    let mut kill_word = kill_at.map(|i| &msg[i..]).unwrap_or("");
    if kill_at.is_some()
        && !kill_word.starts_with("Killed process ")
        && !kill_word.starts_with("Kill process ")
    {
        if let Some(i) = msg
            .find("Killed process ")
            .or_else(|| msg.find("Kill process "))
        {
            kill_word = &msg[i..];
        }
    }
    kill_word
}
