//! `oomdoc watch` against a fake API server: bookmarks, MODIFIED pods, a 410 Gone that makes
//! the client list again, events, each kill reported once with its verdict; errors and stops.

#[path = "../../cluster/tests/support/fake_api.rs"]
mod fake_api;

use std::time::{Duration, Instant};

use fake_api::{fixture, oomdoc, FakeApi, Route};
use serde_json::Value;

fn lines(name: &str) -> Vec<String> {
    fixture(name).lines().map(str::to_string).collect()
}

fn routes() -> Vec<Route> {
    vec![
        Route::new("/api/v1/namespaces/shop/pods")
            .list()
            .fixture(200, "api/watch-pods-list.json")
            .fixture(200, "api/watch-pods-relist.json"),
        Route::new("/api/v1/namespaces/shop/pods")
            .watch()
            .stream(&lines("api/watch-pods-1.jsonl"), 100, 0)
            .stream(&[], 0, 30_000),
        Route::new("/api/v1/namespaces/shop/events")
            .list()
            .fixture(200, "api/watch-events-list.json"),
        Route::new("/api/v1/namespaces/shop/events")
            .watch()
            .stream(&lines("api/watch-events-1.jsonl"), 100, 0)
            .stream(&[], 0, 30_000),
    ]
}

#[test]
fn each_kill_is_reported_once_across_a_410_relist() {
    let api = FakeApi::start(routes());
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let start = Instant::now();
    let o = oomdoc(&[
        "watch",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
        "--max-events",
        "3",
        "--for",
        "20s",
        "-v",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "ended by --max-events, not the timeout"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let objs: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(objs.len(), 3, "{out}");
    let find = |pred: &dyn Fn(&Value) -> bool| objs.iter().find(|o| pred(o)).cloned();
    // web: OOM-killed on the watch stream (MODIFIED); the next MODIFIED of the same kill is not news.
    let web = find(&|o| o["pod"] == "web-6b7f-q9zt2").expect("web reported");
    assert_eq!(web["kind"], "oom_kill");
    assert_eq!(web["container"], "web");
    assert_eq!(web["at"], "2026-11-28T01:00:00Z");
    assert_eq!(web["restart_count"], 1);
    assert_eq!(
        web["explanation"]["incidents"][0]["verdict"],
        "container_oom_kill"
    );
    // cart: killed while the watch was re-listing after 410 Gone; found in the new list.
    let cart = find(&|o| o["pod"] == "cart-5f6d9-abcde").expect("cart reported");
    assert_eq!(cart["kind"], "oom_kill");
    assert_eq!(cart["at"], "2026-11-28T01:05:00Z");
    assert_eq!(
        cart["explanation"]["incidents"][0]["verdict"],
        "container_oom_kill"
    );
    // The node's SystemOOM event.
    let sys = find(&|o| o["kind"] == "event").expect("event reported");
    assert_eq!(sys["reason"], "SystemOOM");
    assert_eq!(sys["node"], "worker-2");
    assert!(err.contains("pods: resourceVersion expired (410 Gone: too old resource version: 82020 (82990)); listing again"), "{err}");
    let reqs = api.requests();
    let pod_lists: Vec<_> = reqs
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/namespaces/shop/pods") && !r.contains("watch=true"))
        .collect();
    assert_eq!(pod_lists.len(), 2, "listed again after 410: {reqs:#?}");
    let first_watch = reqs
        .iter()
        .find(|r| r.starts_with("GET /api/v1/namespaces/shop/pods") && r.contains("watch=true"))
        .expect("watched");
    assert!(
        first_watch.contains("allowWatchBookmarks=true"),
        "{first_watch}"
    );
    assert!(
        first_watch.contains("resourceVersion=82000"),
        "{first_watch}"
    );
}

#[test]
fn text_output_has_a_headline_and_the_verdict() {
    let api = FakeApi::start(routes());
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "watch",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--max-events",
        "1",
        "--for",
        "20s",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    let first = out.lines().next().unwrap_or("");
    // Whichever comes first: web's kill (pods stream) or the SystemOOM event.
    assert!(
        first == "== 2026-11-28T01:00:00Z OOM kill: shop/web-6b7f-q9zt2 container web on node worker-1 (exit 137, restart 1)"
            || first.starts_with("== 2026-11-28T01:10:00Z event SystemOOM: on node worker-2: System OOM encountered"),
        "{out}"
    );
    assert!(
        out.contains("container_oom_kill") || out.contains("OOM"),
        "{out}"
    );
    if std::env::var_os("OOMDOC_SHOW").is_some() {
        eprintln!("{out}");
    }
}

/// `--color always`: the headline and the verdict coloured with SGR sequences only; without them
/// the text is what plain output prints.
#[test]
fn colour_is_sgr_only_and_strips_to_the_plain_text() {
    let api = FakeApi::start(routes());
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let kc = kc.to_str().unwrap();
    let o = oomdoc(&[
        "--color",
        "always",
        "watch",
        "--kubeconfig",
        kc,
        "--max-events",
        "1",
        "--for",
        "20s",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("\x1b[1m"), "{out}");
    // Every escape is `ESC [ digits and ; m`; removing them leaves the plain report.
    let mut plain = String::new();
    let mut rest = &*out;
    while let Some(i) = rest.find('\x1b') {
        plain.push_str(&rest[..i]);
        let seq = &rest[i + 1..];
        let end = seq.find('m').expect("an ended escape");
        assert!(
            seq.starts_with('[') && seq[1..end].bytes().all(|b| b.is_ascii_digit() || b == b';'),
            "not SGR: {out:?}"
        );
        rest = &seq[end + 1..];
    }
    plain.push_str(rest);
    let first = plain.lines().next().unwrap_or("");
    assert!(
        first.starts_with("== 2026-11-28T01:00:00Z OOM kill: shop/web-6b7f-q9zt2")
            || first.starts_with("== 2026-11-28T01:10:00Z event SystemOOM"),
        "{plain}"
    );
    assert!(plain.contains("\nverdict: "), "{plain}");
}

#[test]
fn nothing_new_ends_at_the_timeout() {
    let api = FakeApi::start(vec![
        Route::new("/api/v1/pods")
            .list()
            .fixture(200, "api/watch-pods-list.json"),
        Route::new("/api/v1/pods").watch().stream(&[], 0, 30_000),
        Route::new("/api/v1/events")
            .list()
            .fixture(200, "api/watch-events-list.json"),
        Route::new("/api/v1/events").watch().stream(&[], 0, 30_000),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let start = Instant::now();
    let o = oomdoc(&[
        "watch",
        "-A",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--for",
        "1500ms",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty(), "the baseline is not news");
    let t = start.elapsed();
    assert!(
        t >= Duration::from_millis(1400) && t < Duration::from_secs(10),
        "{t:?}"
    );
}

#[test]
fn forbidden_watch_fails_with_the_missing_verb() {
    let api = FakeApi::start(vec![
        Route::new("/api/v1/pods").fixture(403, "api/status-403-pods.json"),
        Route::new("/api/v1/events")
            .list()
            .fixture(200, "api/watch-events-list.json"),
        Route::new("/api/v1/events").watch().stream(&[], 0, 30_000),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "watch",
        "-A",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--for",
        "20s",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.starts_with("oomdoc: error: 403 Forbidden: cannot list pods: pods is forbidden"),
        "{e}"
    );
    assert!(e.contains("deploy/rbac.yaml"));
}

/// A server that ends every watch at once: `watch` re-opens them at most a few times a second
/// (it sent tens of thousands of requests a second: kube's watcher re-watches at once).
#[test]
fn watches_that_end_at_once_are_paced() {
    let api = FakeApi::start(vec![
        Route::new("/api/v1/namespaces/shop/pods")
            .list()
            .fixture(200, "api/watch-pods-list.json"),
        Route::new("/api/v1/namespaces/shop/pods")
            .watch()
            .stream(&[], 0, 0),
        Route::new("/api/v1/namespaces/shop/events")
            .list()
            .fixture(200, "api/watch-events-list.json"),
        Route::new("/api/v1/namespaces/shop/events")
            .watch()
            .stream(&[], 0, 0),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let o = oomdoc(&[
        "watch",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
        "--for",
        "4s",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let watches = api
        .requests()
        .iter()
        .filter(|r| r.contains("watch=true"))
        .count();
    // Pods and events share a bucket of 4 and 2 a second: about 4 + 2 x 4 s.
    eprintln!("{watches} watch requests in 4 s");
    assert!(
        (2..=16).contains(&watches),
        "{watches} watch requests in 4 s"
    );
}
