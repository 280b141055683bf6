//! An AdmissionReview request body (`admission.k8s.io/v1`) read into what the audit needs.
//!
//! The shape is the API server's (kube-apiserver Admission (v1),
//! <https://kubernetes.io/docs/reference/config-api/apiserver-admission.v1/>): `apiVersion`,
//! `kind: AdmissionReview` and a `request` with `uid`, `kind` (group, version, kind),
//! `operation`, `dryRun`, `namespace`, `name` and `object` (absent for DELETE, which carries
//! `oldObject`). Fields not read here (`resource`, `userInfo`, `options`...) are ignored.
//!
//! Only `v1` is read. The API server sends the first version of the webhook configuration's
//! `admissionReviewVersions` it supports and expects the response in that same version; a
//! `v1beta1` review answered with a `v1` response is an error on the API server's side. So
//! another version is a [`ReviewError::Version`] (HTTP 400 from the server layer), and the
//! deployment asks for `admissionReviewVersions: ["v1"]`.

use serde::Deserialize;
use serde_json::value::RawValue;

/// The only AdmissionReview version read.
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// A group, version and kind (`request.kind`); `group` is empty for the core group.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Gvk {
    /// `apps`, `batch`, or empty for core (`v1`) kinds.
    #[serde(default)]
    pub group: String,
    /// `v1`.
    #[serde(default)]
    pub version: String,
    /// `Pod`, `Deployment`...
    #[serde(default)]
    pub kind: String,
}

/// The operation under review.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    /// The object is being created.
    Create,
    /// The object is being replaced or patched.
    Update,
    /// The object is being deleted.
    Delete,
    /// A connection to the object (exec, attach, port-forward...).
    Connect,
}

