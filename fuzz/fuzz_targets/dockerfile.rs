//! Arbitrary text as a Dockerfile (`oomdoc_manifest::parse_dockerfile`), then the image through
//! the audit's JVM view, alone and run by a container that overrides part of it. What must hold
//! for any input: no panic, no hang, no stack overflow; every position (errors, the image's
//! values) inside the text; no value past the 64 KiB a substitution may build unless written
//! that long; and the same text with CRLF line endings reads the same (values, positions and
//! errors).
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use oomdoc_audit::{Assumptions, AuditSession};
use oomdoc_manifest::{parse_dockerfile, read_str, Item};
use oomdoc_model::dockerfile::DockerImageSpec;
use oomdoc_model::pod::Workload;
use oomdoc_model::Pos;

/// The most a substitution builds (`dockerfile/lex.rs`, `MAX_WORD`).
const MAX_WORD: usize = 64 << 10;

/// A pod running the image (`app`), with a limit, its own env referring to the image's, and
/// args replacing `CMD`: the JVM view merges both as Kubernetes does.
const POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: fuzz}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    args: ["-jar", "$(JAR)"]
    env:
    - {name: JAR, value: app.jar}
    - {name: JAVA_TOOL_OPTIONS, value: "$(JAVA_OPTS) -XX:MaxRAMPercentage=75"}
    resources: {limits: {memory: 1Gi, cpu: "2"}}
"#;

fn pod() -> &'static Workload {
    static POD_WORKLOAD: OnceLock<Workload> = OnceLock::new();
    POD_WORKLOAD.get_or_init(|| {
        read_str("pod.yaml", POD)
            .into_iter()
            .find_map(|i| match i {
                Item::Workload(w) => Some(w),
                _ => None,
            })
            .expect("the pod reads")
    })
}

/// Line widths in characters, as the Dockerfile reader splits lines (at `\n`, a `\r` before it
/// dropped).
fn widths(text: &str) -> Vec<usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).chars().count())
        .collect()
}

fn check_pos(widths: &[usize], pos: Pos, what: &str) {
    let line = pos.line as usize;
    assert!(
        pos.line >= 1
            && pos.column >= 1
            && line <= widths.len()
            && pos.column as usize <= widths[line - 1] + 1,
        "{what} at {pos:?} is outside the text ({} lines)",
        widths.len()
    );
}

fn check_spec(spec: &DockerImageSpec, widths: &[usize], len: usize) {
    check_pos(widths, spec.pos, "FROM");
    if let Some(b) = &spec.base_image {
        check_pos(widths, b.pos, "base image");
    }
    for e in spec.env.iter().chain(&spec.labels) {
        check_pos(widths, e.pos, "ENV/LABEL name");
        check_pos(widths, e.value.pos, "ENV/LABEL value");
        assert!(
            e.value.value.len() <= MAX_WORD.max(len),
            "{} is {} bytes",
            e.name,
            e.value.value.len()
        );
    }
    for c in spec.entrypoint.iter().chain(&spec.cmd) {
        check_pos(widths, c.pos, "ENTRYPOINT/CMD");
        for a in &c.argv {
            check_pos(widths, a.pos, "ENTRYPOINT/CMD item");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file: Arc<str> = "Dockerfile".into();
    let names = ["app".to_string()];
    let (spec, errors) = parse_dockerfile(&file, &text, &names);
    let w = widths(&text);
    for e in &errors {
        assert_eq!(&*e.file, "Dockerfile");
        if let Some(p) = e.pos {
            check_pos(&w, p, &e.message);
        }
    }
    if let Some(s) = &spec {
        check_spec(s, &w, text.len());
    }
    if !text.contains('\r') {
        let crlf = text.replace('\n', "\r\n");
        let (spec2, errors2) = parse_dockerfile(&file, &crlf, &names);
        assert_eq!(spec2, spec, "CRLF line endings read differently");
        assert_eq!(errors2, errors, "CRLF line endings give other errors");
    }
    // The JVM view: the image alone (no workload runs it) and run by the pod.
    if let Some(s) = spec {
        let dockerfiles = [s];
        let mut session = AuditSession::new(&[], &dockerfiles, &[], Assumptions::default(), 1);
        let _ = session.workload(pod());
        let _ = session.finish();
        let alone = AuditSession::new(&[], &dockerfiles, &[], Assumptions::default(), 2);
        let _ = alone.finish();
    }
});
