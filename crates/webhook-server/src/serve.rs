//! The accept loop: TLS (or plain TCP for a metrics port), HTTP/1.1 with keep-alive, bounded
//! connections and timeouts at every step a client could stall.
//!
//! - At most [`MAX_CONNECTIONS`] at once; one more is closed at once (counted), not queued, so
//!   a flood is refused quickly and memory stays bounded.
//! - [`HANDSHAKE_TIMEOUT`] for the TLS handshake, [`HEADER_TIMEOUT`] for each request's headers
//!   (hyper applies it while a keep-alive connection waits for its next request too, so it is
//!   also the idle timeout), the body's own timeout in [`crate::handler`].

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::handler::{handle, State};

/// Connections served at once. The API server opens a few per webhook endpoint (its idle pool
/// keeps at most 25 per host); this leaves room for many API servers and scrapers.
pub const MAX_CONNECTIONS: usize = 512;
/// Time a client has to finish the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Time a client has to send a request's headers, and how long an idle connection is kept.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `listener` until `stop` turns true: TLS through `tls`, or plain HTTP without it. Then
/// open connections finish the request they are answering and close; idle ones close at once.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    stop: watch::Receiver<bool>,
) {
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let stream = tokio::select! {
            _ = stopped(stop.clone()) => return,
            a = listener.accept() => match a {
                Ok((s, _)) => s,
                // Out of file descriptors and the like: wait, do not spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            state.metrics.connection_refused();
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let tls = tls.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            state.metrics.connections().inc();
            match tls {
                Some(tls) => {
                    if let Ok(Ok(s)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await
                    {
                        connection(s, state.clone(), stop, true).await;
                    }
                }
                None => connection(stream, state.clone(), stop, false).await,
            }
            state.metrics.connections().dec();
            drop(permit);
        });
    }
}

/// Serves HTTP/1.1 requests on one connection until the client closes it or stalls, or the
/// server stops (then after the request in progress, if any).
async fn connection<S>(stream: S, state: Arc<State>, stop: watch::Receiver<bool>, tls: bool)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(req, state.clone(), tls));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(true)
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stopped(stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    // The borrow `wait_for` returns is dropped here, not held across the caller's awaits.
    let _ = stop.wait_for(|s| *s).await;
}
