//! Undoing the damage a pasted text has suffered before any reader sees it: CRLF, mail quoting
//! (`> `, `> > `), a blog's or editor's line numbers, leading tabs, a pager's `>` at a cut line end,
//! and kernel lines hard-wrapped by a mail client or a narrow page, joined back.
//!
//! The cleaned text has exactly as many lines as the input (a line joined to the one above it is
//! left empty), so every fact read from it cites the line number the user sees.

use std::borrow::Cow;

/// Lines of a text, each without its line break (`\n`, `\r\n` or a lone `\r` at the end).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// The leading decimal number of a line numbered by a blog or `cat -n` (`  12 `, `12: `, `12. `,
/// `12| `, `12\t`), and the rest of the line; `None` when the line does not start so.
fn numbered(line: &str) -> Option<(u64, &str)> {
    let t = line.trim_start_matches(' ');
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 7 {
        return None;
    }
    let n = t[..digits].parse().ok()?;
    let rest = &t[digits..];
    let rest = rest
        .strip_prefix(['.', ':', '|', ')'])
        .unwrap_or(rest)
        .strip_prefix([' ', '\t'])
        .or_else(|| rest.is_empty().then_some(""))?;
    Some((n, rest))
}

/// Whether the text's lines are numbered 1, 2, 3... (at least three lines, nearly all of them):
/// only then are leading numbers taken off, since many log lines start with a number.
fn is_numbered(text: &str) -> bool {
    let mut total = 0usize;
    let mut seq = 0usize;
    let mut prev: Option<u64> = None;
    for l in lines(text).filter(|l| !l.trim().is_empty()).take(400) {
        total += 1;
        let n = numbered(l).map(|(n, _)| n);
        if let (Some(p), Some(n)) = (prev, n) {
            if n == p + 1 {
                seq += 1;
            }
        }
        prev = n;
    }
    total >= 3 && seq * 10 >= (total - 1) * 8
}

/// Strips mail quote markers: `> `, `>> `, `> > `.
fn unquote(mut s: &str) -> &str {
    loop {
        let t = s.trim_start_matches(' ');
        match t.strip_prefix('>') {
            // `>` followed by text without a space is still a quote marker in mail.
            Some(r) if !r.starts_with('>') || !t.starts_with(">>>") => {
                s = r.strip_prefix(' ').unwrap_or(r);
            }
            _ => return s,
        }
    }
}

/// Whether a line starts with a quote marker (not a YAML block scalar `>` or a shell prompt).
fn quoted(l: &str) -> bool {
    let t = l.trim_start_matches(' ');
    t.starts_with("> ") || t == ">" || t.starts_with(">>") || t.starts_with(">[")
}

/// A pager's cut: `less -S` and `journalctl` mark a line cut at the screen's edge with `>`.
fn uncut(s: &str) -> &str {
    match s.strip_suffix('>') {
        Some(r) if !s.contains('<') && !r.ends_with(['-', '=', ' ', '>']) && r.len() >= 40 => r,
        _ => s,
    }
}

/// A scraped page's empty table cells after a line: `dump_stack+0x45/0x57 | |`.
fn untable(s: &str) -> &str {
    if s.trim_start().starts_with('|') {
        return s;
    }
    let t = s.trim_end_matches([' ', '|']);
    if t.len() < s.len() && s[t.len()..].contains('|') {
        t
    } else {
        s
    }
}

/// Markdown emphasis around a whole line's content (`      **Reason:  OOMKilled**`), removed
/// with the indentation kept.
fn unbold(s: &str) -> Cow<'_, str> {
    let t = s.trim_start();
    for m in ["**", "__"] {
        if let Some(inner) = t.strip_prefix(m).and_then(|r| r.strip_suffix(m)) {
            if !inner.is_empty() {
                return Cow::Owned(format!("{}{inner}", &s[..s.len() - t.len()]));
            }
        }
    }
    Cow::Borrowed(s)
}

