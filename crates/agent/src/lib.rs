//! `oomdoc agent`: one per node (a DaemonSet), catching every OOM kill as it happens and
//! exporting each container's memory by component to Prometheus.
//!
//! - [`components`]: a cgroup's memory files → components and limit (pure, v1 and v2).
//! - [`discover`]: the kubelet's pod and container cgroups on the node, and their files.
//! - [`kmsg`]: `/dev/kmsg` followed record by record, grouped into bursts.
//! - [`kills`]: OOM reports in a burst, explained as `oomdoc explain` does (pure).
//! - [`metrics`]: the Prometheus families, bounded.

pub mod components;
pub mod discover;
pub mod jvm_probe;
pub mod kills;
pub mod kmsg;
pub mod metrics;
pub mod open_files;
pub mod run;
pub mod serve;
