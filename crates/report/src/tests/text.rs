use super::*;
use crate::sources::NoSources;
use crate::text::token_span;
use crate::{write_text, TextOptions};

fn text(report: &AuditReport, opts: &TextOptions, sources: &mut dyn SourceLines) -> String {
    render(|out| write_text(report, opts, sources, out))
}

#[test]
fn text_report_snapshot() {
    let opts = TextOptions {
        color: false,
        verbose: true,
    };
    let out = text(
        &sample_report(),
        &opts,
        &mut MapSources::with("k8s/app.yaml", APP_YAML),
    );
    insta::assert_snapshot!("text_report", out);
}

#[test]
fn finding_shows_code_location_line_workload_and_help() {
    let opts = TextOptions::default();
    let out = text(
        &sample_report(),
        &opts,
        &mut MapSources::with("k8s/app.yaml", APP_YAML),
    );
    assert!(
        out.contains("warning[OOM002]: container \"app\" has no memory request\n"),
        "{out}"
    );
    assert!(out.contains("--> k8s/app.yaml:11:9\n"), "{out}");
    assert!(out.contains("11 |         resources:\n"), "{out}");
    assert!(out.contains("   |         ^^^^^^^^^"), "{out}");
    assert!(
        out.contains("= workload: Deployment/default/app\n"),
        "{out}"
    );
    assert!(
        out.contains("= help: set resources.requests.memory\n"),
        "{out}"
    );
    // info findings are `info[...]`, values underline the value only.
    assert!(out.contains("info[OOM005]: memory request 2Gi"), "{out}");
    assert!(
        out.contains("13 |             memory: 2Gi\n   |                     ^^^\n"),
        "{out}"
    );
    // not verbose: no workload lines.
    assert!(!out.contains("Burstable  app: request"), "{out}");
    assert!(!out.contains('\x1b'), "no colour unless asked");
}

#[test]
fn stdin_findings_quote_the_document_text() {
    let out = text(&sample_report(), &TextOptions::default(), &mut NoSources);
    assert!(
        out.contains("error[OOM001]: container \"worker\" has no memory limit"),
        "{out}"
    );
    assert!(out.contains("--> <stdin>:24:5\n"), "{out}");
    assert!(
        out.contains("24 |   - name: worker\n   |     ^^^^\n"),
        "{out}"
    );
}

#[test]
fn without_sources_only_the_location_is_printed() {
    let out = text(&sample_report(), &TextOptions::default(), &mut NoSources);
    assert!(out.contains("--> k8s/app.yaml:11:9\n"), "{out}");
    assert!(!out.contains("resources:"), "{out}");
    assert!(out.contains("= workload: Deployment/default/app"), "{out}");
}

#[test]
fn input_errors_follow_the_findings() {
    let out = text(&sample_report(), &TextOptions::default(), &mut NoSources);
    let first_error = out
        .find("error: mapping values")
        .expect("input error printed");
    assert!(first_error > out.find("error[OOM001]").unwrap(), "{out}");
    assert!(
        out.contains("error: mapping values are not allowed in this context\n --> bad.yaml:3:1\n"),
        "{out}"
    );
    assert!(
        out.contains("error: not a text file (binary data at byte 0)\n --> blob.bin\n"),
        "{out}"
    );
    // An input error with its source line shows it.
    let mut src = MapSources::with("bad.yaml", "a: 1\nb: 2\nc: d: e\n");
    let out = text(&sample_report(), &TextOptions::default(), &mut src);
    assert!(out.contains("3 | c: d: e\n  | ^\n"), "{out}");
}

#[test]
fn verbose_prints_one_line_per_workload() {
    let opts = TextOptions {
        verbose: true,
        ..Default::default()
    };
    let out = text(&sample_report(), &opts, &mut NoSources);
    assert!(
        out.contains(
            "k8s/app.yaml:1  Deployment/default/app  Burstable  \
         app: request 2Gi (manifest) limit 4Gi (manifest) oom_score_adj 875; \
         sidecar proxy: request 128Mi (from limit) limit 128Mi (manifest) oom_score_adj 993; \
         init migrate: request 256Mi (LimitRange) limit 1536Mi (LimitRange) oom_score_adj 875\n"
        ),
        "{out}"
    );
    assert!(out.contains(
        "<stdin>:17  Pod/prod/worker  BestEffort  worker: request none limit none oom_score_adj 1000\n"
    ), "{out}");
}

