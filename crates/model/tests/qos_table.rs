//! Kubernetes' own QoS test cases, ported as tables.
//!
//! Sources (repository kubernetes/kubernetes, file `pkg/apis/core/v1/helper/qos/qos_test.go`):
//! - Table A: `TestComputePodQOS` of the 1.32–1.35 era (commit 00c269c7d269989d555b69c295ba88e73e8acf94,
//!   index ids 42649064414 / 3889081767): 20 hand-written cases.
//! - Table B: `TestComputePodQOS` of the newest indexed version (index id 4016477798), which generates
//!   72 cases from three resource sets; the generation is reproduced below, names included.
//!
//! The Kubernetes tests build pods directly, without API defaulting, so these tables build
//! `EffectivePod`s directly too. Every row asserts the exact class.
//!
//! Skipped, with reasons:
//! - `TestCollectPodLevelResources` (5 cases) and `TestCollectContainerLevelResources` (6 cases) of
//!   the 1.32–1.35 file test internal helpers of the older summing algorithm (summed requests and
//!   limits, and an "every container has cpu and memory limits" flag), not a QoS class; oomdoc has
//!   no such helpers. Their pods' classes are covered by the tables below.
//! - Resources other than cpu and memory (`hugepages-2Mi`, `ephemeral-storage`) are not modelled;
//!   Kubernetes ignores them for QoS, so the rows that use them are ported with them left out.

mod common;

use common::*;
use oomdoc_model::admission::{EffectivePod, EffectiveResources};
use oomdoc_model::qos::{compute_pod_qos, pod_qos, requirements_class, QosClass};
use QosClass::{BestEffort, Burstable, Guaranteed};

/// `(requests cpu, requests memory, limits cpu, limits memory)`; "" means absent.
type Res = (&'static str, &'static str, &'static str, &'static str);

fn res(r: Res) -> EffectiveResources {
    er(el(r.0, r.1), el(r.2, r.3))
}

const NONE: Res = ("", "", "", "");

struct Row {
    /// The Kubernetes test pod name.
    name: &'static str,
    containers: &'static [Res],
    init_containers: &'static [Res],
    /// Pod-level `spec.resources`.
    pod: Option<Res>,
    /// The PodLevelResources feature gate.
    plr: bool,
    expected: QosClass,
}

impl Row {
    fn pod(&self) -> EffectivePod {
        let containers = self.containers.iter().map(|r| ctr("c", res(*r))).collect();
        let init_containers = self
            .init_containers
            .iter()
            .map(|r| init("i", res(*r)))
            .collect();
        let mut pod = epod(containers, init_containers);
        pod.pod_resources = self.pod.map(res);
        pod
    }
}

const fn row(name: &'static str, containers: &'static [Res], expected: QosClass) -> Row {
    Row {
        name,
        containers,
        init_containers: &[],
        pod: None,
        plr: false,
        expected,
    }
}

const fn plr_row(
    name: &'static str,
    containers: &'static [Res],
    pod: Res,
    expected: QosClass,
) -> Row {
    Row {
        name,
        containers,
        init_containers: &[],
        pod: Some(pod),
        plr: true,
        expected,
    }
}

/// Table A: `TestComputePodQOS`, 1.32–1.35.
const TABLE_A: &[Row] = &[
    row(
        "guaranteed",
        &[("100m", "100Mi", "100m", "100Mi")],
        Guaranteed,
    ),
    row(
        "guaranteed-guaranteed",
        &[
            ("100m", "100Mi", "100m", "100Mi"),
            ("100m", "100Mi", "100m", "100Mi"),
        ],
        Guaranteed,
    ),
    row("best-effort-best-effort", &[NONE, NONE], BestEffort),
    row("best-effort", &[NONE], BestEffort),
    row(
        "best-effort-burstable",
        &[NONE, ("1", "", "2", "")],
        Burstable,
    ),
    row(
        "best-effort-guaranteed",
        &[NONE, ("10m", "100Mi", "10m", "100Mi")],
        Burstable,
    ),
    row(
        "burstable-cpu-guaranteed-memory",
        &[("", "100Mi", "", "100Mi")],
        Burstable,
    ),
    row(
        "burstable-no-limits",
        &[("100m", "100Mi", "", "")],
        Burstable,
    ),
    row(
        "burstable-guaranteed",
        &[
            ("1", "100Mi", "2", "100Mi"),
            ("100m", "100Mi", "100m", "100Mi"),
        ],
        Burstable,
    ),
    row(
        "burstable-unbounded-but-requests-match-limits",
        &[
            ("100m", "100Mi", "200m", "200Mi"),
            ("100m", "100Mi", "", ""),
        ],
        Burstable,
    ),
    row(
        "burstable-1",
        &[("10m", "100Mi", "100m", "200Mi")],
        Burstable,
    ),
    row("burstable-2", &[("0", "0", "100m", "200Mi")], Burstable),
    // hugepages-2Mi 1Gi on both sides, not modelled (ignored for QoS).
    row("best-effort-hugepages", &[("0", "0", "0", "0")], BestEffort),
    Row {
        name: "init-container",
        containers: &[NONE],
        init_containers: &[("10m", "100Mi", "100m", "200Mi")],
        pod: None,
        plr: false,
        expected: Burstable,
    },
    plr_row(
        "guaranteed-with-pod-level-resources",
        &[NONE],
        ("10m", "100Mi", "10m", "100Mi"),
        Guaranteed,
    ),
    plr_row(
        "guaranteed-with-pod-and-container-level-resources",
        &[("3m", "10Mi", "5m", "20Mi")],
        ("10m", "100Mi", "10m", "100Mi"),
        Guaranteed,
    ),
    plr_row(
        "burstable-with-pod-level-resources",
        &[NONE],
        ("10m", "10Mi", "20m", "50Mi"),
        Burstable,
    ),
    plr_row(
        "burstable-with-pod-and-container-level-resources",
        &[("5m", "10Mi", "5m", "10Mi")],
        ("10m", "10Mi", "20m", "50Mi"),
        Burstable,
    ),
    plr_row(
        "burstable-with-pod-and-container-level-requests",
        &[("5m", "10Mi", "", "")],
        ("10m", "10Mi", "", ""),
        Burstable,
    ),
    plr_row(
        "burstable-with-pod-and-container-level-resources-2",
        &[("5m", "10Mi", "", ""), ("5m", "10Mi", "5m", "10Mi")],
        ("10m", "10Mi", "5m", ""),
        Burstable,
    ),
];

