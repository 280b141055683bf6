//! Typed reads from a [`Tree`], with the type rules Kubernetes applies after its YAML-to-JSON
//! conversion, and one [`InputError`] per problem (the rest of the document is still read).

use std::sync::Arc;

use oomdoc_model::pod::{DocSource, ResourceList, Resources};
use oomdoc_model::{InputError, Pos, Quantity, Spanned};

use crate::Item;
use oomdoc_document::tree::{NodeId, NodeKind, Tree};
use oomdoc_document::yaml11::{self, Value};

/// Counters a document adds to [`crate::ReadStats`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    pub documents: usize,
    pub workloads: usize,
    pub skipped: usize,
    /// Input errors reported so far, so an object can tell whether any were its own.
    pub errors: usize,
}

/// Reading one document: the tree, where results go, and what to report against.
pub(crate) struct Cx<'a> {
    pub tree: &'a Tree,
    pub file: &'a Arc<str>,
    pub source: Option<&'a Arc<DocSource>>,
    /// `helm template`'s `# Source:` comment of this document.
    pub template: Option<&'a Arc<str>>,
    pub out: &'a mut Vec<Item>,
    pub counts: &'a mut Counts,
}

/// Describes a field for error messages, built only when there is an error.
pub(crate) type What<'w> = &'w dyn Fn() -> String;

