//! `oomdoc webhook` over real TLS on 127.0.0.1, with a test CA made by openssl: reviews shaped
//! as the API server sends them (the fixtures of crates/webhook/tests/fixtures, after the
//! documented request), warnings and refusals, certificate rotation while serving, LimitRanges
//! from a (fake) API server, and bad input: not JSON, another version, over 3 MiB, slow
//! clients, more connections than the cap.

mod webhook_tls;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use oomdoc_testkit::fake_api::{FakeApi, Route};
use oomdoc_testkit::skip::{real, skip};
use webhook_tls::*;

/// A temp dir with a test CA and server certificate, or `None` (said) without openssl.
fn certs(
    test: &str,
) -> Option<(
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    std::path::PathBuf,
)> {
    if !have_openssl() {
        skip(test, "openssl is not installed (apt-get install openssl)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) = issue(dir.path(), "one");
    Some((dir, cert, key, ca))
}

#[test]
fn a_best_effort_pod_is_allowed_with_oom003_and_refused_with_deny_warning() {
    // The issue's own check.
    let Some((_dir, cert, key, ca)) = certs("webhook: the issue's check") else {
        return;
    };
    let cfg = client(&ca);
    let warn = start(&cert, &key, &["--offline"]);
    let r = response(&once(
        &warn.addr,
        &cfg,
        "/validate",
        &fixture("pod-create.json"),
    ));
    assert_eq!(r["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(r["allowed"], true, "{r}");
    assert!(
        warnings(&r).iter().any(|w| w.starts_with("OOM003: ")),
        "{r}"
    );
    assert!(r.get("status").is_none(), "{r}");

    let deny = start(&cert, &key, &["--offline", "--deny", "warning"]);
    let r = response(&once(
        &deny.addr,
        &cfg,
        "/validate",
        &fixture("pod-create.json"),
    ));
    assert_eq!(r["allowed"], false, "{r}");
    assert_eq!(r["status"]["code"], 403);
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.contains("OOM003: "), "{msg}");
    assert!(msg.contains("Pod/shop/web"), "{msg}");
    // The same pod as a ReplicaSet creates it: warned, never refused (its owner was admitted).
    let owned = response(&once(
        &deny.addr,
        &cfg,
        "/validate",
        &fixture("pod-create-owned.json"),
    ));
    assert_eq!(owned["allowed"], true, "{owned}");
    assert!(warnings(&owned).iter().any(|w| w.starts_with("OOM003: ")));
    let logged: Vec<serde_json::Value> = (0..2)
        .map(|_| {
            serde_json::from_str(&deny.lines.recv_timeout(Duration::from_secs(5)).unwrap()).unwrap()
        })
        .collect();
    assert_eq!(logged[0]["decision"], "denied");
    assert_eq!(logged[1]["decision"], "warned");
    assert_eq!(logged[1]["owner"], "ReplicaSet/api-7d9c5b");
    real(
        "webhook",
        "a BestEffort Pod's review over TLS: allowed with OOM003, refused at --deny warning",
    );
    // SIGTERM stops it cleanly (exit 0), an open connection notwithstanding.
    let _open = connect(&deny.addr, &cfg).unwrap();
    let mut deny = deny;
    let _ = std::process::Command::new("kill")
        .arg(deny.child.id().to_string())
        .status();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = deny.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn reviews_of_each_kind_and_operation_are_answered_and_logged() {
    let Some((_dir, cert, key, ca)) = certs("webhook: kinds and operations") else {
        return;
    };
    let cfg = client(&ca);
    let hook = start(&cert, &key, &["--offline", "--deny", "error"]);
    // One kept-alive connection for all, as the API server's pool uses it.
    let mut tls = connect(&hook.addr, &cfg).unwrap();
    let mut ask = |name: &str| response(&request(&mut tls, "POST", "/validate", &fixture(name)));

    let deployment = ask("deployment-create.json");
    assert_eq!(deployment["allowed"], true, "{deployment}");
    assert!(!warnings(&deployment)
        .iter()
        .any(|w| w.starts_with("OOM003")));
    let cronjob = ask("cronjob-create.json");
    assert_eq!(
        cronjob["allowed"], false,
        "a BestEffort CronJob at --deny error: {cronjob}"
    );
    assert!(warnings(&cronjob).iter().any(|w| w.starts_with("OOM003: ")));
    let update = ask("pod-update.json");
    assert_eq!(
        update["allowed"], true,
        "a label added leaves the spec alone: warned, not refused: {update}"
    );
    assert!(warnings(&update).iter().any(|w| w.starts_with("OOM003: ")));
    let dry = ask("pod-create-dry-run.json");
    let wet = ask("pod-create.json");
    assert_eq!(
        dry["allowed"], wet["allowed"],
        "a dry run is answered the same way"
    );
    assert_eq!(warnings(&dry), warnings(&wet));
    let delete = ask("pod-delete.json");
    assert_eq!(delete["allowed"], true);
    assert!(delete.get("warnings").is_none(), "{delete}");
    let configmap = ask("configmap-create.json");
    assert_eq!(configmap["allowed"], true);
    assert!(configmap.get("warnings").is_none());
    let unreadable = ask("pod-create-unreadable.json");
    assert_eq!(unreadable["allowed"], true, "never block on our own bug");
    assert_eq!(warnings(&unreadable).len(), 1);

    // One JSON line per review, in order.
    let logs: Vec<serde_json::Value> = (0..8)
        .map(|_| {
            serde_json::from_str(&hook.lines.recv_timeout(Duration::from_secs(5)).unwrap()).unwrap()
        })
        .collect();
    let decisions: Vec<&str> = logs
        .iter()
        .map(|l| l["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions[0], "allowed");
    assert_eq!(decisions[1], "denied");
    assert_eq!(&decisions[5..], ["skipped", "skipped", "unreadable"]);
    assert_eq!(logs[1]["kind"], "CronJob");
    assert_eq!(logs[3]["dry_run"], true);
    assert_eq!(logs[5]["operation"], "DELETE");
    assert!(logs[1]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "OOM003"));
    assert!(logs
        .iter()
        .all(|l| l["latency_ms"].as_f64().unwrap() >= 0.0));

    let metrics = request(&mut tls, "GET", "/metrics", b"").body;
    // The BestEffort CronJob and the two BestEffort pods created (dry run, not) are refused.
    assert_eq!(decisions[2], "warned");
    assert_eq!(decisions.iter().filter(|d| **d == "denied").count(), 3);
    for (decision, n) in [
        ("denied", 3),
        ("warned", 1),
        ("skipped", 2),
        ("allowed", 1),
        ("unreadable", 1),
    ] {
        let line = format!("oomdoc_webhook_reviews_total{{decision=\"{decision}\"}} {n}");
        assert!(metrics.contains(&line), "{line}:\n{metrics}");
    }
    assert!(metrics.contains("oomdoc_webhook_review_duration_seconds_count 8"));
    assert_eq!(request(&mut tls, "GET", "/healthz", b"").body, "ok\n");
}

#[test]
fn a_renewed_certificate_is_served_without_a_restart() {
    let Some((dir, cert, key, ca)) = certs("webhook: certificate rotation") else {
        return;
    };
    let hook = start(&cert, &key, &["--offline", "--cert-check", "200ms"]);
    let old = client(&ca);
    assert_eq!(once(&hook.addr, &old, "/healthz", b"").body, "ok\n");
    // A connection open before the renewal keeps working after it.
    let mut kept = connect(&hook.addr, &old).unwrap();

    // A pair that does not load (a key of another certificate) is refused; the old one stays.
    let (_, other_key, _) = issue(dir.path(), "other");
    std::fs::copy(&other_key, &key).unwrap();
    let said = hook.said.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(said.contains("do not load"), "{said}");
    assert_eq!(once(&hook.addr, &old, "/healthz", b"").body, "ok\n");

    // A new pair from another CA, swapped in as the kubelet does (rename over the files).
    let (new_cert, new_key, new_ca) = issue(dir.path(), "two");
    for (from, to) in [(&new_key, &key), (&new_cert, &cert)] {
        let tmp = to.with_extension("tmp");
        std::fs::copy(from, &tmp).unwrap();
        std::fs::rename(&tmp, to).unwrap();
    }
    let said = hook.said.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(said.contains("certificate reloaded"), "{said}");
    let new = client(&new_ca);
    assert_eq!(once(&hook.addr, &new, "/healthz", b"").body, "ok\n");
    // A fresh client (no session to resume) trusting only the old CA.
    let refused = connect(&hook.addr, &client(&ca)).err().unwrap_or_default();
    assert!(
        refused.contains("certificate"),
        "the old CA no longer verifies: {refused}"
    );
    assert_eq!(request(&mut kept, "GET", "/healthz", b"").body, "ok\n");
    let metrics = once(&hook.addr, &new, "/metrics", b"").body;
    assert!(
        metrics.contains("oomdoc_webhook_certificate_reloads_total{reason=\"ok\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("oomdoc_webhook_certificate_reloads_total{reason=\"failed\"} 1"));
}

#[test]
fn bodies_that_are_not_reviews_get_400_413_and_never_a_crash() {
    let Some((_dir, cert, key, ca)) = certs("webhook: bad bodies") else {
        return;
    };
    let cfg = client(&ca);
    let hook = start(&cert, &key, &["--offline"]);
    let not_json = once(&hook.addr, &cfg, "/validate", &fixture("not-json.txt"));
    assert_eq!(not_json.status, 400, "{}", not_json.body);
    let beta = once(
        &hook.addr,
        &cfg,
        "/validate",
        &fixture("pod-create-v1beta1.json"),
    );
    assert_eq!(beta.status, 400);
    assert!(beta.body.contains("v1beta1"), "{}", beta.body);

    // Over the API server's 3 MiB: refused from the header, before the body is read.
    let started = Instant::now();
    let mut tls = connect(&hook.addr, &cfg).unwrap();
    write!(
        tls,
        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        4 << 20
    )
    .unwrap();
    tls.flush().unwrap();
    assert_eq!(read_answer(&mut tls).status, 413);
    assert!(started.elapsed() < Duration::from_secs(2));
    // The same without a length (chunked): cut at 3 MiB.
    let mut tls = connect(&hook.addr, &cfg).unwrap();
    write!(
        tls,
        "POST /validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b' '; 1 << 20];
    let mut status = None;
    for _ in 0..5 {
        if write!(tls, "{:x}\r\n", chunk.len()).is_err() || tls.write_all(&chunk).is_err() {
            break;
        }
        let _ = tls.write_all(b"\r\n");
    }
    let _ = tls.flush();
    if let Ok(a) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_answer(&mut tls)))
    {
        status = Some(a.status);
    }
    assert_eq!(status, Some(413));
    let metrics = once(&hook.addr, &cfg, "/metrics", b"").body;
    assert!(
        metrics.contains("oomdoc_webhook_refused_requests_total{reason=\"too_large\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("oomdoc_webhook_refused_requests_total{reason=\"bad_request\"} 2"));
    assert_eq!(once(&hook.addr, &cfg, "/nowhere", b"").status, 404);

    // Under the cap, a large review (1.2 MiB: 10,000 env vars) is answered (off the async
    // workers, on the blocking pool).
    let mut big: serde_json::Value = serde_json::from_slice(&fixture("pod-create.json")).unwrap();
    big["request"]["object"]["spec"]["containers"][0]["env"] = (0..10_000)
        .map(|i| serde_json::json!({"name": format!("VAR_{i:05}"), "value": "x".repeat(100)}))
        .collect();
    let big = serde_json::to_vec(&big).unwrap();
    assert!(big.len() > 1 << 20);
    let r = response(&once(&hook.addr, &cfg, "/validate", &big));
    assert!(
        warnings(&r).iter().any(|w| w.starts_with("OOM003: ")),
        "{r}"
    );
}

#[test]
fn slow_clients_and_a_connection_flood_do_not_stop_reviews() {
    let Some((_dir, cert, key, ca)) = certs("webhook: slow clients and floods") else {
        return;
    };
    let cfg = client(&ca);
    let hook = start(&cert, &key, &["--offline"]);
    let pid = hook.child.id();
    let before = rss_kib(pid);
    // Opened first, kept alive: metrics are read through it while the cap is reached.
    let mut watcher = connect(&hook.addr, &cfg).unwrap();
    // Clients that connect and send nothing, others that stop mid-body.
    let mut idle: Vec<TcpStream> = (0..50)
        .map(|_| TcpStream::connect(&hook.addr).unwrap())
        .collect();
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut tls = connect(&hook.addr, &cfg).unwrap();
        write!(
            tls,
            "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{\"apiVe"
        )
        .unwrap();
        tls.flush().unwrap();
        stalled.push(tls);
    }
    let started = Instant::now();
    let r = response(&once(
        &hook.addr,
        &cfg,
        "/validate",
        &fixture("pod-create.json"),
    ));
    assert_eq!(r["allowed"], true);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );

    // More connections than the cap: those past it are closed at once, reviews go on.
    idle.extend((0..600).filter_map(|_| TcpStream::connect(&hook.addr).ok()));
    let refused = wait_metric(&mut watcher, "oomdoc_webhook_connections_refused_total");
    assert!(refused > 0.0, "connections past the cap are refused");
    drop(idle);
    // The slots free as the server sees the closes.
    let deadline = Instant::now() + Duration::from_secs(5);
    let r = loop {
        match connect(&hook.addr, &cfg) {
            Ok(mut tls) => {
                break response(&request(
                    &mut tls,
                    "POST",
                    "/validate",
                    &fixture("pod-create.json"),
                ))
            }
            Err(e) if Instant::now() > deadline => panic!("no slot after the flood: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    assert!(warnings(&r).iter().any(|w| w.starts_with("OOM003")));
    let after = rss_kib(pid);
    assert!(
        after < before + 64 * 1024,
        "resident {before} KiB -> {after} KiB"
    );
    // The stalled bodies time out (10 s) and are counted; the process is alive throughout.
    drop(stalled);
    assert!(hook_alive(&hook));
}

fn hook_alive(hook: &Webhook) -> bool {
    std::fs::metadata(format!("/proc/{}", hook.child.id())).is_ok()
}

/// The value of the metric `name` once it is above zero (or after 5 s).
fn wait_metric(tls: &mut Tls, name: &str) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = request(tls, "GET", "/metrics", b"").body;
        let v = text
            .lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.trim().parse::<f64>().ok())
            })
            .unwrap_or(0.0);
        if v > 0.0 || Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn limit_range_list() -> String {
    serde_json::json!({
        "apiVersion": "v1", "kind": "LimitRangeList",
        "metadata": {"resourceVersion": "100"},
        "items": [{
            "apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": "mem", "namespace": "shop", "resourceVersion": "99"},
            "spec": {"limits": [{"type": "Container",
                "default": {"memory": "512Mi", "cpu": "500m"},
                "defaultRequest": {"memory": "512Mi", "cpu": "500m"}}]}
        }]
    })
    .to_string()
}

/// The Deployment fixture without any `resources` (BestEffort unless a LimitRange fills it).
fn bare_deployment() -> Vec<u8> {
    let mut v: serde_json::Value =
        serde_json::from_slice(&fixture("deployment-create.json")).unwrap();
    for c in v["request"]["object"]["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
    {
        c.as_object_mut().unwrap().remove("resources");
    }
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn limit_ranges_from_the_api_server_fill_pod_templates() {
    let Some((dir, cert, key, ca)) = certs("webhook: LimitRanges from the API") else {
        return;
    };
    let api = FakeApi::start(vec![
        Route::new("/api/v1/limitranges")
            .list()
            .json(200, &limit_range_list()),
        Route::new("/api/v1/limitranges")
            .watch()
            .stream(&[], 0, 30_000),
    ]);
    let kc = api.kubeconfig(dir.path());
    let hook = start(&cert, &key, &["--kubeconfig", kc.to_str().unwrap()]);
    let cfg = client(&ca);
    let deadline = Instant::now() + Duration::from_secs(10);
    let r = loop {
        let r = response(&once(&hook.addr, &cfg, "/validate", &bare_deployment()));
        if !warnings(&r)
            .iter()
            .any(|w| w.contains("are unknown to the webhook"))
            || Instant::now() > deadline
        {
            break r;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(once(&hook.addr, &cfg, "/readyz", b"").status, 200);
    assert!(
        warnings(&r).is_empty(),
        "the namespace's defaults make it Guaranteed: {r}"
    );

    // An API server that refuses: the figures assume none, and the answer says so.
    let forbidden = FakeApi::start(vec![Route::new("/api/v1/limitranges").json(
        403,
        r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"limitranges is forbidden: User \"system:serviceaccount:oomdoc:oomdoc-webhook\" cannot list resource \"limitranges\" in API group \"\" at the cluster scope","reason":"Forbidden","code":403}"#,
    )]);
    let kc = forbidden.kubeconfig(dir.path());
    let hook = start(&cert, &key, &["--kubeconfig", kc.to_str().unwrap()]);
    // Ready once refused: a replica without the RBAC still answers.
    let deadline = Instant::now() + Duration::from_secs(10);
    while once(&hook.addr, &cfg, "/readyz", b"").status != 200 {
        assert!(Instant::now() < deadline, "never ready after a 403");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = response(&once(&hook.addr, &cfg, "/validate", &bare_deployment()));
    let w = warnings(&r);
    assert!(w.iter().any(|w| w.starts_with("OOM003: ")), "{r}");
    assert_eq!(
        w.last().map(String::as_str),
        Some("oomdoc: the LimitRanges of namespace shop are unknown to the webhook; these figures assume none")
    );
}

#[test]
fn readiness_waits_for_the_first_limit_range_list() {
    let Some((dir, cert, key, ca)) = certs("webhook: readiness") else {
        return;
    };
    // A list that takes 2 s to come.
    let items = [limit_range_list()];
    let api = FakeApi::start(vec![
        Route::new("/api/v1/limitranges")
            .list()
            .stream(&items, 2_000, 0),
        Route::new("/api/v1/limitranges")
            .watch()
            .stream(&[], 0, 30_000),
    ]);
    let kc = api.kubeconfig(dir.path());
    let hook = start(&cert, &key, &["--kubeconfig", kc.to_str().unwrap()]);
    let cfg = client(&ca);
    assert_eq!(once(&hook.addr, &cfg, "/readyz", b"").status, 503);
    let deadline = Instant::now() + Duration::from_secs(10);
    while once(&hook.addr, &cfg, "/readyz", b"").status != 200 {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = response(&once(&hook.addr, &cfg, "/validate", &bare_deployment()));
    assert!(
        warnings(&r).is_empty(),
        "listed by the time it is ready: {r}"
    );
}

#[test]
fn the_plain_port_serves_metrics_and_probes_but_no_reviews() {
    let Some((_dir, cert, key, ca)) = certs("webhook: plain metrics port") else {
        return;
    };
    let hook = start(
        &cert,
        &key,
        &["--offline", "--metrics-listen", "127.0.0.1:0"],
    );
    let said = hook.said.recv_timeout(Duration::from_secs(10)).unwrap();
    let plain = said
        .split("serving http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{said}"))
        .to_string();
    let cfg = client(&ca);
    response(&once(
        &hook.addr,
        &cfg,
        "/validate",
        &fixture("pod-create.json"),
    ));
    let get = |method: &str, path: &str, body: &[u8]| {
        let mut s = TcpStream::connect(&plain).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut s, &mut out);
        out
    };
    let metrics = get("GET", "/metrics", b"");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(metrics.contains("oomdoc_webhook_reviews_total{decision=\"warned\"} 1"));
    assert!(get("GET", "/healthz", b"").ends_with("ok\n"));
    let review = get("POST", "/validate", &fixture("pod-create.json"));
    assert!(review.starts_with("HTTP/1.1 404"), "{review}");
}

#[test]
fn a_server_that_cannot_start_says_why_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.crt");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args([
            "webhook",
            "--offline",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
        ])
        .arg(&missing)
        .arg("--tls-key")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("missing.crt"), "{err}");
}
