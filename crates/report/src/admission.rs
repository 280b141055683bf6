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
}
