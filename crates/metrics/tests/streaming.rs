//! A big CSV is streamed: peak memory grows with the samples kept, not with the file. The file
//! here is generated on the fly (never in memory whole): 200,000 rows with a 400-byte text
//! column, about 85 MB of text; `SeriesBuilder` keeps a bounded summary of the samples.

use std::io::{BufReader, Read};

use oomdoc_metrics::csv::CsvOptions;
use oomdoc_metrics::{read_any, Collector};

const ROWS: u64 = 200_000;

/// Produces the CSV row by row.
struct Rows {
    i: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Rows {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.i == 0 {
                self.buf.extend_from_slice(b"time,rss (KiB),note\n");
            }
            if self.i >= ROWS {
                if self.i == 0 {
                    self.i += 1;
                }
                if self.buf.is_empty() {
                    return Ok(0);
                }
            } else {
                let note = "x".repeat(400);
                self.buf.extend_from_slice(
                    format!("{},{},{note}\n", 1_700_000_000 + self.i, 1000 + self.i).as_bytes(),
                );
                self.i += 1;
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn vm_hwm_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn big_csv_is_streamed() {
    // Reset the peak so that it measures this read only (Linux: clear_refs 5).
    let resettable = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = vm_hwm_kib();
    let mut c = Collector::new();
    let r = Rows {
        i: 0,
        buf: Vec::new(),
        pos: 0,
    };
    read_any(BufReader::new(r), "big.csv", &CsvOptions::default(), &mut c).expect("readable");
    assert_eq!(c.samples(), ROWS, "every row read");
    let l = c.finish("big.csv").expect("samples");
    assert_eq!(l.input.series.len(), 1, "{:?}", l.warnings);
    // SeriesBuilder keeps a bounded summary (first, last, extremes per bucket) of long series.
    let s = &l.input.series[0];
    assert!(s.samples.len() as u64 <= ROWS);
    assert_eq!(s.samples.first().unwrap().v, 1000.0 * 1024.0);
    assert_eq!(
        s.samples.last().unwrap().v,
        (1000 + ROWS - 1) as f64 * 1024.0
    );
    match (resettable, before, vm_hwm_kib()) {
        (true, Some(b), Some(a)) => {
            let grew_mib = a.saturating_sub(b) / 1024;
            eprintln!("peak RSS grew {grew_mib} MiB reading ~85 MB of CSV");
            assert!(
                grew_mib < 40,
                "peak RSS grew {grew_mib} MiB: the file is not streamed"
            );
        }
        _ => oomdoc_testkit::skip("memory bound", "cannot reset or read VmHWM"),
    }
}
