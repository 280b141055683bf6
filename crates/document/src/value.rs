//! An owned view of a parsed document: values as the API server's JSON would hold them.
//!
//! Evidence and simulation readers look into small objects (a pod's status, an event list, a
//! Node) by path; they want `"137"` whether the text said `137`, `"137"` or `0x89`, and a key
//! that appears twice to mean what it means to Kubernetes (the later one). Built from a
//! [`Tree`], so the scalar rules and limits are those of every other reader.

use crate::tree::{NodeId, NodeKind, Tree};
use crate::yaml11::{self, Value};
use crate::Mode;
use oomdoc_model::LineError;

/// A value: null, a scalar's JSON text, a sequence or a mapping (keys in document order).
#[derive(Clone, Debug)]
pub enum V {
    /// `null`, `~` or nothing.
    Null,
    /// A scalar as the API server's JSON holds it: strings as written, numbers as
    /// `encoding/json` writes them, booleans as `true`/`false` (YAML 1.1's `yes` too).
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping: each key once (where a key is repeated or merged, the value go-yaml keeps).
    Map(Vec<(String, Node)>),
}

/// A value and the 1-based line it starts on.
#[derive(Clone, Debug)]
pub struct Node {
    /// 1-based line.
    pub line: u32,
    /// The value.
    pub v: V,
}

impl Node {
    /// A mapping value by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A value by a path of keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The scalar text.
    pub fn str(&self) -> Option<&str> {
        match &self.v {
            V::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar at `path`, borrowed.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Node::str)
    }

    /// A scalar at `path`, as a string.
    pub fn s(&self, path: &[&str]) -> Option<String> {
        self.at(path).and_then(Node::str).map(str::to_string)
    }

    /// An integer scalar at `path`.
    pub fn i(&self, path: &[&str]) -> Option<i64> {
        self.at(path)
            .and_then(Node::str)
            .and_then(|s| s.trim().parse().ok())
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.v {
            V::Seq(s) => s,
            _ => &[],
        }
    }
}

/// Alias expansions allowed per document: the manifest reader's default.
pub const MAX_ALIAS_EXPANSIONS: usize = 100_000;

/// Nesting kept; deeper values read as null (no reader looks that deep, and the conversion
/// recurses).
const MAX_DEPTH: u32 = 64;

/// How deep merge keys (`<<`) are followed, as [`Tree::get`] does.
const MAX_MERGE_DEPTH: u32 = 8;

/// Loads every document of `text`, whose first line is line `first_line` of a larger text;
/// every node's line is that of the larger text.
/// A syntax error or a refused document is a [`LineError`] at its position (lines shifted by
/// `first_line`).
pub fn load_at(text: &str, first_line: u32) -> Result<Vec<Node>, LineError> {
    let parsed = crate::parse(text, first_line, Mode::Build, MAX_ALIAS_EXPANSIONS);
    if let Some(e) = parsed.error {
        return Err(LineError::at_pos(e.pos, e.message));
    }
    Ok(parsed
        .trees
        .iter()
        .map(|t| convert(t, t.root(), 0))
        .collect())
}

/// Loads every document of `text`.
pub fn load(text: &str) -> Result<Vec<Node>, LineError> {
    load_at(text, 1)
}

/// The JSON text of a scalar, `None` for null.
fn scalar_text(tree: &Tree, id: NodeId) -> Option<String> {
    let s = tree.scalar(id)?;
    let v = yaml11::resolve(s.text, s.style, s.tag);
    match v {
        Value::Str(t) | Value::Timestamp(t) => Some(t.to_string()),
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(_) | Value::Float(_) => yaml11::json_number(&v).or(Some(s.text.to_string())),
        // go-yaml refuses the document; readers of evidence keep the text they were given.
        Value::BadTag(_) => Some(s.text.to_string()),
    }
}

fn convert(tree: &Tree, id: NodeId, depth: u32) -> Node {
    let line = tree.pos(id).line;
    let v = if depth > MAX_DEPTH {
        V::Null
    } else {
        match tree.kind(id) {
            NodeKind::Map => {
                let mut entries = Vec::new();
                map_entries(tree, id, depth, 0, &mut entries);
                V::Map(keep_last(entries))
            }
            NodeKind::Seq => V::Seq(
                tree.items(id)
                    .iter()
                    .map(|&c| convert(tree, c, depth + 1))
                    .collect(),
            ),
            NodeKind::Scalar | NodeKind::Alias => scalar_text(tree, id).map_or(V::Null, V::Scalar),
        }
    };
    Node { line, v }
}

