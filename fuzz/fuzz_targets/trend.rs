//! Arbitrary bytes as a metrics file for `oomdoc trend` (content detection, Prometheus/Grafana/
//! Datadog/CSV readers through a tiny buffer), then the whole analysis and every writer on
//! whatever was read. Nothing may panic.
#![no_main]

use std::io::{BufReader, Cursor};

use libfuzzer_sys::fuzz_target;
use oomdoc_metrics::collect::Collector;
use oomdoc_metrics::csv::CsvOptions;

fuzz_target!(|data: &[u8]| {
    let mut c = Collector::new();
    let r = BufReader::with_capacity(7, Cursor::new(data));
    if oomdoc_metrics::read_any(r, "input", &CsvOptions::default(), &mut c).is_err() {
        return;
    }
    let Ok(loaded) = c.finish("input") else {
        return;
    };
    let a = oomdoc_series::analyze(&loaded.input, &oomdoc_series::Options::default());
    let mut out = Vec::new();
    oomdoc_report::write_trend_text(&loaded.input, &a, oomdoc_report::Style::new(true), &mut out).expect("text");
    oomdoc_report::write_trend_json(&loaded.input, &a, &mut out).expect("json");
    let svg = oomdoc_report::render_trend_svg(&loaded.input, &a);
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
});
