//! `oomdoc simulate --live NODE` against the fake API server: the node, its running pods (by
//! field selector) and their metrics are read and simulated as if saved to files.

#[path = "../../cluster/tests/support/fake_api.rs"]
mod fake_api;

use std::process::Output;

use fake_api::{fixtures, oomdoc, FakeApi, Route};
use serde_json::Value;

fn routes(metrics: bool) -> Vec<Route> {
    let m = Route::new("/apis/metrics.k8s.io/v1beta1/pods");
    vec![
        Route::new("/api/v1/nodes/worker-1").fixture(200, "api/node-worker-1.json"),
        Route::new("/api/v1/pods")
            .query(
                "fieldSelector=spec.nodeName=worker-1,status.phase!=Succeeded,status.phase!=Failed",
            )
            .fixture(200, "api/pods-on-worker-1.json"),
        if metrics {
            m.fixture(200, "api/metrics-pods.json")
        } else {
            m.fixture(404, "api/status-404.json")
        },
    ]
}

fn simulate(api: &FakeApi, dir: &std::path::Path, extra: &[&str]) -> Output {
    let kc = api.kubeconfig(dir);
    let mut args = vec![
        "simulate",
        "--live",
        "worker-1",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    oomdoc(&args)
}

#[test]
fn live_node_pods_and_metrics_are_simulated() {
    assert!(fixtures().join("api/node-worker-1.json").exists());
    let api = FakeApi::start(routes(true));
    let dir = tempfile::tempdir().unwrap();
    let o = simulate(&api, dir.path(), &["--grow", "shop/web-6b7f-q9zt2=+1Gi"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    // worker-1's allocatable from its Node object; its three running pods (the Failed one on
    // worker-2 and the pods of worker-2 are not listed by the field selector).
    assert_eq!(r["allocatable_bytes"], 4i64 << 30);
    assert_eq!(
        r["requests_bytes"],
        (2i64 << 30) + (512 << 20) + (256 << 20)
    );
    assert_eq!(r["limits_bytes"], (4i64 << 30) + (512 << 20) + (512 << 20));
    let order: Vec<&str> = r["eviction_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(order.len(), 3, "{order:?}");
    // web grows past its 512Mi limit: a container OOM kill comes first.
    assert_eq!(
        r["steps"][0]["kind"], "container_oom_kill",
        "{:#}",
        r["steps"]
    );
    assert!(r["steps"][0]["target"]
        .as_str()
        .unwrap()
        .starts_with("shop/web-6b7f-q9zt2"));
    let reqs = api.requests();
    assert!(
        reqs.iter()
            .any(|q| q.starts_with("GET /api/v1/nodes/worker-1")),
        "{reqs:#?}"
    );
    assert!(
        reqs.iter()
            .any(|q| q.contains("/apis/metrics.k8s.io/v1beta1/pods")),
        "{reqs:#?}"
    );
}

#[test]
fn without_metrics_usage_is_assumed_and_said() {
    let api = FakeApi::start(routes(false));
    let dir = tempfile::tempdir().unwrap();
    let o = simulate(&api, dir.path(), &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the metrics API answered 404"), "{err}");
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    let assumptions = r["assumptions"].to_string();
    assert!(assumptions.contains("request"), "{assumptions}");
}

#[test]
fn missing_node_exits_2_with_its_name() {
    let api = FakeApi::start(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let o = simulate(&api, dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("node worker-1"), "{err}");
}
