//! Kubelet and node messages recognised by what they say, on any line: an events table row of any
//! shape (`kubectl get events`, `-o wide`, `-w`, describe), a bare message pasted alone, a kubelet
//! or eviction-manager log line under any prefix (klog, journald, a syslog in another language).
//!
//! The kubelet's wordings come from `pkg/kubelet/eviction/helpers.go` (`The node was low on
//! resource: %v. ...`, the ephemeral-storage messages), `pkg/kubelet/prober` (`Container %s failed
//! %s probe, will be restarted`, `%s probe failed: ...`), `pkg/kubelet/lifecycle` (`The node had
//! condition: %v`) and the OOM watcher (`System OOM encountered, victim process: %s, pid: %d`).

use crate::events::{classify, parse_eviction, EventFacts, EventMeaning, EvictionMessage};
use crate::kernel_facts::{KillScope, KilledProcess};
use crate::{after, Cited};

/// Words without which no line is a message [`meaning_of`] knows.
const TRIGGERS: &[&str] = &[
    "resource",
    "ephemeral",
    "EmptyDir",
    "condition: [",
    "viction",
    "evict",
    "Evict",
    "robe",
    "OOM",
    "Kill",
    "Back-off",
    "BackOff",
    "NodeHas",
    "eclaim",
    "force",
    "resorting to SIGKILL",
    "re-created",
    "Unhealthy",
    "Preempt",
    "triggered an OOM kill",
    "oomd",
    "earlyoom",
    "OOMController",
];

/// Reasons an events row may carry, by the word alone.
const REASONS: &[&str] = &[
    "OOMKilling",
    "SystemOOM",
    "Evicted",
    "Killing",
    "Unhealthy",
    "BackOff",
    "EvictionThresholdMet",
    "NodeHasInsufficientMemory",
    "NodeHasDiskPressure",
    "Preempted",
    "Preempting",
    "CgroupOOM",
];

fn eviction(resource: &str) -> EventMeaning {
    EventMeaning::Evicted(Some(EvictionMessage {
        resource: resource.to_string(),
        threshold: None,
        available: None,
        containers: Vec::new(),
    }))
}

/// What a line says, by its message (`None`: nothing the verdict weighs).
fn meaning_of(line: &str, reason: Option<&str>, n: u32) -> Option<EventMeaning> {
    gke_oom_event(line, n)
        .or_else(|| userspace_oom_kill(line))
        .or_else(|| kill_or_eviction_message(line))
        .or_else(|| eviction_manager_line(line))
        .or_else(|| by_reason(line, reason, n))
        .or_else(|| probe_or_node_message(line, n))
}

/// GKE's OOM event, with the killed process.
fn gke_oom_event(line: &str, n: u32) -> Option<EventMeaning> {
    // GKE's OOM event: `Process X (pid: N) triggered an OOM kill on process Y (pid: M,
    // oom_score: S, oom_score_adj: A). ... This OOM kill was invoked by a cgroup, containerID: ID.`
    if let Some(v) = after(line, "triggered an OOM kill on process ") {
        let comm = v.split(" (pid: ").next().unwrap_or("").to_string();
        let pid = after(v, "(pid: ")
            .and_then(crate::leading_u64)
            .map_or(0, |p| p as u32);
        let scope = if line.contains("invoked by a cgroup") {
            KillScope::Memcg
        } else {
            KillScope::Unknown
        };
        let adj = after(v, "oom_score_adj: ").and_then(crate::leading_i64);
        return Some(EventMeaning::OomKilling(Some(KilledProcess::reported(
            scope,
            pid,
            comm,
            adj,
            Cited::new(n, line),
        ))));
    }
    None
}

