//! The whole model on the fixtures (a node, `kubectl get pods -A -o json`, `kubectl top pod -A
//! --containers`, the metrics API), with every expected figure worked out by hand in comments.

use oomdoc_manifest::{read_str, Item};
use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_sim::input::{parse_node, parse_usage};
use oomdoc_sim::node::NodeConfig;
use oomdoc_sim::simulate::{simulate, Input, Report};
use oomdoc_sim::story::{Grow, StepKind};
use oomdoc_sim::threshold::{parse_list, Kind, DEFAULT_HARD};
use oomdoc_sim::usage::Assume;

const MI: i64 = 1 << 20;
const GI: i64 = 1 << 30;
const KI: i64 = 1 << 10;

const NODE: &str = include_str!("fixtures/node.yaml");
const PODS: &str = include_str!("fixtures/pods.json");
const TOP: &str = include_str!("fixtures/top.txt");
const METRICS: &str = include_str!("fixtures/metrics.json");

fn read(file: &str, text: &str) -> (Vec<Workload>, Vec<LimitRange>) {
    let mut w = Vec::new();
    let mut l = Vec::new();
    for item in read_str(file, text) {
        match item {
            Item::Workload(x) => w.push(x),
            Item::LimitRange(x) => l.push(x),
            other => panic!("unexpected {other:?}"),
        }
    }
    (w, l)
}

fn run(usage: Option<&str>, grows: &[&str], fast: bool) -> Report {
    let (w, l) = read("pods.json", PODS);
    let usage = usage.map(|u| parse_usage(u).unwrap());
    simulate(&Input {
        node: NodeConfig {
            object: Some(parse_node(NODE).unwrap()),
            hard: parse_list(DEFAULT_HARD, Kind::Hard, "").unwrap(),
            ..NodeConfig::default()
        },
        workloads: &w,
        limit_ranges: &l,
        usage: usage.as_ref(),
        assume: Assume::Request,
        grows: grows.iter().map(|g| Grow::parse(g).unwrap()).collect(),
        fast,
    })
    .unwrap()
}

#[test]
fn fit_overcommit_and_available() {
    let r = run(Some(TOP), &[], false);
    // Requests: api 1Gi + envoy 128Mi, postgres 4Gi, prometheus 2Gi, coredns 70Mi.
    assert_eq!(r.requests, (1152 + 4096 + 2048 + 70) * MI);
    // Limits: api 2Gi + envoy 256Mi, postgres 4Gi, prometheus 6Gi, coredns 170Mi; worker and
    // kube-proxy have none.
    assert_eq!(r.limits, (2304 + 4096 + 6144 + 170) * MI);
    assert_eq!(r.unlimited.len(), 2);
    assert_eq!(r.node.allocatable, 15_242_288 * KI);
    assert!(r.fits);
    assert!((r.overcommit_ratio - (12714 * MI) as f64 / (15_242_288 * KI) as f64).abs() < 1e-12);
    // Outside pods: capacity - allocatable - 100Mi = 1Gi; pods: 1650+90+900+3100+3900+25+30 Mi.
    assert_eq!(r.node.system_usage, GI);
    assert_eq!(r.pods_usage, 9695 * MI);
    assert_eq!(r.memory_available, 16_393_264 * KI - GI - 9695 * MI);
    assert_eq!(r.thresholds[0].distance, r.memory_available - 100 * MI);
    assert!(!r.thresholds[0].met);
}

#[test]
fn eviction_and_oom_orders() {
    let r = run(Some(TOP), &[], false);
    // Over request: prometheus by 1852Mi, worker by 900Mi, api by 588Mi (priority 0), then
    // kube-proxy by 30Mi (priority 2000001000); within request: postgres (priority 1000), then
    // coredns (2000000000).
    assert_eq!(
        r.eviction_order
            .iter()
            .map(|e| e.pod.as_str())
            .collect::<Vec<_>>(),
        [
            "monitoring/prometheus-0",
            "shop/worker-5c6d7f8b9-k4k2m",
            "shop/api-7d9f8b7c6-x2x5z",
            "kube-system/kube-proxy-7hq2d",
            "shop/postgres-0",
            "kube-system/coredns-5d78c9869d-8xk2p",
        ]
    );
    assert!(r.eviction_order[3].critical && r.eviction_order[5].critical);
    // capacity 16393264Ki = 16786702336 B = 4098316 pages; totalpages / 1000 = 4098.
    // prometheus: adj 1000 - 1000*2Gi/16786702336 = 1000 - 127 = 873; 3900Mi = 998400 pages.
    let first = &r.oom_kill_order[0];
    assert_eq!(first.container, "monitoring/prometheus-0/prometheus");
    assert_eq!(first.oom_score_adj, 873);
    assert_eq!(first.badness, 998_400 + 873 * 4098);
    // worker: BestEffort, 1000; 900Mi = 230400 pages.
    assert_eq!(r.oom_kill_order[1].badness, 230_400 + 1000 * 4098);
    // kube-proxy is node-critical (-997) and comes last.
    assert_eq!(r.oom_kill_order.last().unwrap().oom_score_adj, -997);
    assert_eq!(
        r.oom_kill_order.last().unwrap().container,
        "kube-system/kube-proxy-7hq2d/kube-proxy"
    );
}

