//! Writers for `oomdoc watch`: one report per kill or eviction, as it happens.
//!
//! - text: a headline (`== TIME WHAT: NS/POD container C on node N (exit X, restart R)`), then
//!   the verdict as `oomdoc explain` writes it;
//! - JSON: one object per line, the [`Kill`]'s fields and its `explanation` (the document of
//!   `oomdoc explain --format json`). Keys are sorted at every level: that is the line's wire
//!   format since `watch` first wrote it (through a `serde_json::Value`, whose maps are sorted).

use std::io::{self, Write};

use oomdoc_cluster_core::kills::{Kill, KillKind};
use oomdoc_explain::Explanation;
use serde::Serialize;

use crate::style::Style;
use crate::wire::cluster::KillDoc;
use crate::wire::incident::ExplainDoc;

/// `== TIME WHAT: NS/POD container C on node N (exit X, restart R): MESSAGE`.
fn headline(k: &Kill) -> String {
    let what = match k.kind {
        KillKind::OomKill => "OOM kill".to_string(),
        KillKind::Evicted => "eviction".to_string(),
        KillKind::Event => format!("event {}", k.reason.as_deref().unwrap_or("")),
    };
    let mut s = format!("== {} {what}:", k.at.as_deref().unwrap_or("-"));
    match (&k.namespace, &k.pod) {
        (Some(ns), Some(p)) => s.push_str(&format!(" {ns}/{p}")),
        (None, Some(p)) => s.push_str(&format!(" {p}")),
        _ => {}
    }
    if let Some(c) = &k.container {
        s.push_str(&format!(" container {c}"));
    }
    if let Some(n) = &k.node {
        s.push_str(&format!(" on node {n}"));
    }
    let mut extra = Vec::new();
    if let Some(x) = k.exit_code {
        extra.push(format!("exit {x}"));
    }
    if let Some(r) = k.restart_count {
        extra.push(format!("restart {r}"));
    }
    if !extra.is_empty() {
        s.push_str(&format!(" ({})", extra.join(", ")));
    }
    if let Some(m) = k.message.as_deref().filter(|_| k.kind != KillKind::OomKill) {
        s.push_str(&format!(": {m}"));
    }
    s
}

/// Writes one kill as text: its headline, then the verdict.
pub fn write_watch_text(
    k: &Kill,
    e: &Explanation,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{}", style.heading(&headline(k)))?;
    crate::write_explain_text(e, style, out)
}

#[derive(Serialize)]
struct WatchLine<'a> {
    #[serde(flatten)]
    kill: KillDoc<'a>,
    explanation: ExplainDoc<'a>,
}

/// Writes one kill as one line of JSON (keys sorted at every level, one trailing newline).
pub fn write_watch_json(k: &Kill, e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    let line = WatchLine {
        kill: KillDoc::from(k),
        explanation: ExplainDoc::from(e),
    };
    // Through a `Value` for the sorted keys (see the module's doc); written once.
    let sorted = serde_json::to_value(&line).map_err(io::Error::other)?;
    serde_json::to_writer(&mut *out, &sorted)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kill() -> Kill {
        Kill {
            kind: KillKind::OomKill,
            namespace: Some("shop".into()),
            pod: Some("web-6b7f-q9zt2".into()),
            container: Some("web".into()),
            node: Some("worker-1".into()),
            at: Some("2026-11-28T01:00:00Z".into()),
            restart_count: Some(1),
            exit_code: Some(137),
            reason: None,
            message: Some("not printed for an OOM kill".into()),
            key: "uid/web/2026-11-28T01:00:00Z".into(),
        }
    }

    fn explanation() -> Explanation {
        crate::explain::tests::seed()
    }

    /// What `watch` wrote before this writer: the explain document written, parsed back,
    /// inserted into the kill's object and written again.
    fn round_trip(k: &Kill, e: &Explanation) -> Vec<u8> {
        let mut buf = Vec::new();
        crate::write_explain_json(e, &mut buf).unwrap();
        let explanation: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        let mut obj = serde_json::to_value(KillDoc::from(k)).unwrap();
        obj.as_object_mut()
            .unwrap()
            .insert("explanation".into(), explanation);
        let mut out = serde_json::to_vec(&obj).unwrap();
        out.push(b'\n');
        out
    }

    #[test]
    fn json_line_is_the_bytes_of_the_old_round_trip() {
        let e = explanation();
        assert!(!e.incidents.is_empty());
        let mut event = kill();
        event.kind = KillKind::Event;
        event.reason = Some("SystemOOM".into());
        event.container = None;
        event.restart_count = None;
        for k in [kill(), event] {
            let mut out = Vec::new();
            write_watch_json(&k, &e, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(round_trip(&k, &e)).unwrap()
            );
        }
    }

    #[test]
    fn json_line_is_one_line_with_the_kill_and_its_explanation() {
        let mut out = Vec::new();
        write_watch_json(&kill(), &explanation(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.matches('\n').count(), 1, "{s}");
        assert!(s.starts_with("{\"at\":\"2026-11-28T01:00:00Z\",\"container\":\"web\",\"exit_code\":137,\"explanation\":{\"errors\":[]"), "{s}");
        assert!(!s.contains("\"key\""), "{s}");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["kind"], "oom_kill");
        assert_eq!(
            v["explanation"]["incidents"][0]["verdict"],
            "container_oom_kill"
        );
    }

    #[test]
    fn text_is_the_headline_then_the_verdict() {
        let mut out = Vec::new();
        write_watch_text(&kill(), &explanation(), Style::PLAIN, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.starts_with("== 2026-11-28T01:00:00Z OOM kill: shop/web-6b7f-q9zt2 container web on node worker-1 (exit 137, restart 1)\nverdict: container_oom_kill"),
            "{s}"
        );
        let mut event = kill();
        event.kind = KillKind::Event;
        event.reason = Some("SystemOOM".into());
        event.namespace = None;
        event.container = None;
        event.exit_code = None;
        event.restart_count = None;
        assert_eq!(
            headline(&event),
            "== 2026-11-28T01:00:00Z event SystemOOM: web-6b7f-q9zt2 on node worker-1: not printed for an OOM kill"
        );
    }
}
