//! The HTTPS shell of `oomdoc webhook` around the pure core in `oomdoc-webhook`.
//!
//! - [`tls`]: the certificate and key from PEM files, read again when they change.
//! - [`serve`]: the accept loop (TLS or plain), connection cap and timeouts.
//! - [`handler`]: `POST /validate`, `GET /healthz`, `GET /readyz`, `GET /metrics`; the body cap
//!   and the in-flight budget; one JSON log line per review.
//! - [`metrics`]: reviews by decision, findings by code, the latency histogram.
//! - [`run`](mod@run): the listeners, the certificate watch, the stop.

pub mod handler;
pub mod metrics;
pub mod run;
pub mod serve;
pub mod tls;

pub use handler::{LimitRanges, LogSink, State, Unknown};
pub use run::{run, Config, Say};
