//! Why a container (or a pod) stopped, as the kubelet and the container runtimes write it in
//! `status.containerStatuses[].state.terminated.reason` and `status.reason`: one type so that
//! every reader and judge compares a value, not a spelling.
//!
//! The spellings are upstream's:
//! - `OOMKilled`, `Error`, `Completed`, `ContainerCannotRun`, `StartError`: the CRI runtimes'
//!   terminated reasons (containerd `pkg/cri/server/container_status.go`, CRI-O
//!   `internal/oci/container.go`, dockershim's `ContainerCannotRun`), passed through by the kubelet
//!   (`pkg/kubelet/kuberuntime/kuberuntime_container.go`);
//! - `Evicted`: the kubelet's eviction manager (`pkg/kubelet/eviction/helpers.go`, `Reason`), on
//!   the pod's `status.reason`;
//! - `DeadlineExceeded`: `activeDeadlineSeconds` passed (`pkg/kubelet/active_deadline.go`);
//! - `ContainerStatusUnknown`: the kubelet lost the container and wrote exit code 137 itself
//!   (`pkg/kubelet/kubelet_pods.go`).
//!
//! Anything else is kept as written ([`TerminationReason::Other`]), so
//! `parse(s).as_str() == s` for every `s` and reports print exactly what the input said.

use std::fmt;

/// A termination reason.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TerminationReason {
    /// `OOMKilled`: the kernel killed a process for memory (the container's or the node's).
    OomKilled,
    /// `Evicted`: the kubelet evicted the pod (node pressure).
    Evicted,
    /// `Error`: exited with a non-zero code.
    Error,
    /// `Completed`: exited with code 0.
    Completed,
    /// `ContainerCannotRun`: the runtime could not start the process.
    ContainerCannotRun,
    /// `DeadlineExceeded`: `activeDeadlineSeconds` passed.
    DeadlineExceeded,
    /// `StartError`: the runtime failed to start the container.
    StartError,
    /// `ContainerStatusUnknown`: the kubelet could not find the container (its exit code 137 is
    /// the kubelet's, not a signal).
    ContainerStatusUnknown,
    /// Any other reason, as written (`NodeLost`, `Shutdown`, ...).
    Other(String),
}

impl TerminationReason {
    /// The reason `s` spells (exactly: reasons are case-sensitive CamelCase words).
    pub fn parse(s: &str) -> TerminationReason {
        match s {
            "OOMKilled" => TerminationReason::OomKilled,
            "Evicted" => TerminationReason::Evicted,
            "Error" => TerminationReason::Error,
            "Completed" => TerminationReason::Completed,
            "ContainerCannotRun" => TerminationReason::ContainerCannotRun,
            "DeadlineExceeded" => TerminationReason::DeadlineExceeded,
            "StartError" => TerminationReason::StartError,
            "ContainerStatusUnknown" => TerminationReason::ContainerStatusUnknown,
            other => TerminationReason::Other(other.to_string()),
        }
    }

    /// The reason as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            TerminationReason::OomKilled => "OOMKilled",
            TerminationReason::Evicted => "Evicted",
            TerminationReason::Error => "Error",
            TerminationReason::Completed => "Completed",
            TerminationReason::ContainerCannotRun => "ContainerCannotRun",
            TerminationReason::DeadlineExceeded => "DeadlineExceeded",
            TerminationReason::StartError => "StartError",
            TerminationReason::ContainerStatusUnknown => "ContainerStatusUnknown",
            TerminationReason::Other(s) => s,
        }
    }

    /// `OOMKilled`.
    pub fn is_oom_killed(&self) -> bool {
        *self == TerminationReason::OomKilled
    }
}

impl fmt::Display for TerminationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips() {
        for s in [
            "OOMKilled",
            "Evicted",
            "Error",
            "Completed",
            "ContainerCannotRun",
            "DeadlineExceeded",
            "StartError",
            "ContainerStatusUnknown",
            "oomkilled",
            "",
        ] {
            assert_eq!(TerminationReason::parse(s).as_str(), s);
        }
        assert_eq!(
            TerminationReason::parse("OOMKilled"),
            TerminationReason::OomKilled
        );
        assert_eq!(
            TerminationReason::parse("oomkilled"),
            TerminationReason::Other("oomkilled".into())
        );
    }
}
