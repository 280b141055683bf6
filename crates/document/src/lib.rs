//! The one document tree of oomdoc.
//!
//! Every reader of YAML or JSON (manifests, pod status and events pasted into `explain`, the
//! Node and metrics objects `simulate` reads) goes through [`parse`], so one text means the same
//! everywhere: scalars resolve as the Kubernetes API server resolves them (`sigs.k8s.io/yaml`,
//! i.e. go-yaml v2 with YAML 1.1 rules, then JSON), merge keys and aliases work as in go-yaml,
//! alias bombs are refused before anything walks them, and every node has its line and column.
//!
//! Two shapes of the same parse: [`Tree`] (an arena the manifest reader walks, streaming
//! documents of any size) and [`value::Node`] (an owned tree with resolved scalars, for the
//! small objects evidence and simulation readers look into).

mod compat;
mod json;
pub mod tree;
pub mod value;
pub mod yaml11;

pub use saphyr_parser::ScalarStyle;
pub use tree::{Mode, NodeId, NodeKind, ParseError, Parsed, Scalar, Tree};

use compat::Shifts;

/// Parses every document of `text`, whose first line is line `first_line` of its input, in
/// `mode`, refusing a document whose aliases would expand to more than `max_alias` nodes.
///
/// Strict JSON is read directly (saphyr-parser queues every token of a multi-line flow
/// collection, so a 56 MB JSON List would cost gigabytes); anything else is YAML, retried with
/// `compat::relax` where saphyr is stricter than libyaml (which Kubernetes' go-yaml ports).
pub fn parse(text: &str, first_line: u32, mode: Mode, max_alias: usize) -> Parsed {
    if json::looks_like_json(text) {
        if let Some(p) = json::parse(text, first_line, max_alias) {
            return p;
        }
    }
    let mut shifts = Shifts::default();
    let mut relaxed: Option<String> = None;
    let mut tries = 0;
    loop {
        let cur = relaxed.as_deref().unwrap_or(text);
        let parsed = tree::parse_yaml(cur, first_line, mode, max_alias, &shifts);
        if let Some(scan) = parsed.error.as_ref().and_then(|e| e.scan.as_ref()) {
            if compat::may_relax(tries, text.len()) {
                if let Some(t) = compat::relax(cur, scan, &mut shifts) {
                    relaxed = Some(t);
                    tries += 1;
                    continue;
                }
            }
        }
        return parsed;
    }
}
