//! The agent's Prometheus metrics, kept with the `prometheus-client` crate (the Prometheus
//! project's own Rust client) and written in the OpenMetrics text format.
//!
//! Series of containers that are gone are removed at the next sampling pass, and kill series are
//! capped (least recently killed dropped first), so memory stays bounded by what runs on the node.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::components::{Component, Sample};
use crate::kills::Kill;

/// Kill series kept at most (each distinct container, verdict, scope and process is one): a node
/// runs at most 110 pods by default, so this is room for every container several times over,
/// while an OOM storm across short-lived pods cannot grow the agent past its memory limit.
pub const MAX_KILL_SERIES: usize = 2_000;

/// Who a series is about; empty where unknown (no API access, a pod-level cgroup).
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct Who {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub pod: String,
    /// The container's name.
    pub container: String,
    /// `metadata.uid`.
    pub pod_uid: String,
    /// The runtime's container id (hex, no runtime prefix).
    pub container_id: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    #[prometheus(flatten)]
    who: Who,
    component: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KillLabels {
    #[prometheus(flatten)]
    who: Who,
    verdict: &'static str,
    scope: &'static str,
    process: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VictimLabels {
    #[prometheus(flatten)]
    who: Who,
    kind: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Every metric the agent exports.
pub struct Metrics {
    registry: Arc<Registry>,
    memory: Family<ComponentLabels, Gauge>,
    limit: Family<Who, Gauge>,
    jvm_max_heap: Family<Who, Gauge>,
    kills: Family<KillLabels, Counter>,
    last_kill: Family<Who, FloatGauge>,
    victim: Family<VictimLabels, Gauge>,
    /// Agent health.
    pub kmsg_records: Counter,
    /// Records lost to ring-buffer overruns.
    pub kmsg_lost: Counter,
    /// Reports that could not be parsed.
    pub parse_failures: Counter,
    /// Duration of the last sampling pass.
    pub sample_seconds: FloatGauge,
    /// Cgroups sampled in the last pass.
    pub cgroups: Gauge,
    /// Series by container of the last pass, to remove those that are gone.
    live: HashMap<Who, (Vec<Component>, bool, bool)>,
    /// Kill series with the sequence number of their last kill.
    kill_series: HashMap<KillLabels, u64>,
    kill_seq: u64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// An empty registry with every family registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let m = Metrics {
            memory: Family::default(),
            limit: Family::default(),
            jvm_max_heap: Family::default(),
            kills: Family::default(),
            last_kill: Family::default(),
            victim: Family::default(),
            kmsg_records: Counter::default(),
            kmsg_lost: Counter::default(),
            parse_failures: Counter::default(),
            sample_seconds: FloatGauge::default(),
            cgroups: Gauge::default(),
            live: HashMap::new(),
            kill_series: HashMap::new(),
            kill_seq: 0,
            registry: Arc::new(Registry::default()),
        };
        registry.register(
            "oomdoc_container_memory_bytes",
            "Memory of a container (or, with container=\"\", a pod) cgroup by component, as the kernel counts it",
            m.memory.clone(),
        );
        registry.register(
            "oomdoc_container_memory_limit_bytes",
            "The cgroup's memory limit (absent when unlimited)",
            m.limit.clone(),
        );
        registry.register(
            "oomdoc_jvm_max_heap_bytes",
            "The maximum heap HotSpot picks for the JVM running in the container, from its options and the limit",
            m.jvm_max_heap.clone(),
        );
        registry.register(
            "oomdoc_oom_kills",
            "Kernel OOM kills seen on the node, by verdict, scope (which limit) and victim process",
            m.kills.clone(),
        );
        registry.register(
            "oomdoc_oom_kill_last_timestamp_seconds",
            "When the agent saw the container's last OOM kill (Unix time)",
            m.last_kill.clone(),
        );
        registry.register(
            "oomdoc_oom_kill_victim_bytes",
            "Memory of the last OOM-killed process by kind, from the kernel's kill line",
            m.victim.clone(),
        );
        registry.register(
            "oomdoc_agent_kmsg_records",
            "Kernel log records read",
            m.kmsg_records.clone(),
        );
        registry.register(
            "oomdoc_agent_kmsg_lost_records",
            "Kernel log records overwritten before the agent read them",
            m.kmsg_lost.clone(),
        );
        registry.register(
            "oomdoc_agent_parse_failures",
            "Kernel OOM reports the agent could not read",
            m.parse_failures.clone(),
        );
        registry.register(
            "oomdoc_agent_sample_duration_seconds",
            "Wall time of the last sampling pass over the node's cgroups",
            m.sample_seconds.clone(),
        );
        registry.register(
            "oomdoc_agent_cgroups",
            "Pod and container cgroups sampled in the last pass",
            m.cgroups.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            ..m
        }
    }

    /// The registry, to encode without holding the bookkeeping: the families synchronise
    /// themselves, so a scrape never waits for a sampling pass and a pass never waits for a
    /// slow scrape.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    /// Sets one cgroup's figures (and its JVM heap ceiling, when one was seen) for this pass.
    pub fn set_sample(&mut self, who: &Who, sample: &Sample, jvm_max_heap: Option<u64>) {
        let comps: Vec<Component> = sample.components.iter().map(|(c, _)| *c).collect();
        for &(c, v) in &sample.components {
            self.memory.get_or_create(&component(who, c)).set(clamp(v));
        }
        if let Some(l) = sample.limit {
            self.limit.get_or_create(who).set(clamp(l));
        }
        if let Some(h) = jvm_max_heap {
            self.jvm_max_heap.get_or_create(who).set(clamp(h));
        }
        if let Some((old, had_limit, had_heap)) = self.live.insert(
            who.clone(),
            (
                comps.clone(),
                sample.limit.is_some(),
                jvm_max_heap.is_some(),
            ),
        ) {
            for c in old.iter().filter(|c| !comps.contains(c)) {
                self.memory.remove(&component(who, *c));
            }
            if had_limit && sample.limit.is_none() {
                self.limit.remove(who);
            }
            if had_heap && jvm_max_heap.is_none() {
                self.jvm_max_heap.remove(who);
            }
        }
    }

    /// Removes the series of every cgroup not in `seen` (gone since the last pass).
    pub fn retain(&mut self, seen: &std::collections::HashSet<Who>) {
        let gone: Vec<Who> = self
            .live
            .keys()
            .filter(|w| !seen.contains(*w))
            .cloned()
            .collect();
        for who in gone {
            if let Some((comps, _, _)) = self.live.remove(&who) {
                for c in comps {
                    self.memory.remove(&component(&who, c));
                }
            }
            self.limit.remove(&who);
            self.jvm_max_heap.remove(&who);
        }
    }

    /// Counts a kill of `who` seen at `unix_seconds`.
    pub fn record_kill(&mut self, who: &Who, kill: &Kill, unix_seconds: f64) {
        let labels = KillLabels {
            who: who.clone(),
            verdict: kill.verdict.as_str(),
            scope: kill.scope.as_str(),
            process: kill.process.clone(),
        };
        self.kill_seq += 1;
        if !self.kill_series.contains_key(&labels) && self.kill_series.len() >= MAX_KILL_SERIES {
            self.drop_oldest_kill_series();
        }
        self.kill_series.insert(labels.clone(), self.kill_seq);
        self.kills.get_or_create(&labels).inc();
        self.last_kill.get_or_create(who).set(unix_seconds);
        for (kind, bytes) in kill.victim {
            let l = VictimLabels {
                who: who.clone(),
                kind: kind.as_str(),
            };
            match bytes {
                Some(b) => {
                    self.victim.get_or_create(&l).set(clamp(b));
                }
                None => {
                    self.victim.remove(&l);
                }
            }
        }
    }

    fn drop_oldest_kill_series(&mut self) {
        let Some(oldest) = self
            .kill_series
            .iter()
            .min_by_key(|(_, seq)| **seq)
            .map(|(l, _)| l.clone())
        else {
            return;
        };
        self.kill_series.remove(&oldest);
        self.kills.remove(&oldest);
        if !self.kill_series.keys().any(|l| l.who == oldest.who) {
            self.last_kill.remove(&oldest.who);
            for kind in ["anon", "file", "shmem"] {
                self.victim.remove(&VictimLabels {
                    who: oldest.who.clone(),
                    kind,
                });
            }
        }
    }

    /// Kill series held now.
    pub fn kill_series(&self) -> usize {
        self.kill_series.len()
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        encode(&self.registry)
    }
}

/// The OpenMetrics text of every metric in `registry`.
pub fn encode(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, registry);
    out
}

