//! Read-only live-cluster access (kube + k8s-openapi) and offline cluster dumps for
//! `oomdoc scan`, `watch` and `explain --pod`: the I/O shell around `oomdoc-cluster-core`.
//!
//! The pure core (rows, risk, overcommit, the scan accumulator, kills, explain facts) is
//! `oomdoc_cluster_core`, re-exported here under the same module names ([`rows`], [`risk`],
//! [`overcommit`], [`scan`], [`top_rows`], [`kills`], [`facts`], [`pod_audit`]). This crate
//! reads and hands it what it needs, the time included.
//!
//! The I/O shell, all read-only (get/list/watch): [`client`] (kubeconfig, context, service
//! account, timeouts), [`api_error`] (one-line messages for 401/403/404/410 and unreachable
//! servers), [`live_scan`] (paginated lists), [`live_watch`] (watchers with bookmarks and
//! re-list on 410), [`gather`] (`explain --pod`), [`node_dump`] (`simulate --live`),
//! [`node_pods`] (the agent's pod names), [`limit_ranges`] (the webhook's LimitRanges),
//! [`names`] (names checked before a request) and
//! [`dump`] (`kubectl get -o json` Lists read item by item from a file or stdin).

pub mod api_error;
pub mod client;
pub mod dump;
pub mod exec_deadline;
pub mod gather;
pub mod guard;
pub mod kill_events;
pub mod kubeconfig;
pub mod limit_ranges;
pub mod live_scan;
pub mod live_watch;
pub mod names;
pub mod node_dump;
pub mod node_pods;
pub mod pace;

pub use oomdoc_cluster_core::{facts, kills, overcommit, pod_audit, risk, rows, scan, top_rows};

pub use api_error::ClusterError;
pub use client::Target;
pub use scan::{Scan, ScanReport};
