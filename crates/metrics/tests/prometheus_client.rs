//! What the client sends and how it reads answers, against a one-shot loopback HTTP server:
//! the bearer token, the query parameters, Prometheus error bodies with an error status, and
//! the timeout.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use oomdoc_metrics::prometheus::{Client, ClientOptions};
use oomdoc_metrics::Error;

/// Serves one request with `status` and `body` (after `delay`); sends the request head back.
fn one_shot(status: &str, body: &'static str, delay: Duration) -> (String, mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    let status = status.to_string();
    std::thread::spawn(move || {
        let Ok((s, _)) = l.accept() else { return };
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let _ = tx.send(head);
        std::thread::sleep(delay);
        let mut s = s;
        let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    });
    (url, rx)
}

fn client(url: &str, token: Option<&str>, timeout: Duration) -> Client {
    Client::new(&ClientOptions {
        url: format!("{url}/prom/"),
        bearer_token: token.map(str::to_string),
        timeout,
        ca_pem: None,
        insecure: false,
    })
    .expect("client")
}

#[test]
fn sends_token_and_range() {
    let (url, rx) = one_shot(
        "200 OK",
        r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
        Duration::ZERO,
    );
    let r = client(&url, Some("s3cr3t\n"), Duration::from_secs(5)).query_range(
        "up{job=\"a b\"}",
        1714557600.0,
        1714561200.0,
        15.0,
    );
    assert!(r.is_ok());
    let head = rx.recv().unwrap();
    let first = head.lines().next().unwrap();
    assert!(
        first.starts_with("GET /prom/api/v1/query_range?query=up%7Bjob%3D%22a"),
        "{first}"
    );
    assert!(
        first.contains("&start=1714557600.000&end=1714561200.000&step=15"),
        "{first}"
    );
    assert!(
        head.lines()
            .any(|l| l.eq_ignore_ascii_case("authorization: Bearer s3cr3t")),
        "{head}"
    );
}

#[test]
fn error_body_with_error_status() {
    let (url, _rx) = one_shot(
        "422 Unprocessable Entity",
        r#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}"#,
        Duration::ZERO,
    );
    match client(&url, None, Duration::from_secs(5)).query_range("x", 0.0, 60.0, 15.0) {
        Err(Error::Prometheus { error_type, error }) => {
            assert_eq!(error_type, "execution");
            assert!(error.contains("too many samples"));
        }
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn status_without_prometheus_body() {
    let (url, _rx) = one_shot(
        "502 Bad Gateway",
        "<html>bad gateway</html>",
        Duration::ZERO,
    );
    match client(&url, None, Duration::from_secs(5)).query_range("x", 0.0, 60.0, 15.0) {
        Err(e @ Error::HttpStatus { status: 502, .. }) => {
            assert!(e.to_string().contains("HTTP 502"))
        }
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn times_out() {
    let (url, _rx) = one_shot("200 OK", "{}", Duration::from_secs(5));
    let t = Instant::now();
    let e = client(&url, None, Duration::from_millis(300))
        .query_range("x", 0.0, 60.0, 15.0)
        .err()
        .expect("timeout");
    assert!(t.elapsed() < Duration::from_secs(3));
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[test]
fn ca_files_must_hold_a_certificate() {
    let opts = |pem: &[u8]| ClientOptions {
        url: "https://prometheus.example:9090".into(),
        bearer_token: None,
        timeout: Duration::from_secs(1),
        ca_pem: Some(pem.to_vec()),
        insecure: false,
    };
    let ca = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ca_isrg_root_x2.pem"
    ))
    .expect("fixture");
    assert!(Client::new(&opts(&ca)).is_ok());
    for bad in [
        &b"not a certificate"[..],
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ] {
        let e = Client::new(&opts(bad)).err().expect("refused");
        assert!(e.to_string().contains("--ca-file"), "{e}");
    }
}
