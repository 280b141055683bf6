//! The streaming writers: fed one workload at a time they write what the whole-report functions
//! write; input errors are capped; spools spill to a file and read back.

use std::io::Write;

use oomdoc_audit::{AuditReport, Severity};
use oomdoc_model::diagnostic::InputError;
use oomdoc_model::span::Pos;

use super::*;
use crate::sarif::{write_sarif_with, SarifSink};
use crate::sink::{InputErrors, ReportSink, Spool};
use crate::{write_json, write_text, JsonSink, TextOptions, TextSink};

/// Feeds `report` to `sink` as the CLI does: each workload with its own findings (the first two
/// belong to the first workload, the rest to the second), then the images and errors.
fn stream(report: &AuditReport, sink: &mut dyn ReportSink) -> std::io::Result<()> {
    let split = 2.min(report.findings.len());
    sink.begin(&report.assumptions)?;
    let (first, rest) = report.findings.split_at(split);
    sink.workload(&report.workloads[0], first)?;
    sink.workload(&report.workloads[1], rest)?;
    sink.finish(
        &report.images,
        &[],
        &InputErrors::from(report.errors.clone()),
    )
}

#[test]
fn streamed_output_equals_the_whole_report_output() {
    for report in [sample_report(), jvm_report()] {
        let whole = render(|out| write_json(&report, out));
        let streamed = render(|out| stream(&report, &mut JsonSink::new(out)));
        assert_eq!(streamed, whole);

        let whole = render(|out| write_sarif_with(&report, "0.1.0", TEST_RULES, out));
        let streamed = render(|out| {
            stream(
                &report,
                &mut SarifSink::with_registry("0.1.0", TEST_RULES, out),
            )
        });
        assert_eq!(streamed, whole);

        for verbose in [false, true] {
            let opts = TextOptions {
                color: false,
                verbose,
            };
            let mut sources = MapSources::with("k8s/app.yaml", APP_YAML);
            let whole = render(|out| write_text(&report, &opts, &mut sources, out));
            let streamed =
                render(|out| stream(&report, &mut TextSink::new(&opts, &mut sources, out)));
            assert_eq!(streamed, whole);
        }
    }
}

#[test]
fn the_tally_counts_what_was_written() {
    let report = jvm_report();
    let mut out = Vec::new();
    let mut sink = JsonSink::new(&mut out);
    stream(&report, &mut sink).unwrap();
    let t = sink.tally();
    assert_eq!((t.errors, t.warnings, t.infos), (1, 1, 1));
    assert_eq!(
        (t.workloads, t.images, t.files(), t.input_errors),
        (2, 2, 4, 2)
    );
    assert_eq!(t.at_or_above(Severity::Warning), 2);
    assert!(t.jvms);
}

fn error(n: u32) -> InputError {
    InputError {
        file: format!("f{n}.yaml").into(),
        pos: Some(Pos::new(n, 1)),
        message: format!("problem {n}"),
    }
}

#[test]
fn input_errors_past_the_cap_are_counted_and_noted_once() {
    let mut errors = InputErrors::with_cap(2);
    (1..=5).for_each(|n| errors.push(error(n)));
    assert_eq!((errors.total(), errors.kept().len()), (5, 2));
    let listed: Vec<_> = errors.listed().collect();
    assert_eq!(listed.len(), 3);
    assert_eq!(&*listed[2].file, "f3.yaml");
    assert_eq!(listed[2].pos, Some(Pos::new(3, 1)));
    assert_eq!(
        listed[2].message,
        "3 more input errors, from here on, are not listed (only the first 2 are): problem 3"
    );

    let mut report = empty_report();
    let json = render(|out| {
        let mut sink = JsonSink::new(out);
        sink.begin(&report.assumptions)?;
        sink.finish(&[], &[], &errors)
    });
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 3);

    let opts = TextOptions::default();
    let text = render(|out| {
        let mut sources = crate::sources::NoSources;
        let mut sink = TextSink::new(&opts, &mut sources, out);
        sink.begin(&report.assumptions)?;
        sink.finish(&[], &[], &errors)
    });
    assert!(text.contains("error: 3 more input errors"), "{text}");
    assert!(text.contains("; 5 input errors."), "{text}");

    // Below the cap nothing is added.
    report.errors = vec![error(1)];
    let errors = InputErrors::from(report.errors.clone());
    assert_eq!(errors.listed().count(), 1);
    assert!(errors.note().is_none());
}

#[test]
fn a_spool_spills_to_a_file_and_reads_back_in_order() {
    let mut spool = Spool::default();
    let line = b"0123456789abcdef".repeat(64);
    let mut expected = Vec::new();
    let mut n = 0u32;
    while expected.len() <= Spool::SPILL * 2 {
        write!(spool, "{n}:").unwrap();
        spool.write_all(&line).unwrap();
        expected.extend_from_slice(format!("{n}:").as_bytes());
        expected.extend_from_slice(&line);
        n += 1;
    }
    let mut out = Vec::new();
    spool.drain_to(&mut out).unwrap();
    assert!(out == expected, "spooled bytes differ");
    // Drained: empty again.
    let mut again = Vec::new();
    spool.drain_to(&mut again).unwrap();
    assert!(again.is_empty());
}
