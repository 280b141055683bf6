//! Runs the model and every check over a set of workloads.

use std::collections::HashSet;

use oomdoc_jvm::{CgroupVersion, JdkVersion};
use oomdoc_model::admission::{admit, EffectivePod};
use oomdoc_model::diagnostic::InputError;
use oomdoc_model::dockerfile::DockerImageSpec;
use oomdoc_model::oom_score::oom_score_adj;
use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::qos::{pod_qos, QosClass};

use crate::checks;
use crate::finding::{ContainerSummary, Finding, ImageSummary, MatchedBy, WorkloadSummary};
use crate::images::{add_repositories, summarize_images, ImageBinding, Matcher};
use crate::policy::Policy;
use crate::registry::names_rule;
use crate::{jvm_checks, jvm_view};

/// Values oomdoc assumed because the input does not say them; every report prints them.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumptions {
    /// Node memory capacity used for Burstable `oom_score_adj`, and what a JVM that does not see
    /// its container sizes itself from (`--node-memory`, default 16Gi).
    pub node_memory_bytes: i64,
    /// Node CPUs, which a JVM without a CPU limit sees (`--node-cpus`, default 4).
    pub node_cpus: u32,
    /// The nodes' cgroup version (`--cgroup`, default v2).
    pub cgroup: CgroupVersion,
    /// The JDK assumed when an image does not say which it holds (`--jdk`, default 17: its
    /// latest update).
    pub default_jdk: JdkVersion,
    /// The policy file the audit read (`.oomdoc.yaml` found or `--config FILE`), as reports
    /// name it; `None` when there is none.
    pub config: Option<String>,
}

impl Assumptions {
    /// Node CPUs when not given: a 4-CPU, 16 GiB node.
    pub const DEFAULT_NODE_CPUS: u32 = 4;

    /// The defaults, with `node_memory_bytes` of node memory.
    pub fn with_node_memory(node_memory_bytes: i64) -> Self {
        Assumptions {
            node_memory_bytes,
            node_cpus: Self::DEFAULT_NODE_CPUS,
            cgroup: CgroupVersion::V2,
            default_jdk: JdkVersion::latest(17),
            config: None,
        }
    }
}

impl Default for Assumptions {
    /// 16Gi and 4 CPUs per node, cgroup v2, JDK 17.
    fn default() -> Self {
        Assumptions::with_node_memory(16 << 30)
    }
}

/// What the audit reads: workloads and LimitRanges from the input, and the assumptions.
#[derive(Clone, Debug)]
pub struct AuditInput<'a> {
    /// Workloads, in input order.
    pub workloads: &'a [Workload],
    /// LimitRanges found in the input.
    pub limit_ranges: &'a [LimitRange],
    /// Dockerfiles found in the input.
    pub dockerfiles: &'a [DockerImageSpec],
    /// `--image IMAGE=PATH` bindings of images to those Dockerfiles.
    pub image_bindings: &'a [ImageBinding],
    /// Assumptions.
    pub assumptions: Assumptions,
}

/// The audit's result for one input set.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditReport {
    /// One summary per workload, in input order.
    pub workloads: Vec<WorkloadSummary>,
    /// One summary per Dockerfile, in input order.
    pub images: Vec<ImageSummary>,
    /// Findings, in input order.
    pub findings: Vec<Finding>,
    /// Input errors (filled by the caller from the reader).
    pub errors: Vec<InputError>,
    /// Assumptions used.
    pub assumptions: Assumptions,
}

/// A workload after admission, with its QoS class: what every check receives.
#[derive(Debug)]
pub struct Admitted<'a> {
    /// The workload as written.
    pub workload: &'a Workload,
    /// The pod spec as the API server would store it.
    pub pod: EffectivePod,
    /// Its QoS class.
    pub qos: QosClass,
    /// Node memory capacity in bytes.
    pub node_memory_bytes: i64,
    /// The team's policy (the limits some checks compare with).
    pub policy: &'a Policy,
}

/// A Dockerfile used by a container: its index, the workload, the container, how matched.
type Use = (usize, String, String, MatchedBy);

/// Audits one workload: its summary and its findings (after `oomdoc.dev/ignore`), and which
/// Dockerfiles its containers run.
fn audit_workload(
    workload: &Workload,
    limit_ranges: &[LimitRange],
    assumptions: &Assumptions,
    images: &Matcher<'_>,
    policy: &Policy,
) -> (WorkloadSummary, Vec<Finding>, Vec<Use>) {
    let ns = workload.namespace_or_default();
    let ranges: Vec<&LimitRange> = limit_ranges
        .iter()
        .filter(|lr| lr.namespace.as_deref().unwrap_or("default") == ns)
        .collect();
    let pod = admit(&workload.pod, &ranges);
    let qos = pod_qos(&pod);
    let admitted = Admitted {
        workload,
        pod,
        qos,
        node_memory_bytes: assumptions.node_memory_bytes,
        policy,
    };
    let mut findings = checks::run_all(&admitted);
    findings.retain(|f| !names_rule(&workload.ignore, f.code));
    let mut uses = Vec::new();
    let mut jvm_findings = Vec::new();
    let containers = checks::containers(&admitted)
        .iter()
        .map(|c| {
            let image = c.written.image.as_ref().map(|i| i.value.as_str());
            let matched = images.find(image);
            if let Some((_, i, by)) = matched {
                uses.push((i, workload.id(), c.admitted.name.clone(), by));
            }
            let view = jvm_view::container_view(&admitted, c, matched.map(|(d, _, by)| (d, by)));
            jvm_findings.extend(jvm_checks::unevaluated(&view));
            let jvm = jvm_view::summarize(&view, assumptions);
            if let Some(s) = &jvm {
                jvm_findings.extend(jvm_checks::check(&view, s, assumptions));
            }
            let req = c.admitted.resources.requests.memory.as_ref();
            let lim = c.admitted.resources.limits.memory.as_ref();
            ContainerSummary {
                name: c.admitted.name.clone(),
                kind: c.admitted.kind,
                memory_request_bytes: req.and_then(|q| q.quantity.value()),
                memory_limit_bytes: lim.and_then(|q| q.quantity.value()),
                memory_request_source: req.map(|q| q.source),
                memory_limit_source: lim.map(|q| q.source),
                oom_score_adj: oom_score_adj(
                    &admitted.pod,
                    qos,
                    c.which,
                    assumptions.node_memory_bytes,
                ),
                jvm,
            }
        })
        .collect();
    // JVM findings follow the workload's own, those in its manifest first, in line order.
    jvm_findings.sort_by_key(|f| (f.file != workload.file, f.pos));
    findings.extend(jvm_findings);
    // An object the API server would reject has its input error already; findings computed from
    // the values left after dropping the invalid ones would mislead (a container whose only
    // limit was `1GB` is not BestEffort).
    if workload.rejected {
        findings.clear();
    }
    for f in &mut findings {
        f.template = workload.template.clone();
        // Rendered Helm output is not where a fix belongs: the chart's template is.
        if f.template.is_some() {
            f.fix = None;
        }
    }
    let summary = WorkloadSummary {
        file: workload.file.clone(),
        line: workload.pos.line,
        kind: workload.kind.clone(),
        namespace: ns.to_string(),
        name: workload.name.clone(),
        qos_class: qos,
        containers,
    };
    (summary, findings, uses)
}

