//! A small document tree with 1-based line numbers, loaded with `saphyr` (YAML 1.2, so JSON too),
//! for the Node object and the metrics API's JSON.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::InputError;

/// A value in a document.
#[derive(Clone, Debug)]
pub(crate) enum V {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// A value and the 1-based line it starts on.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub line: u32,
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

    /// A scalar at `path`.
    pub fn s(&self, path: &[&str]) -> Option<&str> {
        match &self.at(path)?.v {
            V::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.v {
            V::Seq(s) => s,
            _ => &[],
        }
    }
}

fn scalar_text(s: &Scalar<'_>) -> Option<String> {
    Some(match s {
        Scalar::Null => return None,
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::FloatingPoint(f) => f.to_string(),
        Scalar::String(s) => s.to_string(),
    })
}

fn convert(y: &MarkedYaml<'_>, depth: u32) -> Node {
    let line = y.span.start.line() as u32;
    let v = if depth > 64 {
        V::Null
    } else {
        match &y.data {
            YamlData::Value(s) => scalar_text(s).map_or(V::Null, V::Scalar),
            YamlData::Representation(s, _, _) => V::Scalar(s.to_string()),
            YamlData::Sequence(seq) => V::Seq(seq.iter().map(|n| convert(n, depth + 1)).collect()),
            YamlData::Mapping(m) => V::Map(
                m.iter()
                    .map(|(k, v)| {
                        let key = match &k.data {
                            YamlData::Value(s) => scalar_text(s).unwrap_or_default(),
                            YamlData::Representation(s, _, _) => s.to_string(),
                            _ => String::new(),
                        };
                        (key, convert(v, depth + 1))
                    })
                    .collect(),
            ),
            YamlData::Tagged(_, inner) => return convert(inner, depth + 1),
            _ => V::Null,
        }
    };
    Node { line, v }
}

/// Deepest bracket or indentation nesting accepted; deeper input is refused before the
/// (recursive) loader sees it.
const MAX_DEPTH: usize = 200;

fn too_deep(text: &str) -> Option<u32> {
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        for b in line.bytes() {
            match b {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if depth > MAX_DEPTH || indent > 2 * MAX_DEPTH {
            return Some(i as u32 + 1);
        }
    }
    None
}

/// Loads every document in `text`.
pub(crate) fn load(text: &str) -> Result<Vec<Node>, InputError> {
    if let Some(line) = too_deep(text) {
        return Err(InputError::at(
            line,
            format!("nesting deeper than {MAX_DEPTH} levels"),
        ));
    }
    match MarkedYaml::load_from_str(text) {
        Ok(docs) => Ok(docs.iter().map(|d| convert(d, 0)).collect()),
        Err(e) => Err(InputError::at(
            (e.marker().line() as u32).max(1),
            format!("not valid YAML or JSON: {}", e.info()),
        )),
    }
}
