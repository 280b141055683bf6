//! What to ask Prometheus for one pod, and how to page a long range. Pure.
//!
//! cAdvisor's series carry `namespace`, `pod` and `container` labels; its per-pod cgroup rows
//! (`container=""`) and the pause container (`container="POD"`) are excluded. A restarted
//! container is a new cAdvisor series (new `id`), so memory queries take `max by (pod,
//! container)`, which joins them into one series with the drop at the restart.

/// Prometheus refuses a range query of more than 11,000 points per series.
pub const MAX_POINTS: u64 = 11_000;

/// Which pod (and container).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name; all containers but the pause container when none.
    pub container: Option<String>,
}

impl Selector {
    /// `NS/NAME` as `--pod` takes it.
    pub fn parse(pod: &str, container: Option<&str>) -> Result<Selector, String> {
        let (ns, name) = pod
            .split_once('/')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty() && !p.contains('/'))
            .ok_or_else(|| format!("--pod takes NAMESPACE/POD, got `{pod}`"))?;
        Ok(Selector {
            namespace: ns.to_string(),
            pod: name.to_string(),
            container: container.filter(|c| !c.is_empty()).map(str::to_string),
        })
    }

    /// The label matchers, without braces.
    pub fn matchers(&self, with_container: bool) -> String {
        let mut m = format!(
            "namespace=\"{}\",pod=\"{}\"",
            esc(&self.namespace),
            esc(&self.pod)
        );
        if with_container {
            match &self.container {
                Some(c) => m.push_str(&format!(",container=\"{}\"", esc(c))),
                None => m.push_str(",container!=\"\",container!=\"POD\""),
            }
        }
        m
    }
}

/// Escapes a label value for PromQL (a string literal in double quotes: backslash, quote and
/// newline are the characters that could end or break it).
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One query and the metric name its results get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuerySpec {
    /// Names the results (aggregations drop `__name__`); `None` keeps the result's own.
    pub metric: Option<String>,
    /// PromQL.
    pub promql: String,
}

/// The queries for one pod: cAdvisor memory series, the limit, kube-state-metrics restarts and
/// termination reasons, and Micrometer's JVM heap (summed over pools; `max` pools that are
/// undefined report -1 and are left out).
pub fn pod_queries(sel: &Selector) -> Vec<QuerySpec> {
    let m = sel.matchers(true);
    let by = "max by (namespace, pod, container)";
    let mut q: Vec<QuerySpec> = [
        "container_memory_working_set_bytes",
        "container_memory_rss",
        "container_memory_cache",
        "container_memory_swap",
        "container_memory_kernel_usage",
        "container_spec_memory_limit_bytes",
        "kube_pod_container_status_restarts_total",
    ]
    .iter()
    .map(|n| QuerySpec {
        metric: Some(n.to_string()),
        promql: format!("{by} ({n}{{{m}}})"),
    })
    .collect();
    q.push(QuerySpec {
        metric: Some("kube_pod_container_status_last_terminated_reason".into()),
        promql: format!("max by (namespace, pod, container, reason) (kube_pod_container_status_last_terminated_reason{{{m}}})"),
    });
    // The JVM's metrics come from the application's own scrape, whose container label may differ.
    let pm = match &sel.container {
        Some(_) => sel.matchers(true),
        None => sel.matchers(false),
    };
    q.push(QuerySpec {
        metric: Some("jvm_memory_used_bytes{area=\"heap\"}".into()),
        promql: format!("sum by (namespace, pod) (jvm_memory_used_bytes{{area=\"heap\",{pm}}})"),
    });
    q.push(QuerySpec {
        metric: Some("jvm_memory_max_bytes{area=\"heap\"}".into()),
        promql: format!("sum by (namespace, pod) (jvm_memory_max_bytes{{area=\"heap\",{pm}}} > 0)"),
    });
    q
}

/// The step for a range: the user's, else about 2,000 points rounded to a whole number of
/// seconds from a list of usual steps (15s at least: below the usual scrape interval Prometheus
/// only repeats values).
pub fn auto_step(range_seconds: f64) -> f64 {
    const STEPS: [f64; 12] = [
        15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0,
    ];
    let want = range_seconds / 2000.0;
    STEPS
        .iter()
        .copied()
        .find(|&s| s >= want)
        .unwrap_or(86400.0)
}

/// `[start, end]` pieces of at most [`MAX_POINTS`] points each at `step`, back to back (a piece
/// starts one step after the previous one ends, so no point is asked twice).
pub fn plan_range(start: f64, end: f64, step: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    if step.is_nan() || step <= 0.0 || end.is_nan() || start.is_nan() || end < start {
        return out;
    }
    let span = step * (MAX_POINTS - 1) as f64;
    let mut s = start;
    while s <= end && out.len() < 100_000 {
        let e = (s + span).min(end);
        out.push((s, e));
        s = e + step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_cannot_end_their_string() {
        let s = Selector::parse("shop/a\"}or vector(1)#\nx", None).unwrap();
        assert_eq!(
            s.matchers(false),
            r#"namespace="shop",pod="a\"}or vector(1)#\nx""#
        );
    }

    #[test]
    fn selector_matchers() {
        let s = Selector::parse("shop/admin-7d9", None).unwrap();
        assert_eq!(
            s.matchers(true),
            r#"namespace="shop",pod="admin-7d9",container!="",container!="POD""#
        );
        let s = Selector::parse("shop/admin-7d9", Some("app")).unwrap();
        assert_eq!(
            s.matchers(true),
            r#"namespace="shop",pod="admin-7d9",container="app""#
        );
        assert!(Selector::parse("admin", None).is_err());
        assert!(Selector::parse("/x", None).is_err());
    }

    #[test]
    fn queries_name_their_results() {
        let q = pod_queries(&Selector::parse("shop/a", None).unwrap());
        assert!(q.iter().any(|q| q.promql
            == r#"max by (namespace, pod, container) (container_memory_working_set_bytes{namespace="shop",pod="a",container!="",container!="POD"})"#));
        assert!(q.iter().all(|q| q.metric.is_some()));
        assert!(q.iter().any(|q| q
            .promql
            .contains("jvm_memory_max_bytes{area=\"heap\",namespace=\"shop\",pod=\"a\"} > 0")));
    }

    #[test]
    fn paging_respects_the_point_limit() {
        let (start, end) = (1_700_000_000.0, 1_700_000_000.0 + 30.0 * 86400.0);
        let step = 15.0;
        let pieces = plan_range(start, end, step);
        assert_eq!(pieces.first().unwrap().0, start);
        assert_eq!(pieces.last().unwrap().1, end);
        let mut total = 0u64;
        for w in pieces.windows(2) {
            assert_eq!(w[1].0, w[0].1 + step, "back to back");
        }
        for &(s, e) in &pieces {
            let points = ((e - s) / step).floor() as u64 + 1;
            assert!(points <= MAX_POINTS, "{points}");
            total += points;
        }
        assert_eq!(total, ((end - start) / step) as u64 + 1);
        assert_eq!(auto_step(7.0 * 86400.0), 600.0);
        assert_eq!(auto_step(600.0), 15.0);
        assert!(plan_range(10.0, 5.0, 1.0).is_empty());
    }
}
