//! The pure core of `oomdoc scan`, `watch` and `explain --pod`: Kubernetes API objects in,
//! rows, kills, risk and explain facts out. No kube client, no files, no clock, no environment:
//! what the I/O shell (`oomdoc-cluster`) reads from a live cluster or a dump is handed in, and
//! so is the time risks are measured from.
//!
//! - [`rows`]: a pod's containers as rows (QoS, request, limit, restarts, OOM kills, evictions),
//!   with [`pod_audit`] (the audit's rules and JVM model run on the live spec);
//! - [`risk`]: the documented risk score and ranking;
//! - [`overcommit`]: per-node sums of limits against allocatable, and the QoS mix;
//! - [`scan`]: the accumulator fed one object at a time (`oomdoc-report` writes its tables;
//!   [`top_rows`] keeps only the rows `--top N` can still show);
//! - [`kills`]: what `watch` reports once; [`facts`]: objects as the explain engine's inputs;
//! - [`statuses`]: a pod's container statuses, init first;
//! - [`names`]: what Kubernetes allows as an object name (the shell checks names with it before
//!   they go into a request path).

pub mod facts;
pub mod kills;
pub mod limit_ranges;
pub mod names;
pub mod overcommit;
pub mod pod_audit;
pub mod pod_names;
pub mod risk;
pub mod rows;
pub mod scan;
pub mod statuses;
pub mod top_rows;

pub use scan::{Scan, ScanReport};
