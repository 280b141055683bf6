//! Readers for memory time series behind `oomdoc trend`: Prometheus (the HTTP API, and its JSON
//! saved to a file), CSV exports (Grafana, Datadog, spreadsheets, `--record`), Datadog query
//! JSON, and live cgroup sampling. Each produces an [`oomdoc_series::Input`] through a
//! [`Collector`]; parsing is pure and never panics on bad input, the HTTP and file reading are
//! thin.

pub mod cgroup_sampler;
pub mod collect;
pub mod csv;
pub mod datadog;
pub mod detect;
pub mod error;
pub mod files;
pub mod names;
pub mod points;
pub mod prom_json;
pub mod prometheus;
pub mod timestamp;
pub mod units;

use std::io::{BufRead, Read};

pub use collect::{Collector, Loaded};
pub use detect::{detect, Format};
pub use error::Error;

/// Bytes looked at to detect a file's format.
const HEAD: usize = 4096;

/// Reads one file (any supported format, detected by content) into `c`.
pub fn read_any<R: BufRead>(
    mut r: R,
    what: &str,
    opts: &csv::CsvOptions,
    c: &mut Collector,
) -> Result<Format, Error> {
    let mut head = Vec::with_capacity(HEAD);
    r.by_ref().take(HEAD as u64).read_to_end(&mut head)?;
    let format = detect(&head);
    let all = std::io::Cursor::new(head).chain(r);
    match format {
        Format::PrometheusJson => prom_json::read_prom_json(std::io::BufReader::new(all), what, c)?,
        Format::DatadogJson => datadog::read_datadog_json(std::io::BufReader::new(all), what, c)?,
        Format::Csv => csv::read_csv(std::io::BufReader::new(all), what, opts, c)?,
    }
    Ok(format)
}