impl Operation {
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`, as the API server spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }
}

/// The kinds that run pods: a Pod, and every kind with a pod template.
pub const POD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "PodTemplate",
];

/// One admission request, as the audit needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// `request.uid`, which the response must echo.
    pub uid: String,
    /// `request.kind`.
    pub kind: Gvk,
    /// `request.operation`.
    pub operation: Operation,
    /// `request.dryRun`: answered the same way, but said in logs.
    pub dry_run: bool,
    /// `request.namespace` (absent for cluster-scoped objects).
    pub namespace: Option<String>,
    /// `request.name` (absent when the API server will generate it).
    pub name: Option<String>,
    /// `request.object` as JSON text (absent for DELETE and for some CONNECTs).
    pub object: Option<String>,
    /// The object's `metadata.generateName` (a controller's pods have no name yet).
    pub generate_name: Option<String>,
    /// `Kind/name` of the object's controller (the `ownerReferences` entry with
    /// `controller: true`): a ReplicaSet's pods, a Deployment's ReplicaSets, a CronJob's Jobs.
    pub owner: Option<String>,
    /// An UPDATE that leaves `spec` as it was (labels, annotations, finalizers changed).
    pub spec_unchanged: bool,
    /// The object is being deleted (`metadata.deletionTimestamp` set): its updates remove
    /// finalizers.
    pub deleting: bool,
}

impl Review {
    /// Whether the object runs pods (its kind is one of [`POD_KINDS`]).
    pub fn runs_pods(&self) -> bool {
        POD_KINDS.contains(&self.kind.kind.as_str())
    }

    /// `Kind/namespace/name`, as logs and messages name the object (`generateName*` for an
    /// object whose name the API server has yet to generate).
    pub fn object_ref(&self) -> String {
        let name = match (&self.name, &self.generate_name) {
            (Some(n), _) => n.clone(),
            (None, Some(g)) => format!("{g}*"),
            (None, None) => "-".into(),
        };
        format!(
            "{}/{}/{name}",
            self.kind.kind,
            self.namespace.as_deref().unwrap_or("-"),
        )
    }
}

/// Why a body is not an AdmissionReview the webhook can answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewError {
    /// The body is not JSON, or not of the AdmissionReview shape (serde's message).
    NotJson(String),
    /// `kind` is not `AdmissionReview`.
    NotAdmissionReview(String),
    /// `apiVersion` is not `admission.k8s.io/v1`.
    Version(String),
    /// There is no `request` (a response sent back, or an empty review).
    NoRequest,
}

impl std::fmt::Display for ReviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewError::NotJson(e) => write!(f, "the body is not an AdmissionReview: {e}"),
            ReviewError::NotAdmissionReview(k) => {
                write!(f, "kind {k:?} is not AdmissionReview")
            }
            ReviewError::Version(v) => write!(
                f,
                "AdmissionReview apiVersion {v:?} is not read: the webhook answers {API_VERSION} only (admissionReviewVersions: [\"v1\"])"
            ),
            ReviewError::NoRequest => f.write_str("the AdmissionReview has no request"),
        }
    }
}

impl std::error::Error for ReviewError {}

// The request and its object are kept as raw JSON text (borrowed from the body): a review of a
// large object (and `oldObject`, never read) is not built into a JSON tree only to be written
// back as text for the manifest reader.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
}

/// What is read of the object itself before the audit: its generated name and its controller.
/// Anything else in it is skipped; an object that does not parse is the audit's to report.
#[derive(Default, Deserialize)]
struct Head<'a> {
    #[serde(default)]
    metadata: HeadMeta,
    /// The spec as sent: the API server encodes `object` and `oldObject` alike, so an update
    /// that leaves the spec alone sends it byte for byte the same.
    #[serde(default, borrow)]
    spec: Option<&'a RawValue>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeadMeta {
    #[serde(default)]
    generate_name: Option<String>,
    #[serde(default)]
    owner_references: Vec<OwnerRef>,
    #[serde(default)]
    deletion_timestamp: Option<String>,
}

#[derive(Deserialize)]
struct OwnerRef {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    controller: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    uid: String,
    kind: Gvk,
    operation: Operation,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, borrow)]
    object: Option<&'a RawValue>,
    #[serde(default, borrow)]
    old_object: Option<&'a RawValue>,
}

/// The head of an object (`None` when absent, `null`, or not an object).
fn head_of(o: Option<&RawValue>) -> Option<Head<'_>> {
    o.filter(|o| o.get() != "null")
        .and_then(|o| serde_json::from_str(o.get()).ok())
}

/// Reads an AdmissionReview request body. The version and kind are checked before the request
/// is read, so a `v1beta1` review is a [`ReviewError::Version`] whatever its request holds.
pub fn read_review(body: &[u8]) -> Result<Review, ReviewError> {
    let env: Envelope =
        serde_json::from_slice(body).map_err(|e| ReviewError::NotJson(e.to_string()))?;
    if env.kind != "AdmissionReview" {
        return Err(ReviewError::NotAdmissionReview(env.kind));
    }
    if env.api_version != API_VERSION {
        return Err(ReviewError::Version(env.api_version));
    }
    let request = match env.request {
        Some(r) if r.get() != "null" => r,
        _ => return Err(ReviewError::NoRequest),
    };
    let req: Request =
        serde_json::from_str(request.get()).map_err(|e| ReviewError::NotJson(e.to_string()))?;
    let object = req.object.filter(|o| o.get() != "null");
    let head: Head = head_of(object).unwrap_or_default();
    let spec_unchanged = req.operation == Operation::Update
        && head.spec.is_some()
        && head_of(req.old_object)
            .and_then(|h| h.spec)
            .map(RawValue::get)
            == head.spec.map(RawValue::get);
    let owner = head
        .metadata
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| format!("{}/{}", o.kind, o.name));
    let object = object.map(|o| o.get().to_string());
    Ok(Review {
        uid: req.uid,
        kind: req.kind,
        operation: req.operation,
        dry_run: req.dry_run.unwrap_or(false),
        namespace: req.namespace.filter(|n| !n.is_empty()),
        name: req.name.filter(|n| !n.is_empty()),
        object,
        generate_name: head.metadata.generate_name.filter(|n| !n.is_empty()),
        owner,
        spec_unchanged,
        deleting: head.metadata.deletion_timestamp.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_version_is_refused_before_the_request_is_read() {
        let body =
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#;
        assert_eq!(
            read_review(body),
            Err(ReviewError::Version("admission.k8s.io/v1beta1".into()))
        );
    }

    #[test]
    fn a_review_without_request_is_an_error() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#;
        assert_eq!(read_review(body), Err(ReviewError::NoRequest));
    }

    #[test]
    fn another_kind_is_an_error() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}"#;
        assert!(matches!(
            read_review(body),
            Err(ReviewError::NotAdmissionReview(_))
        ));
    }
}
