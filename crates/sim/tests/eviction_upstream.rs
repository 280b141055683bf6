//! `rankMemoryPressure` against Kubernetes' own eviction tests, ported as tables.
//!
//! Source: kubernetes/kubernetes `pkg/kubelet/eviction/helpers_test.go`, the 1.31+-era version
//! stored in the code index as file id 145684239 (it has `TestEvictonMessageWithResourceResize`
//! and `UpdateContainerFsThresholds`; the index did not return its commit hash). Priorities come
//! from `eviction_manager_test.go` (`lowPriority = -1, defaultPriority = 0, highPriority = 1`).
//! The older version at commit 0fe831c3e98b5dc6de63a86eb3822acbf7d3c761 ranks by QoS instead
//! and is not ported.
//!
//! Each pod is written as a Pod manifest and goes through the same path as `oomdoc simulate`:
//! the manifest reader, admission (`oomdoc_model::admission::admit`) and the pod request
//! (`GetResourceRequestQuantity`); the working set is the test's `newPodMemoryStats` value.
//! The Go tests sort one input order; since their expected orders have no ties, every rotation
//! and the reverse of the input must give the same order here too.

use oomdoc_manifest::{read_str, Item};
use oomdoc_sim::eviction::{
    exceed_memory_requests, memory, ordered_by, priority, rank_memory_pressure, Candidate,
};
use oomdoc_sim::memory_bytes;
use std::cmp::Ordering;

const LOW: i32 = -1;
const DEFAULT: i32 = 0;
const HIGH: i32 = 1;

/// `newPod(name, priority, [newContainer(name, requests, limits)])` with
/// `newResourceList(cpu, memory, "")` for requests and limits, and its working set.
struct P {
    name: &'static str,
    priority: i32,
    requests: (&'static str, &'static str),
    limits: (&'static str, &'static str),
    working_set: &'static str,
}

fn list(cpu: &str, mem: &str) -> String {
    let mut s = String::new();
    if !cpu.is_empty() {
        s.push_str(&format!("            cpu: {cpu}\n"));
    }
    if !mem.is_empty() {
        s.push_str(&format!("            memory: {mem}\n"));
    }
    if s.is_empty() {
        " {}\n".to_string()
    } else {
        format!("\n{s}")
    }
}

fn candidate(p: &P) -> Candidate {
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {n}\nspec:\n  priority: {pr}\n  containers:\n    - name: {n}\n      resources:\n        requests:{req}        limits:{lim}",
        n = p.name,
        pr = p.priority,
        req = list(p.requests.0, p.requests.1),
        lim = list(p.limits.0, p.limits.1),
    );
    let items = read_str("test.yaml", &yaml);
    let Some(Item::Workload(w)) = items.first() else {
        panic!("not a workload: {items:?}\n{yaml}");
    };
    assert_eq!(w.pod.priority, Some(p.priority), "{yaml}");
    let pod = oomdoc_model::admission::admit(&w.pod, &[]);
    Candidate {
        priority: p.priority,
        request: oomdoc_sim::pod::pod_request(&pod),
        usage: Some(memory_bytes(p.working_set).unwrap()),
    }
}

type Cmp = fn(&Candidate, &Candidate) -> Ordering;

/// Sorts `input` (indices into `pods`) with `cmps` and checks the expected order of names, for
/// the input as given, every rotation of it and its reverse.
fn check(test: &str, pods: &[P], input: &[usize], cmps: &[Cmp], expected: &[&str]) -> usize {
    let cands: Vec<Candidate> = pods.iter().map(candidate).collect();
    let mut orders: Vec<Vec<usize>> = (0..input.len())
        .map(|r| {
            let mut v = input.to_vec();
            v.rotate_left(r);
            v
        })
        .collect();
    orders.push(input.iter().rev().copied().collect());
    for order in &orders {
        let view: Vec<Candidate> = order.iter().map(|&i| cands[i]).collect();
        let got: Vec<&str> = ordered_by(&view, cmps)
            .into_iter()
            .map(|k| pods[order[k]].name)
            .collect();
        assert_eq!(got, expected, "{test}, input order {order:?}");
    }
    orders.len()
}

// TestOrderedByExceedsRequestMemory
#[test]
fn ordered_by_exceeds_request_memory() {
    let pods = [
        P {
            name: "below-requests",
            priority: -1,
            requests: ("", "200Mi"),
            limits: ("", ""),
            working_set: "199Mi",
        },
        P {
            name: "exceeds-requests",
            priority: 1,
            requests: ("", "100Mi"),
            limits: ("", ""),
            working_set: "101Mi",
        },
    ];
    check(
        "TestOrderedByExceedsRequestMemory",
        &pods,
        &[0, 1],
        &[exceed_memory_requests],
        &["exceeds-requests", "below-requests"],
    );
}

