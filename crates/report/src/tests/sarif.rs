use serde_json::{json, Value};

use super::*;
use crate::sarif::write_sarif_with;
use crate::write_sarif;

fn sarif_with(report: &AuditReport, rules: &[Rule]) -> (String, Value) {
    let s = render(|out| write_sarif_with(report, "0.1.0", rules, out));
    let v = serde_json::from_str(&s).expect("valid JSON");
    (s, v)
}

/// The official OASIS SARIF 2.1.0 schema, read from `../shared/schemas` at test time (its
/// README asks that it not be copied into the project); without it the test says SKIP, and
/// fails where skipping is forbidden (CI).
fn schema(test: &str) -> Option<Value> {
    let path = oomdoc_testkit::shared_or_skip(test, "schemas/sarif-schema-2.1.0.json")?;
    let text = std::fs::read_to_string(&path).expect("the schema is readable");
    Some(serde_json::from_str(&text).expect("the schema is JSON"))
}

fn assert_valid(doc: &Value) {
    let Some(schema) = schema("SARIF schema validation") else {
        return;
    };
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}\n{doc:#}",
        errors.join("\n")
    );
}

#[test]
fn sarif_snapshot() {
    let (s, v) = sarif_with(&sample_report(), TEST_RULES);
    assert_valid(&v);
    insta::assert_snapshot!("sarif_report", s);
}

#[test]
fn sarif_validates_with_findings_errors_stdin_and_empty() {
    for report in [sample_report(), empty_report()] {
        for rules in [TEST_RULES, oomdoc_audit::RULES, &[]] {
            let (_, v) = sarif_with(&report, rules);
            assert_valid(&v);
        }
        let s = render(|out| write_sarif(&report, "1.2.3", out));
        assert_valid(&serde_json::from_str(&s).unwrap());
    }
}

#[test]
fn sarif_the_validator_rejects_broken_logs() {
    // Guards the guard: a log the schema forbids must fail, or the other tests prove nothing.
    let (_, mut v) = sarif_with(&sample_report(), TEST_RULES);
    v["runs"][0]["results"][0]["level"] = json!("info");
    let Some(schema) = schema("SARIF validator guard") else {
        return;
    };
    let validator = jsonschema::options().build(&schema).unwrap();
    assert!(!validator.is_valid(&v));
}

#[test]
fn sarif_driver_rules_and_results() {
    let (_, v) = sarif_with(&sample_report(), TEST_RULES);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "oomdoc");
    assert_eq!(driver["version"], "0.1.0");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[0]["id"], "OOM001");
    assert_eq!(rules[0]["name"], "no-memory-limit");
    assert_eq!(
        rules[0]["shortDescription"]["text"],
        "Container has no memory limit"
    );
    assert_eq!(rules[0]["help"]["text"], "Set resources.limits.memory.");
    assert!(rules[0]["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("```yaml\ncontainers:"));
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "note");

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let r = &results[1];
    assert_eq!(r["level"], "note");
    assert_eq!(
        r["message"]["text"],
        "memory request 2Gi is below the limit 4Gi: Burstable, oom_score_adj 875\n\
         help: set requests.memory equal to limits.memory (4Gi) to make the pod Guaranteed"
    );
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"],
        json!({"uri": "k8s/app.yaml", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(loc["region"], json!({"startLine": 13, "startColumn": 21}));
    assert_eq!(
        r["properties"],
        json!({"workload": "Deployment/default/app", "container": "app"})
    );
    // stdin
    let loc = &results[2]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        loc,
        &json!({"uri": "stdin", "description": {"text": "standard input"}})
    );
    assert_eq!(run["columnKind"], "unicodeCodePoints");
}

#[test]
fn sarif_input_errors_are_notifications() {
    let (_, v) = sarif_with(&sample_report(), TEST_RULES);
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let n = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(n.len(), 2);
    assert_eq!(n[0]["level"], "error");
    assert_eq!(
        n[0]["message"]["text"],
        "mapping values are not allowed in this context"
    );
    assert_eq!(
        n[0]["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": "bad.yaml", "uriBaseId": "%SRCROOT%"},
               "region": {"startLine": 3, "startColumn": 1}})
    );
    assert!(n[1]["locations"][0]["physicalLocation"]
        .get("region")
        .is_none());
    let (_, v) = sarif_with(&empty_report(), TEST_RULES);
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    assert_eq!(inv["toolExecutionNotifications"], json!([]));
    assert_eq!(v["runs"][0]["results"], json!([]));
}

#[test]
fn sarif_rules_include_codes_the_registry_lacks() {
    let mut r = sample_report();
    r.findings.push(finding(
        "OOM113",
        Severity::Warning,
        "x.yaml",
        (1, 1),
        "Pod/default/x",
        None,
        "m",
        "h",
    ));
    r.findings.push(finding(
        "OOM113",
        Severity::Warning,
        "x.yaml",
        (2, 1),
        "Pod/default/x",
        None,
        "m",
        "h",
    ));
    let (_, v) = sarif_with(&r, &TEST_RULES[..1]);
    assert_valid(&v);
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["OOM001", "OOM002", "OOM005", "OOM113"]);
    assert_eq!(
        rules[3],
        json!({"id": "OOM113", "defaultConfiguration": {"level": "warning"}})
    );
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results[3]["ruleIndex"], 3);
    assert_eq!(results[4]["ruleIndex"], 3);
    // Every registered rule is listed even without results.
    let (_, v) = sarif_with(&empty_report(), TEST_RULES);
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn sarif_uris() {
    let cases = [
        (
            "k8s/app.yaml",
            json!({"uri": "k8s/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ),
        (
            "./k8s/app.yaml",
            json!({"uri": "k8s/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ),
        (
            "k8s\\win\\app.yaml",
            json!({"uri": "k8s/win/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ),
        (
            "my dir/a#1.yaml",
            json!({"uri": "my%20dir/a%231.yaml", "uriBaseId": "%SRCROOT%"}),
        ),
        (
            "a:b.yaml",
            json!({"uri": "a%3Ab.yaml", "uriBaseId": "%SRCROOT%"}),
        ),
        (
            "dépôt/x.yaml",
            json!({"uri": "d%C3%A9p%C3%B4t/x.yaml", "uriBaseId": "%SRCROOT%"}),
        ),
        (
            "/abs/k8s/app.yaml",
            json!({"uri": "file:///abs/k8s/app.yaml"}),
        ),
        (
            "C:\\work\\app.yaml",
            json!({"uri": "file:///C:/work/app.yaml"}),
        ),
    ];
    for (file, want) in cases {
        let mut r = empty_report();
        r.findings.push(finding(
            "OOM001",
            Severity::Error,
            file,
            (1, 1),
            "Pod/default/x",
            None,
            "m",
            "h",
        ));
        let (_, v) = sarif_with(&r, TEST_RULES);
        assert_valid(&v);
        assert_eq!(
            v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"],
            want,
            "{file}"
        );
    }
}
