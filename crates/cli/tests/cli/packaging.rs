//! What ships around the binary (issue 14): the GitHub Action, the pre-commit hooks, the
//! Dockerfile, the licences, the krew manifest's files, the release profile, and `--format
//! junit` from the command line. YAML is read with the workspace's own reader
//! (`oomdoc_document::value::load`), as GitHub and pre-commit read it (YAML 1.1 scalars).

use std::path::Path;
use std::process::{Command, Stdio};

use oomdoc_document::value::{load, Node, V};

use crate::util::*;

fn read(rel: &str) -> String {
    let path = workspace_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The one document of a YAML file in the repository.
fn yaml(rel: &str) -> Node {
    let docs = load(&read(rel)).unwrap_or_else(|e| panic!("{rel}: not YAML: {e}"));
    assert_eq!(docs.len(), 1, "{rel}: one document expected");
    docs.into_iter().next().unwrap()
}

fn keys(n: &Node) -> Vec<&str> {
    match &n.v {
        V::Map(m) => m.iter().map(|(k, _)| k.as_str()).collect(),
        _ => vec![],
    }
}

fn text_at<'a>(n: &'a Node, path: &[&str], what: &str) -> &'a str {
    n.str_at(path)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| panic!("{what}: {} is missing or empty", path.join(".")))
}

