//! The fact scanner: every reader over every line of a pasted text, whatever the text "is".
//!
//! People paste fragments (three lines of a describe), texts with a preamble (the command line,
//! a shell prompt, a sentence), and several things at once (a describe, then a dmesg, then a Java
//! log). Classifying a text once and handing it to one parser reads little of that. Instead:
//!
//! 1. [`crate::clean`] undoes line damage (quotes, numbering, tabs, pager cuts, wrapped lines);
//! 2. the kernel reader runs over every line in fragment mode (a report may start anywhere);
//! 3. block readers start wherever their marker appears: JSON/YAML objects ([`crate::blocks`]),
//!    describe sections, events tables, hs_err headers, NMT summaries, PrintFlagsFinal lines;
//! 4. line recognisers run on every line not already read by a block reader: container
//!    terminations ([`crate::status_lines`]), kubelet and node messages ([`crate::event_lines`]),
//!    JVM errors ([`crate::jvm_log`]).
//!
//! What each reader found is counted in [`Scanned::found`], so a report can say what was read.

use crate::cgroup_files::{parse_cgroup_files, CgroupMemory};
use crate::events::{parse_events_at, EventFacts, EventMeaning};
use crate::flags_final::{parse_flags_final, JvmFlag};
use crate::hs_err::{parse_hs_err, HsErr};
use crate::jvm_log::{parse_jvm_log, JvmLogFact};
use crate::nmt::{parse_nmt, NmtSummary};
use crate::pod_status::{parse_pods_at, ContainerFacts, ContainerState, PodFacts, Terminated};
use crate::status_lines::{status_records, StatusRecord};
use crate::{Cited, KernelOomIncident, Kind};
use oomdoc_model::TerminationReason;

/// What one reader found in a text, for the report's "what was read" line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// What (`kernel OOM report`, `pod`, `container termination`, `event`, ...).
    pub what: &'static str,
    /// How many.
    pub count: usize,
}

/// Everything read from one text.
#[derive(Clone, Debug, Default)]
pub struct Scanned {
    /// Kernel OOM reports (whole or partial).
    pub kernel: Vec<KernelOomIncident>,
    /// Pod objects, describe output, and container terminations read line by line (as pods with
    /// one container and no name when the text does not say).
    pub pods: Vec<PodFacts>,
    /// Events: objects, table rows, and messages recognised on any line.
    pub events: Vec<EventFacts>,
    /// JVM log facts.
    pub jvm: Vec<JvmLogFact>,
    /// An hs_err file (or its header printed on stdout).
    pub hs_err: Option<HsErr>,
    /// An NMT summary.
    pub nmt: Option<NmtSummary>,
    /// PrintFlagsFinal lines.
    pub flags: Vec<JvmFlag>,
    /// cgroup memory files.
    pub cgroup: Option<CgroupMemory>,
    /// Blocks that looked like JSON or YAML but did not parse: (line, message). Not errors: the
    /// lines were still read one by one.
    pub unparsed_blocks: Vec<oomdoc_model::LineError>,
    /// What was found, per reader.
    pub found: Vec<Found>,
    /// Lines that cleaning changed, as written: (line, text). Facts quote the cleaned line; a
    /// report quotes these instead, so the user sees their own text.
    pub raw_lines: Vec<(u32, String)>,
}

fn count(found: &mut Vec<Found>, what: &'static str, n: usize) {
    if n > 0 {
        found.push(Found { what, count: n });
    }
}

fn record_to_pod(r: StatusRecord) -> PodFacts {
    let cited = r.cited.clone().unwrap_or_else(|| Cited::new(r.span.0, ""));
    let line = cited.line;
    let limit = r
        .memory_limit
        .as_deref()
        .and_then(|q| oomdoc_model::Quantity::parse(q).ok());
    PodFacts {
        namespace: r.namespace,
        name: r.pod,
        uid: r.pod_uid,
        node_name: None,
        qos_class: None,
        phase: None,
        reason: None,
        message: None,
        eviction: None,
        containers: vec![ContainerFacts {
            name: String::new(),
            init: false,
            container_id: r.container_id.clone(),
            runtime: None,
            image: None,
            restart_count: None,
            state: None,
            last_state: Some(ContainerState::Terminated(Terminated {
                reason: r.reason,
                exit_code: r.exit_code,
                signal: r.signal,
                started_at: r.started_at,
                finished_at: r.finished_at,
                message: None,
                container_id: r.container_id,
                cited: cited.clone(),
            })),
            memory_request: None,
            memory_limit_bytes: limit.as_ref().and_then(oomdoc_model::Quantity::value),
            memory_limit: limit,
            memory_request_bytes: None,
            line,
        }],
        cited,
    }
}

