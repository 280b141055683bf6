use serde_json::{json, Value};

use super::*;
use crate::write_json;

fn json_of(report: &AuditReport) -> (String, Value) {
    let s = render(|out| write_json(report, out));
    let v = serde_json::from_str(&s).expect("valid JSON");
    (s, v)
}

#[test]
fn json_report_snapshot() {
    let (s, _) = json_of(&sample_report());
    insta::assert_snapshot!("json_report", s);
}

#[test]
fn json_empty_report() {
    let (s, v) = json_of(&empty_report());
    assert_eq!(
        v,
        json!({"workloads": [], "findings": [], "errors": [],
               "assumptions": {"node_memory_bytes": 17179869184_i64}})
    );
    assert!(s.ends_with("}\n"));
}

#[test]
fn json_schema_fields_in_order() {
    let (s, v) = json_of(&sample_report());
    // Key order is part of the contract: check it on the raw text.
    let order = |keys: &[&str]| {
        let mut at = 0;
        for k in keys {
            let i = s[at..]
                .find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing or out of order"));
            at += i;
        }
    };
    order(&[
        "workloads",
        "file",
        "line",
        "kind",
        "namespace",
        "name",
        "qos_class",
        "containers",
        "name",
        "init",
        "sidecar",
        "memory_request_bytes",
        "memory_limit_bytes",
        "memory_request_source",
        "memory_limit_source",
        "oom_score_adj",
        "findings",
        "code",
        "severity",
        "file",
        "line",
        "column",
        "workload",
        "container",
        "message",
        "help",
        "errors",
        "file",
        "line",
        "column",
        "message",
        "assumptions",
        "node_memory_bytes",
    ]);

    let w = &v["workloads"][0];
    assert_eq!(w["qos_class"], "Burstable");
    assert_eq!(w["namespace"], "default");
    let c = &w["containers"];
    assert_eq!(
        c[0],
        json!({"name": "app", "init": false, "sidecar": false,
        "memory_request_bytes": 2147483648_i64, "memory_limit_bytes": 4294967296_i64,
        "memory_request_source": "manifest", "memory_limit_source": "manifest",
        "oom_score_adj": 875})
    );
    assert_eq!(
        (c[1]["init"].clone(), c[1]["sidecar"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(c[1]["memory_request_source"], "limit");
    assert_eq!(
        (c[2]["init"].clone(), c[2]["sidecar"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(c[2]["memory_limit_source"], "limitrange");
    let worker = &v["workloads"][1]["containers"][0];
    assert_eq!(worker["memory_request_bytes"], Value::Null);
    assert_eq!(worker["memory_limit_source"], Value::Null);
    assert_eq!(v["workloads"][1]["file"], "-");

    assert_eq!(
        v["findings"][1],
        json!({"code": "OOM004", "severity": "info",
        "file": "k8s/app.yaml", "line": 13, "column": 21, "workload": "Deployment/default/app",
        "container": "app",
        "message": "memory request 2Gi is below the limit 4Gi: Burstable, oom_score_adj 875",
        "help": "set requests.memory equal to limits.memory (4Gi) to make the pod Guaranteed"})
    );
    assert_eq!(
        v["errors"][0],
        json!({"file": "bad.yaml", "line": 3, "column": 1,
        "message": "mapping values are not allowed in this context"})
    );
    assert_eq!(v["errors"][1]["line"], Value::Null);
    assert_eq!(v["errors"][1]["column"], Value::Null);
}

#[test]
fn json_nulls_for_unset_name_and_container() {
    let mut r = sample_report();
    r.workloads[0].name = None;
    r.findings[0].container = None;
    let (_, v) = json_of(&r);
    assert_eq!(v["workloads"][0]["name"], Value::Null);
    assert_eq!(v["findings"][0]["container"], Value::Null);
}

#[test]
fn source_names_match_the_model_serde_names() {
    use oomdoc_model::admission::Source;
    for s in [
        Source::Manifest,
        Source::Limit,
        Source::LimitRange,
        Source::Defaulted,
    ] {
        assert_eq!(json!(s), json!(crate::source_name(s)));
    }
}
