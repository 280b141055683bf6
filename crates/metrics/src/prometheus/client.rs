//! Asking Prometheus: one blocking GET per query and page, bearer token, timeouts, and errors
//! that say what went wrong (unreachable, HTTP status, Prometheus's own error).

use std::time::Duration;

use crate::collect::{Collector, Loaded};
use crate::prom_json::{collect_results, Response};
use crate::prometheus::query::{plan_range, QuerySpec, MAX_POINTS};
use crate::Error;

/// How to reach the server.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Base URL (`http://localhost:9090`, or with a path prefix).
    pub url: String,
    /// Bearer token, sent as `Authorization: Bearer ...`.
    pub bearer_token: Option<String>,
    /// Timeout of each request, connect to last byte.
    pub timeout: Duration,
    /// PEM certificates to trust instead of the web PKI roots (a cluster-internal CA).
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any server certificate (`--insecure-skip-tls-verify`, as kubectl names it).
    pub insecure: bool,
}

/// A Prometheus API client.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
    timeout: Duration,
}

impl Client {
    /// A client; no request is made yet. Fails only on a CA file with no certificate in it.
    pub fn new(o: &ClientOptions) -> Result<Client, Error> {
        let mut tls = ureq::tls::TlsConfig::builder().disable_verification(o.insecure);
        if let Some(pem) = &o.ca_pem {
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&ca_certs(pem)?));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .timeout_global(Some(o.timeout))
            // Prometheus answers errors as JSON with a 4xx/5xx status: read them.
            .http_status_as_error(false)
            .user_agent(concat!("oomdoc/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client {
            agent,
            base: o.url.trim_end_matches('/').to_string(),
            token: o
                .bearer_token
                .as_ref()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            timeout: o.timeout,
        })
    }

    /// `GET /api/v1/query_range` for one page.
    pub fn query_range(
        &self,
        promql: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<Response, Error> {
        let url = format!("{}/api/v1/query_range", self.base);
        let mut req = self
            .agent
            .get(&url)
            .query("query", promql)
            .query("start", format!("{start:.3}"))
            .query("end", format!("{end:.3}"))
            .query("step", format!("{step}"))
            // Server-side limit a little below ours, so that a slow query reports itself.
            .query("timeout", format!("{}s", self.timeout.as_secs().max(1)));
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = req.call().map_err(|e| unreachable(&url, e))?;
        // Every message below names the URL: never with the credentials it may carry.
        let url = redact(&url);
        let status = resp.status().as_u16();
        let body = resp.body_mut().with_config().limit(MAX_BODY).reader();
        let parsed: Result<Response, _> = serde_json::from_reader(std::io::BufReader::new(body));
        match parsed {
            Ok(r) if r.status.as_deref() == Some("error") || r.error.is_some() => {
                Err(Error::Prometheus {
                    error_type: r.error_type.unwrap_or_else(|| format!("HTTP {status}")),
                    error: r.error.unwrap_or_default(),
                })
            }
            Ok(r) if status < 300 => Ok(r),
            Ok(_) => Err(Error::HttpStatus {
                url,
                status,
                body: String::new(),
            }),
            Err(e) if status >= 300 => Err(Error::HttpStatus {
                url,
                status,
                body: format!("(not a Prometheus API response: {e})"),
            }),
            Err(e) => Err(Error::Json(format!(
                "{url}: not a Prometheus API response: {e}"
            ))),
        }
    }
}

/// The certificates in a PEM file (other items, such as keys, are skipped).
fn ca_certs(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(Error::Usage(format!("--ca-file: not PEM: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(Error::Usage(
            "--ca-file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certs)
}

/// `url` without the `user:password@` it may carry, for messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let host_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    match url[scheme_end..host_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..scheme_end], &url[scheme_end + at + 1..]),
        None => url.to_string(),
    }
}

fn unreachable(raw_url: &str, e: ureq::Error) -> Error {
    let url = &redact(raw_url);
    let message = match &e {
        ureq::Error::Timeout(_) => "timed out (see --request-timeout)".to_string(),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection refused or failed".to_string(),
        ureq::Error::Io(io) => io.to_string(),
        // The library's own message may quote the URL.
        other => other.to_string().replace(raw_url, url),
    };
    Error::Unreachable {
        url: url.to_string(),
        message,
    }
}

/// Queries of one range: 100 pages of [`MAX_POINTS`] are 1.1 million points per series (a
/// year at 30 s), far more than a trend needs.
pub const MAX_PAGES: u64 = 100;

/// The largest answer read (ureq's default limit is 10 MiB; a page of 11,000 points of a
/// few hundred series is tens of MiB).
pub const MAX_BODY: u64 = 256 << 20;

/// Runs every query over `[start, end]` at `step`, page by page, into one input. A query with
/// no result (a metric this cluster does not have, like `container_memory_kernel_usage` before
/// cAdvisor 0.48) is not an error; a refused query or an unreachable server is.
pub fn fetch(
    client: &Client,
    queries: &[QuerySpec],
    start: f64,
    end: f64,
    step: f64,
) -> Result<Loaded, Error> {
    let mut c = Collector::new();
    // Counted before anything is asked: a `--since` of years at a fine `--step` would page
    // through thousands of queries.
    let needed = ((end - start) / (step * MAX_POINTS as f64)).ceil();
    if needed > MAX_PAGES as f64 {
        return Err(Error::Usage(format!(
            "the range asks for about {:.0} points per series at step {step}s, more than the {} oomdoc reads ({MAX_PAGES} queries of {MAX_POINTS}): give a larger --step or a shorter --since",
            (end - start) / step,
            MAX_PAGES * MAX_POINTS
        )));
    }
    let pages = plan_range(start, end, step);
    if pages.is_empty() {
        return Err(Error::Usage(format!(
            "empty time range ({start} to {end}, step {step}s)"
        )));
    }
    for q in queries {
        for &(s, e) in &pages {
            let resp = client.query_range(&q.promql, s, e, step)?;
            let (results, warnings) = resp.into_result()?;
            for w in warnings {
                c.warn(format!("Prometheus warning: {w}"));
            }
            collect_results(results, q.metric.as_deref(), &q.promql, &mut c);
        }
    }
    let what = format!("Prometheus at {} ({} queries)", client.base, queries.len());
    c.finish(&what)
}

#[cfg(test)]
mod redact_tests {
    #[test]
    fn credentials_never_reach_a_message() {
        use super::redact;
        assert_eq!(
            redact("http://u:secret@prom:9090/api"),
            "http://***@prom:9090/api"
        );
        assert_eq!(
            redact("https://token@prom/x?a=b@c"),
            "https://***@prom/x?a=b@c"
        );
        assert_eq!(redact("http://prom:9090"), "http://prom:9090");
    }
}
