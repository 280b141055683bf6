//! The JSON report (`--format json`). The schema is stable: later versions add fields, never
//! rename or remove one. Unset values are `null`.
//!
//! ```json
//! {"workloads":[{"file":"k8s/app.yaml","line":1,"kind":"Deployment","namespace":"default","name":"app",
//!    "qos_class":"Burstable",
//!    "containers":[{"name":"app","init":false,"sidecar":false,
//!        "memory_request_bytes":2147483648,"memory_limit_bytes":4294967296,
//!        "memory_request_source":"manifest","memory_limit_source":"manifest",
//!        "oom_score_adj":875,
//!        "jvm":{"jdk":"17","container_aware":true,"physical_memory_bytes":4294967296,
//!          "max_heap_bytes":1073741824,"initial_heap_bytes":67108864,"gc":"G1",
//!          "footprint_bytes":1855477363,"headroom_bytes":2439489933,
//!          "flags_source":[{"source":"command line","options":[]}],
//!          "runtime":"hotspot","jdk_update_assumed":true,"jdk_assumed":false,"jdk_source":"...",
//!          "heap_modelled":true,"active_processors":4,"limit_bytes":4294967296,"pools":{...},
//!          "fails_to_start":[],"recommendation":{...},"dockerfile":{...},"evidence":[...],
//!          "notes":[...]}}]}],
//!  "images":[{"file":"k8s/app/Dockerfile","line":1,"name":"app","base_image":"eclipse-temurin:17-jre",
//!    "used_by":[{"workload":"Deployment/default/app","container":"app","matched_by":"image name"}],
//!    "jvm":null}],
//!  "findings":[{"code":"OOM004","severity":"info","file":"k8s/app.yaml","line":21,"column":19,
//!    "workload":"Deployment/default/app","container":"app","message":"...","help":"...",
//!    "fixable":true}],
//!  "errors":[{"file":"bad.yaml","line":3,"column":1,"message":"..."}],
//!  "assumptions":{"node_memory_bytes":17179869184,"node_cpus":4,"cgroup":"v2","default_jdk":"17",
//!    "config":".oomdoc.yaml"}}
//! ```
//!
//! - `file` is the path as given on the command line (or found walking a directory); `-` is stdin.
//! - `init` is true for init containers and restartable sidecars; `sidecar` only for the latter.
//! - `*_source` is `manifest`, `limit` (a request copied from the limit by the API server),
//!   `limitrange` (a LimitRange default) or `defaulted`, or `null` when the value is unset.
//! - `errors[].line` and `column` are `null` when the problem has no position (an unreadable file).
//! - `assumptions.config` is the policy file the audit read (`.oomdoc.yaml` found, or
//!   `--config FILE`), `null` when none.
//! - `jvm` is `null` when no JVM is seen in the container. `runtime` is `hotspot` or `openj9`;
//!   for OpenJ9 the HotSpot figures are `null`. When `heap_modelled` is false (OpenJ9, Paketo's
//!   memory calculator, an application's start script or an options file decides the heap), the
//!   heap-dependent figures (`max_heap_bytes`, `initial_heap_bytes`, `footprint_bytes`,
//!   `headroom_bytes`, `pools`, `recommendation`) are `null`. `flags_source` lists the options found
//!   per source (`JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `command line`, `$JAVA_OPTS`,
//!   `_JAVA_OPTIONS`), in the order found. `pools` maps pool names to bytes, as `oomdoc jvm` prints
//!   them. `dockerfile` is the Dockerfile merged into the container (`matched_by`: `image flag`,
//!   `image name` or `only one`), else `null`.
//! - `images` lists the Dockerfiles of the input; `jvm` is set only for those no container runs
//!   (audited on their own, without a memory limit). Findings about them name the workload
//!   `Dockerfile/<name>`.
//!
//! Written as the audit goes by [`JsonSink`]: workloads straight to the output, findings through a
//! spool (the schema lists them after every workload), byte for byte what `serde_json`'s pretty
//! printer makes of the whole document.
//!
//! The wire format lives here, in plain serde structs: the audit types have no serde, so renaming
//! a field in the model can never change the output.

use std::io::{self, Write};

use oomdoc_audit::{
    AuditReport, ContainerSummary, Finding, ImageSummary, JvmSummary, WorkloadSummary,
};
use oomdoc_jvm::{CgroupVersion, Runtime};
use oomdoc_model::diagnostic::InputError;
use serde::Serialize;
use serde_json::Value;

