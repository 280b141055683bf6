//! The verdict engine behind `oomdoc explain`: why did this container die?
//!
//! Inputs are whatever the user collected (kernel logs, pod objects, events, `kubectl describe`,
//! container logs, hs_err files, cgroup memory files, NMT summaries, PrintFlagsFinal output), each
//! detected by content and read by `oomdoc-evidence` into [`Facts`]. [`explain`] joins the facts
//! into one group per death (by pod UID, container id, pid, and by elimination for facts without
//! keys), decides a [`Verdict`] for each, attributes the memory and suggests next steps. Every
//! figure and conclusion cites the input lines it came from.
//!
//! **Architecture invariant:** no I/O, no threads, no clock. The CLI reads the files (and streams
//! kernel logs into [`Facts::add_kernel_incident`]).
//!
//! ```
//! let mut facts = oomdoc_explain::Facts::new();
//! facts.add_text("dmesg.txt", "[ 1.0] Memory cgroup out of memory: Killed process 7 (java) \
//!     total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB\n");
//! let e = oomdoc_explain::explain(&facts);
//! assert_eq!(e.incidents[0].verdict, oomdoc_explain::Verdict::ContainerOomKill);
//! ```

#![warn(missing_docs)]

mod attribution;
pub mod collect;
pub mod incident;
mod join;
mod next_steps;
pub mod time;
mod verdict;

pub use attribution::MaxHeap;
pub use collect::{Facts, HeapOption, InputRead, Src};
pub use incident::*;
pub use verdict::oome_kind_name;

/// Explains every death in `facts`.
pub fn explain(facts: &Facts) -> Explanation {
    let groups = join::join(facts);
    let mut incidents = Vec::with_capacity(groups.len());
    for g in &groups {
        let mut inc = verdict::decide(g);
        attribution::attribute(g, &mut inc);
        next_steps::next_steps(g, &mut inc);
        dedup_evidence(&mut inc);
        for e in &mut inc.evidence {
            if let Some(raw) = facts.raw_lines.get(&(e.file.clone(), e.line)) {
                e.text = oomdoc_evidence::quote(raw);
            }
        }
        incidents.push(inc);
    }
    if incidents.is_empty() {
        let mut inc = verdict::decide(&join::Group::default());
        next_steps::next_steps(&join::Group::default(), &mut inc);
        inc.confidence.why =
            "no OOM report, terminated container, OOM event or JVM error in the inputs".into();
        incidents.push(inc);
    }
    let notes = facts
        .left_out_kernel()
        .iter()
        .map(|(file, n)| {
            format!(
                "{file}: {n} older OOM reports not explained (only the newest {} are); pass the part of the log around the kill you care about",
                collect::MAX_KERNEL_INCIDENTS
            )
        })
        .collect();
    Explanation {
        incidents,
        errors: facts.errors.clone(),
        notes,
        inputs: facts.inputs.clone(),
    }
}

/// Convenience: reads `(name, text)` inputs and explains them.
pub fn explain_texts<'a>(inputs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Explanation {
    let mut f = Facts::new();
    for (name, text) in inputs {
        f.add_text(name, text);
    }
    explain(&f)
}

fn dedup_evidence(inc: &mut Incident) {
    let mut seen = std::collections::HashSet::new();
    inc.evidence
        .retain(|e| seen.insert((e.file.clone(), e.line)));
}
