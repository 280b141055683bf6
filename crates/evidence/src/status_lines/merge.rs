//! Records told twice become one, and what a paste says of its one pod (its name, its memory
//! limit) goes to its records.

use oomdoc_model::TerminationReason;

use super::StatusRecord;
use crate::pod_names::command_line_pod;

/// A paste under one `kubectl describe pod NAME` (or get, or logs): its records without a pod
/// are that pod's.
pub(super) fn named_pod(out: &mut [StatusRecord], all: &[&str]) {
    let mut named: Vec<(Option<String>, String)> = Vec::new();
    for l in all {
        if let Some(p) = command_line_pod(l) {
            if !named.contains(&p) {
                named.push(p);
            }
        }
    }
    if let [(ns, name)] = &named[..] {
        for r in out.iter_mut().filter(|r| r.pod.is_none()) {
            r.pod = Some(name.clone());
            r.namespace = r.namespace.take().or(ns.clone());
        }
    }
}

/// The memory limit a describe or YAML fragment shows, when it shows one and one death.
pub(super) fn memory_limit(out: &mut [StatusRecord], all: &[&str]) {
    let mut limits: Vec<&str> = Vec::new();
    for (i, l) in all.iter().enumerate() {
        let t = l.trim();
        if t == "Limits:" || t == "limits:" {
            if let Some(m) = all[i + 1..]
                .iter()
                .take(3)
                .find_map(|n| n.trim().strip_prefix("memory:"))
            {
                let m = m.trim().trim_matches(['"', '\'']);
                if !m.is_empty() && !limits.contains(&m) {
                    limits.push(m);
                }
            }
        }
    }
    if let ([lim], 1) = (&limits[..], out.iter().filter(|r| r.is_death()).count()) {
        for r in out.iter_mut().filter(|r| r.is_death()) {
            r.memory_limit = Some(lim.to_string());
        }
    }
}

/// OOM records of one named pod without container ids become one (the row and the describe).
pub(super) fn merge_by_pod(recs: Vec<StatusRecord>) -> Vec<StatusRecord> {
    let mut out: Vec<StatusRecord> = Vec::with_capacity(recs.len());
    for r in recs {
        let oom = |x: &StatusRecord| x.reason == Some(TerminationReason::OomKilled);
        let same = r.pod.as_deref().filter(|_| oom(&r)).and_then(|p| {
            out.iter().position(|o| {
                oom(o)
                    && o.pod.as_deref() == Some(p)
                    && (o.namespace.is_none()
                        || r.namespace.is_none()
                        || o.namespace == r.namespace)
                    && (o.container_id.is_none() || r.container_id.is_none())
            })
        });
        match same {
            Some(i) => {
                let o = &mut out[i];
                // Keep the fuller record's line (the describe's, with its exit code).
                if o.exit_code.is_none() && r.exit_code.is_some() {
                    o.cited = r.cited.clone();
                }
                o.exit_code = o.exit_code.or(r.exit_code);
                o.container_id = o.container_id.take().or(r.container_id);
                o.namespace = o.namespace.take().or(r.namespace);
                o.pod_uid = o.pod_uid.take().or(r.pod_uid);
                o.finished_at = o.finished_at.take().or(r.finished_at);
                o.span = (o.span.0.min(r.span.0), o.span.1.max(r.span.1));
            }
            None => out.push(r),
        }
    }
    out
}

/// Records of one container id become one (the runtime's OOM event and its exit code).
pub(super) fn merge_by_container(recs: Vec<StatusRecord>) -> Vec<StatusRecord> {
    let mut out: Vec<StatusRecord> = Vec::with_capacity(recs.len());
    for r in recs {
        let same = r.container_id.as_deref().and_then(|id| {
            out.iter().position(|o| {
                o.container_id
                    .as_deref()
                    .is_some_and(|x| x.starts_with(id) || id.starts_with(x))
            })
        });
        match same {
            Some(i) => {
                let o = &mut out[i];
                if r.reason == Some(TerminationReason::OomKilled) || o.reason.is_none() {
                    o.reason = r.reason.or(o.reason.take());
                    o.cited = r.cited.or(o.cited.take());
                }
                o.exit_code = o.exit_code.or(r.exit_code);
                o.pod_uid = o.pod_uid.take().or(r.pod_uid);
                o.pod = o.pod.take().or(r.pod);
                o.finished_at = o.finished_at.take().or(r.finished_at);
                o.span = (o.span.0.min(r.span.0), o.span.1.max(r.span.1));
            }
            None => out.push(r),
        }
    }
    out
}