use crate::jvm::{pools_json, recommendation_json};
use crate::pretty::{close_array, write_at, write_element};
use crate::sink::{InputErrors, ReportSink, Spool, Tally};
use crate::{is_init, source_name};

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
    jvm: Option<Jvm<'a>>,
}

#[derive(Serialize)]
struct Jvm<'a> {
    jdk: String,
    container_aware: Option<bool>,
    physical_memory_bytes: Option<u64>,
    max_heap_bytes: Option<u64>,
    initial_heap_bytes: Option<u64>,
    gc: Option<&'static str>,
    footprint_bytes: Option<u64>,
    headroom_bytes: Option<i64>,
    flags_source: Vec<FlagsSource<'a>>,
    runtime: &'static str,
    jdk_update_assumed: bool,
    jdk_assumed: bool,
    jdk_source: &'a str,
    heap_modelled: bool,
    active_processors: Option<u32>,
    limit_bytes: Option<u64>,
    pools: Option<Value>,
    fails_to_start: &'a [String],
    recommendation: Option<Value>,
    dockerfile: Option<Dockerfile<'a>>,
    evidence: &'a [String],
    notes: Vec<&'a str>,
}

#[derive(Serialize)]
struct FlagsSource<'a> {
    source: String,
    options: &'a [String],
}

#[derive(Serialize)]
struct Dockerfile<'a> {
    file: &'a str,
    line: u32,
    matched_by: &'static str,
}

#[derive(Serialize)]
struct Image<'a> {
    file: &'a str,
    line: u32,
    name: &'a str,
    base_image: Option<&'a str>,
    used_by: Vec<UsedBy<'a>>,
    jvm: Option<Jvm<'a>>,
}

#[derive(Serialize)]
struct UsedBy<'a> {
    workload: &'a str,
    container: &'a str,
    matched_by: &'static str,
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
    /// `oomdoc audit --fix` writes the fix.
    fixable: bool,
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
    node_cpus: u32,
    cgroup: &'static str,
    default_jdk: String,
    config: Option<String>,
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
        jvm: c.jvm.as_ref().map(jvm),
    }
}

fn jvm(s: &JvmSummary) -> Jvm<'_> {
    let e = &s.analysis.ergonomics;
    let bud = &s.analysis.budget;
    let hotspot = s.runtime == Runtime::HotSpot;
    let modelled = hotspot && s.heap_modelled;
    let mut notes: Vec<&str> = s.notes.iter().map(String::as_str).collect();
    if hotspot {
        notes.extend(e.notes.iter().map(String::as_str));
    }
    Jvm {
        jdk: s.jdk.to_string(),
        container_aware: hotspot.then_some(e.container_aware.value),
        physical_memory_bytes: hotspot.then_some(e.physical_memory.value),
        max_heap_bytes: modelled.then_some(e.max_heap.value),
        initial_heap_bytes: modelled.then_some(e.initial_heap.value),
        gc: hotspot.then_some(e.gc.name()),
        footprint_bytes: modelled.then_some(bud.footprint),
        headroom_bytes: bud.headroom.filter(|_| modelled),
        flags_source: s
            .sources
            .iter()
            .map(|(src, opts)| FlagsSource {
                source: src.label(),
                options: opts,
            })
            .collect(),
        runtime: if hotspot { "hotspot" } else { "openj9" },
        jdk_update_assumed: s.jdk.update_assumed,
        jdk_assumed: s.jdk_assumed,
        jdk_source: &s.jdk_source,
        heap_modelled: s.heap_modelled,
        active_processors: hotspot.then_some(e.active_processors.value),
        limit_bytes: bud.limit,
        pools: modelled.then(|| pools_json(&bud.pools).0),
        fails_to_start: if hotspot { &e.fails_to_start } else { &[] },
        recommendation: s
            .recommendation
            .as_ref()
            .filter(|_| modelled)
            .map(recommendation_json),
        dockerfile: s.dockerfile.as_ref().map(|d| Dockerfile {
            file: &d.file,
            line: d.line,
            matched_by: d.matched_by.as_str(),
        }),
        evidence: &s.evidence,
        notes,
    }
}

