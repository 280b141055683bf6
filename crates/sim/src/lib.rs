//! Pure node-memory simulation behind `oomdoc simulate`: allocatable, eviction thresholds, the
//! kubelet's eviction order, the kernel OOM killer's victim order, and what happens first as
//! memory usage grows. No I/O: the CLI reads the files and hands text and workloads in.
//!
//! - [`input`]: readers, text to data: a Node object ([`input::node`]), `kubectl top pod` text
//!   ([`input::top`]) and the metrics API's `PodMetricsList` ([`input::metrics`]), detected by
//!   content ([`input::parse_usage`]).
//! - [`threshold`]: eviction thresholds (`memory.available<100Mi`, `<10%`) as the kubelet parses
//!   and applies them.
//! - [`node`]: capacity, reservations, allocatable, the node's working set and `memory.available`.
//! - [`usage`]: measured usage joined to pods, or assumed (`request`, `limit`, `NN%` of limit).
//! - [`pod`]: the pods the node runs, from admitted pod specs: requests, limits, priority, QoS,
//!   `oom_score_adj`.
//! - [`eviction`]: `rankMemoryPressure`, the kubelet's eviction order under memory pressure.
//! - [`oom_kill`]: `oom_badness`, the kernel OOM killer's victim order.
//! - [`story`]: `--grow`: step by step, what happens first as usage grows.
//! - [`simulate`]: the whole model, inputs to [`simulate::Report`], which `oomdoc_report::simulate` writes as text and JSON.

pub mod eviction;
mod grow;
pub mod input;
pub mod node;
pub mod oom_kill;
pub mod pod;
pub mod simulate;
pub mod story;
pub mod threshold;
pub mod usage;

use oomdoc_model::Quantity;

/// A problem with one input, at the 1-based line it was found at when known: the model's one
/// shape of a reader's error (`line N: message`).
pub use oomdoc_model::LineError;

/// A memory quantity (`512Mi`, `1.5Gi`, `123456Ki`) in bytes, rounded up as `Quantity.Value()`
/// does; negative quantities are refused.
pub fn memory_bytes(text: &str) -> Result<i64, String> {
    let q = Quantity::parse(text.trim()).map_err(|e| format!("`{}`: {e}", text.trim()))?;
    if q.is_negative() {
        return Err(format!(
            "`{}`: a memory size cannot be negative",
            text.trim()
        ));
    }
    q.value()
        .ok_or_else(|| format!("`{}`: too large", text.trim()))
}

/// [`Bytes::approx`](oomdoc_model::bytes::Bytes::approx) of `bytes`: what the story's
/// sentences print (`4Gi`, `~1.2Gi`).
pub fn fmt_bytes(bytes: i64) -> String {
    oomdoc_model::bytes::approx(bytes)
}
