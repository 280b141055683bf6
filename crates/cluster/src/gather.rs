//! `explain --pod NS/NAME`: gathers from the API server what a user would save by hand - the pod,
//! its events, its node's events, and the previous logs of containers that terminated - as
//! [`Facts`] for the same explain engine as file inputs.

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, LogParams};
use oomdoc_cluster_core::facts::{event_concerns, pod_facts};
use oomdoc_explain::Facts;

use crate::api_error::{classify, ClusterError};
use crate::client::{connect, runtime, Conn, Target};
use crate::live_scan::list_pages;

/// What was gathered, and what could not be.
#[derive(Debug)]
pub struct Gathered {
    /// The facts, ready for `oomdoc_explain::explain`.
    pub facts: Facts,
    /// Inputs read (`pod/shop/admin`, `events/...`, `log/...`).
    pub inputs: Vec<String>,
    /// What could not be read and why (no previous log, events forbidden, ...).
    pub notes: Vec<String>,
}

/// Gathers the evidence about pod `name` in `namespace` (None: the context's), with at most
/// `tail` lines of each log.
pub fn gather_pod(
    t: &Target,
    namespace: Option<&str>,
    name: &str,
    tail: i64,
) -> Result<Gathered, ClusterError> {
    crate::names::check("pod", name)?;
    if let Some(ns) = namespace {
        crate::names::check("namespace", ns)?;
    }
    runtime()?.block_on(async {
        let mut t = t.clone();
        t.all_namespaces = false;
        t.namespace = namespace.map(str::to_string).or(t.namespace);
        let c = connect(&t).await?;
        let namespace = c.namespace.clone().unwrap_or_else(|| "default".into());
        let namespace = namespace.as_str();
        let pods: Api<Pod> = Api::namespaced(c.client.clone(), namespace);
        let pod = pods
            .get(name)
            .await
            .map_err(|e| match classify(&e, "get", "pods", &c.url) {
                ClusterError::NotFound { message, .. } => ClusterError::NotFound {
                    what: format!("pod {namespace}/{name}"),
                    message,
                },
                other => other,
            })?;
        let mut notes = Vec::new();
        let mut inputs = vec![oomdoc_cluster_core::facts::pod_input_name(&pod)];
        let events = pod_and_node_events(&c, namespace, name, &pod, &mut notes).await;
        if !events.is_empty() {
            inputs.push(format!(
                "events/{namespace}/{name} ({} events)",
                events.len()
            ));
        }
        let logs = last_logs(&c, namespace, name, &pod, tail, &mut notes).await;
        inputs.extend(logs.iter().map(|(log_name, _)| log_name.clone()));
        let refs: Vec<&Event> = events.iter().collect();
        Ok(Gathered {
            facts: pod_facts(&pod, &refs, &logs),
            inputs,
            notes,
        })
    })
}

/// The pod's events and those of its node (the kubelet reports evictions and system OOMs on
/// the node); what cannot be read is noted.
async fn pod_and_node_events(
    c: &Conn,
    namespace: &str,
    name: &str,
    pod: &Pod,
    notes: &mut Vec<String>,
) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    let evs: Api<Event> = Api::namespaced(c.client.clone(), namespace);
    let lp = ListParams::default().fields(&format!("involvedObject.name={name}"));
    let r = list_pages(&evs, lp, "events", &c.url, &mut |page, _| {
        events.extend(page.into_iter().filter(|e| event_concerns(e, pod)))
    })
    .await;
    if let Err(e) = r {
        notes.push(format!("pod events not read: {e}"));
    }
    if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) {
        let all: Api<Event> = Api::all(c.client.clone());
        let lp = ListParams::default().fields(&format!(
            "involvedObject.kind=Node,involvedObject.name={node}"
        ));
        let r = list_pages(&all, lp, "events", &c.url, &mut |page, _| {
            events.extend(page)
        })
        .await;
        if let Err(e) = r {
            notes.push(format!("events of node {node} not read: {e}"));
        }
    }
    events
}

/// The log of each container instance that died (the previous one if it restarted), its last
/// `tail` lines, as (input name, text); what cannot be read is noted.
async fn last_logs(
    c: &Conn,
    namespace: &str,
    name: &str,
    pod: &Pod,
    tail: i64,
    notes: &mut Vec<String>,
) -> Vec<(String, String)> {
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), namespace);
    let mut logs = Vec::new();
    for cs in oomdoc_cluster_core::statuses::statuses(pod) {
        let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
        let now = cs.state.as_ref().and_then(|s| s.terminated.as_ref());
        // The log of the instance that died: the previous one if it restarted.
        let previous = match (last, now) {
            (Some(_), _) => true,
            (None, Some(_)) => false,
            (None, None) => continue,
        };
        let lp = LogParams {
            container: Some(cs.name.clone()),
            previous,
            tail_lines: Some(tail),
            ..LogParams::default()
        };
        let log_name = format!(
            "log/{namespace}/{name}/{}{}",
            cs.name,
            if previous { " (previous)" } else { "" }
        );
        match pods.logs(name, &lp).await {
            Ok(text) => logs.push((log_name, text)),
            Err(e) => notes.push(format!(
                "{log_name} not read: {}",
                classify(&e, "get", "pods/log", &c.url)
            )),
        }
    }
    logs
}
