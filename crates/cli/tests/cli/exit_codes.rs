//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage errors and unreadable input.

use crate::util::*;

#[test]
fn guaranteed_pod_is_clean() {
    let d = Dir::new();
    d.create("pod.yaml", GUARANTEED);
    let o = d.oomdoc().args(["audit", "pod.yaml"]).run();
    o.code(0);
    assert!(
        o.stdout.starts_with("No findings in 1 workload"),
        "{}",
        o.stdout
    );
    assert!(o.stderr.is_empty(), "{}", o.stderr);
    let j = d
        .oomdoc()
        .args(["audit", "pod.yaml", "--format", "json"])
        .run();
    j.code(0);
    let v = j.json();
    assert_eq!(v["workloads"][0]["qos_class"], "Guaranteed");
    assert_eq!(v["workloads"][0]["containers"][0]["oom_score_adj"], -997);
}

#[test]
fn fail_on_thresholds() {
    let d = Dir::new();
    d.create("info.yaml", INFO_ONLY);
    d.create("warning.yaml", WARNING_ONLY);
    d.create("error.yaml", ERROR_FINDING);
    // The fixtures hold what their names say, and nothing else.
    for (file, code) in [
        ("info.yaml", "OOM005"),
        ("warning.yaml", "OOM007"),
        ("error.yaml", "OOM004"),
    ] {
        let v = d
            .oomdoc()
            .args(["audit", file, "-f", "json", "--fail-on", "never"])
            .run()
            .code(0)
            .json();
        assert_eq!(codes(&v), [code], "{file}");
    }
    let table = [
        // file, --fail-on (None: the default), exit code
        ("info.yaml", None, 0),
        ("info.yaml", Some("error"), 0),
        ("info.yaml", Some("warning"), 0),
        ("info.yaml", Some("info"), 1),
        ("info.yaml", Some("never"), 0),
        ("warning.yaml", None, 0),
        ("warning.yaml", Some("warning"), 1),
        ("warning.yaml", Some("info"), 1),
        ("warning.yaml", Some("never"), 0),
        ("error.yaml", None, 1),
        ("error.yaml", Some("error"), 1),
        ("error.yaml", Some("warning"), 1),
        ("error.yaml", Some("info"), 1),
        ("error.yaml", Some("never"), 0),
    ];
    for (file, fail_on, expected) in table {
        let mut c = d.oomdoc();
        c.args(["audit", file]);
        if let Some(f) = fail_on {
            c.args(["--fail-on", f]);
        }
        let o = c.run();
        assert_eq!(
            o.code, expected,
            "{file} --fail-on {fail_on:?}:\n{}",
            o.stdout
        );
        // The report is the same whatever the threshold.
        assert!(o.stdout.contains(&format!("--> {file}:")), "{}", o.stdout);
    }
    // All three together: the worst decides.
    let o = d
        .oomdoc()
        .args(["audit", ".", "--fail-on", "warning"])
        .run();
    o.code(1);
    assert!(
        o.stdout.starts_with("error[OOM004]") || o.stdout.contains("\nerror[OOM004]"),
        "{}",
        o.stdout
    );
}

