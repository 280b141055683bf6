//! The node agent's output: one JSON line per OOM kill, for log pipelines - the incident as
//! `oomdoc explain --format json` gives it, with the pod's names and the limit's scope.

use std::io::{self, Write};

use oomdoc_explain::Explanation;
use serde::Serialize;

use crate::wire::incident::IncidentDoc;

/// One kill, as the agent saw it.
#[derive(Clone, Copy, Debug)]
pub struct KillLine<'a> {
    /// When the kill happened (Unix seconds): when the agent read it, or for a report from the
    /// ring buffer's backlog (`--since-boot`) the kernel's own stamp.
    pub unix_seconds: i64,
    /// The node (`$NODE_NAME`), when known.
    pub node: Option<&'a str>,
    /// Pod namespace ("" when unknown).
    pub namespace: &'a str,
    /// Pod name ("" when unknown).
    pub pod: &'a str,
    /// Container name ("" when unknown).
    pub container: &'a str,
    /// Pod UID from the cgroup path ("" when not in a pod).
    pub pod_uid: &'a str,
    /// Container id from the cgroup path.
    pub container_id: &'a str,
    /// The pod's QoS class, from the cgroup path.
    pub qos: Option<oomdoc_model::qos::QosClass>,
    /// Which limit was hit: `container`, `pod`, `node_allocatable`, `node`, `other_cgroup`.
    pub scope: &'a str,
    /// The explanation of this one report.
    pub explanation: &'a Explanation,
    /// The kernel's report as read (`oomdoc explain` reads it back from the line).
    pub kernel_report: &'a [String],
}

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'a str>,
    namespace: &'a str,
    pod: &'a str,
    container: &'a str,
    pod_uid: &'a str,
    container_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    qos: Option<&'static str>,
    scope: &'a str,
    incident: Option<IncidentDoc<'a>>,
    kernel_report: &'a [String],
}

/// Writes `k` as one line of JSON.
pub fn write_kill_line(k: &KillLine<'_>, out: &mut dyn Write) -> io::Result<()> {
    let line = Line {
        time: oomdoc_model::calendar::format_rfc3339(k.unix_seconds as f64),
        node: k.node,
        namespace: k.namespace,
        pod: k.pod,
        container: k.container,
        pod_uid: k.pod_uid,
        container_id: k.container_id,
        qos: k.qos.map(|q| q.as_str()),
        scope: k.scope,
        incident: k.explanation.incidents.first().map(IncidentDoc::from),
        kernel_report: k.kernel_report,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}

/// Largest Event message written (the API server's limit is 1 KiB for `note` in events.k8s.io
/// and kubectl shows one line): longer messages are cut at a character boundary.
const MAX_EVENT_MESSAGE: usize = 1000;

/// The message of the Kubernetes Event `oomdoc agent --events` creates on the pod: the verdict,
/// the limit, the victim and where its memory was.
pub fn kill_event_message(k: &KillLine<'_>) -> String {
    use oomdoc_model::bytes::short;
    let Some(i) = k.explanation.incidents.first() else {
        return format!("OOM kill ({} limit)", k.scope.replace('_', " "));
    };
    let mut m = i.verdict.headline().to_string();
    if let Some(l) = i.limit_bytes {
        m.push_str(&format!(
            " ({} limit {})",
            k.scope.replace('_', " "),
            short(l)
        ));
    }
    let victim = match (&i.victim.process, i.victim.pid) {
        (Some(p), Some(pid)) => format!("{p} (pid {pid})"),
        (Some(p), None) => p.clone(),
        _ => "a process".to_string(),
    };
    let kb = |v: Option<u64>| v.map_or("?".to_string(), |kb| short(kb * 1024));
    m.push_str(&format!(
        ": killed {victim} with anon {}, file {}, shmem {}",
        kb(i.rss_kb.anon),
        kb(i.rss_kb.file),
        kb(i.rss_kb.shmem)
    ));
    if let Some(a) = i.attribution {
        m.push_str(&format!(
            "; the memory was mostly {}",
            a.as_str().replace('_', " ")
        ));
    }
    m.push_str(
        ". Seen by oomdoc agent; `oomdoc explain --pod` with its log line has the evidence.",
    );
    if m.len() > MAX_EVENT_MESSAGE {
        let mut end = MAX_EVENT_MESSAGE;
        while !m.is_char_boundary(end) {
            end -= 1;
        }
        m.truncate(end);
    }
    m
}
