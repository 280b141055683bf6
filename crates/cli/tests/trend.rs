//! `oomdoc trend` end to end through the binary: a Grafana CSV export, a saved Prometheus
//! query_range response, a real Prometheus server (skipped through `oomdoc_testkit::skip` when
//! the `prometheus` package is missing), a live cgroup sampled with --record and read back, the
//! chart and report files, and the exit status 2 with a clear message on bad input.

#[path = "../../metrics/tests/support/prom_server.rs"]
mod prom_server;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn oomdoc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .arg("trend")
        .args(args)
        .env_remove("OOMDOC_PROMETHEUS_TOKEN")
        .output()
        .expect("run oomdoc")
}

fn json(o: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("JSON: {e}\n{text}\n{}", String::from_utf8_lossy(&o.stderr)))
}

fn repo(p: &str) -> String {
    format!("{}/../../{p}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn grafana_csv_kernel_leak_with_chart_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("admin.svg");
    let html = dir.path().join("admin.html");
    let o = oomdoc(&[
        &repo("examples/trend/admin-7d9.csv"),
        "--format",
        "json",
        "--svg",
        &svg.to_string_lossy(),
        "--html",
        &html.to_string_lossy(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["verdict"], "leak", "{v:#}");
    assert_eq!(v["growing_component"], "kernel", "{v:#}");
    assert_eq!(
        v["limit_bytes"].as_f64(),
        Some(4.0 * 1073741824.0),
        "limit from the export's limit column"
    );
    let svg_text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(svg_text.contains("<svg") && svg_text.contains("</svg>"));
    let html_text = std::fs::read_to_string(&html).expect("html written");
    assert!(html_text.contains("<html") && html_text.contains("<svg"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote"));
}

#[test]
fn text_output_and_limit_flag() {
    let o = oomdoc(&[&repo("examples/trend/admin-7d9.csv"), "--limit", "3Gi"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("verdict: leak"), "{text}");
    assert!(
        text.contains("limit 3Gi"),
        "--limit wins over the export's limit: {text}"
    );
}

#[test]
fn saved_prometheus_query_range_response() {
    let o = oomdoc(&[
        &repo("crates/metrics/tests/fixtures/prometheus_query_range.json"),
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let restarts = v["restarts"].as_array().expect("restarts");
    assert!(restarts.iter().any(|r| r["reason"] == "OOMKilled"), "{v:#}");
    assert_eq!(v["jvm_max_heap_bytes"].as_f64(), Some(768.0 * 1048576.0));
    assert_eq!(v["limit_bytes"].as_f64(), Some(1073741824.0));
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    for (args, want) in [
        (
            vec!["/nonexistent/metrics.csv"],
            "cannot open /nonexistent/metrics.csv",
        ),
        (vec![], "nothing to read"),
        (vec!["--pod", "shop/a"], "add --prometheus"),
        (vec!["--prometheus", "http://127.0.0.1:9"], "needs --pod"),
        (
            vec!["--prometheus", "http://127.0.0.1:9", "--pod", "admin"],
            "NAMESPACE/POD",
        ),
        (
            vec![
                "--prometheus",
                "http://127.0.0.1:9",
                "--pod",
                "a/b",
                "--since",
                "soon",
            ],
            "--since",
        ),
        (vec!["x.csv", "--unit", "furlong"], "unknown unit"),
    ] {
        let o = oomdoc(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.csv");
    std::fs::write(&junk, "hello\nworld\n").unwrap();
    let o = oomdoc(&[&junk.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no memory series"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn unreachable_prometheus_exits_2() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let o = oomdoc(&[
        "--prometheus",
        &url,
        "--pod",
        "shop/admin-7d9",
        "--request-timeout",
        "5s",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("cannot reach {url}")), "{err}");

    // HTTPS with a CA file that holds no certificate: refused before any request.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ca.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let o = oomdoc(&[
        "--prometheus",
        "https://127.0.0.1:1",
        "--pod",
        "shop/admin-7d9",
        "--ca-file",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--ca-file holds no PEM certificate"), "{err}");
}

#[test]
fn real_prometheus_end_to_end() {
    let s = match prom_server::start() {
        Ok(s) => s,
        Err(why) => {
            oomdoc_testkit::skip("real Prometheus end to end", &why);
            return;
        }
    };
    oomdoc_testkit::real("trend", &format!("end to end against Prometheus {}", s.url));
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "abc\n").unwrap();
    let svg = dir.path().join("admin.svg");
    let o = oomdoc(&[
        "--prometheus",
        &s.url,
        "--pod",
        "shop/admin-7d9",
        "--since",
        "7h",
        "--step",
        "60s",
        "--bearer-token-file",
        &token.to_string_lossy(),
        "--format",
        "json",
        "--svg",
        &svg.to_string_lossy(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    eprintln!(
        "real Prometheus end to end: verdict {} growing {} ({})",
        v["verdict"], v["growing_component"], v["reason"]
    );
    assert_eq!(v["verdict"], "leak", "{v:#}");
    assert_eq!(v["growing_component"], "rss", "{v:#}");
    assert_eq!(v["limit_bytes"].as_f64(), Some(1073741824.0));
    let names: Vec<&str> = v["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["name"].as_str())
        .collect();
    assert!(
        names.iter().all(|n| n.contains(r#"container="admin""#)),
        "{names:?}"
    );
    assert!(Path::new(&svg).exists());
}

/// The process's own memory cgroup (v1), or why there is none.
fn own_memory_cgroup() -> Result<String, String> {
    oomdoc_testkit::own_memory_cgroup().map(|d| d.to_string_lossy().into_owned())
}

#[test]
fn live_cgroup_recorded_and_read_back() {
    let cg = match own_memory_cgroup() {
        Ok(d) => d,
        Err(why) => {
            oomdoc_testkit::skip("live cgroup", &why);
            return;
        }
    };
    oomdoc_testkit::real("trend", &format!("sampling {cg} recorded and read back"));
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("node.csv");
    let o = oomdoc(&[
        "--cgroup-dir",
        &cg,
        "--every",
        "200ms",
        "--for",
        "1s",
        "--record",
        &rec.to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let live_samples = v["series"][0]["samples"].as_u64().unwrap();
    assert_eq!(live_samples, 6, "one at 0, 200, ..., 1000 ms");
    let text = std::fs::read_to_string(&rec).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("time,usage (bytes),working_set (bytes),rss (bytes)"));
    assert_eq!(lines.count(), 6);
    let back = json(&oomdoc(&[&rec.to_string_lossy(), "--format", "json"]));
    let comps = |v: &serde_json::Value| -> Vec<String> {
        v["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["component"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        comps(&back),
        comps(&v),
        "the record reads back as the same series"
    );
    assert_eq!(back["series"][0]["samples"], v["series"][0]["samples"]);
}

#[test]
fn ctrl_c_stops_live_sampling_and_analyses_what_was_read() {
    let cg = match own_memory_cgroup() {
        Ok(d) => d,
        Err(why) => {
            oomdoc_testkit::skip("ctrl-c", &why);
            return;
        }
    };
    oomdoc_testkit::real("trend", &format!("sampling {cg} stopped by SIGINT"));
    let child = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args([
            "trend",
            "--cgroup-dir",
            &cg,
            "--every",
            "100ms",
            "--for",
            "10m",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let started = std::time::Instant::now();
    let o = child.wait_with_output().unwrap();
    assert!(
        started.elapsed().as_secs() < 5,
        "Ctrl-C did not stop the sampling"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("stopped by Ctrl-C"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = v["series"][0]["samples"].as_u64().unwrap();
    assert!((5..=20).contains(&n), "{n} samples in ~1.2 s at 100 ms");
    // Under a minute of data: said so, not guessed.
    assert_eq!(v["verdict"], "insufficient_data");
}
