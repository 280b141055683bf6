//! The scan: pods, nodes and events fed one at a time (from a live cluster page by page, or from a
//! dump item by item), kept as the rows worth listing and per-node sums, ranked at the end. Memory
//! holds the listed rows (with `--top N` only those that can still be among the N riskiest:
//! `top_rows.rs`), one entry per node, and the OOM/eviction events, never the pods. Pure.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use oomdoc_audit::Assumptions;
use oomdoc_manifest::ReadOptions;

use crate::overcommit::NodeRow;
use crate::pod_audit::audit_pod;
use crate::risk::rank;
use crate::rows::{
    latest_time, pod_evicted, pod_finished, pod_memory, pod_rows, ContainerRow, PodMemory,
};
use crate::top_rows::{is_killed, TopRows};

/// Event reasons about memory: OOM kills on a node, kubelet evictions and memory pressure.
pub const OOM_EVENT_REASONS: [&str; 5] = [
    "OOMKilling",
    "SystemOOM",
    "Evicted",
    "EvictionThresholdMet",
    "OOMKilled",
];

/// The event is about memory: an OOM kill, an eviction or eviction pressure.
pub fn is_oom_event(e: &Event) -> bool {
    e.reason
        .as_deref()
        .is_some_and(|r| OOM_EVENT_REASONS.contains(&r))
}

/// Measured working sets by `namespace/pod/container` (the metrics API).
pub type Usage = HashMap<String, u64>;

/// What a scan found, ranked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanReport {
    /// Pods read.
    pub pods: u64,
    /// Containers read.
    pub containers: u64,
    /// Nodes read.
    pub nodes_read: u64,
    /// OOM/eviction events read.
    pub oom_events: u64,
    /// The time risks are measured from (RFC 3339): the clock, or the latest time in a dump.
    pub now: Option<String>,
    /// Containers worth a look, riskiest first (with `--top N` the first N).
    pub containers_at_risk: Vec<ContainerRow>,
    /// Containers worth a look that `--top N` left out of `containers_at_risk`.
    pub left_out: u64,
    /// Of them, OOM-killed or evicted.
    pub left_out_killed: u64,
    /// Nodes, most overcommitted first.
    pub nodes: Vec<NodeRow>,
    /// What the scan could not see (metrics API absent, ...).
    pub notes: Vec<String>,
    /// Items that could not be read.
    pub errors: Vec<String>,
}

impl ScanReport {
    /// Containers with an OOM kill or an eviction (also those `--top` left out).
    pub fn killed(&self) -> u64 {
        let listed = self.containers_at_risk.iter().filter(|r| is_killed(r));
        listed.count() as u64 + self.left_out_killed
    }

    /// Containers worth a look (also those `--top` left out).
    pub fn listed(&self) -> u64 {
        self.containers_at_risk.len() as u64 + self.left_out
    }
}

#[derive(Debug, Default)]
struct EventAgg {
    count: u32,
    evicted: bool,
    message: Option<String>,
}

/// What one pod contributes to a scan, computed apart from the scan (on a worker thread).
#[derive(Debug)]
pub struct PodResult {
    rows: Vec<ContainerRow>,
    containers: u64,
    node: Option<(String, PodMemory, Option<oomdoc_model::qos::QosClass>)>,
    latest: Option<i64>,
}

/// The read-only part of a scan: how a pod is audited and measured. Shared by worker threads.
#[derive(Debug)]
pub struct Analyzer {
    assumptions: Assumptions,
    usage: Usage,
    read: ReadOptions,
}

impl Analyzer {
    /// Audits one pod and turns it into rows; `json` is its JSON text when already at hand (a
    /// dump), else it is serialized for the audit.
    pub fn pod(&self, pod: &Pod, json: Option<&str>) -> PodResult {
        let owned;
        let text = match json {
            Some(t) => t,
            None => {
                owned = serde_json::to_string(pod).unwrap_or_default();
                &owned
            }
        };
        let audit = audit_pod(text, &self.assumptions, &self.read);
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        let name = pod.metadata.name.as_deref().unwrap_or("");
        let usage = |c: &str| self.usage.get(&format!("{ns}/{name}/{c}")).copied();
        let rows = pod_rows(pod, &audit, &usage);
        let containers = rows.len() as u64;
        let qos = rows.first().and_then(|r| r.qos);
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .filter(|_| !pod_finished(pod) && !pod_evicted(pod))
            .map(|n| (n, pod_memory(pod), qos));
        PodResult {
            rows: rows.into_iter().filter(|r| r.worth_listing()).collect(),
            containers,
            node,
            latest: latest_time(pod),
        }
    }
}

