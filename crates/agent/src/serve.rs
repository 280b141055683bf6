//! `/metrics`, `/healthz` and `/readyz` over HTTP/1.1, with hyper.
//!
//! The metrics are encoded from the registry, whose families synchronise themselves, into a
//! string sent afterwards: a slow scraper never holds up sampling or the kernel log. Connections are capped and each must send its request
//! headers within [`HEADER_TIMEOUT`].

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

use prometheus_client::registry::Registry;

use crate::metrics::{encode, CONTENT_TYPE};

/// Connections served at once; more wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 64;
/// Time a client has to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Time a connection may last in all (a scrape takes milliseconds).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server reads.
pub struct State {
    /// The metrics.
    pub registry: Arc<Registry>,
    /// Set once the first sampling pass is done.
    pub ready: Arc<AtomicBool>,
}

fn text(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn respond(req: &Request<Incoming>, state: &State) -> Response<Full<Bytes>> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, PLAIN, "only GET\n".into());
    }
    match req.uri().path() {
        "/metrics" => text(StatusCode::OK, CONTENT_TYPE, encode(&state.registry)),
        "/healthz" => text(StatusCode::OK, PLAIN, "ok\n".into()),
        "/readyz" if state.ready.load(Ordering::Relaxed) => {
            text(StatusCode::OK, PLAIN, "ready\n".into())
        }
        "/readyz" => text(
            StatusCode::SERVICE_UNAVAILABLE,
            PLAIN,
            "first sampling pass not done\n".into(),
        ),
        _ => text(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found: try /metrics, /healthz or /readyz\n".into(),
        ),
    }
}

/// Serves `listener` until `stop` is notified.
pub async fn serve(listener: TcpListener, state: Arc<State>, stop: Arc<Notify>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = stop.notified() => return,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let stream = tokio::select! {
            _ = stop.notified() => return,
            a = listener.accept() => match a {
                Ok((s, _)) => s,
                // Out of file descriptors and the like: wait, do not spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let r = respond(&req, &state);
                async move { Ok::<_, Infallible>(r) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn).await;
            drop(permit);
        });
    }
}
