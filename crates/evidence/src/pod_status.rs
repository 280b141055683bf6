//! Pod objects as `kubectl get pod -o json|yaml` prints them (a single Pod, a `List`/`PodList`, or
//! several YAML documents): identity, QoS class, node, and per container the state and last state
//! (terminated reason, exit code, signal, times), restart count, container id and memory resources.

use oomdoc_model::qos::QosClass;
use oomdoc_model::LineError;
use oomdoc_model::{Quantity, TerminationReason};

use crate::events::{parse_eviction, EvictionMessage};
use crate::tree::Node;
use crate::Cited;

/// A `terminated` container state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminated {
    /// `reason`: `OOMKilled`, `Error`, `Completed`, `ContainerStatusUnknown`, ...
    pub reason: Option<TerminationReason>,
    /// `exitCode` (137 = 128 + SIGKILL).
    pub exit_code: Option<i64>,
    /// `signal`, when the runtime reports it.
    pub signal: Option<i64>,
    /// `startedAt` (RFC 3339).
    pub started_at: Option<String>,
    /// `finishedAt` (RFC 3339).
    pub finished_at: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `containerID` of the terminated instance, runtime prefix removed.
    pub container_id: Option<String>,
    /// The `reason` line (or the `terminated:` line without one).
    pub cited: Cited,
}

/// A container state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContainerState {
    /// `running`.
    Running {
        /// `startedAt`.
        started_at: Option<String>,
    },
    /// `waiting` (`CrashLoopBackOff`, ...).
    Waiting {
        /// `reason`.
        reason: Option<String>,
    },
    /// `terminated`.
    Terminated(Terminated),
}

impl ContainerState {
    /// The terminated state, if this is one.
    pub fn terminated(&self) -> Option<&Terminated> {
        match self {
            ContainerState::Terminated(t) => Some(t),
            _ => None,
        }
    }
}

/// One container's status and memory resources.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerFacts {
    /// Container name.
    pub name: String,
    /// An init container.
    pub init: bool,
    /// `containerID` with the runtime prefix (`containerd://`, `docker://`, `cri-o://`) removed.
    pub container_id: Option<String>,
    /// The runtime prefix (`containerd`, `docker`, `cri-o`).
    pub runtime: Option<String>,
    /// `image`.
    pub image: Option<String>,
    /// `restartCount`.
    pub restart_count: Option<i64>,
    /// `state`.
    pub state: Option<ContainerState>,
    /// `lastState`.
    pub last_state: Option<ContainerState>,
    /// `resources.requests.memory` (from the spec).
    pub memory_request: Option<Quantity>,
    /// `resources.limits.memory` (from the spec).
    pub memory_limit: Option<Quantity>,
    /// The request in bytes.
    pub memory_request_bytes: Option<i64>,
    /// The limit in bytes.
    pub memory_limit_bytes: Option<i64>,
    /// Line of the container status (or spec) entry.
    pub line: u32,
}

/// What a pod object says.
#[derive(Clone, Debug, PartialEq)]
pub struct PodFacts {
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.uid`.
    pub uid: Option<String>,
    /// `spec.nodeName`.
    pub node_name: Option<String>,
    /// `status.qosClass`.
    pub qos_class: Option<QosClass>,
    /// `status.phase`.
    pub phase: Option<String>,
    /// `status.reason` (`Evicted`, ...): why the pod stopped, in the same vocabulary.
    pub reason: Option<TerminationReason>,
    /// `status.message`.
    pub message: Option<String>,
    /// `status.message` read as a kubelet eviction message.
    pub eviction: Option<EvictionMessage>,
    /// Containers (init containers first, as in the status).
    pub containers: Vec<ContainerFacts>,
    /// The object's first line.
    pub cited: Cited,
}

/// Strips `containerd://` and the like: (runtime, id).
pub fn split_container_id(s: &str) -> (Option<String>, String) {
    match s.split_once("://") {
        Some((rt, id)) => (Some(rt.to_string()), id.to_string()),
        None => (None, s.to_string()),
    }
}

/// The text of each line by number, for quoting facts read from a tree.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Line number of the text's first line in the input it was cut from, minus one.
    by: u32,
}

impl<'a> LineIndex<'a> {
    /// For a block whose first line is line `first_line` of the input.
    pub(crate) fn new_at(text: &'a str, first_line: u32) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            text,
            starts,
            by: first_line.saturating_sub(1),
        }
    }

    /// Line `line` (1-based, of the input) without its line break; empty when out of range.
    pub(crate) fn get(&self, line: u32) -> &'a str {
        let i = line.saturating_sub(1).saturating_sub(self.by) as usize;
        let Some(&a) = self.starts.get(i) else {
            return "";
        };
        let b = self.starts.get(i + 1).map_or(self.text.len(), |e| e - 1);
        self.text
            .get(a..b.max(a))
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

