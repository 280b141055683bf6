//! Readers: text to data, detected by content. Nothing here reads a file.

pub mod metrics;
pub mod node;
pub mod top;
mod tree;

pub use metrics::parse_metrics;
pub use node::{parse_node, NodeObject};
pub use top::parse_top;

use crate::usage::UsageTable;
use crate::LineError;

/// Reads a usage file of any supported format, told apart by content: `kubectl top pod` text
/// (a header with `MEMORY(bytes)`), or the metrics API's JSON (`PodMetricsList`).
pub fn parse_usage(text: &str) -> Result<UsageTable, LineError> {
    if top::looks_like_top(text) {
        parse_top(text)
    } else if metrics::looks_like_metrics(text) {
        parse_metrics(text)
    } else {
        Err(LineError::whole(
            "not a usage file: expected `kubectl top pod [--containers]` output or a PodMetricsList (`kubectl get --raw /apis/metrics.k8s.io/v1beta1/pods`)",
        ))
    }
}
