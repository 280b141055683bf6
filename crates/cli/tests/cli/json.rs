//! `--format json` keeps the stable schema of issue 2; `--format sarif` validates against SARIF 2.1.0.

use serde_json::Value;

use crate::util::*;

/// The schema's keys, as issue 2 fixes them.
const TOP: &[&str] = &["workloads", "findings", "errors", "assumptions"];
const WORKLOAD: &[&str] = &[
    "file",
    "line",
    "kind",
    "namespace",
    "name",
    "qos_class",
    "containers",
];
const CONTAINER: &[&str] = &[
    "name",
    "init",
    "sidecar",
    "memory_request_bytes",
    "memory_limit_bytes",
    "memory_request_source",
    "memory_limit_source",
    "oom_score_adj",
];
const FINDING: &[&str] = &[
    "code",
    "severity",
    "file",
    "line",
    "column",
    "workload",
    "container",
    "message",
    "help",
];
const ERROR: &[&str] = &["file", "line", "column", "message"];
const ASSUMPTIONS: &[&str] = &["node_memory_bytes"];

/// Fields later jobs added to an object (the schema grows, never renames): `(object, field)`.
/// Add a field here when you add it to the writer, so that this test sees every change.
const ADDED: &[(&str, &str)] = &[
    // The JVM audit: Dockerfiles read and the images they build; each container's JVM view.
    ("report", "images"),
    ("container", "jvm"),
    ("assumptions", "node_cpus"),
    ("assumptions", "cgroup"),
    ("assumptions", "default_jdk"),
    // The policy file read (issue 14), or null.
    ("assumptions", "config"),
    // Issue 14: `audit --fix` writes the fix of a finding that has one.
    ("finding", "fixable"),
];

/// Checks that `v` has every key of `expected`, and no other key but those listed in [`ADDED`].
fn keys(what: &str, v: &Value, expected: &[&str]) {
    let got = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for k in expected {
        assert!(got.contains_key(*k), "{what}: no {k:?} in {v}");
    }
    for k in got.keys() {
        assert!(
            expected.contains(&k.as_str()) || ADDED.contains(&(what, k.as_str())),
            "{what}: field {k:?} is not in the stable schema (list it in ADDED if it was added on purpose)"
        );
    }
}

fn check_schema(v: &Value) {
    keys("report", v, TOP);
    for w in v["workloads"].as_array().unwrap() {
        keys("workload", w, WORKLOAD);
        assert!(
            w["line"].is_u64()
                && w["file"].is_string()
                && w["kind"].is_string()
                && w["namespace"].is_string()
        );
        assert!(w["name"].is_string() || w["name"].is_null());
        assert!(
            ["Guaranteed", "Burstable", "BestEffort"].contains(&w["qos_class"].as_str().unwrap()),
            "{w}"
        );
        for c in w["containers"].as_array().unwrap() {
            keys("container", c, CONTAINER);
            assert!(
                c["init"].is_boolean() && c["sidecar"].is_boolean() && c["oom_score_adj"].is_i64(),
                "{c}"
            );
            for (bytes, source) in [
                ("memory_request_bytes", "memory_request_source"),
                ("memory_limit_bytes", "memory_limit_source"),
            ] {
                assert_eq!(c[bytes].is_null(), c[source].is_null(), "{c}");
                assert!(c[bytes].is_null() || c[bytes].is_i64(), "{c}");
                assert!(
                    c[source].is_null()
                        || ["manifest", "limit", "limitrange"]
                            .contains(&c[source].as_str().unwrap()),
                    "{c}"
                );
            }
        }
    }
    for f in v["findings"].as_array().unwrap() {
        keys("finding", f, FINDING);
        assert!(
            ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()),
            "{f}"
        );
        assert!(
            oomdoc_audit::rule(f["code"].as_str().unwrap()).is_some(),
            "{f}"
        );
        assert!(
            f["line"].is_u64()
                && f["column"].is_u64()
                && f["message"].is_string()
                && f["help"].is_string(),
            "{f}"
        );
        assert!(
            f["container"].is_string() || f["container"].is_null(),
            "{f}"
        );
    }
    for e in v["errors"].as_array().unwrap() {
        keys("error", e, ERROR);
        assert!(e["line"].is_u64() || e["line"].is_null(), "{e}");
        assert_eq!(e["line"].is_null(), e["column"].is_null(), "{e}");
    }
    keys("assumptions", &v["assumptions"], ASSUMPTIONS);
}

#[test]
fn schema_of_a_report_with_everything() {
    let root = workspace_root();
    let d = Dir::new();
    d.create(
        "bad.yaml",
        "kind: Pod\nspec:\n  containers:\n  - name: a\n    resources: {limits: {memory: 1GB}}\n",
    );
    let mut c = TestCommand::new(&oomdoc_bin());
    c.args(["audit", "-f", "json"])
        .arg(root.join("examples"))
        .arg(d.path().join("bad.yaml"))
        .arg(d.path().join("missing.yaml"));
    let v = c.run().code(2).json();
    check_schema(&v);
    assert_eq!(errors(&v).len(), 2, "{}", v["errors"]);
    assert_eq!(v["errors"][0]["line"], 5);
    assert_eq!(v["errors"][0]["column"], 34);
    assert!(v["errors"][1]["line"].is_null());
    assert_eq!(v["assumptions"]["node_memory_bytes"], 17179869184u64);
}

