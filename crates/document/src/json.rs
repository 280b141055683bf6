//! A strict JSON reader that feeds the same tree builder as the YAML parser.
//!
//! saphyr-parser never drops a possible implicit key inside a flow collection, so it queues every
//! token of a multi-line JSON document until the document ends: a 56 MB `kubectl get -o json`
//! List cost 750 MB. Strict JSON needs none of that, and reading it directly is also faster.
//! Anything that is not strict JSON (YAML flow style with comments, unquoted keys, trailing
//! commas) makes [`parse`] return `None`, and the YAML parser reads it instead. Like `kubectl`,
//! several JSON values in a row are read as several documents.

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span};

use crate::compat::Shifts;
use crate::tree::{Builder, Mode, Parsed};

/// True when `text` starts (after white space) like a JSON document.
pub(crate) fn looks_like_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches([' ', '\t', '\r', '\n'])
            .as_bytes()
            .first(),
        Some(b'{' | b'[')
    )
}

/// Reads `text` as a stream of JSON values, one document each; `None` if it is not strict JSON.
pub(crate) fn parse(text: &str, first_line: u32, max_alias: usize) -> Option<Parsed> {
    let shifts = Shifts::default();
    let mut b = Builder::new(Mode::Build, first_line, max_alias, &shifts);
    let mut out = Parsed::default();
    let mut lx = Lexer {
        s: text,
        b: text.as_bytes(),
        i: 0,
        line: 1,
        col_at: 0,
        col: 0,
    };
    loop {
        lx.ws();
        if lx.i == lx.b.len() {
            return Some(out);
        }
        b.start_document();
        if let Err(e) = lx.value(&mut b) {
            // A builder error is real (there are no aliases in JSON, so it cannot happen);
            // a syntax error means "not strict JSON".
            out.error = Some(e?);
            return Some(out);
        }
        b.end_document(&mut out);
    }
}

/// Nesting Go's encoding/json accepts; deeper input goes to the YAML parser, which refuses it.
const MAX_DEPTH: usize = 10_000;

/// Not strict JSON (`Err(None)`), or an error from the builder.
type Fail = Option<crate::tree::ParseError>;

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// 1-based line of `i`.
    line: usize,
    /// Byte offset up to which `col` is counted.
    col_at: usize,
    /// 0-based column (characters) of `col_at`.
    col: usize,
}

impl<'a> Lexer<'a> {
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.col_at = self.i;
                    self.col = 0;
                }
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn span(&mut self) -> Span {
        // Count characters, not bytes: UTF-8 continuation bytes do not start one.
        self.col += self.b[self.col_at..self.i]
            .iter()
            .filter(|&&c| c & 0xC0 != 0x80)
            .count();
        self.col_at = self.i;
        Span::empty(Marker::new(self.i, self.line, self.col))
    }

    fn emit(&mut self, b: &mut Builder<'_>, ev: Event<'_>, span: Span) -> Result<(), Fail> {
        b.event(ev, span).map_err(Some)
    }

    /// One complete value; containers are handled with an explicit stack (no recursion).
    fn value(&mut self, b: &mut Builder<'_>) -> Result<(), Fail> {
        // true: inside an object.
        let mut stack: Vec<bool> = Vec::new();
        'value: loop {
            self.ws();
            let span = self.span();
            match self.peek().ok_or(None)? {
                open @ (b'{' | b'[') => {
                    self.i += 1;
                    let obj = open == b'{';
                    let ev = if obj {
                        Event::MappingStart(0, None)
                    } else {
                        Event::SequenceStart(0, None)
                    };
                    self.emit(b, ev, span)?;
                    self.ws();
                    let close = if obj { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        let span = self.span();
                        self.i += 1;
                        let ev = if obj {
                            Event::MappingEnd
                        } else {
                            Event::SequenceEnd
                        };
                        self.emit(b, ev, span)?;
                    } else {
                        if stack.len() >= MAX_DEPTH {
                            return Err(None);
                        }
                        stack.push(obj);
                        if obj {
                            self.key(b)?;
                        }
                        continue 'value;
                    }
                }
                b'"' => {
                    let s = self.string()?;
                    self.emit(
                        b,
                        Event::Scalar(s, ScalarStyle::DoubleQuoted, 0, None),
                        span,
                    )?;
                }
                _ => {
                    let s = self.literal()?;
                    self.emit(
                        b,
                        Event::Scalar(Cow::Borrowed(s), ScalarStyle::Plain, 0, None),
                        span,
                    )?;
                }
            }
            // A value is complete: continue or close the containers around it.
            loop {
                let Some(&obj) = stack.last() else {
                    return Ok(());
                };
                self.ws();
                let span = self.span();
                match self.peek().ok_or(None)? {
                    b',' => {
                        self.i += 1;
                        if obj {
                            self.key(b)?;
                        }
                        continue 'value;
                    }
                    b'}' if obj => {
                        self.i += 1;
                        stack.pop();
                        self.emit(b, Event::MappingEnd, span)?;
                    }
                    b']' if !obj => {
                        self.i += 1;
                        stack.pop();
                        self.emit(b, Event::SequenceEnd, span)?;
                    }
                    _ => return Err(None),
                }
            }
        }
    }

    /// `"key":`
    fn key(&mut self, b: &mut Builder<'_>) -> Result<(), Fail> {
        self.ws();
        let span = self.span();
        if self.peek() != Some(b'"') {
            return Err(None);
        }
        let k = self.string()?;
        self.emit(
            b,
            Event::Scalar(k, ScalarStyle::DoubleQuoted, 0, None),
            span,
        )?;
        self.ws();
        if self.peek() != Some(b':') {
            return Err(None);
        }
        self.i += 1;
        Ok(())
    }

    /// `true`, `false`, `null` or a number, exactly as JSON writes them.
    fn literal(&mut self) -> Result<&'a str, Fail> {
        let start = self.i;
        for word in ["true", "false", "null"] {
            if self.b[start..].starts_with(word.as_bytes()) {
                self.i += word.len();
                return Ok(word);
            }
        }
        let digits = |lx: &mut Self| {
            let st = lx.i;
            while lx.peek().is_some_and(|c| c.is_ascii_digit()) {
                lx.i += 1;
            }
            lx.i - st
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(None),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(None);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(None);
            }
        }
        Ok(&self.s[start..self.i])
    }

    /// A string (the cursor is on its opening quote), unescaped.
    fn string(&mut self) -> Result<Cow<'a, str>, Fail> {
        self.i += 1;
        let start = self.i;
        // Fast path: no escapes.
        loop {
            match self.peek().ok_or(None)? {
                b'"' => {
                    self.i += 1;
                    return Ok(Cow::Borrowed(&self.s[start..self.i - 1]));
                }
                b'\\' => break,
                c if c < 0x20 => return Err(None),
                _ => self.i += 1,
            }
        }
        let mut out = String::from(&self.s[start..self.i]);
        loop {
            let run = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(&self.s[run..self.i]);
            match self.peek().ok_or(None)? {
                b'"' => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek().ok_or(None)?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(None),
                    }
                }
                _ => return Err(None),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Fail> {
        let h = self.s.get(self.i..self.i + 4).ok_or(None)?;
        let v = u32::from_str_radix(h, 16).map_err(|_| None)?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(None);
        }
        self.i += 4;
        Ok(v)
    }

    /// `\uXXXX`, with surrogate pairs; a lone surrogate becomes U+FFFD, as Go decodes it.
    fn unicode_escape(&mut self) -> Result<char, Fail> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}
