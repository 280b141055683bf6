//! Feeds arbitrary text to the manifest reader (`oomdoc_manifest::read_str_with`) and checks what
//! must hold for any input: no panic, no hang, and every result is sane: it names the input it
//! came from, and every position (errors, workloads, container names) is inside the text. Two
//! differential checks: CRLF line endings give the same objects and errors at the same places,
//! and an anchor on the root node (which makes the reader parse a document instead of deciding
//! from a quick look at its `kind` whether to parse it at all) gives the same objects.
//!
//! The first byte picks the variant: bit 0 reads as stdin (`-`, which attaches document text),
//! bit 1 uses tiny limits (document size, alias expansions, file size) so the limit paths run.
//! The rest is the input: valid UTF-8 as is, anything else through `from_utf8_lossy`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomdoc_manifest::{read_str_with, Item, ReadOptions};
use oomdoc_model::Pos;

/// Whether `pos` points into a text whose lines are `lines` wide (in characters): 1-based line
/// and column; a position may sit one past the last character of a line or one line past the
/// last (end of input).
fn fits(lines: &[usize], pos: Pos) -> bool {
    let line = pos.line as usize;
    pos.line >= 1
        && pos.column >= 1
        && line <= lines.len() + 1
        && pos.column as usize <= lines.get(line - 1).copied().unwrap_or(0) + 1
}

/// Line widths in characters. With a lone `\r` in the text, conventions mix (the YAML parser
/// breaks lines at it, the document splitter counts `\n` only), so only a bound is checked then:
/// no further than the last line by the parser's count, no wider than the widest line.
struct Lines {
    widths: Vec<usize>,
    lone_cr: bool,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let unix = text.replace("\r\n", "\n");
        let lone_cr = unix.contains('\r');
        let widths = unix
            .split(['\n', '\r'])
            .map(|l| l.chars().count())
            .collect();
        Lines { widths, lone_cr }
    }

    fn check(&self, pos: Pos, what: &str, text: &str) {
        let ok = if self.lone_cr {
            let widest = self.widths.iter().copied().max().unwrap_or(0);
            let n = text.split('\n').count().max(self.widths.len());
            pos.line >= 1
                && pos.column >= 1
                && pos.line as usize <= n + 1
                && pos.column as usize <= text.chars().count().max(widest) + 1
        } else {
            fits(&self.widths, pos)
        };
        assert!(ok, "{what}: {pos:?} is outside the text {text:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let file = if mode & 1 == 1 { "-" } else { "f.yaml" };
    let opts = if mode & 2 == 2 {
        ReadOptions {
            max_file_bytes: 64 + u64::from(mode >> 2) * 16,
            max_document_bytes: 128,
            max_alias_expansions: 16,
            threads: 1,
            ..ReadOptions::default()
        }
    } else {
        ReadOptions {
            max_document_bytes: 1 << 20,
            threads: 1,
            ..ReadOptions::default()
        }
    };
    let items = read_str_with(file, &text, &opts);
    check(&items, file, &text);

    // Windows line endings change nothing but the bytes: the same objects at the same lines and
    // columns, the same errors at the same places (only without size limits, which count bytes).
    if mode & 2 == 0 && !text.contains('\r') {
        let crlf = text.replace('\n', "\r\n");
        let other = read_str_with(file, &crlf, &opts);
        check(&other, file, &crlf);
        assert_eq!(
            summary(&items),
            summary(&other),
            "LF and CRLF differ for {text:?}"
        );
    }

    // The quick look at a document's `kind` (which decides whether it is parsed at all) must
    // agree with the parser: an anchor on the root node changes nothing, but makes the reader
    // parse the document without the quick look.
    if mode & 2 == 0 && is_one_plain_document(&text) {
        let anchored = format!("--- &root\n{text}");
        let other = read_str_with(file, &anchored, &opts);
        assert_eq!(
            objects(&items),
            objects(&other),
            "the quick look disagrees with the parser on {text:?}"
        );
    }
});

/// One document without directives, markers or a BOM, starting with a line break-free key.
fn is_one_plain_document(text: &str) -> bool {
    !text.starts_with(['\u{feff}', ' ', '\t', '\n', '\r'])
        && !text
            .lines()
            .any(|l| l.starts_with("---") || l.starts_with("...") || l.starts_with('%'))
}

/// The objects read: kind and name of each workload, and LimitRanges.
fn objects(items: &[Item]) -> Vec<(String, Option<String>)> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Workload(w) => Some((w.kind.clone(), w.name.clone())),
            Item::LimitRange(l) => Some(("LimitRange".to_string(), l.name.clone())),
            _ => None,
        })
        .collect()
}

/// What must not depend on line endings: each item's kind, name and position.
fn summary(items: &[Item]) -> Vec<(char, Option<String>, Option<Pos>)> {
    items
        .iter()
        .map(|i| match i {
            Item::Workload(w) => ('w', w.name.clone(), Some(w.pos)),
            Item::Error(e) => ('e', None, e.pos),
            Item::LimitRange(l) => ('l', None, Some(l.pos)),
            _ => ('?', None, None),
        })
        .collect()
}

/// Every item names the input, and every position is inside the text.
fn check(items: &[Item], file: &str, text: &str) {
    let lines = Lines::new(text);
    for item in items {
        match item {
            Item::Error(e) => {
                assert_eq!(&*e.file, file);
                assert!(!e.message.is_empty());
                assert!(
                    !e.message.contains('\n'),
                    "multi-line message {:?}",
                    e.message
                );
                if let Some(p) = e.pos {
                    // saphyr-parser 0.3.4 advances its column by bytes when it skips to the end
                    // of a line (`skip_ws_to_eol`: `mark.col += n_bytes`), so a byte order mark
                    // found there after non-ASCII text is reported at a byte column. Upstream,
                    // and only for this error: check the line alone.
                    if e.message
                        .ends_with("a byte order mark must not appear inside a document")
                    {
                        lines.check(Pos::new(p.line, 1), &e.message, text);
                        continue;
                    }
                    lines.check(p, &e.message, text);
                }
            }
            Item::Workload(w) => {
                assert_eq!(&*w.file, file);
                lines.check(w.pos, "workload", text);
                assert_eq!(
                    w.source.is_some(),
                    file == "-",
                    "document text only for stdin"
                );
                for c in w.pod.containers.iter().chain(&w.pod.init_containers) {
                    lines.check(c.name.pos, "container name", text);
                }
            }
            _ => {}
        }
    }
}
