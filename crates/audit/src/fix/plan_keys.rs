//! Keys added to a mapping, and entries added to an env list, in block or flow style as the
//! mapping is written.

use oomdoc_model::span::Pos;

use super::plan::{new_value_block, new_value_flow, offset, Edit, PlanError};
use super::text::{dq, Text};
use super::{Anchor, NewValue};

/// Where a mapping is written.
enum Mapping {
    /// Block style: its first key on `first_line`, its keys `indent` spaces in.
    Block { first_line: u32, indent: usize },
    /// Flow style (or JSON): its `{` at this offset.
    Flow(usize),
}

fn err<T>(line: u32, what: &str) -> Result<T, PlanError> {
    Err(PlanError(format!("line {line}: {what}")))
}

/// The mapping that is the value of the key at `o` (line `line`).
fn value_of_key(t: &Text<'_>, o: usize, line: u32) -> Result<Mapping, PlanError> {
    let key_end = match t.s.as_bytes()[o] {
        b'"' | b'\'' => t.scalar(o).map_err(PlanError)?.end,
        _ => o + t.s[o..].find(':').unwrap_or(0),
    };
    let rest = &t.s[key_end..];
    let Some(after) = rest.strip_prefix(':') else {
        return err(line, "no `:` after the key");
    };
    let value_at = key_end + 1 + (after.len() - after.trim_start_matches([' ', '\t']).len());
    let tail = t.line(line);
    let line_rest = &t.s[value_at..t.line_start(line).unwrap_or(0) + tail.len()];
    if line_rest.starts_with('{') {
        return Ok(Mapping::Flow(value_at));
    }
    if !(line_rest.trim().is_empty() || line_rest.trim_start().starts_with('#')) {
        return err(line, "the key's value is not a mapping");
    }
    let key_indent = t.s[t.line_start(line).unwrap_or(0)..o].chars().count();
    match (line + 1..=t.lines()).find(|&n| !t.is_blank(n)) {
        Some(n) if t.indent(n) > key_indent => {
            if t.s[t.line_start(n).unwrap_or(0)..]
                .trim_start()
                .starts_with('{')
            {
                return err(line, "a flow mapping on its own line");
            }
            Ok(Mapping::Block {
                first_line: n,
                indent: t.indent(n),
            })
        }
        _ => err(line, "an empty mapping"),
    }
}

fn mapping(t: &Text<'_>, anchor: Anchor) -> Result<Mapping, PlanError> {
    match anchor {
        Anchor::Key(p) => value_of_key(t, offset(t, p)?, p.line),
        Anchor::Node(p) => {
            let o = offset(t, p)?;
            if t.s.as_bytes().get(o) == Some(&b'{') {
                return Ok(Mapping::Flow(o));
            }
            let indent = t.s[t.line_start(p.line).unwrap_or(0)..o].chars().count();
            Ok(Mapping::Block {
                first_line: p.line,
                indent,
            })
        }
    }
}

/// True when `line` holds the key `key` at column `indent`.
fn has_key(t: &Text<'_>, line: u32, indent: usize, key: &str) -> bool {
    let l = t.line(line);
    let Some(rest) = l.get(indent..) else {
        return false;
    };
    [
        format!("{key}:"),
        format!("{}:", dq(key)),
        format!("'{key}':"),
    ]
    .iter()
    .any(|k| rest.starts_with(k.as_str()))
}

/// `path: value` added to the mapping at `anchor`.
pub(super) fn add_keys(
    t: &Text<'_>,
    anchor: Anchor,
    path: &[String],
    value: &NewValue,
) -> Result<Edit, PlanError> {
    match mapping(t, anchor)? {
        Mapping::Block { first_line, indent } => add_block(t, first_line, indent, path, value),
        Mapping::Flow(o) => add_flow(t, o, path, value),
    }
}

