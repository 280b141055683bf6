//! The webhook's decision about one [`Review`]: the audit run on its object, then allowed or
//! refused, with one warning per finding.
//!
//! - DELETE and CONNECT, and kinds that run no pods: allowed, no warnings.
//! - CREATE and UPDATE of a Pod or a kind with a pod template: the object is read with the
//!   manifest reader and audited as `oomdoc audit` would (the policy file applies); refused
//!   when a finding is at or above `deny` (`None`: never), with a 403 status listing them.
//! - An object a controller owns (a ReplicaSet's pods, a Deployment's ReplicaSets, a CronJob's
//!   Jobs) is audited and warned about but never refused: its owner was admitted (or predates
//!   the webhook), and refusing what the controller creates would stop a rollout, a scale-up or
//!   a node drain half-way, with the pods of a running service gone.
//! - An UPDATE that leaves the spec as it was (labels, annotations, finalizers: what tools and
//!   the garbage collector change) or touches an object being deleted is warned about but never
//!   refused: refusing it would wedge a deletion or a relabelling on findings it did not bring.
//! - An object the webhook cannot read: allowed, with a warning saying so (never block a
//!   cluster on our own bug). Dry runs are answered the same way.
//!
//! LimitRanges: the API server's LimitRanger admission plugin fills a Pod's missing requests and
//! limits from its namespace's LimitRanges in the mutating phase, before any validating webhook
//! sees the Pod; it never touches pod templates. So a Pod is audited as it comes, and a template
//! with the namespace's LimitRanges applied as admission will apply them to its pods, when the
//! server could read them (`Some`); when it could not (`None`), the figures assume none and a
//! last warning says so.
//!
//! Warnings stay within what the API server passes on. kube-apiserver records a webhook's
//! warnings in `k8s.io/apiserver/pkg/endpoints/filters/warning.go`
//! (<https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/apiserver/pkg/endpoints/filters/warning.go>):
//! `truncateItemRunes = 256` and `truncateAtTotalRunes = 4 * 1024`: once the warnings of a
//! request total over 4096 runes, each is cut to 256 runes, and those past the total are
//! dropped. So each warning here is at most [`MAX_WARNING_CHARS`] characters, and the list
//! stops (with a last line counting the rest) before [`MAX_WARNINGS_TOTAL_CHARS`].

use oomdoc_audit::{Assumptions, AuditSession, Finding, Policy, Severity};
use oomdoc_manifest::Item;
use oomdoc_model::pod::LimitRange;

use crate::review::{Operation, Review};

/// The most characters of one warning (the API server's `truncateItemRunes`).
pub const MAX_WARNING_CHARS: usize = 256;
/// The most characters of all warnings of a response (`truncateAtTotalRunes`).
pub const MAX_WARNINGS_TOTAL_CHARS: usize = 4 * 1024;
/// The most warnings in a response: more is noise in a terminal, and the total stays well
/// inside [`MAX_WARNINGS_TOTAL_CHARS`] for usual lengths.
pub const MAX_WARNINGS: usize = 20;
/// The status code of a refusal.
pub const DENIED_CODE: u16 = 403;

/// How the webhook decides.
#[derive(Clone, Debug, Default)]
pub struct DecideOptions {
    /// Refuse objects with a finding at or above this severity; `None` never refuses.
    pub deny: Option<Severity>,
    /// The audit's policy file (`--config`), if any.
    pub policy: Option<Policy>,
    /// The audit's assumptions (node memory, JDK...).
    pub assumptions: Assumptions,
}

/// The answer to one review.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The request's uid, echoed in the response.
    pub uid: String,
    /// Whether the object is admitted.
    pub allowed: bool,
    /// The warnings, within the API server's limits.
    pub warnings: Vec<String>,
    /// The refusal's message (the findings at or above `deny`); `None` when allowed.
    pub denied: Option<String>,
    /// Every finding of the audit (for logs and metrics), after the policy.
    pub findings: Vec<Finding>,
    /// The object could not be read (allowed with a warning).
    pub unreadable: bool,
    /// The object was not audited: DELETE, CONNECT, or a kind that runs no pods.
    pub skipped: bool,
}

