//! `oomdoc audit --fix` and `--diff` (issue 14): each kind of fix on small inputs with comments
//! and odd quoting, the diff checked to the byte; what is never changed; and the shared corpus
//! of real manifests fixed in a copy (only fixed values change, a second run changes nothing,
//! no finding is left fixable).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::util::*;

/// A Deployment with one finding of each manifest fix: a limit below its request (OOM004), a
/// request in millibytes (OOM009), a tmpfs without sizeLimit (OOM007), and a JVM without
/// `-XX:+ExitOnOutOfMemoryError` (OOM109); comments, flow mappings and both quotings.
const APP: &str = "\
# the api
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api   # main
          image: eclipse-temurin:17-jre
          command: [\"java\", \"-jar\", \"/app.jar\"]
          resources:
            requests:
              memory: \"2Gi\"   # too much?
            limits:
              memory: 1Gi
        - name: sidecar
          image: busybox
          resources:
            requests: {memory: '256m', cpu: 10m}
            limits: {memory: 512Mi}
          volumeMounts:
            - {name: scratch, mountPath: /scratch}
      volumes:
        - name: scratch
          emptyDir:
            medium: Memory  # tmpfs
";

const APP_DIFF: &str = "\
--- a/app.yaml
+++ b/app.yaml
@@ -9,16 +9,16 @@
       containers:
         - name: api   # main
           image: eclipse-temurin:17-jre
-          command: [\"java\", \"-jar\", \"/app.jar\"]
+          command: [\"java\", \"-XX:+ExitOnOutOfMemoryError\", \"-jar\", \"/app.jar\"]
           resources:
             requests:
-              memory: \"2Gi\"   # too much?
+              memory: \"1Gi\"   # too much?
             limits:
               memory: 1Gi
         - name: sidecar
           image: busybox
           resources:
-            requests: {memory: '256m', cpu: 10m}
+            requests: {memory: '256Mi', cpu: 10m}
             limits: {memory: 512Mi}
           volumeMounts:
             - {name: scratch, mountPath: /scratch}
@@ -26,3 +26,4 @@
         - name: scratch
           emptyDir:
             medium: Memory  # tmpfs
+            sizeLimit: 256Mi
";

fn audit(dir: &Dir, args: &[&str]) -> Output {
    dir.oomdoc().arg("audit").args(args).run()
}

/// The codes of the report's findings that say `"fixable": true`.
fn fixable(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fixable"] == true)
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn diff_prints_each_manifest_fix_and_changes_nothing() {
    let dir = Dir::new();
    let file = dir.create("app.yaml", APP);
    let before = audit(&dir, &["app.yaml", "-f", "json"]);
    let mut codes = fixable(&before.json());
    codes.sort();
    assert_eq!(codes, ["OOM004", "OOM007", "OOM009", "OOM109"]);
    let o = audit(&dir, &["app.yaml", "--diff"]);
    // The exit status is the audit's (OOM004 is an error).
    o.code(1);
    assert_eq!(o.stdout, APP_DIFF);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), APP);
    for said in [
        "app.yaml:17: OOM004: set the memory request to the limit 1Gi",
        "app.yaml:21: OOM009: write 256Mi for 256m (memory is counted in bytes; m is milli)",
        "app.yaml:28: OOM007: set sizeLimit to 256Mi, half of the 512Mi memory limit of container \"sidecar\" (which mounts it)",
        "app.yaml:12: OOM109: add -XX:+ExitOnOutOfMemoryError (app.yaml:12)",
        "would fix 4 finding(s) in 1 file(s)",
    ] {
        assert!(o.stderr.contains(said), "{said:?} not in:\n{}", o.stderr);
    }
}

#[test]
fn fix_writes_what_diff_shows_and_a_second_fix_changes_nothing() {
    let dir = Dir::new();
    let file = dir.create("app.yaml", APP);
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let o = audit(&dir, &["app.yaml", "--fix", "-f", "json"]);
    // What is left is info: the sidecar's request 256Mi below its limit (OOM005, a choice),
    // no heap dump (OOM110: a path to choose).
    o.code(0);
    let v = o.json();
    assert_eq!(codes(&v), ["OOM005", "OOM110"]);
    assert_eq!(fixable(&v), Vec::<String>::new());
    let fixed = std::fs::read_to_string(&file).unwrap();
    let expected = apply_diff(APP, APP_DIFF);
    assert_eq!(fixed, expected);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o640, "permissions kept");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["app.yaml"]);
    let again = audit(&dir, &["app.yaml", "--fix", "-f", "json"]);
    again.code(0);
    assert!(
        again.stderr.contains("fixed 0 finding(s) in 0 file(s)"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    assert_eq!(audit(&dir, &["app.yaml", "--diff"]).stdout, "");
}

/// `old` with a unified diff's `+`/`-` lines made (the diff's hunks are in order).
fn apply_diff(old: &str, diff: &str) -> String {
    let mut out = Vec::new();
    let lines: Vec<&str> = old.lines().collect();
    let mut at = 0;
    for l in diff.lines().skip(2) {
        if let Some(h) = l.strip_prefix("@@ -") {
            let start: usize = h.split([',', ' ']).next().unwrap().parse().unwrap();
            while at < start - 1 {
                out.push(lines[at].to_string());
                at += 1;
            }
        } else if let Some(added) = l.strip_prefix('+') {
            out.push(added.to_string());
        } else if l.starts_with('-') {
            at += 1;
        } else {
            out.push(lines[at].to_string());
            at += 1;
        }
    }
    out.extend(lines[at..].iter().map(|l| l.to_string()));
    out.join("\n") + "\n"
}

#[test]
fn json_manifests_get_json_edits() {
    let dir = Dir::new();
    let text = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "p"},
  "spec": {
    "containers": [
      {"name": "app", "image": "nginx",
       "resources": {"requests": {"memory": "100m"}, "limits": {"memory": "1Gi"}},
       "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}]}
    ],
    "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory"}}]
  }
}
"#;
    dir.create("pod.json", text);
    let o = audit(&dir, &["pod.json", "--diff"]);
    assert_eq!(
        o.stdout,
        r#"--- a/pod.json
+++ b/pod.json
@@ -5,9 +5,9 @@
   "spec": {
     "containers": [
       {"name": "app", "image": "nginx",
-       "resources": {"requests": {"memory": "100m"}, "limits": {"memory": "1Gi"}},
+       "resources": {"requests": {"memory": "100Mi"}, "limits": {"memory": "1Gi"}},
        "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}]}
     ],
-    "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory"}}]
+    "volumes": [{"name": "shm", "emptyDir": {"sizeLimit": "512Mi", "medium": "Memory"}}]
   }
 }
