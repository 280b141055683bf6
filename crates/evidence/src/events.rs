//! Events: `kubectl get events -o json|yaml` objects and the Events table of `kubectl describe`,
//! with the messages that matter classified: `OOMKilling` (node-problem-detector's copy of the kernel
//! kill line), `SystemOOM` (kubelet OOM watcher: `System OOM encountered[, victim process: X, pid: N]`),
//! `Evicted` (both kubelet wordings), probe kills (`Container X failed liveness probe, will be
//! restarted`), `Unhealthy`, `Killing` and `BackOff`.

use crate::kernel_facts::KilledProcess;
use crate::kernel_line::KernelStamp;
use crate::pod_status::LineIndex;
use crate::tree::Node;
use crate::{after, leading_u64, Cited};
use oomdoc_model::LineError;

/// A kubelet eviction message (`status.message` of an evicted pod, or the `Evicted` event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvictionMessage {
    /// `The node was low on resource: <resource>.` (`memory`, `ephemeral-storage`, ...).
    pub resource: String,
    /// `Threshold quantity: Q` (newer kubelets).
    pub threshold: Option<String>,
    /// `available: Q`.
    pub available: Option<String>,
    /// Per container: (name, usage, request), from either wording.
    pub containers: Vec<(String, String, String)>,
}

/// Parses `The node was low on resource: memory. [Threshold quantity: T, available: A. ]Container X
/// was using U, (which exceeds its request of R|request is R, has larger consumption of memory). ...`.
pub fn parse_eviction(msg: &str) -> Option<EvictionMessage> {
    let rest = after(msg, "The node was low on resource: ")?;
    let dot = rest.find(". ").unwrap_or(rest.len());
    let resource = rest[..dot].trim_end_matches('.').to_string();
    let threshold = after(rest, "Threshold quantity: ")
        .map(|t| t[..t.find(',').unwrap_or(t.len())].trim().to_string());
    let available = after(rest, "available: ").map(|t| {
        t[..t.find(". ").or_else(|| t.find(',')).unwrap_or(t.len())]
            .trim()
            .trim_end_matches('.')
            .to_string()
    });
    let mut containers = Vec::new();
    let mut s = rest;
    while let Some(c) = after(s, "Container ") {
        let Some(w) = c.find(" was using ") else {
            break;
        };
        let name = c[..w].to_string();
        let u = &c[w + " was using ".len()..];
        let Some(comma) = u.find(", ") else { break };
        let usage = u[..comma].to_string();
        let tail = &u[comma + 2..];
        let request = if let Some(r) = tail.strip_prefix("which exceeds its request of ") {
            r[..r.find(". ").unwrap_or(r.len())]
                .trim_end_matches('.')
                .to_string()
        } else if let Some(r) = tail.strip_prefix("request is ") {
            r[..r.find(',').unwrap_or(r.len())].to_string()
        } else {
            String::new()
        };
        containers.push((name, usage, request));
        s = tail;
    }
    Some(EvictionMessage {
        resource,
        threshold,
        available,
        containers,
    })
}

/// Which probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Probe {
    /// `liveness`.
    Liveness,
    /// `readiness`.
    Readiness,
    /// `startup`.
    Startup,
}

fn probe_of(s: &str) -> Option<Probe> {
    let l = s.to_ascii_lowercase();
    if l.contains("liveness") {
        Some(Probe::Liveness)
    } else if l.contains("readiness") {
        Some(Probe::Readiness)
    } else if l.contains("startup") {
        Some(Probe::Startup)
    } else {
        None
    }
}

/// What an event's reason and message mean for OOM analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventMeaning {
    /// `OOMKilling` from node-problem-detector: the kernel's kill line.
    OomKilling(Option<KilledProcess>),
    /// `SystemOOM` (kubelet). `victim`/`pid` from 1.16 on.
    SystemOom {
        /// The victim's comm.
        victim: Option<String>,
        /// The victim's pid.
        pid: Option<u32>,
    },
    /// `Evicted` with the kubelet's message.
    Evicted(Option<EvictionMessage>),
    /// `Killing` after a failed probe: `Container X failed liveness probe, will be restarted`.
    ProbeKill {
        /// Container name.
        container: String,
        /// Which probe.
        probe: Option<Probe>,
    },
    /// The runtime sent SIGKILL because the container did not stop within its grace period
    /// (`failed to exit within 10 seconds of signal 15 - using the force`).
    ForcedKill,
    /// A userspace OOM killer acted (systemd-oomd, earlyoom, Talos' OOM controller): a kill for
    /// memory pressure that is not the kernel's OOM killer and not the kubelet's eviction.
    UserspaceOomKill {
        /// Which killer.
        killer: String,
    },
    /// `Killing` for another reason (`Stopping container X`).
    Killing {
        /// Container name, when the message names it.
        container: Option<String>,
    },
    /// `Unhealthy`: `Liveness probe failed: ...`.
    Unhealthy(Option<Probe>),
    /// `BackOff`: `Back-off restarting failed container X ...`.
    BackOff {
        /// Container name, when the message names it.
        container: Option<String>,
    },
    /// Node events `EvictionThresholdMet`, `NodeHasInsufficientMemory`.
    NodeMemoryPressure,
    /// Anything else.
    Other,
}