/// The scan in progress: the analyzer and what the pods, nodes and events added so far left.
#[derive(Debug)]
pub struct Scan {
    analyzer: Analyzer,
    acc: Tally,
}

impl Scan {
    /// A scan auditing pod specs with `assumptions`.
    pub fn new(assumptions: Assumptions) -> Self {
        Scan {
            analyzer: Analyzer {
                assumptions,
                usage: Usage::new(),
                // One pod is one small document: read it on the calling thread (and do not ask
                // the system for its CPUs once per pod).
                read: ReadOptions {
                    threads: 1,
                    ..ReadOptions::default()
                },
            },
            acc: Tally::default(),
        }
    }

    /// Keeps only the `n` riskiest containers in the report (0: all), and only those that can
    /// still be among them while reading (before the pods are added).
    pub fn keep_top(&mut self, n: usize) {
        self.acc.rows = TopRows::new(n);
    }

    /// Sets the measured working sets (before the pods are added).
    pub fn set_usage(&mut self, usage: Usage) {
        self.analyzer.usage = usage;
    }

    /// The analyzer (for workers) beside the tally their results go into.
    pub fn split(&mut self) -> (&Analyzer, &mut Tally) {
        (&self.analyzer, &mut self.acc)
    }

    /// Adds a pod; `json` is its JSON text when already at hand.
    pub fn add_pod(&mut self, pod: &Pod, json: Option<&str>) {
        let r = self.analyzer.pod(pod, json);
        self.acc.merge(r);
    }

    /// Adds a node.
    pub fn add_node(&mut self, node: &Node) {
        self.acc.add_node(node);
    }

    /// Adds an event; only OOM and eviction events count.
    pub fn add_event(&mut self, e: &Event) {
        self.acc.add_event(e);
    }

    /// Adds a note printed with the report.
    pub fn note(&mut self, note: String) {
        self.acc.report.notes.push(note);
    }

    /// Adds an error (an item that could not be read).
    pub fn error(&mut self, e: String) {
        self.acc.error(e);
    }

    /// Ranks what was found at `now` (seconds since the epoch; None: the latest time read).
    pub fn finish(self, now: Option<i64>) -> ScanReport {
        self.acc.finish(now)
    }
}

/// What the pods, nodes and events added so far left: the rows worth listing, one entry per
/// node, the OOM/eviction events by pod.
#[derive(Debug, Default)]
pub struct Tally {
    rows: TopRows,
    nodes: BTreeMap<String, NodeRow>,
    pod_events: HashMap<(String, String), EventAgg>,
    latest: Option<i64>,
    report: ScanReport,
}

impl Tally {
    /// Adds an error (an item that could not be read).
    pub fn error(&mut self, e: String) {
        // The first 1,000 are kept; past them one line says more were left out.
        if self.report.errors.len() < 1000 {
            self.report.errors.push(e);
        } else if self.report.errors.len() == 1000 {
            self.report.errors.push("more errors left out".into());
        }
    }

    /// Adds what [`Analyzer::pod`] made of a pod.
    pub fn merge(&mut self, r: PodResult) {
        self.report.pods += 1;
        self.report.containers += r.containers;
        self.latest = self.latest.max(r.latest);
        for row in r.rows {
            let key = (row.namespace.clone(), row.pod.clone());
            let (events, evicted) = self
                .pod_events
                .get(&key)
                .map_or((0, false), |a| (a.count, a.evicted));
            self.rows.push(row, events, evicted);
        }
        if let Some((node, mem, qos)) = r.node {
            self.node(&node).add_pod(mem, qos);
        }
    }

