//! `oomdoc explain` end to end: detection by content, stdin, exit codes, JSON.

use std::io::Write;
use std::process::{Command, Stdio};

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../evidence/tests/fixtures/");

fn oomdoc(args: &[&str], stdin: Option<&[u8]>) -> (i32, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args(args)
        .current_dir(FIX)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = c.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or(b"")).unwrap();
    drop(input);
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
    )
}

#[test]
fn seed_case_is_explained_as_growth_outside_the_heap() {
    let (code, out) = oomdoc(
        &[
            "explain",
            "kernel/dmesg_v2_memcg_systemd.txt",
            "k8s/pod_oomkilled.yaml",
            "jvm/flags_final_jdk17.txt",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("verdict: container_oom_kill"), "{out}");
    assert!(out.contains("attribution: off_heap_native"), "{out}");
    assert!(
        out.contains("kernel/dmesg_v2_memcg_systemd.txt:32: "),
        "{out}"
    );
    // The whole report, as the README shows it: a change to any line of it is a reviewed change.
    insta::assert_snapshot!("seed_case_text", out);
}

#[test]
fn stdin_kernel_log_and_json() {
    let log = std::fs::read(format!("{FIX}kernel/journal_v1_old_4x.txt")).unwrap();
    let (code, out) = oomdoc(&["explain", "-", "--format", "json"], Some(&log));
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["incidents"][0]["verdict"], "container_oom_kill");
    assert_eq!(v["incidents"][0]["victim"]["pid"], 30912);
    assert_eq!(v["incidents"][0]["evidence"][0]["file"], "-");
}

#[test]
fn exit_codes() {
    let (code, out) = oomdoc(&["explain", "-"], Some(b"nothing here\n"));
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("verdict: unknown"));
    let (code, out) = oomdoc(&["explain", "missing.txt", "jvm/app_ooms.log"], None);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("verdict: jvm_oome"), "{out}");
    // The error is on stderr; nothing could be read: no verdict at all.
    assert!(!out.contains("missing.txt"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args(["explain", "missing.txt", "jvm/app_ooms.log"])
        .current_dir(FIX)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("oomdoc: error: missing.txt: "), "{err}");
    for args in [
        &["explain", "missing.txt"][..],
        &["explain", "/dev/zero", "missing.txt"],
    ] {
        let (code, out) = oomdoc(args, None);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(out, "", "{args:?}: nothing but the errors");
    }
}
