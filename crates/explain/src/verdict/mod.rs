//! From a group of joined facts to an [`Incident`]: the verdict, the victim, the figures and the
//! chain of cited evidence, decided in named passes.
//!
//! Each pass weighs one kind of evidence, fills in what that evidence says about the victim, and
//! may propose a [`Decision`] with a confidence [`Level`]. The strongest proposal wins; among
//! equally strong ones, the earlier pass in this precedence table:
//!
//! | # | pass | weighs | can decide |
//! |---|---|---|---|
//! | 1 | [`kernel::weigh_kernel`] | the kernel's OOM report | container / node / group OOM kill (high with the kill line, medium without); no kill (`no killable processes`) |
//! | 2 | [`status::weigh_runtime_status`] | the runtime's `OOMKilled`, the pod's `Evicted` | container OOM kill (high), node OOM kill with a `SystemOOM` event, eviction (medium) |
//! | 3 | [`events::weigh_events`] | kubelet and node events and messages | eviction, node OOM (`SystemOOM`), a relayed kill line, probe kills (medium); node pressure alone (low) |
//! | 4 | [`status::weigh_cgroup_files`] | `memory.events`, `memory.oom_control` | an OOM kill or group kill happened in the cgroup (low) |
//! | 5 | [`jvm::weigh_jvm`] | JVM logs, hs_err | `OutOfMemoryError` (high when fatal: uncaught, ExitOnOutOfMemoryError, hs_err; medium when only logged), native allocation failure (high) |
//! | 6 | [`status::weigh_exit_code`] | exit code 137 and reason | SIGKILL that was not an OOM kill (medium, only with no OOM evidence at all) |
//!
//! Confidence means: `high` only with the kernel's kill line, the runtime's `OOMKilled` or the
//! JVM's fatal error; `medium` for second-hand or partial facts; `low` for inferences.

mod events;
mod jvm;
mod kernel;
mod status;

use oomdoc_evidence::jvm_log::{JvmLogFact, OomeKind};
use oomdoc_evidence::Cited;

use crate::incident::*;
use crate::join::Group;

pub(crate) use kernel::qos_of_adj;

/// A proposed verdict.
pub(crate) struct Decision {
    pub verdict: Verdict,
    pub level: Level,
    pub why: String,
}

impl Decision {
    pub fn new(verdict: Verdict, level: Level, why: impl Into<String>) -> Self {
        Decision {
            verdict,
            level,
            why: why.into(),
        }
    }
}

/// A pass: weighs one kind of evidence, fills the incident, maybe proposes a decision.
type Pass = fn(&Group, &mut Incident) -> Option<Decision>;

/// The passes in precedence order (see the module documentation).
const PASSES: [(&str, Pass); 6] = [
    ("kernel report", kernel::weigh_kernel),
    ("runtime status", status::weigh_runtime_status),
    ("events", events::weigh_events),
    ("cgroup files", status::weigh_cgroup_files),
    ("JVM", jvm::weigh_jvm),
    ("exit code", status::weigh_exit_code),
];

fn rank(l: Level) -> u8 {
    match l {
        Level::High => 3,
        Level::Medium => 2,
        Level::Low => 1,
    }
}

pub(crate) fn ev(file: &str, c: &Cited, note: impl Into<String>) -> EvidenceItem {
    EvidenceItem {
        file: file.to_string(),
        line: c.line,
        text: c.text.clone(),
        note: note.into(),
    }
}

/// The JSON name of an OutOfMemoryError kind.
pub fn oome_kind_name(k: &OomeKind) -> String {
    match k {
        OomeKind::JavaHeapSpace => "java_heap_space",
        OomeKind::GcOverhead => "gc_overhead_limit_exceeded",
        OomeKind::Metaspace => "metaspace",
        OomeKind::CompressedClassSpace => "compressed_class_space",
        OomeKind::DirectBuffer => "direct_buffer_memory",
        OomeKind::NativeThread => "unable_to_create_native_thread",
        OomeKind::ArraySize => "requested_array_size_exceeds_vm_limit",
        OomeKind::PermGen => "permgen_space",
        OomeKind::MapFailed => "map_failed",
        OomeKind::OutOfSwap => "out_of_swap_space",
        OomeKind::Other(_) => "other",
    }
    .into()
}

/// Netty's `OutOfDirectMemoryError` is an `OutOfMemoryError` of direct memory.
static DIRECT: OomeKind = OomeKind::DirectBuffer;

