//! The lexical layer of the Dockerfile reader: word splitting, the builder's shell lexer (quotes,
//! escapes, variable substitution), exec-form JSON arrays and heredoc markers, on runs of
//! characters that keep their positions.

use oomdoc_model::span::{Pos, Spanned};

/// A run of characters with the position of each.
pub(crate) type Src = [(char, Pos)];

pub(crate) fn chars_to_string(s: &Src) -> String {
    s.iter().map(|(c, _)| *c).collect()
}

pub(crate) fn trim(s: &Src) -> &Src {
    let start = s
        .iter()
        .position(|(c, _)| !c.is_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|(c, _)| !c.is_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// A name given as plain text, as a source run at `pos` (for substitution in `LABEL` keys).
pub(crate) fn name_src(name: &str, pos: Pos) -> Vec<(char, Pos)> {
    name.chars().map(|c| (c, pos)).collect()
}

/// Splits an instruction's arguments into words at blanks outside quotes; quotes and escapes
/// stay in the words (as BuildKit's `parseWords`).
pub(crate) fn words(s: &Src, escape: char) -> Vec<&Src> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < s.len() {
        let c = s[i].0;
        if quote.is_none() && c.is_whitespace() {
            if let Some(b) = start.take() {
                out.push(&s[b..i]);
            }
            i += 1;
            continue;
        }
        start.get_or_insert(i);
        if c == escape && quote != Some('\'') {
            i += 2;
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            _ => {}
        }
        i += 1;
    }
    if let Some(b) = start {
        out.push(&s[b..]);
    }
    out
}

/// A variable's value by name.
pub(crate) type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Where variable values come from during substitution.
pub(crate) struct Vars<'a> {
    /// The value of a variable the Dockerfile defines (`ARG`, `ENV`); `None` when it does not.
    pub lookup: Lookup<'a>,
    /// Keep `$NAME` and `${NAME}` as written when the Dockerfile does not define `NAME`: the base
    /// image's `ENV` may (`$PATH`, `$JAVA_HOME`), and that is not known here. `FROM` lines see
    /// only `ARG`s, so there an undefined variable is empty, as the builder makes it.
    pub keep_unknown: bool,
}

/// The longest word substitution builds (64 KiB): `ENV A=$B$B` doubles at every line, so a small
/// Dockerfile could ask for gigabytes. A longer result is not built; the word is kept as written.
pub(crate) const MAX_WORD: usize = 64 << 10;
/// The deepest `${X:-${Y:-...}}` nesting evaluated; deeper words are kept as written (the
/// substitution recurses, and a 60 KB nest overflowed the stack).
const MAX_NESTING: u32 = 32;

/// The builder's shell lexer on one word: quote removal, escapes, and variable substitution.
pub(crate) fn process_word(s: &Src, vars: &Vars<'_>, escape: char) -> String {
    process_word_at(s, vars, escape, 0)
}

