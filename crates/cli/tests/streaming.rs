//! `oomdoc audit` reads its inputs in passes and writes each workload as it is read (so memory
//! does not grow with the input). These tests check that nothing it reports depends on that:
//! the binary's JSON and SARIF equal the in-memory path's (`oomdoc_audit::audit` over every item,
//! then `write_json` / `write_sarif`), LimitRanges apply to workloads read before them, the only
//! Dockerfile is matched as when everything is known at once, and stdin, which is read from a
//! temporary copy, is still named `-` and quoted in the text report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use oomdoc_audit::{audit, Assumptions, AuditInput};
use oomdoc_manifest::{read_inputs, read_str, Item, ReadOptions};
use serde_json::Value;

/// A Deployment with no memory settings in namespace `shop`, whose image's repository is
/// `registry.example.com/shop/app`.
const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: app
        image: registry.example.com/shop/app:1.4
";

/// The only Dockerfile: a JVM with no heap flags. Its directory (`build`) names no image, so it
/// is matched only because it is the only one and every container runs one repository.
const DOCKERFILE: &str = "\
FROM eclipse-temurin:17-jre
ENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]
";

/// Defaults for namespace `shop`, in a file read after `app.yaml`.
const SHOP_LIMITS: &str = "\
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: shop
spec:
  limits:
  - type: Container
    default: {memory: 1Gi}
    defaultRequest: {memory: 512Mi}
";

/// On stdin: a workload in `web` with its limit below its request (an error finding at line 14),
/// a Pod that is not valid YAML (an input error where the parser notices, line 21), and the
/// LimitRange of `web`, after them.
const STDIN: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: front
  namespace: web
spec:
  template:
    spec:
      containers:
      - name: front
        image: registry.example.com/shop/app:1.5
        resources:
          requests: {memory: 2Gi}
          limits: {memory: 1Gi}
      - name: helper
        image: registry.example.com/shop/app:1.5
---
kind: Pod
metadata:
  name: [unclosed
---
apiVersion: v1
kind: LimitRange
metadata:
  name: web-defaults
  namespace: web
spec:
  limits:
  - type: Container
    defaultRequest: {memory: 256Mi}
";

/// A temporary directory with `app.yaml`, `build/Dockerfile` and `zz-limits.yaml`.
fn inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("app.yaml", APP);
    write("build/Dockerfile", DOCKERFILE);
    write("zz-limits.yaml", SHOP_LIMITS);
    dir
}

/// Runs `oomdoc ARGS` with `stdin`, `.` in ARGS standing for `dir`.
fn oomdoc(dir: &Path, args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let args = args.iter().map(|a| {
        if *a == "." {
            dir.join(".")
        } else {
            PathBuf::from(a)
        }
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_ref()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// What the in-memory path makes of `paths` (in `dir`; `-` is `stdin`): every item read first, then one
/// `audit` over all of them.
fn in_memory(dir: &Path, paths: &[&str], stdin: &str, format: &str) -> String {
    let mut items = Vec::new();
    let opts = ReadOptions::default();
    for p in paths {
        if *p == "-" {
            items.extend(read_str("-", stdin));
        } else {
            read_inputs(&[dir.join(p)], &opts, &mut |i| items.push(i));
        }
    }
    let (mut workloads, mut limit_ranges, mut dockerfiles, mut errors) =
        (vec![], vec![], vec![], vec![]);
    for i in items {
        match i {
            Item::Workload(w) => workloads.push(w),
            Item::LimitRange(l) => limit_ranges.push(l),
            Item::Dockerfile(d) => dockerfiles.push(d),
            Item::Error(e) => errors.push(e),
        }
    }
    let mut report = audit(&AuditInput {
        workloads: &workloads,
        limit_ranges: &limit_ranges,
        dockerfiles: &dockerfiles,
        image_bindings: &[],
        assumptions: Assumptions::default(),
    });
    report.errors = errors;
    let mut out = Vec::new();
    match format {
        "json" => oomdoc_report::write_json(&report, &mut out).unwrap(),
        _ => oomdoc_report::write_sarif(&report, env!("CARGO_PKG_VERSION"), &mut out).unwrap(),
    }
    String::from_utf8(out).unwrap()
}

fn workload<'v>(v: &'v Value, name: &str) -> &'v Value {
    v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("no workload {name} in {v}"))
}

#[test]
fn streaming_and_in_memory_give_the_same_json_and_sarif() {
    let dir = inputs();
    for format in ["json", "sarif"] {
        let o = oomdoc(dir.path(), &["audit", ".", "-", "-f", format], STDIN);
        assert_eq!(o.status.code(), Some(2), "input error: exit 2");
        assert_eq!(
            stdout(&o),
            in_memory(dir.path(), &[".", "-"], STDIN, format),
            "{format}"
        );
    }
}

#[test]
fn a_limit_range_applies_to_workloads_read_before_it() {
    let dir = inputs();
    let o = oomdoc(dir.path(), &["audit", ".", "-", "-f", "json"], STDIN);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    // zz-limits.yaml is read after app.yaml.
    let app = &workload(&v, "app")["containers"][0];
    assert_eq!(app["memory_limit_bytes"], 1 << 30);
    assert_eq!(app["memory_limit_source"], "limitrange");
    assert_eq!(app["memory_request_bytes"], 512 << 20);
    assert_eq!(app["memory_request_source"], "limitrange");
    // On stdin, `web`'s LimitRange follows the Deployment: it gives the container without a
    // request one, leaves the one with both values alone; `shop`'s does not apply to `web`.
    let front = &workload(&v, "front")["containers"];
    assert_eq!(front[0]["memory_request_source"], "manifest");
    assert_eq!(front[0]["memory_limit_source"], "manifest");
    assert_eq!(front[1]["memory_request_bytes"], 256 << 20);
    assert_eq!(front[1]["memory_request_source"], "limitrange");
    assert_eq!(front[1]["memory_limit_bytes"], Value::Null);
}

