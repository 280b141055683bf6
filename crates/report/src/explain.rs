//! Writers for `oomdoc explain`: text for people (verdict first, then the chain of evidence with
//! file:line and the quoted line, then next steps) and the JSON schema
//! `{"incidents":[{verdict, oome_kind, victim, constraint, memcg, scope, limit_bytes, usage_bytes,
//! rss_kb, oom_score_adj, attribution, evidence, confidence, decided_by, next_steps}],
//! "errors":[...], "notes":[...], "inputs":[{file, found:[{what, count}]}]}`.

use std::io::{self, Write};

use oomdoc_explain::{Explanation, Incident, Level, Verdict};

use crate::style::{Style, Tone};
use crate::wire::incident::ExplainDoc;

fn opt_bytes(b: Option<u64>) -> String {
    b.map_or("?".into(), oomdoc_model::bytes::short)
}

/// Writes the JSON document (pretty, keys in the documented order, one trailing newline).
pub fn write_explain_json(e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &ExplainDoc::from(e))?;
    writeln!(out)
}

/// Writes the text report.
pub fn write_explain_text(e: &Explanation, style: Style, out: &mut dyn Write) -> io::Result<()> {
    write_explain_text_to(e, style, out, None)
}

/// [`write_explain_text`], with the input errors written to `errors` (the CLI: standard error)
/// instead of after the report.
pub fn write_explain_text_to(
    e: &Explanation,
    style: Style,
    out: &mut dyn Write,
    errors: Option<&mut dyn Write>,
) -> io::Result<()> {
    for (n, i) in e.incidents.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        write_incident(i, style, out)?;
    }
    write_inputs(e, out)?;
    match errors {
        Some(to) => {
            out.flush()?;
            for err in &e.errors {
                writeln!(to, "oomdoc: error: {err}")?;
            }
        }
        None => {
            for err in &e.errors {
                writeln!(out, "{} {err}", style.bad("error:"))?;
            }
        }
    }
    for note in &e.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

/// `read: FILE: 1 kernel OOM report, 2 events table rows` per input; says so plainly when an
/// input held nothing oomdoc knows.
fn write_inputs(e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    if e.inputs.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    for i in &e.inputs {
        if i.found.is_empty() {
            if !e
                .errors
                .iter()
                .any(|x| x.starts_with(&format!("{}:", i.file)))
            {
                writeln!(
                    out,
                    "read: {}: nothing oomdoc knows (no kernel OOM report, pod status, event, describe output, JVM error or cgroup file)",
                    crate::clean(&i.file)
                )?;
            }
            continue;
        }
        let parts: Vec<String> = i
            .found
            .iter()
            .map(|f| {
                let plural = if f.count == 1 || f.what.ends_with('s') {
                    ""
                } else {
                    "s"
                };
                format!("{} {}{plural}", f.count, f.what)
            })
            .collect();
        writeln!(out, "read: {}: {}", crate::clean(&i.file), parts.join(", "))?;
    }
    Ok(())
}

/// A kill or an eviction is bad news; the rest (an OutOfMemoryError, unknown) worth a look.
fn verdict_tone(v: Verdict) -> Tone {
    match v {
        Verdict::Unknown => Tone::Warning,
        Verdict::JvmOome | Verdict::NativeAllocFailure => Tone::Warning,
        _ => Tone::Bad,
    }
}

fn confidence_tone(l: Level) -> Tone {
    match l {
        Level::High => Tone::Good,
        Level::Medium => Tone::Warning,
        Level::Low => Tone::Bad,
    }
}

/// Who was killed: the process (and pid), the container, the pod (or its uid).
fn victim_names(v: &oomdoc_explain::Victim) -> Vec<String> {
    let mut who = Vec::new();
    if let Some(p) = &v.process {
        who.push(match v.pid {
            Some(pid) => format!("{p} (pid {pid})"),
            None => p.clone(),
        });
    } else if let Some(pid) = v.pid {
        who.push(format!("pid {pid}"));
    }
    if let Some(c) = &v.container {
        who.push(format!("container {c}"));
    }
    if let Some(p) = &v.pod {
        who.push(format!("pod {p}"));
    } else if let Some(u) = &v.pod_uid {
        who.push(format!("pod uid {u}"));
    }
    who
}

