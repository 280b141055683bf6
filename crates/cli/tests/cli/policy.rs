//! The policy file of `oomdoc audit` (issue 14): where it is found, every key, every error (all
//! of them, with file:line:column, exit 2 and no audit), the report naming the file, and the JSON
//! Schema: it accepts the README's example, rejects bad files, and knows the keys the reader
//! knows.

use serde_json::{json, Value};

use crate::util::*;

/// A pod with a request below its limit (3x): OOM005 (info) and OOM006 (warning), container app.
const BURSTY: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: app
    resources:
      requests: {memory: 1Gi}
      limits: {memory: 3Gi}
";

/// The findings of a JSON report: (code, severity).
fn graded(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `oomdoc audit pod.yaml -f json ARGS` in `d`, with `policy` as `.oomdoc.yaml`.
fn audit_with(d: &Dir, policy: &str, args: &[&str]) -> Output {
    d.create(".oomdoc.yaml", policy);
    let mut c = d.oomdoc();
    c.args(["audit", "pod.yaml", "-f", "json"]).args(args);
    c.run()
}

fn dir_with_pod(pod: &str) -> Dir {
    let d = Dir::new();
    d.create("pod.yaml", pod);
    d
}

#[test]
fn found_in_the_directory_or_a_parent_up_to_the_repository_root() {
    let d = Dir::new();
    d.create("repo/.git/HEAD", "ref: refs/heads/main\n");
    d.create("repo/.oomdoc.yaml", "rules: {OOM005: off}\n");
    d.create("repo/k8s/app/pod.yaml", BURSTY);
    let mut c = d.oomdoc();
    c.cmd.current_dir(d.path().join("repo/k8s/app"));
    let v = c.args(["audit", "pod.yaml", "-f", "json"]).run().json();
    assert_eq!(codes(&v), ["OOM006"]);
    let found = d.path().join("repo/.oomdoc.yaml");
    assert_eq!(v["assumptions"]["config"], found.display().to_string());
    // Above the repository's root nothing is searched.
    d.create(".oomdoc.yaml", "rules: {OOM006: off}\n");
    std::fs::remove_file(&found).unwrap();
    let mut c = d.oomdoc();
    c.cmd.current_dir(d.path().join("repo/k8s/app"));
    let v = c.args(["audit", "pod.yaml", "-f", "json"]).run().json();
    assert_eq!(codes(&v), ["OOM005", "OOM006"]);
    assert!(v["assumptions"]["config"].is_null());
    // Without .git the parent's file is found.
    std::fs::remove_dir_all(d.path().join("repo/.git")).unwrap();
    let mut c = d.oomdoc();
    c.cmd.current_dir(d.path().join("repo/k8s/app"));
    let v = c.args(["audit", "pod.yaml", "-f", "json"]).run().json();
    assert_eq!(codes(&v), ["OOM005"]);
}

#[test]
fn config_flag_names_the_file_and_nothing_is_searched() {
    let d = dir_with_pod(BURSTY);
    d.create(".oomdoc.yaml", "rules: {OOM005: off}\n");
    d.create("team/policy.yaml", "rules: {OOM006: off}\n");
    let v = d
        .oomdoc()
        .args([
            "audit",
            "pod.yaml",
            "-f",
            "json",
            "--config",
            "team/policy.yaml",
        ])
        .run()
        .code(0)
        .json();
    assert_eq!(codes(&v), ["OOM005"]);
    assert_eq!(v["assumptions"]["config"], "team/policy.yaml");
    let o = d
        .oomdoc()
        .args(["audit", "pod.yaml", "--config", "missing.yaml"])
        .run();
    o.code(2);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(
        o.stderr.contains("policy file missing.yaml:"),
        "{}",
        o.stderr
    );
}

#[test]
fn assumptions_keys_set_what_the_flags_set_and_flags_win() {
    let d = dir_with_pod(BURSTY);
    let policy = "fail-on: info\nnode-memory: 8Gi\nnode-cpus: 2\ncgroup: v1\n";
    let o = audit_with(&d, policy, &[]);
    o.code(1);
    let a = &o.json()["assumptions"];
    assert_eq!(a["node_memory_bytes"], 8u64 << 30);
    assert_eq!(a["node_cpus"], 2);
    assert_eq!(a["cgroup"], "v1");
    // A flag given wins, even when it gives the default value.
    let o = audit_with(
        &d,
        policy,
        &[
            "--fail-on",
            "error",
            "--node-memory",
            "16Gi",
            "--node-cpus",
            "4",
            "--cgroup",
            "v2",
        ],
    );
    o.code(0);
    let a = &o.json()["assumptions"];
    assert_eq!(a["node_memory_bytes"], 16u64 << 30);
    assert_eq!(a["node_cpus"], 4);
    assert_eq!(a["cgroup"], "v2");
    // fail-on never: findings, exit 0; the default without a file is `error`.
    audit_with(&d, "fail-on: never\n", &[]).code(0);
    audit_with(&d, "fail-on: warning\n", &[]).code(1);
}

#[test]
fn rules_turn_off_and_regrade_by_code_or_name() {
    let d = dir_with_pod(BURSTY);
    let v = audit_with(
        &d,
        "rules:\n  OOM005: off\n  large-limit-request-ratio: error\n",
        &[],
    )
    .code(1)
    .json();
    assert_eq!(graded(&v), [("OOM006".into(), "error".into())]);
    let v = audit_with(
        &d,
        "rules: {burstable-memory: warning, OOM006: info}\n",
        &[],
    )
    .code(0)
    .json();
    assert_eq!(
        graded(&v),
        [
            ("OOM005".into(), "warning".into()),
            ("OOM006".into(), "info".into())
        ]
    );
    // SARIF's level follows.
    d.create(".oomdoc.yaml", "rules: {OOM006: error}\n");
    let s = d
        .oomdoc()
        .args(["audit", "pod.yaml", "-f", "sarif"])
        .run()
        .json();
    let levels: Vec<&str> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["note", "error"]);
}

