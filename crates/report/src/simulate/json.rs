//! `--format json`: the report as one JSON object. Sizes are bytes (`*_bytes`); fields are added,
//! never renamed.

use serde_json::{json, Value};

use oomdoc_sim::oom_kill::PAGE_SIZE;
use oomdoc_sim::simulate::Report;

/// The report as JSON.
pub fn to_json(r: &Report) -> Value {
    let n = &r.node;
    json!({
        "node": {
            "name": n.name,
            "capacity_bytes": n.capacity,
            "capacity_source": n.capacity_source,
            "allocatable_bytes": n.allocatable,
            "allocatable_source": n.allocatable_source,
            "reserved_bytes": n.reserved,
            "system_usage_bytes": n.system_usage,
            "page_size_bytes": PAGE_SIZE,
        },
        "fits": r.fits,
        "requests_bytes": r.requests,
        "limits_bytes": r.limits,
        "pods_without_limit": r.unlimited,
        "allocatable_bytes": n.allocatable,
        "overcommit_ratio": (r.overcommit_ratio * 1000.0).round() / 1000.0,
        "usage_source": r.usage_format.map(|f| f.as_str()),
        "pods_usage_bytes": r.pods_usage,
        "unmatched_usage_bytes": r.unmatched_usage,
        "node_working_set_bytes": r.node_working_set,
        "memory_available_bytes": r.memory_available,
        "thresholds": r.thresholds.iter().map(|t| json!({
            "kind": t.kind.as_str(),
            "threshold": t.text,
            "bytes": t.bytes,
            "grace_period": t.grace_period,
            "distance_bytes": t.distance,
            "met": t.met,
        })).collect::<Vec<_>>(),
        "eviction_order": r.eviction_order.iter().map(|e| e.pod.clone()).collect::<Vec<_>>(),
        "eviction_ranking": r.eviction_order.iter().map(|e| json!({
            "pod": e.pod,
            "qos": e.qos.as_str(),
            "priority": e.priority,
            "request_bytes": e.request,
            "usage_bytes": e.usage,
            "evictable": !e.critical,
            "reason": e.reason,
        })).collect::<Vec<_>>(),
        "oom_kill_order": r.oom_kill_order.iter().map(|o| o.container.clone()).collect::<Vec<_>>(),
        "oom_kill_ranking": r.oom_kill_order.iter().map(|o| json!({
            "container": o.container,
            "qos": o.qos.as_str(),
            "oom_score_adj": o.oom_score_adj,
            "usage_bytes": o.usage,
            "badness": o.badness,
            "oom_score": o.oom_score,
        })).collect::<Vec<_>>(),
        "steps": r.steps.iter().map(|s| json!({
            "growth_bytes": s.growth,
            "node_working_set_bytes": s.node_working_set,
            "memory_available_bytes": s.memory_available,
            "kind": s.kind.as_str(),
            "target": s.target,
            "explanation": s.explanation,
        })).collect::<Vec<_>>(),
        "assumptions": r.assumptions,
    })
}
