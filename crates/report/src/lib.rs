//! Writers for audit results: text (rustc-style), JSON, SARIF 2.1.0, and the rule docs.
//!
//! - [`text`]: findings with the offending YAML line, input errors and a summary, for people.
//! - [`json`]: the stable JSON schema (`--format json`); fields are added, never renamed.
//! - [`jvm`]: `oomdoc jvm`, the JVM memory model's answer, as text or JSON.
//! - [`sarif`]: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//! - [`junit`]: JUnit XML for CI test tabs (a test case per workload).
//! - [`rules`]: `oomdoc rules [CODE]`, as text or JSON.
//! - [`scan`]: `oomdoc scan`'s tables (text) and JSON document; [`watch`]: `oomdoc watch`'s
//!   report of each kill (a headline and the verdict, or one line of JSON).
//! - [`sources`]: where the text writer gets source lines from (files read lazily, or the
//!   document text kept for stdin).
//! - [`style`]: the one styling vocabulary ([`Style`]: heading, bad, warning, good...) every
//!   text writer takes; plain unless the CLI turns colour on.
//! - [`terminal_safe`]: the boundary every text output goes through on its way to a terminal
//!   ([`TerminalSafe`] escapes control characters from the input).
//!
//! - [`admission`]: the AdmissionReview response of `oomdoc webhook`.
//! - [`sink`]: the streaming interface of the audit writers ([`ReportSink`]: [`TextSink`],
//!   [`JsonSink`], [`SarifSink`], [`JunitSink`]), fed one workload at a time in bounded memory.
//!
//! Every writer takes an [`oomdoc_audit::AuditReport`] (or the rule registry), or is fed as a
//! [`ReportSink`], and writes to a `&mut dyn std::io::Write`; none of them prints on its own or
//! decides whether to colour (text writers are handed a [`Style`]).

pub mod admission;
pub mod agent;
pub mod diff;
pub mod explain;
pub mod json;
pub mod junit;
pub mod jvm;
mod pretty;
pub mod rules;
pub mod sarif;
pub mod scan;
pub mod simulate;
pub mod sink;
pub mod sources;
pub mod style;
pub mod terminal_safe;
pub mod text;
pub mod trend;
pub mod watch;
mod wire;

pub use admission::{admission_response_json, review_log_line, AdmissionAnswer, ReviewLog};
pub use agent::{kill_event_message, write_kill_line, KillLine};
pub use diff::write_unified_diff;
pub use explain::{write_explain_json, write_explain_text, write_explain_text_to};
pub use json::{write_json, JsonSink};
pub use junit::{write_junit, JunitSink};
pub use jvm::{jvm_json, write_jvm_json, write_jvm_text, JvmReport};
pub use rules::{write_rule_doc, write_rules_json, write_rules_list};
pub use sarif::{write_sarif, SarifSink};
pub use scan::{write_scan_json, write_scan_text};
pub use sink::{InputErrors, ReportSink, Tally};
pub use sources::{FileSources, SourceLines};
pub use style::{Painted, Style, Tone};
pub use terminal_safe::{Controls, TerminalSafe};
pub use text::{write_text, TextOptions, TextSink};
pub use trend::{render_trend_html, render_trend_svg, write_trend_json, write_trend_text};
pub use watch::{write_watch_json, write_watch_text};

use std::borrow::Cow;

use oomdoc_model::admission::{ContainerKind, Source};

/// The wire name of a value's source, in JSON and text: `manifest`, `limit`, `limitrange`,
/// `defaulted`.
pub fn source_name(source: Source) -> &'static str {
    match source {
        Source::Manifest => "manifest",
        Source::Limit => "limit",
        Source::LimitRange => "limitrange",
        Source::Defaulted => "defaulted",
    }
}

/// `Kind/namespace/name` of a workload summary, as findings name it.
pub(crate) fn workload_id(w: &oomdoc_audit::WorkloadSummary) -> String {
    oomdoc_model::pod::object_id(&w.kind, &w.namespace, w.name.as_deref())
}

/// Whether a container is an init container (sidecars included).
pub(crate) fn is_init(kind: ContainerKind) -> bool {
    matches!(kind, ContainerKind::Init | ContainerKind::Sidecar)
}

/// Replaces control characters (other than tab) with U+FFFD so that text taken from the input
/// (names, source lines) cannot send escape sequences to a terminal. One char in, one char out,
/// so columns are unchanged.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_control() && c != '\t') {
        Cow::Owned(
            s.chars()
                .map(|c| {
                    if c.is_control() && c != '\t' {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests;
