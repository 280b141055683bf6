//! Limits by design (issue 11), each with generated input past it: a line or a JSON file past a
//! reader's cap is an error when the cap is passed (the rest of a stream is not read), files
//! read whole must be regular and small (a FIFO hung the read, `/dev/zero` filled memory), a
//! log line without end is not held, and `scan --top` holds only the rows it can show.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::util::*;

/// Writes `head`, then `fill` without end (chunk by chunk) until the reader closes the pipe or
/// `max` bytes were written; the count written is left in the returned counter.
fn endless(c: &mut TestCommand, head: Vec<u8>, fill: u8, max: u64) -> Arc<AtomicU64> {
    let written = Arc::new(AtomicU64::new(0));
    let w = written.clone();
    c.stdin_with(move |pipe| {
        if pipe.write_all(&head).is_err() {
            return;
        }
        let chunk = vec![fill; 1 << 16];
        let mut n = head.len() as u64;
        while n < max && pipe.write_all(&chunk).is_ok() {
            n += chunk.len() as u64;
            w.store(n, Ordering::Relaxed);
        }
    });
    written
}

#[test]
fn trend_stops_at_a_csv_line_past_1_mib() {
    let d = Dir::new();
    let mut c = d.hostile();
    c.args(["trend", "-"]).timeout(Duration::from_secs(30));
    // 512 MiB if it were read to the end; the reader stops past 1 MiB.
    let written = endless(
        &mut c,
        b"time,rss\n1714557600,1\n".to_vec(),
        b'7',
        512 << 20,
    );
    let o = c.run();
    o.code(2);
    assert!(
        o.stderr.contains("cannot read -: line 3 longer than 1Mi"),
        "{}",
        o.stderr
    );
    let w = written.load(Ordering::Relaxed);
    assert!(w < 64 << 20, "{w} bytes written before the reader stopped");
}

#[test]
fn scan_from_stops_at_an_object_past_8_mib() {
    let d = Dir::new();
    let mut c = d.hostile();
    c.args(["scan", "--from", "-"])
        .timeout(Duration::from_secs(60));
    let head = br#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"}},{"kind":"Pod","metadata":{"name":"b","annotations":{"x":""#.to_vec();
    let written = endless(&mut c, head, b'y', 900 << 20);
    let o = c.run();
    o.code(2);
    assert!(o.stderr.contains("larger than 8Mi"), "{}", o.stderr);
    let w = written.load(Ordering::Relaxed);
    assert!(w < 64 << 20, "{w} bytes written before the reader stopped");
}

#[test]
fn trend_stops_at_a_json_file_past_64_mib() {
    let d = Dir::new();
    let mut c = d.hostile();
    c.args(["trend", "-"]).timeout(Duration::from_secs(60));
    let head = br#"{"status":"success","data":"#.to_vec();
    let written = endless(&mut c, head, b' ', 512 << 20);
    let o = c.run();
    o.code(2);
    assert!(
        o.stderr
            .contains("cannot read -: longer than 64Mi: the most a JSON file"),
        "{}",
        o.stderr
    );
    let w = written.load(Ordering::Relaxed);
    assert!(w < 128 << 20, "{w} bytes written before the reader stopped");
}

/// `trend --cgroup DIR` where `memory.stat` is a FIFO: an error naming it, at once (it waited
/// for a writer forever).
#[test]
fn trend_cgroup_with_a_fifo_is_refused_at_once() {
    let d = Dir::new();
    d.create("cg/memory.current", "1000\n");
    d.create("cg/memory.max", "max\n");
    let made = std::process::Command::new("mkfifo")
        .arg(d.path().join("cg/memory.stat"))
        .status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "mkfifo (coreutils) is needed"
    );
    let o = d
        .hostile()
        .args([
            "trend",
            "--cgroup-dir",
            "cg",
            "--every",
            "1s",
            "--for",
            "3s",
        ])
        .timeout(Duration::from_secs(20))
        .run();
    o.code(2);
    assert!(
        o.stderr.contains("memory.stat is not a regular file"),
        "{}",
        o.stderr
    );
    assert!(o.elapsed < Duration::from_secs(10), "{:?}", o.elapsed);
}

