//! One HTTP request: `POST /validate` (an AdmissionReview answered), `GET /healthz`,
//! `GET /readyz` (once the LimitRanges are listed or refused), `GET /metrics`; anything else 404
//! or 405.
//!
//! A review body is read whole, within [`MAX_BODY`] bytes and [`BODY_TIMEOUT`]: the API server
//! never sends more than its request limit (3 MiB, `maxRequestBodyBytes`) and sends it at once.
//! Bodies that are not AdmissionReview v1 get HTTP 400 with the reason; the API server then
//! applies the webhook's `failurePolicy` (`Ignore` in `deploy/webhook.yaml`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::{header, Method, Request, Response, StatusCode};

use oomdoc_model::pod::LimitRange;
use oomdoc_report::{review_log_line, ReviewLog};
use oomdoc_webhook::{decide, read_review, DecideOptions, Decision, Review, ReviewError};

use crate::metrics::{Metrics, Refusal, CONTENT_TYPE};

/// The largest review body read: the API server's own request limit (3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;
/// Time a client has to send a review's body once its headers are in.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes of review bodies read and audited at once, in KiB. A body is counted at its declared
/// length (at [`MAX_BODY`] when it declares none) from before it is read until it is answered;
/// past this, requests wait (up to [`BODY_TIMEOUT`], then 503). Real reviews are a few KiB, so
/// hundreds pass at once; two at the cap do. Auditing a 3 MiB review takes about 25 MiB (the
/// document tree and the model of a pod with 22,500 env vars), so this bounds the server's
/// memory whatever the connections send (README, "Speed and memory").
pub const MAX_INFLIGHT_KIB: u32 = 6 * 1024;

/// The LimitRanges of a namespace, as the server knows them.
pub trait LimitRanges: Send + Sync {
    /// The namespace's LimitRanges; `None` when they cannot be known (no API access, not
    /// allowed, not listed yet).
    fn of(&self, namespace: &str) -> Option<Vec<LimitRange>>;

    /// Whether the first attempt to learn them is over (listed, or refused): the server is
    /// ready (`/readyz`) once it is, so that a new replica does not answer its first reviews
    /// with figures that assume no LimitRange only because the list was not in yet.
    fn settled(&self) -> bool {
        true
    }
}

/// No API access: LimitRanges are never known.
#[derive(Debug, Default)]
pub struct Unknown;

impl LimitRanges for Unknown {
    fn of(&self, _namespace: &str) -> Option<Vec<LimitRange>> {
        None
    }
}

/// Where a JSON log line goes.
pub type LogSink = Box<dyn Fn(&[u8]) + Send + Sync>;

/// What every request reads.
pub struct State {
    /// How to decide.
    pub opts: DecideOptions,
    /// The namespaces' LimitRanges.
    pub ranges: Arc<dyn LimitRanges>,
    /// The metrics.
    pub metrics: Metrics,
    /// One JSON line per review.
    pub log: LogSink,
    /// The budget of [`MAX_INFLIGHT_KIB`].
    pub inflight: tokio::sync::Semaphore,
}

impl State {
    /// The state with a full in-flight budget.
    pub fn new(
        opts: DecideOptions,
        ranges: Arc<dyn LimitRanges>,
        metrics: Metrics,
        log: LogSink,
    ) -> State {
        State {
            opts,
            ranges,
            metrics,
            log,
            inflight: tokio::sync::Semaphore::new(MAX_INFLIGHT_KIB as usize),
        }
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    r
}

const PLAIN: &str = "text/plain; charset=utf-8";

/// Answers one request; reviews only over TLS (`tls`), the plain port serves the rest.
pub async fn handle(
    req: Request<Incoming>,
    state: Arc<State>,
    tls: bool,
) -> Result<Reply, Infallible> {
    let started = Instant::now();
    let path = req.uri().path();
    let method = req.method().clone();
    Ok(match (path, &method) {
        ("/validate", &Method::POST) if tls => validate(req, state.clone(), started).await,
        ("/healthz", &Method::GET | &Method::HEAD) => reply(StatusCode::OK, PLAIN, "ok\n"),
        ("/readyz", &Method::GET | &Method::HEAD) if state.ranges.settled() => {
            reply(StatusCode::OK, PLAIN, "ready\n")
        }
        ("/readyz", &Method::GET | &Method::HEAD) => reply(
            StatusCode::SERVICE_UNAVAILABLE,
            PLAIN,
            "LimitRanges not listed yet\n",
        ),
        ("/metrics", &Method::GET | &Method::HEAD) => {
            reply(StatusCode::OK, CONTENT_TYPE, state.metrics.encode())
        }
        ("/validate", _) if !tls => {
            state.metrics.refused(Refusal::NotFound);
            reply(
                StatusCode::NOT_FOUND,
                PLAIN,
                "reviews are served over HTTPS only\n",
            )
        }
        ("/validate" | "/healthz" | "/readyz" | "/metrics", _) => {
            state.metrics.refused(Refusal::NotFound);
            reply(
                StatusCode::METHOD_NOT_ALLOWED,
                PLAIN,
                "method not allowed\n",
            )
        }
        _ => {
            state.metrics.refused(Refusal::NotFound);
            reply(
                StatusCode::NOT_FOUND,
                PLAIN,
                "not found: POST /validate, GET /healthz, GET /readyz, GET /metrics\n",
            )
        }
    })
}

type Refused = (StatusCode, Refusal, String);

/// Reads the body within [`MAX_BODY`] and [`BODY_TIMEOUT`], holding its share of the in-flight
/// budget (returned with it, to be held until the answer is written).
async fn read_body(
    req: Request<Incoming>,
    inflight: &tokio::sync::Semaphore,
) -> Result<(Bytes, tokio::sync::SemaphorePermit<'_>), Refused> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::TooLarge,
            format!("the body is over {MAX_BODY} bytes, the API server's own request limit"),
        )
    };
    // Refused before reading a byte of it.
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let deadline = tokio::time::Instant::now() + BODY_TIMEOUT;
    let kib = declared.unwrap_or(MAX_BODY as u64).div_ceil(1024).max(1) as u32;
    let permit = match tokio::time::timeout_at(deadline, inflight.acquire_many(kib)).await {
        Ok(Ok(p)) => p,
        _ => {
            return Err((
                StatusCode::SERVICE_UNAVAILABLE,
                Refusal::Busy,
                format!(
                    "busy: {MAX_INFLIGHT_KIB} KiB of reviews in flight for {} s",
                    BODY_TIMEOUT.as_secs()
                ),
            ))
        }
    };
    let body = Limited::new(req.into_body(), MAX_BODY);
    match tokio::time::timeout_at(deadline, body.collect()).await {
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            Refusal::SlowBody,
            format!(
                "the body did not arrive within {} s",
                BODY_TIMEOUT.as_secs()
            ),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err((
            StatusCode::BAD_REQUEST,
            Refusal::BadRequest,
            format!("reading the body: {e}"),
        )),
        Ok(Ok(collected)) => Ok((collected.to_bytes(), permit)),
    }
}