"#
    );
    audit(&dir, &["pod.json", "--fix", "-f", "json"]).code(0);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("pod.json")).unwrap())
            .unwrap();
    assert_eq!(v["spec"]["volumes"][0]["emptyDir"]["sizeLimit"], "512Mi");
}

#[test]
fn a_jvm_option_goes_where_the_jvm_reads_its_options() {
    let dir = Dir::new();
    // JAVA_TOOL_OPTIONS written: appended to it (quoting kept), with the heap the audit
    // recommends (OOM103). A `sh -c` command line: the heap option replaced where it is
    // (OOM102), the others after `java`, never after `-jar app.jar`. No options and no java
    // word: a new env entry.
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: jvms
spec:
  containers:
  - name: tool
    image: eclipse-temurin:21
    env:
    - name: JAVA_TOOL_OPTIONS
      value: '-Xss512k'
    resources: {limits: {memory: 1Gi}}
  - name: shell
    image: eclipse-temurin:21
    command:
    - sh
    - -c
    - exec java -Xmx600m -jar /app.jar
    resources: {limits: {memory: 1Gi}}
  - name: plain
    image: eclipse-temurin:21
    env:
    - name: TZ
      value: UTC
    resources: {limits: {memory: 1Gi}}
";
    dir.create("jvms.yaml", text);
    let o = audit(&dir, &["jvms.yaml", "--diff"]);
    assert_eq!(
        o.stdout,
        "\
--- a/jvms.yaml
+++ b/jvms.yaml
@@ -8,18 +8,20 @@
     image: eclipse-temurin:21
     env:
     - name: JAVA_TOOL_OPTIONS
-      value: '-Xss512k'
+      value: '-Xss512k -XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=31.4 -XX:MaxDirectMemorySize=64m'
     resources: {limits: {memory: 1Gi}}
   - name: shell
     image: eclipse-temurin:21
     command:
     - sh
     - -c
-    - exec java -Xmx600m -jar /app.jar
+    - exec java -XX:+ExitOnOutOfMemoryError -Xmx198m -XX:MaxDirectMemorySize=64m -jar /app.jar
     resources: {limits: {memory: 1Gi}}
   - name: plain
     image: eclipse-temurin:21
     env:
+    - name: JAVA_TOOL_OPTIONS
+      value: \"-XX:+ExitOnOutOfMemoryError\"
     - name: TZ
       value: UTC
     resources: {limits: {memory: 1Gi}}
",
        "{}",
        o.stderr
    );
    audit(&dir, &["jvms.yaml", "--fix"]);
    let v = audit(&dir, &["jvms.yaml", "-f", "json", "--fail-on", "never"]).json();
    assert!(!codes(&v).contains(&"OOM109".to_string()), "{v}");
    assert_eq!(fixable(&v), Vec::<String>::new());
}