/// A userspace OOM killer's kill.
fn userspace_oom_kill(line: &str) -> Option<EventMeaning> {
    // Userspace OOM killers: systemd-oomd (`Killed /x.slice/... due to memory pressure` /
    // `due to memory used`), earlyoom (`sending SIGKILL to process`), Talos' OOM controller.
    let userspace = if line.contains("systemd-oomd")
        && (line.contains("Killed ") || line.contains("attempting to kill"))
    {
        Some("systemd-oomd")
    } else if line.contains("earlyoom")
        && (line.contains("sending SIGKILL") || line.contains("sending SIGTERM"))
    {
        Some("earlyoom")
    } else if line.contains("OOMController") && line.contains("SIGKILL") {
        Some("Talos' OOM controller")
    } else {
        None
    };
    userspace.map(|k| EventMeaning::UserspaceOomKill {
        killer: k.to_string(),
    })
}

/// A forced kill after a grace period, a probe kill, or an eviction message.
fn kill_or_eviction_message(line: &str) -> Option<EventMeaning> {
    let lower_has = |k: &str| line.contains(k);
    // Nomad: `Sent interrupt. Waiting 5s before force killing`.
    if (lower_has("failed to exit within") && lower_has("using the force"))
        || lower_has("before force killing")
        // podman: `StopSignal SIGTERM failed to stop container x in 10 seconds, resorting to SIGKILL`
        || lower_has("resorting to SIGKILL")
    {
        return Some(EventMeaning::ForcedKill);
    }
    if lower_has("it will be killed and re-created") {
        return Some(EventMeaning::ProbeKill {
            container: String::new(),
            probe: None,
        });
    }
    if lower_has("low on compute resources") {
        return Some(eviction(""));
    }
    if lower_has("The node was low on resource") || lower_has("the node was low on resource") {
        let m = parse_eviction(line).unwrap_or(EvictionMessage {
            resource: String::new(),
            threshold: None,
            available: None,
            containers: Vec::new(),
        });
        return Some(EventMeaning::Evicted(Some(m)));
    }
    if lower_has("ephemeral local storage usage exceeds the total limit")
        || lower_has("exceeded its local ephemeral storage limit")
        || (lower_has("Usage of EmptyDir volume") && lower_has("exceeds the limit"))
    {
        return Some(eviction("ephemeral-storage"));
    }
    if let Some(c) = after(line, "The node had condition: [") {
        return Some(eviction(&c[..c.find(']').unwrap_or(c.len())]));
    }
    None
}

/// The kubelet's eviction manager: a pod evicted, or the node under pressure.
fn eviction_manager_line(line: &str) -> Option<EventMeaning> {
    // Eviction manager log lines: a pod was evicted (or is being).
    let lc = line.to_ascii_lowercase();
    if lc.contains("eviction manager") || lc.contains("eviction_manager") {
        if lc.contains("pods evicted")
            || lc.contains("evicted, waiting for pod")
            || lc.contains("evicting pod")
            || lc.contains("evicted pod")
            || lc.contains("evicted successfully")
        {
            let res = after(line, "resourceName=\"")
                .or_else(|| after(line, "to reclaim "))
                .map(|r| r.split(['"', ' ', ',']).next().unwrap_or("").to_string())
                .unwrap_or_default();
            return Some(eviction(&res));
        }
        if lc.contains("attempting to reclaim")
            || lc.contains("must evict pod")
            || lc.contains("pods ranked for eviction")
            || lc.contains("thresholds")
        {
            return Some(EventMeaning::NodeMemoryPressure);
        }
    }
    None
}

/// The meaning of the line's reason word, when it has one that means something.
fn by_reason(line: &str, reason: Option<&str>, n: u32) -> Option<EventMeaning> {
    if let Some(r) = reason {
        let message = line;
        let m = classify(r, message, n);
        if m != EventMeaning::Other {
            return Some(m);
        }
    }
    None
}

