//! Arbitrary bytes as an AdmissionReview body, and as the object of a well-formed review of
//! each kind: the webhook answers or says why not; it never panics, and every answer is an
//! AdmissionReview v1 response whose warnings stay within the API server's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomdoc_webhook::decide::{MAX_WARNINGS, MAX_WARNINGS_TOTAL_CHARS, MAX_WARNING_CHARS};
use oomdoc_webhook::{answer, DecideOptions};

fn check(body: &[u8], opts: &DecideOptions) {
    let Ok(out) = answer(body, opts, None) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_slice(&out).expect("the answer is JSON");
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    let warnings = v["response"]["warnings"].as_array().cloned().unwrap_or_default();
    assert!(warnings.len() <= MAX_WARNINGS + 1);
    let total: usize = warnings
        .iter()
        .map(|w| w.as_str().unwrap().chars().count())
        .inspect(|&n| assert!(n <= MAX_WARNING_CHARS))
        .sum();
    assert!(total <= MAX_WARNINGS_TOTAL_CHARS);
}

fuzz_target!(|data: &[u8]| {
    let opts = DecideOptions {
        deny: Some(oomdoc_audit::Severity::Warning),
        ..DecideOptions::default()
    };
    check(data, &opts);
    let Ok(object) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for kind in ["Pod", "Deployment", "CronJob"] {
        let review = serde_json::json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": kind},
                        "operation": "CREATE", "namespace": "ns", "object": object}
        });
        check(&serde_json::to_vec(&review).unwrap(), &opts);
    }
});