fn image(i: &ImageSummary) -> Image<'_> {
    Image {
        file: &i.file,
        line: i.line,
        name: &i.name,
        base_image: i.base_image.as_deref(),
        used_by: i
            .used_by
            .iter()
            .map(|(w, c, by)| UsedBy {
                workload: w,
                container: c,
                matched_by: by.as_str(),
            })
            .collect(),
        jvm: i.jvm.as_ref().map(jvm),
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        code: f.code.as_str(),
        severity: f.severity.as_str(),
        file: &f.file,
        line: f.pos.line,
        column: f.pos.column,
        workload: &f.workload,
        container: f.container.as_deref(),
        message: &f.message,
        help: &f.help,
        fixable: f.fix.is_some(),
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

fn assumptions(a: &oomdoc_audit::Assumptions) -> Assumptions {
    Assumptions {
        node_memory_bytes: a.node_memory_bytes,
        node_cpus: a.node_cpus,
        cgroup: match a.cgroup {
            CgroupVersion::V1 => "v1",
            CgroupVersion::V2 => "v2",
        },
        default_jdk: a.default_jdk.to_string(),
        config: a.config.clone(),
    }
}

/// Writes the report as pretty-printed JSON with the stable schema above, ending in a newline:
/// the whole report through a [`JsonSink`].
pub fn write_json(report: &AuditReport, out: &mut dyn Write) -> io::Result<()> {
    let mut sink = JsonSink::new(out);
    sink.begin(&report.assumptions)?;
    for w in &report.workloads {
        sink.workload(w, &[])?;
    }
    // All findings at the end: the document lists them after the workloads anyway.
    sink.finish(
        &report.images,
        &report.findings,
        &InputErrors::from(report.errors.clone()),
    )
}

/// Array elements (workloads, findings) sit two levels deep: in the top-level object's arrays.
const ELEMENT_LEVEL: usize = 2;

/// The JSON report written as the audit goes (see [`crate::sink`]). Workloads go straight to the
/// output; findings, which the schema lists after every workload, wait in a spool.
pub struct JsonSink<'w> {
    out: &'w mut dyn Write,
    findings: Spool,
    any_finding: bool,
    assumptions: Option<oomdoc_audit::Assumptions>,
    tally: Tally,
}

impl<'w> JsonSink<'w> {
    /// A sink writing to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        JsonSink {
            out,
            findings: Spool::default(),
            any_finding: false,
            assumptions: None,
            tally: Tally::default(),
        }
    }

    fn spool_findings(&mut self, findings: &[Finding]) -> io::Result<()> {
        for f in findings {
            write_element(
                &mut self.findings,
                ELEMENT_LEVEL,
                !self.any_finding,
                &finding(f),
            )?;
            self.any_finding = true;
        }
        Ok(())
    }
}

impl ReportSink for JsonSink<'_> {
    fn begin(&mut self, a: &oomdoc_audit::Assumptions) -> io::Result<()> {
        self.assumptions = Some(a.clone());
        self.out.write_all(b"{\n  \"workloads\": [")
    }

    fn workload(&mut self, w: &WorkloadSummary, findings: &[Finding]) -> io::Result<()> {
        write_element(
            self.out,
            ELEMENT_LEVEL,
            self.tally.workloads == 0,
            &workload(w),
        )?;
        self.tally.workload(w, findings);
        self.spool_findings(findings)
    }

    fn finish(
        &mut self,
        images: &[ImageSummary],
        findings: &[Finding],
        errors: &InputErrors,
    ) -> io::Result<()> {
        self.tally.finish(images, findings, errors);
        self.spool_findings(findings)?;
        let out = &mut *self.out;
        close_array(out, ELEMENT_LEVEL, self.tally.workloads > 0)?;
        out.write_all(b",\n  \"images\": ")?;
        write_at(out, 1, &images.iter().map(image).collect::<Vec<_>>())?;
        out.write_all(b",\n  \"findings\": [")?;
        self.findings.drain_to(out)?;
        close_array(out, ELEMENT_LEVEL, self.any_finding)?;
        out.write_all(b",\n  \"errors\": ")?;
        let listed: Vec<_> = errors.listed().collect();
        write_at(out, 1, &listed.iter().map(|e| error(e)).collect::<Vec<_>>())?;
        out.write_all(b",\n  \"assumptions\": ")?;
        let a = self.assumptions.clone().unwrap_or_default();
        write_at(out, 1, &assumptions(&a))?;
        out.write_all(b"\n}\n")
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}