/// Classifies an event by reason and message.
pub fn classify(reason: &str, message: &str, line: u32) -> EventMeaning {
    let message = message
        .strip_prefix("(combined from similar events): ")
        .unwrap_or(message);
    match reason {
        "OOMKilling" => EventMeaning::OomKilling(crate::kernel_facts::parse_killed(
            message,
            line,
            message,
            &KernelStamp::default(),
        )),
        "SystemOOM" => EventMeaning::SystemOom {
            victim: after(message, "victim process: ")
                .map(|v| v[..v.find(", pid:").unwrap_or(v.len())].to_string()),
            pid: after(message, "pid: ")
                .and_then(leading_u64)
                .map(|p| p as u32),
        },
        "Evicted" => EventMeaning::Evicted(parse_eviction(message)),
        "Killing" => {
            if let Some(c) = after(message, "Container ") {
                if let Some(i) = c.find(" failed ") {
                    return EventMeaning::ProbeKill {
                        container: c[..i].to_string(),
                        probe: probe_of(&c[i..]),
                    };
                }
            }
            if let Some(c) = after(message, "container \"")
                .and_then(|c| c.split_once('"'))
                .filter(|(_, t)| t.contains("unhealthy"))
            {
                return EventMeaning::ProbeKill {
                    container: c.0.to_string(),
                    probe: None,
                };
            }
            EventMeaning::Killing {
                container: after(message, "Stopping container ")
                    .map(|c| c.split_whitespace().next().unwrap_or("").to_string()),
            }
        }
        "Unhealthy" => EventMeaning::Unhealthy(probe_of(message.split(':').next().unwrap_or(""))),
        "BackOff" => EventMeaning::BackOff {
            container: after(message, "restarting failed container ")
                .map(|c| c.split_whitespace().next().unwrap_or("").to_string()),
        },
        "EvictionThresholdMet" | "NodeHasInsufficientMemory" => EventMeaning::NodeMemoryPressure,
        // Proposed kubelet event for a container cgroup's OOM: `Cgroup OOM encountered, victim
        // process: X, pid: N`.
        "CgroupOOM" => EventMeaning::OomKilling(Some(KilledProcess::reported(
            crate::kernel_facts::KillScope::Memcg,
            after(message, "pid: ")
                .and_then(leading_u64)
                .map_or(0, |p| p as u32),
            after(message, "victim process: ")
                .map(|v| v[..v.find(", pid:").unwrap_or(v.len())].to_string())
                .unwrap_or_default(),
            None,
            Cited::new(line, message),
        ))),
        _ => EventMeaning::Other,
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFacts {
    /// `type` (`Normal`, `Warning`).
    pub event_type: Option<String>,
    /// `reason`.
    pub reason: String,
    /// `message`.
    pub message: String,
    /// `involvedObject.kind` (or `regarding.kind` for events.k8s.io).
    pub object_kind: Option<String>,
    /// `involvedObject.namespace`.
    pub object_namespace: Option<String>,
    /// `involvedObject.name`.
    pub object_name: Option<String>,
    /// `involvedObject.uid`: the pod UID for pod events.
    pub object_uid: Option<String>,
    /// `involvedObject.fieldPath` (`spec.containers{app}`).
    pub field_path: Option<String>,
    /// `count` (or `series.count`; from `(xN over ...)` in the describe table).
    pub count: Option<i64>,
    /// `firstTimestamp` (RFC 3339).
    pub first_timestamp: Option<String>,
    /// `lastTimestamp` (or `eventTime`, `series.lastObservedTime`).
    pub last_timestamp: Option<String>,
    /// The describe table's relative `Age` column (no absolute time there).
    pub age: Option<String>,
    /// `source.component` / `reportingComponent` / the table's `From`.
    pub source: Option<String>,
    /// `source.host`.
    pub host: Option<String>,
    /// The container the message names (kubelet and runtime log lines), hex id without prefix.
    pub container_id: Option<String>,
    /// What the event means.
    pub meaning: EventMeaning,
    /// The `reason` line (objects) or the table row.
    pub cited: Cited,
}

impl EventFacts {
    /// An event read from one line of text (a message, a table row, a log line): its reason,
    /// meaning and line; the object's namespace and name when the line names them.
    pub fn from_line(
        reason: String,
        meaning: EventMeaning,
        object: (Option<String>, Option<String>),
        cited: Cited,
    ) -> Self {
        EventFacts {
            event_type: None,
            reason,
            message: cited.text.trim().to_string(),
            object_kind: None,
            object_namespace: object.0,
            object_name: object.1,
            object_uid: None,
            field_path: None,
            count: None,
            first_timestamp: None,
            last_timestamp: None,
            age: None,
            source: None,
            host: None,
            container_id: None,
            meaning,
            cited,
        }
    }
}

fn event(n: &Node, text: &LineIndex<'_>) -> Option<EventFacts> {
    let reason = n.s(&["reason"])?;
    let message = n
        .s(&["message"])
        .or_else(|| n.s(&["note"]))
        .unwrap_or_default();
    let obj = n.get("involvedObject").or_else(|| n.get("regarding"));
    let o = |k: &str| obj.and_then(|o| o.s(&[k]));
    let line = n.get("reason").map_or(n.line, |r| r.line);
    Some(EventFacts {
        event_type: n.s(&["type"]),
        meaning: classify(&reason, &message, line),
        reason,
        message,
        object_kind: o("kind"),
        object_namespace: o("namespace"),
        object_name: o("name"),
        object_uid: o("uid"),
        field_path: o("fieldPath"),
        count: n.i(&["count"]).or_else(|| n.i(&["series", "count"])),
        first_timestamp: n.s(&["firstTimestamp"]),
        last_timestamp: n
            .s(&["lastTimestamp"])
            .or_else(|| n.s(&["series", "lastObservedTime"]))
            .or_else(|| n.s(&["eventTime"])),
        age: None,
        source: n
            .s(&["source", "component"])
            .or_else(|| n.s(&["reportingComponent"]))
            .or_else(|| n.s(&["reportingController"])),
        host: n.s(&["source", "host"]),
        container_id: None,
        cited: Cited::new(line, text.get(line)),
    })
}

fn is_event(n: &Node) -> bool {
    matches!(n.s(&["kind"]).as_deref(), Some("Event"))
        || (n.get("kind").is_none()
            && n.get("reason").is_some()
            && n.get("involvedObject").is_some())
}

/// Every event in a JSON or YAML text (`EventList`, `List`, single objects, several documents).
pub fn parse_events(text: &str) -> Result<Vec<EventFacts>, LineError> {
    parse_events_at(text, 1)
}

/// [`parse_events`] on a block whose first line is line `first_line` of the input.
pub fn parse_events_at(text: &str, first_line: u32) -> Result<Vec<EventFacts>, LineError> {
    let docs = crate::tree::load_at(text, first_line)?;
    let index = LineIndex::new_at(text, first_line);
    let mut out = Vec::new();
    for d in &docs {
        if is_event(d) {
            out.extend(event(d, &index));
        }
        for item in d.get("items").map(Node::items).unwrap_or(&[]) {
            if is_event(item) {
                out.extend(event(item, &index));
            }
        }
    }
    Ok(out)
}

/// The Events table of `kubectl describe` (or `kubectl get events` text output with the
/// `Type Reason Age From Message` header). Rows start at the header line's columns.
pub fn parse_events_table(text: &str) -> Vec<EventFacts> {
    let mut out = Vec::new();
    let mut cols: Option<[usize; 5]> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let trimmed = raw.trim_start();
        if trimmed.starts_with("Type") && trimmed.contains("Reason") && trimmed.contains("Message")
        {
            let f = |k: &str| raw.find(k).unwrap_or(0);
            cols = Some([f("Type"), f("Reason"), f("Age"), f("From"), f("Message")]);
            continue;
        }
        let Some(c) = cols else { continue };
        if trimmed.starts_with("----") {
            continue;
        }
        if trimmed.is_empty() || (c[0] > 0 && !raw.starts_with(' ')) {
            cols = None;
            continue;
        }
        if raw.len() <= c[4] || !raw.is_char_boundary(c[4]) {
            continue;
        }
        let cell = |a: usize, b: usize| {
            raw.get(a..b)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let (Some(ty), Some(reason)) = (cell(c[0], c[1]), cell(c[1], c[2])) else {
            continue;
        };
        // A table whose alignment was lost in the paste (single spaces, tabs): the cells are
        // not where the header says; leave the row to the line readers.
        if !matches!(ty.as_str(), "Normal" | "Warning")
            || !reason.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            continue;
        }
        let age = cell(c[2], c[3]);
        let message = raw[c[4]..].trim().to_string();
        let count = age
            .as_deref()
            .and_then(|a| after(a, "(x"))
            .and_then(leading_u64)
            .map(|n| n as i64)
            .or(Some(1));
        out.push(EventFacts {
            event_type: Some(ty),
            meaning: classify(&reason, &message, line),
            reason,
            message,
            object_kind: None,
            object_namespace: None,
            object_name: None,
            object_uid: None,
            field_path: None,
            count,
            first_timestamp: None,
            last_timestamp: None,
            age,
            source: cell(c[3], c[4]),
            host: None,
            container_id: None,
            cited: Cited::new(line, raw),
        });
    }
    out
}