/// Probe failures, a system OOM, a restart back-off, node conditions.
fn probe_or_node_message(line: &str, n: u32) -> Option<EventMeaning> {
    let lower_has = |k: &str| line.contains(k);
    if let Some(c) = after(line, "Container ") {
        if let Some(i) = c.find(" failed ") {
            if c[i..].contains("probe") {
                return Some(classify(
                    "Killing",
                    &line[line.len() - c.len() - "Container ".len()..],
                    n,
                ));
            }
        }
    }
    if lower_has("failed liveness probe") || lower_has("failed startup probe") {
        return Some(EventMeaning::ProbeKill {
            container: String::new(),
            probe: None,
        });
    }
    for p in [
        "Liveness probe failed",
        "Startup probe failed",
        "Readiness probe failed",
        "Liveness probe errored",
        "Startup probe errored",
    ] {
        if lower_has(p) {
            return Some(classify("Unhealthy", p, n));
        }
    }
    if lower_has("System OOM encountered") {
        let m = &line[line.find("System OOM encountered").unwrap_or(0)..];
        return Some(classify("SystemOOM", m, n));
    }
    if lower_has("Back-off restarting failed container") {
        let m = &line[line.find("Back-off").unwrap_or(0)..];
        return Some(classify("BackOff", m, n));
    }
    if lower_has("EvictionThresholdMet")
        || lower_has("Attempting to reclaim")
        || lower_has("NodeHasInsufficientMemory")
        || lower_has("NodeHasDiskPressure")
    {
        return Some(EventMeaning::NodeMemoryPressure);
    }
    None
}

/// The reason word of an events row, when one of [`REASONS`] stands alone in it.
fn reason_in(line: &str) -> Option<&'static str> {
    line.split(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == '=')
        .find_map(|w| REASONS.iter().copied().find(|r| *r == w))
}

/// The container a kubelet or runtime line names: `Killing container "docker://<id>"`,
/// `{"docker" "<id>"}`, dockerd's `Container <id> failed to exit`, `containerID="<id>"`.
fn container_of(line: &str) -> Option<String> {
    for key in [
        "://",
        "{\"docker\" \"",
        "{\"containerd\" \"",
        "Container ",
        "containerID=\"",
        "containerID=",
        "container_id=",
        "docker id ",
        "container with id ",
        "container id ",
        "containerID: ",
    ] {
        let mut from = 0;
        while let Some(i) = line[from..].find(key) {
            let v = &line[from + i + key.len()..];
            let hex: String = v.chars().take_while(char::is_ascii_hexdigit).collect();
            if hex.len() >= 12 {
                return Some(hex.to_ascii_lowercase());
            }
            from += i + key.len();
        }
    }
    None
}

/// The pod UID in a kubelet line: `name_ns(uid)` (static pods have 32-hex UIDs) or a klog
/// `ObjectReference{... UID:"uid" ...}`.
fn uid_of(line: &str) -> Option<String> {
    if let Some(u) = after(line, "UID:\"").or_else(|| after(line, "podUID=\"")) {
        return Some(u[..u.find('"').unwrap_or(u.len())].to_string());
    }
    let mut from = 0;
    while let Some(i) = line[from..].find('(') {
        let at = from + i + 1;
        if let Some(u) = crate::pod_names::kubelet_uid_at(line, at) {
            return Some(u.to_string());
        }
        from = at;
    }
    None
}

/// `pod/name` (an events table's OBJECT column) or `pod="ns/name"` (klog).
fn object_of(line: &str) -> (Option<String>, Option<String>) {
    if let (Some(ns), Some(n)) = (after(line, "Namespace:\""), after(line, "Name:\"")) {
        let q = |s: &str| s[..s.find('"').unwrap_or(s.len())].to_string();
        return (Some(q(ns)), Some(q(n)));
    }
    if let Some(p) = after(line, " pod/") {
        let name = p.split_whitespace().next().unwrap_or("");
        if !name.is_empty() {
            return (None, Some(name.to_string()));
        }
    }
    if let Some(p) = after(line, "pod=\"").or_else(|| after(line, "pods=[\"")) {
        let v = &p[..p.find('"').unwrap_or(p.len())];
        if let Some((ns, n)) = v.split_once('/') {
            return (Some(ns.to_string()), Some(n.to_string()));
        }
    }
    (None, None)
}

