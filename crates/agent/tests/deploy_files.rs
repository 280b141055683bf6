//! The files in deploy/ that go with the agent refer to what the agent exports.

use std::collections::BTreeSet;

use oomdoc_agent::components::{Component, Sample};
use oomdoc_agent::kills::kills_in;
use oomdoc_agent::metrics::{Metrics, Who};

fn deploy(name: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/");
    std::fs::read_to_string(format!("{p}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Names of the series the agent exposes once it has sampled a JVM container and seen a kill
/// (`# TYPE name kind`; counters as `name_total`): empty families are not written.
fn exported() -> BTreeSet<String> {
    let mut m = Metrics::new();
    let who = Who {
        pod_uid: "u".into(),
        ..Who::default()
    };
    let sample = Sample {
        components: Component::ALL.iter().map(|c| (*c, 1)).collect(),
        limit: Some(1 << 30),
    };
    m.set_sample(&who, &sample, Some(1 << 28));
    let report = "6,1,1,-;Memory cgroup out of memory: Killed process 7 (java) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB\n";
    for k in kills_in("k", report.as_bytes()).kills {
        m.record_kill(&who, &k, 1.0);
    }
    let mut out = BTreeSet::new();
    for l in m.encode().lines() {
        let mut w = l.split(' ');
        if let (Some("#"), Some("TYPE"), Some(name), Some(kind)) =
            (w.next(), w.next(), w.next(), w.next())
        {
            out.insert(if kind == "counter" {
                format!("{name}_total")
            } else {
                name.to_string()
            });
        }
    }
    out
}

#[test]
fn the_dashboard_queries_only_metrics_the_agent_exports() {
    let dash: serde_json::Value =
        serde_json::from_str(&deploy("grafana-agent-dashboard.json")).unwrap();
    let text = dash.to_string();
    let names: BTreeSet<String> = text
        .match_indices("oomdoc_")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| n != "oomdoc_")
        .collect();
    let have = exported();
    assert!(names.len() >= 7, "{names:?}");
    let missing: Vec<&String> = names.iter().filter(|n| !have.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "not exported: {missing:?} (exported: {have:?})"
    );
    assert_eq!(dash["panels"].as_array().map(Vec::len), Some(7));
}
