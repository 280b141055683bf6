//! Arbitrary text as `oomdoc simulate`'s inputs: a Node object, a usage file (`kubectl top pod`
//! or a PodMetricsList, told apart by content) and eviction-threshold lists. Nothing may panic;
//! errors carry a line inside the input (as YAML counts lines).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomdoc_sim::input::{parse_node, parse_usage};
use oomdoc_sim::threshold::{parse_grace_periods, parse_list, Kind};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // YAML ends a line at \n, \r\n or a bare \r: at most one line per \n or \r, plus the last.
    let lines = text.bytes().filter(|&b| b == b'\n' || b == b'\r').count() + 1;
    for e in [parse_node(&text).err(), parse_usage(&text).err()].into_iter().flatten() {
        if let Some(line) = e.line() {
            assert!(line as usize <= lines + 1, "error at line {line} of {lines}");
        }
    }
    let _ = parse_list(&text, Kind::Hard, "");
    let _ = parse_list(&text, Kind::Soft, &text);
    let _ = parse_grace_periods(&text);
});
