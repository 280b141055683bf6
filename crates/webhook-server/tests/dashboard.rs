//! `deploy/grafana-webhook-dashboard.json` queries only metrics the webhook exports.

use std::collections::BTreeSet;

use oomdoc_webhook::Outcome;
use oomdoc_webhook_server::metrics::{Metrics, Refusal};

/// The series names the webhook exports, once every family has a value.
fn exported() -> BTreeSet<String> {
    let m = Metrics::new();
    m.review(Outcome::Warned, &["OOM003"], 0.001);
    m.refused(Refusal::BadRequest);
    m.cert_reload(true);
    m.connection_refused();
    m.encode()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_dashboard_queries_only_metrics_the_webhook_exports() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/grafana-webhook-dashboard.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names: BTreeSet<String> = text
        .match_indices("oomdoc_webhook_")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .collect();
    let have = exported();
    assert!(names.len() >= 6, "{names:?}");
    let missing: Vec<&String> = names.iter().filter(|n| !have.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "not exported: {missing:?} (exported: {have:?})"
    );
    assert_eq!(dash["panels"].as_array().map(Vec::len), Some(6));
}