/// The entries of a mapping in go-yaml's order of assignment: a merge key (`<<`) brings its
/// source's entries at its place, the first of a list of sources winning.
fn map_entries(tree: &Tree, map: NodeId, depth: u32, merges: u32, out: &mut Vec<(String, Node)>) {
    for (k, v) in tree.entries(map) {
        let is_merge = tree
            .scalar(k)
            .is_some_and(|s| s.text == "<<" && s.style == crate::ScalarStyle::Plain);
        if !is_merge {
            let key = scalar_text(tree, k).unwrap_or_else(|| "null".to_string());
            out.push((key, convert(tree, v, depth + 1)));
        } else if merges < MAX_MERGE_DEPTH {
            match tree.kind(v) {
                NodeKind::Map => map_entries(tree, v, depth, merges + 1, out),
                NodeKind::Seq => {
                    for &m in tree.items(v).iter().rev() {
                        if tree.kind(m) == NodeKind::Map {
                            map_entries(tree, m, depth, merges + 1, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Each key once, with its last value, in the order of those last values.
fn keep_last(entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    // Where each key's last value is; a map of thousands of keys (a ConfigMap's data in a pasted
    // List) stays linear.
    let mut last: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(entries.len());
    for (i, (k, _)) in entries.iter().enumerate() {
        last.insert(k.as_str(), i);
    }
    let keep: Vec<bool> = (0..entries.len())
        .map(|i| last.get(entries[i].0.as_str()) == Some(&i))
        .collect();
    entries
        .into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        load(text).unwrap().remove(0)
    }

    #[test]
    fn scalars_read_as_the_api_server_reads_them() {
        let n = one("a: yes\nb: 0x89\nc: '0x89'\nd: ~\ne: 1e3\nf: 2026-12-07\n");
        assert_eq!(n.str_at(&["a"]), Some("true"));
        assert_eq!(n.i(&["b"]), Some(137));
        assert_eq!(n.str_at(&["c"]), Some("0x89"));
        assert!(matches!(n.get("d").map(|d| &d.v), Some(V::Null)));
        assert_eq!(n.str_at(&["e"]), Some("1000"));
        assert_eq!(n.str_at(&["f"]), Some("2026-12-07"));
    }

    #[test]
    fn json_and_yaml_give_the_same_tree() {
        let y = one("status:\n  containerStatuses:\n  - name: app\n    restartCount: 3\n");
        let j = one(r#"{"status":{"containerStatuses":[{"name":"app","restartCount":3}]}}"#);
        for n in [&y, &j] {
            let c = &n.at(&["status", "containerStatuses"]).unwrap().items()[0];
            assert_eq!(c.str_at(&["name"]), Some("app"));
            assert_eq!(c.i(&["restartCount"]), Some(3));
        }
    }

    #[test]
    fn later_keys_and_merges_win_as_in_go_yaml() {
        let n = one("base: &b {x: 1, w: 2}\nm:\n  x: 0\n  <<: *b\n  w: 3\nl:\n  <<: [{z: first}, {z: second}]\n");
        assert_eq!(n.str_at(&["m", "x"]), Some("1"));
        assert_eq!(n.str_at(&["m", "w"]), Some("3"));
        assert_eq!(n.str_at(&["l", "z"]), Some("first"));
        let V::Map(m) = &n.get("m").unwrap().v else {
            panic!("m is a mapping")
        };
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn keys_resolve_too_as_go_yaml_v2_does() {
        // `y` is a YAML 1.1 boolean even as a key: `kubectl apply` sends it as "true".
        let n = one("y: 1\n'n': 2\n");
        assert_eq!(n.str_at(&["true"]), Some("1"));
        assert_eq!(n.str_at(&["n"]), Some("2"));
    }

    #[test]
    fn lines_are_those_of_the_larger_text() {
        let docs = load_at("a:\n  b: 1\n---\nc: 2\n", 10).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get("a").unwrap().get("b").unwrap().line, 11);
        assert_eq!(docs[1].line, 13);
    }

    #[test]
    fn errors_and_bombs_are_refused_with_a_line() {
        let e = load("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line().is_some_and(|l| l >= 1), "{e:?}");
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let e = load(&bomb).unwrap_err();
        assert!(e.message.contains("alias"), "{e:?}");
    }

    #[test]
    fn deep_nesting_is_cut_not_a_crash() {
        let text = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        let docs = load(&text).unwrap();
        assert_eq!(docs.len(), 1);
    }
}
