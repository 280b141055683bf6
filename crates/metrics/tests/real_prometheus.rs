//! The Prometheus client against a real Prometheus (Debian's `prometheus` package) serving
//! backfilled cAdvisor-style data: the pod's series, paging past 11,000 points, the analysis
//! on what was fetched, and the errors a user can meet. Skips (`oomdoc_testkit::skip`) when
//! `prometheus` or `promtool` is missing.

#[path = "support/prom_server.rs"]
mod prom_server;

use std::time::Duration;

use oomdoc_metrics::prometheus::{fetch, pod_queries, Client, ClientOptions, QuerySpec, Selector};
use oomdoc_metrics::Error;
use oomdoc_series::{analyze, Component, Options, Verdict};
use prom_server::MI;

// Each test starts its own server, stopped (and its folder removed) when the test ends: a
// server shared through a `static` would never be dropped.
macro_rules! server_or_skip {
    ($server:ident, $name:expr) => {
        let $server = match prom_server::start() {
            Ok(s) => {
                oomdoc_testkit::real("real_prometheus", &format!("{} ({})", $name, s.url));
                s
            }
            Err(why) => {
                oomdoc_testkit::skip($name, &why);
                return;
            }
        };
    };
}

fn client(url: &str) -> Client {
    Client::new(&ClientOptions {
        url: url.to_string(),
        bearer_token: Some("not-checked".into()),
        timeout: Duration::from_secs(20),
        ca_pem: None,
        insecure: false,
    })
    .expect("client")
}

#[test]
fn pod_series_from_a_real_prometheus() {
    server_or_skip!(s, "real Prometheus: pod series");
    let sel = Selector::parse("shop/admin-7d9", None).unwrap();
    let (start, end) = (s.first as f64 - 3600.0, s.last as f64 + 600.0);
    let l = fetch(&client(&s.url), &pod_queries(&sel), start, end, 60.0).expect("fetch");
    let names: Vec<(String, Component)> = l
        .input
        .series
        .iter()
        .map(|x| (x.name.clone(), x.component))
        .collect();
    eprintln!("real Prometheus: {} samples in {names:?}", l.samples);
    let comps: Vec<Component> = names.iter().map(|n| n.1).collect();
    assert_eq!(
        comps,
        vec![
            Component::WorkingSet,
            Component::Rss,
            Component::Cache,
            Component::Kernel
        ],
        "{names:?}"
    );
    for (n, _) in &names {
        assert!(
            n.contains(r#"container="admin""#) && n.contains(r#"pod="admin-7d9""#),
            "{n}: pause/pod rows or the other pod leaked in"
        );
    }
    let ws = &l.input.series[0];
    // One point a minute over the backfilled range, plus up to 5 minutes of lookback after it.
    let want = ((s.last - s.first) / 60 + 1) as usize;
    assert!(
        ws.samples.len() >= want && ws.samples.len() <= want + 5,
        "{} samples, want {want}",
        ws.samples.len()
    );
    assert_eq!(ws.samples[0].t, s.first as f64);
    assert_eq!(
        l.input.limit_series.as_ref().expect("limit").samples[0].v,
        1024.0 * MI
    );
    assert!(l.input.restarts.is_some(), "restart counter");

    let a = analyze(&l.input, &Options::default());
    eprintln!(
        "real Prometheus: verdict {} ({}), growing {:?}",
        a.verdict.as_str(),
        a.reason,
        a.growing_component
    );
    assert_eq!(a.verdict, Verdict::Leak);
    assert_eq!(a.growing_component, Some(Component::Rss));
    let rss = &a.series[1];
    let per_hour = rss.slope_bytes_per_hour / MI;
    assert!(
        (per_hour - 20.0).abs() < 1.0,
        "rss grows {per_hour} MiB/h, the data 20 MiB/h"
    );
}

#[test]
fn long_ranges_are_paged_under_the_point_limit() {
    server_or_skip!(s, "real Prometheus: paging");
    let q = [QuerySpec {
        metric: Some("container_memory_rss".into()),
        promql: r#"container_memory_rss{namespace="shop",pod="admin-7d9",container="admin"}"#
            .into(),
    }];
    // 1 s steps over the 6 h: about 21,600 points, two pages at most 11,000 each.
    let (start, end) = (s.first as f64, s.last as f64);
    let l = fetch(&client(&s.url), &q, start, end, 1.0).expect("paged fetch");
    let x = &l.input.series[0].samples;
    assert_eq!(l.samples, (end - start) as u64 + 1, "every step once");
    assert!(x.windows(2).all(|w| w[0].t < w[1].t), "no step twice");
    assert_eq!((x[0].t, x[x.len() - 1].t), (start, end));
    // Asked in one piece, Prometheus itself refuses it.
    match client(&s.url).query_range(&q[0].promql, start, end, 1.0) {
        Err(Error::Prometheus { error_type, error }) => {
            assert_eq!(error_type, "bad_data");
            assert!(error.contains("11,000"), "{error}");
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("Prometheus accepted 21,600 points"),
    }
}

#[test]
fn errors_say_what_is_wrong() {
    server_or_skip!(s, "real Prometheus: errors");
    let bad = [QuerySpec {
        metric: None,
        promql: "container_memory_rss{".into(),
    }];
    match fetch(&client(&s.url), &bad, s.first as f64, s.last as f64, 60.0) {
        Err(Error::Prometheus { error_type, .. }) => assert_eq!(error_type, "bad_data"),
        other => panic!("{other:?}"),
    }
    match fetch(
        &client(&format!("{}/not-prometheus", s.url)),
        &bad,
        s.first as f64,
        s.last as f64,
        60.0,
    ) {
        Err(Error::HttpStatus { status, .. }) => assert_eq!(status, 404),
        other => panic!("{other:?}"),
    }
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = fetch(
        &client(&format!("http://127.0.0.1:{port}")),
        &bad,
        0.0,
        60.0,
        60.0,
    )
    .expect_err("closed port");
    assert!(matches!(e, Error::Unreachable { .. }), "{e:?}");
    assert!(
        e.to_string().contains("cannot reach http://127.0.0.1"),
        "{e}"
    );
}