/// What happened to a review, as logs and metrics label it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Not audited (DELETE, CONNECT, a kind without pods).
    Skipped,
    /// Audited, no findings.
    Allowed,
    /// Audited, allowed with warnings.
    Warned,
    /// Refused.
    Denied,
    /// The object could not be read; allowed with a warning.
    Unreadable,
}

impl Outcome {
    /// Every outcome, in order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Skipped,
        Outcome::Allowed,
        Outcome::Warned,
        Outcome::Denied,
        Outcome::Unreadable,
    ];

    /// `skipped`, `allowed`, `warned`, `denied`, `unreadable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Skipped => "skipped",
            Outcome::Allowed => "allowed",
            Outcome::Warned => "warned",
            Outcome::Denied => "denied",
            Outcome::Unreadable => "unreadable",
        }
    }
}

impl Decision {
    fn allowed(review: &Review) -> Decision {
        Decision {
            uid: review.uid.clone(),
            allowed: true,
            warnings: Vec::new(),
            denied: None,
            findings: Vec::new(),
            unreadable: false,
            skipped: false,
        }
    }

    /// What happened, for logs and metrics.
    pub fn outcome(&self) -> Outcome {
        if self.skipped {
            Outcome::Skipped
        } else if self.unreadable {
            Outcome::Unreadable
        } else if !self.allowed {
            Outcome::Denied
        } else if self.warnings.is_empty() {
            Outcome::Allowed
        } else {
            Outcome::Warned
        }
    }

    /// The AdmissionReview response document (JSON bytes), by `oomdoc_report::admission`.
    pub fn response_json(&self) -> Vec<u8> {
        oomdoc_report::admission_response_json(&oomdoc_report::AdmissionAnswer {
            uid: &self.uid,
            allowed: self.allowed,
            warnings: &self.warnings,
            status: self.denied.as_deref().map(|m| (DENIED_CODE, m)),
        })
    }
}

/// Decides about one review. `limit_ranges` are the LimitRanges of the review's namespace, or
/// `None` when the server could not read them (see the module's notes).
pub fn decide(
    review: &Review,
    opts: &DecideOptions,
    limit_ranges: Option<&[LimitRange]>,
) -> Decision {
    let mut decision = Decision::allowed(review);
    if matches!(review.operation, Operation::Delete | Operation::Connect) || !review.runs_pods() {
        decision.skipped = true;
        return decision;
    }
    let findings = match audit_object(review, opts, limit_ranges.unwrap_or(&[])) {
        Ok(findings) => findings,
        Err(why) => {
            decision.unreadable = true;
            decision.warnings = vec![cut(&format!(
                "oomdoc could not audit {}: {why}; allowed unchecked",
                review.object_ref()
            ))];
            return decision;
        }
    };
    decision.warnings = warnings(&findings);
    if limit_ranges.is_none() && !findings.is_empty() && review.kind.kind != "Pod" {
        decision.warnings.push(cut(&format!(
            "oomdoc: the LimitRanges of namespace {} are unknown to the webhook; these figures assume none",
            review.namespace.as_deref().unwrap_or("default")
        )));
    }
    let refusing: Vec<&Finding> = match opts.deny {
        Some(deny) if review.owner.is_none() && !review.spec_unchanged && !review.deleting => {
            findings.iter().filter(|f| f.severity >= deny).collect()
        }
        _ => Vec::new(),
    };
    if !refusing.is_empty() {
        decision.allowed = false;
        decision.denied = Some(denial_message(review, &refusing, opts.deny));
    }
    decision.findings = findings;
    decision
}

