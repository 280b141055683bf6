//! The bundled `examples/`: the findings they exist to show. Other rule families (JVM, ...) may
//! add findings to the same files, so the snapshot holds only the Kubernetes rules' diagnostics
//! (OOM001..OOM009), and the asserts check what must be there rather than the whole output.

use serde_json::Value;

use crate::util::*;

/// The Kubernetes memory rules this snapshot covers.
const K8S_CODES: &[&str] = &[
    "OOM001", "OOM002", "OOM003", "OOM004", "OOM005", "OOM006", "OOM007", "OOM008", "OOM009",
];

/// The text report's diagnostics whose code is in [`K8S_CODES`], each whole (header, location,
/// snippet, notes), in output order.
fn k8s_diagnostics(text: &str) -> String {
    let mut out = String::new();
    for block in text.split("\n\n") {
        let header = block.lines().next().unwrap_or("");
        let code = header
            .split_once('[')
            .and_then(|(_, r)| r.split_once(']'))
            .map(|(c, _)| c);
        if code.is_some_and(|c| K8S_CODES.contains(&c)) {
            out.push_str(block.trim_end());
            out.push_str("\n\n");
        }
    }
    out
}

fn findings<'a>(v: &'a Value, file: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == file)
        .collect()
}

#[test]
fn examples_text_snapshot() {
    let o = TestCommand::new(&oomdoc_bin())
        .args(["audit", "examples", "--color", "never"])
        .run();
    o.code(1);
    assert!(!o.stdout.contains('\x1b'));
    let last = o.stdout.lines().last().unwrap();
    // (More example files may come: the counts are not pinned.)
    assert!(
        last.starts_with("Found ") && last.contains(" workloads from "),
        "{last}"
    );
    assert!(
        last.ends_with("Assumed node memory 16Gi (set with --node-memory)."),
        "{last}"
    );
    insta::assert_snapshot!("examples_k8s_diagnostics", k8s_diagnostics(&o.stdout));
}

#[test]
fn examples_contain_the_findings_they_exist_to_show() {
    let o = TestCommand::new(&oomdoc_bin())
        .args(["audit", "examples", "-f", "json"])
        .run();
    o.code(1);
    let v = o.json();
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);

    // The seed incident: Burstable, oom_score_adj 875 on the default 16Gi node.
    let admin = findings(&v, "examples/admin-server.yaml");
    let oom005 = admin
        .iter()
        .find(|f| f["code"] == "OOM005")
        .expect("admin-server: OOM005");
    assert_eq!(
        (oom005["line"].as_u64(), oom005["column"].as_u64()),
        (Some(28), Some(21))
    );
    assert_eq!(oom005["workload"], "Deployment/shop/admin-server");
    assert!(
        oom005["message"]
            .as_str()
            .unwrap()
            .contains("oom_score_adj 875"),
        "{oom005}"
    );
    let w = &v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "admin-server")
        .unwrap();
    assert_eq!(w["qos_class"], "Burstable");
    assert_eq!(w["containers"][0]["memory_limit_bytes"], 4u64 << 30);
    assert_eq!(w["containers"][0]["oom_score_adj"], 875);

    // One mistake per object in workers.yaml, at its line.
    let workers = findings(&v, "examples/workers.yaml");
    let at = |code: &str| -> Vec<(u64, &str)> {
        workers
            .iter()
            .filter(|f| f["code"] == code)
            .map(|f| (f["line"].as_u64().unwrap(), f["workload"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(at("OOM003"), [(15, "CronJob/shop/nightly-report")]);
    assert_eq!(at("OOM009"), [(37, "StatefulSet/shop/cache")]);
    assert_eq!(at("OOM007"), [(46, "StatefulSet/shop/cache")]);
    assert_eq!(at("OOM004"), [(63, "Pod/shop/batch-import")]);
    assert_eq!(at("OOM008"), [(71, "Pod/shop/batch-import")]);
    // The annotation `oomdoc.dev/ignore: OOM005` silences it on batch-import (Burstable).
    assert!(!workers
        .iter()
        .any(|f| f["code"] == "OOM005" && f["workload"] == "Pod/shop/batch-import"));

    // namespace-defaults: the LimitRange fills in both values, and says so.
    let ledger = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "ledger")
        .unwrap();
    let c = &ledger["containers"][0];
    assert_eq!(
        (
            c["memory_request_bytes"].as_u64(),
            c["memory_limit_bytes"].as_u64()
        ),
        (Some(256 << 20), Some(512 << 20))
    );
    assert_eq!(
        (
            c["memory_request_source"].as_str(),
            c["memory_limit_source"].as_str()
        ),
        (Some("limitrange"), Some("limitrange"))
    );
    let ns = findings(&v, "examples/namespace-defaults.yaml");
    assert!(ns.iter().any(|f| f["code"] == "OOM005"
        && f["message"]
            .as_str()
            .unwrap()
            .contains("from LimitRange payments/mem-defaults")));
}
