//! What `watch` reports: a container whose `state` or `lastState` becomes terminated
//! `OOMKilled` (keyed by its `finishedAt`, else its restart count), an evicted pod, and OOM or
//! eviction events, each once. Pure.

use std::collections::{HashSet, VecDeque};

use k8s_openapi::api::core::v1::{Event, Pod};

use crate::rows::{is_oom_kill, pod_evicted};
use crate::scan::is_oom_event;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillKind {
    /// A container terminated `OOMKilled`.
    OomKill,
    /// The pod was evicted.
    Evicted,
    /// An OOM or eviction event (`OOMKilling`, `SystemOOM`, `Evicted`, ...) not already reported.
    Event,
}

/// One kill or eviction, as `watch` reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Kill {
    /// What happened.
    pub kind: KillKind,
    /// Namespace of the pod (or event).
    pub namespace: Option<String>,
    /// The pod (or the event's object).
    pub pod: Option<String>,
    /// The container.
    pub container: Option<String>,
    /// The node.
    pub node: Option<String>,
    /// When (RFC 3339): `finishedAt`, or the event's last time.
    pub at: Option<String>,
    /// `restartCount` after the kill.
    pub restart_count: Option<i64>,
    /// `exitCode`.
    pub exit_code: Option<i64>,
    /// The event reason.
    pub reason: Option<String>,
    /// The eviction or event message.
    pub message: Option<String>,
    /// What identifies it (pod UID with container and time, or event UID and count).
    pub key: String,
}

/// The kills a pod shows now.
pub fn pod_kills(pod: &Pod) -> Vec<Kill> {
    let uid = pod
        .metadata
        .uid
        .clone()
        .or_else(|| {
            Some(format!(
                "{}/{}",
                pod.metadata.namespace.as_deref().unwrap_or(""),
                pod.metadata.name.as_deref().unwrap_or("")
            ))
        })
        .unwrap_or_default();
    let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
    let base = Kill {
        kind: KillKind::OomKill,
        namespace: pod.metadata.namespace.clone(),
        pod: pod.metadata.name.clone(),
        container: None,
        node,
        at: None,
        restart_count: None,
        exit_code: None,
        reason: None,
        message: None,
        key: String::new(),
    };
    let mut out = Vec::new();
    let status = pod.status.as_ref();
    for cs in crate::statuses::statuses(pod) {
        let state = cs.state.as_ref().and_then(|s| s.terminated.as_ref());
        let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
        for (t, restarts) in [(state, cs.restart_count), (last, cs.restart_count)] {
            let Some(t) = t.filter(|t| is_oom_kill(t)) else {
                continue;
            };
            let at = t.finished_at.as_ref().map(|f| {
                f.0.to_rfc3339_opts(k8s_openapi::chrono::SecondsFormat::Secs, true)
            });
            // The same kill moves from `state` to `lastState` on restart: key on its time.
            let when = at.clone().unwrap_or_else(|| format!("restart {restarts}"));
            out.push(Kill {
                container: Some(cs.name.clone()),
                at,
                restart_count: Some(i64::from(restarts)),
                exit_code: Some(i64::from(t.exit_code)),
                key: format!("oom/{uid}/{}/{when}", cs.name),
                ..base.clone()
            });
        }
    }
    out.dedup_by(|a, b| a.key == b.key);
    if pod_evicted(pod) {
        out.push(Kill {
            kind: KillKind::Evicted,
            message: status.and_then(|s| s.message.clone()),
            key: format!("evicted/{uid}"),
            ..base
        });
    }
    out
}

/// The kill an event reports, if it is an OOM or eviction event. An `Evicted` event about a pod
/// has the key of the pod's eviction, so the two are reported once.
pub fn event_kill(e: &Event) -> Option<Kill> {
    if !is_oom_event(e) {
        return None;
    }
    let o = &e.involved_object;
    let reason = e.reason.clone();
    let key = if reason.as_deref() == Some("Evicted") && o.kind.as_deref() == Some("Pod") {
        format!(
            "evicted/{}",
            o.uid.clone().unwrap_or_else(|| format!(
                "{}/{}",
                o.namespace.as_deref().unwrap_or(""),
                o.name.as_deref().unwrap_or("")
            ))
        )
    } else {
        format!(
            "event/{}/{}",
            e.metadata
                .uid
                .as_deref()
                .unwrap_or(e.metadata.name.as_deref().unwrap_or("")),
            e.count.unwrap_or(1)
        )
    };
    let is_node = o.kind.as_deref() == Some("Node");
    Some(Kill {
        kind: if reason.as_deref() == Some("Evicted") {
            KillKind::Evicted
        } else {
            KillKind::Event
        },
        namespace: if is_node { None } else { o.namespace.clone() },
        pod: if is_node { None } else { o.name.clone() },
        container: None,
        node: if is_node {
            o.name.clone()
        } else {
            e.source.as_ref().and_then(|s| s.host.clone())
        },
        at: e
            .last_timestamp
            .as_ref()
            .or(e.first_timestamp.as_ref())
            .map(|t| {
                t.0.to_rfc3339_opts(k8s_openapi::chrono::SecondsFormat::Secs, true)
            }),
        restart_count: None,
        exit_code: None,
        reason,
        message: e.message.clone(),
        key,
    })
}

/// Keys already reported, the oldest forgotten past `cap` (so a week-long watch stays bounded).
#[derive(Debug)]
pub struct Seen {
    set: HashSet<String>,
    order: VecDeque<String>,
    cap: usize,
}

impl Seen {
    /// Remembers at most `cap` keys.
    pub fn new(cap: usize) -> Self {
        Seen {
            set: HashSet::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// True the first time `key` is offered.
    pub fn first(&mut self, key: &str) -> bool {
        if self.set.contains(key) {
            return false;
        }
        if self.order.len() == self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.set.insert(key.to_string());
        self.order.push_back(key.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(last_finished: &str, restarts: i32, state_oom: bool) -> Pod {
        let state = if state_oom {
            serde_json::json!({"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-11-28T04:00:00Z"}})
        } else {
            serde_json::json!({"running": {"startedAt": "2026-11-28T04:00:01Z"}})
        };
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "namespace": "shop", "uid": "u1"},
            "spec": {"containers": [{"name": "app"}], "nodeName": "n1"},
            "status": {"containerStatuses": [{
                "name": "app", "image": "i", "imageID": "", "ready": false, "restartCount": restarts,
                "state": state,
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": last_finished}}
            }]}
        }))
        .unwrap()
    }

    #[test]
    fn a_kill_is_reported_once_as_it_moves_from_state_to_last_state() {
        let mut seen = Seen::new(10);
        let before = pod("2026-11-28T03:00:00Z", 3, true);
        let keys: Vec<_> = pod_kills(&before)
            .into_iter()
            .filter(|k| seen.first(&k.key))
            .collect();
        assert_eq!(keys.len(), 2);
        // Restarted: the 04:00 kill is now lastState; nothing new.
        let after = pod("2026-11-28T04:00:00Z", 4, false);
        assert!(pod_kills(&after).iter().all(|k| !seen.first(&k.key)));
        let next = pod("2026-11-28T05:00:00Z", 5, false);
        let new: Vec<_> = pod_kills(&next)
            .into_iter()
            .filter(|k| seen.first(&k.key))
            .collect();
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].restart_count, Some(5));
        assert_eq!(new[0].exit_code, Some(137));
    }

    #[test]
    fn seen_forgets_the_oldest() {
        let mut s = Seen::new(2);
        assert!(s.first("a") && s.first("b") && s.first("c"));
        assert!(!s.first("c"));
        assert!(s.first("a"));
    }
}