fn state(n: Option<&Node>, text: &LineIndex<'_>) -> Option<ContainerState> {
    let n = n?;
    if let Some(t) = n.get("terminated") {
        let cite_line = t.get("reason").map_or(t.line, |r| r.line);
        return Some(ContainerState::Terminated(Terminated {
            reason: t.s(&["reason"]).map(|r| TerminationReason::parse(&r)),
            exit_code: t.i(&["exitCode"]),
            signal: t.i(&["signal"]),
            started_at: t.s(&["startedAt"]),
            finished_at: t.s(&["finishedAt"]),
            message: t.s(&["message"]),
            container_id: t.s(&["containerID"]).map(|c| split_container_id(&c).1),
            cited: Cited::new(cite_line, text.get(cite_line)),
        }));
    }
    if let Some(w) = n.get("waiting") {
        return Some(ContainerState::Waiting {
            reason: w.s(&["reason"]),
        });
    }
    n.get("running").map(|r| ContainerState::Running {
        started_at: r.s(&["startedAt"]),
    })
}

fn pod(n: &Node, text: &LineIndex<'_>) -> PodFacts {
    let status = n.get("status");
    let spec = n.get("spec");
    let message = status.and_then(|s| s.s(&["message"]));
    let mut containers = Vec::new();
    for (statuses, specs, init) in [
        ("initContainerStatuses", "initContainers", true),
        ("containerStatuses", "containers", false),
    ] {
        let spec_list = spec
            .and_then(|s| s.get(specs))
            .map(Node::items)
            .unwrap_or(&[]);
        let status_list = status
            .and_then(|s| s.get(statuses))
            .map(Node::items)
            .unwrap_or(&[]);
        // Every status entry (a pasted fragment may have lost its `name`), then the spec's
        // containers that have no status.
        let mut entries: Vec<(String, Option<&Node>)> = status_list
            .iter()
            .map(|c| (c.s(&["name"]).unwrap_or_default(), Some(c)))
            .collect();
        for c in spec_list {
            if let Some(nm) = c.s(&["name"]) {
                if !entries.iter().any(|(n, _)| *n == nm) {
                    entries.push((nm, None));
                }
            }
        }
        for (name, st) in entries {
            let sp = spec_list
                .iter()
                .find(|c| !name.is_empty() && c.s(&["name"]).as_deref() == Some(&name));
            let q = |k: &str| {
                sp.and_then(|s| s.s(&["resources", k, "memory"]))
                    .and_then(|v| Quantity::parse(&v).ok())
            };
            let (runtime, container_id) = match st.and_then(|s| s.s(&["containerID"])) {
                Some(c) => {
                    let (r, id) = split_container_id(&c);
                    (r, Some(id))
                }
                None => (None, None),
            };
            let (req, lim) = (q("requests"), q("limits"));
            containers.push(ContainerFacts {
                name,
                init,
                container_id,
                runtime,
                image: st
                    .and_then(|s| s.s(&["image"]))
                    .or_else(|| sp.and_then(|s| s.s(&["image"]))),
                restart_count: st.and_then(|s| s.i(&["restartCount"])),
                state: st.and_then(|s| state(s.get("state"), text)),
                last_state: st.and_then(|s| state(s.get("lastState"), text)),
                memory_request_bytes: req.as_ref().and_then(Quantity::value),
                memory_limit_bytes: lim.as_ref().and_then(Quantity::value),
                memory_request: req,
                memory_limit: lim,
                line: st.or(sp).map_or(n.line, |x| x.line),
            });
        }
    }
    PodFacts {
        namespace: n.s(&["metadata", "namespace"]),
        name: n.s(&["metadata", "name"]),
        uid: n.s(&["metadata", "uid"]),
        node_name: spec.and_then(|s| s.s(&["nodeName"])),
        qos_class: status
            .and_then(|s| s.s(&["qosClass"]))
            .and_then(|q| QosClass::parse(&q)),
        phase: status.and_then(|s| s.s(&["phase"])),
        reason: status
            .and_then(|s| s.s(&["reason"]))
            .map(|r| TerminationReason::parse(&r)),
        eviction: message.as_deref().and_then(parse_eviction),
        message,
        containers,
        cited: Cited::new(n.line, text.get(n.line)),
    }
}

fn is_pod(n: &Node) -> bool {
    match n.s(&["kind"]).as_deref() {
        Some("Pod") => true,
        Some(_) => false,
        None => n.at(&["status", "containerStatuses"]).is_some(),
    }
}

/// Every pod in a JSON or YAML text (single objects, `List`s, several documents). Objects of
/// other kinds are skipped. A syntax error is returned as (line, message).
pub fn parse_pods(text: &str) -> Result<Vec<PodFacts>, LineError> {
    parse_pods_at(text, 1)
}

/// [`parse_pods`] on a block whose first line is line `first_line` of the input.
pub fn parse_pods_at(text: &str, first_line: u32) -> Result<Vec<PodFacts>, LineError> {
    let docs = crate::tree::load_at(text, first_line)?;
    let index = LineIndex::new_at(text, first_line);
    let mut out = Vec::new();
    for d in &docs {
        if is_pod(d) {
            out.push(pod(d, &index));
        }
        for item in d.get("items").map(Node::items).unwrap_or(&[]) {
            if is_pod(item) {
                out.push(pod(item, &index));
            }
        }
    }
    Ok(out)
}