impl Cx<'_> {
    /// Reports an input problem at `pos`.
    pub(crate) fn error(&mut self, pos: Pos, message: String) {
        self.counts.errors += 1;
        self.out.push(Item::Error(InputError {
            file: self.file.clone(),
            pos: Some(pos),
            message,
        }));
    }

    /// The value at `key` of `map`, unless it is absent or null.
    pub(crate) fn field(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.tree.get(map, key).filter(|&v| !self.tree.is_null(v))
    }

    /// The key's position and the value at `key` of `map`, unless it is absent or null.
    pub(crate) fn keyed(&self, map: NodeId, key: &str) -> Option<(Pos, NodeId)> {
        let (k, v) = self.tree.get_entry(map, key)?;
        (!self.tree.is_null(v)).then(|| (self.tree.pos(k), v))
    }

    /// Reports a value of the wrong type.
    fn wrong_type(&mut self, node: NodeId, what: What, expected: &str) {
        let got = self.tree.noun(node);
        let mut msg = format!("{} must be {expected}, got {got}", what());
        if let Some(s) = self.tree.scalar(node) {
            let v = yaml11::resolve(s.text, s.style, s.tag);
            match v {
                Value::Bool(_) => msg.push_str(&format!(
                    " ({}: a boolean in YAML 1.1, as Kubernetes reads it); quote it: \"{}\"",
                    s.text, s.text
                )),
                Value::Int(_) | Value::Float(_) if expected == "a string" => {
                    msg.push_str(&format!(" ({}); quote it: \"{}\"", s.text, s.text))
                }
                _ => msg.push_str(&format!(" ({})", short(s.text))),
            }
        }
        let pos = self.tree.pos(node);
        self.error(pos, msg);
    }

    /// True when `node` is a mapping; reports any other non-null value.
    pub(crate) fn is_map(&mut self, node: NodeId, what: What) -> bool {
        match self.tree.kind(node) {
            NodeKind::Map => true,
            _ if self.tree.is_null(node) => false,
            _ => {
                self.wrong_type(node, what, "a mapping");
                false
            }
        }
    }

    /// True when `node` is a list; reports any other non-null value.
    pub(crate) fn is_seq(&mut self, node: NodeId, what: What) -> bool {
        match self.tree.kind(node) {
            NodeKind::Seq => true,
            _ if self.tree.is_null(node) => false,
            _ => {
                self.wrong_type(node, what, "a list");
                false
            }
        }
    }

    /// A string field. Null is `None`; numbers and booleans are errors, as in Kubernetes (its JSON
    /// decoder refuses them for string fields); a YAML 1.1 timestamp keeps its text.
    pub(crate) fn string(&mut self, node: NodeId, what: What) -> Option<Spanned<String>> {
        let pos = self.tree.pos(node);
        let Some(s) = self.tree.scalar(node) else {
            self.wrong_type(node, what, "a string");
            return None;
        };
        match yaml11::resolve(s.text, s.style, s.tag) {
            Value::Str(t) => Some(Spanned::new(t.to_string(), pos)),
            Value::Timestamp(t) => Some(Spanned::new(t.to_string(), pos)),
            Value::Null => None,
            Value::BadTag(tag) => {
                self.error(
                    pos,
                    format!("{}: cannot decode {:?} as a {tag}", what(), short(s.text)),
                );
                None
            }
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    /// `key` of `map` as a string, when present and not null.
    pub(crate) fn string_at(
        &mut self,
        map: NodeId,
        key: &str,
        what: What,
    ) -> Option<Spanned<String>> {
        let v = self.field(map, key)?;
        self.string(v, what)
    }

    /// A list of strings (`command`, `args`), named `{prefix}[i]{suffix}` in messages; items of
    /// other types are reported and left out.
    pub(crate) fn strings(
        &mut self,
        node: NodeId,
        prefix: &str,
        suffix: &str,
    ) -> Vec<Spanned<String>> {
        if !self.is_seq(node, &|| format!("{prefix}{suffix}")) {
            return Vec::new();
        }
        let items = self.tree.items(node);
        let mut out = Vec::with_capacity(items.len());
        for (i, &item) in items.iter().enumerate() {
            if self.tree.is_null(item) {
                // JSON null in a []string decodes to "".
                out.push(Spanned::new(String::new(), self.tree.pos(item)));
            } else if let Some(s) = self.string(item, &|| format!("{prefix}[{i}]{suffix}")) {
                out.push(s);
            }
        }
        out
    }

    /// A quantity, parsed from the text Kubernetes' `Quantity.UnmarshalJSON` receives: the string
    /// (trimmed), or the JSON number go-yaml's int or float becomes. Null is a zero quantity (as
    /// Kubernetes decodes it); booleans, collections and invalid text are reported as errors.
    pub(crate) fn quantity(&mut self, node: NodeId, what: What) -> Option<Spanned<Quantity>> {
        let pos = self.tree.pos(node);
        let Some(s) = self.tree.scalar(node) else {
            self.wrong_type(node, what, "a quantity (a string or a number)");
            return None;
        };
        let v = yaml11::resolve(s.text, s.style, s.tag);
        let text = match &v {
            Value::Str(t) => yaml11::trim_json_space(t).to_string(),
            Value::Timestamp(t) => t.to_string(),
            Value::Null => "0".to_string(),
            Value::Int(_) | Value::Float(_) => match yaml11::json_number(&v) {
                Some(t) => t,
                None => {
                    let msg = format!(
                        "invalid quantity {:?} for {}: not a finite number (Kubernetes cannot convert it to JSON)",
                        s.text,
                        what()
                    );
                    self.error(pos, msg);
                    return None;
                }
            },
            Value::Bool(_) => {
                let msg = format!(
                    "invalid quantity {:?} for {}: it is a boolean in YAML 1.1, as Kubernetes reads it, not a quantity",
                    s.text,
                    what()
                );
                self.error(pos, msg);
                return None;
            }
            Value::BadTag(tag) => {
                self.error(
                    pos,
                    format!("{}: cannot decode {:?} as a {tag}", what(), short(s.text)),
                );
                return None;
            }
        };
        match Quantity::parse(&text) {
            Ok(q) => Some(Spanned::new(q, pos)),
            Err(e) => {
                self.error(
                    pos,
                    format!("invalid quantity {:?} for {}: {e}", short(&text), what()),
                );
                None
            }
        }
    }

    /// An `int32` field (`priority`). Strings, booleans, fractions and out-of-range numbers are
    /// errors, as Kubernetes' JSON decoder makes them.
    pub(crate) fn int32(&mut self, node: NodeId, what: What) -> Option<i32> {
        let pos = self.tree.pos(node);
        if let Some(s) = self.tree.scalar(node) {
            let v = yaml11::resolve(s.text, s.style, s.tag);
            match &v {
                Value::Null => return None,
                Value::Int(_) | Value::Float(_) => {
                    if let Some(n) = yaml11::json_number(&v).and_then(|t| t.parse::<i32>().ok()) {
                        return Some(n);
                    }
                    self.error(
                        pos,
                        format!("{} must be a 32-bit integer, got {}", what(), short(s.text)),
                    );
                    return None;
                }
                _ => {}
            }
        }
        self.wrong_type(node, what, "an integer");
        None
    }

    /// A `requests`/`limits`-like mapping whose key is at `at`; only `cpu` and `memory` are read.
    /// Messages name the field `{prefix}.memory{suffix}`, e.g. `resources.limits.memory of
    /// container "app"`.
    pub(crate) fn resource_list(
        &mut self,
        (at, node): (Pos, NodeId),
        prefix: &str,
        suffix: &str,
    ) -> ResourceList {
        let mut rl = ResourceList::default();
        if !self.is_map(node, &|| format!("{prefix}{suffix}")) {
            return rl;
        }
        // The key is where people look (`limits:`), whether the mapping is block or flow style.
        rl.pos = Some(at);
        if let Some(v) = self.field_or_null(node, "cpu") {
            rl.cpu = self.quantity(v, &|| format!("{prefix}.cpu{suffix}"));
        }
        if let Some(v) = self.field_or_null(node, "memory") {
            rl.memory = self.quantity(v, &|| format!("{prefix}.memory{suffix}"));
        }
        rl
    }

    /// `key` of `map` even when null (for quantities, where null means zero).
    pub(crate) fn field_or_null(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.tree.get(map, key)
    }

    /// A `resources` mapping (`requests`, `limits`) whose key is at `at`, named
    /// `{prefix}{suffix}` in messages, e.g. prefix `resources` and suffix ` of container "app"`.
    pub(crate) fn resources(
        &mut self,
        (at, node): (Pos, NodeId),
        prefix: &str,
        suffix: &str,
    ) -> Resources {
        let mut r = Resources::default();
        if !self.is_map(node, &|| format!("{prefix}{suffix}")) {
            return r;
        }
        r.pos = Some(at);
        if let Some(kv) = self.keyed(node, "requests") {
            r.requests = self.resource_list(kv, &format!("{prefix}.requests"), suffix);
        }
        if let Some(kv) = self.keyed(node, "limits") {
            r.limits = self.resource_list(kv, &format!("{prefix}.limits"), suffix);
        }
        r
    }
}

/// Long texts are cut in messages.
pub(crate) fn short(s: &str) -> String {
    // Messages are one line: show line breaks and other controls escaped, as Go's %q would.
    let escaped: String = s
        .chars()
        .flat_map(|c| {
            let plain = (!c.is_control()).then_some(c);
            plain.into_iter().chain(
                c.is_control()
                    .then(|| c.escape_debug())
                    .into_iter()
                    .flatten(),
            )
        })
        .collect();
    if escaped.chars().count() <= 60 {
        escaped
    } else {
        format!("{}…", escaped.chars().take(60).collect::<String>())
    }
}
