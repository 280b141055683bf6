//! Misbehaving servers (issue 11): an API server or Prometheus that trickles, sends bodies or
//! watch lines of any size, never ends a list, ends every watch at once or answers 410 in the
//! stream; kubeconfigs whose credential plugin never returns, with a legacy auth-provider, or
//! with CA data that holds no certificate. Each run is capped (1 GiB of address space, a
//! deadline) and must end with a clear error or a paced retry, never a hang, an abort or a
//! storm of requests.

#[path = "../../cluster/tests/support/fake_api.rs"]
mod fake_api;
#[allow(dead_code)]
#[path = "cli/util.rs"]
mod util;

use std::path::Path;
use std::time::Duration;

use fake_api::{kubeconfig_for, FakeApi, Reply, Route};
use util::{Output, TestCommand, ADDRESS_SPACE_CAP};

/// `oomdoc ARGS` under the suite's caps.
fn run(args: &[&str], timeout: Duration) -> Output {
    let mut c = TestCommand::new(&util::oomdoc_bin());
    c.args(args)
        .env("KUBECONFIG", "/nonexistent")
        .address_space(ADDRESS_SPACE_CAP)
        .timeout(timeout);
    c.run()
}

fn scan(kc: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "-A", "--kubeconfig", kc.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args, Duration::from_secs(60))
}

fn route(path: &str, reply: Reply) -> Route {
    let mut r = Route::new(path).list();
    r.replies.push(reply);
    r
}

/// A cluster without metrics-server: the scan goes on to the pod list.
fn no_metrics_api() -> Route {
    route(
        "/apis/metrics.k8s.io/v1beta1/pods",
        Reply::Json(404, "{}".into()),
    )
}

#[test]
fn a_trickling_server_meets_the_request_deadline() {
    let body = format!(r#"{{"kind":"PodList","items":[]{}}}"#, " ".repeat(200));
    let api = FakeApi::start(vec![route(
        "/apis/metrics.k8s.io/v1beta1/pods",
        Reply::Trickle {
            body,
            every: Duration::from_millis(100),
        },
    )]);
    let dir = tempfile::tempdir().unwrap();
    // Each byte comes well within a read timeout; the whole body would take 22 s.
    let o = scan(&api.kubeconfig(dir.path()), &["--request-timeout", "2s"]);
    o.code(2);
    assert!(o.stderr.contains("timed out"), "{}", o.stderr);
    assert!(o.stderr.contains("whole request"), "{}", o.stderr);
    assert!(o.elapsed < Duration::from_secs(10), "{:?}", o.elapsed);
}

#[test]
fn a_body_over_the_cap_is_refused_in_bounded_memory() {
    let api = FakeApi::start(vec![
        no_metrics_api(),
        route(
            "/api/v1/pods",
            Reply::Huge {
                size: 300 << 20,
                lines: false,
            },
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&api.kubeconfig(dir.path()), &[]);
    o.code(2);
    assert!(o.stderr.contains("larger than 256Mi"), "{}", o.stderr);
    assert!(
        o.peak_rss_kib.is_none_or(|k| k < 600 << 10),
        "{:?} KiB",
        o.peak_rss_kib
    );
}

#[test]
fn an_endless_list_is_an_error_not_a_loop() {
    // New tokens forever.
    let api = FakeApi::start(vec![
        no_metrics_api(),
        route("/api/v1/pods", Reply::EndlessContinue),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&api.kubeconfig(dir.path()), &[]);
    o.code(2);
    assert!(
        o.stderr
            .contains("never ends the list of pods: more than 10000 pages"),
        "{}",
        o.stderr
    );
    let pods = api
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/pods"))
        .count();
    assert_eq!(pods, 10_000);

    // The same token again.
    let same = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"again"},"items":[]}"#;
    let api = FakeApi::start(vec![
        no_metrics_api(),
        route("/api/v1/pods", Reply::Json(200, same.into())),
    ]);
    let o = scan(&api.kubeconfig(dir.path()), &[]);
    o.code(2);
    assert!(
        o.stderr.contains("a continue token it had given before"),
        "{}",
        o.stderr
    );
    assert_eq!(api.requests().len(), 3, "{:?}", api.requests());
}

/// A list of pods, then a watch that the server answers according to `watch`.
fn watch_routes(watch: Reply) -> Vec<Route> {
    let list =
        r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"100"},"items":[]}"#;
    let events =
        r#"{"kind":"EventList","apiVersion":"v1","metadata":{"resourceVersion":"100"},"items":[]}"#;
    let mut pods = Route::new("/api/v1/namespaces/shop/pods").watch();
    pods.replies.push(watch);
    vec![
        Route::new("/api/v1/namespaces/shop/pods")
            .list()
            .json(200, list),
        pods,
        Route::new("/api/v1/namespaces/shop/events")
            .list()
            .json(200, events),
        Route::new("/api/v1/namespaces/shop/events")
            .watch()
            .stream(&[], 0, 30_000),
    ]
}