/// `--bearer-token-file` and `--ca-file` are read whole: a FIFO or device is refused, and so is
/// a token over 64 KiB or a CA file over 1 MiB, before any request.
#[test]
fn trend_token_and_ca_files_are_regular_and_small() {
    let d = Dir::new();
    let fifo = d.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "mkfifo (coreutils) is needed"
    );
    d.create("token", "x".repeat((64 << 10) + 1));
    d.create("ca.pem", "x".repeat((1 << 20) + 1));
    let cases: [(&str, &str, &str); 5] = [
        (
            "--bearer-token-file",
            "/dev/zero",
            "/dev/zero is not a regular file",
        ),
        ("--bearer-token-file", "fifo", "fifo is not a regular file"),
        ("--bearer-token-file", "token", "token is longer than 64Ki"),
        ("--ca-file", "fifo", "fifo is not a regular file"),
        ("--ca-file", "ca.pem", "ca.pem is longer than 1Mi"),
    ];
    for (flag, file, want) in cases {
        let mut c = d.hostile();
        c.args([
            "trend",
            "--prometheus",
            "http://127.0.0.1:1",
            "--query",
            "up",
        ])
        .args([flag, file])
        .timeout(Duration::from_secs(20));
        let o = c.run();
        o.code(2);
        assert!(
            o.stderr.contains(&format!("cannot read {flag} {file}")),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains(want), "{flag} {file}: {}", o.stderr);
    }
}

/// A streamed JVM log (past the 16 MiB read whole) with a 384 MiB line: read past, not held
/// (`read_until` held it whole before cutting it to 64 KiB); the kill after it is still found.
#[test]
fn explain_does_not_hold_a_log_line_without_end() {
    let d = Dir::new();
    let mut c = d.hostile();
    c.args(["explain", "-"]).timeout(Duration::from_secs(60));
    c.stdin_with(|pipe| {
        let mut text = String::new();
        while text.len() < 17 << 20 {
            text.push_str("2024-05-01T10:00:00Z INFO request handled in 12 ms by worker 7\n");
        }
        let line = vec![b'x'; 1 << 20];
        let ok = pipe.write_all(text.as_bytes()).is_ok()
            && (0..384).all(|_| pipe.write_all(&line).is_ok())
            && pipe
                .write_all(b"\njava.lang.OutOfMemoryError: Java heap space\n")
                .is_ok();
        assert!(ok, "the whole input was read");
    });
    let o = c.run();
    assert!(o.stdout.contains("OutOfMemoryError"), "{}", o.stdout);
    let peak = o.peak_rss_kib.expect("peak RSS");
    assert!(peak < 200 << 10, "peak RSS {peak} KiB");
}

/// `scan --top 5` holds the rows that can still be among the 5 riskiest, not every row: five
/// pods nothing can catch up with, then 60,000 restarting pods. It held all 60,005 rows, as
/// `--top 0` must (about 90 MB at its peak against under 40 MB now, in a debug build).
#[test]
fn scan_top_holds_only_the_rows_that_can_be_shown() {
    let d = Dir::new();
    let pod = |ns: &str, name: &str, restarts: u32, kill: &str, reason: &str| {
        format!(
            r#"{{"metadata":{{"name":"{name}","namespace":"{ns}"}},"spec":{{"nodeName":"n1","containers":[{{"name":"app","image":"x","resources":{{"limits":{{"memory":"1Gi"}}}}}}]}},"status":{{"phase":"Running"{reason},"containerStatuses":[{{"name":"app","restartCount":{restarts},"state":{{"running":{{}}}}{kill}}}]}}}}"#
        )
    };
    let kill = r#","lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","finishedAt":"2026-01-01T00:00:00Z"}}"#;
    let mut items: Vec<String> = (0..5)
        .map(|i| {
            pod(
                "prod",
                &format!("hot-{i}"),
                80,
                kill,
                r#","reason":"Evicted""#,
            )
        })
        .collect();
    items.extend((0..60_000).map(|i| pod("batch", &format!("job-{i:05}"), 1 + i % 10, "", "")));
    d.create(
        "pods.json",
        format!(r#"{{"kind":"PodList","items":[{}]}}"#, items.join(",")),
    );
    let run = |top: &str| {
        let o = d
            .hostile()
            .args(["scan", "--from", "pods.json", "-f", "json", "--top", top])
            .timeout(Duration::from_secs(120))
            .run();
        o.code(1);
        (o.peak_rss_kib.expect("peak RSS"), o.json())
    };
    let (all_kib, all) = run("0");
    let (top_kib, top) = run("5");
    assert_eq!(top["containers_at_risk"].as_array().unwrap().len(), 5);
    assert_eq!(
        top["containers_at_risk"].as_array().unwrap()[..],
        all["containers_at_risk"].as_array().unwrap()[..5]
    );
    assert!(
        top_kib + 30 * 1024 < all_kib,
        "--top 5 peaked at {top_kib} KiB, --top 0 at {all_kib} KiB"
    );
}
