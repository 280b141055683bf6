//! `oomdoc explain --pod NS/NAME` against a fake API server: the pod, its events (by
//! involvedObject, same UID only), its node's events and the previous log are gathered and
//! explained by the same engine and writers as files.

#[path = "../../cluster/tests/support/fake_api.rs"]
mod fake_api;

use fake_api::{fixture, fixtures, oomdoc, FakeApi, Route};
use serde_json::Value;

const POD: &str = "/api/v1/namespaces/shop/pods/admin-7d9c8b-x2k4q";

fn routes() -> Vec<Route> {
    vec![
        Route::new(&format!("{POD}/log"))
            .query("previous=true")
            .json(200, &fixture("api/log-admin-previous.txt")),
        Route::new(POD).fixture(200, "api/pod-admin.json"),
        Route::new("/api/v1/namespaces/shop/events")
            .query("fieldSelector=involvedObject.name=admin-7d9c8b-x2k4q")
            .fixture(200, "api/events-admin.json"),
        Route::new("/api/v1/events")
            .query("fieldSelector=involvedObject.kind=Node,involvedObject.name=worker-1")
            .fixture(200, "api/events-oomkilling.json"),
    ]
}

#[test]
fn gathers_the_evidence_and_explains_the_kill() {
    let api = FakeApi::start(routes());
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "explain",
        "--pod",
        "shop/admin-7d9c8b-x2k4q",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let e: Value = serde_json::from_slice(&o.stdout).expect("json");
    let inc = &e["incidents"][0];
    assert_eq!(inc["verdict"], "container_oom_kill", "{e:#}");
    let files: Vec<&str> = inc["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["file"].as_str())
        .collect();
    assert!(files.contains(&"pod/shop/admin-7d9c8b-x2k4q"), "{files:?}");
    let reqs = api.requests();
    let log = reqs.iter().find(|r| r.contains("/log?")).expect("log read");
    assert!(log.contains("container=admin"), "{log}");
    assert!(log.contains("previous=true"), "{log}");
    assert!(log.contains("tailLines=2000"), "{log}");
    assert!(reqs.iter().any(|r| r.starts_with(&format!("GET {POD}"))));
    // The Evicted event of an older pod with the same name (another UID) is not evidence.
    let text = serde_json::to_string(&e).unwrap();
    assert!(!text.contains("worker-9"), "{text}");
    assert_eq!(e["errors"].as_array().map_or(0, |a| a.len()), 0);
}

#[test]
fn same_verdict_as_the_files_a_user_would_save() {
    let api = FakeApi::start(routes());
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let live = oomdoc(&[
        "explain",
        "--pod",
        "admin-7d9c8b-x2k4q",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        live.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let pod = fixtures().join("api/pod-admin.json");
    let files = oomdoc(&["explain", pod.to_str().unwrap(), "--format", "json"]);
    let a: Value = serde_json::from_slice(&live.stdout).unwrap();
    let b: Value = serde_json::from_slice(&files.stdout).unwrap();
    assert_eq!(a["incidents"][0]["verdict"], b["incidents"][0]["verdict"]);
    for key in ["container", "container_id", "pod_uid"] {
        assert_eq!(
            a["incidents"][0]["victim"][key], b["incidents"][0]["victim"][key],
            "{key}"
        );
    }
    // Live, the node's OOMKilling event (found by time on the pod's node) adds the process.
    assert_eq!(a["incidents"].as_array().map(Vec::len), Some(1), "{a}");
    assert_eq!(a["incidents"][0]["victim"]["pid"], 4242);
    assert_eq!(a["incidents"][0]["victim"]["process"], "java");
}

#[test]
fn missing_pod_and_bad_arguments() {
    let api = FakeApi::start(vec![
        Route::new("/api/v1/namespaces/shop/pods/nope").fixture(404, "api/status-404-pod.json")
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "explain",
        "--pod",
        "shop/nope",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        e.trim_end(),
        "oomdoc: error: 404 Not Found: pod shop/nope: pods \"nope\" not found"
    );
    // Neither files nor --pod: a usage error.
    let o = oomdoc(&["explain"]);
    assert_eq!(o.status.code(), Some(2));
    let o = oomdoc(&[
        "explain",
        "--pod",
        "a/b/c",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected NAMESPACE/NAME or NAME"));
}

#[test]
fn forbidden_logs_are_a_note_and_the_verdict_still_comes() {
    let mut r = routes();
    r[0] = Route::new(&format!("{POD}/log")).json(
        403,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"admin-7d9c8b-x2k4q\" is forbidden: User \"x\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"shop\"","reason":"Forbidden","details":{"name":"admin-7d9c8b-x2k4q","kind":"pods"},"code":403}"#,
    );
    let api = FakeApi::start(r);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "explain",
        "--pod",
        "shop/admin-7d9c8b-x2k4q",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.starts_with("oomdoc: note: log/shop/admin-7d9c8b-x2k4q/admin (previous) not read: 403 Forbidden: cannot get pods/log"), "{e}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("verdict: container_oom_kill"));
    if std::env::var_os("OOMDOC_SHOW").is_some() {
        eprintln!("{}", String::from_utf8_lossy(&o.stdout));
    }
}
