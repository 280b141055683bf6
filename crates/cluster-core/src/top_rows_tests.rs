//! `--top N` holds only the rows that can be among the N riskiest, and reports exactly what
//! ranking every row and cutting after N reports (order, ties, totals, events joined).

use k8s_openapi::api::core::v1::{Event, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::*;

/// A small deterministic generator (xorshift64*), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const T0: i64 = 1_700_000_000;

fn row(ns: &str, pod: &str, container: &str) -> ContainerRow {
    ContainerRow {
        namespace: ns.into(),
        pod: pod.into(),
        container: container.into(),
        ..ContainerRow::default()
    }
}

fn random_row(rng: &mut Rng, ns: &str, pod: &str, container: &str) -> ContainerRow {
    let mut r = row(ns, pod, container);
    // Few distinct values, so that scores and restarts tie often.
    r.restarts = [0, 1, 3, 50, 80][rng.below(5) as usize];
    if rng.chance(30) {
        r.oom_kills = 1;
        if rng.chance(70) {
            // Around the 24 h line, measured from a "now" that moves while reading.
            r.last_oom_kill_epoch = Some(T0 - rng.below(3 * 86400) as i64);
        }
    }
    r.evicted = rng.chance(10);
    r.worst_severity = match rng.below(4) {
        0 => Some(oomdoc_audit::Severity::Error),
        1 => Some(oomdoc_audit::Severity::Warning),
        _ => None,
    };
    if rng.chance(40) {
        r.memory_limit_bytes = Some(1000);
        r.usage_bytes = Some([800, 950, 1100][rng.below(3) as usize]);
    }
    r
}

fn pod_result(rows: Vec<ContainerRow>, latest: Option<i64>) -> PodResult {
    PodResult {
        containers: rows.len() as u64 + 1,
        rows,
        node: None,
        latest,
    }
}

/// An OOM/eviction event naming a pod.
fn event(ns: &str, pod: &str, reason: &str, count: i32, at: Option<i64>) -> Item {
    Item::Event(Box::new(Event {
        reason: Some(reason.into()),
        count: Some(count),
        message: Some(format!("{reason} {pod}")),
        last_timestamp: at
            .and_then(|t| k8s_openapi::chrono::DateTime::from_timestamp(t, 0).map(Time)),
        involved_object: ObjectReference {
            kind: Some("Pod".into()),
            namespace: Some(ns.into()),
            name: Some(pod.into()),
            ..ObjectReference::default()
        },
        ..Event::default()
    }))
}

/// What a scan is fed: a pod's rows (and its latest time), or an event.
enum Item {
    Pod(Vec<ContainerRow>, Option<i64>),
    Event(Box<Event>),
}

/// What a scan fed with `items` reports with `keep_top(limit)`, and the most rows it held.
fn scan(items: &[Item], limit: usize, now: Option<i64>) -> (ScanReport, usize) {
    let mut t = Tally {
        rows: TopRows::new(limit),
        ..Tally::default()
    };
    let mut most = 0;
    for i in items {
        match i {
            Item::Pod(rows, latest) => t.merge(pod_result(rows.clone(), *latest)),
            Item::Event(e) => t.add_event(e),
        }
        most = most.max(t.rows.held());
    }
    (t.finish(now), most)
}

/// Today's report cut after `limit` rows, as `scan` printed it before rows were dropped early.
fn cut(mut all: ScanReport, limit: usize) -> ScanReport {
    if all.containers_at_risk.len() > limit {
        for r in all.containers_at_risk.drain(limit..) {
            all.left_out += 1;
            all.left_out_killed += u64::from(is_killed(&r));
        }
    }
    all
}

#[test]
fn the_top_n_are_those_of_ranking_every_row() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..300 {
        let pods = 1 + rng.below(40);
        let mut items = Vec::new();
        for p in 0..pods {
            let ns = ["a", "b"][rng.below(2) as usize];
            let pod = format!("p{}", p % 25);
            if rng.chance(15) {
                let reason = ["OOMKilling", "Evicted"][rng.below(2) as usize];
                let at = Some(T0 + rng.below(2 * 86400) as i64);
                items.push(event(ns, &pod, reason, 1 + rng.below(2) as i32, at));
            }
            let containers = 1 + rng.below(3);
            let rows = (0..containers)
                .map(|c| random_row(&mut rng, ns, &pod, &format!("c{c}")))
                .collect();
            let latest = rng.chance(80).then(|| T0 + rng.below(2 * 86400) as i64);
            items.push(Item::Pod(rows, latest));
        }
        // Events after the pods, as the live scan reads them, some naming pods never read.
        for _ in 0..rng.below(6) {
            let ns = ["a", "b"][rng.below(2) as usize];
            let pod = format!("p{}", rng.below(30));
            let reason = ["OOMKilling", "Evicted", "SystemOOM"][rng.below(3) as usize];
            items.push(event(ns, &pod, reason, 1 + rng.below(4) as i32, None));
        }
        let now = rng.chance(50).then(|| T0 + rng.below(3 * 86400) as i64);
        let (all, _) = scan(&items, 0, now);
        for limit in [1, 2, 3, 5, 8, 13, 100] {
            let (top, held) = scan(&items, limit, now);
            let want = cut(all.clone(), limit);
            assert_eq!(top, want, "case {case}, --top {limit}");
            assert_eq!((top.listed(), top.killed()), (all.listed(), all.killed()));
            assert!(held <= all.containers_at_risk.len(), "case {case}");
        }
    }
}

#[test]
fn rows_held_never_exceed_n_once_the_top_is_out_of_reach() {
    // Five pods nothing can catch up with (evicted, a kill, three events read first, 50
    // restarts, an error finding, over the limit), then 2,000 restarting pods: each could gain
    // at most 700 points from events read later, which is not enough.
    let mut items = Vec::new();
    for i in 0..5 {
        let pod = format!("hot-{i}");
        items.push(event("prod", &pod, "OOMKilling", 3, None));
        let mut r = row("prod", &pod, "app");
        r.evicted = true;
        r.oom_kills = 1;
        r.restarts = 50;
        r.worst_severity = Some(oomdoc_audit::Severity::Error);
        r.memory_limit_bytes = Some(100);
        r.usage_bytes = Some(200);
        items.push(Item::Pod(vec![r], None));
    }
    for i in 0..2000 {
        let mut r = row("batch", &format!("job-{i:04}"), "worker");
        r.restarts = 1 + i % 40;
        r.oom_kills = u32::from(i % 7 == 0);
        items.push(Item::Pod(vec![r], None));
    }
    // An eviction of a dropped pod, read last, counts it among the killed, and does not list it
    // again as a pod known only by events.
    items.push(event("batch", "job-0001", "Evicted", 1, None));
    let (top, held) = scan(&items, 5, Some(T0));
    assert!(held <= 5, "held {held} rows for --top 5");
    let (all, held_all) = scan(&items, 0, Some(T0));
    assert_eq!(held_all, 2005);
    assert_eq!(top, cut(all.clone(), 5));
    assert_eq!(top.listed(), 2005);
    let killed_batch = (0..2000).filter(|i| i % 7 == 0).count() as u64 + 1;
    assert_eq!(top.killed(), 5 + killed_batch);
    assert_eq!(top.containers_at_risk.len(), 5);
    assert!(top
        .containers_at_risk
        .iter()
        .all(|r| r.pod.starts_with("hot-")));
    assert_eq!(top.left_out, 2000);
}
