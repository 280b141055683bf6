//! Accepting what libyaml accepts where saphyr-parser is stricter.
//!
//! Kubernetes parses with go-yaml v2, a port of libyaml, which does not check indentation inside
//! flow collections or quoted scalars. saphyr follows YAML 1.2 to the letter and rejects, e.g.,
//! a multi-line quoted description whose continuation lines are indented less than its key
//! (common in generated CRDs) or a flow list whose `]` sits under its key (seen in a real
//! DaemonSet). When saphyr reports one of those errors, [`relax`] indents the offending lines
//! further and the chunk is parsed again. Indenting these lines never changes a value: leading
//! white space of continuation lines is folded away. [`Shifts`] maps columns back.

use saphyr_parser::ScanError;

/// Columns moved by [`relax`]: per line (1-based within the chunk), the spaces inserted.
#[derive(Debug, Default)]
pub(crate) struct Shifts(Vec<(u32, u32)>);

impl Shifts {
    /// The original 1-based column of 1-based column `col` on `line` of the relaxed text.
    pub(crate) fn unshift(&self, line: u32, col: u32) -> u32 {
        if self.0.is_empty() {
            return col;
        }
        match self.0.binary_search_by_key(&line, |&(l, _)| l) {
            Ok(i) => col.saturating_sub(self.0[i].1).max(1),
            Err(_) => col,
        }
    }

    fn add(&mut self, line: u32, n: u32) {
        match self.0.binary_search_by_key(&line, |&(l, _)| l) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (line, n)),
        }
    }
}

/// Whether another retry is allowed after `tries` on a chunk of `len` bytes: at most 64, and
/// at most 64 MiB parsed again in all, so a large adversarial document cannot cost much.
pub(crate) fn may_relax(tries: usize, len: usize) -> bool {
    tries < 64 && (tries + 1).saturating_mul(len) <= 64 << 20
}

/// A copy of `text` that saphyr should get past the error `e` on, or `None` when `e` is a real
/// error (libyaml would report it too).
pub(crate) fn relax(text: &str, e: &ScanError, shifts: &mut Shifts) -> Option<String> {
    let line = e.marker().line();
    let col = e.marker().col();
    let line_start = nth_line_start(text, line)?;
    match e.info() {
        "invalid indentation in quoted scalar" => {
            relax_quoted(text, line as u32, line_start, col, shifts)
        }
        "invalid indentation" | "invalid indentation in flow construct" => {
            relax_line(text, line as u32, line_start, col, shifts)
        }
        _ => None,
    }
}

/// Byte offset of the start of 1-based line `line`.
fn nth_line_start(text: &str, line: usize) -> Option<usize> {
    if line <= 1 {
        return Some(0);
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(line - 2)
        .map(|i| i + 1)
}

/// Indents every continuation line of the quoted scalar starting at (`line`, `col`) to `col`.
fn relax_quoted(
    text: &str,
    line: u32,
    line_start: usize,
    col: usize,
    shifts: &mut Shifts,
) -> Option<String> {
    let start = line_start + text[line_start..].char_indices().nth(col)?.0;
    let b = text.as_bytes();
    let quote = b[start];
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 256);
    let mut copied = 0;
    let mut i = start + 1;
    let mut cur_line = line;
    let mut changed = false;
    while i < b.len() {
        match b[i] {
            b'\'' if quote == b'\'' => {
                if b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                break;
            }
            b'"' if quote == b'"' => break,
            b'\\' if quote == b'"' => {
                // An escaped line break still starts a continuation line.
                i += if b.get(i + 1) == Some(&b'\n') { 1 } else { 2 };
                continue;
            }
            b'\n' => {
                cur_line += 1;
                let ls = i + 1;
                let ws = b[ls..]
                    .iter()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count();
                if ws < col {
                    out.push_str(&text[copied..ls]);
                    out.extend(std::iter::repeat_n(' ', col - ws));
                    copied = ls;
                    shifts.add(cur_line, (col - ws) as u32);
                    changed = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !changed {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// Indents `line`, whose first token at `col` is under-indented, to the indentation of the line
/// before it (or one more than now).
fn relax_line(
    text: &str,
    line: u32,
    line_start: usize,
    col: usize,
    shifts: &mut Shifts,
) -> Option<String> {
    let b = text.as_bytes();
    let ws = b[line_start..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    if ws != col {
        // The token is not the first on its line; indenting would not move it alone.
        return None;
    }
    let prev = text[..line_start.saturating_sub(1)]
        .rsplit('\n')
        .map(|l| {
            (
                l.len() - l.trim_start_matches([' ', '\t']).len(),
                l.trim_start_matches([' ', '\t']),
            )
        })
        .find(|(_, rest)| !rest.is_empty() && !rest.starts_with('#') && *rest != "\r")
        .map_or(0, |(w, _)| w);
    let target = prev.max(ws + 1);
    let add = target - ws;
    let mut out = String::with_capacity(text.len() + add);
    out.push_str(&text[..line_start]);
    out.extend(std::iter::repeat_n(' ', add));
    out.push_str(&text[line_start..]);
    shifts.add(line, add as u32);
    Some(out)
}
