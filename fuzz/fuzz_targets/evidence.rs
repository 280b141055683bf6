//! Arbitrary bytes as every kind of evidence `oomdoc explain` reads: the streaming kernel-log
//! reader (fed through a tiny buffer, so reports cross buffer boundaries), then the whole engine
//! (content detection, every parser, the joins). Nothing may panic, and every piece of evidence
//! must cite a line that exists in the input.
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
    let text = String::from_utf8_lossy(data);
    let e = explain_texts([("input", text.as_ref())]);
    let n = text.lines().count().max(1) as u64;
    for incident in &e.incidents {
        for ev in &incident.evidence {
            assert!(ev.line >= 1 && u64::from(ev.line) <= n, "evidence cites line {} of {n}", ev.line);
        }
    }
});