fn process_word_at(s: &Src, vars: &Vars<'_>, escape: char, depth: u32) -> String {
    if depth > MAX_NESTING {
        return chars_to_string(s);
    }
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i].0;
        if c == escape {
            if let Some((n, _)) = s.get(i + 1) {
                out.push(*n);
            }
            i += 2;
        } else if c == '\'' {
            i += 1;
            while i < s.len() && s[i].0 != '\'' {
                out.push(s[i].0);
                i += 1;
            }
            i += 1;
        } else if c == '"' {
            i += 1;
            while i < s.len() && s[i].0 != '"' {
                let ch = s[i].0;
                if ch == escape
                    && s.get(i + 1)
                        .is_some_and(|(n, _)| matches!(n, '"' | '$') || *n == escape)
                {
                    out.push(s[i + 1].0);
                    i += 2;
                } else if ch == '$' {
                    i = dollar(s, i, vars, escape, &mut out, depth);
                    if out.len() > MAX_WORD {
                        return chars_to_string(s);
                    }
                } else {
                    out.push(ch);
                    i += 1;
                }
            }
            i += 1;
        } else if c == '$' {
            i = dollar(s, i, vars, escape, &mut out, depth);
            if out.len() > MAX_WORD {
                return chars_to_string(s);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Substitutes the variable reference at `s[i] == '$'`; returns the index after it.
fn dollar(s: &Src, i: usize, vars: &Vars<'_>, escape: char, out: &mut String, nest: u32) -> usize {
    let lookup = &vars.lookup;
    let Some(&(next, _)) = s.get(i + 1) else {
        out.push('$');
        return i + 1;
    };
    if next != '{' {
        let end = (i + 1..s.len())
            .find(|&j| !is_name_char(s[j].0))
            .unwrap_or(s.len());
        if end == i + 1 {
            out.push('$');
            return i + 1;
        }
        match lookup(&chars_to_string(&s[i + 1..end])) {
            Some(v) => out.push_str(&v),
            None if vars.keep_unknown => out.push_str(&chars_to_string(&s[i..end])),
            None => {}
        }
        return end;
    }
    let name_end = (i + 2..s.len())
        .find(|&j| !is_name_char(s[j].0))
        .unwrap_or(s.len());
    let name = chars_to_string(&s[i + 2..name_end]);
    // The closing brace, allowing nested `${…}` in the word.
    let mut depth = 1;
    let mut close = None;
    let mut j = name_end;
    while j < s.len() {
        match s[j].0 {
            '{' if j > 0 && s[j - 1].0 == '$' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            _ => {}
        }
        j += 1;
    }
    let Some(close) = close else {
        // `${` without `}`: kept as written.
        out.push_str(&chars_to_string(&s[i..]));
        return s.len();
    };
    let value = lookup(&name);
    let mut k = name_end;
    let colon = s.get(k).is_some_and(|(c, _)| *c == ':');
    if colon {
        k += 1;
    }
    let set = value.as_ref().is_some_and(|v| !colon || !v.is_empty());
    let word = || process_word_at(&s[(k + 1).min(close)..close], vars, escape, nest + 1);
    match s.get(k).map(|(c, _)| *c) {
        _ if value.is_none()
            && vars.keep_unknown
            && (k >= close || !matches!(s[k].0, '-' | '+' | '?')) =>
        {
            out.push_str(&chars_to_string(&s[i..=close]))
        }
        _ if k >= close => out.push_str(&value.unwrap_or_default()),
        Some('-') if !set => out.push_str(&word()),
        Some('+') if set => out.push_str(&word()),
        Some('+') => {}
        // `-`, `?` with the variable set, and pattern operators (`#`, `%`, `/`), which are not
        // modelled: the value.
        _ => out.push_str(&value.unwrap_or_default()),
    }
    close + 1
}

/// A JSON array of strings (exec form), each at the position of its opening quote; `None` when
/// the text is not one (then the instruction is in shell form).
pub(crate) fn json_array(s: &Src) -> Option<Vec<Spanned<String>>> {
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < s.len() && s[*i].0.is_whitespace() {
            *i += 1;
        }
    };
    ws(&mut i);
    if s.get(i)?.0 != '[' {
        return None;
    }
    i += 1;
    ws(&mut i);
    let mut out = Vec::new();
    if s.get(i)?.0 == ']' {
        i += 1;
    } else {
        loop {
            ws(&mut i);
            let (open, pos) = *s.get(i)?;
            if open != '"' {
                return None;
            }
            i += 1;
            let mut v = String::new();
            loop {
                let (c, _) = *s.get(i)?;
                i += 1;
                match c {
                    '"' => break,
                    '\\' => {
                        let (e, _) = *s.get(i)?;
                        i += 1;
                        match e {
                            '"' | '\\' | '/' => v.push(e),
                            'b' => v.push('\u{8}'),
                            'f' => v.push('\u{c}'),
                            'n' => v.push('\n'),
                            'r' => v.push('\r'),
                            't' => v.push('\t'),
                            'u' => {
                                let hex: String =
                                    s.get(i..i + 4)?.iter().map(|(c, _)| *c).collect();
                                i += 4;
                                let mut cp = u32::from_str_radix(&hex, 16).ok()?;
                                if (0xD800..0xDC00).contains(&cp)
                                    && s.get(i)?.0 == '\\'
                                    && s.get(i + 1)?.0 == 'u'
                                {
                                    let lo: String =
                                        s.get(i + 2..i + 6)?.iter().map(|(c, _)| *c).collect();
                                    let lo = u32::from_str_radix(&lo, 16).ok()?;
                                    i += 6;
                                    cp = 0x10000
                                        + ((cp - 0xD800) << 10)
                                        + (lo.checked_sub(0xDC00)?);
                                }
                                v.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            }
                            _ => return None,
                        }
                    }
                    c if (c as u32) < 0x20 => return None,
                    c => v.push(c),
                }
            }
            out.push(Spanned::new(v, pos));
            ws(&mut i);
            match s.get(i)?.0 {
                ',' => i += 1,
                ']' => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    ws(&mut i);
    (i == s.len()).then_some(out)
}

/// The heredocs an instruction opens (`<<EOF`, `<<-EOF`, `<<"EOF"`), in order: the terminator
/// word, whether leading tabs are stripped, and where it is.
pub(crate) fn heredocs(s: &Src) -> Vec<(String, bool, Pos)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < s.len() {
        if !(s[i].0 == '<' && s[i + 1].0 == '<') || s[i + 2].0 == '<' {
            i += 1;
            continue;
        }
        let at = s[i].1;
        let mut j = i + 2;
        let strip = s[j].0 == '-';
        if strip {
            j += 1;
        }
        let quote = s
            .get(j)
            .map(|(c, _)| *c)
            .filter(|c| *c == '"' || *c == '\'');
        if quote.is_some() {
            j += 1;
        }
        let start = j;
        while j < s.len() && (is_name_char(s[j].0) || s[j].0 == '-') {
            j += 1;
        }
        let word = chars_to_string(&s[start..j]);
        if let Some(q) = quote {
            if s.get(j).map(|(c, _)| *c) != Some(q) {
                i = j;
                continue;
            }
            j += 1;
        }
        if !word.is_empty() {
            out.push((word, strip, at));
        }
        i = j.max(i + 2);
    }
    out
}