#[test]
fn summary_line() {
    let out = text(&sample_report(), &TextOptions::default(), &mut NoSources);
    assert!(
        out.ends_with(
            "Found 1 error, 1 warning, 1 info in 2 workloads from 2 files; 2 input errors. \
         Assumed node memory 16Gi (set with --node-memory).\n"
        ),
        "{out}"
    );
    let out = text(&empty_report(), &TextOptions::default(), &mut NoSources);
    assert_eq!(
        out,
        "No findings in 0 workloads. Assumed node memory 16Gi (set with --node-memory).\n"
    );
    let mut r = sample_report();
    r.findings.retain(|f| f.severity == Severity::Warning);
    r.findings.push(r.findings[0].clone());
    r.errors.truncate(1);
    r.workloads.truncate(1);
    let out = text(&r, &TextOptions::default(), &mut NoSources);
    assert!(out.ends_with("Found 2 warnings in 1 workload from 1 file; 1 input error. Assumed node memory 16Gi (set with --node-memory).\n"), "{out}");
}

#[test]
fn colour_only_when_asked() {
    let opts = TextOptions {
        color: true,
        ..Default::default()
    };
    let out = text(
        &sample_report(),
        &opts,
        &mut MapSources::with("k8s/app.yaml", APP_YAML),
    );
    assert!(out.contains('\x1b'), "{out}");
    assert!(out.contains("OOM002"));
}

#[test]
fn control_characters_from_the_input_are_not_sent_to_the_terminal() {
    let mut r = empty_report();
    r.findings.push(finding(
        "OOM001",
        Severity::Error,
        "evil.yaml",
        (1, 7),
        "Pod/default/\x1b[2Jx",
        None,
        "container \"\x1b]0;pwned\x07\" has no memory limit",
        "set it",
    ));
    let mut src = MapSources::with("evil.yaml", "name: \x1b[31mred\n");
    let out = text(&r, &TextOptions::default(), &mut src);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(!out.contains('\x07'), "{out:?}");
}

#[test]
fn token_spans() {
    let cases: &[(&str, u32, &str)] = &[
        ("        resources:", 9, "resources"),
        ("            memory: 2Gi", 13, "memory"),
        ("            memory: 2Gi", 21, "2Gi"),
        ("            memory: 2Gi   # two", 21, "2Gi"),
        ("            memory: \"2Gi\" # q", 21, "\"2Gi\""),
        ("  name: 'it''s'", 9, "'it''s'"),
        ("  cmd: \"a \\\" b\"", 8, "\"a \\\" b\""),
        ("  image: reg:5000/app:1", 10, "reg:5000/app:1"),
        ("  url: http://x#frag", 8, "http://x#frag"),
        ("  - name: worker", 5, "name"),
        ("  - name: worker", 3, "- name"),
        ("{\"memory\": 2048, \"cpu\": 1}", 12, "2048"),
        ("resources: {limits: {memory: 1Gi}}", 30, "1Gi"),
        ("  memory: 2Gi", 40, "memory: 2Gi"),
        ("", 1, ""),
        ("  mémoire: 2Gi", 3, "mémoire"),
        ("  mémoire: 2Gi", 12, "2Gi"),
        ("  args: |", 9, "|"),
    ];
    for &(line, col, want) in cases {
        let span = token_span(line, col);
        assert_eq!(&line[span], want, "{line:?} col {col}");
    }
}

#[test]
fn jvm_heap_per_container_and_dockerfiles() {
    let opts = TextOptions {
        verbose: true,
        ..Default::default()
    };
    let out = text(&jvm_report(), &opts, &mut NoSources);
    assert!(
        out.contains(
            "app: request 2Gi (manifest) limit 4Gi (manifest) oom_score_adj 875 \
             jvm JDK 17.0.9 G1 max heap 1Gi, whole process ~1.7Gi (with k8s/app/Dockerfile:1); sidecar proxy"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "k8s/app/Dockerfile:1  image app (eclipse-temurin:17.0.9_9-jre)  \
             run by Deployment/default/app container app (image name)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "tools/Dockerfile:2  image tools (eclipse-temurin:17.0.9_9-jre)  \
             run by no workload of the input (name it with --image IMAGE=PATH); \
             on its own: jvm JDK 17.0.9 G1 max heap 4Gi, whole process ~5.0Gi, from a 16Gi node\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with(
            "in 2 workloads from 4 files (2 Dockerfiles); 2 input errors. \
             For JVMs assumed 4 CPUs per node (--node-cpus), cgroup v2 (--cgroup). \
             Assumed node memory 16Gi (set with --node-memory).\n"
        ),
        "{out}"
    );
    // Without --verbose, only the Dockerfile nobody runs is listed.
    let out = text(&jvm_report(), &TextOptions::default(), &mut NoSources);
    assert!(!out.contains("k8s/app/Dockerfile:1  image app"), "{out}");
    assert!(out.contains("tools/Dockerfile:2  image tools"), "{out}");
    // An assumed JDK is said.
    let mut r = jvm_report();
    r.workloads[0].containers[0]
        .jvm
        .as_mut()
        .unwrap()
        .jdk_assumed = true;
    let out = text(&r, &TextOptions::default(), &mut NoSources);
    assert!(
        out.contains("cgroup v2 (--cgroup), JDK 17 where the image does not say (--jdk). Assumed"),
        "{out}"
    );
}
