//! Pacing of watch requests: a token bucket in front of the client's service stack.
//!
//! kube's watcher re-opens a watch the moment one ends; a server (or a proxy) that ends every
//! watch at once made `oomdoc watch` send tens of thousands of requests a second. client-go's
//! reflector backs off between watches; here every `watch=true` request takes a token from a
//! bucket of [`BURST`] refilled at [`PER_SECOND`], so a storm is at most a few requests a
//! second, while a healthy watch (one request per several minutes) never waits. Lists and
//! other requests are not paced (a scan pages through lists as fast as the server answers).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tower::{Layer, Service};

/// Watch requests allowed at once, before pacing starts.
pub const BURST: f64 = 4.0;
/// Watch requests allowed a second after that.
pub const PER_SECOND: f64 = 2.0;

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// Takes a token: how long to wait for it (zero when one is there).
    fn take(&mut self, now: Instant) -> Duration {
        let refill = now.duration_since(self.last).as_secs_f64() * PER_SECOND;
        self.tokens = (self.tokens + refill).min(BURST);
        self.last = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / PER_SECOND)
        }
    }
}

/// The layer: one bucket shared by every service it wraps.
#[derive(Clone)]
pub struct PaceWatches {
    bucket: Arc<Mutex<Bucket>>,
}

impl PaceWatches {
    /// A full bucket.
    pub fn new() -> Self {
        PaceWatches {
            bucket: Arc::new(Mutex::new(Bucket {
                tokens: BURST,
                last: Instant::now(),
            })),
        }
    }
}

impl Default for PaceWatches {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for PaceWatches {
    type Service = Paced<S>;
    fn layer(&self, inner: S) -> Paced<S> {
        Paced {
            inner: Arc::new(tokio::sync::Mutex::new(inner)),
            bucket: self.bucket.clone(),
        }
    }
}

/// The service: delays each watch request until the bucket has a token for it. The inner
/// service (kube's boxed stack, which is not `Clone`) is shared behind a lock held only while a
/// request is handed to it, not while its response is awaited.
pub struct Paced<S> {
    inner: Arc<tokio::sync::Mutex<S>>,
    bucket: Arc<Mutex<Bucket>>,
}

impl<S> Clone for Paced<S> {
    fn clone(&self) -> Self {
        Paced {
            inner: self.inner.clone(),
            bucket: self.bucket.clone(),
        }
    }
}

impl<S, B> Service<http::Request<B>> for Paced<S>
where
    S: Service<http::Request<B>> + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is awaited inside the call, after the wait for a token.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let watch = req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|kv| kv == "watch=true"));
        let wait = if watch {
            self.bucket
                .lock()
                .map_or(Duration::ZERO, |mut b| b.take(Instant::now()))
        } else {
            Duration::ZERO
        };
        let inner = self.inner.clone();
        Box::pin(async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let response = {
                let mut s = inner.lock().await;
                std::future::poll_fn(|cx| s.poll_ready(cx)).await?;
                s.call(req)
            };
            response.await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_is_paced_to_the_rate_after_the_burst() {
        let t0 = Instant::now();
        let mut b = Bucket {
            tokens: BURST,
            last: t0,
        };
        let waits: Vec<Duration> = (0..10).map(|_| b.take(t0)).collect();
        assert!(waits[..4].iter().all(|w| w.is_zero()));
        // The 5th waits half a second, the 10th three seconds: 2 a second.
        assert_eq!(waits[4], Duration::from_millis(500));
        assert_eq!(waits[9], Duration::from_secs(3));
        // A healthy watch, one a minute, never waits.
        let mut b = Bucket {
            tokens: BURST,
            last: t0,
        };
        for m in 1..100 {
            assert!(b.take(t0 + Duration::from_secs(60 * m)).is_zero());
        }
    }
}
