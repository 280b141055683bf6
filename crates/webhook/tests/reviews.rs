//! The webhook core on AdmissionReview request bodies shaped as the API server sends them
//! (`tests/fixtures/`, after the example request of Kubernetes' "Dynamic Admission Control",
//! <https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#request>;
//! see `tests/fixtures/README.md`).

use std::path::PathBuf;

use oomdoc_audit::Severity;
use oomdoc_webhook::decide::{MAX_WARNINGS_TOTAL_CHARS, MAX_WARNING_CHARS};
use oomdoc_webhook::{
    answer, decide, read_review, DecideOptions, Decision, Operation, ReviewError,
};
use serde_json::Value;

fn body(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn deny(severity: Option<Severity>) -> DecideOptions {
    DecideOptions {
        deny: severity,
        ..DecideOptions::default()
    }
}

fn decision(name: &str, opts: &DecideOptions) -> Decision {
    decide(&read_review(&body(name)).expect(name), opts, Some(&[]))
}

/// The response document of a fixture.
fn response(name: &str, opts: &DecideOptions) -> Value {
    serde_json::from_slice(&answer(&body(name), opts, Some(&[])).expect(name)).unwrap()
}

fn has_oom003(d: &Decision) -> bool {
    d.warnings.iter().any(|w| w.starts_with("OOM003: "))
}

#[test]
fn a_pod_create_is_read_as_the_api_server_sends_it() {
    let r = read_review(&body("pod-create.json")).unwrap();
    assert_eq!(r.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(r.kind.group, "");
    assert_eq!(r.kind.version, "v1");
    assert_eq!(r.kind.kind, "Pod");
    assert_eq!(r.operation, Operation::Create);
    assert!(!r.dry_run);
    assert_eq!(r.namespace.as_deref(), Some("shop"));
    assert_eq!(r.name.as_deref(), Some("web"));
    assert!(r.object.as_deref().unwrap().contains("\"containers\""));
}

#[test]
fn a_best_effort_pod_is_allowed_with_an_oom003_warning() {
    let d = decision("pod-create.json", &deny(None));
    assert!(d.allowed, "{d:?}");
    assert!(has_oom003(&d), "{:?}", d.warnings);
    assert!(d.denied.is_none());
    let v = response("pod-create.json", &deny(None));
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    assert_eq!(v["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(v["response"]["allowed"], true);
    assert!(v["response"].get("status").is_none());
    let warnings = v["response"]["warnings"].as_array().unwrap();
    assert!(warnings
        .iter()
        .any(|w| w.as_str().unwrap().starts_with("OOM003: ")));
}

#[test]
fn a_best_effort_pod_is_refused_at_deny_warning_and_at_deny_error() {
    // OOM003 is an error: `--deny warning` and `--deny error` both refuse it.
    for severity in [Severity::Warning, Severity::Error] {
        let d = decision("pod-create.json", &deny(Some(severity)));
        assert!(!d.allowed, "{severity:?}");
        let msg = d.denied.as_deref().unwrap();
        assert!(msg.contains("Pod/shop/web"), "{msg}");
        assert!(msg.contains("OOM003: "), "{msg}");
        assert!(has_oom003(&d));
        let v = response("pod-create.json", &deny(Some(severity)));
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["status"]["code"], 403);
        assert!(v["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("OOM003: "));
    }
}

#[test]
fn a_dry_run_is_answered_the_same_way() {
    let r = read_review(&body("pod-create-dry-run.json")).unwrap();
    assert!(r.dry_run);
    for opts in [deny(None), deny(Some(Severity::Error))] {
        let dry = decision("pod-create-dry-run.json", &opts);
        let wet = decision("pod-create.json", &opts);
        assert_eq!(dry.allowed, wet.allowed);
        assert_eq!(dry.warnings, wet.warnings);
    }
}

#[test]
fn an_update_is_audited_on_the_new_object() {
    let r = read_review(&body("pod-update.json")).unwrap();
    assert_eq!(r.operation, Operation::Update);
    // Audited on `object` (the new one): its findings are warned about. A label change leaves
    // the spec alone, so it is not refused (see below).
    let d = decision("pod-update.json", &deny(Some(Severity::Error)));
    assert!(d.allowed);
    assert!(has_oom003(&d));
}

#[test]
fn a_delete_is_allowed_without_findings() {
    let r = read_review(&body("pod-delete.json")).unwrap();
    assert_eq!(r.operation, Operation::Delete);
    assert!(r.object.is_none());
    let d = decision("pod-delete.json", &deny(Some(Severity::Info)));
    assert!(d.allowed);
    assert!(d.warnings.is_empty() && d.findings.is_empty());
    let v = response("pod-delete.json", &deny(Some(Severity::Info)));
    assert_eq!(v["response"]["allowed"], true);
    assert!(v["response"].get("warnings").is_none());
}

#[test]
fn a_guaranteed_deployment_is_allowed_without_oom003() {
    let d = decision("deployment-create.json", &deny(Some(Severity::Error)));
    assert!(d.allowed, "{d:?}");
    assert!(!has_oom003(&d));
    assert!(d.findings.iter().all(|f| f.severity < Severity::Error));
}

#[test]
fn a_best_effort_cronjob_warns_and_is_refused_at_deny_error() {
    let d = decision("cronjob-create.json", &deny(None));
    assert!(d.allowed);
    assert!(has_oom003(&d), "{:?}", d.warnings);
    let d = decision("cronjob-create.json", &deny(Some(Severity::Error)));
    assert!(!d.allowed);
    assert!(d.denied.unwrap().contains("CronJob/shop/report"));
}

#[test]
fn a_kind_without_pods_is_allowed_without_warnings() {
    let d = decision("configmap-create.json", &deny(Some(Severity::Info)));
    assert!(d.allowed && d.warnings.is_empty() && d.findings.is_empty());
}

#[test]
fn an_object_that_cannot_be_read_is_allowed_with_a_warning() {
    let d = decision("pod-create-unreadable.json", &deny(Some(Severity::Info)));
    assert!(d.allowed, "{d:?}");
    assert!(d.unreadable);
    assert_eq!(d.warnings.len(), 1);
    assert!(
        d.warnings[0].starts_with("oomdoc could not audit Pod/shop/web"),
        "{:?}",
        d.warnings
    );
}

#[test]
fn a_body_that_is_not_json_is_an_error() {
    let e = answer(&body("not-json.txt"), &deny(None), None).unwrap_err();
    assert!(matches!(e, ReviewError::NotJson(_)), "{e:?}");
    assert!(answer(b"", &deny(None), None).is_err());
}

#[test]
fn a_v1beta1_review_is_an_error_not_a_v1_answer() {
    let e = answer(&body("pod-create-v1beta1.json"), &deny(None), None).unwrap_err();
    assert_eq!(e, ReviewError::Version("admission.k8s.io/v1beta1".into()));
    assert!(e.to_string().contains("admission.k8s.io/v1 only"));
}

#[test]
fn warnings_stay_within_the_api_servers_limits() {
    // 40 containers with long names and no memory limit (OOM001 each): many long findings.
    let containers: Vec<Value> = (0..40)
        .map(|i| {
            serde_json::json!({
                "name": format!("c{i}-{}", "x".repeat(60)),
                "image": "nginx",
                "resources": {"requests": {"memory": "64Mi"}}
            })
        })
        .collect();
    let mut review: Value = serde_json::from_slice(&body("pod-create.json")).unwrap();
    review["request"]["object"]["spec"]["containers"] = Value::Array(containers);
    let bytes = serde_json::to_vec(&review).unwrap();
    let d = decide(&read_review(&bytes).unwrap(), &deny(None), Some(&[]));
    assert!(d.findings.len() > 20, "{}", d.findings.len());
    assert!(d.warnings.len() <= 20, "{}", d.warnings.len());
    assert!(d
        .warnings
        .iter()
        .all(|w| w.chars().count() <= MAX_WARNING_CHARS));
    let total: usize = d.warnings.iter().map(|w| w.chars().count()).sum();
    assert!(total <= MAX_WARNINGS_TOTAL_CHARS, "{total}");
    assert!(d.warnings.last().unwrap().contains("more findings"));
    // Refused at `deny error`, the message lists the findings (cut the same way).
    let d = decide(
        &read_review(&bytes).unwrap(),
        &deny(Some(Severity::Error)),
        Some(&[]),
    );
    assert!(!d.allowed);
    assert!(d.denied.unwrap().contains("OOM001: "));
}

/// The fixture's Deployment with its pod template's `resources` removed, and a LimitRange of
/// its namespace that gives every container a memory limit and request.
fn bare_deployment_and_limit_range() -> (Vec<u8>, Vec<oomdoc_model::pod::LimitRange>) {
    let mut review: Value = serde_json::from_slice(&body("deployment-create.json")).unwrap();
    let containers = review["request"]["object"]["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap();
    for c in containers {
        c.as_object_mut().unwrap().remove("resources");
    }
    let limit_range = r#"{"apiVersion": "v1", "kind": "LimitRange",
        "metadata": {"name": "mem", "namespace": "shop"},
        "spec": {"limits": [{"type": "Container",
            "default": {"memory": "512Mi", "cpu": "500m"},
            "defaultRequest": {"memory": "512Mi", "cpu": "500m"}}]}}"#;
    let ranges = oomdoc_manifest::read_str("limitrange.json", limit_range)
        .into_iter()
        .filter_map(|i| match i {
            oomdoc_manifest::Item::LimitRange(l) => Some(l),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(ranges.len(), 1);
    (serde_json::to_vec(&review).unwrap(), ranges)
}

#[test]
fn a_pod_template_gets_its_namespaces_limit_range_defaults() {
    let (bytes, ranges) = bare_deployment_and_limit_range();
    let review = read_review(&bytes).unwrap();
    let with = decide(&review, &deny(None), Some(&ranges));
    assert!(
        !with.findings.iter().any(|f| f.code.as_str() == "OOM003"),
        "the LimitRange's defaults apply: {:?}",
        with.warnings
    );
    let without = decide(&review, &deny(None), Some(&[]));
    assert!(has_oom003(&without), "{:?}", without.warnings);
    assert!(!without.warnings.iter().any(|w| w.contains("LimitRanges")));
}

#[test]
fn unknown_limit_ranges_are_said_for_templates_but_not_for_pods() {
    let (bytes, _) = bare_deployment_and_limit_range();
    let d = decide(&read_review(&bytes).unwrap(), &deny(None), None);
    assert_eq!(
        d.warnings.last().map(String::as_str),
        Some("oomdoc: the LimitRanges of namespace shop are unknown to the webhook; these figures assume none")
    );
    // The API server applied them to a Pod before any validating webhook sees it.
    let pod = decide(
        &read_review(&body("pod-create.json")).unwrap(),
        &deny(None),
        None,
    );
    assert!(has_oom003(&pod));
    assert!(!pod.warnings.iter().any(|w| w.contains("LimitRanges")));
}

#[test]
fn outcomes_name_what_happened() {
    use oomdoc_webhook::Outcome;
    assert_eq!(
        decision("pod-create.json", &deny(None)).outcome(),
        Outcome::Warned
    );
    assert_eq!(
        decision("pod-create.json", &deny(Some(Severity::Warning))).outcome(),
        Outcome::Denied
    );
    assert_eq!(
        decision("pod-delete.json", &deny(None)).outcome(),
        Outcome::Skipped
    );
    assert_eq!(
        decision("configmap-create.json", &deny(None)).outcome(),
        Outcome::Skipped
    );
    assert_eq!(
        decision("pod-create-unreadable.json", &deny(None)).outcome(),
        Outcome::Unreadable
    );
    assert_eq!(
        decision("deployment-create.json", &deny(None)).outcome(),
        Outcome::Allowed
    );
}

#[test]
fn a_jvm_whose_heap_does_not_fit_is_refused_at_deny_error() {
    // The README's worked example.
    let d = decision("deployment-jvm-create.json", &deny(Some(Severity::Error)));
    assert!(!d.allowed, "{d:?}");
    // The most severe first; the container named once.
    assert!(
        d.warnings[0].starts_with("OOM101: container \"app\": JVM max heap 1Gi"),
        "{:?}",
        d.warnings
    );
    assert!(d
        .warnings
        .iter()
        .all(|w| !w.contains("container app: container")));
    assert!(d.denied.as_deref().unwrap().contains("OOM101"));
    assert!(decision("deployment-jvm-create.json", &deny(None)).allowed);
}

#[test]
fn a_pod_a_controller_creates_is_warned_about_but_never_refused() {
    let r = read_review(&body("pod-create-owned.json")).unwrap();
    assert_eq!(r.owner.as_deref(), Some("ReplicaSet/api-7d9c5b"));
    assert_eq!(r.object_ref(), "Pod/shop/api-7d9c5b-*");
    // Refusing it would stop the ReplicaSet's rollout or a drain half-way.
    let d = decide(&r, &deny(Some(Severity::Info)), Some(&[]));
    assert!(d.allowed, "{d:?}");
    assert!(has_oom003(&d));
    // The same pod written by hand is refused.
    let d = decision("pod-create.json", &deny(Some(Severity::Info)));
    assert!(!d.allowed);
}

#[test]
fn an_update_that_leaves_the_spec_or_touches_a_deletion_is_never_refused() {
    let strict = deny(Some(Severity::Info));
    // pod-update.json adds a label: the spec is byte for byte the old one.
    let r = read_review(&body("pod-update.json")).unwrap();
    assert!(r.spec_unchanged && !r.deleting);
    let d = decide(&r, &strict, Some(&[]));
    assert!(d.allowed && has_oom003(&d), "{d:?}");
    // The same update changing the image: its findings refuse it.
    let mut v: Value = serde_json::from_slice(&body("pod-update.json")).unwrap();
    v["request"]["object"]["spec"]["containers"][0]["image"] = "example/web:2.0".into();
    let r = read_review(&serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(!r.spec_unchanged);
    assert!(!decide(&r, &strict, Some(&[])).allowed);
    // The garbage collector removing a finalizer from an object being deleted.
    v["request"]["object"]["metadata"]["deletionTimestamp"] = "2026-12-07T06:00:00Z".into();
    let r = read_review(&serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(r.deleting);
    assert!(decide(&r, &strict, Some(&[])).allowed);
}
