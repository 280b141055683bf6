//! The baseline for oomdoc's reader throughput: saphyr-parser walking every event of a YAML
//! stream on one thread, building nothing. `yaml-parse-only FILE` prints documents, events and
//! MB/s.
//!
//! The stream is cut at `---` lines first and each document parsed on its own, because the
//! parser cannot resume after a malformed document and real streams contain some; cutting costs
//! well under 1% of the parse.

use std::time::Instant;

use saphyr_parser::{Event, Parser};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: yaml-parse-only FILE");
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let start = Instant::now();
    let (mut docs, mut events, mut errors) = (0u64, 0u64, 0u64);
    for doc in split_documents(&text) {
        docs += 1;
        let mut parser = Parser::new_from_str(doc);
        loop {
            match parser.next_event() {
                Some(Ok((Event::StreamEnd, _))) | None => break,
                Some(Ok(_)) => events += 1,
                Some(Err(_)) => {
                    errors += 1;
                    break;
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{path}: {docs} documents, {events} events, {errors} malformed, {:.1} MB in {secs:.3} s = {:.1} MB/s",
        text.len() as f64 / 1e6,
        text.len() as f64 / 1e6 / secs
    );
}

/// Cuts a stream at lines that start with `---` followed by whitespace or the line end.
fn split_documents(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut offset = 0;
        let mut first = true;
        for line in rest.split_inclusive('\n') {
            let is_marker =
                line.starts_with("---") && line[3..].chars().next().is_none_or(char::is_whitespace);
            if is_marker && !first {
                let (doc, tail) = rest.split_at(offset);
                rest = tail;
                return Some(doc);
            }
            first = false;
            offset += line.len();
        }
        let doc = rest;
        rest = "";
        Some(doc)
    })
}
