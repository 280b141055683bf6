//! Gathering facts: each input detected by content and read with its evidence reader.

use oomdoc_evidence::cgroup_files::{parse_cgroup_files, CgroupMemory};
use oomdoc_evidence::describe::parse_describe;
use oomdoc_evidence::events::{parse_events, parse_events_table, EventFacts};
use oomdoc_evidence::flags_final::{parse_flags_final, JvmFlag};
use oomdoc_evidence::hs_err::{parse_hs_err, HsErr};
use oomdoc_evidence::jvm_log::{parse_jvm_log, JvmLogFact};
use oomdoc_evidence::nmt::{parse_nmt, NmtSummary};
use oomdoc_evidence::pod_status::{parse_pods, PodFacts};
use oomdoc_evidence::scan::{scan, Found};
use oomdoc_evidence::{Cited, KernelOomIncident, Kind};

/// A fact and the input it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Src<T> {
    /// The input's name (`-` for stdin).
    pub file: String,
    /// The fact.
    pub fact: T,
}

/// A heap size setting written in an input: `-Xmx`, `-XX:MaxHeapSize=`, `-XX:MaxRAMPercentage=`.
#[derive(Clone, Debug, PartialEq)]
pub struct HeapOption {
    /// `-Xmx` / `-XX:MaxHeapSize=` in bytes.
    pub max_heap: Option<u64>,
    /// `-XX:MaxRAMPercentage=` (or JDK 8's `MaxRAMFraction=N` as 100/N).
    pub ram_percentage: Option<f64>,
    /// The line.
    pub cited: Cited,
}

/// Every fact read from a set of inputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    /// Kernel OOM reports.
    pub kernel: Vec<Src<KernelOomIncident>>,
    /// Pod objects (and pods from `kubectl describe`).
    pub pods: Vec<Src<PodFacts>>,
    /// Events (objects and tables).
    pub events: Vec<Src<EventFacts>>,
    /// Container log facts, one entry per input.
    pub jvm_logs: Vec<Src<Vec<JvmLogFact>>>,
    /// hs_err files.
    pub hs_errs: Vec<Src<HsErr>>,
    /// cgroup memory files.
    pub cgroups: Vec<Src<CgroupMemory>>,
    /// NMT summaries.
    pub nmt: Vec<Src<NmtSummary>>,
    /// `-XX:+PrintFlagsFinal` outputs.
    pub flags: Vec<Src<Vec<JvmFlag>>>,
    /// Heap options written anywhere else (pod args, env, hs_err `jvm_args`, `Picked up ...`).
    pub heap_options: Vec<Src<HeapOption>>,
    /// Inputs that could not be read.
    pub errors: Vec<String>,
    /// Kernel OOM reports left out to keep memory bounded (the oldest), per file.
    pub kernel_dropped: Vec<(String, u64)>,
    /// What was found in each input, in input order.
    pub inputs: Vec<InputRead>,
    /// Lines the readers saw cleaned (quote marks, numbering, wrapping undone), as written:
    /// evidence quotes these.
    pub raw_lines: std::collections::HashMap<(String, u32), String>,
}

/// What oomdoc found in one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRead {
    /// The input's name (`-` for stdin).
    pub file: String,
    /// What each reader found; empty when nothing oomdoc knows was in it.
    pub found: Vec<Found>,
}

/// The most kernel OOM reports kept (the newest): a log of an OOM storm can hold millions, and
/// each becomes an incident; beyond this the oldest are counted, not explained.
pub const MAX_KERNEL_INCIDENTS: usize = 10_000;

impl Facts {
    /// Empty.
    pub fn new() -> Self {
        Facts::default()
    }