fn add_block(
    t: &Text<'_>,
    first_line: u32,
    indent: usize,
    path: &[String],
    value: &NewValue,
) -> Result<Edit, PlanError> {
    let key = path.first().map(String::as_str).unwrap_or("");
    // The mapping's last line: the last non-blank line before one indented less than its keys.
    let mut last = first_line;
    for n in first_line..=t.lines() {
        if n > first_line && !t.is_blank(n) && t.indent(n) < indent {
            break;
        }
        if t.is_blank(n) {
            continue;
        }
        let key_col = if n == first_line { indent } else { t.indent(n) };
        if key_col == indent && has_key(t, n, indent, key) {
            return err(n, &format!("`{key}` is already written"));
        }
        last = n;
    }
    let nl = t.nl;
    let mut text = String::new();
    for (depth, k) in path.iter().enumerate() {
        let ind = " ".repeat(indent + 2 * depth);
        text.push_str(&format!("{ind}{k}:"));
        if depth + 1 < path.len() {
            text.push_str(nl);
        } else {
            text.push_str(&new_value_block(
                value,
                &" ".repeat(indent + 2 * depth + 2),
                nl,
            ));
            text.push_str(nl);
        }
    }
    let start = match t.line_start(last + 1) {
        Some(s) => s,
        None => {
            text.insert_str(0, nl);
            t.s.len()
        }
    };
    Ok(Edit {
        start,
        end: start,
        text,
    })
}

fn add_flow(t: &Text<'_>, o: usize, path: &[String], value: &NewValue) -> Result<Edit, PlanError> {
    let line = t.line_of(o);
    let key = path.first().map(String::as_str).unwrap_or("");
    let body = flow_body(t, o)
        .ok_or_else(|| PlanError(format!("line {line}: no `}}` closes the mapping")))?;
    if body.contains(&format!("{}:", dq(key)))
        || body.contains(&format!("{{{key}:"))
        || body.contains(&format!(" {key}:"))
    {
        return err(line, &format!("`{key}` is already written"));
    }
    let mut inner = new_value_flow(value);
    for k in path.iter().rev() {
        inner = format!("{}: {inner}", dq(k));
        if k != key {
            inner = format!("{{{inner}}}");
        }
    }
    let after = &t.s[o + 1..];
    let text = if after.trim_start_matches([' ', '\t']).starts_with('}') {
        inner
    } else if after.starts_with(['\n', '\r']) {
        let next = (line + 1..=t.lines())
            .find(|&n| !t.is_blank(n))
            .unwrap_or(line);
        format!("{}{}{inner},", t.nl, " ".repeat(t.indent(next)))
    } else {
        format!("{inner}, ")
    };
    Ok(Edit {
        start: o + 1,
        end: o + 1,
        text,
    })
}

/// The text of the flow mapping whose `{` is at `o`, braces included.
fn flow_body<'a>(t: &Text<'a>, o: usize) -> Option<&'a str> {
    let mut depth = 0;
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in t.s[o..].char_indices() {
        match (quote, c) {
            (Some('"'), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(q), c) if c == q && !escaped => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(&t.s[o..=o + i]);
                }
            }
            _ => {}
        }
        escaped = false;
    }
    None
}

/// An env entry added before the container's first one, or an `env` list added to it.
pub(super) fn add_env(
    t: &Text<'_>,
    container: Pos,
    first: Option<Pos>,
    name: &str,
    value: &str,
) -> Result<Edit, PlanError> {
    let Some(first) = first else {
        let v = NewValue::Env {
            name: name.to_string(),
            value: value.to_string(),
        };
        return add_keys(t, Anchor::Node(container), &["env".to_string()], &v);
    };
    let o = offset(t, first)?;
    if t.s.as_bytes().get(o) == Some(&b'{') {
        return Ok(Edit {
            start: o,
            end: o,
            text: format!("{{\"name\": {}, \"value\": {}}}, ", dq(name), dq(value)),
        });
    }
    let start = t.line_start(first.line).unwrap_or(0);
    let prefix = &t.s[start..o];
    if prefix.trim() != "-" {
        return err(
            first.line,
            "the env entry does not start its line with `- `",
        );
    }
    let cont = " ".repeat(prefix.chars().count());
    let nl = t.nl;
    Ok(Edit {
        start,
        end: start,
        text: format!("{prefix}name: {name}{nl}{cont}value: {}{nl}", dq(value)),
    })
}
