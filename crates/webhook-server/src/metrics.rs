//! The webhook's Prometheus metrics (the `prometheus-client` crate, OpenMetrics text), served on
//! `/metrics`. Every label takes a fixed set of values (outcomes, rule codes, reasons), so the
//! series are bounded whatever the cluster sends.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use oomdoc_webhook::Outcome;

/// The content type of [`Metrics::encode`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets, in seconds: the bar is 5 ms at p99, the API server gives up at
/// `timeoutSeconds` (2 s in `deploy/webhook.yaml`).
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabel {
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// Why a request got no AdmissionReview answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an AdmissionReview v1 (HTTP 400).
    BadRequest,
    /// Over the body cap (HTTP 413).
    TooLarge,
    /// The body did not arrive in time (HTTP 408).
    SlowBody,
    /// Another path or method (HTTP 404, 405).
    NotFound,
    /// Too many bytes of reviews in flight (HTTP 503).
    Busy,
    /// oomdoc's own failure (HTTP 500).
    Internal,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::BadRequest => "bad_request",
            Refusal::TooLarge => "too_large",
            Refusal::SlowBody => "slow_body",
            Refusal::NotFound => "not_found",
            Refusal::Busy => "busy",
            Refusal::Internal => "internal_error",
        }
    }
}

/// Every metric the webhook exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    reviews: Family<DecisionLabel, Counter>,
    findings: Family<CodeLabel, Counter>,
    latency: Histogram,
    refused_requests: Family<ReasonLabel, Counter>,
    connections: Gauge,
    connections_refused: Counter,
    cert_reloads: Family<ReasonLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// The registry with every family, zero-valued outcomes included (a rate over a series
    /// that appears only at its first event misses that event).
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("oomdoc_webhook");
        let reviews = Family::<DecisionLabel, Counter>::default();
        for o in Outcome::ALL {
            let _ = reviews.get_or_create(&DecisionLabel {
                decision: o.as_str(),
            });
        }
        registry.register(
            "reviews",
            "AdmissionReviews answered, by decision (skipped, allowed, warned, denied, unreadable)",
            reviews.clone(),
        );
        let findings = Family::<CodeLabel, Counter>::default();
        registry.register(
            "findings",
            "Findings in answered reviews, by rule code",
            findings.clone(),
        );
        let latency = Histogram::new(LATENCY_BUCKETS);
        registry.register(
            "review_duration_seconds",
            "Time from a request's headers to its answer",
            latency.clone(),
        );
        let refused_requests = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "refused_requests",
            "Requests answered without an AdmissionReview (bad_request, too_large, slow_body, not_found, busy, internal_error)",
            refused_requests.clone(),
        );
        let connections = Gauge::default();
        registry.register("connections", "Connections open now", connections.clone());
        let connections_refused = Counter::default();
        registry.register(
            "connections_refused",
            "Connections closed at once because the connection cap was reached",
            connections_refused.clone(),
        );
        let cert_reloads = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "certificate_reloads",
            "Serving certificate reloads after the files changed (reason: ok, failed)",
            cert_reloads.clone(),
        );
        Metrics {
            registry,
            reviews,
            findings,
            latency,
            refused_requests,
            connections,
            connections_refused,
            cert_reloads,
        }
    }

    /// Counts one answered review.
    pub fn review(&self, outcome: Outcome, codes: &[&'static str], seconds: f64) {
        self.reviews
            .get_or_create(&DecisionLabel {
                decision: outcome.as_str(),
            })
            .inc();
        for &code in codes {
            self.findings.get_or_create(&CodeLabel { code }).inc();
        }
        self.latency.observe(seconds);
    }

    /// Counts one request answered without an AdmissionReview.
    pub fn refused(&self, why: Refusal) {
        self.refused_requests
            .get_or_create(&ReasonLabel {
                reason: why.as_str(),
            })
            .inc();
    }

    /// The open-connections gauge.
    pub fn connections(&self) -> &Gauge {
        &self.connections
    }

    /// Counts one connection closed at the cap.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// Counts one certificate reload.
    pub fn cert_reload(&self, ok: bool) {
        let reason = if ok { "ok" } else { "failed" };
        self.cert_reloads
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