#[test]
fn dockerfiles_get_the_option_in_entrypoint_or_env() {
    let dir = Dir::new();
    dir.create(
        "api/Dockerfile",
        "FROM eclipse-temurin:17-jre\nCOPY app.jar /app.jar\n# run it\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\n",
    );
    dir.create(
        "worker/Dockerfile",
        "FROM eclipse-temurin:17-jre\nENV JAVA_TOOL_OPTIONS=\"-Xss1m\"\nCMD java -jar /w.jar\n",
    );
    let o = audit(&dir, &["api", "worker", "--diff"]);
    assert_eq!(
        o.stdout,
        "\
--- a/api/Dockerfile
+++ b/api/Dockerfile
@@ -1,4 +1,4 @@
 FROM eclipse-temurin:17-jre
 COPY app.jar /app.jar
 # run it
-ENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]
+ENTRYPOINT [\"java\", \"-XX:+ExitOnOutOfMemoryError\", \"-jar\", \"/app.jar\"]
--- a/worker/Dockerfile
+++ b/worker/Dockerfile
@@ -1,3 +1,3 @@
 FROM eclipse-temurin:17-jre
-ENV JAVA_TOOL_OPTIONS=\"-Xss1m\"
+ENV JAVA_TOOL_OPTIONS=\"-Xss1m -XX:+ExitOnOutOfMemoryError\"
 CMD java -jar /w.jar
",
        "{}",
        o.stderr
    );
    audit(&dir, &["api", "worker", "--fix"]);
    let v = audit(&dir, &["api", "worker", "-f", "json", "--fail-on", "never"]).json();
    assert_eq!(fixable(&v), Vec::<String>::new(), "{v}");
}

