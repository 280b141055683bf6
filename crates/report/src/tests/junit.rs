//! `--format junit`: the document, its counts, its escaping, and validity against the vendored
//! JUnit XSD (`schemas/junit.xsd`), checked with `xmllint --schema` (libxml2-utils; without it
//! the validation says SKIP, and fails where skipping is forbidden).

use std::io::Write;
use std::process::{Command, Stdio};

use super::*;
use crate::junit::{xml_escape, JunitCounts, JunitSink};
use crate::sink::{InputErrors, ReportSink};
use crate::write_junit;

fn junit(report: &AuditReport, fail_on: Option<Severity>) -> String {
    render(|out| write_junit(report, fail_on, out))
}

fn schema_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/junit.xsd")
}

/// Validates `doc` against the vendored XSD with xmllint; `false` when xmllint is missing (after
/// saying SKIP).
fn assert_valid(test: &str, doc: &str) -> bool {
    if !oomdoc_testkit::runnable("xmllint", "--version") {
        oomdoc_testkit::skip(
            test,
            "xmllint not found (Debian: apt-get install libxml2-utils)",
        );
        return false;
    }
    let mut child = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema_path())
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.as_bytes())
        .unwrap();
    let out = child.wait_with_output().expect("xmllint runs");
    assert!(
        out.status.success(),
        "{test}: JUnit output does not validate:\n{}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// The number in `attr="N"` of the first element that has it.
fn count(doc: &str, attr: &str) -> usize {
    let key = format!(" {attr}=\"");
    let at = doc.find(&key).expect("the attribute") + key.len();
    doc[at..].split('"').next().unwrap().parse().unwrap()
}

/// Every Finding, input error and workload of the sample report, failing at error.
#[test]
fn junit_snapshot() {
    let s = junit(&sample_report(), Some(Severity::Error));
    assert_valid("JUnit snapshot validation", &s);
    insta::assert_snapshot!("junit_report", s);
}

#[test]
fn junit_counts_follow_the_threshold() {
    let report = sample_report();
    // Two workloads and two input errors: four test cases whatever the threshold.
    for (fail_on, failures) in [
        (Some(Severity::Error), 1),
        (Some(Severity::Warning), 2),
        (Some(Severity::Info), 2),
        (None, 0),
    ] {
        let s = junit(&report, fail_on);
        assert_eq!(count(&s, "tests"), 4, "{fail_on:?}\n{s}");
        assert_eq!(count(&s, "failures"), failures, "{fail_on:?}\n{s}");
        assert_eq!(count(&s, "errors"), 2, "{fail_on:?}\n{s}");
        let failure_elements = s.matches("<failure ").count();
        let expected = report
            .findings
            .iter()
            .filter(|f| fail_on.is_some_and(|t| f.severity >= t))
            .count();
        assert_eq!(failure_elements, expected, "{fail_on:?}\n{s}");
        // What does not fail is still shown, one line each.
        let below = report.findings.len() - expected;
        let out_lines: usize = s
            .split("<system-out>")
            .skip(1)
            .map(|p| p.split("</system-out>").next().unwrap().lines().count())
            .sum();
        assert_eq!(out_lines, below, "{fail_on:?}\n{s}");
        assert_valid("JUnit counts validation", &s);
    }
}

#[test]
fn junit_failure_carries_code_message_place_and_help() {
    let s = junit(&sample_report(), Some(Severity::Warning));
    assert!(s.contains(
        "<testcase classname=\"k8s/app.yaml\" name=\"Deployment/default/app\">\n      \
         <failure message=\"OOM002: container &quot;app&quot; has no memory request\" \
         type=\"warning\">k8s/app.yaml:11:9\nhelp: set resources.requests.memory</failure>"
    ));
    assert!(s.contains(
        "<system-out>info OOM005 k8s/app.yaml:13:21: memory request 2Gi is below the limit 4Gi"
    ));
    assert!(s.contains("<testcase classname=\"-\" name=\"Pod/prod/worker\">"));
    assert!(s.contains(
        "<testcase classname=\"blob.bin\" name=\"input error at blob.bin\">\n      \
         <error message=\"not a text file (binary data at byte 0)\" type=\"input-error\">"
    ));
}

#[test]
fn junit_empty_report_is_a_valid_empty_suite() {
    let s = junit(&empty_report(), Some(Severity::Error));
    assert_eq!(
        (
            count(&s, "tests"),
            count(&s, "failures"),
            count(&s, "errors")
        ),
        (0, 0, 0)
    );
    assert_valid("JUnit empty validation", &s);
}

#[test]
fn junit_dockerfile_nobody_runs_is_a_test_case() {
    let mut r = jvm_report();
    r.findings.push(finding(
        "OOM005",
        Severity::Error,
        "tools/Dockerfile",
        (3, 13),
        "Dockerfile/tools",
        None,
        "image \"tools\": something",
        "fix it",
    ));
    let s = junit(&r, Some(Severity::Error));
    // The used Dockerfile is part of its workload; the unused one is a case of its own.
    assert_eq!(count(&s, "tests"), 5, "{s}");
    assert_eq!(count(&s, "failures"), 2, "{s}");
    assert!(s.contains("<testcase classname=\"tools/Dockerfile\" name=\"Dockerfile/tools\">"));
    assert!(!s.contains("name=\"Dockerfile/app\""));
    assert_valid("JUnit Dockerfile validation", &s);
}

/// Hostile names: markup, quotes, every C0 control, U+FFFE/U+FFFF, a CDATA end, non-ASCII.
#[test]
fn junit_escapes_everything_and_drops_what_xml_forbids() {
    let nasty: String = (0u8..0x20).map(char::from).collect::<String>()
        + "<a href=\"x\">&amp;</a> ]]> 'q' \u{FFFE}\u{FFFF} é 日本 \u{7F}";
    let mut r = sample_report();
    r.workloads[0].name = Some(nasty.clone());
    r.workloads[0].file = Arc::from(format!("k8s/{nasty}.yaml"));
    for f in &mut r.findings {
        f.workload = crate::workload_id(&r.workloads[0]);
        f.message = nasty.clone();
        f.help = nasty.clone();
        f.file = r.workloads[0].file.clone();
    }
    r.errors[0].message = nasty.clone();
    for fail_on in [Some(Severity::Info), Some(Severity::Error)] {
        let s = junit(&r, fail_on);
        for c in (0u8..0x20).filter(|c| ![b'\t', b'\n', b'\r'].contains(c)) {
            assert!(!s.contains(char::from(c)), "control {c:#x} written");
        }
        assert!(!s.contains('\u{FFFE}') && !s.contains('\u{FFFF}'));
        assert!(!s.contains("]]>"));
        assert!(!s.contains("<a href"));
        assert!(s.contains("é 日本"));
        assert_valid("JUnit escaping validation", &s);
    }
}

#[test]
fn xml_escape_in_text_and_attributes() {
    assert_eq!(xml_escape("a<b>&\"c\"", false), "a&lt;b&gt;&amp;\"c\"");
    assert_eq!(
        xml_escape("a<b>&\"c\"", true),
        "a&lt;b&gt;&amp;&quot;c&quot;"
    );
    assert_eq!(xml_escape("x\ty\nz\r", false), "x\ty\nz&#13;");
    assert_eq!(xml_escape("x\ty\nz\r", true), "x&#9;y&#10;z&#13;");
    assert_eq!(xml_escape("\u{0}\u{1b}[31m\u{FFFE}ok", true), "[31mok");
}

/// Fed workload by workload, as the CLI does, the sink writes what the whole report gives.
#[test]
fn junit_streamed_equals_whole_report() {
    let report = sample_report();
    let whole = junit(&report, Some(Severity::Error));
    let streamed = render(|out| {
        let mut sink = JunitSink::new(Some(Severity::Error), out);
        sink.begin(&report.assumptions)?;
        sink.workload(&report.workloads[0], &report.findings[..2])?;
        sink.workload(&report.workloads[1], &report.findings[2..])?;
        assert_eq!(
            sink.counts(),
            JunitCounts {
                tests: 2,
                failures: 1,
                errors: 0
            }
        );
        sink.finish(&[], &[], &InputErrors::from(report.errors.clone()))?;
        assert_eq!(sink.tally().errors, 1);
        assert_eq!(sink.tally().workloads, 2);
        Ok(())
    });
    assert_eq!(streamed, whole);
}