fn watch(api: &FakeApi, dir: &Path, secs: &str) -> Output {
    let kc = api.kubeconfig(dir);
    run(
        &[
            "watch",
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--for",
            secs,
            "-v",
        ],
        Duration::from_secs(60),
    )
}

fn count(api: &FakeApi, prefix: &str, watch: bool) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.starts_with(prefix) && r.contains("watch=true") == watch)
        .count()
}

#[test]
fn watches_ended_at_once_are_paced() {
    let api = FakeApi::start(watch_routes(Reply::Stream {
        lines: vec![],
        gap: Duration::ZERO,
        hold: Duration::ZERO,
    }));
    let dir = tempfile::tempdir().unwrap();
    let o = watch(&api, dir.path(), "5s");
    o.code(0);
    let watches = count(&api, "GET /api/v1/namespaces/shop/pods", true);
    eprintln!(
        "watches ended at once: {watches} pod watches in 5 s, at most {} requests in a second",
        api.max_per_second()
    );
    // A burst of 4, then 2 a second: 13 in 5 s at most.
    assert!((4..=14).contains(&watches), "{watches} watches");
    assert!(api.max_per_second() <= 8, "{}", api.max_per_second());
}

#[test]
fn a_410_in_every_stream_relists_with_backoff() {
    let gone = r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 100 (200)","reason":"Expired","code":410}}"#;
    let api = FakeApi::start(watch_routes(Reply::Stream {
        lines: vec![gone.to_string()],
        gap: Duration::ZERO,
        hold: Duration::ZERO,
    }));
    let dir = tempfile::tempdir().unwrap();
    let o = watch(&api, dir.path(), "6s");
    o.code(0);
    assert!(o.stderr.contains("410 Gone"), "{}", o.stderr);
    let lists = count(&api, "GET /api/v1/namespaces/shop/pods", false);
    eprintln!("410 in every stream: {lists} pod lists in 6 s");
    // Backoff from 0.8 s doubling (with jitter), not reset by the list that succeeds: at most
    // 0 + 0.8 + 1.6 + 3.2 s, so 4 lists in 6 s (a list a second without escalation; 15,954
    // without backoff).
    assert!((2..=4).contains(&lists), "{lists} lists");
    assert!(api.max_per_second() <= 8, "{}", api.max_per_second());
}

#[test]
fn a_watch_event_over_the_cap_is_cut_and_watched_again() {
    let api = FakeApi::start(watch_routes(Reply::Huge {
        size: 40 << 20,
        lines: true,
    }));
    let dir = tempfile::tempdir().unwrap();
    let o = watch(&api, dir.path(), "4s");
    o.code(0);
    assert!(o.stderr.contains("larger than 16Mi"), "{}", o.stderr);
    assert!(
        o.peak_rss_kib.is_none_or(|k| k < 400 << 10),
        "{:?} KiB",
        o.peak_rss_kib
    );
}

/// A kubeconfig for the fake server whose user is `user` (YAML under `user:`).
fn kubeconfig_with_user(api: &FakeApi, dir: &Path, user: &str) -> std::path::PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:{}\n\
         contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: tester\n    namespace: shop\n\
         current-context: fake\nusers:\n- name: tester\n  user:\n{user}",
        api.port
    );
    let p = dir.join("kubeconfig");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_credential_plugin_that_never_returns_is_stopped() {
    let api = FakeApi::start(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig_with_user(
        &api,
        dir.path(),
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sleep\n      args: ['1000']\n      interactiveMode: Never\n",
    );
    let o = scan(&kc, &["--request-timeout", "2s"]);
    o.code(2);
    assert!(o.elapsed < Duration::from_secs(15), "{:?}", o.elapsed);
    assert!(
        o.stderr.contains("did not finish within 2.0s"),
        "{}",
        o.stderr
    );
    assert!(api.requests().is_empty());
}

#[test]
fn the_legacy_gcp_auth_provider_is_refused_and_not_run() {
    let api = FakeApi::start(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let script = dir.path().join("gcloud");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch {}\necho '{{}}'\n", marker.display()),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", script.to_str().unwrap()])
        .status()
        .unwrap();
    let kc = kubeconfig_with_user(
        &api,
        dir.path(),
        &format!(
            "    auth-provider:\n      name: gcp\n      config:\n        cmd-path: {}\n        cmd-args: config config-helper --format=json\n",
            script.display()
        ),
    );
    let o = scan(&kc, &[]);
    o.code(2);
    assert!(o.stderr.contains("gke-gcloud-auth-plugin"), "{}", o.stderr);
    assert!(!marker.exists(), "the cmd-path ran");
    assert!(api.requests().is_empty());
}