    /// Reads one whole input with every reader ([`oomdoc_evidence::scan`]): fragments, texts
    /// with a preamble and pastes of several kinds at once are read in full. Returns what was
    /// found (empty: nothing oomdoc knows; an error is recorded for an empty or binary input).
    pub fn add_text(&mut self, file: &str, text: &str) -> Vec<Found> {
        if text.trim().is_empty() {
            self.errors.push(format!("{file}: empty input"));
            self.note_input(file, Vec::new());
            return Vec::new();
        }
        let head_end = floor_boundary(text, 8192);
        if text[..head_end].contains('\0') {
            self.errors.push(format!(
                "{file}: binary data, not a log, an object or command output"
            ));
            self.note_input(file, Vec::new());
            return Vec::new();
        }
        // `oomdoc agent` lines: their kernel reports are read as kernel logs (cited as
        // `FILE line N kernel_report:M`), the rest of the text by every reader.
        let agent = oomdoc_evidence::agent_lines::split(text);
        let text = agent.as_ref().map_or(text, |a| a.rest.as_str());
        let sc = scan(text);
        for k in sc.kernel {
            self.add_kernel_incident(file, k);
        }
        let mut found_agent = 0;
        for (n, report) in agent.iter().flat_map(|a| &a.reports) {
            let f = format!("{file} line {n} kernel_report");
            for k in oomdoc_evidence::kernel::parse_kernel_log(report) {
                found_agent += 1;
                self.add_kernel_incident(&f, k);
            }
        }
        let src = |fact| Src {
            file: file.to_string(),
            fact,
        };
        self.pods.extend(sc.pods.into_iter().map(src));
        self.events.extend(sc.events.into_iter().map(|e| Src {
            file: file.to_string(),
            fact: e,
        }));
        if !sc.jvm.is_empty() {
            self.jvm_logs.push(Src {
                file: file.to_string(),
                fact: sc.jvm,
            });
        }
        if let Some(h) = sc.hs_err {
            self.hs_errs.push(Src {
                file: file.to_string(),
                fact: h,
            });
        }
        if let Some(n) = sc.nmt {
            self.nmt.push(Src {
                file: file.to_string(),
                fact: n,
            });
        }
        if !sc.flags.is_empty() {
            self.flags.push(Src {
                file: file.to_string(),
                fact: sc.flags,
            });
        }
        if let Some(c) = sc.cgroup {
            self.cgroups.push(Src {
                file: file.to_string(),
                fact: c,
            });
        }
        self.scan_heap_options(file, text);
        for (l, raw) in sc.raw_lines {
            self.raw_lines.insert((file.to_string(), l), raw);
        }
        let mut found = sc.found;
        if found_agent > 0 {
            found.push(Found {
                what: "oomdoc agent kill line",
                count: found_agent,
            });
        }
        self.note_input(file, found.clone());
        found
    }

    /// Records what was found in an input read elsewhere (the CLI streams large logs).
    pub fn note_input(&mut self, file: &str, found: Vec<Found>) {
        self.inputs.push(InputRead {
            file: file.to_string(),
            found,
        });
    }

    /// Reads one whole input as `kind` (from [`oomdoc_evidence::detect()`] on its start).
    pub fn add_kind(&mut self, file: &str, text: &str, kind: Kind) {
        fn src<T>(file: &str, fact: T) -> Src<T> {
            Src {
                file: file.to_string(),
                fact,
            }
        }
        match kind {
            Kind::KernelLog => {
                for i in oomdoc_evidence::kernel::parse_kernel_log(text) {
                    self.kernel.push(src(file, i));
                }
                return;
            }
            Kind::PodObjects => match parse_pods(text) {
                Ok(p) => self.pods.extend(p.into_iter().map(|p| Src {
                    file: file.to_string(),
                    fact: p,
                })),
                Err(e) => self.errors.push(e.located(file)),
            },
            Kind::Events => match parse_events(text) {
                Ok(e) => self.events.extend(e.into_iter().map(|e| Src {
                    file: file.to_string(),
                    fact: e,
                })),
                Err(e) => self.errors.push(e.located(file)),
            },
            Kind::DescribePod => {
                let (p, e) = parse_describe(text);
                self.pods.extend(p.into_iter().map(|p| Src {
                    file: file.to_string(),
                    fact: p,
                }));
                self.events.extend(e.into_iter().map(|e| Src {
                    file: file.to_string(),
                    fact: e,
                }));
            }
            Kind::EventsTable => {
                self.events
                    .extend(parse_events_table(text).into_iter().map(|e| Src {
                        file: file.to_string(),
                        fact: e,
                    }))
            }
            Kind::HsErr => self.hs_errs.push(src(file, parse_hs_err(text))),
            Kind::NmtSummary => self.nmt.push(src(file, parse_nmt(text))),
            Kind::FlagsFinal => {
                self.flags.push(src(file, parse_flags_final(text)));
                return;
            }
            Kind::CgroupV1 | Kind::CgroupV2 => {
                self.cgroups.push(src(file, parse_cgroup_files(text)));
                return;
            }
            Kind::JvmLog | Kind::ContainerLog => {
                let f = parse_jvm_log(text);
                if !f.is_empty() {
                    self.jvm_logs.push(src(file, f));
                }
            }
            Kind::Unknown => return,
        }
        self.scan_heap_options(file, text);
    }

