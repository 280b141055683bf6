//! Turns what the API server returned (a pod, its events, its containers' logs) into the explain
//! engine's [`Facts`], as if the user had saved them to files: each becomes a named input, so
//! the verdict cites `pod/shop/admin-7d9:42` like a file line. Pure.

use k8s_openapi::api::core::v1::{Event, Pod};
use oomdoc_evidence::Kind;
use oomdoc_explain::Facts;

/// The input name of a pod: `pod/NS/NAME`.
pub fn pod_input_name(pod: &Pod) -> String {
    format!(
        "pod/{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or("default"),
        pod.metadata.name.as_deref().unwrap_or("")
    )
}

/// Facts from a pod, the events about it (and its node), and container logs given as
/// `(input name, text)`.
pub fn pod_facts(pod: &Pod, events: &[&Event], logs: &[(String, String)]) -> Facts {
    let mut facts = Facts::new();
    let name = pod_input_name(pod);
    match serde_json::to_string_pretty(pod) {
        Ok(text) => facts.add_kind(&name, &text, Kind::PodObjects),
        Err(e) => facts.add_error(format!("{name}: {e}")),
    }
    if !events.is_empty() {
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": events});
        let ev_name = format!("events/{}", name.trim_start_matches("pod/"));
        match serde_json::to_string_pretty(&list) {
            Ok(text) => facts.add_kind(&ev_name, &text, Kind::Events),
            Err(e) => facts.add_error(format!("{ev_name}: {e}")),
        }
    }
    for (log_name, text) in logs {
        facts.add_kind(log_name, text, Kind::ContainerLog);
    }
    facts
}

/// The event is about `pod` (by UID, or by namespace and name when the UID is absent) or about
/// the node it ran on.
pub fn event_concerns(e: &Event, pod: &Pod) -> bool {
    let o = &e.involved_object;
    match o.kind.as_deref() {
        Some("Pod") => match (o.uid.as_deref(), pod.metadata.uid.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => o.name == pod.metadata.name && o.namespace == pod.metadata.namespace,
        },
        Some("Node") => {
            o.name.is_some()
                && o.name.as_deref() == pod.spec.as_ref().and_then(|s| s.node_name.as_deref())
        }
        _ => false,
    }
}