// TestOrderedByPriority
#[test]
fn ordered_by_priority() {
    let pods = [
        P {
            name: "low-priority",
            priority: -134,
            requests: ("", ""),
            limits: ("", ""),
            working_set: "0",
        },
        P {
            name: "medium-priority",
            priority: 1,
            requests: ("100m", "100Mi"),
            limits: ("200m", "200Mi"),
            working_set: "0",
        },
        P {
            name: "high-priority",
            priority: 12534,
            requests: ("200m", "200Mi"),
            limits: ("200m", "200Mi"),
            working_set: "0",
        },
    ];
    check(
        "TestOrderedByPriority",
        &pods,
        &[2, 1, 0],
        &[priority],
        &["low-priority", "medium-priority", "high-priority"],
    );
}

// TestOrderedByMemory
#[test]
fn ordered_by_memory() {
    let pods = [
        P {
            name: "best-effort-high",
            priority: DEFAULT,
            requests: ("", ""),
            limits: ("", ""),
            working_set: "500Mi",
        },
        P {
            name: "best-effort-low",
            priority: DEFAULT,
            requests: ("", ""),
            limits: ("", ""),
            working_set: "300Mi",
        },
        P {
            name: "burstable-high",
            priority: DEFAULT,
            requests: ("", "100Mi"),
            limits: ("", "1Gi"),
            working_set: "800Mi",
        },
        P {
            name: "burstable-low",
            priority: DEFAULT,
            requests: ("", "100Mi"),
            limits: ("", "1Gi"),
            working_set: "300Mi",
        },
        P {
            name: "guaranteed-high",
            priority: DEFAULT,
            requests: ("", "1Gi"),
            limits: ("", "1Gi"),
            working_set: "800Mi",
        },
        P {
            name: "guaranteed-low",
            priority: DEFAULT,
            requests: ("", "1Gi"),
            limits: ("", "1Gi"),
            working_set: "200Mi",
        },
    ];
    check(
        "TestOrderedByMemory",
        &pods,
        &[0, 1, 2, 3, 4, 5],
        &[memory],
        &[
            "burstable-high",
            "best-effort-high",
            "best-effort-low",
            "burstable-low",
            "guaranteed-high",
            "guaranteed-low",
        ],
    );
}

// TestOrderedByPriorityMemory: orderedBy(exceedMemoryRequests, priority, memory), which is
// rankMemoryPressure.
#[test]
fn ordered_by_priority_memory() {
    let pods = [
        P {
            name: "above-requests-low-priority-high-usage",
            priority: LOW,
            requests: ("", ""),
            limits: ("", ""),
            working_set: "500Mi",
        },
        P {
            name: "above-requests-low-priority-low-usage",
            priority: LOW,
            requests: ("", ""),
            limits: ("", ""),
            working_set: "50Mi",
        },
        P {
            name: "above-requests-high-priority-high-usage",
            priority: HIGH,
            requests: ("", "100Mi"),
            limits: ("", ""),
            working_set: "600Mi",
        },
        P {
            name: "above-requests-high-priority-low-usage",
            priority: HIGH,
            requests: ("", "100Mi"),
            limits: ("", ""),
            working_set: "150Mi",
        },
        P {
            name: "below-requests-low-priority-high-usage",
            priority: LOW,
            requests: ("", "1Gi"),
            limits: ("", ""),
            working_set: "800Mi",
        },
        P {
            name: "below-requests-low-priority-low-usage",
            priority: LOW,
            requests: ("", "1Gi"),
            limits: ("", ""),
            working_set: "200Mi",
        },
        P {
            name: "below-requests-high-priority-high-usage",
            priority: HIGH,
            requests: ("", "1Gi"),
            limits: ("", ""),
            working_set: "800Mi",
        },
        P {
            name: "below-requests-high-priority-low-usage",
            priority: HIGH,
            requests: ("", "1Gi"),
            limits: ("", ""),
            working_set: "200Mi",
        },
    ];
    let expected: Vec<&str> = pods.iter().map(|p| p.name).collect();
    check(
        "TestOrderedByPriorityMemory",
        &pods,
        &[7, 6, 5, 4, 3, 2, 1, 0],
        &[exceed_memory_requests, priority, memory],
        &expected,
    );
    // rank_memory_pressure is that chain.
    let cands: Vec<Candidate> = pods.iter().map(candidate).collect();
    assert_eq!(rank_memory_pressure(&cands), (0..8).collect::<Vec<_>>());
}
