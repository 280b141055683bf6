//! A Node object as `kubectl get node NAME -o yaml|json` prints it (a single Node, or a List
//! holding exactly one Node): its name, `status.capacity.memory` and `status.allocatable.memory`.

use super::tree::{load, Node};
use crate::{memory_bytes, LineError};

/// What a Node object says about memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeObject {
    /// `metadata.name`.
    pub name: Option<String>,
    /// `status.capacity.memory`, bytes.
    pub capacity: i64,
    /// `status.allocatable.memory`, bytes, when present.
    pub allocatable: Option<i64>,
}

fn memory_at(node: &Node, path: &[&str]) -> Result<Option<i64>, LineError> {
    let Some(n) = node.at(path) else {
        return Ok(None);
    };
    let Some(s) = node.str_at(path) else {
        return Err(LineError::at(
            n.line,
            format!("`{}` is not a quantity", path.join(".")),
        ));
    };
    memory_bytes(s)
        .map(Some)
        .map_err(|e| LineError::at(n.line, format!("{}: {e}", path.join("."))))
}

/// Reads the Node in `text` (YAML or JSON).
pub fn parse_node(text: &str) -> Result<NodeObject, LineError> {
    let docs = load(text)?;
    let mut nodes: Vec<&Node> = Vec::new();
    for doc in &docs {
        match doc.str_at(&["kind"]) {
            Some("Node") => nodes.push(doc),
            Some("List" | "NodeList") => nodes.extend(
                doc.get("items")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter(|i| matches!(i.str_at(&["kind"]), Some("Node") | None)),
            ),
            _ => {}
        }
    }
    let node = match nodes.as_slice() {
        [] => {
            return Err(LineError::whole(
                "no Node object found (expected the output of `kubectl get node NAME -o yaml`)",
            ))
        }
        [one] => *one,
        many => {
            return Err(LineError::at(
                many[1].line,
                format!(
                    "{} Node objects found; simulate one node at a time (`kubectl get node NAME -o yaml`)",
                    many.len()
                ),
            ))
        }
    };
    let capacity = memory_at(node, &["status", "capacity", "memory"])?.ok_or_else(|| {
        LineError::at(
            node.line,
            "the Node has no status.capacity.memory (pass --node-memory)",
        )
    })?;
    Ok(NodeObject {
        name: node.str_at(&["metadata", "name"]).map(str::to_string),
        capacity,
        allocatable: memory_at(node, &["status", "allocatable", "memory"])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_and_json_and_lists() {
        let y = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\nstatus:\n  allocatable:\n    memory: 15928164Ki\n  capacity:\n    memory: 16393060Ki\n";
        let n = parse_node(y).unwrap();
        assert_eq!(n.name.as_deref(), Some("n1"));
        assert_eq!(n.capacity, 16_393_060 * 1024);
        assert_eq!(n.allocatable, Some(15_928_164 * 1024));
        let j = r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Node","metadata":{"name":"n2"},"status":{"capacity":{"memory":"8Gi"}}}]}"#;
        let n = parse_node(j).unwrap();
        assert_eq!((n.capacity, n.allocatable), (8 << 30, None));
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_node("kind: Node\nstatus:\n  capacity:\n    memory: lots\n").unwrap_err();
        assert_eq!(e.line(), Some(4));
        assert!(parse_node("kind: Pod\n").is_err());
        assert!(parse_node("kind: Node\nstatus: {\n")
            .unwrap_err()
            .line()
            .is_some());
        let two = "kind: List\nitems:\n- kind: Node\n  status: {capacity: {memory: 1Gi}}\n- kind: Node\n  status: {capacity: {memory: 1Gi}}\n";
        assert_eq!(parse_node(two).unwrap_err().line(), Some(5));
    }
}