/// Reads the object with the manifest reader and audits its workload(s).
fn audit_object(
    review: &Review,
    opts: &DecideOptions,
    limit_ranges: &[LimitRange],
) -> Result<Vec<Finding>, String> {
    let text = review
        .object
        .as_deref()
        .ok_or("the request has no object")?;
    let file = review.object_ref();
    let mut workloads = Vec::new();
    for item in oomdoc_manifest::read_str(&file, text) {
        match item {
            Item::Workload(mut w) => {
                if w.namespace.is_none() {
                    w.namespace = review.namespace.clone();
                }
                workloads.push(w);
            }
            Item::Error(e) => return Err(e.to_string()),
            _ => {}
        }
    }
    if workloads.is_empty() {
        return Err(format!("no pod spec found in the {}", review.kind.kind));
    }
    // A Pod comes with its namespace's LimitRanges already applied (see the module's notes).
    let limit_ranges = if review.kind.kind == "Pod" {
        &[]
    } else {
        limit_ranges
    };
    let mut session = AuditSession::new(limit_ranges, &[], &[], opts.assumptions.clone(), 0);
    if let Some(policy) = &opts.policy {
        session = session.with_policy(policy.clone());
    }
    let mut findings = Vec::new();
    for w in &workloads {
        if w.rejected {
            return Err("the object holds a value the API server would reject".into());
        }
        findings.extend(session.workload(w).1);
    }
    findings.extend(session.finish().1);
    Ok(findings)
}

/// `OOM003: message` for a finding, naming the container when the message does not.
fn line(f: &Finding) -> String {
    match &f.container {
        Some(c) if !f.message.contains(&format!("\"{c}\"")) => {
            format!("{}: container {c}: {}", f.code, f.message)
        }
        _ => format!("{}: {}", f.code, f.message),
    }
}

/// `text` cut to [`MAX_WARNING_CHARS`] characters (ending with `...` when cut).
fn cut(text: &str) -> String {
    // One line each: kubectl prints a warning per line.
    let text = text.replace(['\n', '\r'], " ");
    if text.chars().count() <= MAX_WARNING_CHARS {
        return text;
    }
    let mut out: String = text.chars().take(MAX_WARNING_CHARS - 3).collect();
    out.push_str("...");
    out
}

/// One warning per finding, the most severe first (what is cut is the least severe), within
/// [`MAX_WARNINGS`] and [`MAX_WARNINGS_TOTAL_CHARS`]; a last line counts the findings left out.
fn warnings(findings: &[Finding]) -> Vec<String> {
    let mut findings: Vec<&Finding> = findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = Vec::new();
    let mut total = 0;
    // Room for the last line (`... and N more findings (oomdoc audit shows all)`).
    let reserve = 64;
    for (i, f) in findings.iter().enumerate() {
        let w = cut(&line(f));
        let n = w.chars().count();
        let last = i + 1 == findings.len();
        let room = if last {
            MAX_WARNINGS_TOTAL_CHARS
        } else {
            MAX_WARNINGS_TOTAL_CHARS - reserve
        };
        if (out.len() + 1 >= MAX_WARNINGS && !last) || total + n > room {
            out.push(format!(
                "... and {} more findings (oomdoc audit shows all)",
                findings.len() - i
            ));
            break;
        }
        total += n;
        out.push(w);
    }
    out
}

/// The refusal's message: the object, the threshold, and the findings at or above it.
fn denial_message(review: &Review, refusing: &[&Finding], deny: Option<Severity>) -> String {
    let at = deny.map_or("", |s| s.as_str());
    let mut msg = format!(
        "oomdoc: {} has {} finding{} at or above {at}:",
        review.object_ref(),
        refusing.len(),
        if refusing.len() == 1 { "" } else { "s" }
    );
    for f in refusing.iter().take(MAX_WARNINGS) {
        msg.push_str("\n- ");
        msg.push_str(&cut(&line(f)));
    }
    if refusing.len() > MAX_WARNINGS {
        let more = refusing.len() - MAX_WARNINGS;
        msg.push_str(&format!("\n- ... and {more} more (oomdoc audit shows all)"));
    }
    msg
}
