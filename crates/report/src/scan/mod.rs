//! Writers for `oomdoc scan`: the ranked tables as text ([`text`]) and the report as the JSON
//! document (`--format json`). The data ([`ScanReport`]: rows, nodes, counters) is
//! `oomdoc-cluster-core`'s; only the writing is here.

pub mod text;

use std::io::{self, Write};

use oomdoc_cluster_core::ScanReport;

use crate::wire::cluster::ScanDoc;

pub use text::write_scan_text;

/// Writes the report as the JSON document (pretty, one trailing newline).
pub fn write_scan_json(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &ScanDoc::from(report))?;
    writeln!(out)
}
