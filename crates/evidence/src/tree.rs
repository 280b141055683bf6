//! A small document tree with line numbers, loaded with `saphyr` (YAML 1.2, so JSON too). Pod and
//! event readers walk it, and `oomdoc-sim`'s Node and metrics readers; the manifest reader in
//! `oomdoc-manifest` only keeps pod *specs*.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// A value in a document.
/// A value: null, a scalar's text, a sequence or a mapping (keys in document order).
#[derive(Clone, Debug)]
pub enum V {
    /// `null`, `~` or nothing.
    Null,
    /// A scalar, as written (numbers and booleans too).
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping.
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

/// Deepest nesting accepted; deeper input is refused before the (recursive) YAML loader sees it.
const MAX_DEPTH: usize = 200;

/// The first line where flow brackets or block indentation nest deeper than [`MAX_DEPTH`]
/// (counted without regard to quoting, so it errs on the side of refusing).
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

/// Loads every document in `text`; a syntax error is returned with its 1-based line.
pub fn load(text: &str) -> Result<Vec<Node>, (u32, String)> {
    if let Some(line) = too_deep(text) {
        return Err((line, format!("nesting deeper than {MAX_DEPTH} levels")));
    }
    match MarkedYaml::load_from_str(text) {
        Ok(docs) => Ok(docs.iter().map(|d| convert(d, 0)).collect()),
        Err(e) => Err((e.marker().line() as u32, e.info().to_string())),
    }
}

/// Loads the documents of a block cut from a larger text whose first line is line `first_line`
/// there: every node's line is that of the larger text.
pub fn load_at(text: &str, first_line: u32) -> Result<Vec<Node>, (u32, String)> {
    fn shift(n: &mut Node, by: u32) {
        n.line = n.line.saturating_add(by);
        match &mut n.v {
            V::Seq(s) => s.iter_mut().for_each(|c| shift(c, by)),
            V::Map(m) => m.iter_mut().for_each(|(_, c)| shift(c, by)),
            _ => {}
        }
    }
    let by = first_line.saturating_sub(1);
    let mut docs = load(text).map_err(|(l, m)| (l.saturating_add(by), m))?;
    if by > 0 {
        docs.iter_mut().for_each(|d| shift(d, by));
    }
    Ok(docs)
}