#[test]
fn exempt_entries_drop_findings_by_glob() {
    let d = dir_with_pod(BURSTY);
    for (exempt, left) in [
        ("- namespace: sh*", &[][..]),
        ("- namespace: default", &["OOM005", "OOM006"]),
        ("- kind: Pod\n  name: w?b", &[]),
        ("- kind: Deployment", &["OOM005", "OOM006"]),
        ("- name: '[a-z]eb'\n  rules: [OOM006]", &["OOM005"]),
        ("- container: app\n  rules: [burstable-memory]", &["OOM006"]),
        ("- container: sidecar", &["OOM005", "OOM006"]),
        ("- rules: [OOM005, OOM006]", &[]),
    ] {
        let v = audit_with(&d, &format!("exempt:\n{exempt}\n"), &[]).json();
        assert_eq!(codes(&v), left, "{exempt}");
    }
}

#[test]
fn memory_limit_turns_on_oom010_and_the_ratio_sets_oom006() {
    let d = dir_with_pod(BURSTY);
    let v = audit_with(&d, "memory-limit: {min: 64Mi, max: 2Gi}\n", &[]).json();
    assert_eq!(codes(&v), ["OOM005", "OOM006", "OOM010"]);
    let f = &v["findings"][2];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(11), Some(24))
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("3Gi is above the policy's maximum 2Gi"),
        "{f}"
    );
    let v = audit_with(&d, "memory-limit: {min: 4Gi}\n", &[]).json();
    assert_eq!(codes(&v), ["OOM005", "OOM006", "OOM010"]);
    let v = audit_with(&d, "memory-limit: {max: 3Gi}\n", &[]).json();
    assert_eq!(codes(&v), ["OOM005", "OOM006"]);
    // The ratio is OOM006's threshold: 3x passes 3, fails 2.5.
    let v = audit_with(&d, "max-limit-to-request-ratio: 3\n", &[]).json();
    assert_eq!(codes(&v), ["OOM005"]);
    let v = audit_with(&d, "max-limit-to-request-ratio: 2.5\n", &[]).json();
    assert_eq!(codes(&v), ["OOM005", "OOM006"]);
}

#[test]
fn text_summary_names_the_policy_file() {
    let d = dir_with_pod(GUARANTEED);
    d.create(".oomdoc.yaml", "fail-on: warning\n");
    let o = d.oomdoc().args(["audit", "pod.yaml"]).run();
    o.code(0);
    let name = d.path().join(".oomdoc.yaml");
    assert!(
        o.stdout
            .trim_end()
            .ends_with(&format!("Policy file: {}.", name.display())),
        "{}",
        o.stdout
    );
    let o = d
        .oomdoc()
        .args(["audit", "pod.yaml", "--config", ".oomdoc.yaml"])
        .run();
    assert!(
        o.stdout.trim_end().ends_with("Policy file: .oomdoc.yaml."),
        "{}",
        o.stdout
    );
}

/// Runs the audit with `policy` and returns its error lines (exit 2, nothing on stdout).
fn errors_of(policy: &str) -> Vec<String> {
    let d = dir_with_pod(BURSTY);
    d.create("p.yaml", policy);
    let o = d
        .oomdoc()
        .args(["audit", "pod.yaml", "--config", "p.yaml"])
        .run();
    o.code(2);
    assert!(o.stdout.is_empty(), "no audit runs: {}", o.stdout);
    o.stderr.lines().map(str::to_string).collect()
}