#[test]
fn action_yml_is_a_composite_action_that_uploads_sarif() {
    let a = yaml("action.yml");
    for k in keys(&a) {
        assert!(
            [
                "name",
                "description",
                "author",
                "branding",
                "inputs",
                "outputs",
                "runs"
            ]
            .contains(&k),
            "action.yml: {k} is not a key of action metadata"
        );
    }
    text_at(&a, &["name"], "action.yml");
    text_at(&a, &["description"], "action.yml");
    assert_eq!(a.str_at(&["runs", "using"]), Some("composite"));
    for input in ["path", "fail-on", "format"] {
        text_at(&a, &["inputs", input, "description"], "action.yml");
        assert!(a.at(&["inputs", input, "default"]).is_some(), "{input}");
    }
    // The defaults are values oomdoc takes.
    let fail_on = a.str_at(&["inputs", "fail-on", "default"]).unwrap();
    let format = a.str_at(&["inputs", "format", "default"]).unwrap();
    TestCommand::new(&oomdoc_bin())
        .args([
            "audit",
            "Dockerfile",
            "--fail-on",
            fail_on,
            "--format",
            format,
        ])
        .run()
        .code(0);
    for (name, output) in match &a.at(&["outputs"]).unwrap().v {
        V::Map(m) => m.clone(),
        _ => panic!("outputs is a mapping"),
    } {
        text_at(&output, &["value"], &format!("output {name}"));
    }
    let steps = a.at(&["runs", "steps"]).unwrap().items();
    assert!(!steps.is_empty());
    for s in steps {
        let name = text_at(s, &["name"], "a step");
        // A composite step either runs a command (and then must say its shell) or uses an action.
        match (s.str_at(&["run"]), s.str_at(&["uses"])) {
            (Some(_), None) => {
                text_at(s, &["shell"], name);
            }
            (None, Some(_)) => {}
            _ => panic!("step {name}: exactly one of run and uses"),
        }
    }
    let run: String = steps.iter().filter_map(|s| s.s(&["run"])).collect();
    assert!(run.contains("cargo install --locked"), "{run}");
    assert!(run.contains("oomdoc audit"), "{run}");
    assert!(run.contains("--format sarif"), "{run}");
    assert!(run.contains("--fail-on \"$OOMDOC_FAIL_ON\""), "{run}");
    let upload = steps
        .iter()
        .find(|s| {
            s.str_at(&["uses"])
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("a step uploads SARIF with github/codeql-action/upload-sarif");
    text_at(upload, &["with", "sarif_file"], "upload-sarif");
    // Inputs reach the scripts through the environment, never pasted into them.
    assert!(!run.contains("${{"), "expressions in a run script:\n{run}");
}

#[test]
fn pre_commit_hooks_are_well_formed_and_run() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.items();
    assert!(!hooks.is_empty(), "a list of hooks");
    let languages = ["system", "rust", "docker", "docker_image", "script"];
    for h in hooks {
        let id = text_at(h, &["id"], "a hook");
        text_at(h, &["name"], id);
        let entry = text_at(h, &["entry"], id);
        assert_eq!(entry, "oomdoc audit", "{id}");
        let language = text_at(h, &["language"], id);
        assert!(languages.contains(&language), "{id}: language {language}");
        let files = text_at(h, &["files"], id);
        for want in ["ya?ml", "Dockerfile"] {
            assert!(files.contains(want), "{id}: files {files}");
        }
        assert_eq!(h.str_at(&["require_serial"]), Some("true"), "{id}");
    }
    assert!(hooks
        .iter()
        .any(|h| h.str_at(&["id"]) == Some("oomdoc-audit")));
    // The entry, run as pre-commit runs it on this repository's own packaging files.
    TestCommand::new(&oomdoc_bin())
        .args([
            "audit",
            "action.yml",
            ".pre-commit-hooks.yaml",
            "Dockerfile",
        ])
        .run()
        .code(0);
}

#[test]
fn dockerfile_passes_the_audit_and_runs_as_non_root() {
    let o = TestCommand::new(&oomdoc_bin())
        .args(["audit", "Dockerfile", "--format", "json"])
        .run();
    o.code(0);
    let report = o.json();
    assert!(errors(&report).is_empty(), "{report}");
    let images = report["images"].as_array().unwrap();
    assert_eq!(images.len(), 1, "read as a Dockerfile: {report}");
    assert_eq!(images[0]["base_image"], "scratch");
    for f in report["findings"].as_array().unwrap() {
        assert_ne!(f["severity"], "error", "{f}");
    }
    let text = read("Dockerfile");
    let final_stage = &text[text.rfind("\nFROM ").expect("a FROM")..];
    let user = final_stage
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the final stage sets USER");
    let uid = user.split(':').next().unwrap().trim();
    assert!(
        uid.parse::<u32>().is_ok_and(|u| u != 0),
        "USER {user}: a numeric non-root uid (Kubernetes' runAsNonRoot checks numbers)"
    );
    assert!(final_stage.contains("ENTRYPOINT [\"oomdoc\"]"));
    assert!(
        text.contains("musl") || text.contains("-alpine"),
        "a static musl build"
    );
    // What the build copies: target/ is kept out.
    assert!(read(".dockerignore").lines().any(|l| l.trim() == "target/"));
}

#[test]
fn licence_files_match_cargo_toml() {
    let cargo: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    assert_eq!(
        cargo["workspace"]["package"]["license"].as_str(),
        Some("MIT OR Apache-2.0")
    );
    let mit = read("LICENSE-MIT");
    assert!(mit.starts_with("MIT License"));
    assert!(mit.contains("Copyright (c) The oomdoc authors"));
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = read("LICENSE-APACHE");
    assert!(apache.contains("Apache License"));
    assert!(apache.contains("Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
    // Every crate takes the workspace's licence.
    for entry in std::fs::read_dir(workspace_root().join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let m: toml::Value = toml::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
        let license = &m["package"]["license"];
        assert!(
            license.get("workspace").and_then(|w| w.as_bool()) == Some(true)
                || license.as_str() == Some("MIT OR Apache-2.0"),
            "{}: license {license}",
            manifest.display()
        );
    }
}

#[test]
fn krew_manifest_packs_the_licence_files() {
    let text = read("deploy/krew/oomdoc.yaml");
    let krew = yaml("deploy/krew/oomdoc.yaml");
    let platforms = krew.at(&["spec", "platforms"]).unwrap().items();
    assert!(!platforms.is_empty(), "{text}");
    let licences: Vec<String> = std::fs::read_dir(workspace_root())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("LICENSE"))
        .collect();
    assert!(
        licences.contains(&"LICENSE-MIT".to_string()),
        "{licences:?}"
    );
    assert!(
        licences.contains(&"LICENSE-APACHE".to_string()),
        "{licences:?}"
    );
    for p in platforms {
        let froms: Vec<&str> = p
            .at(&["files"])
            .unwrap()
            .items()
            .iter()
            .filter_map(|f| f.str_at(&["from"]))
            .collect();
        assert!(froms.contains(&"LICENSE*"), "{froms:?}");
    }
}

#[test]
fn release_profile_strips_debug_info_and_bench_still_inherits_it() {
    let cargo: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let release = &cargo["profile"]["release"];
    assert_eq!(release.get("strip").and_then(|v| v.as_bool()), Some(true));
    assert_eq!(release.get("debug").and_then(|v| v.as_bool()), Some(false));
    assert_eq!(
        cargo["profile"]["bench"]["inherits"].as_str(),
        Some("release")
    );
}

/// Validates a JUnit document against the vendored XSD with xmllint (libxml2-utils); `false`
/// after saying SKIP when xmllint is missing.
fn junit_valid(test: &str, doc: &str) -> bool {
    if !oomdoc_testkit::runnable("xmllint", "--version") {
        oomdoc_testkit::skip(
            test,
            "xmllint not found (Debian: apt-get install libxml2-utils)",
        );
        return false;
    }
    let schema = workspace_root().join("schemas/junit.xsd");
    let mut child = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(Path::new(&schema))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), doc.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{test}: not valid JUnit:\n{}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

fn attr(doc: &str, name: &str) -> usize {
    let key = format!(" {name}=\"");
    let at = doc.find(&key).unwrap() + key.len();
    doc[at..].split('"').next().unwrap().parse().unwrap()
}

#[test]
fn junit_from_the_command_line_counts_what_json_reports() {
    let json = TestCommand::new(&oomdoc_bin())
        .args(["audit", "examples/", "--format", "json"])
        .run()
        .json();
    let workloads = json["workloads"].as_array().unwrap().len();
    for fail_on in ["error", "warning", "never"] {
        let o = TestCommand::new(&oomdoc_bin())
            .args([
                "audit",
                "examples/",
                "--format",
                "junit",
                "--fail-on",
                fail_on,
            ])
            .run();
        let text = TestCommand::new(&oomdoc_bin())
            .args(["audit", "examples/", "--fail-on", fail_on])
            .run();
        assert_eq!(
            o.code, text.code,
            "the exit status is the format's business"
        );
        assert_eq!(attr(&o.stdout, "tests"), workloads, "{}", o.stdout);
        assert_eq!(attr(&o.stdout, "errors"), 0);
        let failing = o.stdout.matches("<failure ").count();
        assert_eq!(failing > 0, o.code == 1, "{}", o.stdout);
        junit_valid("JUnit from the CLI", &o.stdout);
    }
    // An input error is an error test case, and exit 2 as always.
    let dir = Dir::new();
    dir.create("bad.yaml", "a: b: c\n");
    let o = dir
        .oomdoc()
        .args(["audit", "bad.yaml", "--format", "junit"])
        .run();
    o.code(2);
    assert_eq!(attr(&o.stdout, "errors"), 1, "{}", o.stdout);
    assert!(o.stdout.contains("type=\"input-error\""));
    junit_valid("JUnit input error from the CLI", &o.stdout);
}

/// The default gate (README, "CI"): a workload with no memory limit fails the audit unless a
/// LimitRange of the input gives it one; `--fail-on never` reports without gating.
#[test]
fn default_gate_fails_a_workload_with_no_memory_limit() {
    let d = Dir::new();
    d.create(
        "besteffort.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\nspec:\n  containers:\n  - name: app\n    image: app:1\n",
    );
    d.create("no-limit.yaml", NO_LIMIT);
    d.create(
        "defaults/limitrange.yaml",
        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: mem\n  namespace: default\nspec:\n  limits:\n  - type: Container\n    default: {memory: 1Gi}\n    defaultRequest: {memory: 1Gi}\n",
    );
    d.create("defaults/no-limit.yaml", NO_LIMIT);
    for (path, code, exit) in [
        ("besteffort.yaml", Some("OOM003"), 1),
        ("no-limit.yaml", Some("OOM001"), 1),
        ("defaults", None, 0),
    ] {
        let o = d.oomdoc().args(["audit", path, "-f", "json"]).run();
        o.code(exit);
        let v = o.json();
        let severities: Vec<(String, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap().to_string();
                (s("code"), s("severity"))
            })
            .collect();
        match code {
            Some(c) => assert!(
                severities.contains(&(c.to_string(), "error".to_string())),
                "{path}: {severities:?}"
            ),
            None => assert!(
                severities
                    .iter()
                    .all(|(c, _)| c != "OOM001" && c != "OOM003"),
                "{path}: {severities:?}"
            ),
        }
        d.oomdoc()
            .args(["audit", path, "--fail-on", "never"])
            .run()
            .code(0);
    }
}

/// A memory request and no limit (OOM001).
const NO_LIMIT: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: unbounded
spec:
  containers:
  - name: app
    image: app:1
    resources:
      requests: {memory: 1Gi}
";