/// Bodies past this are read and audited on the blocking pool, so that one large review does
/// not hold up the small ones answered by the same async worker (2 workers).
const BLOCKING_BODY: usize = 256 * 1024;

/// The review in `body` and what was decided about it.
fn review_body(state: &State, body: &[u8]) -> Result<(Review, Decision), ReviewError> {
    let review = read_review(body)?;
    let ranges = review
        .namespace
        .as_deref()
        .map_or(Some(Vec::new()), |ns| state.ranges.of(ns));
    let decision = decide(&review, &state.opts, ranges.as_deref());
    Ok((review, decision))
}

async fn validate(req: Request<Incoming>, state: Arc<State>, started: Instant) -> Reply {
    let refuse = |status: StatusCode, why: Refusal, msg: String| {
        state.metrics.refused(why);
        log_refusal(&state, &msg, started);
        reply(status, PLAIN, format!("{msg}\n"))
    };
    let (body, _held) = match read_body(req, &state.inflight).await {
        Ok(b) => b,
        Err((status, why, msg)) => return refuse(status, why, msg),
    };
    let reviewed = if body.len() > BLOCKING_BODY {
        let st = state.clone();
        match tokio::task::spawn_blocking(move || review_body(&st, &body)).await {
            Ok(r) => r,
            // The audit panicked: a bug of ours; the object is left to failurePolicy.
            Err(e) => {
                let msg = format!("internal error: {e}");
                return refuse(StatusCode::INTERNAL_SERVER_ERROR, Refusal::Internal, msg);
            }
        }
    } else {
        review_body(&state, &body)
    };
    let (review, decision) = match reviewed {
        Ok(r) => r,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, Refusal::BadRequest, e.to_string()),
    };
    let json = decision.response_json();
    let seconds = started.elapsed().as_secs_f64();
    let codes: Vec<&'static str> = decision.findings.iter().map(|f| f.code.as_str()).collect();
    state.metrics.review(decision.outcome(), &codes, seconds);
    log_review(&state, &review, &decision, seconds);
    reply(StatusCode::OK, "application/json", json)
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn log_review(state: &State, review: &Review, decision: &Decision, seconds: f64) {
    let findings: Vec<(&str, &str)> = decision
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.severity.as_str()))
        .collect();
    let error = decision
        .unreadable
        .then(|| decision.warnings.first().map(String::as_str))
        .flatten();
    (state.log)(&review_log_line(&ReviewLog {
        unix_seconds: now(),
        uid: &review.uid,
        kind: &review.kind.kind,
        namespace: review.namespace.as_deref(),
        name: review.name.as_deref(),
        owner: review.owner.as_deref(),
        operation: review.operation.as_str(),
        dry_run: review.dry_run,
        decision: decision.outcome().as_str(),
        findings: &findings,
        error,
        latency_seconds: seconds,
    }));
}

fn log_refusal(state: &State, msg: &str, started: Instant) {
    (state.log)(&review_log_line(&ReviewLog {
        unix_seconds: now(),
        uid: "",
        kind: "",
        namespace: None,
        name: None,
        owner: None,
        operation: "",
        dry_run: false,
        decision: "bad_request",
        findings: &[],
        error: Some(msg),
        latency_seconds: started.elapsed().as_secs_f64(),
    }));
}
