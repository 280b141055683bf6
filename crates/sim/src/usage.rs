//! Memory usage per pod and container: measured (`kubectl top`, the metrics API), or assumed when
//! there is no measurement (`--assume-usage request|limit|NN%`), the assumption stated.
//!
//! Every measured figure is a *working set* (cAdvisor: usage − inactive_file), the figure the
//! kubelet's eviction compares and, approximately, what the OOM killer counts as rss.

/// Which reader produced a usage table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageFormat {
    /// `kubectl top pod`.
    TopPods,
    /// `kubectl top pod --containers`.
    TopContainers,
    /// The metrics API's `PodMetricsList`.
    MetricsApi,
}

impl UsageFormat {
    /// How reports name the source.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageFormat::TopPods => "kubectl top pod",
            UsageFormat::TopContainers => "kubectl top pod --containers",
            UsageFormat::MetricsApi => "metrics API (PodMetricsList)",
        }
    }
}

/// One container's working set; `name` is `None` when only the pod's total is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerUsage {
    /// The container's name.
    pub name: Option<String>,
    /// Bytes.
    pub bytes: i64,
}

/// One pod's measured usage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodUsage {
    /// The namespace; `None` when the listing had no NAMESPACE column (matches any namespace).
    pub namespace: Option<String>,
    /// The pod's name.
    pub pod: String,
    /// Per container, or one unnamed entry for the pod's total.
    pub containers: Vec<ContainerUsage>,
    /// The 1-based line it was read from.
    pub line: u32,
}

impl PodUsage {
    /// The pod's working set.
    pub fn total(&self) -> i64 {
        self.containers
            .iter()
            .fold(0i64, |a, c| a.saturating_add(c.bytes))
    }

    /// Whether this row is for pod `name` in `namespace`.
    pub fn is_for(&self, namespace: &str, name: &str) -> bool {
        self.pod == name && self.namespace.as_deref().is_none_or(|n| n == namespace)
    }
}

/// A usage file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageTable {
    /// What it was.
    pub format: UsageFormat,
    /// The pods, in input order.
    pub pods: Vec<PodUsage>,
}

/// What to take as the usage of a pod without a measurement (`--assume-usage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assume {
    /// Each container uses its memory request.
    Request,
    /// Each container uses its memory limit (its request when it has no limit).
    Limit,
    /// Each container uses this percentage of its limit (of its request when it has no limit).
    PercentOfLimit(u32),
}

impl Assume {
    /// Parses `request`, `limit` or `NN%` (0 to 100).
    pub fn parse(s: &str) -> Result<Assume, String> {
        match s.trim() {
            "request" | "requests" => Ok(Assume::Request),
            "limit" | "limits" => Ok(Assume::Limit),
            p => p
                .strip_suffix('%')
                .and_then(|n| n.trim().parse::<u32>().ok())
                .filter(|n| *n <= 100)
                .map(Assume::PercentOfLimit)
                .ok_or_else(|| {
                    format!(
                        "`{s}`: expected `request`, `limit` or a percentage of the limit (`80%`)"
                    )
                }),
        }
    }

    /// The assumed usage of a container with this request and limit.
    pub fn bytes(self, request: i64, limit: Option<i64>) -> i64 {
        match self {
            Assume::Request => request,
            Assume::Limit => limit.unwrap_or(request),
            Assume::PercentOfLimit(p) => {
                (i128::from(limit.unwrap_or(request)) * i128::from(p) / 100) as i64
            }
        }
    }

    /// How reports state the assumption.
    pub fn describe(self) -> String {
        match self {
            Assume::Request => "its memory request".to_string(),
            Assume::Limit => "its memory limit (its request when it has none)".to_string(),
            Assume::PercentOfLimit(p) => {
                format!("{p}% of its memory limit (of its request when it has none)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumptions() {
        assert_eq!(Assume::parse("request"), Ok(Assume::Request));
        assert_eq!(Assume::parse("80%"), Ok(Assume::PercentOfLimit(80)));
        assert!(Assume::parse("180%").is_err());
        assert!(Assume::parse("most").is_err());
        assert_eq!(Assume::PercentOfLimit(50).bytes(10, Some(100)), 50);
        assert_eq!(Assume::Limit.bytes(10, None), 10);
    }
}
