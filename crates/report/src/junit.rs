//! JUnit XML (`--format junit`), for the test tabs of CI systems (GitLab, Jenkins, Azure
//! Pipelines, CircleCI, GitHub test reporters). Valid against the Jenkins xunit plugin's
//! `junit-10.xsd`, vendored as `schemas/junit.xsd`.
//!
//! ```xml
//! <testsuites name="oomdoc" tests="3" failures="1" errors="1">
//!   <testsuite name="oomdoc audit" tests="3" failures="1" errors="1">
//!     <properties>…the audit's assumptions…</properties>
//!     <testcase classname="k8s/app.yaml" name="Deployment/default/app">
//!       <failure message="OOM001: container &quot;app&quot; has no memory limit" type="error">k8s/app.yaml:11:9
//! help: set resources.limits.memory</failure>
//!       <system-out>info OOM005 k8s/app.yaml:13:21: …</system-out>
//!     </testcase>
//!     <testcase classname="bad.yaml" name="input error at bad.yaml:3:1">
//!       <error message="…" type="input-error">bad.yaml:3:1: …</error>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! - One `<testcase>` per workload: `classname` its file, `name` its `Kind/namespace/name`. A
//!   Dockerfile no workload runs (audited on its own) is a test case too, `Dockerfile/NAME`.
//! - A `<failure>` per finding at or above `--fail-on`: `message` is `CODE: message`, `type` the
//!   severity, the body `file:line:col` and the help. A test case with any failure is one failed
//!   test: `failures` counts test cases, so `tests - failures - errors` is what passed.
//! - Findings below `--fail-on` do not fail the test case; they are listed in its
//!   `<system-out>`, one line each (`SEVERITY CODE file:line:col: message`), so the test tab still
//!   shows them. With `--fail-on never` every finding is such a line.
//! - Each input error is a test case of its own with an `<error>` (`errors` counts them).
//! - Every text is escaped, and the characters XML 1.0 forbids (C0 controls other than tab, line
//!   feed and carriage return; U+FFFE, U+FFFF) are removed: they cannot be written even as
//!   character references.
//!
//! Written as the audit goes by [`JunitSink`]: the counts head the document, so test cases are
//! formatted as they come into a spool and the document is written around them at the end.

use std::fmt::Write as _;
use std::io::{self, Write};

use oomdoc_audit::{Assumptions, AuditReport, Finding, ImageSummary, Severity, WorkloadSummary};
use oomdoc_model::diagnostic::InputError;

use crate::sink::{InputErrors, ReportSink, Spool, Tally};

/// Escapes `s` for XML text or a double-quoted attribute and drops what XML 1.0 cannot hold.
/// Line breaks and tabs in attributes are written as character references, so a parser gives
/// them back instead of normalising them to spaces; `\r` is one everywhere, for the same reason.
pub fn xml_escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn attr(s: &str) -> String {
    xml_escape(s, true)
}

fn text(s: &str) -> String {
    xml_escape(s, false)
}

/// `file:line:col`, or the file alone when there is no position.
fn place(file: &str, line: u32, column: u32) -> String {
    if line == 0 {
        file.to_string()
    } else {
        format!("{file}:{line}:{column}")
    }
}

/// Counts of the suite, kept while streaming.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JunitCounts {
    /// Test cases.
    pub tests: usize,
    /// Test cases with at least one failure.
    pub failures: usize,
    /// Test cases for input errors.
    pub errors: usize,
}

/// The JUnit document written as the audit goes (see the module docs). `fail_on` is the lowest
/// severity that is a failure; `None` (`--fail-on never`) makes none.
pub struct JunitSink<'w> {
    out: &'w mut dyn Write,
    fail_on: Option<Severity>,
    cases: Spool,
    counts: JunitCounts,
    assumptions: Option<Assumptions>,
    tally: Tally,
}

impl<'w> JunitSink<'w> {
    /// A sink writing to `out`; findings at or above `fail_on` are failures.
    pub fn new(fail_on: Option<Severity>, out: &'w mut dyn Write) -> Self {
        JunitSink {
            out,
            fail_on,
            cases: Spool::default(),
            counts: JunitCounts::default(),
            assumptions: None,
            tally: Tally::default(),
        }
    }

    /// The suite's counts so far.
    pub fn counts(&self) -> JunitCounts {
        self.counts
    }

