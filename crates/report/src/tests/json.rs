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
        json!({"workloads": [], "images": [], "findings": [], "errors": [],
               "assumptions": {"node_memory_bytes": 17179869184_i64, "node_cpus": 4,
                               "cgroup": "v2", "default_jdk": "17", "config": null}})
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
        "jvm",
        "images",
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
        "node_cpus",
        "cgroup",
        "default_jdk",
        "config",
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
        "oom_score_adj": 875, "jvm": null})
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
        json!({"code": "OOM005", "severity": "info",
        "file": "k8s/app.yaml", "line": 13, "column": 21, "workload": "Deployment/default/app",
        "container": "app",
        "message": "memory request 2Gi is below the limit 4Gi: Burstable, oom_score_adj 875",
        "help": "set requests.memory equal to limits.memory (4Gi) to make the pod Guaranteed",
        "fixable": false})
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

/// The spellings the model's serde attributes gave before the wire format moved here.
#[test]
fn source_names_are_the_wire_spellings() {
    use oomdoc_model::admission::Source;
    for (s, name) in [
        (Source::Manifest, "manifest"),
        (Source::Limit, "limit"),
        (Source::LimitRange, "limitrange"),
        (Source::Defaulted, "defaulted"),
    ] {
        assert_eq!(crate::source_name(s), name);
    }
}

#[test]
fn json_jvm_report_snapshot() {
    let (s, _) = json_of(&jvm_report());
    insta::assert_snapshot!("json_jvm_report", s);
}

#[test]
fn json_jvm_per_container() {
    let (s, v) = json_of(&jvm_report());
    let j = &v["workloads"][0]["containers"][0]["jvm"];
    // The keys the issue names come first, in its order.
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "jdk",
        "container_aware",
        "physical_memory_bytes",
        "max_heap_bytes",
        "initial_heap_bytes",
        "gc",
        "footprint_bytes",
        "headroom_bytes",
        "flags_source",
    ] {
        assert!(keys.contains(&k), "{k} missing: {keys:?}");
    }
    let at = |k: &str| s.find(&format!("\"{k}\":")).unwrap();
    assert!(at("jdk") < at("container_aware") && at("headroom_bytes") < at("flags_source"));
    assert_eq!(j["jdk"], "17.0.9");
    assert_eq!(j["container_aware"], true);
    assert_eq!(j["physical_memory_bytes"], 4_294_967_296_u64);
    assert_eq!(j["max_heap_bytes"], 1_073_741_824_u64);
    assert_eq!(j["gc"], "G1");
    assert_eq!(j["runtime"], "hotspot");
    assert_eq!(
        j["flags_source"],
        json!([{"source": "command line", "options": []}])
    );
    assert_eq!(
        j["dockerfile"],
        json!({"file": "k8s/app/Dockerfile", "line": 1, "matched_by": "image name"})
    );
    assert_eq!(j["pools"]["heap"], 1_073_741_824_u64);
    assert!(j["recommendation"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().starts_with("-XX:MaxRAMPercentage=")));
    let footprint = j["footprint_bytes"].as_i64().unwrap();
    assert_eq!(
        j["headroom_bytes"].as_i64().unwrap(),
        4_294_967_296 - footprint
    );
    // Containers without a JVM have null.
    assert_eq!(v["workloads"][0]["containers"][1]["jvm"], Value::Null);

    let images = &v["images"];
    assert_eq!(
        images[0]["used_by"],
        json!([{"workload": "Deployment/default/app", "container": "app", "matched_by": "image name"}])
    );
    assert_eq!(images[0]["jvm"], Value::Null);
    let alone = &images[1]["jvm"];
    assert_eq!(alone["limit_bytes"], Value::Null);
    assert_eq!(alone["headroom_bytes"], Value::Null);
    assert_eq!(alone["physical_memory_bytes"], 17_179_869_184_u64);
    assert_eq!(alone["max_heap_bytes"], 4_294_967_296_u64);
}

#[test]
fn json_jvm_figures_are_null_where_not_modelled() {
    let mut r = jvm_report();
    let j = r.workloads[0].containers[0].jvm.as_mut().unwrap();
    j.runtime = oomdoc_jvm::Runtime::OpenJ9;
    j.heap_modelled = false;
    let (_, v) = json_of(&r);
    let j = &v["workloads"][0]["containers"][0]["jvm"];
    assert_eq!(j["runtime"], "openj9");
    for k in [
        "container_aware",
        "physical_memory_bytes",
        "max_heap_bytes",
        "gc",
        "footprint_bytes",
        "headroom_bytes",
        "pools",
        "recommendation",
    ] {
        assert_eq!(j[k], Value::Null, "{k}");
    }
    let mut r = jvm_report();
    r.workloads[0].containers[0]
        .jvm
        .as_mut()
        .unwrap()
        .heap_modelled = false;
    let (_, v) = json_of(&r);
    let j = &v["workloads"][0]["containers"][0]["jvm"];
    assert_eq!(j["container_aware"], true);
    assert_eq!(j["max_heap_bytes"], Value::Null);
    assert_eq!(j["recommendation"], Value::Null);
}
