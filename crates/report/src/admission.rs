//! The AdmissionReview response of `oomdoc webhook` (`admission.k8s.io/v1`):
//!
//! ```json
//! {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
//!  "response": {"uid": "...", "allowed": false, "warnings": ["OOM003: ..."],
//!               "status": {"code": 403, "message": "..."}}}
//! ```
//!
//! The shape is the one Kubernetes documents for webhook responses (Dynamic Admission Control,
//! "Response", <https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#response>).
//! `warnings` is left out when empty and `status` when there is none (an allowed object).
//! What goes in them (and their limits) is decided by `oomdoc-webhook`.

use serde::Serialize;

/// What the webhook answers about one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmissionAnswer<'a> {
    /// The request's uid, echoed.
    pub uid: &'a str,
    /// Whether the object is admitted.
    pub allowed: bool,
    /// Warnings shown to the client (`kubectl` prints them as `Warning: ...`).
    pub warnings: &'a [String],
    /// The HTTP-like code and message of a refusal (`403`, the findings).
    pub status: Option<(u16, &'a str)>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReviewDoc<'a> {
    api_version: &'static str,
    kind: &'static str,
    response: ResponseDoc<'a>,
}

#[derive(Serialize)]
struct ResponseDoc<'a> {
    uid: &'a str,
    allowed: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusDoc<'a>>,
}

#[derive(Serialize)]
struct StatusDoc<'a> {
    code: u16,
    message: &'a str,
}

/// The AdmissionReview response document, as JSON bytes (compact, no trailing newline).
pub fn admission_response_json(answer: &AdmissionAnswer<'_>) -> Vec<u8> {
    let doc = ReviewDoc {
        api_version: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: ResponseDoc {
            uid: answer.uid,
            allowed: answer.allowed,
            warnings: answer.warnings,
            status: answer
                .status
                .map(|(code, message)| StatusDoc { code, message }),
        },
    };
    // Strings, booleans and integers only: serialising to a Vec cannot fail.
    serde_json::to_vec(&doc).expect("an AdmissionReview response serialises")
}

/// One review as `oomdoc webhook` logs it.
#[derive(Clone, Copy, Debug)]
pub struct ReviewLog<'a> {
    /// When the answer was sent (Unix seconds, with fractions).
    pub unix_seconds: f64,
    /// `request.uid` ("" when the body could not be read).
    pub uid: &'a str,
    /// `request.kind.kind`.
    pub kind: &'a str,
    /// `request.namespace`.
    pub namespace: Option<&'a str>,
    /// `request.name`.
    pub name: Option<&'a str>,
    /// The object's controller, `Kind/name` (its refusals are never made).
    pub owner: Option<&'a str>,
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`.
    pub operation: &'a str,
    /// `request.dryRun`.
    pub dry_run: bool,
    /// `skipped`, `allowed`, `warned`, `denied`, `unreadable`, or `bad_request`.
    pub decision: &'a str,
    /// (rule code, severity) of each finding.
    pub findings: &'a [(&'a str, &'a str)],
    /// Why the body or the object could not be read.
    pub error: Option<&'a str>,
    /// From the request's first byte to the answer, in seconds.
    pub latency_seconds: f64,
}

#[derive(Serialize)]
struct ReviewLine<'a> {
    time: String,
    uid: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    operation: &'a str,
    dry_run: bool,
    decision: &'a str,
    findings: Vec<FindingRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    latency_ms: f64,
}

#[derive(Serialize)]
struct FindingRef<'a> {
    code: &'a str,
    severity: &'a str,
}

/// `r` as one line of JSON, with its newline.
pub fn review_log_line(r: &ReviewLog<'_>) -> Vec<u8> {
    let line = ReviewLine {
        time: oomdoc_model::calendar::format_rfc3339(r.unix_seconds),
        uid: r.uid,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        owner: r.owner,
        operation: r.operation,
        dry_run: r.dry_run,
        decision: r.decision,
        findings: r
            .findings
            .iter()
            .map(|&(code, severity)| FindingRef { code, severity })
            .collect(),
        error: r.error,
        // Microseconds are enough and keep the line short.
        latency_ms: (r.latency_seconds * 1e6).round() / 1e3,
    };
    let mut out = serde_json::to_vec(&line).expect("a review log line serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_without_warnings_has_neither_warnings_nor_status() {
        let json = admission_response_json(&AdmissionAnswer {
            uid: "u1",
            allowed: true,
            warnings: &[],
            status: None,
        });
        assert_eq!(
            String::from_utf8(json).unwrap(),
            r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u1","allowed":true}}"#
        );
    }

    #[test]
    fn a_refusal_has_warnings_and_status() {
        let warnings = vec!["OOM003: x".to_string()];
        let json = admission_response_json(&AdmissionAnswer {
            uid: "u2",
            allowed: false,
            warnings: &warnings,
            status: Some((403, "refused")),
        });
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["warnings"][0], "OOM003: x");
        assert_eq!(v["response"]["status"]["code"], 403);
        assert_eq!(v["response"]["status"]["message"], "refused");
    }

    #[test]
    fn a_review_log_is_one_json_line() {
        let line = review_log_line(&ReviewLog {
            unix_seconds: 1_765_000_000.25,
            uid: "u3",
            kind: "Pod",
            namespace: Some("shop"),
            name: None,
            owner: Some("ReplicaSet/api-7d9c5b"),
            operation: "CREATE",
            dry_run: true,
            decision: "warned",
            findings: &[("OOM003", "error")],
            error: None,
            latency_seconds: 0.001_234_56,
        });
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        assert!(line.ends_with(b"\n"));
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["time"], "2025-12-06T05:46:40.250Z");
        assert_eq!(v["namespace"], "shop");
        assert!(v.get("name").is_none());
        assert_eq!(v["owner"], "ReplicaSet/api-7d9c5b");
        assert_eq!(v["dry_run"], true);
        assert_eq!(v["findings"][0]["code"], "OOM003");
        assert_eq!(v["latency_ms"], 1.235);
    }
}