#[test]
fn usage_formats_agree() {
    let top = run(Some(TOP), &[], false);
    let metrics = run(Some(METRICS), &[], false);
    let names = |r: &Report| {
        r.eviction_order
            .iter()
            .map(|e| e.pod.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&top), names(&metrics));
    // The metrics API has 312Ki more per container than `kubectl top` prints (it rounds to Mi).
    assert_eq!(metrics.pods_usage - top.pods_usage, 7 * 312 * KI);
}

#[test]
fn grow_to_the_container_limit() {
    let r = run(Some(TOP), &["shop/api=+2Gi"], false);
    let s = &r.steps[0];
    assert_eq!(s.kind, StepKind::ContainerOomKill);
    assert_eq!(s.target.as_deref(), Some("shop/api-7d9f8b7c6-x2x5z/api"));
    // 2Gi limit - 1650Mi used.
    assert_eq!(s.growth, 398 * MI);
    assert_eq!(r.steps.last().unwrap().kind, StepKind::GrowthAbsorbed);
}

#[test]
fn grow_to_hard_eviction_then_global_oom() {
    let r = run(Some(TOP), &["shop/worker=+6Gi"], false);
    let s = &r.steps[0];
    assert_eq!(s.kind, StepKind::HardEviction);
    assert_eq!(s.target.as_deref(), Some("shop/worker-5c6d7f8b9-k4k2m"));
    // The threshold is met one byte past memory.available == 100Mi.
    let before = run(Some(TOP), &[], false).memory_available;
    assert_eq!(s.growth, before - 100 * MI + 1);
    assert_eq!(s.memory_available, 100 * MI - 1);

    let r = run(Some(TOP), &["shop/worker=+6Gi"], true);
    assert_eq!(r.steps[0].kind, StepKind::HardThresholdCrossed);
    let oom = &r.steps[1];
    assert_eq!(oom.kind, StepKind::GlobalOomKill);
    assert_eq!(oom.memory_available, 0);
    assert_eq!(
        oom.target.as_deref(),
        Some("shop/worker-5c6d7f8b9-k4k2m/worker")
    );
}

#[test]
fn manifests_with_assumed_usage() {
    let k8s = "\
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - type: Container
    default: {memory: 512Mi}
    defaultRequest: {memory: 256Mi}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: api
        resources: {requests: {memory: 1Gi}, limits: {memory: 2Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: cache
";
    let (w, l) = read("k8s.yaml", k8s);
    let r = simulate(&Input {
        node: NodeConfig {
            memory: Some(4 * GI),
            hard: parse_list(DEFAULT_HARD, Kind::Hard, "").unwrap(),
            ..NodeConfig::default()
        },
        workloads: &w,
        limit_ranges: &l,
        usage: None,
        assume: Assume::PercentOfLimit(50),
        grows: vec![Grow::parse("shop/cache=+3Gi").unwrap()],
        fast: false,
    })
    .unwrap();
    // The LimitRange gives cache 256Mi request and 512Mi limit.
    assert_eq!(r.requests, GI + 256 * MI);
    assert_eq!(r.limits, 2 * GI + 512 * MI);
    // Assumed: half of each limit.
    assert_eq!(r.pods_usage, GI + 256 * MI);
    // cache grows from 256Mi to its 512Mi limit first.
    assert_eq!(r.steps[0].kind, StepKind::ContainerOomKill);
    assert_eq!(r.steps[0].growth, 256 * MI);
    assert!(r
        .assumptions
        .iter()
        .any(|a| a.contains("50% of its memory limit")));
    assert!(r
        .assumptions
        .iter()
        .any(|a| a.contains("one pod per controller")));
}

#[test]
fn pods_on_other_nodes_and_finished_pods_are_left_out() {
    // The same list as `kubectl get pods -A -o json` without a field selector: postgres moved
    // to another node, the worker's pod Failed.
    let pods = PODS
        .replacen(
            "\"nodeName\": \"ip-10-0-3-17.ec2.internal\"",
            "\"nodeName\": \"ip-10-0-9-99.ec2.internal\"",
            1,
        )
        .replacen("\"phase\": \"Running\"", "\"phase\": \"Failed\"", 2)
        .replacen("\"phase\": \"Failed\"", "\"phase\": \"Running\"", 1);
    let (all, _) = read("pods.json", PODS);
    let (w, l) = read("pods.json", &pods);
    let r = simulate(&Input {
        node: NodeConfig {
            object: Some(parse_node(NODE).unwrap()),
            hard: parse_list(DEFAULT_HARD, Kind::Hard, "").unwrap(),
            ..NodeConfig::default()
        },
        workloads: &w,
        limit_ranges: &l,
        usage: None,
        assume: Assume::Request,
        grows: Vec::new(),
        fast: false,
    })
    .unwrap();
    assert_eq!(r.pods.len(), all.len() - 2, "{:?}", r.assumptions);
    let a = r.assumptions.join("\n");
    assert!(a.contains("1 pod(s) scheduled to other nodes"), "{a}");
    assert!(a.contains("1 pod(s) Succeeded or Failed left out"), "{a}");
}
