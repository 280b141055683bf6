use std::io::Write;
use std::path::PathBuf;

use super::*;
use crate::sources::{doc_line, FileSources, MAX_LINE_BYTES};

/// A scratch directory for this test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("oomdoc-report-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
        p.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn file_sources_read_lines_forward_and_back() {
    let dir = Scratch::new("lines");
    let text: String = (1..=2000).map(|i| format!("line {i}\n")).collect();
    let f = dir.file("many.yaml", text.as_bytes());
    let mut s = FileSources::new();
    assert_eq!(s.line(&f, 1).as_deref(), Some("line 1"));
    assert_eq!(s.line(&f, 1500).as_deref(), Some("line 1500"));
    assert_eq!(s.line(&f, 3).as_deref(), Some("line 3"));
    assert_eq!(s.line(&f, 1025).as_deref(), Some("line 1025"));
    assert_eq!(s.line(&f, 1024).as_deref(), Some("line 1024"));
    assert_eq!(s.line(&f, 2000).as_deref(), Some("line 2000"));
    assert_eq!(s.line(&f, 2001), None);
    assert_eq!(s.line(&f, 0), None);
    assert_eq!(s.line(&f, 513).as_deref(), Some("line 513"));
    assert_eq!(s.line(&f, 512).as_deref(), Some("line 512"));
}

#[test]
fn file_sources_handle_crlf_no_final_newline_long_lines_and_bad_utf8() {
    let dir = Scratch::new("shapes");
    let crlf = dir.file("crlf.yaml", b"a: 1\r\nb: 2\r\nc: 3");
    let mut s = FileSources::new();
    assert_eq!(s.line(&crlf, 2).as_deref(), Some("b: 2"));
    assert_eq!(s.line(&crlf, 3).as_deref(), Some("c: 3"));
    assert_eq!(s.line(&crlf, 4), None);
    let mut long = vec![b'x'; 3 * 1024 * 1024];
    long.extend_from_slice(b"\nafter\n");
    let long = dir.file("long.yaml", &long);
    let first = s.line(&long, 1).unwrap();
    assert!(
        first.len() <= MAX_LINE_BYTES + '…'.len_utf8() && first.ends_with('…'),
        "{}",
        first.len()
    );
    assert_eq!(s.line(&long, 2).as_deref(), Some("after"));
    let mut cut = "é".repeat(MAX_LINE_BYTES).into_bytes(); // a cut lands inside a 2-byte char or not
    cut.insert(0, b'a');
    let cut = dir.file("cut.yaml", &cut);
    let line = s.line(&cut, 1).unwrap();
    assert!(!line.contains('\u{FFFD}') && line.ends_with('…'), "{line}");
    let bin = dir.file("bin.yaml", b"ok\n\xff\xfe\x00zz\n");
    assert_eq!(s.line(&bin, 2).as_deref(), Some("\u{FFFD}\u{FFFD}\0zz"));
}

#[test]
fn file_sources_keep_few_files_open_and_survive_missing_ones() {
    let dir = Scratch::new("many");
    let files: Vec<String> = (0..10)
        .map(|i| dir.file(&format!("f{i}.yaml"), format!("f{i}\n").as_bytes()))
        .collect();
    let mut s = FileSources::new();
    for _ in 0..2 {
        for (i, f) in files.iter().enumerate() {
            assert_eq!(s.line(f, 1), Some(format!("f{i}")));
        }
    }
    assert_eq!(s.line("/nonexistent/oomdoc/x.yaml", 1), None);
    assert_eq!(s.line("-", 1), None);
    assert_eq!(s.line(&files[0], 1).as_deref(), Some("f0"));
}

#[test]
fn doc_lines_come_from_the_document_text() {
    let doc = DocSource {
        first_line: 17,
        text: STDIN_DOC.to_string(),
    };
    assert_eq!(doc_line(&doc, 17).as_deref(), Some("apiVersion: v1"));
    assert_eq!(doc_line(&doc, 24).as_deref(), Some("  - name: worker"));
    assert_eq!(doc_line(&doc, 25).as_deref(), Some("    image: worker:1"));
    assert_eq!(doc_line(&doc, 26), None);
    assert_eq!(doc_line(&doc, 16), None);
    let doc = DocSource {
        first_line: 1,
        text: "a\r\n\r\nb".to_string(),
    };
    assert_eq!(doc_line(&doc, 2).as_deref(), Some(""));
    assert_eq!(doc_line(&doc, 3).as_deref(), Some("b"));
    let doc = DocSource {
        first_line: 1,
        text: "é".repeat(1000),
    };
    assert!(doc_line(&doc, 1).unwrap().ends_with('…'));
}
