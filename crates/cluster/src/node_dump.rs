//! `simulate --live NODE`: reads from the API server what a user would save by hand for one
//! node - the Node object, the pods scheduled on it that still run, and their metrics - as the
//! JSON texts `oomdoc simulate` reads from files, so the live and the offline paths are one.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams};

use crate::api_error::{classify, ClusterError};
use crate::client::{connect, runtime, Target};
use crate::live_scan::list_pages;

/// One node's inputs for `oomdoc simulate`.
#[derive(Debug)]
pub struct NodeDump {
    /// `kubectl get node NAME -o json`.
    pub node_json: String,
    /// `kubectl get pods -A -o json --field-selector spec.nodeName=NAME,...` (a v1 List).
    pub pods_json: String,
    /// The metrics API's PodMetricsList for those pods, when metrics-server answers.
    pub metrics_json: Option<String>,
    /// What could not be read and why.
    pub notes: Vec<String>,
}

/// Gathers node `name`, its running pods (phase neither Succeeded nor Failed, as the scheduler
/// counts them) and their metrics.
pub fn gather_node(t: &Target, name: &str) -> Result<NodeDump, ClusterError> {
    crate::names::check("node", name)?;
    runtime()?.block_on(async {
        let mut t = t.clone();
        t.all_namespaces = true;
        let c = connect(&t).await?;
        let nodes: Api<Node> = Api::all(c.client.clone());
        let node =
            nodes
                .get(name)
                .await
                .map_err(|e| match classify(&e, "get", "nodes", &c.url) {
                    ClusterError::NotFound { message, .. } => ClusterError::NotFound {
                        what: format!("node {name}"),
                        message,
                    },
                    other => other,
                })?;
        let pods: Api<Pod> = Api::all(c.client.clone());
        let lp = ListParams::default().fields(&format!(
            "spec.nodeName={name},status.phase!=Succeeded,status.phase!=Failed"
        ));
        let mut items: Vec<Pod> = Vec::new();
        list_pages(&pods, lp, "pods", &c.url, &mut |page, _| items.extend(page)).await?;
        let on_node: BTreeSet<(String, String)> = items
            .iter()
            .map(|p| {
                (
                    p.metadata.namespace.clone().unwrap_or_default(),
                    p.metadata.name.clone().unwrap_or_default(),
                )
            })
            .collect();
        let mut notes = Vec::new();
        let metrics_json = match metrics(&c.client).await {
            Ok(v) => Some(only_pods(v, &on_node).to_string()),
            Err(why) => {
                notes.push(why);
                None
            }
        };
        let list = serde_json::json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": items,
        });
        Ok(NodeDump {
            node_json: serde_json::to_string(&node)
                .map_err(|e| ClusterError::Config(e.to_string()))?,
            pods_json: list.to_string(),
            metrics_json,
            notes,
        })
    })
}

/// `GET /apis/metrics.k8s.io/v1beta1/pods`, or why not.
async fn metrics(client: &kube::Client) -> Result<serde_json::Value, String> {
    let req = http::Request::get("/apis/metrics.k8s.io/v1beta1/pods")
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    match client.request::<serde_json::Value>(req).await {
        Ok(v) => Ok(v),
        Err(kube::Error::Api(s)) => Err(format!(
            "the metrics API answered {} ({}): no measured usage, usage is assumed",
            s.code, s.reason
        )),
        Err(e) => Err(format!(
            "the metrics API could not be read ({e}): usage is assumed"
        )),
    }
}

/// The PodMetricsList cut to the pods on the node.
fn only_pods(mut v: serde_json::Value, on_node: &BTreeSet<(String, String)>) -> serde_json::Value {
    if let Some(items) = v.get_mut("items").and_then(|i| i.as_array_mut()) {
        items.retain(|m| {
            let s = |k: &str| m["metadata"][k].as_str().unwrap_or("").to_string();
            on_node.contains(&(s("namespace"), s("name")))
        });
    }
    v
}