/// Kernel lines that a mail client or page wraps, with what their continuation starts with.
fn wrapped_kernel_line(msg: &str) -> Option<bool> {
    // Some(true): join with a space (the wrap ate one); Some(false): join as is.
    if msg.contains("Killed process ") && !msg.contains("anon-rss") {
        return Some(true);
    }
    if msg.contains("oom-kill:constraint=") && !msg.contains(",pid=") {
        return Some(false);
    }
    if msg.contains(" invoked oom-killer:") && !msg.contains("oom_score_adj=") {
        return Some(true);
    }
    if (msg.starts_with("memory: usage") || msg.contains("] memory: usage"))
        && !msg.contains("failcnt")
    {
        return Some(true);
    }
    if msg.contains("Task in ") && !msg.contains("limit of ") {
        return Some(true);
    }
    if msg.contains("Kill process ") && !msg.contains("sacrifice child") {
        return Some(true);
    }
    None
}

/// Whether `next` continues a wrapped kernel line: no log prefix of its own, and it looks like
/// the rest of one (`anon-rss:..`, `kB, ...`, `oom_score_adj=0`, `limit of /kubepods/..`).
fn continues(next: &str) -> bool {
    let t = next.trim();
    if t.is_empty() || t.len() > 400 {
        return false;
    }
    let (stamp, msg) = crate::kernel_line::split_prefix(t);
    if !stamp.is_empty() || msg.len() != t.len() {
        return false;
    }
    let first = t.split_whitespace().next().unwrap_or("");
    let keyish = first.contains(':') || first.contains('=') || first.starts_with(',');
    let lower = t.as_bytes()[0].is_ascii_lowercase() || t.as_bytes()[0].is_ascii_digit();
    (keyish && lower)
        || t.starts_with("limit of ")
        || t.starts_with("killed as a result")
        || t.starts_with("or sacrifice child")
        || t.starts_with("sacrifice child")
        || t.starts_with("child")
        || t.starts_with("score ")
        || t.starts_with("failcnt ")
        || t.starts_with("oom_score_adj=")
        || t.starts_with("order=")
}

/// The width at which a terminal or a page hard-wrapped the text: the longest line's length, when
/// at least two lines have exactly that length and lines with a kernel stamp are among them.
fn wrap_width(text: &str) -> Option<usize> {
    if text.len() > 4 << 20 {
        return None;
    }
    let lens: Vec<usize> = lines(text).map(|l| l.chars().count()).collect();
    let max = lens.iter().copied().max().unwrap_or(0);
    // A line whose first character was lost in the paste is one shorter.
    let at_max = lens.iter().filter(|&&n| n + 1 >= max).count();
    (max >= 60 && at_max >= 2).then_some(max)
}

/// Whether a line has a kernel log stamp (so a stamp-less line after it may be its rest).
fn stamped(l: &str) -> bool {
    !crate::kernel_line::split_prefix(l).0.is_empty()
}

/// Whether `next` may be the rest of a line cut at the wrap width: no stamp of its own, not
/// indented, not empty.
fn rest_of_cut(next: &str) -> bool {
    !next.is_empty() && !next.starts_with([' ', '\t']) && !stamped(next)
}

