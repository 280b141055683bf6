//! The streaming interface every writer implements: a report is written as the audit goes, one
//! workload at a time, so memory does not grow with the input (the idea of ripgrep's `Sink`).
//!
//! A writer receives [`ReportSink::begin`] once, [`ReportSink::workload`] once per workload in
//! input order with that workload's findings, then [`ReportSink::finish`] with what is only
//! known at the end: the Dockerfiles (which containers run them), the findings about images no
//! workload runs, and the input errors. [`crate::write_text`], [`crate::write_json`] and
//! [`crate::write_sarif`] feed a whole [`oomdoc_audit::AuditReport`] through the same sinks, so
//! both ways give the same bytes.
//!
//! Where a format puts something before what precedes it in the stream (JSON's `findings` after
//! all `workloads`, SARIF's `invocations` before `results`, the text report's `--verbose`
//! workload lines after the input errors), the writer keeps it in a `Spool`: memory up to a few
//! MiB, then an anonymous temporary file.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::sync::Arc;

use oomdoc_audit::{Assumptions, Finding, ImageSummary, Severity, WorkloadSummary};
use oomdoc_model::diagnostic::InputError;

/// A report writer fed piece by piece (see the module docs).
pub trait ReportSink {
    /// Starts the report.
    fn begin(&mut self, assumptions: &Assumptions) -> io::Result<()>;

    /// One workload, in input order, and its findings.
    fn workload(&mut self, workload: &WorkloadSummary, findings: &[Finding]) -> io::Result<()>;

    /// Ends the report: one summary per Dockerfile, the findings that belong to no workload
    /// (images no workload runs; written after every workload's), and the input errors.
    fn finish(
        &mut self,
        images: &[ImageSummary],
        findings: &[Finding],
        errors: &InputErrors,
    ) -> io::Result<()>;

    /// What was written so far, counted.
    fn tally(&self) -> &Tally;
}

/// Counts a writer keeps while streaming: what the text summary line prints and what the CLI's
/// exit code is decided from.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity info.
    pub infos: usize,
    /// Workloads.
    pub workloads: usize,
    /// Dockerfiles.
    pub images: usize,
    /// Input errors, those not listed included.
    pub input_errors: usize,
    /// A JVM was seen in a container or an image.
    pub jvms: bool,
    /// A JVM's JDK was assumed (`--jdk`).
    pub jdk_assumed: bool,
    /// Distinct files of workloads and Dockerfiles (one entry per input file, not per document).
    files: HashSet<Arc<str>>,
    /// The last file added: workloads come grouped by file, so most lookups are skipped.
    last_file: Option<Arc<str>>,
}

impl Tally {
    /// Distinct files with a workload or a Dockerfile.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Findings of `severity` or above.
    pub fn at_or_above(&self, severity: Severity) -> usize {
        match severity {
            Severity::Error => self.errors,
            Severity::Warning => self.errors + self.warnings,
            Severity::Info => self.errors + self.warnings + self.infos,
        }
    }

    /// Findings of exactly `severity`.
    pub fn of(&self, severity: Severity) -> usize {
        match severity {
            Severity::Error => self.errors,
            Severity::Warning => self.warnings,
            Severity::Info => self.infos,
        }
    }

    fn file(&mut self, file: &Arc<str>) {
        if self.last_file.as_ref().is_some_and(|l| l == file) {
            return;
        }
        if !self.files.contains(file) {
            self.files.insert(file.clone());
        }
        self.last_file = Some(file.clone());
    }

