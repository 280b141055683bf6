//! Limits on every response from the API server: a deadline for the whole request (headers and
//! body, not only each read) and a size cap on what is read.
//!
//! kube's `read_timeout` is a timeout per read: a server (or a proxy) sending one byte a second
//! kept a request alive forever, and nothing bounded a body: a list page or a watch line of
//! gigabytes was read into memory until the process aborted. This layer sits under kube's
//! client (a tower service stack): it bounds the wait for the headers and wraps the body so that
//! reading past the deadline, past [`MAX_BODY`] (a list, a get, a log) or past
//! [`MAX_WATCH_LINE`] in one watch event ends the response with an error naming the limit.
//! kube then reports it like any broken connection (a scan fails with the message; a watch
//! backs off and watches again).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

/// The largest body of a request that ends (a list page, a get, a log). A page holds at most
/// 500 objects (`live_scan::PAGE`); real pods are 5-50 KiB of JSON, so a page is a few MiB.
/// 256 MiB allows 500 objects of 512 KiB each (a third of etcd's 1.5 MiB object limit) and
/// still leaves room under a 1 GiB address-space cap.
pub const MAX_BODY: u64 = 256 << 20;

/// The largest watch event (one line of a watch stream): etcd refuses objects over 1.5 MiB by
/// default (`--max-request-bytes`), so one event is at most a few MiB even where that is
/// raised.
pub const MAX_WATCH_LINE: u64 = 16 << 20;

/// How long past its server-side `timeoutSeconds` a watch may stay open (kube's watcher asks
/// for 290 s).
pub const WATCH_GRACE: Duration = Duration::from_secs(30);

/// A watch without `timeoutSeconds` may stay open this long.
pub const WATCH_DEFAULT: Duration = Duration::from_secs(330);

/// Why a response was cut short.
#[derive(Debug)]
pub struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The layer: `deadline` for each request that ends (`--request-timeout`); watches get their
/// own `timeoutSeconds` plus [`WATCH_GRACE`].
#[derive(Clone, Copy, Debug)]
pub struct Guard {
    deadline: Duration,
}

impl Guard {
    /// A guard with this deadline for requests that end.
    pub fn new(deadline: Duration) -> Self {
        Guard { deadline }
    }
}

impl<S> Layer<S> for Guard {
    type Service = Guarded<S>;
    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded {
            inner,
            deadline: self.deadline,
        }
    }
}

/// The service (see [`Guard`]).
pub struct Guarded<S> {
    inner: S,
    deadline: Duration,
}

/// What a request is, read from its query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A request that ends: the whole body is capped.
    Whole,
    /// A watch: each line is capped.
    Lines,
}

/// The shape and deadline of a request with this query.
fn shape(query: Option<&str>, deadline: Duration) -> (Shape, Duration) {
    let mut watch = false;
    let mut timeout = None;
    for kv in query.unwrap_or("").split('&') {
        match kv.split_once('=') {
            Some(("watch", "true" | "1")) => watch = true,
            Some(("timeoutSeconds", v)) => timeout = v.parse::<u64>().ok(),
            _ => {}
        }
    }
    if watch {
        let d = timeout.map_or(WATCH_DEFAULT, |s| {
            Duration::from_secs(s.min(24 * 3600)) + WATCH_GRACE
        });
        (Shape::Lines, d)
    } else {
        (Shape::Whole, deadline)
    }
}

fn late(after: Duration) -> Refused {
    Refused(format!(
        "timed out: no complete response within {} (the deadline of the whole request: --request-timeout)",
        seconds(after)
    ))
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

impl<S, ReqBody, B> Service<http::Request<ReqBody>> for Guarded<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<GuardedBody<B>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        let (shape, after) = shape(req.uri().query(), self.deadline);
        let deadline = Instant::now() + after;
        let response = self.inner.call(req);
        Box::pin(async move {
            match tokio::time::timeout_at(deadline, response).await {
                Err(_) => Err(Box::new(late(after)) as BoxError),
                Ok(Err(e)) => Err(e.into()),
                Ok(Ok(r)) => Ok(r.map(|body| GuardedBody {
                    inner: Box::pin(body),
                    sleep: Box::pin(tokio::time::sleep_until(deadline)),
                    after,
                    shape,
                    read: 0,
                    done: false,
                })),
            }
        })
    }
}

