//! The pure core of `oomdoc webhook`: a validating admission webhook's decision,
//! without the HTTP server.
//!
//! - [`review`]: an `admission.k8s.io/v1` AdmissionReview request body read into a [`Review`]
//!   (uid, kind, operation, dry run, namespace, name, the object's JSON text); a body that is not
//!   an AdmissionReview v1 is a [`ReviewError`], which the server answers with HTTP 400.
//! - [`mod@decide`]: the audit run on the object and the [`Decision`]: allowed unless a finding is
//!   at or above `deny`, one warning per finding within the API server's limits.
//!
//! The response document is written by `oomdoc_report::admission` (only `report` serialises);
//! [`answer`] reads a body and returns the response bytes in one call.

pub mod decide;
pub mod review;

pub use decide::{decide, DecideOptions, Decision, Outcome};
pub use review::{read_review, Gvk, Operation, Review, ReviewError};

/// Reads an AdmissionReview request body, decides, and writes the AdmissionReview response
/// (JSON bytes). An `Err` is a body the webhook cannot answer (not JSON, not an
/// `admission.k8s.io/v1` AdmissionReview, no request): the server replies HTTP 400 with the
/// error's text, and the API server applies the webhook's `failurePolicy`. `limit_ranges` as
/// for [`decide()`].
pub fn answer(
    body: &[u8],
    opts: &DecideOptions,
    limit_ranges: Option<&[oomdoc_model::pod::LimitRange]>,
) -> Result<Vec<u8>, ReviewError> {
    let review = read_review(body)?;
    let decision = decide(&review, opts, limit_ranges);
    Ok(decision.response_json())
}
