//! Arbitrary bytes as every kind of evidence `oomdoc explain` reads: the streaming kernel-log
//! reader and the fragment reader (fed through tiny buffers, so reports cross buffer boundaries),
//! line cleaning, then the whole engine (the fact scanner, every parser, the joins). Nothing may
//! panic, and every piece of evidence must cite a line that exists in the input.
#![no_main]

use std::io::{BufReader, Cursor};

use libfuzzer_sys::fuzz_target;
use oomdoc_evidence::{KernelEvent, KernelReader};
use oomdoc_explain::explain_texts;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count() as u64;
    for event in KernelReader::new(BufReader::with_capacity(7, Cursor::new(data))) {
        if let KernelEvent::Incident(i) = event {
            assert!(u64::from(i.first_line) >= 1 && u64::from(i.last_line) <= lines.max(1));
        }
    }
    // The fragment reader (`explain` on pasted text): a report may start at any of its lines.
    for event in KernelReader::fragments(BufReader::with_capacity(5, Cursor::new(data))) {
        if let KernelEvent::Incident(i) = event {
            assert!(u64::from(i.first_line) >= 1 && u64::from(i.last_line) <= lines.max(1));
        }
    }
    let text = String::from_utf8_lossy(data);
    // Cleaning keeps the text line for line (facts cite the lines the user sees).
    let cleaned = oomdoc_evidence::clean::clean(&text);
    assert_eq!(cleaned.split('\n').count(), text.split('\n').count());
    let e = explain_texts([("input", text.as_ref())]);
    let n = text.lines().count().max(1) as u64;
    for incident in &e.incidents {
        for ev in &incident.evidence {
            assert!(ev.line >= 1 && u64::from(ev.line) <= n, "evidence cites line {} of {n}", ev.line);
        }
    }
});