#[test]
fn the_only_dockerfile_is_matched_when_every_container_runs_one_repository() {
    let dir = inputs();
    let o = oomdoc(dir.path(), &["audit", ".", "-", "-f", "json"], STDIN);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for name in ["app", "front"] {
        let jvm = &workload(&v, name)["containers"][0]["jvm"];
        assert_eq!(jvm["dockerfile"]["matched_by"], "only one", "{name}: {jvm}");
    }
    assert_eq!(v["images"][0]["used_by"].as_array().unwrap().len(), 3);

    // A second repository anywhere in the input, even after both: no match.
    let other = STDIN.replace("shop/app:1.5", "shop/other:1");
    let o = oomdoc(dir.path(), &["audit", ".", "-", "-f", "json"], &other);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(workload(&v, "app")["containers"][0]["jvm"], Value::Null);
    assert_eq!(v["images"][0]["used_by"].as_array().unwrap().len(), 0);
    assert_eq!(
        stdout(&o),
        in_memory(dir.path(), &[".", "-"], &other, "json")
    );
}

#[test]
fn stdin_is_named_dash_and_quoted_in_the_text_report() {
    let dir = inputs();
    let o = oomdoc(dir.path(), &["audit", "-", "-f", "json"], STDIN);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["workloads"][0]["file"], "-");
    assert_eq!(v["findings"][0]["file"], "-");
    assert_eq!(v["errors"][0]["file"], "-");
    assert!(
        !stdout(&o).contains("oomdoc-stdin-"),
        "the spool's name leaked: {}",
        stdout(&o)
    );

    let o = oomdoc(dir.path(), &["audit", "-", "--color", "never"], STDIN);
    let text = stdout(&o);
    // The finding and the input error both quote their line, read back from the spooled copy.
    assert!(text.contains("--> <stdin>:14:28\n"), "{text}");
    assert!(
        text.contains("14 |           limits: {memory: 1Gi}\n"),
        "{text}"
    );
    // The input error is on stderr, quoted the same way.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--> <stdin>:21:1\n"), "{err}");
    assert!(err.contains("21 | ---\n"), "{err}");
    assert!(text.contains("1 input error"), "{text}");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn stdin_read_twice_counts_once_and_the_spool_is_removed() {
    let dir = inputs();
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_oomdoc"));
    c.args(["audit", "-", "-", "-f", "json", "--fail-on", "never"])
        .current_dir(dir.path())
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(APP.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["workloads"].as_array().unwrap().len(), 1);
    assert_eq!(o.status.code(), Some(0));
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// A named pipe (what bash's `<(helm template …)` passes) is read once, like stdin: it is copied,
/// named as given, and its LimitRange applies to the workload before it.
#[cfg(unix)]
#[test]
fn a_pipe_given_as_a_path_is_read_once_and_named_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rendered.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        oomdoc_testkit::skip("a pipe given as a path", "mkfifo is not available");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let text = format!("{APP}---\n{SHOP_LIMITS}");
            std::fs::write(fifo, text).unwrap();
        })
    };
    let name = fifo.display().to_string();
    let o = oomdoc(
        dir.path(),
        &["audit", &name, "-f", "json", "--fail-on", "never"],
        "",
    );
    writer.join().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let app = workload(&v, "app");
    assert_eq!(app["file"], name);
    assert_eq!(app["containers"][0]["memory_limit_source"], "limitrange");
}

/// UTF-16 on stdin (what Windows PowerShell writes) reads as its UTF-8 text does, and its lines
/// are quoted as text, not as UTF-16 bytes.
#[test]
fn utf16_stdin_reads_and_quotes_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(STDIN.encode_utf16().flat_map(u16::to_le_bytes));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(STDIN.as_bytes());
    for args in [
        &["audit", "-", "-f", "json"][..],
        &["audit", "-", "--color", "never"],
    ] {
        let plain = stdout(&oomdoc(dir.path(), args, STDIN));
        assert_eq!(
            stdout(&oomdoc(dir.path(), args, &utf16)),
            plain,
            "UTF-16, {args:?}"
        );
        assert_eq!(
            stdout(&oomdoc(dir.path(), args, &bom)),
            plain,
            "UTF-8 BOM, {args:?}"
        );
    }
    let text = stdout(&oomdoc(
        dir.path(),
        &["audit", "-", "--color", "never"],
        &utf16,
    ));
    assert!(
        text.contains("14 |           limits: {memory: 1Gi}\n"),
        "{text}"
    );
}

#[test]
fn helm_source_comments_name_the_template_of_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let stream = "---\n# Source: shop/templates/worker.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec:\n  containers:\n  - name: w\n    image: x\n---\n# Source: shop/templates/api.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: x\n    resources: {requests: {memory: 1Gi}, limits: {memory: 1Gi}}\n";
    let text = stdout(&oomdoc(
        dir.path(),
        &["audit", "-", "--color", "never", "--fail-on", "never"],
        stream,
    ));
    assert!(
        text.contains("Pod/default/w (rendered from shop/templates/worker.yaml)"),
        "{text}"
    );
    // The Guaranteed-memory pod has no finding, so its template is not mentioned.
    assert!(!text.contains("api.yaml"), "{text}");
    // JSON keeps its stable schema: the workload id alone.
    let json = stdout(&oomdoc(
        dir.path(),
        &["audit", "-", "--format", "json", "--fail-on", "never"],
        stream,
    ));
    assert!(json.contains("\"workload\": \"Pod/default/w\""), "{json}");
}
