//! Positions in multi-document streams, and values read as Kubernetes reads them (YAML 1.1).

mod common;

use common::*;
use oomdoc_manifest::read_str;

fn deployment_with(memory: &str) -> String {
    format!(
        "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        resources:\n          limits:\n            memory: {memory}\n"
    )
}

/// The memory limit as Kubernetes would print it, or the error message.
fn memory(value: &str) -> Result<String, String> {
    let items = read_str("q.yaml", &deployment_with(value));
    if let Some(e) = errors(&items).first() {
        return Err(e.message.clone());
    }
    Ok(q(&one(&items).pod.containers[0].resources.limits.memory))
}

#[test]
fn multi_document_positions_are_exact() {
    let text = "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    --- not a marker, indented\n---\n---   # empty document\n\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        resources:\n          limits: {cpu: 1, memory: \"1Gi\"}\n...\n--- !!map\nkind: Pod\nspec:\n  containers:\n    - name: p\n      resources:\n        requests:\n          memory:   256Mi   # comment\n";
    let items = read_str("multi.yaml", text);
    no_errors(&items);
    let w = workloads(&items);
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].pos, pos(12, 1));
    let c = &w[0].pod.containers[0];
    assert_eq!(c.pos, pos(20, 9));
    assert_eq!(c.name.pos, pos(20, 15));
    assert_eq!(c.resources.limits.pos, Some(pos(22, 11)));
    assert_eq!(c.resources.limits.cpu.as_ref().unwrap().pos, pos(22, 25));
    assert_eq!(c.resources.limits.memory.as_ref().unwrap().pos, pos(22, 36));
    assert_eq!(w[1].kind, "Pod");
    assert_eq!(w[1].pos, pos(25, 1));
    let c = &w[1].pod.containers[0];
    assert_eq!(c.pos, pos(28, 7));
    let m = c.resources.requests.memory.as_ref().unwrap();
    assert_eq!(
        (m.value.to_string(), m.pos),
        ("256Mi".to_string(), pos(31, 21))
    );
}

#[test]
fn crlf_bom_and_unicode_columns() {
    let text = "\u{FEFF}kind: Pod\r\nmetadata:\r\n  name: \"ünï\"\r\nspec:\r\n  containers:\r\n  - name: ä\r\n    resources: {limits: {memory: 1Gi}}\r\n";
    let items = read_str("crlf.yaml", text);
    no_errors(&items);
    let w = one(&items);
    assert_eq!(w.pos, pos(1, 1));
    assert_eq!(w.name.as_deref(), Some("ünï"));
    let c = &w.pod.containers[0];
    assert_eq!(c.resources.limits.memory.as_ref().unwrap().pos, pos(7, 34));
}

#[test]
fn yaml11_numbers_become_json_numbers() {
    // Plain scalars go-yaml v2 resolves to numbers reach Quantity as encoding/json's text.
    for (yaml, k8s) in [
        ("1073741824", "1073741824"),
        ("1_073_741_824", "1073741824"),
        ("0x40000000", "1073741824"),
        ("010", "8"),
        ("0o10", "8"),
        ("0b1000", "8"),
        ("+8", "8"),
        ("08", "8"),
        ("1e3", "1k"),
        ("1.5e9", "1500M"),
        ("1E+3", "1k"),
        (".5", "500m"),
        ("0.5", "500m"),
        ("1.10", "1100m"),
        ("-0", "0"),
        ("1e21", "1e21"),
        ("null", "0"),
        ("~", "0"),
        ("", "0"),
        // Quoted scalars are strings, read as written.
        ("\"1e3\"", "1e3"),
        ("'010'", "10"),
        ("\" 512Mi\"", "512Mi"),
        ("!!str 1e3", "1e3"),
        ("512Mi", "512Mi"),
    ] {
        assert_eq!(memory(yaml), Ok(k8s.to_string()), "memory: {yaml}");
    }
}