/// The text with line damage undone, line for line. Borrowed when nothing needed undoing.
pub fn clean(text: &str) -> Cow<'_, str> {
    let numbered = is_numbered(text);
    let width = wrap_width(text);
    let hard_wrapped = width.is_some_and(|w| {
        let ls: Vec<&str> = lines(text).collect();
        ls.windows(2)
            .any(|p| p[0].chars().count() + 1 >= w && stamped(p[0]) && rest_of_cut(p[1]))
    });
    let damaged = numbered
        || hard_wrapped
        || text.contains('\r')
        || text.contains('\t')
        || lines(text).any(|l| {
            quoted(l)
                || uncut(l).len() != l.len()
                || unbold(l).len() != l.len()
                || untable(l).len() != l.len()
                || wrapped_kernel_line(l).is_some()
        });
    if !damaged {
        return Cow::Borrowed(text);
    }
    let mut out: Vec<String> = lines(text)
        .map(|l| {
            let mut s = l;
            if numbered {
                if let Some((_, rest)) = numbered_line(s) {
                    s = rest;
                }
            }
            if quoted(s) {
                s = unquote(s);
            }
            let s = s.trim_start_matches('\t');
            let s = untable(uncut(s));
            let s = unbold(s);
            let s: &str = &s;
            // Tabs inside a line (a paste from a table or a terminal) become single spaces.
            if s.contains('\t') {
                s.replace('\t', " ")
            } else {
                s.to_string()
            }
        })
        .collect();
    // Lines cut at a fixed width by a terminal or a page: every character is kept, so the rest
    // joins without a space.
    if let (true, Some(w)) = (hard_wrapped, width) {
        let mut i = 0;
        while i + 1 < out.len() {
            let mut j = i + 1;
            if out[i].chars().count() + 1 >= w && stamped(&out[i]) {
                while j < out.len() && rest_of_cut(&out[j]) {
                    let next = std::mem::take(&mut out[j]);
                    let full = next.chars().count() + 1 >= w;
                    out[i].push_str(&next);
                    j += 1;
                    if !full {
                        break;
                    }
                }
            }
            i = j;
        }
    }
    // Join hard-wrapped kernel lines back (at most three continuation lines each).
    let mut i = 0;
    while i + 1 < out.len() {
        let Some(space) = wrapped_kernel_line(&out[i]) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        let mut joined = false;
        while j < out.len() && j <= i + 3 && continues(&out[j]) {
            let next = std::mem::take(&mut out[j]);
            let next = next.trim();
            let glue = space && !out[i].ends_with(['=', '(']) && !next.starts_with(',');
            if glue {
                out[i].push(' ');
            }
            out[i].push_str(next);
            joined = true;
            j += 1;
            if wrapped_kernel_line(&out[i]).is_none() {
                break;
            }
        }
        i = if joined { j } else { i + 1 };
    }
    Cow::Owned(out.join("\n"))
}

fn numbered_line(s: &str) -> Option<(u64, &str)> {
    numbered(s)
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(clean("a\nb\n"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn quotes_numbers_tabs_and_crlf_are_undone_line_for_line() {
        assert_eq!(clean("> > a\r\n> b\r\n"), "a\nb\n");
        assert_eq!(clean("1 foo\n2 bar\n3 baz\n4 qux"), "foo\nbar\nbaz\nqux");
        assert_eq!(
            clean("\t# There is insufficient memory"),
            "# There is insufficient memory"
        );
        // Numbers that do not count up are kept: they are the log's own.
        assert_eq!(clean("137 a\n9 b\n42 c\n"), "137 a\n9 b\n42 c\n");
    }

    #[test]
    fn wrapped_kill_lines_are_joined_and_the_numbering_kept() {
        let t = "[ 12.3] Memory cgroup out of memory: Killed process 4242 (java) total-vm:100kB,\nanon-rss:50kB, file-rss:0kB, shmem-rss:0kB\nnext";
        let c = clean(t);
        let l: Vec<&str> = c.lines().collect();
        assert_eq!(l.len(), 3);
        assert!(l[0].ends_with("total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB"));
        assert_eq!(l[1], "");
        assert_eq!(l[2], "next");
    }

    #[test]
    fn a_pager_cut_is_removed_but_not_a_placeholder() {
        let t = "Jan  2 03:04:05 node kernel: Memory cgroup out of memory: Killed process 1 (java) total>";
        assert!(!clean(t).ends_with('>'));
        assert_eq!(clean("Node:         <none>"), "Node:         <none>");
    }
}
