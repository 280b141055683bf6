//! `--grow NS/POD[/CONTAINER]=+SIZE`: the flag parsed, and its targets resolved to the
//! containers of the node's pods (exactly, or by the controller that owns them).

use crate::memory_bytes;
use crate::pod::SimPod;

/// One `--grow`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grow {
    /// Namespace.
    pub namespace: String,
    /// Pod (or controller) name.
    pub pod: String,
    /// Container; the pod's first container when `None`.
    pub container: Option<String>,
    /// Bytes to add.
    pub bytes: i64,
}

impl Grow {
    /// Parses `NS/POD[/CONTAINER]=+SIZE` (the `+` is optional).
    pub fn parse(s: &str) -> Result<Grow, String> {
        let (target, size) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected NS/POD[/CONTAINER]=+SIZE"))?;
        let parts: Vec<&str> = target.trim().split('/').collect();
        let (namespace, pod, container) = match parts.as_slice() {
            [ns, pod] => (*ns, *pod, None),
            [ns, pod, c] => (*ns, *pod, Some(c.to_string())),
            _ => return Err(format!("`{s}`: expected NS/POD[/CONTAINER]=+SIZE")),
        };
        if namespace.is_empty() || pod.is_empty() || container.as_deref() == Some("") {
            return Err(format!("`{s}`: expected NS/POD[/CONTAINER]=+SIZE"));
        }
        let size = size.trim();
        let bytes = memory_bytes(size.strip_prefix('+').unwrap_or(size))
            .map_err(|e| format!("`{s}`: {e}"))?;
        if bytes == 0 {
            return Err(format!("`{s}`: the growth must be positive"));
        }
        Ok(Grow {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            container,
            bytes,
        })
    }
}

/// A `--grow` resolved: which container grows, from what, by how much.
pub(crate) struct Grower {
    pub(crate) pod: usize,
    pub(crate) container: usize,
    pub(crate) base: i64,
    pub(crate) amount: i64,
    /// Bytes grown so far (kept when the grower stops).
    pub(crate) grown: i64,
    pub(crate) active: bool,
}

/// Resolves `--grow` targets to (pod, container) indices; the second value holds notes.
pub(crate) fn resolve(
    pods: &[SimPod],
    grows: &[Grow],
) -> Result<(Vec<Grower>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for g in grows {
        let exact = pods
            .iter()
            .position(|p| p.namespace == g.namespace && p.name == g.pod);
        let by_owner: Vec<usize> = pods
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.namespace == g.namespace
                    && (p
                        .origin
                        .split(' ')
                        .next()
                        .is_some_and(|id| id.rsplit('/').next() == Some(g.pod.as_str()))
                        || ["Deployment", "StatefulSet", "DaemonSet", "CronJob"]
                            .iter()
                            .any(|k| crate::pod::generated_by(k, &g.pod, &p.name)))
            })
            .map(|(i, _)| i)
            .collect();
        let pi = match (exact, by_owner.first()) {
            (Some(i), _) => i,
            (None, Some(&i)) => {
                if by_owner.len() > 1 {
                    notes.push(format!(
                        "--grow {}/{}: {} pods belong to it; the first, {}, grows",
                        g.namespace,
                        g.pod,
                        by_owner.len(),
                        pods[i].name
                    ));
                }
                i
            }
            (None, None) => {
                let known: Vec<String> = pods.iter().take(8).map(SimPod::id).collect();
                return Err(format!(
                    "--grow: no pod {}/{} in the input (pods: {})",
                    g.namespace,
                    g.pod,
                    known.join(", ")
                ));
            }
        };
        let pod = &pods[pi];
        let ci = match &g.container {
            Some(c) => pod
                .containers
                .iter()
                .position(|x| &x.name == c)
                .ok_or_else(|| format!("--grow: pod {} has no container `{c}`", pod.id()))?,
            None if pod.containers.is_empty() => {
                return Err(format!("--grow: pod {} has no containers", pod.id()))
            }
            None => {
                if pod.containers.len() > 1 {
                    notes.push(format!(
                        "--grow {}: the first container, {}, grows",
                        pod.id(),
                        pod.containers[0].name
                    ));
                }
                0
            }
        };
        // Two --grow for one container add up.
        if let Some(g0) = out
            .iter_mut()
            .find(|g: &&mut Grower| g.pod == pi && g.container == ci)
        {
            g0.amount = g0.amount.saturating_add(g.bytes);
            continue;
        }
        out.push(Grower {
            pod: pi,
            container: ci,
            base: pod.containers[ci].usage,
            amount: g.bytes,
            grown: 0,
            active: true,
        });
    }
    Ok((out, notes))
}
