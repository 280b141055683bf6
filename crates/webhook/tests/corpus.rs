//! The real-world corpus (`../shared/corpus/manifests`, see its SOURCES.md) sent through the
//! webhook as the API server would send it: every Pod and pod-template object of every file,
//! converted to JSON as kubectl converts YAML (go-yaml v2 / YAML 1.1 scalars, the document
//! crate's rules), wrapped in a CREATE review. The webhook must find exactly what `oomdoc audit`
//! finds in the YAML (same codes, same containers), never call a readable object unreadable,
//! and keep every answer within the API server's warning limits.

use std::collections::BTreeMap;

use oomdoc_audit::{Assumptions, AuditSession};
use oomdoc_document::yaml11::{self, Value as Y};
use oomdoc_document::{Mode, NodeId, NodeKind, Tree};
use oomdoc_manifest::Item;
use oomdoc_testkit::skip::{real, shared_dir, skip};
use oomdoc_webhook::decide::{MAX_WARNINGS, MAX_WARNINGS_TOTAL_CHARS, MAX_WARNING_CHARS};
use oomdoc_webhook::review::POD_KINDS;
use oomdoc_webhook::{decide, read_review, DecideOptions, Outcome};
use serde_json::{json, Value};

/// A document as the JSON kubectl sends (`None` when it uses merge keys, which this converter
/// does not follow).
fn to_json(t: &Tree, id: NodeId) -> Option<Value> {
    Some(match t.kind(id) {
        NodeKind::Map => {
            let mut m = serde_json::Map::new();
            for (k, v) in t.entries(id) {
                let key = t.scalar(k)?;
                if key.text == "<<" {
                    return None;
                }
                // A repeated key: the last one wins, as in go-yaml.
                m.insert(key.text.to_string(), to_json(t, v)?);
            }
            Value::Object(m)
        }
        NodeKind::Seq => Value::Array(
            t.items(id)
                .iter()
                .map(|&i| to_json(t, i))
                .collect::<Option<_>>()?,
        ),
        NodeKind::Alias => return None,
        NodeKind::Scalar => {
            let s = t.scalar(id)?;
            match yaml11::resolve(s.text, s.style, s.tag) {
                Y::Str(x) | Y::Timestamp(x) => json!(x),
                Y::Null => Value::Null,
                Y::Bool(b) => json!(b),
                v @ (Y::Int(_) | Y::Float(_)) => {
                    serde_json::from_str(&yaml11::json_number(&v)?).ok()?
                }
                Y::BadTag(_) => return None,
            }
        }
    })
}

/// (kind/namespace/name) -> sorted (code, container) of what `oomdoc audit` finds in `text`,
/// and the workloads it would not audit (input errors).
type Found = BTreeMap<String, Vec<(String, String)>>;

fn audit_file(name: &str, text: &str) -> (Found, Vec<String>) {
    let mut found = Found::new();
    let mut rejected = Vec::new();
    let mut session = AuditSession::new(&[], &[], &[], Assumptions::default(), 0);
    for item in oomdoc_manifest::read_str(name, text) {
        if let Item::Workload(w) = item {
            if w.rejected {
                rejected.push(w.id());
                continue;
            }
            let mut codes: Vec<(String, String)> = session
                .workload(&w)
                .1
                .iter()
                .map(|f| (f.code.to_string(), f.container.clone().unwrap_or_default()))
                .collect();
            codes.sort();
            found.insert(w.id(), codes);
        }
    }
    (found, rejected)
}

fn review_of(object: &Value) -> Vec<u8> {
    let kind = object["kind"].as_str().unwrap_or_default();
    let ns = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "0d1e2f3a-0000-4000-8000-000000000001",
            "kind": {"group": "", "version": "v1", "kind": kind},
            "operation": "CREATE",
            "namespace": ns,
            "name": object["metadata"]["name"],
            "object": object,
            "oldObject": null,
            "dryRun": false,
        }
    }))
    .unwrap()
}

fn within_limits(warnings: &[String]) -> bool {
    warnings.len() <= MAX_WARNINGS + 1
        && warnings
            .iter()
            .all(|w| w.chars().count() <= MAX_WARNING_CHARS)
        && warnings.iter().map(|w| w.chars().count()).sum::<usize>() <= MAX_WARNINGS_TOTAL_CHARS
}

#[test]
fn the_corpus_as_reviews_gets_the_audits_findings() {
    const TEST: &str = "webhook: the corpus as admission reviews";
    let Some(dir) = shared_dir().map(|d| d.join("corpus/manifests")) else {
        skip(TEST, "../shared/corpus is not here");
        return;
    };
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let opts = DecideOptions::default();
    let (mut reviewed, mut same, mut warned, mut patches) = (0, 0, 0, 0);
    let mut differ = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.display().to_string();
        let (audited, rejected) = audit_file(&name, &text);
        let parsed = oomdoc_document::parse(&text, 1, Mode::Build, 1000);
        for t in &parsed.trees {
            let Some(object) = to_json(t, t.root()) else {
                continue;
            };
            let kind = object["kind"].as_str().unwrap_or_default();
            if !POD_KINDS.contains(&kind) || !object["metadata"]["name"].is_string() {
                continue;
            }
            let review = read_review(&review_of(&object)).expect("a review we wrote");
            let id = format!(
                "{kind}/{}/{}",
                review.namespace.as_deref().unwrap_or("default"),
                review.name.as_deref().unwrap_or("")
            );
            let d = decide(&review, &opts, Some(&[]));
            reviewed += 1;
            assert!(within_limits(&d.warnings), "{id}: {:?}", d.warnings);
            assert!(d.allowed, "{id}: nothing is refused without --deny");
            if rejected.contains(&id) {
                assert_eq!(d.outcome(), Outcome::Unreadable, "{id}");
                same += 1;
                continue;
            }
            let mut codes: Vec<(String, String)> = d
                .findings
                .iter()
                .map(|f| (f.code.to_string(), f.container.clone().unwrap_or_default()))
                .collect();
            codes.sort();
            warned += usize::from(!d.warnings.is_empty());
            match audited.get(&id) {
                Some(want) if *want == codes => same += 1,
                // A kustomize patch without a pod template: no workload to the audit either
                // (the API server's validation refuses such an object before any webhook).
                None if d.outcome() == Outcome::Unreadable => patches += 1,
                want => differ.push(format!("{name}: {id}: audit {want:?}, webhook {codes:?}")),
            }
        }
    }
    assert!(reviewed >= 500, "{reviewed} objects reviewed");
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    real(
        "corpus",
        &format!(
            "webhook: {reviewed} objects of {} files as reviews, {same} with the audit's findings ({warned} warned), {patches} patches without a pod spec",
            files.len()
        ),
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(p);
        }
    }
    out
}