    /// One test case: its failures, then the findings below the threshold as output lines.
    fn case(&mut self, classname: &str, name: &str, findings: &[&Finding]) -> io::Result<()> {
        let fails = |f: &&&Finding| self.fail_on.is_some_and(|t| f.severity >= t);
        let failing: Vec<&Finding> = findings.iter().filter(fails).copied().collect();
        let mut s = format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            attr(classname),
            attr(name)
        );
        if findings.is_empty() {
            s.push_str("/>\n");
        } else {
            s.push_str(">\n");
            for f in &failing {
                let _ = writeln!(
                    s,
                    "      <failure message=\"{}\" type=\"{}\">{}\nhelp: {}</failure>",
                    attr(&format!("{}: {}", f.code, f.message)),
                    f.severity.as_str(),
                    text(&place(&f.file, f.pos.line, f.pos.column)),
                    text(&f.help),
                );
            }
            let below: Vec<String> = findings
                .iter()
                .filter(|f| !fails(f))
                .map(|f| {
                    let at = place(&f.file, f.pos.line, f.pos.column);
                    let line = format!("{} {} {at}: {}", f.severity.as_str(), f.code, f.message);
                    text(&line.replace(['\n', '\r'], " "))
                })
                .collect();
            if !below.is_empty() {
                let _ = writeln!(s, "      <system-out>{}</system-out>", below.join("\n"));
            }
            s.push_str("    </testcase>\n");
        }
        self.counts.tests += 1;
        if !failing.is_empty() {
            self.counts.failures += 1;
        }
        self.cases.write_all(s.as_bytes())
    }

    /// One input error as a test case of its own.
    fn error_case(&mut self, e: &InputError) -> io::Result<()> {
        let (line, column) = e.pos.map_or((0, 0), |p| (p.line, p.column));
        let at = place(&e.file, line, column);
        let s = format!(
            "    <testcase classname=\"{}\" name=\"{}\">\n      <error message=\"{}\" type=\"input-error\">{}</error>\n    </testcase>\n",
            attr(&e.file),
            attr(&format!("input error at {at}")),
            attr(&e.message),
            text(&format!("{at}: {}", e.message)),
        );
        self.counts.tests += 1;
        self.counts.errors += 1;
        self.cases.write_all(s.as_bytes())
    }

    /// Dockerfiles no workload runs, each with its findings; then any other finding that
    /// belongs to no workload, grouped by file and name.
    fn image_cases(&mut self, images: &[ImageSummary], findings: &[Finding]) -> io::Result<()> {
        let mut done = vec![false; findings.len()];
        for i in images.iter().filter(|i| i.used_by.is_empty()) {
            let name = format!("Dockerfile/{}", i.name);
            let mut mine = Vec::new();
            for (k, f) in findings.iter().enumerate() {
                if !done[k] && *f.file == *i.file && f.workload == name {
                    done[k] = true;
                    mine.push(f);
                }
            }
            self.case(&i.file, &name, &mine)?;
        }
        while let Some(first) = done.iter().position(|d| !d) {
            let (file, workload) = (
                findings[first].file.clone(),
                findings[first].workload.clone(),
            );
            let mut group = Vec::new();
            for (k, f) in findings.iter().enumerate() {
                if !done[k] && f.file == file && f.workload == workload {
                    done[k] = true;
                    group.push(f);
                }
            }
            self.case(&file, &workload, &group)?;
        }
        Ok(())
    }

    /// `<properties>`: the audit's assumptions, which every figure depends on.
    fn properties(&self) -> String {
        let Some(a) = &self.assumptions else {
            return String::new();
        };
        let cgroup = match a.cgroup {
            oomdoc_jvm::CgroupVersion::V1 => "v1",
            oomdoc_jvm::CgroupVersion::V2 => "v2",
        };
        let props = [
            ("node-memory-bytes", a.node_memory_bytes.to_string()),
            ("node-cpus", a.node_cpus.to_string()),
            ("cgroup", cgroup.to_string()),
            ("jdk", a.default_jdk.to_string()),
        ];
        let mut s = String::from("    <properties>\n");
        for (name, value) in props {
            let _ = writeln!(
                s,
                "      <property name=\"{name}\" value=\"{}\"/>",
                attr(&value)
            );
        }
        s.push_str("    </properties>\n");
        s
    }
}

impl ReportSink for JunitSink<'_> {
    fn begin(&mut self, assumptions: &Assumptions) -> io::Result<()> {
        self.assumptions = Some(assumptions.clone());
        Ok(())
    }

    fn workload(&mut self, w: &WorkloadSummary, findings: &[Finding]) -> io::Result<()> {
        self.tally.workload(w, findings);
        let findings: Vec<&Finding> = findings.iter().collect();
        self.case(&w.file, &crate::workload_id(w), &findings)
    }

    fn finish(
        &mut self,
        images: &[ImageSummary],
        findings: &[Finding],
        errors: &InputErrors,
    ) -> io::Result<()> {
        self.tally.finish(images, findings, errors);
        self.image_cases(images, findings)?;
        for e in errors.listed() {
            self.error_case(&e)?;
        }
        let c = self.counts;
        let counts = format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\"",
            c.tests, c.failures, c.errors
        );
        writeln!(self.out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(self.out, "<testsuites name=\"oomdoc\" {counts}>")?;
        writeln!(self.out, "  <testsuite name=\"oomdoc audit\" {counts}>")?;
        self.out.write_all(self.properties().as_bytes())?;
        self.cases.drain_to(self.out)?;
        writeln!(self.out, "  </testsuite>")?;
        writeln!(self.out, "</testsuites>")
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

/// Writes the report as JUnit XML: the whole report through a [`JunitSink`]. Findings at or
/// above `fail_on` are failures (`None`: none are). A finding goes to the first workload it
/// names (the file may be a Dockerfile the workload runs); the others to the end.
pub fn write_junit(
    report: &AuditReport,
    fail_on: Option<Severity>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut sink = JunitSink::new(fail_on, out);
    sink.begin(&report.assumptions)?;
    let mut taken = vec![false; report.findings.len()];
    for w in &report.workloads {
        let id = crate::workload_id(w);
        let mut mine = Vec::new();
        for (k, f) in report.findings.iter().enumerate() {
            if !taken[k] && f.workload == id {
                taken[k] = true;
                mine.push(f.clone());
            }
        }
        sink.workload(w, &mine)?;
    }
    let rest: Vec<Finding> = (report.findings.iter().zip(&taken))
        .filter(|(_, t)| !**t)
        .map(|(f, _)| f.clone())
        .collect();
    sink.finish(
        &report.images,
        &rest,
        &InputErrors::from(report.errors.clone()),
    )
}
