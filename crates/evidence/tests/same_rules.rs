//! A pod pasted into `explain` reads as the same pod in `audit`: both readers parse with
//! `oomdoc_document`, so a scalar means what it means to the API server whichever command reads it.

use oomdoc_evidence::pod_status::parse_pods;
use oomdoc_manifest::{read_str, Item};

fn pod(limit: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: app:1\n    resources:\n      limits:\n        memory: {limit}\n"
    )
}

/// The limit in bytes as the manifest reader (audit) and the pod reader (explain) see it.
fn both(limit: &str) -> (Option<i64>, Option<i64>) {
    let text = pod(limit);
    let audit = read_str("pod.yaml", &text)
        .into_iter()
        .find_map(|i| match i {
            Item::Workload(w) => w.pod.containers[0]
                .resources
                .limits
                .memory
                .as_ref()
                .and_then(|q| q.value.value()),
            _ => None,
        });
    let explain = parse_pods(&text).unwrap()[0].containers[0].memory_limit_bytes;
    (audit, explain)
}

#[test]
fn audit_and_explain_read_a_limit_the_same_way() {
    // YAML 1.1 as go-yaml v2 reads it: `0100` is octal, `1_048_576` an int, `1e3` a number.
    for (text, bytes) in [
        ("256Mi", 268_435_456),
        ("\"1Gi\"", 1_073_741_824),
        ("0x100000", 1_048_576),
        ("1_048_576", 1_048_576),
        ("0100", 64),
        ("1e3", 1000),
    ] {
        assert_eq!(both(text), (Some(bytes), Some(bytes)), "memory: {text}");
    }
}
