//! `oomdoc explain`'s document: one object per [`Incident`], then the errors, notes and what each
//! input held. The victim's pod name, an evidence line's note and the attribution's reason are
//! for the text report only and are not written.

use oomdoc_explain::{EvidenceItem, Explanation, Incident, RssKb, Victim};
use serde::Serialize;

use super::evidence::InputDoc;

/// The whole `explain --format json` document (also `watch`'s `explanation` field).
#[derive(Serialize)]
pub(crate) struct ExplainDoc<'a> {
    incidents: Vec<IncidentDoc<'a>>,
    errors: &'a [String],
    notes: &'a [String],
    inputs: Vec<InputDoc<'a>>,
}

impl<'a> From<&'a Explanation> for ExplainDoc<'a> {
    fn from(e: &'a Explanation) -> Self {
        ExplainDoc {
            incidents: e.incidents.iter().map(IncidentDoc::from).collect(),
            errors: &e.errors,
            notes: &e.notes,
            inputs: e.inputs.iter().map(InputDoc::from).collect(),
        }
    }
}

/// One explained death; the confidence is split into its level and `decided_by`.
#[derive(Serialize)]
pub(crate) struct IncidentDoc<'a> {
    verdict: &'static str,
    oome_kind: Option<&'a str>,
    victim: VictimDoc<'a>,
    constraint: Option<&'a str>,
    memcg: Option<&'a str>,
    scope: Option<&'a str>,
    limit_bytes: Option<u64>,
    usage_bytes: Option<u64>,
    rss_kb: RssKbDoc,
    oom_score_adj: Option<i64>,
    attribution: Option<&'static str>,
    evidence: Vec<EvidenceDoc<'a>>,
    confidence: &'static str,
    decided_by: &'a str,
    next_steps: &'a [String],
}

impl<'a> From<&'a Incident> for IncidentDoc<'a> {
    fn from(i: &'a Incident) -> Self {
        IncidentDoc {
            verdict: i.verdict.as_str(),
            oome_kind: i.oome_kind.as_deref(),
            victim: VictimDoc::from(&i.victim),
            constraint: i.constraint.as_deref(),
            memcg: i.memcg.as_deref(),
            scope: i.scope.as_deref(),
            limit_bytes: i.limit_bytes,
            usage_bytes: i.usage_bytes,
            rss_kb: RssKbDoc::from(&i.rss_kb),
            oom_score_adj: i.oom_score_adj,
            attribution: i.attribution.map(|a| a.as_str()),
            evidence: i.evidence.iter().map(EvidenceDoc::from).collect(),
            confidence: i.confidence.level.as_str(),
            decided_by: &i.confidence.why,
            next_steps: &i.next_steps,
        }
    }
}

/// The killed process and where it ran.
#[derive(Serialize)]
struct VictimDoc<'a> {
    pid: Option<u32>,
    process: Option<&'a str>,
    container: Option<&'a str>,
    pod_uid: Option<&'a str>,
    container_id: Option<&'a str>,
}

impl<'a> From<&'a Victim> for VictimDoc<'a> {
    fn from(v: &'a Victim) -> Self {
        VictimDoc {
            pid: v.pid,
            process: v.process.as_deref(),
            container: v.container.as_deref(),
            pod_uid: v.pod_uid.as_deref(),
            container_id: v.container_id.as_deref(),
        }
    }
}

/// The victim's resident memory at the kill, in kB.
#[derive(Serialize)]
struct RssKbDoc {
    anon: Option<u64>,
    file: Option<u64>,
    shmem: Option<u64>,
}

impl From<&RssKb> for RssKbDoc {
    fn from(r: &RssKb) -> Self {
        RssKbDoc {
            anon: r.anon,
            file: r.file,
            shmem: r.shmem,
        }
    }
}

/// One quoted line.
#[derive(Serialize)]
struct EvidenceDoc<'a> {
    file: &'a str,
    line: u32,
    text: &'a str,
}

impl<'a> From<&'a EvidenceItem> for EvidenceDoc<'a> {
    fn from(e: &'a EvidenceItem) -> Self {
        EvidenceDoc {
            file: &e.file,
            line: e.line,
            text: &e.text,
        }
    }
}