/// A body that ends with an error at the deadline or past its size cap.
pub struct GuardedBody<B> {
    inner: Pin<Box<B>>,
    sleep: Pin<Box<Sleep>>,
    after: Duration,
    shape: Shape,
    /// Bytes of the whole body ([`Shape::Whole`]) or of the current line ([`Shape::Lines`]).
    read: u64,
    done: bool,
}

impl<B> GuardedBody<B> {
    /// Counts a chunk: the error when it goes past the cap.
    fn count(&mut self, chunk: &[u8]) -> Result<(), Refused> {
        match self.shape {
            Shape::Whole => {
                self.read += chunk.len() as u64;
                if self.read > MAX_BODY {
                    return Err(Refused(format!(
                        "the response is larger than {} (oomdoc's cap on one response; a list page holds at most 500 objects)",
                        oomdoc_model::bytes::exact(MAX_BODY)
                    )));
                }
            }
            Shape::Lines => {
                let tail = match chunk.iter().rposition(|&b| b == b'\n') {
                    Some(i) => {
                        // Lines ended inside this chunk: check each of them, then count the
                        // rest as the start of the next line.
                        for (n, line) in chunk[..i].split(|&b| b == b'\n').enumerate() {
                            let len = if n == 0 {
                                self.read + line.len() as u64
                            } else {
                                line.len() as u64
                            };
                            self.check_line(len)?;
                        }
                        self.read = 0;
                        &chunk[i + 1..]
                    }
                    None => chunk,
                };
                self.read += tail.len() as u64;
                self.check_line(self.read)?;
            }
        }
        Ok(())
    }

    fn check_line(&self, len: u64) -> Result<(), Refused> {
        if len > MAX_WATCH_LINE {
            return Err(Refused(format!(
                "a watch event is larger than {} (oomdoc's cap on one event; etcd's object limit is 1.5Mi)",
                oomdoc_model::bytes::exact(MAX_WATCH_LINE)
            )));
        }
        Ok(())
    }
}

impl<B> Body for GuardedBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.done = true;
            let after = self.after;
            return Poll::Ready(Some(Err(Box::new(late(after)))));
        }
        match self.inner.as_mut().poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let data = data.clone();
                    if let Err(e) = self.count(&data) {
                        self.done = true;
                        return Poll::Ready(Some(Err(Box::new(e))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(shape: Shape) -> GuardedBody<http_body_util::Empty<Bytes>> {
        GuardedBody {
            inner: Box::pin(http_body_util::Empty::new()),
            sleep: Box::pin(tokio::time::sleep(Duration::from_secs(1))),
            after: Duration::from_secs(1),
            shape,
            read: 0,
            done: false,
        }
    }

    #[tokio::test]
    async fn a_watch_line_is_capped_across_chunks_and_reset_at_each_newline() {
        let mut b = body(Shape::Lines);
        let mib = vec![b'x'; 1 << 20];
        // 15 MiB, a newline, then 15 MiB more: two lines under the cap.
        for _ in 0..15 {
            b.count(&mib).unwrap();
        }
        b.count(b"}\n{").unwrap();
        for _ in 0..15 {
            b.count(&mib).unwrap();
        }
        // One more MiB on the same line is over 16 MiB.
        let e = b.count(&mib).unwrap_err().to_string();
        assert!(e.contains("16Mi"), "{e}");
        // Many short lines in one chunk are fine.
        let mut b = body(Shape::Lines);
        b.count(&b"{}\n".repeat(1 << 20)).unwrap();
    }

    #[tokio::test]
    async fn a_whole_body_is_capped() {
        let mut b = body(Shape::Whole);
        let mib = vec![b'\n'; 1 << 20];
        for _ in 0..256 {
            b.count(&mib).unwrap();
        }
        assert!(b.count(b"x").is_err());
    }

    #[test]
    fn watches_get_their_own_timeout_plus_grace() {
        let d = Duration::from_secs(30);
        assert_eq!(shape(None, d), (Shape::Whole, d));
        assert_eq!(shape(Some("limit=500&continue=x"), d), (Shape::Whole, d));
        assert_eq!(
            shape(Some("watch=true&timeoutSeconds=290"), d),
            (Shape::Lines, Duration::from_secs(320))
        );
        assert_eq!(shape(Some("watch=true"), d), (Shape::Lines, WATCH_DEFAULT));
        // A timeout of centuries is bounded.
        assert_eq!(
            shape(Some("watch=1&timeoutSeconds=99999999999"), d).1,
            Duration::from_secs(24 * 3600) + WATCH_GRACE
        );
    }
}