fn terminated_lines(p: &PodFacts) -> impl Iterator<Item = u32> + '_ {
    p.containers.iter().flat_map(|c| {
        [c.state.as_ref(), c.last_state.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|s| s.terminated().map(|t| t.cited.line))
    })
}

/// Reads every fact in `text` (see the module documentation).
pub fn scan(text: &str) -> Scanned {
    let cleaned = crate::clean::clean(text);
    let mut s = Scanned::default();
    if let std::borrow::Cow::Owned(c) = &cleaned {
        for (i, (a, b)) in text.split('\n').zip(c.split('\n')).enumerate() {
            let a = a.strip_suffix('\r').unwrap_or(a);
            if a != b {
                s.raw_lines.push((i as u32 + 1, a.to_string()));
            }
        }
    }
    let text: &str = &cleaned;

    let mut kernel = crate::kernel::parse_kernel_fragments(text);

    // JSON and YAML objects.
    let spans = object_blocks(text, &mut s);
    // A kernel line quoted inside an event object (node-problem-detector's OOMKilling) is that
    // event's message, not a kernel log of its own.
    kernel.retain(|k| {
        !spans
            .iter()
            .any(|&(a, b)| a <= k.first_line && k.last_line <= b)
    });
    s.kernel = kernel;
    let object_pods = s.pods.len();
    let object_events = s.events.len();
    let in_span = |n: u32| spans.iter().any(|&(a, b)| a <= n && n <= b);

    // Describe output and events tables.
    // The pod UIDs the text names (read once: describe sections and loose lines both use them).
    let uids = crate::pod_names::pod_uids(text);
    let (mut dp, de) = crate::describe::parse_describe(text);
    let described = dp.len();
    // A describe shows no UID; the kubelet's `name_ns(uid)` in its events does.
    if let [uid] = &uids[..] {
        for p in dp.iter_mut().filter(|p| p.uid.is_none()) {
            p.uid = Some(uid.clone());
        }
    }
    s.pods.extend(dp);
    let table_events = de.iter().filter(|e| !in_span(e.cited.line)).count();
    s.events
        .extend(de.into_iter().filter(|e| !in_span(e.cited.line)));

    // Container terminations line by line, where no object or describe already read them.
    let (line_terms, evicted_records) = status_line_deaths(text, &mut s, &in_span);

    // Kubelet and node messages on any line not read as an event already.
    let mut line_events = loose_events(text, &s, &in_span, evicted_records);
    // A paste about one pod: the pod UID it names belongs to its loose kubelet lines.
    if let [uid] = &uids[..] {
        for e in line_events.iter_mut().filter(|e| e.object_uid.is_none()) {
            e.object_uid = Some(uid.clone());
        }
    }
    let n_line_events = line_events.len();
    s.events.extend(line_events);

    // JVM: every line; hs_err, NMT and PrintFlagsFinal where their markers appear.
    jvm_and_cgroup_files(text, &mut s);

    let f = &mut s.found;
    count(f, "kernel OOM report", s.kernel.len());
    count(f, "pod object", object_pods);
    count(f, "described pod", described);
    count(f, "container termination", line_terms);
    count(f, "event object", object_events);
    count(f, "events table row", table_events);
    count(f, "kubelet or node message", n_line_events);
    count(f, "JVM log line", s.jvm.len());
    count(f, "hs_err file", usize::from(s.hs_err.is_some()));
    count(f, "NMT summary", usize::from(s.nmt.is_some()));
    count(f, "PrintFlagsFinal line", s.flags.len());
    count(f, "cgroup memory file", usize::from(s.cgroup.is_some()));
    s
}

/// The JSON and YAML objects in `text` (pods, events) into `s`; returns the lines of those that
/// held any.
fn object_blocks(text: &str, s: &mut Scanned) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for b in crate::blocks::find_blocks(text) {
        let pods = parse_pods_at(b.text, b.first_line);
        let events = parse_events_at(b.text, b.first_line);
        match (pods, events) {
            (Ok(p), Ok(e)) => {
                if !p.is_empty() || !e.is_empty() {
                    spans.push((b.first_line, b.last_line));
                }
                s.pods.extend(p);
                s.events.extend(e);
            }
            (Err(err), _) | (_, Err(err)) => s.unparsed_blocks.push(err),
        }
    }
    spans
}