#[test]
fn certificate_authority_data_without_a_certificate_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    // base64 of "not a certificate".
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: bm90IGEgY2VydGlmaWNhdGU=\n\
         contexts:\n- name: k\n  context: {cluster: k, user: u}\ncurrent-context: k\nusers:\n- name: u\n  user: {token: t}\n",
    )
    .unwrap();
    let o = scan(&kc, &[]);
    o.code(2);
    assert!(
        o.stderr.contains("holds no PEM CERTIFICATE block"),
        "{}",
        o.stderr
    );
}

#[test]
fn kubeconfig_and_token_files_that_never_end_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = scan(Path::new("/dev/zero"), &[]);
    o.code(2);
    assert!(o.stderr.contains("not a regular file"), "{}", o.stderr);
    let api = FakeApi::start(vec![]);
    let kc = kubeconfig_with_user(&api, dir.path(), "    tokenFile: /dev/zero\n");
    let o = scan(&kc, &[]);
    o.code(2);
    assert!(
        o.stderr.contains("/dev/zero is not a regular file"),
        "{}",
        o.stderr
    );
    let _ = kubeconfig_for;
}

#[test]
fn prometheus_trickle_huge_ranges_and_bodies_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let _ = dir;
    // A range that would take thousands of queries is refused before the first.
    let api = FakeApi::start(vec![]);
    let url = format!("http://127.0.0.1:{}", api.port);
    let o = run(
        &[
            "trend",
            "--prometheus",
            &url,
            "--pod",
            "shop/web-1",
            "--since",
            "50y",
            "--step",
            "15s",
        ],
        Duration::from_secs(30),
    );
    o.code(2);
    assert!(o.stderr.contains("give a larger --step"), "{}", o.stderr);
    assert!(api.requests().is_empty(), "{:?}", api.requests());

    // A trickling Prometheus meets --request-timeout.
    let trickle = Reply::Trickle {
        body: format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[]}}}}{}"#,
            " ".repeat(100)
        ),
        every: Duration::from_millis(100),
    };
    let o = trend_against(trickle, &["--request-timeout", "2s"]);
    o.code(2);
    assert!(o.elapsed < Duration::from_secs(10), "{:?}", o.elapsed);

    // A body past the cap.
    let huge = Reply::Huge {
        size: 300 << 20,
        lines: false,
    };
    let o = trend_against(huge, &[]);
    o.code(2);
    assert!(
        o.peak_rss_kib.is_none_or(|k| k < 600 << 10),
        "{:?} KiB",
        o.peak_rss_kib
    );
}

/// `trend` over the last hour of a pod from a Prometheus that answers every query with `reply`.
fn trend_against(reply: Reply, extra: &[&str]) -> Output {
    let mut r = Route::new("/api/v1/query_range");
    r.replies.push(reply);
    let api = FakeApi::start(vec![r]);
    let url = format!("http://127.0.0.1:{}", api.port);
    let mut args = vec![
        "trend",
        "--prometheus",
        &url,
        "--pod",
        "shop/web-1",
        "--since",
        "1h",
    ];
    args.extend_from_slice(extra);
    run(&args, Duration::from_secs(60))
}

#[test]
fn names_that_would_change_a_request_are_refused_before_it() {
    let api = FakeApi::start(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let kc = api.kubeconfig(dir.path());
    let kc = kc.to_str().unwrap();
    for args in [
        vec![
            "simulate",
            "--live",
            "node-1,metadata.name=x",
            "--kubeconfig",
            kc,
        ],
        vec!["scan", "-n", "shop?watch=true", "--kubeconfig", kc],
        vec!["watch", "-n", "shop/../kube-system", "--kubeconfig", kc],
        vec!["explain", "--pod", "shop/web?watch=1", "--kubeconfig", kc],
    ] {
        let o = run(&args, Duration::from_secs(30));
        o.code(2);
        assert!(
            o.stderr.contains("not a Kubernetes name"),
            "{args:?}: {}",
            o.stderr
        );
    }
    assert!(api.requests().is_empty(), "{:?}", api.requests());
}

#[test]
fn a_list_without_a_resource_version_is_listed_again_with_backoff() {
    let list = r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}"#;
    let mut routes = watch_routes(Reply::Stream {
        lines: vec![],
        gap: Duration::ZERO,
        hold: Duration::from_secs(30),
    });
    routes[0] = Route::new("/api/v1/namespaces/shop/pods")
        .list()
        .json(200, list);
    let api = FakeApi::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let o = watch(&api, dir.path(), "6s");
    o.code(0);
    assert!(o.stderr.contains("no resourceVersion"), "{}", o.stderr);
    let lists = count(&api, "GET /api/v1/namespaces/shop/pods", false);
    assert!((2..=4).contains(&lists), "{lists} lists");
    assert!(api.max_per_second() <= 8, "{}", api.max_per_second());
}
