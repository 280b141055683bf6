//! Files written on the user's behalf (issue 11, "files are written safely"): `trend --svg`,
//! `--html` and `--record` never overwrite an input of the run, a symbolic link (without
//! `--force`), a directory, a device or a FIFO, and replace their target only when complete
//! (a temporary file beside it, renamed); temporary files (those, and `audit -`'s copy of stdin)
//! are removed when SIGINT, SIGTERM or SIGHUP ends oomdoc.

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{oomdoc_bin, workspace_root, Dir};

/// A Grafana export of 2304 samples (the README's example).
fn series_csv() -> Vec<u8> {
    std::fs::read(workspace_root().join("examples/trend/admin-7d9.csv")).unwrap()
}

/// The names in `dir`, sorted (hidden files too: the temporary files are hidden).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Waits until `ready` holds (or panics after 20 s, saying `what`).
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(20), "never {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal}");
}

#[test]
fn an_input_is_never_overwritten() {
    let d = Dir::new();
    let csv = series_csv();
    d.create("data.csv", &csv);
    std::fs::hard_link(d.path().join("data.csv"), d.path().join("hard.csv")).unwrap();
    std::os::unix::fs::symlink("data.csv", d.path().join("link.svg")).unwrap();
    for (args, output) in [
        (&["data.csv", "--svg", "data.csv"][..], "--svg data.csv"),
        (&["data.csv", "--html", "./data.csv"], "--html ./data.csv"),
        (&["data.csv", "--svg", "hard.csv"], "--svg hard.csv"),
        (&["hard.csv", "--svg", "data.csv"], "--svg data.csv"),
        // A link to the input: refused even with --force, which would only replace the link.
        (
            &["data.csv", "--svg", "link.svg", "--force"],
            "--svg link.svg",
        ),
    ] {
        let o = d.oomdoc().arg("trend").args(args).run();
        o.code(2);
        assert!(
            o.stderr.contains(output) && o.stderr.contains("an input of this run"),
            "{args:?}: {}",
            o.stderr
        );
        assert_eq!(o.stdout, "", "{args:?}: refused before reading");
        assert_eq!(std::fs::read(d.path().join("data.csv")).unwrap(), csv);
    }
    // Stdin redirected from the file itself.
    let o = Command::new(oomdoc_bin())
        .current_dir(d.path())
        .args(["trend", "-", "--svg", "data.csv"])
        .stdin(std::fs::File::open(d.path().join("data.csv")).unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("standard input"), "{err}");
    assert_eq!(std::fs::read(d.path().join("data.csv")).unwrap(), csv);
    assert!(std::fs::symlink_metadata(d.path().join("link.svg"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn two_outputs_in_one_file_are_refused() {
    let d = Dir::new();
    d.create("data.csv", series_csv());
    let o = d
        .oomdoc()
        .args(["trend", "data.csv", "--svg", "x.out", "--html", "./x.out"])
        .run();
    o.code(2);
    assert!(o.stderr.contains("name the same file"), "{}", o.stderr);
    assert_eq!(entries(d.path()), ["data.csv"]);
}

#[test]
fn a_symlink_is_refused_without_force() {
    let d = Dir::new();
    d.create("data.csv", series_csv());
    d.create("precious.txt", "keep me\n");
    std::os::unix::fs::symlink("precious.txt", d.path().join("chart.svg")).unwrap();
    let o = d
        .oomdoc()
        .args(["trend", "data.csv", "--svg", "chart.svg"])
        .run();
    o.code(2);
    assert!(
        o.stderr.contains("symbolic link") && o.stderr.contains("--force"),
        "{}",
        o.stderr
    );
    let link = std::fs::symlink_metadata(d.path().join("chart.svg")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(
        std::fs::read_to_string(d.path().join("precious.txt")).unwrap(),
        "keep me\n"
    );
    assert_eq!(entries(d.path()), ["chart.svg", "data.csv", "precious.txt"]);
}

#[test]
fn force_replaces_the_link_not_where_it_points() {
    let d = Dir::new();
    d.create("data.csv", series_csv());
    d.create("precious.txt", "keep me\n");
    std::os::unix::fs::symlink("precious.txt", d.path().join("chart.svg")).unwrap();
    std::os::unix::fs::symlink("nowhere.html", d.path().join("report.html")).unwrap();
    let o = d
        .oomdoc()
        .args(["trend", "data.csv", "--force"])
        .args(["--svg", "chart.svg", "--html", "report.html"])
        .run();
    o.code(0);
    for (name, start) in [("chart.svg", "<svg"), ("report.html", "<!DOCTYPE html")] {
        let path = d.path().join(name);
        assert!(
            std::fs::symlink_metadata(&path).unwrap().is_file(),
            "{name}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.trim_start().starts_with(start), "{name}: {text:.80}");
    }
    assert_eq!(
        std::fs::read_to_string(d.path().join("precious.txt")).unwrap(),
        "keep me\n"
    );
    // The dangling link's target was not created.
    assert_eq!(
        entries(d.path()),
        ["chart.svg", "data.csv", "precious.txt", "report.html"]
    );
}

#[test]
fn the_target_is_replaced_whole_and_keeps_its_permissions() {
    let d = Dir::new();
    d.create("data.csv", series_csv());
    let chart = d.create("chart.svg", "old chart\n");
    std::fs::set_permissions(&chart, std::fs::Permissions::from_mode(0o640)).unwrap();
    // A second name of the old file: a write in place would change it, a rename does not.
    std::fs::hard_link(&chart, d.path().join("previous.svg")).unwrap();
    let inode = std::fs::metadata(&chart).unwrap().ino();
    let o = d
        .oomdoc()
        .args(["trend", "data.csv", "--svg", "chart.svg"])
        .run();
    o.code(0);
    let meta = std::fs::metadata(&chart).unwrap();
    assert_ne!(meta.ino(), inode, "a new file renamed into place");
    assert_eq!(meta.mode() & 0o777, 0o640, "the old file's permissions");
    assert!(std::fs::read_to_string(&chart).unwrap().contains("</svg>"));
    assert_eq!(
        std::fs::read_to_string(d.path().join("previous.svg")).unwrap(),
        "old chart\n"
    );
    assert_eq!(entries(d.path()), ["chart.svg", "data.csv", "previous.svg"]);
}

#[test]
fn a_bad_output_is_refused_before_any_work_and_leaves_nothing() {
    let d = Dir::new();
    d.create("data.csv", series_csv());
    let o = d
        .oomdoc()
        .args(["trend", "data.csv", "--svg", "chart.svg"])
        .args(["--html", "missing/report.html"])
        .run();
    o.code(2);
    assert!(o.stderr.contains("missing"), "{}", o.stderr);
    assert_eq!(o.stdout, "", "refused before reading");
    assert_eq!(
        entries(d.path()),
        ["data.csv"],
        "no chart, no temporary file"
    );
    // A run failing after the output was started: no target, no temporary file.
    d.create("bad.csv", b"\0\x01\x02binary");
    let o = d
        .oomdoc()
        .args(["trend", "bad.csv", "--svg", "chart.svg"])
        .run();
    o.code(2);
    assert_eq!(entries(d.path()), ["bad.csv", "data.csv"]);
}

#[test]
fn directories_devices_and_fifos_are_refused() {
    let d = Dir::new();
    d.create("data.csv", series_csv());
    std::fs::create_dir(d.path().join("sub")).unwrap();
    let fifo = d.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (target, says) in [
        ("sub", "is a directory"),
        (".", "is a directory"),
        ("/dev/null", "not a regular file"),
        // Today's write blocks on it until a reader comes.
        ("fifo", "not a regular file"),
    ] {
        for flag in ["--svg", "--html"] {
            let o = d
                .oomdoc()
                .args(["trend", "data.csv", flag, target])
                .timeout(Duration::from_secs(20))
                .run();
            o.code(2);
            assert!(o.stderr.contains(says), "{flag} {target}: {}", o.stderr);
            assert_eq!(o.stdout, "", "{flag} {target}: refused before reading");
        }
    }
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(entries(d.path()), ["data.csv", "fifo", "sub"]);
    assert_eq!(entries(&d.path().join("sub")), Vec::<String>::new());
}

#[test]
fn audit_stdin_copy_is_removed_on_sigint_sigterm_sighup() {
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let tmp = Dir::new();
        let mut child = Command::new(oomdoc_bin())
            .args(["audit", "-"])
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Held open: oomdoc is still copying stdin when the signal comes.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"apiVersion: v1\nkind: Pod\n").unwrap();
        wait_until("spooled stdin", || !entries(tmp.path()).is_empty());
        send(&child, signal);
        let o = child.wait_with_output().unwrap();
        drop(stdin);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "SIG{signal}: {err}");
        assert_eq!(
            entries(tmp.path()),
            Vec::<String>::new(),
            "SIG{signal} left the copy of stdin"
        );
    }
}

/// A cgroup v2 directory as `trend --cgroup` reads it.
fn fake_cgroup(d: &Dir) -> String {
    d.create("cg/memory.current", "104857600\n");
    d.create("cg/memory.stat", "anon 83886080\nfile 10485760\nshmem 0\n");
    d.create("cg/memory.max", "max\n");
    d.path().join("cg").to_string_lossy().into_owned()
}

#[test]
fn a_recording_replaces_the_target_when_sampling_ends_by_a_signal() {
    // Ctrl-C stops the sampling (the report follows, exit 0); SIGTERM and SIGHUP end oomdoc.
    for (signal, code) in [("INT", 0), ("TERM", 143), ("HUP", 129)] {
        let d = Dir::new();
        let cg = fake_cgroup(&d);
        let rec = d.create("out/node.csv", "an earlier recording\n");
        let out = d.path().join("out");
        let child = Command::new(oomdoc_bin())
            .args([
                "trend",
                "--cgroup-dir",
                &cg,
                "--every",
                "50ms",
                "--for",
                "10m",
            ])
            .args(["--format", "json", "--record"])
            .arg(&rec)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Rows go to a file beside the target; the target is untouched meanwhile.
        let temp_rows = || {
            entries(&out)
                .iter()
                .filter(|n| n.as_str() != "node.csv")
                .map(|n| std::fs::read_to_string(out.join(n)).unwrap_or_default())
                .map(|t| t.lines().count())
                .max()
                .unwrap_or(0)
        };
        wait_until("recording beside the target", || temp_rows() >= 4);
        assert_eq!(
            std::fs::read_to_string(&rec).unwrap(),
            "an earlier recording\n"
        );
        send(&child, signal);
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "SIG{signal}: {err}");
        assert_eq!(
            entries(&out),
            ["node.csv"],
            "SIG{signal}: no temporary file"
        );
        let text = std::fs::read_to_string(&rec).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("time,usage (bytes)"), "{text}");
        let fields = header.split(',').count();
        let rows: Vec<&str> = lines.collect();
        assert!(rows.len() >= 3, "SIG{signal}: {text}");
        assert!(text.ends_with('\n'), "SIG{signal}: whole rows");
        for r in &rows {
            assert_eq!(r.split(',').count(), fields, "SIG{signal}: {r}");
            assert!(r.contains(",104857600,"), "SIG{signal}: {r}");
        }
        if code == 0 {
            assert!(err.contains("stopped by Ctrl-C"), "{err}");
        }
        // It reads back.
        let back = d
            .oomdoc()
            .args(["trend", "--format", "json"])
            .arg(&rec)
            .run();
        back.code(0);
        assert_eq!(
            back.json()["series"][0]["samples"].as_u64(),
            Some(rows.len() as u64),
            "SIG{signal}"
        );
    }
}