#[test]
fn usage_errors_exit_2_without_a_report() {
    let d = Dir::new();
    d.create("pod.yaml", GUARANTEED);
    let cases: &[(&[&str], &str)] = &[
        (
            &["audit", "--bogus", "pod.yaml"],
            "unexpected argument '--bogus'",
        ),
        (
            &["audit", "pod.yaml", "--node-memory", "1GB"],
            "invalid value '1GB' for '--node-memory",
        ),
        (
            &["audit", "pod.yaml", "--node-memory", "0"],
            "must be a positive number of bytes",
        ),
        (
            &["audit", "pod.yaml", "--node-memory=-1Gi"],
            "must be a positive number of bytes",
        ),
        (
            &["audit", "pod.yaml", "--format", "yaml"],
            "invalid value 'yaml'",
        ),
        (
            &["audit", "pod.yaml", "--fail-on", "fatal"],
            "invalid value 'fatal'",
        ),
        (
            &["audit", "pod.yaml", "--threads", "many"],
            "invalid value 'many'",
        ),
        (&["audit"], "required"),
        (&["frobnicate"], "unrecognized subcommand"),
        (&[], "Usage"),
    ];
    for (args, message) in cases {
        let o = d.oomdoc().args(*args).run();
        assert_eq!(o.code, 2, "{args:?}: {o:?}");
        assert!(
            o.stderr.contains(message),
            "{args:?}: stderr lacks {message:?}:\n{}",
            o.stderr
        );
        assert!(o.stdout.is_empty(), "{args:?}: {}", o.stdout);
    }
    // --help and --version are not errors.
    d.oomdoc().args(["--help"]).run().code(0);
    let v = d.oomdoc().args(["--version"]).run();
    v.code(0);
    assert_eq!(
        v.stdout.trim(),
        format!("oomdoc {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn missing_file_exits_2_and_the_other_files_are_still_audited() {
    let d = Dir::new();
    d.create("error.yaml", ERROR_FINDING);
    d.create("warning.yaml", WARNING_ONLY);
    let o = d
        .oomdoc()
        .args(["audit", "error.yaml", "missing.yaml", "warning.yaml"])
        .run();
    o.code(2);
    assert!(o.stdout.contains("error[OOM004]"), "{}", o.stdout);
    assert!(o.stdout.contains("warning[OOM007]"), "{}", o.stdout);
    // Input errors go to stderr; findings and the summary to stdout.
    assert!(o.stderr.contains("error: cannot read: "), "{}", o.stderr);
    assert!(o.stderr.contains("--> missing.yaml"), "{}", o.stderr);
    assert!(!o.stdout.contains("cannot read"), "{}", o.stdout);
    // Input errors win over findings and over --fail-on never.
    let v = d
        .oomdoc()
        .args([
            "audit",
            "error.yaml",
            "missing.yaml",
            "warning.yaml",
            "-f",
            "json",
            "--fail-on",
            "never",
        ])
        .run()
        .code(2)
        .json();
    assert_eq!(codes(&v), ["OOM004", "OOM007"]);
    let e = errors(&v);
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].0.as_str(), e[0].1), ("missing.yaml", None));
    assert!(e[0].2.starts_with("cannot read: "), "{e:?}");
}

#[test]
fn malformed_yaml_exits_2_and_the_other_files_are_still_audited() {
    let d = Dir::new();
    d.create(
        "a-broken.yaml",
        "kind: Pod\nspec:\n  containers: [{name: a}\n  bad: x: y\n",
    );
    d.create("b-error.yaml", ERROR_FINDING);
    for fail_on in ["error", "never"] {
        let o = d.oomdoc().args(["audit", ".", "--fail-on", fail_on]).run();
        o.code(2);
        assert!(o.stderr.contains("error: invalid YAML: "), "{}", o.stderr);
        assert!(o.stderr.contains("--> ./a-broken.yaml:4:"), "{}", o.stderr);
        assert!(o.stdout.contains("error[OOM004]"), "{}", o.stdout);
        assert!(o.stdout.contains("--> ./b-error.yaml:10:"), "{}", o.stdout);
    }
}

/// `oomdoc audit . | head`: a reader that goes away is not an error.
#[test]
fn closed_stdout_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let d = Dir::new();
    // About 1.5 MB of text report, far more than a pipe holds.
    let pods: String = (0..3000)
        .map(|i| {
            format!(
                "---\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers: [{{name: a}}]\n"
            )
        })
        .collect();
    d.create("many.yaml", pods);
    let mut child = Command::new(oomdoc_bin())
        .args(["audit", "many.yaml", "--fail-on", "never"])
        .current_dir(d.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is closed here.
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(first.starts_with(b"error[OOM003]"));
}

#[test]
fn nothing_readable_prints_only_the_errors() {
    let d = Dir::new();
    let o = d.oomdoc().args(["audit", "missing.yaml"]).run();
    o.code(2);
    assert_eq!(o.stdout, "", "no summary of zero workloads");
    assert!(o.stderr.contains("--> missing.yaml"), "{}", o.stderr);
}