/// Deaths written line by line that no object or describe read already, into `s.pods`: their
/// count, and the `Evicted` records (an eviction is an event, not a death).
fn status_line_deaths(
    text: &str,
    s: &mut Scanned,
    in_span: &dyn Fn(u32) -> bool,
) -> (usize, Vec<StatusRecord>) {
    let read: Vec<u32> = s.pods.iter().flat_map(terminated_lines).collect();
    let mut line_terms = 0;
    let mut evicted_records = Vec::new();
    for r in status_records(text) {
        let (a, b) = r.span;
        if read.iter().any(|&l| a <= l && l <= b) || in_span(a) {
            continue;
        }
        if r.reason == Some(TerminationReason::Evicted) {
            evicted_records.push(r);
            continue;
        }
        if r.is_death() {
            line_terms += 1;
            s.pods.push(record_to_pod(r));
        }
    }
    (line_terms, evicted_records)
}

/// Kubelet and node messages on lines not read as events already; a status with `reason:
/// Evicted` and no message the line readers know is an eviction of its own.
fn loose_events(
    text: &str,
    s: &Scanned,
    in_span: &dyn Fn(u32) -> bool,
    evicted_records: Vec<StatusRecord>,
) -> Vec<EventFacts> {
    let cited_events: Vec<u32> = s.events.iter().map(|e| e.cited.line).collect();
    let skip = |n: u32| in_span(n) || cited_events.contains(&n);
    let mut line_events = crate::event_lines::event_lines(text, &skip);
    if !line_events
        .iter()
        .any(|e| matches!(e.meaning, EventMeaning::Evicted(_)))
        && !s
            .events
            .iter()
            .any(|e| matches!(e.meaning, EventMeaning::Evicted(_)))
        && !s
            .pods
            .iter()
            .any(|p| p.reason == Some(TerminationReason::Evicted))
    {
        // A status with `reason: Evicted` and no message the line readers know.
        if let Some(r) = evicted_records.into_iter().next() {
            let cited = r.cited.unwrap_or_else(|| Cited::new(r.span.0, ""));
            line_events.push(EventFacts::from_line(
                "Evicted".into(),
                EventMeaning::Evicted(None),
                (r.namespace, r.pod),
                cited,
            ));
        }
    }
    line_events
}

/// JVM log lines everywhere; hs_err, NMT, PrintFlagsFinal and cgroup files where their markers
/// appear.
fn jvm_and_cgroup_files(text: &str, s: &mut Scanned) {
    s.jvm = parse_jvm_log(text);
    if text.contains("There is insufficient memory for the Java Runtime")
        || text.contains("A fatal error has been detected by the Java Runtime")
        || text.contains("Native memory allocation (")
        || text.contains("Out of Memory Error (")
    {
        s.hs_err = Some(parse_hs_err(text));
    }
    if text.contains("Native Memory Tracking:") || text.contains("Total: reserved=") {
        s.nmt = Some(parse_nmt(text));
    }
    if text.contains("{product}") || text.contains("{JVMCI product}") || text.contains(" := ") {
        s.flags = parse_flags_final(text);
    }
    let head_end = floor_boundary(text, 4096);
    if matches!(
        crate::detect(&text[..head_end]),
        Kind::CgroupV1 | Kind::CgroupV2
    ) {
        s.cgroup = Some(parse_cgroup_files(text));
    } else {
        s.cgroup = cgroup_blocks(text);
    }
}

/// `memory.events` / `memory.oom_control` pasted inside other text: runs of `key N` lines (or
/// `grep .`'s `memory.x:N`) that hold an OOM counter, read as cgroup files.
fn cgroup_blocks(text: &str) -> Option<CgroupMemory> {
    fn keyed(l: &str) -> bool {
        let l = l.trim();
        if let Some((f, _)) = l.split_once(':') {
            if f.rsplit('/')
                .next()
                .is_some_and(|b| b.starts_with("memory."))
            {
                return true;
            }
        }
        l.split_once(' ').is_some_and(|(k, v)| {
            !k.is_empty()
                && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                && (v.trim().bytes().all(|b| b.is_ascii_digit()) || v.trim() == "max")
        })
    }
    const OOM_KEYS: [&str; 4] = [
        "oom_kill ",
        "under_oom ",
        "oom_kill_disable ",
        "oom_group_kill ",
    ];
    if !OOM_KEYS.iter().any(|k| text.contains(k)) {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = CgroupMemory::default();
    let mut i = 0;
    while i < lines.len() {
        if !keyed(lines[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && keyed(lines[i]) {
            i += 1;
        }
        let block = &lines[start..i];
        let counts = block
            .iter()
            .any(|l| OOM_KEYS.iter().any(|k| l.contains(k.trim_end())));
        if block.len() >= 2 && counts {
            let mut m = parse_cgroup_files(&block.join("\n"));
            for e in &mut m.entries {
                e.cited.line += start as u32;
            }
            out.entries.extend(m.entries);
        }
    }
    (!out.entries.is_empty()).then_some(out)
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
