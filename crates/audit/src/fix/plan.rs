//! From the fixes of one file and its text to byte edits: what is replaced and what is inserted,
//! nothing else.

use std::collections::BTreeMap;

use super::text::{dq, Style, Text};
use super::{Action, NewValue};
use crate::fix::Change;

/// Replace the bytes `start..end` of the text with `text` (an insertion when they are equal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// First byte replaced.
    pub start: usize,
    /// Past the last byte replaced.
    pub end: usize,
    /// The new bytes.
    pub text: String,
}

/// A change the text does not allow (a block scalar, a key already written, a position outside
/// the text): the file is left as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub String);

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The edits that make `changes` (all in one file) in `text`, sorted and not overlapping.
/// Options added to one string, and env entries added to one container, become one edit.
pub fn plan(text: &str, changes: &[&Change]) -> Result<Vec<Edit>, PlanError> {
    let t = Text::new(text);
    let mut options: BTreeMap<_, Vec<&Action>> = BTreeMap::new();
    let mut envs: BTreeMap<_, Vec<(String, String)>> = BTreeMap::new();
    let mut edits = Vec::new();
    let mut seen = Vec::new();
    for c in changes {
        if seen.contains(&&c.action) {
            continue;
        }
        seen.push(&c.action);
        match &c.action {
            Action::SetScalar { at, value } => edits.push(set_scalar(&t, *at, value)?),
            Action::AddKeys {
                anchor,
                path,
                value,
            } => edits.push(super::plan_keys::add_keys(&t, *anchor, path, value)?),
            Action::AddOption { at, .. } => options.entry(*at).or_default().push(&c.action),
            Action::AddEnv {
                container,
                first,
                name,
                value,
            } => envs
                .entry((*container, *first))
                .or_default()
                .push((name.clone(), value.clone())),
            Action::DockerEnv {
                after_line,
                name,
                value,
            } => edits.push(docker_env(&t, *after_line, name, value)?),
        }
    }
    for (_, opts) in options {
        edits.extend(super::plan_options::add_options(&t, &opts)?);
    }
    for ((container, first), vars) in envs {
        let vars = merge_env(vars);
        for (name, value) in vars {
            edits.push(super::plan_keys::add_env(
                &t, container, first, &name, &value,
            )?);
        }
    }
    merge_inserts(&mut edits);
    edits.sort_by_key(|e| (e.start, e.end));
    if edits.windows(2).any(|w| w[0].end > w[1].start) {
        return Err(PlanError("two fixes change the same bytes".into()));
    }
    Ok(edits)
}

/// Values of one variable joined (the options for one `JAVA_TOOL_OPTIONS`).
fn merge_env(vars: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in vars {
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) if !v.split_whitespace().any(|w| w == value) => {
                v.push(' ');
                v.push_str(&value);
            }
            Some(_) => {}
            None => out.push((name, value)),
        }
    }
    out
}

/// Insertions at one offset become one, in the order given.
fn merge_inserts(edits: &mut Vec<Edit>) {
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits.drain(..) {
        match out
            .iter_mut()
            .find(|o| o.start == e.start && o.end == o.start && e.end == e.start)
        {
            Some(o) => o.text.push_str(&e.text),
            None => out.push(e),
        }
    }
    *edits = out;
}

/// `text` with `edits` (sorted, not overlapping) made.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

pub(super) fn offset(t: &Text<'_>, p: oomdoc_model::span::Pos) -> Result<usize, PlanError> {
    t.offset(p).ok_or_else(|| {
        PlanError(format!(
            "line {} column {} is not in the file (it changed since it was read?)",
            p.line, p.column
        ))
    })
}

fn set_scalar(t: &Text<'_>, at: oomdoc_model::span::Pos, value: &str) -> Result<Edit, PlanError> {
    let o = offset(t, at)?;
    let s = t
        .scalar(o)
        .map_err(|e| PlanError(format!("line {}: {e}", at.line)))?;
    let numeric = value.chars().all(|c| c.is_ascii_digit());
    let text = match s.style {
        Style::Plain if t.json && !numeric => dq(value),
        _ => value.to_string(),
    };
    Ok(Edit {
        start: s.content.start,
        end: s.content.end,
        text,
    })
}

/// `ENV NAME="value"` on a new line after `after_line`.
fn docker_env(t: &Text<'_>, after_line: u32, name: &str, value: &str) -> Result<Edit, PlanError> {
    // The instruction may go on over continuation lines.
    let mut line = after_line;
    while t.line(line).trim_end().ends_with('\\') && line < t.lines() {
        line += 1;
    }
    let start = t
        .line_start(line + 1)
        .ok_or_else(|| PlanError(format!("line {after_line} is not in the file")))?;
    let mut text = format!("ENV {name}={}{}", dq(value), t.nl);
    if start == t.s.len() && !t.s.ends_with('\n') {
        text.insert_str(0, t.nl);
    }
    Ok(Edit {
        start,
        end: start,
        text,
    })
}

/// The value written for a new scalar: plain in block YAML when that reads back the same,
/// else double-quoted.
pub(super) fn scalar_text(v: &str, flow: bool) -> String {
    let plain_safe = !v.is_empty()
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        && v.chars().next().is_some_and(|c| c.is_ascii_digit());
    if plain_safe && !flow {
        v.to_string()
    } else {
        dq(v)
    }
}

pub(super) fn new_value_block(v: &NewValue, indent: &str, nl: &str) -> String {
    match v {
        NewValue::Scalar(s) => format!(" {}", scalar_text(s, false)),
        NewValue::Env { name, value } => format!(
            "{nl}{indent}- name: {name}{nl}{indent}  value: {}",
            dq(value)
        ),
    }
}

pub(super) fn new_value_flow(v: &NewValue) -> String {
    match v {
        NewValue::Scalar(s) => scalar_text(s, true),
        NewValue::Env { name, value } => {
            format!("[{{\"name\": {}, \"value\": {}}}]", dq(name), dq(value))
        }
    }
}
