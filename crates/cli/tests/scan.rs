//! `oomdoc scan`: offline from a `kubectl get pods,nodes,events -A -o json` dump, and live
//! against a fake API server (pagination, metrics API absent, 401/403, unreachable).

#[path = "../../cluster/tests/support/fake_api.rs"]
mod fake_api;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use fake_api::{closed_port, fixture, fixtures, kubeconfig_for, oomdoc, FakeApi, Route};
use serde_json::Value;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn keys(report: &Value) -> Vec<String> {
    report["containers_at_risk"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let c = r["container"].as_str().unwrap_or("");
            let base = format!(
                "{}/{}",
                r["namespace"].as_str().unwrap(),
                r["pod"].as_str().unwrap()
            );
            if c.is_empty() {
                base
            } else {
                format!("{base}/{c}")
            }
        })
        .collect()
}

fn dump() -> String {
    fixtures().join("dump.json").to_string_lossy().into_owned()
}

#[test]
fn offline_dump_is_ranked_by_the_documented_score() {
    let o = oomdoc(&["scan", "--from", &dump(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    // "now" is the dump's latest time: the cache-0 eviction event at 00:10.
    assert_eq!(r["now"], "2026-11-28T00:10:00Z");
    assert_eq!(
        keys(&r),
        [
            "shop/admin-7d9c8b-x2k4q/admin",
            "shop/search-0/search",
            "batch/report-28371-zz8xk/report",
            "shop/cache-0",
            "shop/cart-5f6d9-abcde/cart",
        ]
    );
    let rows = r["containers_at_risk"].as_array().unwrap();
    // admin: OOM kill 30 min before now (1000) + 7 restarts (70) + worst finding info (10).
    assert_eq!(rows[0]["risk"]["score"], 1080);
    assert_eq!(rows[0]["risk"]["reasons"][0], "OOM-killed 30m ago");
    assert_eq!(rows[0]["qos"], "Burstable");
    // No heap flags, 4Gi limit: HotSpot takes 1/4 of the container, 1 GiB.
    assert_eq!(rows[0]["jvm_max_heap_bytes"], 1u64 << 30);
    assert_eq!(rows[0]["memory_limit_bytes"], 4i64 << 30);
    assert_eq!(rows[0]["last_oom_kill_at"], "2026-11-27T23:40:00Z");
    // search: a 6-day-old kill (500), -Xmx900m in a 1Gi limit: the JVM's footprint is over it.
    assert_eq!(rows[1]["jvm_max_heap_bytes"], 900u64 << 20);
    assert!(rows[1]["risk"]["reasons"][1]
        .as_str()
        .unwrap()
        .starts_with("JVM footprint over the limit"));
    assert_eq!(rows[2]["evicted"], true);
    assert_eq!(rows[2]["oom_events"], 1);
    assert!(rows[2]["message"]
        .as_str()
        .unwrap()
        .contains("Container report was using 2145Mi"));
    // cache-0 is gone: only its Evicted event names it.
    assert_eq!(rows[3]["from_events_only"], true);
    assert_eq!(rows[4]["restarts"], 3);
    assert_eq!(rows[4]["risk"]["score"], 30);
    // web (healthy) is not listed, but counts on its node.
    let nodes = r["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["name"], "worker-1");
    // admin 4Gi + cart 512Mi + web 512Mi over 4Gi allocatable.
    assert_eq!(nodes[0]["limits_bytes"], 5i64 << 30);
    assert_eq!(nodes[0]["overcommit"], 1.25);
    assert_eq!(
        (
            nodes[0]["guaranteed"].as_u64(),
            nodes[0]["burstable"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(nodes[0]["oom_events"], 2);
    // The evicted pod no longer holds memory on worker-2.
    assert_eq!(nodes[1]["pods"], 1);
    assert_eq!(nodes[1]["memory_pressure"], true);
    assert_eq!(r["pods"], 5);
    assert_eq!(r["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn offline_text_table_and_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args(["scan", "--from", "-", "--top", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(fixture("dump.json").as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("RANK  RISK  CONTAINER"), "{text}");
    assert!(
        lines[1].starts_with(
            "1     1080  shop/admin-7d9c8b-x2k4q/admin  Burstable   2Gi      4Gi    1Gi"
        ),
        "{text}"
    );
    assert!(lines[2].starts_with("2     "), "{text}");
    assert!(lines[2].contains("shop/search-0/search"));
    assert_eq!(lines[3], "... and 3 more (--top 0 shows all)");
    assert!(
        text.contains("worker-1  4Gi          5Gi     125%"),
        "{text}"
    );
    assert!(text.contains("5 pods, 5 containers, 2 nodes, 3 OOM/eviction events read; 5 containers listed, 4 OOM-killed or evicted"));
}

#[test]
fn offline_bad_json_is_reported_with_its_position_after_the_items_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = fixture("dump.json");
    // Cut inside the third pod.
    let cut = text.find("\"name\": \"search-0\"").unwrap();
    let p = dir.path().join("cut.json");
    std::fs::write(&p, &text[..cut]).unwrap();
    let o = oomdoc(&["scan", "--from", p.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(r["pods"], 2);
    assert!(keys(&r).contains(&"shop/admin-7d9c8b-x2k4q/admin".to_string()));
    let err = r["errors"][0].as_str().unwrap();
    assert!(err.starts_with(&format!("{}: line ", p.display())), "{err}");
    let o = oomdoc(&["scan", "--from", "/nonexistent/dump.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/dump.json: No such file"),
        "{}",
        stderr(&o)
    );
}

fn cluster_routes(pods_path: &str) -> Vec<Route> {
    let t1 = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ODEyNDAsInN0YXJ0Ijoic2hvcC9jYXJ0In0";
    let t2 = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ODEyNDAsInN0YXJ0Ijoic2hvcC93ZWIifQ";
    vec![
        Route::new(pods_path)
            .query(&format!("continue={t1}"))
            .fixture(200, "api/pods-page2.json"),
        Route::new(pods_path)
            .query(&format!("continue={t2}"))
            .fixture(200, "api/pods-page3.json"),
        Route::new(pods_path)
            .query("limit=500")
            .fixture(200, "api/pods-page1.json"),
        Route::new("/api/v1/nodes").fixture(200, "api/nodes.json"),
        Route::new("/api/v1/events")
            .query("fieldSelector=reason=OOMKilling")
            .fixture(200, "api/events-oomkilling.json"),
        Route::new("/api/v1/events")
            .query("fieldSelector=reason=Evicted")
            .fixture(200, "api/events-evicted.json"),
        Route::new("/api/v1/events").fixture(200, "api/events-empty.json"),
        Route::new("/apis/metrics.k8s.io/v1beta1/pods").fixture(404, "api/status-404.json"),
    ]
}

#[test]
fn live_scan_reads_every_page_and_ranks_like_the_dump() {
    let api = FakeApi::start(cluster_routes("/api/v1/pods"));
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "scan",
        "-A",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    let k = keys(&r);
    // The live "now" is the clock, so admin's kill may be recent (1080, first) or not (580,
    // third: below search's 890 and report's 700, whose BestEffort pod is an error finding);
    // the rest is fixed.
    let admin = "shop/admin-7d9c8b-x2k4q/admin";
    let mut rest = k.clone();
    rest.retain(|c| c != admin);
    assert_eq!(k.len(), 5, "{k:?}");
    assert!(k[0] == admin || k[2] == admin, "{k:?}");
    assert_eq!(
        rest,
        [
            "shop/search-0/search",
            "batch/report-28371-zz8xk/report",
            "shop/cache-0",
            "shop/cart-5f6d9-abcde/cart"
        ]
    );
    assert_eq!(r["pods"], 5);
    assert_eq!(r["nodes"][0]["overcommit"], 1.25);
    assert!(r["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("the metrics API (metrics.k8s.io) is not installed (404)"));
    let reqs = api.requests();
    let pods: Vec<_> = reqs
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/pods"))
        .collect();
    assert_eq!(pods.len(), 3, "{reqs:#?}");
    assert!(pods.iter().all(|r| r.contains("limit=500")));
    assert!(pods[1].contains(
        "continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ODEyNDAsInN0YXJ0Ijoic2hvcC9jYXJ0In0"
    ));
    assert!(pods[2].contains(
        "continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ODEyNDAsInN0YXJ0Ijoic2hvcC93ZWIifQ"
    ));
    // Only memory events are listed, by field selector.
    for reason in ["OOMKilling", "SystemOOM", "Evicted", "EvictionThresholdMet"] {
        assert!(reqs
            .iter()
            .any(|r| r.contains(&format!("fieldSelector=reason={reason}"))));
    }
}

#[test]
fn live_scan_of_a_namespace_uses_measured_usage() {
    let mut routes = cluster_routes("/api/v1/namespaces/shop/pods");
    routes.retain(|r| !r.path.starts_with("/apis/metrics"));
    routes.push(
        Route::new("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods")
            .fixture(200, "api/metrics-pods.json"),
    );
    for r in &mut routes {
        if r.path == "/api/v1/events" {
            r.path = "/api/v1/namespaces/shop/events".into();
        }
    }
    let api = FakeApi::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    // The context's namespace is shop.
    let o = oomdoc(&[
        "scan",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    let cart = r["containers_at_risk"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["pod"] == "cart-5f6d9-abcde")
        .expect("cart listed");
    assert_eq!(cart["usage_bytes"], 498u64 << 20);
    // 498Mi of 512Mi: 3% headroom (200) + 3 restarts (30).
    assert_eq!(cart["risk"]["score"], 230);
    assert_eq!(cart["risk"]["reasons"][0], "3% headroom (working set)");
    assert!(r["notes"].as_array().unwrap().is_empty());
}

#[test]
fn forbidden_names_the_missing_permission() {
    let api = FakeApi::start(vec![
        Route::new("/apis/metrics.k8s.io/v1beta1/pods").fixture(404, "api/status-404.json"),
        Route::new("/api/v1/pods").fixture(403, "api/status-403-pods.json"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&["scan", "-A", "--kubeconfig", kc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(o.stdout.len(), 0);
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("oomdoc: error: 403 Forbidden: cannot list pods: pods is forbidden: User \"x\" cannot list resource \"pods\" in API group \"\" at the cluster scope"), "{e}");
    assert!(e.contains("apply deploy/rbac.yaml"), "{e}");
}

#[test]
fn nodes_forbidden_is_a_note_not_a_failure() {
    let mut routes = cluster_routes("/api/v1/pods");
    routes.retain(|r| r.path != "/api/v1/nodes");
    routes.push(Route::new("/api/v1/nodes").fixture(403, "api/status-403-nodes.json"));
    let api = FakeApi::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&["scan", "-A", "--kubeconfig", kc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("note: 403 Forbidden: cannot list nodes: nodes is forbidden"),
        "{text}"
    );
    assert!(text.contains("without nodes there is no allocatable memory"));
    // Pods still count on their nodes; without allocatable there is no ratio.
    assert!(text.contains("worker-1  -            5Gi     -"), "{text}");
}

#[test]
fn unauthorized_and_unreachable_are_one_line_errors() {
    let api = FakeApi::start(vec![
        Route::new("/apis/metrics.k8s.io/v1beta1/pods").fixture(401, "api/status-401.json"),
        Route::new("/api/v1/pods").fixture(401, "api/status-401.json"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&["scan", "-A", "--kubeconfig", kc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.starts_with(&format!(
            "oomdoc: error: 401 Unauthorized from http://127.0.0.1:{}",
            api.port
        )),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1);

    let port = closed_port();
    let kc = kubeconfig_for(&format!("http://127.0.0.1:{port}"), dir.path());
    let o = oomdoc(&[
        "scan",
        "-A",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--request-timeout",
        "5s",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.starts_with(&format!(
            "oomdoc: error: cannot reach the API server at http://127.0.0.1:{port}: "
        )),
        "{e}"
    );
    assert!(e.to_lowercase().contains("connection refused"), "{e}");
    assert_eq!(e.lines().count(), 1);

    let o = oomdoc(&["scan", "-A", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .starts_with("oomdoc: error: no usable cluster configuration: /nonexistent/kubeconfig"),
        "{}",
        stderr(&o)
    );
}

/// What the API server answers for a continue token past etcd's compaction.
const EXPIRED: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{"continue":"ENCODEDCONTINUE"},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.","reason":"Expired","code":410}"#;

#[test]
fn live_scan_starts_over_when_a_continue_token_expires() {
    let mut routes = cluster_routes("/api/v1/pods");
    let t2 = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ODEyNDAsInN0YXJ0Ijoic2hvcC93ZWIifQ";
    routes[1] = Route::new("/api/v1/pods")
        .query(&format!("continue={t2}"))
        .json(410, EXPIRED)
        .fixture(200, "api/pods-page3.json");
    let api = FakeApi::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "scan",
        "-A",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    // Every pod once: the pages read before the 410 are read again and skipped by UID.
    assert_eq!(r["pods"], 5, "{r:#}");
    let mut k = keys(&r);
    k.sort();
    k.dedup();
    assert_eq!(k.len(), 5, "{k:?}");
    let pods: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("GET /api/v1/pods"))
        .collect();
    // page 1, page 2, page 3 (410), page 1, page 2, page 3.
    assert_eq!(pods.len(), 6, "{pods:#?}");
    assert!(!pods[3].contains("continue="), "{pods:#?}");
}

/// `scan -f json | head -c 10`: a closed pipe is not an error (the JSON writer's broken pipe
/// came back through serde_json and exited 2, the text writer's exited 0).
#[test]
fn a_closed_pipe_ends_scan_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<String> = (0..3000)
        .map(|i| format!(r#"{{"kind":"Pod","metadata":{{"name":"p{i}","namespace":"ns","uid":"u{i}"}},"spec":{{"nodeName":"n1","containers":[{{"name":"app","image":"x","resources":{{"limits":{{"memory":"1Gi"}}}}}}]}},"status":{{"phase":"Running","containerStatuses":[{{"name":"app","restartCount":3,"lastState":{{"terminated":{{"exitCode":137,"reason":"OOMKilled"}}}},"state":{{"running":{{}}}}}}]}}}}"#))
        .collect();
    let dump = dir.path().join("dump.json");
    std::fs::write(
        &dump,
        format!(r#"{{"kind":"List","items":[{}]}}"#, items.join(",")),
    )
    .unwrap();
    for format in ["json", "text"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_oomdoc"))
            .args(["scan", "--top", "0", "-f", format, "--from"])
            .arg(&dump)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The read end is dropped here: the rest of the output meets a closed pipe.
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `--top 5` on 20,000 pods (a raw PodList, as the API returns it): the scan holds only the rows
/// that can still be among the 5 riskiest, and reports the same 5, in the same order, with the
/// same totals as ranking every row (`--top 0`).
#[test]
fn top_n_of_a_large_dump_is_the_head_of_the_full_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<String> = (0..20_000u32)
        .map(|i| {
            let restarts = (i * 7919) % 60;
            let last = if i % 97 == 0 {
                let day = 1 + i % 9;
                format!(r#","lastState":{{"terminated":{{"exitCode":137,"reason":"OOMKilled","finishedAt":"2026-01-0{day}T00:00:00Z"}}}}"#)
            } else {
                String::new()
            };
            let status = if i % 501 == 0 {
                r#"{"phase":"Failed","reason":"Evicted","message":"The node was low on memory."}"#.to_string()
            } else {
                format!(r#"{{"phase":"Running","containerStatuses":[{{"name":"app","restartCount":{restarts},"state":{{"running":{{}}}}{last}}}]}}"#)
            };
            format!(r#"{{"metadata":{{"name":"p{i:05}","namespace":"ns{}","uid":"u{i}"}},"spec":{{"nodeName":"n{}","containers":[{{"name":"app","image":"x","resources":{{"limits":{{"memory":"1Gi"}}}}}}]}},"status":{status}}}"#, i % 3, i % 10)
        })
        .collect();
    let dump = dir.path().join("pods.json");
    std::fs::write(
        &dump,
        format!(
            r#"{{"kind":"PodList","apiVersion":"v1","items":[{}]}}"#,
            items.join(",")
        ),
    )
    .unwrap();
    let dump = dump.to_string_lossy().into_owned();
    let json = |top: &str| -> Value {
        let o = oomdoc(&["scan", "--from", &dump, "-f", "json", "--top", top]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).expect("json")
    };
    let (all, top) = (json("0"), json("5"));
    let rows = all["containers_at_risk"].as_array().unwrap();
    assert_eq!(rows.len(), 19_671);
    let mut want = all.clone();
    want["containers_at_risk"] = Value::Array(rows[..5].to_vec());
    assert_eq!(top, want);
    // The text counts every container, also those left out.
    let text = |top: &str| stdout(&oomdoc(&["scan", "--from", &dump, "--top", top]));
    let (all, top) = (text("0"), text("5"));
    let summary = "20000 pods, 20000 containers, 0 nodes, 0 OOM/eviction events read; 19671 containers listed, 246 OOM-killed or evicted";
    assert!(all.contains(summary) && top.contains(summary), "{top}");
    assert!(
        top.contains("\n... and 19666 more (--top 0 shows all)\n"),
        "{top}"
    );
    let names = |t: &str| -> Vec<String> {
        t.lines()
            .skip(1)
            .take(5)
            .map(|l| l.split_whitespace().nth(2).unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&top), names(&all));
}