#[test]
fn every_error_is_reported_with_file_line_and_column() {
    let policy = "\
fail_on: warning
fail-on: sometimes
node-memory: 1GB
node-cpus: 0
cgroup: v3
rules:
  OOM999: off
  OOM005: disabled
  OOM006: [error]
exempt:
  - namespace: kube-*
    label: x
  - {}
  - name: '[abc'
    rules: [OOM003, nope]
  - container: a
    rules: OOM003
memory-limit: {min: 2Gi, max: 1Gi, avg: 1Gi}
max-limit-to-request-ratio: 0.5
fail-on: error
";
    let expected = [
        "p.yaml:1:1: unknown key \"fail_on\" in the policy file (known: fail-on, node-memory, node-cpus, cgroup, rules, exempt, memory-limit, max-limit-to-request-ratio)",
        "p.yaml:2:10: fail-on: \"sometimes\" is not one of error, warning, info, never",
        "p.yaml:3:14: node-memory: invalid quantity \"1GB\"",
        "p.yaml:4:12: node-cpus: \"0\" is not a whole number of at least 1",
        "p.yaml:5:9: cgroup: \"v3\" is not v1 or v2",
        "p.yaml:7:3: unknown rule \"OOM999\" (`oomdoc rules` lists them)",
        "p.yaml:8:11: OOM005: \"disabled\" is not one of off, error, warning, info",
        "p.yaml:9:11: OOM006: expected a single value, found a list",
        "p.yaml:12:5: unknown key \"label\" in an exempt entry (known: namespace, kind, name, container, rules)",
        "p.yaml:13:5: an empty exempt entry would exempt every finding",
        "p.yaml:14:11: name: glob \"[abc\" has a [ that is never closed",
        "p.yaml:15:21: rules: unknown rule \"nope\"",
        "p.yaml:17:12: rules must be a list of rule codes or names, found a string",
        "p.yaml:18:15: memory-limit: min is above max",
        "p.yaml:18:36: unknown key \"avg\" in memory-limit (known: min, max)",
        "p.yaml:19:29: max-limit-to-request-ratio: \"0.5\" is not a number of at least 1",
        "p.yaml:20:1: repeated key \"fail-on\" in the policy file",
    ];
    let got = errors_of(policy);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(
            g.starts_with(&format!("oomdoc: error: {e}")),
            "\n got: {g}\nwant: {e}"
        );
    }
}

#[test]
fn wrong_shapes_and_syntax_are_errors_too() {
    for (policy, want) in [
        (
            "- a\n- b\n",
            "p.yaml:1:1: the policy file must be a mapping, found a list",
        ),
        (
            "rules: [OOM005]\n",
            "p.yaml:1:8: rules must be a mapping, found a list",
        ),
        (
            "exempt: {name: x}\n",
            "p.yaml:1:9: exempt must be a list of entries, found a mapping",
        ),
        (
            "node-cpus: \"4\"\n",
            "p.yaml:1:12: node-cpus: \"4\" is a string",
        ),
        (
            "node-memory:\n",
            "p.yaml:1:12: node-memory: a value is needed",
        ),
        ("rules: {OOM005: off\n", "p.yaml:"),
        ("a: 1\n---\nb: 2\n", "one YAML document expected"),
    ] {
        let got = errors_of(policy);
        assert!(got.iter().any(|g| g.contains(want)), "{policy:?}: {got:#?}");
    }
    // An empty file (or one with only comments) is an empty policy.
    let d = dir_with_pod(BURSTY);
    let v = audit_with(&d, "# nothing yet\n", &[]).code(0).json();
    assert_eq!(codes(&v), ["OOM005", "OOM006"]);
    assert!(v["assumptions"]["config"].is_string());
}

