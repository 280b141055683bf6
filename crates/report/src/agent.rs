//! The node agent's output: one JSON line per OOM kill, for log pipelines - the incident as
//! `oomdoc explain --format json` gives it, with the pod's names and the limit's scope.

use std::io::{self, Write};

use oomdoc_explain::Explanation;
use serde::Serialize;

use crate::wire::incident::IncidentDoc;

/// One kill, as the agent saw it.
#[derive(Clone, Copy, Debug)]
pub struct KillLine<'a> {
    /// When the agent read the report (Unix seconds).
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
        scope: k.scope,
        incident: k.explanation.incidents.first().map(IncidentDoc::from),
        kernel_report: k.kernel_report,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}