    fn node(&mut self, name: &str) -> &mut NodeRow {
        self.nodes
            .entry(name.to_string())
            .or_insert_with(|| NodeRow::new(name))
    }

    /// Adds a node.
    pub fn add_node(&mut self, node: &Node) {
        self.report.nodes_read += 1;
        if let Some(name) = node.metadata.name.as_deref() {
            self.node(name).set_node(node);
        }
    }

    /// Adds an event; only OOM and eviction events count.
    pub fn add_event(&mut self, e: &Event) {
        if !is_oom_event(e) {
            return;
        }
        self.report.oom_events += 1;
        let t = e
            .last_timestamp
            .as_ref()
            .or(e.first_timestamp.as_ref())
            .map(|t| t.0.timestamp());
        self.latest = self.latest.max(t);
        let o = &e.involved_object;
        let count = e.count.unwrap_or(1).max(1) as u32;
        match o.kind.as_deref() {
            Some("Node") => {
                if let Some(n) = o.name.as_deref() {
                    let n = self.node(n);
                    n.oom_events = n.oom_events.saturating_add(count);
                }
            }
            Some("Pod") => {
                let key = (
                    o.namespace.clone().unwrap_or_else(|| "default".into()),
                    o.name.clone().unwrap_or_default(),
                );
                let agg = self.pod_events.entry(key).or_default();
                agg.count = agg.count.saturating_add(count);
                agg.evicted |= e.reason.as_deref() == Some("Evicted");
                agg.message = e.message.clone().or(agg.message.take());
            }
            _ => {}
        }
    }

    /// Ranks what was found at `now` (seconds since the epoch; None: the latest time read).
    pub fn finish(self, now: Option<i64>) -> ScanReport {
        let now = now.or(self.latest);
        let limit = self.rows.limit();
        let (mut rows, mut dropped) = self.rows.into_parts();
        // Join the pods' events to their rows; events about pods without a row get one.
        let mut by_pod: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            by_pod
                .entry((r.namespace.clone(), r.pod.clone()))
                .or_default()
                .push(i);
        }
        let mut events: Vec<_> = self.pod_events.into_iter().collect();
        events.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, agg) in events {
            // Rows `--top` dropped: counted, and not listed again as a pod only events name.
            let dropped = dropped.get_mut(&key).map(|d| {
                if agg.evicted {
                    d.killed = d.rows;
                }
            });
            match by_pod.get(&key) {
                Some(ix) => {
                    for &i in ix {
                        let r = &mut rows[i];
                        r.oom_events = agg.count;
                        r.evicted |= agg.evicted;
                        if r.message.is_none() {
                            r.message.clone_from(&agg.message);
                        }
                    }
                }
                None if dropped.is_some() => {}
                None => rows.push(ContainerRow {
                    namespace: key.0,
                    pod: key.1,
                    oom_events: agg.count,
                    evicted: agg.evicted,
                    message: agg.message,
                    from_events_only: true,
                    ..ContainerRow::default()
                }),
            }
        }
        rank(&mut rows, now);
        let mut report = self.report;
        for d in dropped.values() {
            report.left_out += d.rows;
            report.left_out_killed += d.killed;
        }
        if limit > 0 && rows.len() > limit {
            for r in rows.drain(limit..) {
                report.left_out += 1;
                report.left_out_killed += u64::from(is_killed(&r));
            }
        }
        let mut nodes: Vec<NodeRow> = self.nodes.into_values().collect();
        for n in &mut nodes {
            n.finish();
        }
        nodes.sort_by(|a, b| {
            b.overcommit
                .unwrap_or(-1.0)
                .total_cmp(&a.overcommit.unwrap_or(-1.0))
                .then_with(|| a.name.cmp(&b.name))
        });
        report.now = now
            .and_then(|n| k8s_openapi::chrono::DateTime::from_timestamp(n, 0))
            .map(|t| t.to_rfc3339_opts(k8s_openapi::chrono::SecondsFormat::Secs, true));
        report.containers_at_risk = rows;
        report.nodes = nodes;
        report
    }
}

#[cfg(test)]
#[path = "top_rows_tests.rs"]
mod top_rows_tests;