/// The JSON Schema of the policy file.
fn schema() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("schemas/oomdoc-policy.schema.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A YAML text as an editor's YAML 1.2 language server gives it to a JSON Schema validator
/// (plain `off` is a string there).
fn yaml_to_json(text: &str) -> Value {
    use oomdoc_document::{NodeKind, Tree};
    fn conv(t: &Tree, id: u32) -> Value {
        match t.kind(id) {
            NodeKind::Map => Value::Object(
                t.entries(id)
                    .map(|(k, v)| (t.scalar(k).unwrap().text.to_string(), conv(t, v)))
                    .collect(),
            ),
            NodeKind::Seq => Value::Array(t.items(id).iter().map(|&i| conv(t, i)).collect()),
            _ => {
                let s = t.scalar(id).unwrap();
                if s.style != oomdoc_document::ScalarStyle::Plain {
                    return json!(s.text);
                }
                match s.text {
                    "" | "~" | "null" => Value::Null,
                    "true" => json!(true),
                    "false" => json!(false),
                    n => n
                        .parse::<i64>()
                        .map(|i| json!(i))
                        .or_else(|_| n.parse::<f64>().map(|f| json!(f)))
                        .unwrap_or_else(|_| json!(n)),
                }
            }
        }
    }
    let parsed = oomdoc_document::parse(text, 1, oomdoc_document::Mode::Build, 1000);
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    parsed
        .trees
        .first()
        .map_or(Value::Null, |t| conv(t, t.root()))
}

/// The README's example policy: the yaml block that starts `# .oomdoc.yaml`.
fn readme_policy() -> String {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let start = readme
        .find("```yaml\n# .oomdoc.yaml\n")
        .expect("the README shows a policy file")
        + "```yaml\n".len();
    let len = readme[start..].find("```").unwrap();
    readme[start..start + len].to_string()
}

#[test]
fn the_readme_example_is_valid_for_the_schema_and_the_reader() {
    let policy = readme_policy();
    let schema = schema();
    let validator = jsonschema::draft202012::new(&schema).expect("a valid 2020-12 schema");
    let doc = yaml_to_json(&policy);
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    // The reader takes it too, and it does what it says.
    let d = dir_with_pod(BURSTY);
    let v = audit_with(&d, &policy, &[]).json();
    assert_eq!(codes(&v), Vec::<String>::new(), "OOM005 off, 3x within 4x");
    assert_eq!(v["assumptions"]["node_memory_bytes"], 32u64 << 30);
    for bad in [
        json!({"fail-on": "sometimes"}),
        json!({"fail_on": "error"}),
        json!({"node-memory": "1GB"}),
        json!({"node-cpus": 0}),
        json!({"node-cpus": "4"}),
        json!({"cgroup": "v3"}),
        json!({"rules": {"OOM999": "off"}}),
        json!({"rules": {"OOM005": "disabled"}}),
        json!({"exempt": [{}]}),
        json!({"exempt": [{"label": "x"}]}),
        json!({"exempt": [{"rules": "OOM003"}]}),
        json!({"exempt": {"name": "x"}}),
        json!({"memory-limit": {"avg": "1Gi"}}),
        json!({"max-limit-to-request-ratio": 0.5}),
    ] {
        assert!(!validator.is_valid(&bad), "the schema accepts {bad}");
    }
}

/// The keys the reader knows, from its own error message (`(known: a, b)`) on `policy`.
fn known_keys(policy: &str) -> Vec<String> {
    let errors = errors_of(policy);
    let e = errors.iter().find(|e| e.contains("(known: ")).unwrap();
    let list = &e[e.find("(known: ").unwrap() + 8..e.len() - 1];
    let mut keys: Vec<String> = list.split(", ").map(str::to_string).collect();
    keys.sort();
    keys
}

fn schema_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[test]
fn the_schema_knows_the_keys_the_reader_knows() {
    let s = schema();
    assert_eq!(known_keys("bogus: 1\n"), schema_keys(&s));
    assert_eq!(
        known_keys("exempt: [{bogus: 1}]\n"),
        schema_keys(&s["properties"]["exempt"]["items"])
    );
    assert_eq!(
        known_keys("memory-limit: {bogus: 1}\n"),
        schema_keys(&s["properties"]["memory-limit"])
    );
    // Rule keys: every code and name of the registry, nothing else.
    let mut rules: Vec<String> = oomdoc_audit::RULES
        .iter()
        .flat_map(|r| [r.code.as_str().to_string(), r.name().to_string()])
        .collect();
    rules.sort();
    for names in [
        &s["properties"]["rules"]["propertyNames"]["enum"],
        &s["properties"]["exempt"]["items"]["properties"]["rules"]["items"]["enum"],
    ] {
        let mut got: Vec<String> = names
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        got.sort();
        assert_eq!(got, rules);
    }
}

/// The README's sample errors (the text block after "the exit status is 2:") are what the
/// audit prints for the policy they name (`--config .oomdoc.yaml`).
#[test]
fn the_readme_error_sample_is_what_the_audit_prints() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let at = readme
        .find("nothing is audited, and the exit status is 2:")
        .expect("the README's policy errors");
    let start = at + readme[at..].find("```text\n").unwrap() + "```text\n".len();
    let len = readme[start..].find("```").unwrap();
    let sample: Vec<&str> = readme[start..start + len].lines().collect();
    assert_eq!(sample.len(), 2, "{sample:?}");
    let d = dir_with_pod(BURSTY);
    d.create(
        ".oomdoc.yaml",
        "# .oomdoc.yaml\nfail_on: warning\nrules:\n  OOM999: off\n",
    );
    let o = d
        .oomdoc()
        .args(["audit", "pod.yaml", "--config", ".oomdoc.yaml"])
        .run();
    o.code(2);
    assert_eq!(o.stderr.lines().collect::<Vec<_>>(), sample);
}