    fn findings(&mut self, findings: &[Finding]) {
        for f in findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    /// Counts one workload and its findings.
    pub(crate) fn workload(&mut self, w: &WorkloadSummary, findings: &[Finding]) {
        self.workloads += 1;
        self.file(&w.file);
        self.findings(findings);
        for j in w.containers.iter().filter_map(|c| c.jvm.as_ref()) {
            self.jvms = true;
            self.jdk_assumed |= j.jdk_assumed;
        }
    }

    /// Counts what [`ReportSink::finish`] receives.
    pub(crate) fn finish(
        &mut self,
        images: &[ImageSummary],
        findings: &[Finding],
        errors: &InputErrors,
    ) {
        self.images += images.len();
        for i in images {
            self.file(&i.file);
            if let Some(j) = &i.jvm {
                self.jvms = true;
                self.jdk_assumed |= j.jdk_assumed;
            }
        }
        self.findings(findings);
        self.input_errors += errors.total();
    }
}

/// Input errors, the first [`InputErrors::DEFAULT_CAP`] kept and the rest counted, so that a
/// stream of garbage cannot grow memory without bound. Writers list the kept ones, then (when
/// some were not kept) one more entry, at the first error not kept, that says how many follow.
#[derive(Clone, Debug)]
pub struct InputErrors {
    kept: Vec<InputError>,
    cap: usize,
    omitted: usize,
    first_omitted: Option<InputError>,
}

impl Default for InputErrors {
    fn default() -> Self {
        Self::with_cap(Self::DEFAULT_CAP)
    }
}

impl From<Vec<InputError>> for InputErrors {
    /// All of them, whatever their number (they are in memory already).
    fn from(kept: Vec<InputError>) -> Self {
        InputErrors {
            kept,
            cap: usize::MAX,
            omitted: 0,
            first_omitted: None,
        }
    }
}

impl InputErrors {
    /// How many errors are kept by default.
    pub const DEFAULT_CAP: usize = 10_000;

    /// Keeps the first [`Self::DEFAULT_CAP`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the first `cap`.
    pub fn with_cap(cap: usize) -> Self {
        InputErrors {
            kept: Vec::new(),
            cap,
            omitted: 0,
            first_omitted: None,
        }
    }

    /// Adds one error (kept while fewer than the cap are).
    pub fn push(&mut self, e: InputError) {
        if self.kept.len() < self.cap {
            self.kept.push(e);
        } else {
            self.omitted += 1;
            self.first_omitted.get_or_insert(e);
        }
    }

    /// Every error pushed, kept or not.
    pub fn total(&self) -> usize {
        self.kept.len() + self.omitted
    }

    /// True when there was no error.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The errors kept, in input order.
    pub fn kept(&self) -> &[InputError] {
        &self.kept
    }

    /// The entry that stands for the errors not kept, if any: at the first of them, saying how
    /// many there are.
    pub fn note(&self) -> Option<InputError> {
        let first = self.first_omitted.as_ref()?;
        Some(InputError {
            file: first.file.clone(),
            pos: first.pos,
            message: format!(
                "{} more input errors, from here on, are not listed (only the first {} are): {}",
                self.omitted, self.cap, first.message
            ),
        })
    }

    /// What writers list: the kept errors, then the note.
    pub fn listed(&self) -> impl Iterator<Item = std::borrow::Cow<'_, InputError>> {
        self.kept
            .iter()
            .map(std::borrow::Cow::Borrowed)
            .chain(self.note().map(std::borrow::Cow::Owned))
    }
}

/// Bytes kept for later: in memory up to [`Spool::SPILL`], then in an anonymous temporary file
/// (removed by the system when closed, even if oomdoc dies).
#[derive(Debug, Default)]
pub(crate) struct Spool {
    mem: Vec<u8>,
    file: Option<BufWriter<File>>,
}

impl Spool {
    /// Bytes kept in memory before spilling to a file.
    pub const SPILL: usize = 4 << 20;

    /// Writes everything spooled to `out` and empties the spool.
    pub fn drain_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.file.take() {
            Some(file) => {
                let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.seek(SeekFrom::Start(0))?;
                io::copy(&mut file, out)?;
            }
            None => out.write_all(&self.mem)?,
        }
        self.mem = Vec::new();
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.mem.len() + buf.len() > Self::SPILL {
            let mut file = BufWriter::with_capacity(64 << 10, tempfile::tempfile()?);
            file.write_all(&self.mem)?;
            self.mem = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(f) => f.write_all(buf)?,
            None => self.mem.extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