/// The audit of a stream of workloads, one at a time, in bounded memory: what [`audit`] does,
/// for callers that cannot hold every workload (the CLI reads, audits and writes each in turn).
///
/// Everything that decides about one workload from the rest of the input must be known up front:
/// the LimitRanges (admission applies all those of the namespace, wherever they are written), the
/// Dockerfiles and `--image` bindings, and how many image repositories the input's containers use
/// (rule 3 of the Dockerfile matching, see [`crate::images`]). What the session keeps is the
/// list of containers matched to a Dockerfile, which [`AuditSession::finish`] reports per image.
#[derive(Debug)]
pub struct AuditSession<'a> {
    limit_ranges: &'a [LimitRange],
    dockerfiles: &'a [DockerImageSpec],
    matcher: Matcher<'a>,
    assumptions: Assumptions,
    policy: Policy,
    uses: Vec<Use>,
}

impl<'a> AuditSession<'a> {
    /// A session over the input's LimitRanges, Dockerfiles and `--image` bindings.
    /// `repositories` is the number of distinct image repositories (without tag and digest) of
    /// all the input's containers and init containers, as [`crate::images::add_repositories`]
    /// counts them; it is read only when there is exactly one Dockerfile, and any value above 1
    /// means the same (so counting may stop at 2).
    pub fn new(
        limit_ranges: &'a [LimitRange],
        dockerfiles: &'a [DockerImageSpec],
        image_bindings: &'a [ImageBinding],
        assumptions: Assumptions,
        repositories: usize,
    ) -> Self {
        AuditSession {
            limit_ranges,
            dockerfiles,
            matcher: Matcher::new(dockerfiles, image_bindings, repositories),
            assumptions,
            policy: Policy::default(),
            uses: Vec::new(),
        }
    }

    /// The session with a team's policy applied to every finding (see [`Policy::apply`]).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The assumptions the session audits with.
    pub fn assumptions(&self) -> &Assumptions {
        &self.assumptions
    }

    /// Audits one workload: its summary and its findings, in the order [`audit`] reports them.
    pub fn workload(&mut self, workload: &Workload) -> (WorkloadSummary, Vec<Finding>) {
        let (summary, findings, uses) = audit_workload(
            workload,
            self.limit_ranges,
            &self.assumptions,
            &self.matcher,
            &self.policy,
        );
        let mut findings = findings;
        self.policy.apply(&mut findings);
        self.uses.extend(uses);
        (summary, findings)
    }

    /// One summary per Dockerfile (with the containers that run it), and the findings about the
    /// Dockerfiles no workload runs (audited on their own), which follow all workload findings.
    pub fn finish(self) -> (Vec<ImageSummary>, Vec<Finding>) {
        let mut findings = Vec::new();
        let images = summarize_images(
            self.dockerfiles,
            &self.uses,
            &self.assumptions,
            &mut findings,
        );
        self.policy.apply(&mut findings);
        (images, findings)
    }
}

/// Audits every workload: an [`AuditSession`] over `input`.
pub fn audit(input: &AuditInput<'_>) -> AuditReport {
    audit_with_policy(input, Policy::default())
}

/// [`audit`] under a team's policy.
pub fn audit_with_policy(input: &AuditInput<'_>, policy: Policy) -> AuditReport {
    let mut repositories = HashSet::new();
    if input.dockerfiles.len() == 1 {
        input
            .workloads
            .iter()
            .for_each(|w| add_repositories(w, &mut repositories));
    }
    let mut session = AuditSession::new(
        input.limit_ranges,
        input.dockerfiles,
        input.image_bindings,
        input.assumptions.clone(),
        repositories.len(),
    )
    .with_policy(policy);
    let mut workloads = Vec::with_capacity(input.workloads.len());
    let mut findings = Vec::new();
    for w in input.workloads {
        let (s, f) = session.workload(w);
        workloads.push(s);
        findings.extend(f);
    }
    let (images, image_findings) = session.finish();
    findings.extend(image_findings);
    AuditReport {
        workloads,
        images,
        findings,
        errors: Vec::new(),
        assumptions: input.assumptions.clone(),
    }
}