/// The content type of [`Metrics::encode`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn component(who: &Who, c: Component) -> ComponentLabels {
    ComponentLabels {
        who: who.clone(),
        component: c.as_str(),
    }
}

/// Gauges are `i64`; byte counts past `i64::MAX` do not occur but must not wrap.
fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kills::kills_in;

    fn who(c: &str) -> Who {
        Who {
            pod_uid: "u1".into(),
            container_id: c.into(),
            ..Who::default()
        }
    }

    #[test]
    fn samples_show_and_vanished_containers_go() {
        let mut m = Metrics::new();
        let s = Sample {
            components: vec![(Component::Anon, 100), (Component::WorkingSet, 50)],
            limit: Some(1 << 20),
        };
        m.set_sample(&who("c1"), &s, Some(700));
        m.set_sample(&who("c2"), &s, None);
        let text = m.encode();
        assert!(text.contains("oomdoc_container_memory_bytes{namespace=\"\",pod=\"\",container=\"\",pod_uid=\"u1\",container_id=\"c1\",component=\"anon\"} 100"), "{text}");
        assert!(text.contains("oomdoc_container_memory_limit_bytes{namespace=\"\",pod=\"\",container=\"\",pod_uid=\"u1\",container_id=\"c2\"} 1048576"), "{text}");
        assert!(text.contains("oomdoc_jvm_max_heap_bytes{namespace=\"\",pod=\"\",container=\"\",pod_uid=\"u1\",container_id=\"c1\"} 700"), "{text}");
        assert!(text.ends_with("# EOF\n"));
        m.retain(&[who("c2")].into_iter().collect());
        let text = m.encode();
        assert!(!text.contains("container_id=\"c1\""), "{text}");
        assert!(text.contains("container_id=\"c2\""), "{text}");
    }

    #[test]
    fn kill_series_are_capped() {
        let report = "6,1,1,-;Memory cgroup out of memory: Killed process 7 (java) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB\n";
        let kill = kills_in("k", report.as_bytes()).kills.remove(0);
        let mut m = Metrics::new();
        for i in 0..MAX_KILL_SERIES + 10 {
            m.record_kill(&who(&format!("c{i}")), &kill, 1.0);
        }
        assert_eq!(m.kill_series(), MAX_KILL_SERIES);
        let text = m.encode();
        assert!(!text.contains("container_id=\"c0\""));
        assert!(text.contains(&format!("container_id=\"c{}\"", MAX_KILL_SERIES + 9)));
        assert!(
            text.contains("oomdoc_oom_kills_total{"),
            "counters get _total"
        );
    }
}
