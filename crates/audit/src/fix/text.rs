//! A file's text as the planner sees it: lines, positions to byte offsets, and where a YAML
//! scalar written at a position ends.

use oomdoc_model::span::Pos;

/// A text with its line starts.
pub(super) struct Text<'a> {
    pub s: &'a str,
    starts: Vec<usize>,
    /// The newline the file uses (`\r\n` or `\n`).
    pub nl: &'static str,
    /// The document is JSON (its first character is `{` or `[`): keys and strings are quoted.
    pub json: bool,
}

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    Single,
    Double,
}

/// A scalar: its style, the whole of it (quotes included) and its content (inside the quotes).
pub(super) struct Scalar {
    pub style: Style,
    pub end: usize,
    pub content: std::ops::Range<usize>,
}

impl<'a> Text<'a> {
    pub fn new(s: &'a str) -> Text<'a> {
        let mut starts = vec![0];
        starts.extend(s.match_indices('\n').map(|(i, _)| i + 1));
        let nl = if s.contains("\r\n") { "\r\n" } else { "\n" };
        let json = s
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '[']);
        Text {
            s,
            starts,
            nl,
            json,
        }
    }

    /// The byte offset where line `n` (1-based) starts.
    pub fn line_start(&self, n: u32) -> Option<usize> {
        self.starts.get((n as usize).checked_sub(1)?).copied()
    }

    /// Line `n` without its line break.
    pub fn line(&self, n: u32) -> &'a str {
        let Some(start) = self.line_start(n) else {
            return "";
        };
        let end = self.line_start(n + 1).unwrap_or(self.s.len());
        self.s[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The number of lines.
    pub fn lines(&self) -> u32 {
        self.starts.len() as u32
    }

    /// The line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        self.starts.partition_point(|&s| s <= offset) as u32
    }

    /// The byte offset of a position (a 1-based column counted in characters).
    pub fn offset(&self, p: Pos) -> Option<usize> {
        let start = self.line_start(p.line)?;
        let line = self.line(p.line);
        let col = (p.column as usize).checked_sub(1)?;
        match line.char_indices().nth(col) {
            Some((i, _)) => Some(start + i),
            None if line.chars().count() == col => Some(start + line.len()),
            None => None,
        }
    }

    /// Line `n` starts with spaces, then this many.
    pub fn indent(&self, n: u32) -> usize {
        let l = self.line(n);
        l.len() - l.trim_start_matches(' ').len()
    }

    /// Line `n` holds nothing but spaces or a comment.
    pub fn is_blank(&self, n: u32) -> bool {
        let t = self.line(n).trim();
        t.is_empty() || t.starts_with('#')
    }

    /// Where the content of line `n` starts past its indentation and sequence dashes: the
    /// column its mapping's keys are at.
    pub fn content_indent(&self, n: u32) -> usize {
        let l = self.line(n);
        let mut i = self.indent(n);
        let b = l.as_bytes();
        while i < b.len() && b[i] == b'-' && b.get(i + 1).is_none_or(|c| *c == b' ') {
            i += 1;
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
        }
        i
    }

    /// True when `offset` is inside a flow collection (`{…}`, `[…]`) on its line, or the
    /// document is JSON.
    fn in_flow(&self, offset: usize) -> bool {
        if self.json {
            return true;
        }
        let start = self.line_start(self.line_of(offset)).unwrap_or(0);
        let mut depth = 0i32;
        let mut quote = None;
        for c in self.s[start..offset].chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '{' | '[') => depth += 1,
                (None, '}' | ']') => depth -= 1,
                (None, '#') => break,
                _ => {}
            }
        }
        depth > 0
    }

    /// The scalar written at `offset`; an error for block scalars (`|`, `>`) and plain scalars
    /// continued on the next line.
    pub fn scalar(&self, offset: usize) -> Result<Scalar, String> {
        let rest = &self.s[offset..];
        let b = rest.as_bytes();
        match b.first() {
            Some(b'"') => {
                let mut i = 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return Err("an unterminated double-quoted string".into());
                }
                Ok(quoted(Style::Double, offset, i))
            }
            Some(b'\'') => {
                let mut i = 1;
                while i < b.len() && !(b[i] == b'\'' && b.get(i + 1) != Some(&b'\'')) {
                    i += if b[i] == b'\'' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return Err("an unterminated single-quoted string".into());
                }
                Ok(quoted(Style::Single, offset, i))
            }
            Some(b'|' | b'>') => Err("a block scalar (| or >)".into()),
            _ => self.plain(offset),
        }
    }

    fn plain(&self, offset: usize) -> Result<Scalar, String> {
        let flow = self.in_flow(offset);
        let line = self.line_of(offset);
        let line_end = offset
            + self.s[offset..]
                .find(['\n', '\r'])
                .unwrap_or(self.s.len() - offset);
        let text = &self.s[offset..line_end];
        let mut end = text.len();
        if let Some(i) = text.find(" #") {
            end = i;
        }
        if flow {
            if let Some(i) = text[..end].find([',', ']', '}']) {
                end = i;
            }
        }
        let end = offset + text[..end].trim_end().len();
        if !flow {
            // A plain scalar goes on on the next lines that are indented more than its key.
            let key = self.content_indent(line);
            let next = (line + 1..=self.lines()).find(|&n| !self.is_blank(n));
            if next.is_some_and(|n| {
                self.indent(n) > key && !self.line(n).trim_start().starts_with('-')
            }) {
                return Err("a plain scalar written on several lines".into());
            }
        }
        Ok(Scalar {
            style: Style::Plain,
            end,
            content: offset..end,
        })
    }
}

fn quoted(style: Style, offset: usize, close: usize) -> Scalar {
    Scalar {
        style,
        end: offset + close + 1,
        content: offset + 1..offset + close,
    }
}

/// `s` as a double-quoted YAML (and JSON) string.
pub(super) fn dq(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
