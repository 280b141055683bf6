//! `oomdoc simulate` end to end: the fixtures in `crates/sim/tests/fixtures/` (shaped like
//! `kubectl get node -o yaml`, `kubectl get pods -A -o json`, `kubectl top pod -A --containers`
//! and the metrics API), text and JSON, stdin, exit codes and error messages.

use std::io::Write;
use std::process::{Command, Stdio};

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sim/tests/fixtures/");

/// Runs `oomdoc ARGS` in the fixtures directory: (exit code, stdout, stderr).
fn oomdoc(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args(args)
        .current_dir(FIX)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = c.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or(b"")).unwrap();
    drop(input);
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, out, err) = oomdoc(&all, None);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn live_node_as_json() {
    let v = json(&[
        "simulate",
        "--node",
        "node.yaml",
        "pods.json",
        "--usage",
        "top.txt",
    ]);
    assert_eq!(v["fits"], true);
    assert_eq!(v["allocatable_bytes"], 15_242_288i64 * 1024);
    // 1152Mi + 4Gi + 2Gi + 70Mi of requests; 2304Mi + 4Gi + 6Gi + 170Mi of limits.
    assert_eq!(v["requests_bytes"], 7366i64 << 20);
    assert_eq!(v["limits_bytes"], 12714i64 << 20);
    let ratio = v["overcommit_ratio"].as_f64().unwrap();
    assert!(
        (ratio - (12714.0 * 1024.0) / 15_242_288.0).abs() < 0.001,
        "{ratio}"
    );
    // capacity - 1Gi outside pods - 9695Mi of pods.
    assert_eq!(
        v["memory_available_bytes"],
        16_393_264i64 * 1024 - (1 << 30) - (9695i64 << 20)
    );
    assert_eq!(v["eviction_order"][0], "monitoring/prometheus-0");
    assert_eq!(v["oom_kill_order"][0], "monitoring/prometheus-0/prometheus");
    assert_eq!(v["oom_kill_order"].as_array().unwrap().len(), 7);
    assert_eq!(v["thresholds"][0]["threshold"], "memory.available<100Mi");
    assert_eq!(v["thresholds"][0]["kind"], "hard");
    assert!(v["steps"].as_array().unwrap().is_empty());
    assert!(!v["assumptions"].as_array().unwrap().is_empty());
}

#[test]
fn metrics_api_and_top_give_the_same_orders() {
    let a = json(&[
        "simulate",
        "--node",
        "node.yaml",
        "pods.json",
        "--usage",
        "top.txt",
    ]);
    let b = json(&[
        "simulate",
        "--node",
        "node.yaml",
        "pods.json",
        "--usage",
        "metrics.json",
    ]);
    assert_eq!(a["eviction_order"], b["eviction_order"]);
    assert_eq!(a["oom_kill_order"], b["oom_kill_order"]);
    assert_eq!(b["usage_source"], "metrics API (PodMetricsList)");
}

#[test]
fn grow_story_in_text() {
    let (code, out, err) = oomdoc(
        &[
            "simulate",
            "--node",
            "node.yaml",
            "pods.json",
            "--usage",
            "top.txt",
            "--grow",
            "shop/api=+2Gi",
            "--grow",
            "shop/worker=+6Gi",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("kubelet eviction order under memory pressure"),
        "{out}"
    );
    assert!(out.contains("kernel OOM killer victim order"), "{out}");
    let story = out.split("as usage grows:").nth(1).unwrap();
    // api reaches its 2Gi limit long before the node runs short.
    let first = story.lines().nth(1).unwrap();
    assert!(
        first.contains("container oom kill shop/api-7d9f8b7c6-x2x5z/api"),
        "{story}"
    );
    assert!(
        story.contains("hard eviction shop/worker-5c6d7f8b9-k4k2m"),
        "{story}"
    );
    assert!(out.contains("assumptions:"), "{out}");
}

#[test]
fn fast_growth_ends_in_a_global_oom_kill() {
    let v = json(&[
        "simulate",
        "--node",
        "node.yaml",
        "pods.json",
        "--usage",
        "metrics.json",
        "--grow",
        "shop/worker=+8Gi",
        "--fast-growth",
    ]);
    let kinds: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["hard_threshold_crossed", "global_oom_kill"]);
    assert_eq!(
        v["steps"][1]["target"],
        "shop/worker-5c6d7f8b9-k4k2m/worker"
    );
    assert_eq!(v["steps"][1]["memory_available_bytes"], 0);
}

