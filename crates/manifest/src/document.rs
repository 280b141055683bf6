//! Reading one piece of text (whole documents) into items: split, check, parse, extract.

use std::sync::Arc;

use oomdoc_model::pod::DocSource;
use oomdoc_model::Pos;

use crate::split;
use crate::values::{short, Counts, Cx};
use crate::{prescan, Item};
use oomdoc_document::Mode;

/// The limits that apply per document.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_document_bytes: usize,
    pub max_alias_expansions: usize,
    /// What is read (not a limit, but it travels with them to every document).
    pub only: crate::Only,
}

/// Reads the documents of `text`, whose first line is line `first_line` of `file`, appending
/// items to `out` in document order. `keep_source` attaches the document text to workloads (for
/// stdin, which cannot be read again).
pub(crate) fn read_text(
    file: &Arc<str>,
    text: &str,
    first_line: u32,
    keep_source: bool,
    limits: Limits,
    out: &mut Vec<Item>,
    counts: &mut Counts,
) {
    for chunk in split::chunks(text) {
        if limits.only == crate::Only::LimitRangesAndDockerfiles
            && !prescan::may_hold_limit_range(chunk.text.as_bytes())
        {
            continue;
        }
        let line = first_line.saturating_add(chunk.line);
        if chunk.text.len() > limits.max_document_bytes {
            counts.documents += 1;
            let err = oomdoc_model::InputError {
                file: file.clone(),
                pos: Some(Pos::new(line, 1)),
                message: split::too_large(limits.max_document_bytes),
            };
            out.push(Item::Error(err));
            continue;
        }
        read_chunk(file, chunk.text, line, keep_source, limits, out, counts);
    }
}

fn read_chunk(
    file: &Arc<str>,
    text: &str,
    line: u32,
    keep_source: bool,
    limits: Limits,
    out: &mut Vec<Item>,
    counts: &mut Counts,
) {
    let error = |out: &mut Vec<Item>, pos: Pos, message: String| {
        out.push(Item::Error(oomdoc_model::InputError {
            file: file.clone(),
            pos: Some(pos),
            message,
        }));
    };
    if let Some(at) = prescan::helm_action(text) {
        counts.documents += 1;
        let snippet = text[at..].lines().next().unwrap_or("");
        let snippet = snippet.find("}}").map_or(snippet, |e| &snippet[..e + 2]);
        let msg = format!(
            "looks like an unrendered Helm template ({}); render it first, e.g. `helm template RELEASE CHART | oomdoc audit -`",
            short(snippet)
        );
        error(out, offset_pos(text, at, line), msg);
        return;
    }
    let mode = prescan::mode_for(text);
    if mode == Mode::Skip {
        counts.documents += 1;
        counts.skipped += 1;
        return;
    }
    let parsed = oomdoc_document::parse(text, line, mode, limits.max_alias_expansions);
    counts.documents += parsed.documents;
    if mode == Mode::Validate {
        counts.skipped += parsed.documents;
    }
    let source = keep_source.then(|| {
        Arc::new(DocSource {
            first_line: line,
            text: text.to_string(),
        })
    });
    let template = helm_source(text);
    for tree in &parsed.trees {
        let mut cx = Cx {
            tree,
            file,
            source: source.as_ref(),
            template: template.as_ref(),
            out: &mut *out,
            counts: &mut *counts,
        };
        cx.document();
    }
    if let Some(e) = parsed.error {
        counts.documents += 1;
        let message = if !e.is_syntax() {
            e.message
        } else if prescan::has_braces(text) {
            format!(
                "invalid YAML: {}; the document contains \"{{{{\", so it may be an unrendered template: render it first (e.g. `helm template`)",
                e.message
            )
        } else {
            format!("invalid YAML: {}", e.message)
        };
        error(out, e.pos, message);
    }
}

/// The position of byte `at` of `text`, whose first line is `line`.
fn offset_pos(text: &str, at: usize, line: u32) -> Pos {
    let before = &text[..at];
    let nls = memchr::memchr_iter(b'\n', before.as_bytes()).count() as u32;
    let ls = before.rfind('\n').map_or(0, |i| i + 1);
    Pos::new(
        line.saturating_add(nls),
        before[ls..].chars().count() as u32 + 1,
    )
}

/// The template path of `helm template`'s `# Source: chart/templates/x.yaml` comment, when it is
/// among the document's leading comment lines.
fn helm_source(text: &str) -> Option<Arc<str>> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with('#') || l.starts_with("---"))
        .find_map(|l| l.strip_prefix("# Source:"))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(Arc::from)
}
