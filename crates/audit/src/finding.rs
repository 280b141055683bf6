//! Findings and workload summaries: the audit's results, before any writer formats them.

use std::sync::Arc;

use oomdoc_jvm::recommend::Recommendation;
use oomdoc_jvm::{Analysis, FlagSource, JdkVersion, Runtime};
use oomdoc_model::admission::{ContainerKind, Source};
use oomdoc_model::pod::DocSource;
use oomdoc_model::qos::QosClass;
use oomdoc_model::span::Pos;

use crate::fix::Fix;
use crate::registry::{RuleCode, Severity};

/// One rule violation, anchored at the value (or the object) it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule.
    pub code: RuleCode,
    /// The rule's severity.
    pub severity: Severity,
    /// The input file.
    pub file: Arc<str>,
    /// Where the offending value (or the object, when a value is missing) is.
    pub pos: Pos,
    /// `Kind/namespace/name`.
    pub workload: String,
    /// The container, when the finding is about one.
    pub container: Option<String>,
    /// What is wrong, with the figures.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// The document text, for inputs that cannot be read again (stdin).
    pub source: Option<Arc<DocSource>>,
    /// The Helm template that rendered the workload (`# Source:` of `helm template`), if known.
    pub template: Option<Arc<str>>,
    /// The change `--fix` writes, when the right value is known.
    pub fix: Option<Fix>,
}

impl Finding {
    /// The finding with `fix` attached.
    pub fn with_fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }
}

/// One container's effective memory settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerSummary {
    /// `name`.
    pub name: String,
    /// Regular, init or sidecar.
    pub kind: ContainerKind,
    /// Effective memory request in bytes (`Value()`), if any.
    pub memory_request_bytes: Option<i64>,
    /// Effective memory limit in bytes, if any.
    pub memory_limit_bytes: Option<i64>,
    /// Where the request came from.
    pub memory_request_source: Option<Source>,
    /// Where the limit came from.
    pub memory_limit_source: Option<Source>,
    /// The `oom_score_adj` the kubelet will give the container's processes.
    pub oom_score_adj: i64,
    /// The JVM in the container, when one is seen.
    pub jvm: Option<JvmSummary>,
}

/// How a Dockerfile was matched to a container's image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    /// `--image IMAGE=PATH`.
    ImageFlag,
    /// The image name's last path segment is one of the Dockerfile's names (its directory, …).
    ImageName,
    /// The input has one Dockerfile and its containers use one image.
    OnlyOne,
}

impl MatchedBy {
    /// `image flag`, `image name`, `only one`: the wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::ImageFlag => "image flag",
            MatchedBy::ImageName => "image name",
            MatchedBy::OnlyOne => "only one",
        }
    }
}

/// The Dockerfile a container's image was matched to.
#[derive(Clone, Debug, PartialEq)]
pub struct DockerfileRef {
    /// The Dockerfile.
    pub file: Arc<str>,
    /// The line of its final `FROM`.
    pub line: u32,
    /// How it was matched.
    pub matched_by: MatchedBy,
}

/// The JVM the audit found in a container (or in a Dockerfile's image), and what HotSpot will do
/// with its memory there.
#[derive(Clone, Debug, PartialEq)]
pub struct JvmSummary {
    /// HotSpot or OpenJ9.
    pub runtime: Runtime,
    /// The JDK modelled.
    pub jdk: JdkVersion,
    /// Where the JDK version came from, in a sentence.
    pub jdk_source: String,
    /// The image does not say which JDK it holds: [`crate::Assumptions::default_jdk`] is used.
    pub jdk_assumed: bool,
    /// Why this is thought to be a JVM, one clue per line.
    pub evidence: Vec<String>,
    /// What the model cannot see or had to assume.
    pub notes: Vec<String>,
    /// The JVM options found, by source, in the order found.
    pub sources: Vec<(FlagSource, Vec<String>)>,
    /// HotSpot's ergonomics and the whole-process budget against the limit.
    pub analysis: Analysis,
    /// False when something the model does not see decides the heap (OpenJ9, Paketo's memory
    /// calculator, an application's start script, an options file): the figures are then
    /// HotSpot's defaults, not the container's, and the heap checks are not run.
    pub heap_modelled: bool,
    /// The JDK is assumed and the JVM would not start with it, but would with another JDK: the
    /// start failure is a note, not a finding.
    pub start_depends_on_jdk: bool,
    /// Flags (and a limit) that make the whole process fit, when the heap is modelled.
    pub recommendation: Option<Recommendation>,
    /// The Dockerfile merged into the container, if any.
    pub dockerfile: Option<DockerfileRef>,
}

/// A Dockerfile of the input and the containers that run its image.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSummary {
    /// The Dockerfile.
    pub file: Arc<str>,
    /// The line of its final `FROM`.
    pub line: u32,
    /// The name reports use (its directory, …).
    pub name: String,
    /// The external base image, after `ARG` substitution.
    pub base_image: Option<String>,
    /// Containers that run it: workload (`Kind/namespace/name`), container, how matched.
    pub used_by: Vec<(String, String, MatchedBy)>,
    /// Its JVM audited on its own (no memory limit), when no container of the input runs it.
    pub jvm: Option<JvmSummary>,
}

/// One workload's memory summary.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSummary {
    /// The input file.
    pub file: Arc<str>,
    /// The object's first line.
    pub line: u32,
    /// `kind`.
    pub kind: String,
    /// Namespace, `default` when absent.
    pub namespace: String,
    /// `metadata.name`.
    pub name: Option<String>,
    /// The pod's QoS class.
    pub qos_class: QosClass,
    /// Containers: regular first, then init containers, in declaration order.
    pub containers: Vec<ContainerSummary>,
}