/// The first OutOfMemoryError (or its Terminating line) in the group's logs: (file, kind, line,
/// the JVM exited on it, the error was fatal rather than caught and logged).
pub(crate) fn first_oome<'a>(
    g: &Group<'a>,
) -> Option<(&'a str, &'a OomeKind, &'a Cited, bool, bool)> {
    let mut first: Option<(&str, &OomeKind, &Cited, bool, bool)> = None;
    let mut fatal_seen = false;
    for l in &g.jvm_logs {
        for f in &l.fact {
            match f {
                JvmLogFact::Terminating { kind, cited } => {
                    return Some((l.file.as_str(), kind, cited, true, true))
                }
                // CrashOnOutOfMemoryError: the JVM aborts (SIGABRT, exit 134) and writes hs_err.
                JvmLogFact::Aborting { kind, cited } => {
                    return Some((l.file.as_str(), kind, cited, false, true))
                }
                JvmLogFact::OutOfMemoryError {
                    kind,
                    cited,
                    thread,
                    ..
                } => {
                    let fatal = thread.is_some() || fatal_line(&cited.text);
                    let known = !matches!(kind, OomeKind::Other(d) if d.is_empty());
                    // A fatal error outranks an earlier one that was only logged; an error
                    // without its kind (`OutOfMemoryError thrown from the
                    // UncaughtExceptionHandler`) only says the earlier one was fatal.
                    let replace = match &first {
                        None => true,
                        Some((_, k, _, _, _)) => {
                            let first_known = !matches!(*k, OomeKind::Other(d) if d.is_empty());
                            (fatal && !fatal_seen && known) || (!first_known && known)
                        }
                    };
                    if replace {
                        first = Some((l.file.as_str(), kind, cited, false, fatal));
                    }
                    fatal_seen |= fatal;
                }
                JvmLogFact::NettyDirectMemory { cited, .. } if first.is_none() => {
                    first = Some((l.file.as_str(), &DIRECT, cited, false, false))
                }
                JvmLogFact::OnOomeCommand { .. } => fatal_seen = true,
                _ => {}
            }
        }
    }
    first.map(|(f, k, c, t, fatal)| (f, k, c, t, fatal || fatal_seen))
}

/// An error line that says the JVM (or its thread) died of it, not that it was caught.
fn fatal_line(l: &str) -> bool {
    let lower = l.to_ascii_lowercase();
    l.trim_start().starts_with('#')
        || lower.contains("fatal")
        || lower.contains("uncaught")
        || lower.contains("exiting")
        || lower.contains("terminat")
}

/// Decides the verdict and fills everything but attribution and next steps.
pub(crate) fn decide(g: &Group) -> Incident {
    let mut inc = Incident {
        verdict: Verdict::Unknown,
        oome_kind: None,
        victim: Victim::default(),
        constraint: None,
        memcg: None,
        scope: None,
        limit_bytes: None,
        usage_bytes: None,
        rss_kb: RssKb::default(),
        oom_score_adj: None,
        attribution: None,
        attribution_why: None,
        evidence: Vec::new(),
        confidence: Confidence {
            level: Level::Low,
            why: "no deciding fact in the inputs".into(),
        },
        next_steps: Vec::new(),
    };
    let mut proposals: Vec<(Decision, &str)> = Vec::new();
    for (name, pass) in PASSES {
        if let Some(d) = pass(g, &mut inc) {
            proposals.push((d, name));
        }
    }
    // The strongest proposal; the earlier pass among equals.
    let best = proposals
        .iter()
        .enumerate()
        .max_by_key(|(i, (d, _))| (rank(d.level), usize::MAX - i))
        .map(|(i, _)| i);
    if let Some(bi) = best {
        let agree: Vec<&str> = proposals
            .iter()
            .enumerate()
            .filter(|(i, (d, _))| *i != bi && d.verdict == proposals[bi].0.verdict)
            .map(|(_, (_, n))| *n)
            .collect();
        let (mut d, pass) = proposals.swap_remove(bi);
        if !agree.is_empty() {
            d.why
                .push_str(&format!("; also shown by the {}", agree.join(" and the ")));
        }
        if let (Some(adj), Verdict::NodeOomKill, true) =
            (inc.oom_score_adj, d.verdict, g.kernel.is_some())
        {
            d.why.push_str("; why this victim: ");
            d.why.push_str(&qos_of_adj(adj));
        }
        if g.alone_join {
            d.why.push_str("; the kernel report and the pod status were joined as the only ones in the inputs (no pod UID or time ties them)");
        }
        if let Some(apart) = g.time_join {
            d.why.push_str(&format!(
                "; the kernel report and the pod were joined by time alone: the kill was {}s {} finishedAt (node clock taken as UTC)",
                apart.abs(),
                if apart <= 0 { "before" } else { "after" }
            ));
        }
        inc.verdict = d.verdict;
        inc.confidence = Confidence {
            level: d.level,
            why: format!("decided by the {pass}: {}", d.why),
        };
    }
    inc
}
