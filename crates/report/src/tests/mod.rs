//! Tests for every writer, on hand-built reports (the audit's own tests cover how reports are made).

mod json;
mod junit;
mod rules;
mod sarif;
mod sink;
mod sources;
mod terminal_safe;
mod text;

use std::collections::HashMap;
use std::sync::Arc;

use oomdoc_audit::{
    Assumptions, AuditReport, ContainerSummary, DockerfileRef, Finding, ImageSummary, JvmSummary,
    MatchedBy, Rule, RuleCode, Severity, WorkloadSummary,
};
use oomdoc_model::admission::{ContainerKind, Source};
use oomdoc_model::diagnostic::InputError;
use oomdoc_model::pod::DocSource;
use oomdoc_model::qos::QosClass;
use oomdoc_model::span::Pos;

use crate::sources::SourceLines;

pub(crate) const GI: i64 = 1 << 30;
pub(crate) const MI: i64 = 1 << 20;

/// A fixed registry, so snapshots do not move when the real one changes.
pub(crate) static TEST_RULES: &[Rule] = &[
    Rule {
        code: RuleCode::NoMemoryLimit,
        severity: Severity::Error,
        title: "Container has no memory limit",
        explanation: "Without a limit the container can use all of the node's memory.",
        fix: "Set resources.limits.memory.",
        example: "\ncontainers:\n- name: app\n  image: app:1\n",
        example_fixed: "\ncontainers:\n- name: app\n  image: app:1\n  resources:\n    limits:\n      memory: 1Gi\n",
    },
    Rule {
        code: RuleCode::NoMemoryRequest,
        severity: Severity::Warning,
        title: "Container has no memory request",
        explanation: "The scheduler places the pod as if it used no memory.",
        fix: "Set resources.requests.memory.",
        example: "resources:\n  limits:\n    cpu: 1\n",
        example_fixed: "resources:\n  requests:\n    memory: 1Gi\n",
    },
    Rule {
        code: RuleCode::BurstableMemory,
        severity: Severity::Info,
        title: "Memory request below the limit",
        explanation: "Burstable pods are evicted before Guaranteed ones under node memory pressure.",
        fix: "Set the request equal to the limit.",
        example: "resources:\n  requests:\n    memory: 2Gi\n  limits:\n    memory: 4Gi\n",
        example_fixed: "resources:\n  requests:\n    memory: 4Gi\n  limits:\n    memory: 4Gi\n",
    },
];

pub(crate) const APP_YAML: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
        resources:
          requests:
            memory: 2Gi
          limits:
            memory: 4Gi
";

pub(crate) const STDIN_DOC: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: worker
  namespace: prod
spec:
  containers:
  - name: worker
    image: worker:1
";

/// Source lines from memory.
#[derive(Default)]
pub(crate) struct MapSources(pub HashMap<String, String>);

impl MapSources {
    pub(crate) fn with(file: &str, text: &str) -> Self {
        MapSources(HashMap::from([(file.to_string(), text.to_string())]))
    }
}

impl SourceLines for MapSources {
    fn line(&mut self, file: &str, line: u32) -> Option<String> {
        self.0
            .get(file)?
            .lines()
            .nth(line.checked_sub(1)? as usize)
            .map(str::to_string)
    }
}

