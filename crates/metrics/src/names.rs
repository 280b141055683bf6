//! What a series is, from its name: cAdvisor and kube-state-metrics metric names, cgroup file
//! names, Datadog metric names (`container.memory.rss`, `kubernetes.memory.usage`), Micrometer's
//! JVM metrics, and free-form CSV column titles (`rss`, `page cache`, `kernel`).

use oomdoc_series::Component;

/// What a named series is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A memory series of this component.
    Memory(Component),
    /// The memory limit.
    Limit,
    /// A restart counter.
    Restarts,
    /// `kube_pod_container_status_last_terminated_reason`: 1 while the reason label holds.
    Terminated,
    /// The JVM's maximum heap.
    JvmMaxHeap,
    /// A series that would mislead (high-water marks, failure counters, memory+swap): dropped.
    Ignore,
}

/// A metric name and its labels, from `name{k="v",...}`, `{__name__="name",...}` (Grafana's
/// column titles), or Datadog's `avg:name{tag:value,...}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricName {
    /// The metric name (may be empty: a Grafana legend, a CSV title).
    pub name: String,
    /// Labels in the order written.
    pub labels: Vec<(String, String)>,
}

impl MetricName {
    /// A label's value.
    pub fn label(&self, k: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Splits `name{labels}`; anything unparsable stays in `name`.
pub fn split_metric(s: &str) -> MetricName {
    let s = s.trim();
    let Some(open) = s.find('{') else {
        return MetricName {
            name: strip_aggregator(s).to_string(),
            labels: Vec::new(),
        };
    };
    let body = s[open + 1..].strip_suffix('}').unwrap_or(&s[open + 1..]);
    let mut labels = Vec::new();
    let mut rest = body;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if rest.is_empty() {
            break;
        }
        // Prometheus `k="v"` or Datadog `k:v`.
        let Some(sep) = rest.find(['=', ':', ',']) else {
            break;
        };
        if rest.as_bytes()[sep] == b',' {
            rest = &rest[sep..];
            continue;
        }
        let key = rest[..sep]
            .trim()
            .trim_end_matches(['!', '~', '='])
            .to_string();
        let after = rest[sep + 1..].trim_start_matches(['=', '~']);
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let mut v = String::new();
            let mut end = q.len();
            let mut chars = q.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, e)) = chars.next() {
                            v.push(if e == 'n' { '\n' } else { e });
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            (v, &q[end.min(q.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        labels.push((key, value));
        rest = next;
    }
    let mut name = strip_aggregator(&s[..open]).to_string();
    if name.is_empty() {
        if let Some(i) = labels.iter().position(|(k, _)| k == "__name__") {
            name = labels.remove(i).1;
        }
    }
    MetricName { name, labels }
}

/// `avg:container.memory.rss` (Datadog) to `container.memory.rss`.
fn strip_aggregator(s: &str) -> &str {
    let s = s.trim();
    match s.split_once(':') {
        Some(("avg" | "max" | "min" | "sum", rest)) => rest,
        _ => s,
    }
}

/// The role of a series called `title` (a metric with labels, a column title, a file name).
pub fn classify(title: &str) -> Role {
    let m = split_metric(title);
    let key = if m.name.is_empty() {
        title.to_ascii_lowercase()
    } else {
        m.name.to_ascii_lowercase()
    };
    let area = m.label("area").map(str::to_ascii_lowercase);
    classify_name(&key, area.as_deref())
}

/// The role of a lowercase metric name, with Micrometer's `area` label when there is one.
pub fn classify_name(n: &str, area: Option<&str>) -> Role {
    let has = |w: &str| n.contains(w);
    if has("restart") {
        return Role::Restarts;
    }
    if has("terminated_reason") || has("last_terminated") {
        return Role::Terminated;
    }
    if has("max_usage") || has("failcnt") || has("failures") || has("memsw") || has("watermark") {
        return Role::Ignore;
    }
    let jvm = has("jvm") || area.is_some();
    let heap_area = area.map(|a| a == "heap");
    if jvm && (has("max") || has("committed")) {
        let heap = heap_area == Some(true)
            || (heap_area.is_none() && has("heap") && !has("nonheap") && !has("non_heap"));
        return if has("max") && heap {
            Role::JvmMaxHeap
        } else {
            Role::Ignore
        };
    }
    if (jvm && heap_area == Some(false)) || has("nonheap") || has("non_heap") {
        return Role::Memory(Component::Other);
    }
    if has("heap") || (jvm && heap_area == Some(true)) {
        return Role::Memory(Component::Heap);
    }
    if has("limit") || n == "memory.max" || n.ends_with("/memory.max") || n == "max" {
        return Role::Limit;
    }
    let comp =
        if has("working_set") || has("workingset") || has("working set") || has("working-set") {
            Component::WorkingSet
        } else if has("kmem") || has("kernel") || has("slab") {
            Component::Kernel
        } else if has("swap") {
            Component::Swap
        } else if has("shmem") || has("tmpfs") || has("shared") {
            Component::Shmem
        } else if has("rss") || has("anon") {
            Component::Rss
        } else if has("cache") || n == "file" || has("page cache") {
            Component::Cache
        } else if has("usage") || has("current") || has("used") || n == "memory" || n == "mem" {
            Component::Usage
        } else {
            Component::Other
        };
    Role::Memory(comp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Component::*;

    #[test]
    fn cadvisor_and_ksm() {
        for (n, r) in [
            (
                "container_memory_working_set_bytes",
                Role::Memory(WorkingSet),
            ),
            ("container_memory_rss", Role::Memory(Rss)),
            ("container_memory_cache", Role::Memory(Cache)),
            ("container_memory_swap", Role::Memory(Swap)),
            ("container_memory_kernel_usage", Role::Memory(Kernel)),
            ("container_memory_usage_bytes", Role::Memory(Usage)),
            ("container_memory_max_usage_bytes", Role::Ignore),
            ("container_memory_failcnt", Role::Ignore),
            ("container_spec_memory_limit_bytes", Role::Limit),
            ("kube_pod_container_status_restarts_total", Role::Restarts),
            (
                "kube_pod_container_status_last_terminated_reason",
                Role::Terminated,
            ),
        ] {
            assert_eq!(classify(n), r, "{n}");
        }
    }

    #[test]
    fn jvm_areas() {
        assert_eq!(
            classify(r#"jvm_memory_used_bytes{area="heap",id="G1 Old Gen"}"#),
            Role::Memory(Heap)
        );
        assert_eq!(
            classify(r#"jvm_memory_used_bytes{area="nonheap",id="Metaspace"}"#),
            Role::Memory(Other)
        );
        assert_eq!(
            classify(r#"jvm_memory_max_bytes{area="heap"}"#),
            Role::JvmMaxHeap
        );
        assert_eq!(
            classify(r#"jvm_memory_max_bytes{area="nonheap"}"#),
            Role::Ignore
        );
        assert_eq!(
            classify(r#"jvm_memory_committed_bytes{area="heap"}"#),
            Role::Ignore
        );
        assert_eq!(classify("jvm.heap_memory"), Role::Memory(Heap));
        assert_eq!(classify("jvm.heap_memory_max"), Role::JvmMaxHeap);
    }

    #[test]
    fn cgroup_files_datadog_and_titles() {
        for (n, r) in [
            ("memory.usage_in_bytes", Role::Memory(Usage)),
            ("memory.kmem.usage_in_bytes", Role::Memory(Kernel)),
            ("memory.memsw.usage_in_bytes", Role::Ignore),
            ("memory.current", Role::Memory(Usage)),
            ("memory.max", Role::Limit),
            ("memory.limit_in_bytes", Role::Limit),
            (
                "avg:container.memory.rss{kube_deployment:admin}",
                Role::Memory(Rss),
            ),
            ("kubernetes.memory.working_set", Role::Memory(WorkingSet)),
            ("container.memory.limit", Role::Limit),
            ("kubernetes.containers.restarts", Role::Restarts),
            ("page cache", Role::Memory(Cache)),
            ("shmem", Role::Memory(Shmem)),
            ("kernel", Role::Memory(Kernel)),
            ("admin-7d9", Role::Memory(Other)),
        ] {
            assert_eq!(classify(n), r, "{n}");
        }
    }

    #[test]
    fn labels_do_not_decide_the_component() {
        // A container called "cache-proxy" is still measured by its metric name.
        assert_eq!(
            classify(r#"container_memory_rss{container="cache-proxy",pod="p"}"#),
            Role::Memory(Rss)
        );
    }

    #[test]
    fn grafana_titles() {
        let m = split_metric(
            r#"{__name__="container_memory_rss", container="admin", pod="admin-7d9"}"#,
        );
        assert_eq!(m.name, "container_memory_rss");
        assert_eq!(m.label("pod"), Some("admin-7d9"));
        let d = split_metric("avg:container.memory.rss{kube_deployment:admin,env:prod}");
        assert_eq!(d.name, "container.memory.rss");
        assert_eq!(d.label("env"), Some("prod"));
        let e = split_metric(r#"x{a="q\"uote",b="c,d"}"#);
        assert_eq!(e.label("a"), Some("q\"uote"));
        assert_eq!(e.label("b"), Some("c,d"));
    }
}

/// Labels worth keeping in a series' name: which container, which pod, which JVM memory area.
const KEPT_LABELS: [&str; 4] = ["pod", "container", "area", "reason"];

/// A short name for a series: the metric and the labels that tell series apart for a user
/// (`container_memory_rss{pod="admin-7d9",container="admin"}`), without cAdvisor's `id`, `image`,
/// `name` and the scrape's `instance`/`job`, which change when a container restarts.
pub fn display_name(m: &MetricName, fallback: &str) -> String {
    if m.name.is_empty() {
        return fallback.trim().to_string();
    }
    let kept: Vec<String> = KEPT_LABELS
        .iter()
        .filter_map(|k| m.label(k).map(|v| format!("{k}=\"{v}\"")))
        .collect();
    if kept.is_empty() {
        m.name.clone()
    } else {
        format!("{}{{{}}}", m.name, kept.join(","))
    }
}

#[cfg(test)]
mod display_tests {
    use super::*;

    #[test]
    fn drops_restart_sensitive_labels() {
        let m = split_metric(
            r#"container_memory_rss{container="admin",id="/kubepods/x/123",image="i",pod="admin-7d9",instance="n1"}"#,
        );
        assert_eq!(
            display_name(&m, ""),
            r#"container_memory_rss{pod="admin-7d9",container="admin"}"#
        );
        assert_eq!(display_name(&split_metric("rss"), "rss"), "rss");
    }
}