#[test]
fn nulls_defaults_and_sources() {
    let d = Dir::new();
    // No namespace, a limit only (request from the limit), and a container with nothing.
    d.create(
        "pod.yaml",
        "kind: Pod\nspec:\n  containers:\n  - name: limited\n    resources: {limits: {memory: 1Gi}}\n  - name: bare\n",
    );
    // A LimitRange fills in what the container lacks, in its namespace only.
    d.create(
        "ns.yaml",
        "kind: LimitRange\nmetadata: {name: lr, namespace: team}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 512Mi}\n    defaultRequest: {memory: 256Mi}\n---\nkind: Pod\nmetadata: {name: in-team, namespace: team}\nspec:\n  containers:\n  - name: c\n    resources: {requests: {memory: 128Mi}}\n",
    );
    let v = d
        .oomdoc()
        .args([
            "audit",
            "pod.yaml",
            "ns.yaml",
            "-f",
            "json",
            "--node-memory",
            "8Gi",
        ])
        .run()
        .json();
    check_schema(&v);
    let w = &v["workloads"][0];
    assert_eq!(w["namespace"], "default");
    assert!(w["name"].is_null(), "{w}");
    let limited = &w["containers"][0];
    assert_eq!(limited["memory_request_bytes"], 1 << 30);
    assert_eq!(limited["memory_request_source"], "limit");
    assert_eq!(limited["memory_limit_source"], "manifest");
    let bare = &w["containers"][1];
    for k in [
        "memory_request_bytes",
        "memory_limit_bytes",
        "memory_request_source",
        "memory_limit_source",
    ] {
        assert!(bare[k].is_null(), "{k}: {bare}");
    }
    let team = &v["workloads"][1]["containers"][0];
    assert_eq!(team["memory_request_bytes"], 128 << 20);
    assert_eq!(team["memory_request_source"], "manifest");
    assert_eq!(team["memory_limit_bytes"], 512 << 20);
    assert_eq!(team["memory_limit_source"], "limitrange");
    // Burstable on an 8Gi node: 1000 - 1000 * 128Mi / 8Gi (15, in integers) = 985; 16Gi gives 993.
    assert_eq!(team["oom_score_adj"], 985);
    assert_eq!(v["assumptions"]["node_memory_bytes"], 8u64 << 30);
}

/// The official OASIS SARIF 2.1.0 schema, read from `../shared/schemas` at test time (its
/// README asks that it not be copied into the project); `None` after a SKIP (a failure in CI).
fn sarif_schema() -> Option<Value> {
    let path = oomdoc_testkit::shared_or_skip(
        "SARIF schema validation",
        "schemas/sarif-schema-2.1.0.json",
    )?;
    let text = std::fs::read_to_string(&path).expect("the schema is readable");
    Some(serde_json::from_str(&text).expect("the schema is JSON"))
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let root = workspace_root();
    let d = Dir::new();
    d.create("bad.yaml", "kind: Pod\nspec: [\n");
    d.create(
        "helm.yaml",
        "kind: Pod\nmetadata:\n  name: {{ .Values.name }}\n",
    );
    let runs: Vec<Vec<std::ffi::OsString>> = vec![
        vec![root.join("examples").into()],
        vec![
            root.join("examples").into(),
            d.path().join("bad.yaml").into(),
            d.path().join("helm.yaml").into(),
            d.path().join("missing.yaml").into(),
        ],
        vec!["-".into()],
    ];
    let Some(schema) = sarif_schema() else {
        return;
    };
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    for args in runs {
        let o = TestCommand::new(&oomdoc_bin())
            .args(["audit", "--format", "sarif"])
            .args(&args)
            .stdin(ERROR_FINDING)
            .run();
        assert!(o.code == 1 || o.code == 2, "{o:?}");
        let v = o.json();
        assert_eq!(v["version"], "2.1.0");
        let results = v["runs"][0]["results"].as_array().unwrap();
        let json = TestCommand::new(&oomdoc_bin())
            .args(["audit", "--format", "json"])
            .args(&args)
            .stdin(ERROR_FINDING)
            .run()
            .json();
        let findings = json["findings"].as_array().unwrap();
        assert!(
            results.len() >= findings.len() && !results.is_empty(),
            "{args:?}"
        );
        for f in findings {
            assert!(
                results.iter().any(|r| r["ruleId"] == f["code"]),
                "{f} missing from SARIF"
            );
        }
        let errs: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errs.is_empty(),
            "{args:?}: SARIF does not validate:\n{}\n{v:#}",
            errs.join("\n")
        );
    }
    // Guard the guard: the validator does reject a broken log.
    let mut v = TestCommand::new(&oomdoc_bin())
        .args(["audit", "-f", "sarif"])
        .arg(root.join("examples"))
        .run()
        .json();
    v["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&v));
}