#[test]
fn table_a_compute_pod_qos_1_32_to_1_35() {
    assert_eq!(TABLE_A.len(), 20);
    let mut failures = Vec::new();
    for row in TABLE_A {
        let actual = compute_pod_qos(&row.pod(), row.plr);
        if actual != row.expected {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                row.name, row.expected, actual
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A generated case of table B: a named pod, the gate, the expected class.
struct Generated {
    name: String,
    pod: EffectivePod,
    plr: bool,
    expected: QosClass,
}

/// Table B: the generation of the newest `TestComputePodQOS`, reproduced step by step.
fn table_b() -> Vec<Generated> {
    // guaranteedResources: the ephemeral-storage request (10Gi) it also carries is not modelled.
    let guaranteed = || res(("100m", "100Mi", "100m", "100Mi"));
    // bestEffortResources: {}, requests 0/0, requests of ephemeral-storage only (not modelled).
    let best_effort = [res(NONE), res(("0", "0", "", "")), res(NONE)];
    let burstable = [
        res(("100m", "100Mi", "200m", "200Mi")),
        res(("100m", "100Mi", "100m", "200Mi")),
        res(("100m", "100Mi", "200m", "100Mi")),
        res(("100m", "100Mi", "", "")),
        res(("100m", "100Mi", "100m", "")),
    ];
    let one = |name: String, r: EffectiveResources, expected| Generated {
        name,
        pod: epod(vec![ctr("", r)], vec![]),
        plr: false,
        expected,
    };
    let two = |name: &str, a: &EffectiveResources, b: &EffectiveResources, expected| Generated {
        name: name.to_string(),
        pod: epod(vec![ctr("", a.clone()), ctr("", b.clone())], vec![]),
        plr: false,
        expected,
    };

    // Container level test cases.
    let mut single = vec![one("guaranteed".into(), guaranteed(), Guaranteed)];
    for (i, r) in best_effort.iter().enumerate() {
        single.push(one(format!("best-effort-{i}"), r.clone(), BestEffort));
    }
    for (i, r) in burstable.iter().enumerate() {
        single.push(one(format!("burstable-{i}"), r.clone(), Burstable));
    }

    // 2 Container cases.
    let mut second = vec![
        two("2c-guaranteed", &guaranteed(), &guaranteed(), Guaranteed),
        two(
            "2c-best-effort",
            &best_effort[0],
            &best_effort[1],
            BestEffort,
        ),
        two("2c-burstable", &burstable[0], &burstable[1], Burstable),
    ];
    // Mixed cases (all burstable).
    let firsts = [guaranteed(), best_effort[0].clone(), burstable[0].clone()];
    let seconds = [guaranteed(), best_effort[1].clone(), burstable[1].clone()];
    for (i, a) in firsts.iter().enumerate() {
        for (j, b) in seconds.iter().enumerate() {
            if i != j {
                second.push(two(&format!("2c-mixed-burstable-{i}-{j}"), a, b, Burstable));
            }
        }
    }

    let mut container_tests: Vec<Generated> = Vec::new();
    container_tests.extend(single.iter().map(clone_case));
    container_tests.extend(second.iter().map(clone_case));
    // Add initContainer variant: doesn't matter if second container is an init container or not.
    for tc in &second {
        let mut pod = tc.pod.clone();
        let moved: Vec<_> = pod
            .containers
            .drain(1..)
            .map(|c| init(&c.name, c.resources))
            .collect();
        pod.init_containers = moved;
        container_tests.push(Generated {
            name: format!("{}-init", tc.name),
            pod,
            ..clone_case(tc)
        });
    }

    let mut tests: Vec<Generated> = container_tests.iter().map(clone_case).collect();
    // Enabling pod-level-resources without setting pod.spec.resources.
    for tc in &container_tests {
        tests.push(Generated {
            name: format!("{}-plr", tc.name),
            plr: true,
            ..clone_case(tc)
        });
    }
    // Pod level resources test cases.
    for tc in &single {
        // variant 1: PLR enabled, guaranteed container with pod-level resources.
        let mut pod = tc.pod.clone();
        pod.pod_resources = Some(pod.containers[0].resources.clone());
        pod.containers[0].resources = guaranteed();
        tests.push(Generated {
            name: format!("pod-{}-plr", tc.name),
            pod,
            plr: true,
            expected: tc.expected,
        });
        // variant 2: PLR disabled, guaranteed pod.
        let mut pod = tc.pod.clone();
        pod.pod_resources = Some(guaranteed());
        tests.push(Generated {
            name: format!("{}-pod-no-plr", tc.name),
            pod,
            plr: false,
            expected: tc.expected,
        });
    }
    tests
}

fn clone_case(g: &Generated) -> Generated {
    Generated {
        name: g.name.clone(),
        pod: g.pod.clone(),
        plr: g.plr,
        expected: g.expected,
    }
}

#[test]
fn table_b_compute_pod_qos_newest() {
    let tests = table_b();
    assert_eq!(tests.len(), 72);
    let mut failures = Vec::new();
    for t in &tests {
        let actual = compute_pod_qos(&t.pod, t.plr);
        if actual != t.expected {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                t.name, t.expected, actual
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn table_b_names_are_the_kubernetes_names() {
    let names: Vec<String> = table_b().into_iter().map(|t| t.name).collect();
    for expected in [
        "guaranteed",
        "best-effort-2",
        "burstable-4",
        "2c-mixed-burstable-2-1",
        "2c-burstable-init",
        "2c-mixed-burstable-0-1-init-plr",
        "pod-best-effort-0-plr",
        "burstable-3-pod-no-plr",
    ] {
        assert!(names.iter().any(|n| n == expected), "missing {expected}");
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "duplicate names");
}

// ---- oomdoc's own cases (not from Kubernetes) ----

#[test]
fn sidecars_take_part_like_init_containers() {
    let guaranteed = res(("100m", "100Mi", "100m", "100Mi"));
    let pod = epod(
        vec![ctr("app", guaranteed.clone())],
        vec![sidecar("proxy", guaranteed)],
    );
    assert_eq!(compute_pod_qos(&pod, true), Guaranteed);
    let pod = epod(
        vec![ctr("app", res(("100m", "100Mi", "100m", "100Mi")))],
        vec![sidecar("proxy", none())],
    );
    assert_eq!(compute_pod_qos(&pod, true), Burstable);
}

#[test]
fn empty_pod_level_resources_decide_alone_when_the_gate_is_on() {
    let pod = epod_plr(
        vec![ctr("app", res(("1", "1Gi", "1", "1Gi")))],
        vec![],
        none(),
    );
    assert_eq!(compute_pod_qos(&pod, true), BestEffort);
    assert_eq!(compute_pod_qos(&pod, false), Guaranteed);
}

#[test]
fn a_pod_without_containers_is_best_effort() {
    assert_eq!(compute_pod_qos(&epod(vec![], vec![]), false), BestEffort);
}

#[test]
fn equal_by_value_not_by_spelling() {
    // 1Gi == 1073741824, 0.5 == 500m: Quantity.Equal compares values.
    assert_eq!(
        requirements_class(&res(("0.5", "1Gi", "500m", "1073741824"))),
        Guaranteed
    );
    // A zero entry on one side equals a missing one on the other.
    assert_eq!(requirements_class(&res(("0", "0", "", ""))), BestEffort);
    assert_eq!(requirements_class(&res(("", "", "0", "0"))), BestEffort);
}

#[test]
fn status_qos_class_wins_over_the_spec() {
    let mut pod = epod(vec![ctr("app", none())], vec![]);
    assert_eq!(pod_qos(&pod), BestEffort);
    pod.status_qos_class = Some("Guaranteed".to_string());
    assert_eq!(pod_qos(&pod), Guaranteed);
    pod.status_qos_class = Some("Burstable".to_string());
    assert_eq!(pod_qos(&pod), Burstable);
    // Not a class name: computed from the spec.
    pod.status_qos_class = Some("Gold".to_string());
    assert_eq!(pod_qos(&pod), BestEffort);
}

#[test]
fn pod_qos_takes_the_pod_level_gate_as_on() {
    let pod = epod_plr(
        vec![ctr("app", none())],
        vec![],
        res(("1", "1Gi", "1", "1Gi")),
    );
    assert_eq!(pod_qos(&pod), Guaranteed);
}