#[test]
fn stdin_helm_output_and_files_with_errors_are_never_changed() {
    let dir = Dir::new();
    let o = dir
        .oomdoc()
        .args(["audit", "-", "--fix"])
        .stdin(crate::util::ERROR_FINDING)
        .run();
    assert!(
        o.stderr
            .contains("-: not changed: read from stdin or a pipe"),
        "{}",
        o.stderr
    );
    let helm = format!(
        "---\n# Source: chart/templates/api.yaml\n{}",
        crate::util::ERROR_FINDING
    );
    let helm_file = dir.create("rendered.yaml", &helm);
    let broken = format!("{}---\nkind: [\n", crate::util::ERROR_FINDING);
    let broken_file = dir.create("broken.yaml", &broken);
    let o = audit(
        &dir,
        &["rendered.yaml", "broken.yaml", "--fix", "-f", "json"],
    );
    assert!(
        o.stderr.contains(
            "rendered.yaml: not changed: rendered by `helm template` from chart/templates/api.yaml"
        ),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("broken.yaml: not changed: it has input errors"),
        "{}",
        o.stderr
    );
    assert_eq!(std::fs::read_to_string(helm_file).unwrap(), helm);
    assert_eq!(std::fs::read_to_string(broken_file).unwrap(), broken);
    // Rendered output's findings are not fixable (the chart is where the fix goes).
    let v = o.json();
    let rendered: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == "rendered.yaml")
        .collect();
    assert!(!rendered.is_empty() && rendered.iter().all(|f| f["fixable"] == false));
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// The workloads of a report, without the memory figures a fix may change.
fn objects(v: &Value) -> Vec<String> {
    v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let containers: Vec<String> = w["containers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| format!("{}:{}", c["name"], c["memory_limit_bytes"]))
                .collect();
            format!(
                "{} {} {} {} {:?}",
                w["file"], w["kind"], w["namespace"], w["name"], containers
            )
        })
        .collect()
}

#[test]
fn the_corpus_fixed_in_a_copy() {
    let Some(corpus) =
        oomdoc_testkit::shared_or_skip("audit --fix on the corpus", "corpus/manifests")
    else {
        return;
    };
    let dir = Dir::new();
    let copy = dir.path().join("m");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&corpus)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let _ = std::process::Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&copy)
        .status();
    let bin = fast_bin();
    let run = |args: &[&str]| {
        TestCommand::new(&bin)
            .arg("audit")
            .arg(&copy)
            .args(["-f", "json", "--fail-on", "never"])
            .args(args)
            .timeout(Duration::from_secs(600))
            .run()
    };
    let before_files = files(&copy);
    let before = run(&[]).json();
    let fixable_before = fixable(&before).len();
    let diff = TestCommand::new(&bin)
        .arg("audit")
        .arg(&copy)
        .arg("--diff")
        .timeout(Duration::from_secs(600))
        .run();
    assert!(fixable_before > 0);
    let after_out = run(&["--fix"]);
    after_out.code(0);
    let after = after_out.json();
    // Done when: no finding is left fixable.
    assert_eq!(fixable(&after), Vec::<String>::new());
    // The same objects, the same limits; what is not fixable is as it was.
    assert_eq!(objects(&before), objects(&after));
    let unfixable = |v: &Value| {
        let mut k: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["fixable"] == false)
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    f["code"], f["workload"], f["container"], f["message"]
                )
            })
            .collect();
        k.sort();
        k
    };
    assert_eq!(unfixable(&before), unfixable(&after));
    assert_eq!(
        after["findings"].as_array().unwrap().len() + fixable_before,
        before["findings"].as_array().unwrap().len()
    );
    // Files not in the diff are byte-identical; the others changed only on the diff's lines.
    let after_files = files(&copy);
    let changed: Vec<&PathBuf> = before_files
        .keys()
        .filter(|p| before_files[*p] != after_files[*p])
        .collect();
    let in_diff: Vec<PathBuf> = diff
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("+++ b/{}/", copy.display())))
        .map(PathBuf::from)
        .collect();
    assert_eq!(
        changed.iter().map(|p| p.to_path_buf()).collect::<Vec<_>>(),
        in_diff
    );
    let removed = diff
        .stdout
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .count();
    let added = diff
        .stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .count();
    assert!(
        removed <= fixable_before && added <= 2 * fixable_before,
        "{removed} lines removed, {added} added for {fixable_before} fixes"
    );
    eprintln!(
        "corpus --fix: {} files changed of {}, {fixable_before} findings fixed, {removed} lines changed, {} inserted",
        changed.len(),
        before_files.len(),
        added - removed
    );
    // A second run changes nothing.
    let again = run(&["--fix"]);
    assert!(
        again.stderr.contains("fixed 0 finding(s) in 0 file(s)"),
        "{}",
        again.stderr
    );
    assert_eq!(files(&copy), after_files);
}