/// Every event-like line in `text` (skipping lines for which `skip` is true).
pub fn event_lines(text: &str, skip: &dyn Fn(u32) -> bool) -> Vec<EventFacts> {
    let mut out = Vec::new();
    let hot = crate::triggers::lines_with(text, TRIGGERS);
    let all: Vec<&str> = text.lines().collect();
    for (i, &raw) in all.iter().enumerate() {
        // The next line with text (a message wrapped across a blank line).
        let next = all[i + 1..]
            .iter()
            .take(2)
            .find(|l| !l.trim().is_empty())
            .copied()
            .unwrap_or("");
        let n = i as u32 + 1;
        if raw.len() > 16384 || hot.as_ref().is_some_and(|h| !h.has(n)) || skip(n) {
            continue;
        }
        let reason = reason_in(raw);
        let Some(meaning) = meaning_of(raw, reason, n) else {
            continue;
        };
        let reason = reason
            .map(str::to_string)
            .unwrap_or_else(|| match &meaning {
                EventMeaning::Evicted(_) => "Evicted".into(),
                EventMeaning::ProbeKill { .. } => "Killing".into(),
                EventMeaning::Unhealthy(_) => "Unhealthy".into(),
                EventMeaning::SystemOom { .. } => "SystemOOM".into(),
                EventMeaning::BackOff { .. } => "BackOff".into(),
                EventMeaning::NodeMemoryPressure => "EvictionThresholdMet".into(),
                _ => String::new(),
            });
        let (mut ns, mut name) = object_of(raw);
        if name.is_none() {
            if let Some((n_s, pod, _)) = crate::pod_names::pods_row(raw) {
                (ns, name) = (n_s.map(str::to_string), Some(pod.to_string()));
            }
        }
        let mut e = EventFacts::from_line(reason, meaning, (ns, name), Cited::new(n, raw));
        // GKE's OOM event goes on with `This OOM kill was invoked by a cgroup, containerID:
        // <id>.` on the next line when pasted wrapped.
        e.container_id = container_of(raw).or_else(|| {
            (raw.contains("triggered an OOM kill") && next.contains("invoked by"))
                .then(|| container_of(next))
                .flatten()
        });
        e.object_uid = uid_of(raw);
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meanings(t: &str) -> Vec<EventMeaning> {
        event_lines(t, &|_| false)
            .into_iter()
            .map(|e| e.meaning)
            .collect()
    }

    #[test]
    fn the_eviction_message_alone() {
        let m = meanings("The node was low on resource: memory. Container app was using 1234Ki, which exceeds its request of 0.");
        assert!(matches!(&m[..], [EventMeaning::Evicted(Some(e))] if e.resource == "memory"));
        let m = meanings(
            "Pod ephemeral local storage usage exceeds the total limit of containers 1Gi.",
        );
        assert!(
            matches!(&m[..], [EventMeaning::Evicted(Some(e))] if e.resource == "ephemeral-storage")
        );
    }

    #[test]
    fn probe_rows_of_any_shape() {
        let m = meanings("2m   Warning   Unhealthy   pod/web-1   Liveness probe failed: HTTP probe failed with statuscode: 500\n2m  Normal  Killing  pod/web-1  Container web failed liveness probe, will be restarted");
        assert!(matches!(
            m[0],
            EventMeaning::Unhealthy(Some(crate::events::Probe::Liveness))
        ));
        assert!(matches!(&m[1], EventMeaning::ProbeKill { container, .. } if container == "web"));
    }

    #[test]
    fn eviction_manager_log_lines() {
        let m = meanings(
            r#"I0101 00:00:00.000000    1234 eviction_manager.go:366] "Eviction manager: pods evicted, waiting for pod to be cleaned up" pods=["default/web-1"]"#,
        );
        assert!(matches!(m[0], EventMeaning::Evicted(_)));
        let m = meanings(
            r#"eviction_manager.go:339] "Eviction manager: attempting to reclaim" resourceName="memory""#,
        );
        assert_eq!(m, vec![EventMeaning::NodeMemoryPressure]);
    }
}