#[test]
fn planned_node_from_manifests_on_stdin() {
    let k8s = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        resources: {requests: {memory: 6Gi}, limits: {memory: 12Gi}}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: db\n        resources: {requests: {memory: 12Gi}, limits: {memory: 12Gi}}\n";
    let (code, out, err) = oomdoc(
        &[
            "simulate",
            "--node-memory",
            "16Gi",
            "--eviction-hard",
            "memory.available<100Mi",
            "-",
            "--grow",
            "shop/api=+2Gi",
            "--format",
            "json",
        ],
        Some(k8s),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // 18Gi of requests do not fit in 16Gi - 100Mi.
    assert_eq!(v["fits"], false);
    assert_eq!(v["allocatable_bytes"], (16i64 << 30) - (100 << 20));
    // Usage assumed = requests: 18Gi on a 16Gi node; the hard threshold is already met, so the
    // kubelet evicts before anything grows: api (Burstable, within request, priority 0) and db
    // tie on the first two comparators; usage - request is 0 for both, so input order.
    assert_eq!(v["thresholds"][0]["met"], true);
    assert_eq!(v["steps"][0]["kind"], "hard_eviction");
    let assumptions = v["assumptions"].to_string();
    assert!(
        assumptions.contains("one pod per controller"),
        "{assumptions}"
    );
    assert!(assumptions.contains("its memory request"), "{assumptions}");
}

#[test]
fn unreadable_input_exits_2_naming_file_and_line() {
    let (code, _, err) = oomdoc(
        &["simulate", "--node", "pods.json", "--usage", "top.txt"],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("pods.json: no Node object found"), "{err}");

    let (code, _, err) = oomdoc(
        &["simulate", "--node-memory", "16Gi", "--usage", "-"],
        Some(b"NAME   CPU(cores)   MEMORY(bytes)\napi-1  3m  120Mi\napi-2  3m  lots\n"),
    );
    assert_eq!(code, 2);
    assert!(err.contains("-:3: `lots`"), "{err}");

    let (code, _, err) = oomdoc(&["simulate", "--node", "missing.yaml"], None);
    assert_eq!(code, 2);
    assert!(err.contains("missing.yaml: cannot read"), "{err}");

    let (code, _, err) = oomdoc(
        &[
            "simulate",
            "--node-memory",
            "16Gi",
            "--eviction-hard",
            "memory.available<-5%",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("--eviction-hard"), "{err}");

    // A bad manifest is reported with its position; the rest is still simulated.
    let (code, out, err) = oomdoc(
        &["simulate", "--node-memory", "16Gi", "-"],
        Some(b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    resources: {requests: {memory: 1Zi}}\n"),
    );
    assert_eq!(code, 2);
    assert!(err.contains("-:7:"), "{err}");
    assert!(out.contains("memory.available"), "{out}");

    let (code, _, err) = oomdoc(
        &[
            "simulate",
            "--node",
            "node.yaml",
            "pods.json",
            "--grow",
            "shop/nope=+1Gi",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no pod shop/nope"), "{err}");
}

#[test]
fn help_shows_examples() {
    let (code, out, _) = oomdoc(&["simulate", "--help"], None);
    assert_eq!(code, 0);
    assert!(
        out.contains("oomdoc simulate --node node.yaml pods.json --usage top.txt"),
        "{out}"
    );
    assert!(out.contains("--assume-usage"), "{out}");
}