#[test]
fn yaml11_non_quantities_are_errors() {
    let e = memory("yes").unwrap_err();
    assert_eq!(
        e,
        "invalid quantity \"yes\" for resources.limits.memory of container \"app\": it is a boolean in YAML 1.1, as Kubernetes reads it, not a quantity"
    );
    assert!(memory("on").unwrap_err().contains("boolean"));
    assert!(memory("{}").unwrap_err().contains("must be a quantity"));
    assert!(memory("[1]").unwrap_err().contains("must be a quantity"));
    assert!(memory(".inf").unwrap_err().contains("not a finite number"));
    assert!(memory("!!int abc").unwrap_err().contains("cannot decode"));
}

#[test]
fn invalid_quantity_error_names_field_container_and_position() {
    use oomdoc_model::quantity::{ERR_FORMAT_WRONG, ERR_SUFFIX};
    let items = read_str("q.yaml", &deployment_with("2mi"));
    let e = errors(&items);
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].message,
        format!("invalid quantity \"2mi\" for resources.limits.memory of container \"app\": {ERR_SUFFIX}")
    );
    assert_eq!(e[0].pos, Some(pos(9, 21)));
    assert_eq!(&*e[0].file, "q.yaml");
    // The workload is still there, without that value.
    assert!(one(&items).pod.containers[0]
        .resources
        .limits
        .memory
        .is_none());
    assert_eq!(
        memory("1GB"),
        Err(format!("invalid quantity \"1GB\" for resources.limits.memory of container \"app\": {ERR_FORMAT_WRONG}"))
    );
}

#[test]
fn numbers_and_booleans_in_string_fields_are_errors() {
    let text = "kind: Pod\nspec:\n  containers:\n  - name: app\n    args: [--port, 8080]\n    env:\n    - name: DEBUG\n      value: yes\n    - name: PORT\n      value: 8080\n    - name: OK\n      value: \"8080\"\n    - name: DATE\n      value: 2024-01-02\n";
    let items = read_str("s.yaml", text);
    let e = errors(&items);
    assert_eq!(e.len(), 3, "{e:#?}");
    assert_eq!(
        e[0].message,
        "args[1] of container \"app\" must be a string, got an integer (8080); quote it: \"8080\""
    );
    assert_eq!(e[0].pos, Some(pos(5, 20)));
    assert_eq!(
        e[1].message,
        "value of env \"DEBUG\" of container \"app\" must be a string, got a boolean (yes: a boolean in YAML 1.1, as Kubernetes reads it); quote it: \"yes\""
    );
    assert_eq!(e[1].pos, Some(pos(8, 14)));
    assert!(e[2].message.starts_with("value of env \"PORT\""));
    let c = &one(&items).pod.containers[0];
    assert_eq!(c.args.len(), 1);
    assert_eq!(c.env.len(), 4);
    assert!(c.env[0].value.is_none());
    assert_eq!(c.env[2].value.as_ref().unwrap().value, "8080");
    // go-yaml v2 resolves a plain date to a timestamp but keeps its text in `interface{}`.
    assert_eq!(c.env[3].value.as_ref().unwrap().value, "2024-01-02");
}

#[test]
fn wrong_types_are_reported_and_the_rest_is_read() {
    let text = "kind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      initContainers: \"x\"\n      containers:\n      - name: a\n        resources:\n          limits:\n            memory: {}\n            cpu: 1\n        env: {a: b}\n      - just-a-string\n      - name: b\n      priority: high\n";
    let items = read_str("t.yaml", text);
    let e = errors(&items);
    let msgs: Vec<_> = e
        .iter()
        .map(|e| (e.pos.unwrap(), e.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (pos(7, 23), "spec.template.spec.initContainers must be a list, got a string (x)"),
            (
                pos(12, 21),
                "resources.limits.memory of container \"a\" must be a quantity (a string or a number), got a mapping"
            ),
            (pos(14, 14), "env of container \"a\" must be a list, got a mapping"),
            (pos(15, 9), "spec.template.spec.containers[1] must be a mapping, got a string (just-a-string)"),
            (pos(17, 17), "spec.template.spec.priority must be an integer, got a string (high)"),
        ]
    );
    let w = one(&items);
    assert_eq!(w.pod.containers.len(), 2);
    assert_eq!(q(&w.pod.containers[0].resources.limits.cpu), "1");
    assert_eq!(w.pod.containers[1].name.value, "b");
}

