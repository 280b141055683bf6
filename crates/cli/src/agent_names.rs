//! Pod names for the agent: from the API server (a read-only watch of this node's pods) when it
//! can be reached, else by UID, said once in the log.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use oomdoc_agent::metrics::Who;
use oomdoc_agent::run::{ByUid, EventSink, Names};
use oomdoc_cluster::kill_events::{EventPoster, PodRef};
use oomdoc_cluster::node_pods::{follow_node_pods, NodePods};

use crate::scan_cmd::ConnArgs;

/// Names from the pod watch; UID and container id as the cgroup path gives them.
struct FromApi(NodePods);

impl Names for FromApi {
    fn who(&self, pod_uid: Option<&str>, container_id: Option<&str>) -> Who {
        let mut who = ByUid.who(pod_uid, container_id);
        let map = self.0.read().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = pod_uid.and_then(|u| map.get(u)) {
            who.namespace = p.namespace.clone();
            who.pod = p.name.clone();
            if let Some(id) = container_id {
                // The cgroup path may show a prefix of the id (cut, or a runtime's short id).
                if let Some((_, name)) = p
                    .containers
                    .iter()
                    .find(|(c, _)| c.starts_with(id) || id.starts_with(c.as_str()))
                {
                    who.container = name.clone();
                }
            }
        }
        who
    }
}

fn log(msg: &str) {
    let _ = std::io::Write::write_all(
        &mut crate::stderr(),
        format!("oomdoc agent: {msg}\n").as_bytes(),
    );
}

/// The names the agent labels with.
pub(crate) fn names(conn: &ConnArgs, node: Option<&str>, stop: Arc<AtomicBool>) -> Arc<dyn Names> {
    let Some(node) = node else {
        log("pods are labelled by UID only: no --node or $NODE_NAME to watch the node's pods");
        return Arc::new(ByUid);
    };
    let pods = NodePods::default();
    match follow_node_pods(&conn.target(None), node, pods.clone(), stop, Box::new(log)) {
        // The thread ends with the stop flag; it is not joined (a watch may be mid-request).
        Ok(_) => Arc::new(FromApi(pods)),
        Err(e) => {
            log(&format!("pods are labelled by UID only: {e}"));
            Arc::new(ByUid)
        }
    }
}

/// `--events`: Events created through the API server, on the pods the watch named.
pub(crate) fn event_sink(conn: &ConnArgs, node: Option<&str>) -> anyhow::Result<EventSink> {
    let node = node.ok_or_else(|| anyhow::anyhow!("--events needs --node or $NODE_NAME"))?;
    let poster = EventPoster::connect(&conn.target(None), node)?;
    Ok(Box::new(move |who: &Who, message: &str, at: i64| {
        let pod = PodRef {
            namespace: &who.namespace,
            name: &who.pod,
            uid: &who.pod_uid,
        };
        poster.post(pod, message, at).map_err(|e| e.to_string())
    }))
}
