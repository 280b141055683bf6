//! Helpers shared by the JVM rule tests and the Dockerfile tests.
#![allow(dead_code)]

use oomdoc_audit::{audit, Assumptions, AuditInput, AuditReport, Finding, ImageBinding};
use oomdoc_manifest::{read_dockerfile_str, read_str, Item};
use oomdoc_model::dockerfile::DockerImageSpec;

pub fn dockerfile(path: &str, name: &str, text: &str) -> DockerImageSpec {
    let mut out = None;
    for item in read_dockerfile_str(path, text, &[name.to_string()]) {
        match item {
            Item::Dockerfile(d) => out = Some(d),
            other => panic!("unexpected {other:?}"),
        }
    }
    out.expect("a Dockerfile")
}

pub fn run_with(
    yaml: &str,
    dockerfiles: &[DockerImageSpec],
    bindings: &[ImageBinding],
    a: Assumptions,
) -> AuditReport {
    let mut workloads = Vec::new();
    for item in read_str("test.yaml", yaml) {
        match item {
            Item::Workload(w) => workloads.push(w),
            other => panic!("unexpected {other:?}"),
        }
    }
    audit(&AuditInput {
        workloads: &workloads,
        limit_ranges: &[],
        dockerfiles,
        image_bindings: bindings,
        assumptions: a,
    })
}

pub fn run(yaml: &str) -> AuditReport {
    run_with(yaml, &[], &[], Assumptions::default())
}

pub fn codes(r: &AuditReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

pub fn only<'a>(r: &'a AuditReport, code: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.code == code).collect()
}

/// A Pod whose one container `app` has `image` and the fields `rest` (indented by 4).
pub fn pod(image: &str, rest: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: {image}\n{rest}")
}

pub fn limit(mem: &str) -> String {
    format!("    resources:\n      requests: {{memory: {mem}}}\n      limits: {{memory: {mem}}}\n")
}

pub fn env(name: &str, value: &str) -> String {
    format!("    env:\n    - name: {name}\n      value: \"{value}\"\n")
}

pub const TEMURIN17: &str = "eclipse-temurin:17-jre";
pub const JAR: &str = "    command: [java, -jar, /app/app.jar]\n";
pub const OOM_FLAGS: &str = "-XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError";
