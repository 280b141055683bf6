//! `kubectl describe pod` text: identity, node, QoS class, per container the state and last state
//! (`Reason`, `Exit Code`, `Signal`, `Started`, `Finished`), `Restart Count`, `Container ID` and the
//! memory `Limits`/`Requests`, plus the Events table. Several pods in one text are read in turn.

use oomdoc_model::qos::QosClass;
use oomdoc_model::Quantity;
use oomdoc_model::TerminationReason;

use crate::events::{parse_events_table, parse_eviction, EventFacts};
use crate::pod_status::{split_container_id, ContainerFacts, ContainerState, PodFacts, Terminated};
use crate::Cited;

fn indent(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// `Key:   value` → (key, value).
fn kv(s: &str) -> Option<(&str, &str)> {
    let (k, v) = s.trim().split_once(':')?;
    Some((k.trim(), v.trim()))
}

fn new_container(name: &str, init: bool, line: u32) -> ContainerFacts {
    ContainerFacts {
        name: name.to_string(),
        init,
        container_id: None,
        runtime: None,
        image: None,
        restart_count: None,
        state: None,
        last_state: None,
        memory_request: None,
        memory_limit: None,
        memory_request_bytes: None,
        memory_limit_bytes: None,
        line,
    }
}

fn new_state(word: &str, line: u32, raw: &str) -> ContainerState {
    match word.split_whitespace().next().unwrap_or("") {
        "Terminated" => ContainerState::Terminated(Terminated {
            reason: None,
            exit_code: None,
            signal: None,
            started_at: None,
            finished_at: None,
            message: None,
            container_id: None,
            cited: Cited::new(line, raw),
        }),
        "Waiting" => ContainerState::Waiting { reason: None },
        _ => ContainerState::Running { started_at: None },
    }
}

#[derive(PartialEq)]
enum Section {
    Top,
    Containers(bool),
    Other,
}

/// Pods (and their Events tables) in `kubectl describe pod` output.
pub fn parse_describe(text: &str) -> (Vec<PodFacts>, Vec<EventFacts>) {
    let mut pods: Vec<PodFacts> = Vec::new();
    let mut section = Section::Top;
    let mut which_state: Option<bool> = None; // Some(false) = State, Some(true) = Last State
    let mut res: Option<bool> = None; // Some(true) = Limits, Some(false) = Requests
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let ind = indent(raw);
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if ind == 0 {
            which_state = None;
            res = None;
            let Some((k, v)) = kv(t) else { continue };
            if k == "Name" {
                pods.push(PodFacts {
                    namespace: None,
                    name: Some(v.to_string()),
                    uid: None,
                    node_name: None,
                    qos_class: None,
                    phase: None,
                    reason: None,
                    message: None,
                    eviction: None,
                    containers: Vec::new(),
                    cited: Cited::new(line, raw),
                });
                section = Section::Top;
                continue;
            }
            let Some(p) = pods.last_mut() else { continue };
            section = pod_field(p, k, v);
            continue;
        }
        let Section::Containers(init) = section else {
            continue;
        };
        let Some(p) = pods.last_mut() else { continue };
        if ind == 2 {
            if let Some(name) = t.strip_suffix(':') {
                p.containers.push(new_container(name, init, line));
            }
            which_state = None;
            res = None;
            continue;
        }
        let Some(c) = p.containers.last_mut() else {
            continue;
        };
        let Some((k, v)) = kv(t) else { continue };
        if ind == 4 {
            (which_state, res) = container_field(c, k, v, line, raw);
        } else if let Some(last) = which_state {
            state_field(c, last, k, v, line, raw);
        } else if let (Some(limit), "memory") = (res, k) {
            memory_resource(c, limit, v);
        }
    }
    (pods, parse_events_table(text))
}

/// A pod-level field (`Namespace:`, `Node:`, `Status:` ...); returns the section it opens.
fn pod_field(p: &mut PodFacts, k: &str, v: &str) -> Section {
    let mut section = match k {
        "Containers" => Section::Containers(false),
        "Init Containers" => Section::Containers(true),
        _ => Section::Top,
    };
    match k {
        "Namespace" => p.namespace = Some(v.to_string()),
        "Node" => {
            p.node_name = v
                .split('/')
                .next()
                .filter(|n| !n.is_empty() && *n != "<none>")
                .map(str::to_string)
        }
        "Status" => p.phase = Some(v.to_string()),
        "Reason" => p.reason = Some(TerminationReason::parse(v)),
        "Message" => {
            p.eviction = parse_eviction(v);
            p.message = Some(v.to_string());
        }
        "QoS Class" => p.qos_class = QosClass::parse(v),
        "Containers" | "Init Containers" => {}
        _ => {
            section = if section == Section::Top {
                Section::Top
            } else {
                Section::Other
            }
        }
    }
    section
}

/// A field of a container (`Container ID:`, `State:`, `Limits:` ...); returns the state
/// (`Some(true)`: Last State) and the resources (`Some(true)`: Limits) it opens.
fn container_field(
    c: &mut ContainerFacts,
    k: &str,
    v: &str,
    line: u32,
    raw: &str,
) -> (Option<bool>, Option<bool>) {
    match k {
        "Container ID" => {
            let (rt, id) = split_container_id(v);
            c.runtime = rt;
            c.container_id = Some(id);
        }
        "Image" => c.image = Some(v.to_string()),
        "State" => {
            c.state = Some(new_state(v, line, raw));
            return (Some(false), None);
        }
        "Last State" => {
            c.last_state = Some(new_state(v, line, raw));
            return (Some(true), None);
        }
        "Restart Count" => c.restart_count = v.parse().ok(),
        "Limits" => return (None, Some(true)),
        "Requests" => return (None, Some(false)),
        _ => {}
    }
    (None, None)
}

/// A field under `State:` or (`last`) `Last State:`.
fn state_field(c: &mut ContainerFacts, last: bool, k: &str, v: &str, line: u32, raw: &str) {
    let st = if last {
        c.last_state.as_mut()
    } else {
        c.state.as_mut()
    };
    match st {
        Some(ContainerState::Terminated(term)) => match k {
            "Reason" => {
                term.reason = Some(TerminationReason::parse(v));
                term.cited = Cited::new(line, raw);
            }
            "Exit Code" => term.exit_code = v.parse().ok(),
            "Signal" => term.signal = v.parse().ok(),
            "Started" => term.started_at = Some(v.to_string()),
            "Finished" => term.finished_at = Some(v.to_string()),
            "Message" => term.message = Some(v.to_string()),
            _ => {}
        },
        Some(ContainerState::Waiting { reason }) if k == "Reason" => *reason = Some(v.to_string()),
        Some(ContainerState::Running { started_at }) if k == "Started" => {
            *started_at = Some(v.to_string())
        }
        _ => {}
    }
}

/// `memory:` under `Limits:` (`limit`) or `Requests:`.
fn memory_resource(c: &mut ContainerFacts, limit: bool, v: &str) {
    let q = Quantity::parse(v).ok();
    let b = q.as_ref().and_then(Quantity::value);
    if limit {
        (c.memory_limit, c.memory_limit_bytes) = (q, b);
    } else {
        (c.memory_request, c.memory_request_bytes) = (q, b);
    }
}
