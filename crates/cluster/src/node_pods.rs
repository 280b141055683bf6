//! This node's pods, for the node agent: a read-only list and watch of pods with
//! `spec.nodeName=<node>`, kept as a map from pod UID to the names the agent labels with.
//!
//! Runs on its own thread; an API server that cannot be reached, refuses or goes away never
//! stops the agent: the watcher backs off ([`crate::live_watch`]'s `Escalating`) and the map
//! keeps what it had.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::{watcher, WatchStreamExt};
use kube::Api;

use crate::api_error::ClusterError;
use crate::client::{connect_with, runtime, Target};
use crate::live_watch::Escalating;

pub use oomdoc_cluster_core::pod_names::{pod_names, PodNames};

/// Pod UID → names, shared with the agent.
pub type NodePods = Arc<RwLock<HashMap<String, PodNames>>>;

/// Pods kept at most (the kubelet's default is 110 per node; 30x that).
pub const MAX_PODS: usize = 3_300;

fn apply(pods: &NodePods, pod: &Pod) {
    if let Some((uid, names)) = pod_names(pod) {
        let mut map = pods.write().unwrap_or_else(|p| p.into_inner());
        if map.len() < MAX_PODS || map.contains_key(&uid) {
            map.insert(uid, names);
        }
    }
}

fn delete(pods: &NodePods, pod: &Pod) {
    if let Some(uid) = &pod.metadata.uid {
        pods.write().unwrap_or_else(|p| p.into_inner()).remove(uid);
    }
}

/// Watches the pods of `node` into `pods` until `stop` is set; `log` gets one line for each
/// change between working and failing. Returns once connected (or with the reason it cannot).
pub fn follow_node_pods(
    target: &Target,
    node: &str,
    pods: NodePods,
    stop: Arc<AtomicBool>,
    log: Box<dyn Fn(&str) + Send>,
) -> Result<std::thread::JoinHandle<()>, ClusterError> {
    crate::names::check("node", node)?;
    let rt = runtime()?;
    // A watch request lasts up to the server's timeout (290 s here) plus the guard's margin.
    let conn = rt.block_on(connect_with(target, Duration::from_secs(330)))?;
    let api: Api<Pod> = Api::all(conn.client.clone());
    let cfg = watcher::Config::default()
        .fields(&format!("spec.nodeName={node}"))
        .timeout(290);
    let url = conn.url.clone();
    Ok(std::thread::spawn(move || {
        rt.block_on(async move {
            let mut stream = watcher(api, cfg).backoff(Escalating::default()).boxed();
            let mut failing = false;
            let mut fresh: HashMap<String, PodNames> = HashMap::new();
            while !stop.load(Ordering::Relaxed) {
                let next = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
                let ev = match next {
                    Err(_) => continue,
                    Ok(None) => break,
                    Ok(Some(ev)) => ev,
                };
                match ev {
                    Ok(watcher::Event::Apply(p)) => apply(&pods, &p),
                    Ok(watcher::Event::Delete(p)) => delete(&pods, &p),
                    Ok(watcher::Event::Init) => fresh.clear(),
                    Ok(watcher::Event::InitApply(p)) => {
                        if let Some((uid, n)) = pod_names(&p) {
                            if fresh.len() < MAX_PODS {
                                fresh.insert(uid, n);
                            }
                        }
                    }
                    Ok(watcher::Event::InitDone) => {
                        let n = fresh.len();
                        *pods.write().unwrap_or_else(|p| p.into_inner()) =
                            std::mem::take(&mut fresh);
                        if failing || n > 0 {
                            log(&format!("{n} pods on the node, from {url}"));
                        }
                        failing = false;
                    }
                    Err(e) => {
                        if !failing {
                            log(&format!(
                                "pod names from {url}: {e}; keeping the names known, retrying"
                            ));
                        }
                        failing = true;
                    }
                }
            }
        });
    }))
}