fn write_incident(i: &Incident, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let v = &i.victim;
    let who = victim_names(v);
    let kind = i
        .oome_kind
        .as_deref()
        .map(|k| format!(" ({k})"))
        .unwrap_or_default();
    writeln!(
        out,
        "{} {}{kind}: {}",
        style.bold("verdict:"),
        style.tone(verdict_tone(i.verdict), i.verdict.as_str()),
        i.verdict.headline()
    )?;
    if !who.is_empty() {
        writeln!(out, "  victim: {}", who.join(", "))?;
    }
    if let Some(id) = &v.container_id {
        writeln!(out, "  container id: {id}")?;
    }
    if let Some(sc) = &i.scope {
        let what = match sc.as_str() {
            "container" => "the container's own memory limit",
            "pod" => "the pod's memory limit (all its containers together)",
            "node_allocatable" => "the node's allocatable memory for pods (/kubepods)",
            "node" => "the whole node's memory",
            other => other,
        };
        writeln!(out, "  limit hit: {what}")?;
    }
    if i.limit_bytes.is_some() || i.usage_bytes.is_some() {
        writeln!(
            out,
            "  memory: usage {} of limit {}{}",
            opt_bytes(i.usage_bytes),
            opt_bytes(i.limit_bytes),
            i.memcg
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        )?;
    }
    let r = &i.rss_kb;
    if r.anon.is_some() || r.file.is_some() || r.shmem.is_some() {
        let kb = |x: Option<u64>| x.map_or("?".into(), |k| opt_bytes(Some(k * 1024)));
        writeln!(
            out,
            "  victim rss: anon {}, file {}, shmem {}{}",
            kb(r.anon),
            kb(r.file),
            kb(r.shmem),
            i.oom_score_adj
                .map(|a| format!("; oom_score_adj {a}"))
                .unwrap_or_default()
        )?;
    }
    if let Some(a) = i.attribution {
        writeln!(out, "  attribution: {}", a.as_str())?;
        if let Some(w) = &i.attribution_why {
            writeln!(out, "    {w}")?;
        }
    }
    writeln!(
        out,
        "  confidence: {} ({})",
        style.tone(
            confidence_tone(i.confidence.level),
            i.confidence.level.as_str()
        ),
        i.confidence.why
    )?;
    if !i.evidence.is_empty() {
        writeln!(out, "  evidence:")?;
        for e in &i.evidence {
            writeln!(out, "    {}:{}: {}", e.file, e.line, e.note)?;
            writeln!(out, "      | {}", crate::clean(&e.text))?;
        }
    }
    if !i.next_steps.is_empty() {
        writeln!(out, "  next steps:")?;
        for s in &i.next_steps {
            writeln!(out, "    - {s}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A container OOM kill of a JVM from a kernel report (also the watch writer's fixture).
    pub(crate) fn seed() -> Explanation {
        let kernel = "[ 1.0] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,oom_memcg=/kubepods/burstable/pod1/abcdefabcdef01,task_memcg=/kubepods/burstable/pod1/abcdefabcdef01,task=java,pid=9,uid=0\n\
[ 1.1] Memory cgroup out of memory: Killed process 9 (java) total-vm:9000000kB, anon-rss:3000000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:10kB oom_score_adj:900\n";
        oomdoc_explain::explain_texts([
            ("dmesg", kernel),
            ("app.log", "java -Xmx1g -jar app.jar\n"),
        ])
    }

    #[test]
    fn json_has_the_documented_keys_in_order() {
        let mut out = Vec::new();
        write_explain_json(&seed(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        let keys = [
            "\"incidents\"",
            "\"verdict\"",
            "\"oome_kind\"",
            "\"victim\"",
            "\"pid\"",
            "\"process\"",
            "\"container\"",
            "\"pod_uid\"",
            "\"container_id\"",
            "\"constraint\"",
            "\"memcg\"",
            "\"limit_bytes\"",
            "\"usage_bytes\"",
            "\"rss_kb\"",
            "\"anon\"",
            "\"file\"",
            "\"shmem\"",
            "\"oom_score_adj\"",
            "\"attribution\"",
            "\"evidence\"",
            "\"confidence\"",
            "\"next_steps\"",
            "\"errors\"",
        ];
        let mut at = 0;
        for k in keys {
            at += s[at..]
                .find(k)
                .unwrap_or_else(|| panic!("{k} missing or out of order in {s}"));
        }
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["incidents"][0]["verdict"], "container_oom_kill");
        assert_eq!(v["incidents"][0]["confidence"], "high");
        assert_eq!(v["incidents"][0]["rss_kb"]["anon"], 3000000);
    }

    #[test]
    fn text_puts_the_verdict_first_then_evidence_then_next_steps() {
        let mut out = Vec::new();
        write_explain_text(&seed(), Style::PLAIN, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("verdict: container_oom_kill"), "{s}");
        let ev = s.find("evidence:").unwrap();
        let ns = s.find("next steps:").unwrap();
        assert!(ev < ns);
        assert!(s.contains("dmesg:2: "), "{s}");
        assert!(s.contains("app.log:1: "), "{s}");
    }
}
