//! Read-only live-cluster access (kube + k8s-openapi) and offline cluster dumps for
//! `oomdoc scan`, `watch` and `explain --pod`.
//!
//! The pure core turns Kubernetes objects into what the commands print, with no I/O:
//! - [`rows`]: a pod's containers as rows (QoS, request, limit, restarts, OOM kills, evictions),
//!   with [`pod_audit`] (the audit's rules and JVM model run on the live spec);
//! - [`risk`]: the documented risk score and ranking;
//! - [`overcommit`]: per-node sums of limits against allocatable, and the QoS mix;
//! - [`scan`]: the accumulator fed one object at a time (`oomdoc-report` writes its tables);
//! - [`kills`]: what `watch` reports once; [`facts`]: objects as the explain engine's inputs;
//! - [`dump`]: `kubectl get -o json` Lists read item by item.
//!
//! The I/O shell, all read-only (get/list/watch): [`client`] (kubeconfig, context, service
//! account, timeouts), [`api_error`] (one-line messages for 401/403/404/410 and unreachable
//! servers), [`live_scan`] (paginated lists), [`live_watch`] (watchers with bookmarks and
//! re-list on 410) and [`gather`] (`explain --pod`).

pub mod api_error;
pub mod client;
pub mod dump;
pub mod exec_deadline;
pub mod facts;
pub mod gather;
pub mod guard;
pub mod kills;
pub mod kubeconfig;
pub mod live_scan;
pub mod live_watch;
pub mod names;
pub mod node_dump;
pub mod node_pods;
pub mod overcommit;
pub mod pace;
pub mod pod_audit;
pub mod risk;
pub mod rows;
pub mod scan;
pub mod top_rows;

pub use api_error::ClusterError;
pub use client::Target;
pub use scan::{Scan, ScanReport};
