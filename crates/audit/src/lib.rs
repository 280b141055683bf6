//! The audit job: every workload checked against the rule registry.
//!
//! - [`registry`]: the rules as data (code, severity, title, explanation, fix, example).
//! - [`rules_k8s`]: the Kubernetes memory rules (`OOM0xx`) as data.
//! - [`finding`]: what a check reports, and the per-workload summary (QoS, oom_score_adj, sources).
//! - [`checks`]: the checks, one function per rule family, pure over the model.
//! - [`audit`]: runs admission, QoS, oom_score_adj and every check over a set of workloads.

pub mod audit;
pub mod checks;
pub mod finding;
pub mod registry;
pub mod rules_k8s;

pub use audit::{audit, AuditInput, AuditReport, Assumptions};
pub use finding::{ContainerSummary, Finding, WorkloadSummary};
pub use registry::{rule, Rule, Severity, RULES};
