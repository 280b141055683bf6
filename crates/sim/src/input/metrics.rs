//! The metrics API's pod metrics: `kubectl get --raw /apis/metrics.k8s.io/v1beta1/pods` (a
//! `PodMetricsList`; `.../namespaces/NS/pods/NAME` gives one `PodMetrics`). Each container's
//! `usage.memory` is its working set as the kubelet's resource metrics report it.

use super::tree::{load, Node};
use crate::usage::{ContainerUsage, PodUsage, UsageFormat, UsageTable};
use crate::{memory_bytes, LineError};

/// True when `text` looks like metrics API JSON.
pub fn looks_like_metrics(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('{') && (t.contains("PodMetrics") || t.contains("metrics.k8s.io"))
}

fn pod_usage(item: &Node) -> Result<PodUsage, LineError> {
    let name = item
        .str_at(&["metadata", "name"])
        .ok_or_else(|| LineError::at(item.line, "pod metrics without metadata.name"))?;
    let mut containers = Vec::new();
    for c in item.get("containers").map(Node::items).unwrap_or_default() {
        let mem = c
            .str_at(&["usage", "memory"])
            .ok_or_else(|| LineError::at(c.line, "container metrics without usage.memory"))?;
        containers.push(ContainerUsage {
            name: c.str_at(&["name"]).map(str::to_string),
            bytes: memory_bytes(mem).map_err(|e| LineError::at(c.line, e))?,
        });
    }
    Ok(PodUsage {
        namespace: Some(
            item.str_at(&["metadata", "namespace"])
                .unwrap_or("default")
                .to_string(),
        ),
        pod: name.to_string(),
        containers,
        line: item.line,
    })
}

/// Reads a `PodMetricsList` or a single `PodMetrics`.
pub fn parse_metrics(text: &str) -> Result<UsageTable, LineError> {
    let docs = load(text)?;
    let Some(doc) = docs.first() else {
        return Err(LineError::whole("empty metrics document"));
    };
    let pods = match doc.str_at(&["kind"]) {
        Some("PodMetricsList") => doc
            .get("items")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(pod_usage)
            .collect::<Result<Vec<_>, _>>()?,
        Some("PodMetrics") => vec![pod_usage(doc)?],
        other => {
            return Err(LineError::at(
                doc.line,
                format!(
                    "expected a PodMetricsList (kubectl get --raw /apis/metrics.k8s.io/v1beta1/pods), found kind {}",
                    other.unwrap_or("(none)")
                ),
            ))
        }
    };
    Ok(UsageTable {
        format: UsageFormat::MetricsApi,
        pods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_list() {
        let j = r#"{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[
{"metadata":{"name":"api-1","namespace":"shop"},"timestamp":"2026-11-28T03:00:00Z","window":"15s",
 "containers":[{"name":"api","usage":{"cpu":"3m","memory":"102400Ki"}},{"name":"envoy","usage":{"cpu":"1m","memory":"20Mi"}}]}]}"#;
        let t = parse_metrics(j).unwrap();
        assert_eq!(t.pods[0].namespace.as_deref(), Some("shop"));
        assert_eq!(t.pods[0].total(), 120 << 20);
    }

    #[test]
    fn errors_name_the_line() {
        let j = "{\"kind\":\"PodMetricsList\",\"items\":[\n{\"metadata\":{\"name\":\"a\"},\n\"containers\":[\n{\"name\":\"c\",\"usage\":{\"memory\":\"x\"}}]}]}";
        assert_eq!(parse_metrics(j).unwrap_err().line(), Some(4));
        assert!(parse_metrics("{\"kind\":\"PodList\"}").is_err());
    }
}