    /// Adds one kernel report read elsewhere (the CLI streams kernel logs).
    pub fn add_kernel_incident(&mut self, file: &str, incident: KernelOomIncident) {
        // Dropping half at twice the cap keeps adding O(1) amortised; `kept_kernel` is the cap
        // exactly.
        if self.kernel.len() >= 2 * MAX_KERNEL_INCIDENTS {
            self.drop_oldest_kernel(MAX_KERNEL_INCIDENTS);
        }
        self.kernel.push(Src {
            file: file.to_string(),
            fact: incident,
        });
    }

    fn drop_oldest_kernel(&mut self, n: usize) {
        for old in self.kernel.drain(..n) {
            match self.kernel_dropped.iter_mut().find(|(f, _)| *f == old.file) {
                Some((_, c)) => *c += 1,
                None => self.kernel_dropped.push((old.file, 1)),
            }
        }
    }

    /// The newest [`MAX_KERNEL_INCIDENTS`] kernel reports: the ones explained.
    pub fn kept_kernel(&self) -> &[Src<KernelOomIncident>] {
        &self.kernel[self.kernel.len().saturating_sub(MAX_KERNEL_INCIDENTS)..]
    }

    /// Kernel reports left out, per file: those dropped while adding and those beyond
    /// [`Facts::kept_kernel`].
    pub fn left_out_kernel(&self) -> Vec<(String, u64)> {
        let mut out = self.kernel_dropped.clone();
        let beyond = self.kernel.len().saturating_sub(MAX_KERNEL_INCIDENTS);
        for old in &self.kernel[..beyond] {
            match out.iter_mut().find(|(f, _)| *f == old.file) {
                Some((_, c)) => *c += 1,
                None => out.push((old.file.clone(), 1)),
            }
        }
        out
    }

    /// Adds a read error.
    pub fn add_error(&mut self, message: String) {
        self.errors.push(message);
    }

    fn scan_heap_options(&mut self, file: &str, text: &str) {
        for (i, line) in text.lines().enumerate() {
            if !(line.contains("-Xmx") || line.contains("MaxHeapSize=") || line.contains("MaxRAM"))
            {
                continue;
            }
            if let Some(h) = heap_option(line, i as u32 + 1) {
                self.heap_options.push(Src {
                    file: file.to_string(),
                    fact: h,
                });
            }
        }
    }
}

/// Reads the heap options on one line (the last one wins, as in the JVM).
pub fn heap_option(line: &str, n: u32) -> Option<HeapOption> {
    let mut max_heap = None;
    let mut ram_percentage = None;
    let words =
        line.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '[' | ']'));
    for w in words {
        if let Some(v) = w.strip_prefix("-Xmx") {
            max_heap = oomdoc_jvm::flags::parse_size(v).or(max_heap);
        } else if let Some(v) = w.strip_prefix("-XX:MaxHeapSize=") {
            max_heap = oomdoc_jvm::flags::parse_size(v).or(max_heap);
        } else if let Some(v) = w.strip_prefix("-XX:MaxRAMPercentage=") {
            ram_percentage = v.parse::<f64>().ok().or(ram_percentage);
        } else if let Some(v) = w.strip_prefix("-XX:MaxRAMFraction=") {
            ram_percentage = v
                .parse::<f64>()
                .ok()
                .filter(|f| *f >= 1.0)
                .map(|f| 100.0 / f)
                .or(ram_percentage);
        }
    }
    (max_heap.is_some() || ram_percentage.is_some()).then(|| HeapOption {
        max_heap,
        ram_percentage,
        cited: Cited::new(n, line),
    })
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
