//! The JSON report (`--format json`). The schema is stable: later versions add fields, never
//! rename or remove one. Unset values are `null`.
//!
//! ```json
//! {"workloads":[{"file":"k8s/app.yaml","line":1,"kind":"Deployment","namespace":"default","name":"app",
//!    "qos_class":"Burstable",
//!    "containers":[{"name":"app","init":false,"sidecar":false,
//!        "memory_request_bytes":2147483648,"memory_limit_bytes":4294967296,
//!        "memory_request_source":"manifest","memory_limit_source":"manifest",
//!        "oom_score_adj":875}]}],
//!  "findings":[{"code":"OOM004","severity":"info","file":"k8s/app.yaml","line":21,"column":19,
//!    "workload":"Deployment/default/app","container":"app","message":"...","help":"..."}],
//!  "errors":[{"file":"bad.yaml","line":3,"column":1,"message":"..."}],
//!  "assumptions":{"node_memory_bytes":17179869184}}
//! ```
//!
//! - `file` is the path as given on the command line (or found walking a directory); `-` is stdin.
//! - `init` is true for init containers and restartable sidecars; `sidecar` only for the latter.
//! - `*_source` is `manifest`, `limit` (a request copied from the limit by the API server),
//!   `limitrange` (a LimitRange default) or `defaulted`, or `null` when the value is unset.
//! - `errors[].line` and `column` are `null` when the problem has no position (an unreadable file).
//!
//! The wire format lives here, in plain serde structs: the audit types have no serde, so renaming
//! a field in the model can never change the output.

use std::io::{self, Write};

use oomdoc_audit::{AuditReport, ContainerSummary, Finding, WorkloadSummary};
use oomdoc_model::diagnostic::InputError;
use serde::Serialize;

use crate::{is_init, source_name};

#[derive(Serialize)]
struct Report<'a> {
    workloads: Vec<Workload<'a>>,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<Error<'a>>,
    assumptions: Assumptions,
}

#[derive(Serialize)]
struct Workload<'a> {
    file: &'a str,
    line: u32,
    kind: &'a str,
    namespace: &'a str,
    name: Option<&'a str>,
    qos_class: &'static str,
    containers: Vec<Container<'a>>,
}

#[derive(Serialize)]
struct Container<'a> {
    name: &'a str,
    init: bool,
    sidecar: bool,
    memory_request_bytes: Option<i64>,
    memory_limit_bytes: Option<i64>,
    memory_request_source: Option<&'static str>,
    memory_limit_source: Option<&'static str>,
    oom_score_adj: i64,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: &'static str,
    file: &'a str,
    line: u32,
    column: u32,
    workload: &'a str,
    container: Option<&'a str>,
    message: &'a str,
    help: &'a str,
}

#[derive(Serialize)]
struct Error<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct Assumptions {
    node_memory_bytes: i64,
}

fn workload(w: &WorkloadSummary) -> Workload<'_> {
    Workload {
        file: &w.file,
        line: w.line,
        kind: &w.kind,
        namespace: &w.namespace,
        name: w.name.as_deref(),
        qos_class: w.qos_class.as_str(),
        containers: w.containers.iter().map(container).collect(),
    }
}

fn container(c: &ContainerSummary) -> Container<'_> {
    Container {
        name: &c.name,
        init: is_init(c.kind),
        sidecar: c.kind == oomdoc_model::admission::ContainerKind::Sidecar,
        memory_request_bytes: c.memory_request_bytes,
        memory_limit_bytes: c.memory_limit_bytes,
        memory_request_source: c.memory_request_source.map(source_name),
        memory_limit_source: c.memory_limit_source.map(source_name),
        oom_score_adj: c.oom_score_adj,
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        code: f.code,
        severity: f.severity.as_str(),
        file: &f.file,
        line: f.pos.line,
        column: f.pos.column,
        workload: &f.workload,
        container: f.container.as_deref(),
        message: &f.message,
        help: &f.help,
    }
}

fn error(e: &InputError) -> Error<'_> {
    Error {
        file: &e.file,
        line: e.pos.map(|p| p.line),
        column: e.pos.map(|p| p.column),
        message: &e.message,
    }
}

/// Writes the report as pretty-printed JSON with the stable schema above, ending in a newline.
pub fn write_json(report: &AuditReport, out: &mut dyn Write) -> io::Result<()> {
    let doc = Report {
        workloads: report.workloads.iter().map(workload).collect(),
        findings: report.findings.iter().map(finding).collect(),
        errors: report.errors.iter().map(error).collect(),
        assumptions: Assumptions {
            node_memory_bytes: report.assumptions.node_memory_bytes,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