#[test]
fn duplicate_keys_last_wins() {
    let text = "kind: Pod\nspec:\n  containers: [{name: a}]\n  containers: [{name: b}]\n";
    assert_eq!(
        one(&read_str("d.yaml", text)).pod.containers[0].name.value,
        "b"
    );
}

#[test]
fn kind_after_spec_and_flow_style() {
    let text = "spec:\n  containers: [{name: late}]\nkind: Pod\n---\n{apiVersion: \"v1\", kind: \"Pod\", spec: {containers: [{name: flow, },], }, } # c\n";
    let items = read_str("k.yaml", text);
    no_errors(&items);
    let w = workloads(&items);
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].pod.containers[0].name.value, "late");
    assert_eq!(w[1].pod.containers[0].name.value, "flow");
    assert_eq!(w[1].pos, pos(5, 2));
}

#[test]
fn json_streams_minified_and_yaml_flow_fallback() {
    // Several JSON values in a row are several documents, as kubectl reads them.
    let text = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{\"name\":\"ä\",\"resources\":{\"limits\":{\"memory\":\"1Gi\"}}}]}}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\\ud83d\\ude00\\udc00\"},\"spec\":{\"containers\":[]}}";
    let items = read_str("s.json", text);
    no_errors(&items);
    let w = workloads(&items);
    assert_eq!(w.len(), 2);
    assert_eq!(
        w[0].pod.containers[0]
            .resources
            .limits
            .memory
            .as_ref()
            .unwrap()
            .pos,
        pos(1, 105)
    );
    assert_eq!(w[1].pos, pos(2, 2));
    assert_eq!(w[1].name.as_deref(), Some("b😀\u{FFFD}"));
    // Not strict JSON (comment, unquoted key, trailing comma): read as YAML flow style.
    let text = "{ apiVersion: \"v1\", kind: \"Pod\", # c\n  spec: {containers: [{name: x, resources: {limits: {memory: 2Gi}}},],}, }\n";
    let items = read_str("f.yaml", text);
    no_errors(&items);
    assert_eq!(
        q(&one(&items).pod.containers[0].resources.limits.memory),
        "2Gi"
    );
    // Broken JSON gets the YAML parser's error, with its position.
    let items = read_str(
        "b.json",
        "{\n  \"kind\": \"Pod\",\n  \"spec\": {\"containers\": [}\n}\n",
    );
    let e = errors(&items);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].pos.unwrap().line, 3);
}

#[test]
fn structure_errors_only_for_known_kinds() {
    let items = read_str(
        "s.yaml",
        "kind: Deployment\nspec: oops\n---\nkind: Widget\nspec: oops\n---\nkind: CronJob\nspec:\n  jobTemplate: [x]\n",
    );
    let e = errors(&items);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!(
        (e[0].pos, e[0].message.as_str()),
        (
            Some(pos(2, 7)),
            "spec must be a mapping, got a string (oops)"
        )
    );
    assert_eq!(
        e[1].message,
        "spec.jobTemplate must be a mapping, got a list"
    );
    assert!(workloads(&items).is_empty());
}

#[test]
fn directives_stay_with_their_document() {
    let text = "kind: Pod\nspec:\n  containers: [{name: a}]\n...\n%YAML 1.1\n---\nkind: Pod\nspec:\n  containers: [{name: b}]\n";
    let items = read_str("d.yaml", text);
    no_errors(&items);
    let w = workloads(&items);
    assert_eq!(w.len(), 2);
    assert_eq!(w[1].pos, pos(7, 1));
}