fn container(
    name: &str,
    kind: ContainerKind,
    req: Option<(i64, Source)>,
    lim: Option<(i64, Source)>,
    adj: i64,
) -> ContainerSummary {
    ContainerSummary {
        name: name.to_string(),
        kind,
        memory_request_bytes: req.map(|r| r.0),
        memory_limit_bytes: lim.map(|l| l.0),
        memory_request_source: req.map(|r| r.1),
        memory_limit_source: lim.map(|l| l.1),
        oom_score_adj: adj,
        jvm: None,
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn finding(
    code: &'static str,
    severity: Severity,
    file: &str,
    pos: (u32, u32),
    workload: &str,
    container: Option<&str>,
    message: &str,
    help: &str,
) -> Finding {
    Finding {
        code: RuleCode::from_code(code).expect("a registered code"),
        severity,
        file: Arc::from(file),
        pos: Pos::new(pos.0, pos.1),
        workload: workload.to_string(),
        container: container.map(str::to_string),
        message: message.to_string(),
        help: help.to_string(),
        source: None,
        template: None,
        fix: None,
    }
}

/// Two workloads (one from a file, one from stdin), three findings, two input errors.
pub(crate) fn sample_report() -> AuditReport {
    let app = WorkloadSummary {
        file: Arc::from("k8s/app.yaml"),
        line: 1,
        kind: "Deployment".to_string(),
        namespace: "default".to_string(),
        name: Some("app".to_string()),
        qos_class: QosClass::Burstable,
        containers: vec![
            container(
                "app",
                ContainerKind::Regular,
                Some((2 * GI, Source::Manifest)),
                Some((4 * GI, Source::Manifest)),
                875,
            ),
            container(
                "proxy",
                ContainerKind::Sidecar,
                Some((128 * MI, Source::Limit)),
                Some((128 * MI, Source::Manifest)),
                993,
            ),
            container(
                "migrate",
                ContainerKind::Init,
                Some((256 * MI, Source::LimitRange)),
                Some((1536 * MI, Source::LimitRange)),
                875,
            ),
        ],
    };
    let worker = WorkloadSummary {
        file: Arc::from("-"),
        line: 17,
        kind: "Pod".to_string(),
        namespace: "prod".to_string(),
        name: Some("worker".to_string()),
        qos_class: QosClass::BestEffort,
        containers: vec![container(
            "worker",
            ContainerKind::Regular,
            None,
            None,
            1000,
        )],
    };
    let mut stdin_finding = finding(
        "OOM001",
        Severity::Error,
        "-",
        (24, 5),
        "Pod/prod/worker",
        Some("worker"),
        "container \"worker\" has no memory limit",
        "set resources.limits.memory to the most the container may use",
    );
    stdin_finding.source = Some(Arc::new(DocSource {
        first_line: 17,
        text: STDIN_DOC.to_string(),
    }));
    AuditReport {
        workloads: vec![app, worker],
        images: vec![],
        findings: vec![
            finding(
                "OOM002",
                Severity::Warning,
                "k8s/app.yaml",
                (11, 9),
                "Deployment/default/app",
                Some("app"),
                "container \"app\" has no memory request",
                "set resources.requests.memory",
            ),
            finding(
                "OOM005",
                Severity::Info,
                "k8s/app.yaml",
                (13, 21),
                "Deployment/default/app",
                Some("app"),
                "memory request 2Gi is below the limit 4Gi: Burstable, oom_score_adj 875",
                "set requests.memory equal to limits.memory (4Gi) to make the pod Guaranteed",
            ),
            stdin_finding,
        ],
        errors: vec![
            InputError {
                file: Arc::from("bad.yaml"),
                pos: Some(Pos::new(3, 1)),
                message: "mapping values are not allowed in this context".to_string(),
            },
            InputError {
                file: Arc::from("blob.bin"),
                pos: None,
                message: "not a text file (binary data at byte 0)".to_string(),
            },
        ],
        assumptions: Assumptions::with_node_memory(16 * GI),
    }
}

/// A report with nothing in it.
pub(crate) fn empty_report() -> AuditReport {
    AuditReport {
        workloads: vec![],
        images: vec![],
        findings: vec![],
        errors: vec![],
        assumptions: Assumptions::with_node_memory(16 * GI),
    }
}

/// A JVM as the audit reports it: JDK 17.0.9 with no options on 4-CPU, 16Gi nodes, with the
/// recommendation when there is a `limit`.
pub(crate) fn jvm_summary(limit: Option<u64>, dockerfile: Option<DockerfileRef>) -> JvmSummary {
    use oomdoc_jvm::recommend::{recommend, Margin};
    use oomdoc_jvm::{analyze, CgroupVersion, Cpus, Environment, FlagSource, JdkVersion, JvmInput};
    let jdk = JdkVersion::new(17, 9);
    let sources = vec![(FlagSource::CommandLine, vec![])];
    let env = Environment {
        host_memory: 16 << 30,
        host_cpus: 4,
        memory_limit: limit,
        cgroup: CgroupVersion::V2,
        cpus: Cpus::Host,
    };
    let input = JvmInput {
        jdk: jdk.clone(),
        sources: sources.clone(),
        env: env.clone(),
        workload: Default::default(),
    };
    JvmSummary {
        runtime: oomdoc_jvm::Runtime::HotSpot,
        jdk: jdk.clone(),
        jdk_source: "eclipse-temurin:17.0.9_9-jre: the image tag gives JDK 17.0.9".to_string(),
        jdk_assumed: false,
        evidence: vec!["the command runs `java`".to_string()],
        notes: vec![],
        analysis: analyze(&input),
        heap_modelled: true,
        start_depends_on_jdk: false,
        recommendation: limit
            .map(|_| recommend(&jdk, &sources, &env, Default::default(), Margin::default())),
        sources,
        dockerfile,
    }
}

/// [`sample_report`] with a JVM in `app` (built from a Dockerfile) and a Dockerfile no workload
/// runs.
pub(crate) fn jvm_report() -> AuditReport {
    let mut r = sample_report();
    let df = DockerfileRef {
        file: Arc::from("k8s/app/Dockerfile"),
        line: 1,
        matched_by: MatchedBy::ImageName,
    };
    r.workloads[0].containers[0].jvm = Some(jvm_summary(Some(4 << 30), Some(df)));
    r.images = vec![
        ImageSummary {
            file: Arc::from("k8s/app/Dockerfile"),
            line: 1,
            name: "app".to_string(),
            base_image: Some("eclipse-temurin:17.0.9_9-jre".to_string()),
            used_by: vec![(
                "Deployment/default/app".to_string(),
                "app".to_string(),
                MatchedBy::ImageName,
            )],
            jvm: None,
        },
        ImageSummary {
            file: Arc::from("tools/Dockerfile"),
            line: 2,
            name: "tools".to_string(),
            base_image: Some("eclipse-temurin:17.0.9_9-jre".to_string()),
            used_by: vec![],
            jvm: Some(jvm_summary(None, None)),
        },
    ];
    r
}

/// Runs a writer into a string.
pub(crate) fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    f(&mut buf).expect("write to a Vec");
    String::from_utf8(buf).expect("UTF-8 output")
}

/// The calls the CLI makes, with a buffered stdout-like writer, compile and run.
#[test]
fn api_shapes_the_cli_uses() {
    use std::io::{BufWriter, Write};
    let mut out = BufWriter::new(Vec::new());
    let report = sample_report();
    let opts = crate::TextOptions {
        color: true,
        verbose: true,
    };
    let mut sources = crate::FileSources::default();
    crate::write_text(&report, &opts, &mut sources, &mut out).unwrap();
    crate::write_json(&report, &mut out).unwrap();
    crate::write_sarif(&report, "0.1.0", &mut out).unwrap();
    crate::write_rules_list(crate::Style::PLAIN, &mut out).unwrap();
    crate::write_rules_json(None, &mut out).unwrap();
    if let Some(r) = oomdoc_audit::rule("oom001") {
        crate::write_rule_doc(r, crate::Style::PLAIN, &mut out).unwrap();
        crate::write_rules_json(Some(r), &mut out).unwrap();
    }
    out.flush().unwrap();
    if std::env::var_os("OOMDOC_REPORT_SHOW").is_some() {
        eprintln!("{}", String::from_utf8_lossy(out.get_ref()));
    }
}
