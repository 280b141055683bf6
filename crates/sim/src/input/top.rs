//! `kubectl top pod` text: plain or `--containers`, with or without `-A`'s NAMESPACE column.
//!
//! ```text
//! NAMESPACE   POD                    NAME   CPU(cores)   MEMORY(bytes)
//! shop        api-7d9f8b7c6-x2x5z    api    12m          812Mi
//! ```
//!
//! Columns are found by their header names, so the optional columns of newer kubectl (`SWAP(bytes)`)
//! do not matter. The `--sum` footer (a rule of underscores and a row without a name) is skipped.
//! kubectl prints the metrics API's working set in whole MiB, so each value is rounded down to 1Mi.

use crate::usage::{ContainerUsage, PodUsage, UsageFormat, UsageTable};
use crate::{memory_bytes, LineError};

/// True when `text` looks like `kubectl top pod` output (a header with `MEMORY(bytes)`).
pub fn looks_like_top(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.split_whitespace().any(|c| c == "MEMORY(bytes)"))
}

/// Reads `kubectl top pod` text.
pub fn parse_top(text: &str) -> Result<UsageTable, LineError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u32 + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((hline, header)) = lines.next() else {
        return Err(LineError::whole("empty `kubectl top pod` output"));
    };
    let cols: Vec<&str> = header.split_whitespace().collect();
    let find = |name: &str| cols.iter().position(|c| *c == name);
    let mem = find("MEMORY(bytes)")
        .ok_or_else(|| LineError::at(hline, "no MEMORY(bytes) column in the header"))?;
    let ns = find("NAMESPACE");
    // With --containers the pod is in POD and the container in NAME.
    let (pod_col, container_col) = match find("POD") {
        Some(p) => (p, find("NAME")),
        None => (
            find("NAME").ok_or_else(|| LineError::at(hline, "no NAME column in the header"))?,
            None,
        ),
    };
    let format = if container_col.is_some() {
        UsageFormat::TopContainers
    } else {
        UsageFormat::TopPods
    };
    let mut pods: Vec<PodUsage> = Vec::new();
    for (line, l) in lines {
        let fields: Vec<&str> = l.split_whitespace().collect();
        if fields.iter().all(|f| f.chars().all(|c| c == '_')) {
            // `--sum`: a rule of underscores, then the totals; nothing per pod follows.
            break;
        }
        if fields.len() < cols.len() {
            return Err(LineError::at(
                line,
                format!("expected {} columns, found {}", cols.len(), fields.len()),
            ));
        }
        let bytes = memory_bytes(fields[mem]).map_err(|e| LineError::at(line, e))?;
        let namespace = ns.map(|i| fields[i].to_string());
        let pod = fields[pod_col].to_string();
        let existing = pods
            .iter()
            .position(|p| p.namespace == namespace && p.pod == pod);
        let entry = match existing {
            Some(i) => &mut pods[i],
            None => {
                pods.push(PodUsage {
                    namespace,
                    pod,
                    containers: Vec::new(),
                    line,
                });
                pods.last_mut().expect("just pushed")
            }
        };
        match container_col {
            Some(c) => entry.containers.push(ContainerUsage {
                name: Some(fields[c].to_string()),
                bytes,
            }),
            None if existing.is_some() => {
                return Err(LineError::at(
                    line,
                    format!("pod `{}` listed twice", fields[pod_col]),
                ))
            }
            None => entry.containers.push(ContainerUsage { name: None, bytes }),
        }
    }
    Ok(UsageTable { format, pods })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: i64 = 1 << 20;

    #[test]
    fn four_shapes() {
        let t = parse_top("NAME      CPU(cores)   MEMORY(bytes)\napi-1     3m           120Mi\n")
            .unwrap();
        assert_eq!(t.format, UsageFormat::TopPods);
        assert_eq!(t.pods[0].namespace, None);
        assert_eq!(t.pods[0].total(), 120 * MI);

        let t = parse_top(
            "NAMESPACE  NAME   CPU(cores)  MEMORY(bytes)\nshop  api-1  3m  120Mi\nkube-system  dns  1m  20Mi\n",
        )
        .unwrap();
        assert_eq!(t.pods[1].namespace.as_deref(), Some("kube-system"));

        let t = parse_top(
            "POD     NAME    CPU(cores)   MEMORY(bytes)\napi-1   api     3m    100Mi\napi-1   envoy   1m    30Mi\n",
        )
        .unwrap();
        assert_eq!(t.format, UsageFormat::TopContainers);
        assert_eq!(t.pods.len(), 1);
        assert_eq!(t.pods[0].total(), 130 * MI);

        let t = parse_top(
            "NAMESPACE   POD   NAME   CPU(cores)   MEMORY(bytes)\nshop  api-1  api  3m  100Mi\n                              ________     ________\n                              3m           100Mi\n",
        )
        .unwrap();
        assert_eq!(t.pods[0].containers[0].name.as_deref(), Some("api"));
        assert_eq!(t.pods.len(), 1);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let e = parse_top("NAME CPU(cores) MEMORY(bytes)\na 1m 10Mi\nb 1m lots\n").unwrap_err();
        assert_eq!(e.line(), Some(3));
        let e = parse_top("NAME CPU(cores) MEMORY(bytes)\na 1m 10Mi\na 1m 10Mi\n").unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert!(parse_top("NAME CPU(cores)\n").is_err());
    }
}
