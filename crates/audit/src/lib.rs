//! The audit job: every workload checked against the rule registry.
//!
//! - [`registry`]: the rules as data (code, severity, title, explanation, fix, example).
//! - [`rules_k8s`]: the Kubernetes memory rules (`OOM0xx`) as data.
//! - [`rules_jvm`]: the JVM memory rules (`OOM1xx`) as data.
//! - [`finding`]: what a check reports, and the per-workload summary (QoS, oom_score_adj, sources).
//! - [`checks`]: the checks, one function per rule family, pure over the model.
//! - `jvm_view`, `jvm_checks`: each container's JVM (merged with its image's Dockerfile) through
//!   the JVM model (`oomdoc-jvm`), and the checks behind the JVM rules.
//! - [`fix`]: the fixes findings carry, and how they become edits of a file's text (`--fix`).
//! - [`policy`]: a team's policy (`.oomdoc.yaml`) as data: rules off or re-graded, exemptions,
//!   the limits the policy-only rules compare with.
//! - [`images`]: which Dockerfile of the input each container runs; images nobody runs are
//!   audited on their own.
//! - [`mod@audit`]: runs admission, QoS, oom_score_adj and every check over a set of workloads, at
//!   once ([`audit()`]) or one workload at a time ([`AuditSession`]).

pub mod audit;
pub mod checks;
pub mod finding;
pub mod fix;
pub mod images;
mod jvm_checks;
mod jvm_view;
pub mod policy;
pub mod registry;
pub mod rules_jvm;
pub mod rules_k8s;

pub use audit::{audit, audit_with_policy, Assumptions, AuditInput, AuditReport, AuditSession};
pub use finding::{
    ContainerSummary, DockerfileRef, Finding, ImageSummary, JvmSummary, MatchedBy, WorkloadSummary,
};
pub use images::ImageBinding;
pub use policy::Policy;
pub use registry::{rule, Rule, RuleCode, Severity, RULES};
