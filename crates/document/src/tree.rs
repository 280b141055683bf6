//! A compact, position-carrying tree of one YAML document, built from saphyr-parser events.
//!
//! Nodes live in one arena and scalar texts in one string, so a document costs a few
//! allocations however many nodes it has. Aliases stay references to their anchored node and are
//! never copied; what they would expand to is counted while parsing, so an alias bomb is
//! refused before anything walks it.

use oomdoc_model::Pos;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use crate::compat::Shifts;
use crate::yaml11::TagKind;

/// Index of a node in its [`Tree`].
pub type NodeId = u32;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Scalar,
    Map,
    Seq,
    Alias,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    kind: NodeKind,
    style: ScalarStyle,
    tag: TagKind,
    pos: Pos,
    /// Scalar: text offset; collections: first child in `kids`; alias: target node.
    a: u32,
    /// Scalar: text length; collections: number of children (keys and values for mappings).
    b: u32,
}

/// One document.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    kids: Vec<NodeId>,
    text: String,
}

/// A scalar's text with how it was written.
#[derive(Clone, Copy, Debug)]
pub struct Scalar<'a> {
    pub text: &'a str,
    pub style: ScalarStyle,
    pub tag: TagKind,
}

/// How deep merge keys (`<<`) are followed.
const MAX_MERGE_DEPTH: u32 = 8;

impl Tree {
    /// The root node (the first node of the document).
    pub fn root(&self) -> NodeId {
        0
    }

    /// Follows an alias to its anchored node.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        let n = &self.nodes[id as usize];
        if n.kind == NodeKind::Alias {
            n.a
        } else {
            id
        }
    }

    /// The kind of the node, aliases followed.
    pub fn kind(&self, id: NodeId) -> NodeKind {
        self.nodes[self.resolve(id) as usize].kind
    }

    /// Where the node was written (for an alias: where the alias is, not its anchor).
    pub fn pos(&self, id: NodeId) -> Pos {
        self.nodes[id as usize].pos
    }

    /// The scalar, aliases followed; `None` for collections.
    pub fn scalar(&self, id: NodeId) -> Option<Scalar<'_>> {
        let n = &self.nodes[self.resolve(id) as usize];
        (n.kind == NodeKind::Scalar).then(|| Scalar {
            text: &self.text[n.a as usize..(n.a + n.b) as usize],
            style: n.style,
            tag: n.tag,
        })
    }

    /// True for a null scalar (`~`, `null`, nothing), which Kubernetes reads as an absent value.
    pub fn is_null(&self, id: NodeId) -> bool {
        self.scalar(id).is_some_and(|s| {
            crate::yaml11::resolve(s.text, s.style, s.tag) == crate::yaml11::Value::Null
        })
    }

    fn children(&self, id: NodeId) -> &[NodeId] {
        let n = &self.nodes[self.resolve(id) as usize];
        match n.kind {
            NodeKind::Map | NodeKind::Seq => &self.kids[n.a as usize..(n.a + n.b) as usize],
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self, seq: NodeId) -> &[NodeId] {
        if self.kind(seq) == NodeKind::Seq {
            self.children(seq)
        } else {
            &[]
        }
    }

    /// The key/value pairs of a mapping, in order (merge keys not expanded).
    pub fn entries(&self, map: NodeId) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        let kids = if self.kind(map) == NodeKind::Map {
            self.children(map)
        } else {
            &[]
        };
        kids.chunks_exact(2).map(|p| (p[0], p[1]))
    }

    /// The value of `key` in a mapping, as go-yaml v2 decodes it: a later key wins over an earlier
    /// one, and a merge key (`<<: *base` or `<<: [*a, *b]`) sets the keys it brings at its place.
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_at(map, key, 0).map(|(_, v)| v)
    }

    /// Like [`Tree::get`], with the key node too.
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.get_at(map, key, 0)
    }

    fn get_at(&self, map: NodeId, key: &str, depth: u32) -> Option<(NodeId, NodeId)> {
        let mut found = None;
        for (k, v) in self.entries(map) {
            let Some(ks) = self.scalar(k) else { continue };
            if ks.text == key {
                found = Some((k, v));
            } else if ks.text == "<<" && ks.style == ScalarStyle::Plain && depth < MAX_MERGE_DEPTH {
                if let Some(m) = self.merged(v, key, depth + 1) {
                    found = Some(m);
                }
            }
        }
        found
    }

    /// `key` in a merge source: a mapping, or a sequence of mappings where the first one wins.
    fn merged(&self, src: NodeId, key: &str, depth: u32) -> Option<(NodeId, NodeId)> {
        match self.kind(src) {
            NodeKind::Map => self.get_at(src, key, depth),
            NodeKind::Seq => self.items(src).iter().find_map(|&m| {
                (self.kind(m) == NodeKind::Map)
                    .then(|| self.get_at(m, key, depth))
                    .flatten()
            }),
            _ => None,
        }
    }

    /// The first key's position, which is where an object "starts" for reports.
    pub fn first_key_pos(&self, map: NodeId) -> Pos {
        self.entries(map)
            .next()
            .map_or(self.pos(map), |(k, _)| self.pos(k))
    }

    /// A short noun for what the node is, for error messages.
    pub fn noun(&self, id: NodeId) -> &'static str {
        match self.kind(id) {
            NodeKind::Map => "a mapping",
            NodeKind::Seq => "a list",
            _ => self.scalar(id).map_or("a value", |s| {
                crate::yaml11::resolve(s.text, s.style, s.tag).noun()
            }),
        }
    }
}

/// What to do with the events of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Build a [`Tree`].
    Build,
    /// Only check syntax and aliases (the document cannot hold anything we read).
    Validate,
    /// Not even parsed (the manifest reader skips CustomResourceDefinitions this way).
    Skip,
}

/// A problem that ends the parse of a chunk.
#[derive(Debug)]
pub struct ParseError {
    /// Where, as saphyr reported it (1-based line within the chunk, 0-based column).
    pub(crate) scan: Option<ScanError>,
    pub pos: Pos,
    pub message: String,
}

impl ParseError {
    /// True for a YAML syntax error (not a limit such as an alias bomb).
    pub fn is_syntax(&self) -> bool {
        self.scan.is_some()
    }
}

/// The documents parsed from one chunk.
#[derive(Debug, Default)]
pub struct Parsed {
    /// One tree per non-empty document (`Mode::Build` only).
    pub trees: Vec<Tree>,
    /// Non-empty documents seen.
    pub documents: usize,
    /// What stopped the parse, if anything; the trees before it are complete.
    pub error: Option<ParseError>,
}

/// Size of an anchored collection that is still open: an alias to it is a cycle.
const OPEN: u64 = u64::MAX;

/// Builds trees from parser events (saphyr's, or [`crate::json`]'s in saphyr's shape).
pub(crate) struct Builder<'s> {
    mode: Mode,
    first_line: u32,
    shifts: &'s Shifts,
    max_alias: u64,
    tree: Tree,
    /// Open collections: node id, start in `pending`, expanded size so far, anchor id.
    frames: Vec<(NodeId, usize, u64, usize)>,
    /// Children of open collections, in order.
    pending: Vec<NodeId>,
    /// Expanded size of each anchor, by saphyr's anchor id.
    anchor_size: Vec<u64>,
    /// Node of each anchor, by saphyr's anchor id.
    anchor_node: Vec<NodeId>,
    /// Nodes that aliases expanded to, in this document.
    expanded: u64,
    /// Expanded size of the root, once closed.
    root_size: u64,
    root_null: bool,
}

impl Builder<'_> {
    fn pos(&self, line: usize, col: usize) -> Pos {
        let line = line as u32;
        let col = self.shifts.unshift(line, col as u32 + 1);
        Pos::new(line.saturating_add(self.first_line).saturating_sub(1), col)
    }

    fn add_size(&mut self, n: u64) {
        match self.frames.last_mut() {
            Some(f) => f.2 = f.2.saturating_add(n),
            None => self.root_size = n,
        }
    }

    fn set_anchor(&mut self, anchor: usize, size: u64, node: NodeId) {
        if anchor == 0 {
            return;
        }
        if self.anchor_size.len() <= anchor {
            self.anchor_size.resize(anchor + 1, 0);
            self.anchor_node.resize(anchor + 1, 0);
        }
        self.anchor_size[anchor] = size;
        self.anchor_node[anchor] = node;
    }

    fn push(&mut self, node: Node) -> NodeId {
        let id = self.tree.nodes.len() as NodeId;
        if self.mode == Mode::Build {
            self.tree.nodes.push(node);
            if !self.frames.is_empty() {
                self.pending.push(id);
            }
        }
        id
    }

    /// Takes one event inside a document.
    pub(crate) fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), ParseError> {
        let pos = self.pos(span.start.line(), span.start.col());
        let blank = |kind, a, b| Node {
            kind,
            style: ScalarStyle::Plain,
            tag: TagKind::None,
            pos,
            a,
            b,
        };
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = TagKind::from_tag(tag.as_deref());
                let a = self.tree.text.len() as u32;
                if self.mode == Mode::Build {
                    self.tree.text.push_str(&text);
                }
                if self.frames.is_empty() {
                    self.root_null =
                        style == ScalarStyle::Plain && tag == TagKind::None && text.is_empty();
                }
                let id = self.push(Node {
                    style,
                    tag,
                    ..blank(NodeKind::Scalar, a, text.len() as u32)
                });
                self.set_anchor(anchor, 1, id);
                self.add_size(1);
            }
            Event::Alias(anchor) => {
                let size = self.anchor_size.get(anchor).copied().unwrap_or(0);
                if size == 0 {
                    return Err(ParseError {
                        scan: None,
                        pos,
                        message: "an alias refers to an anchor defined in another document; document skipped".into(),
                    });
                }
                if size == OPEN {
                    return Err(ParseError {
                        scan: None,
                        pos,
                        message:
                            "an alias refers to the collection that contains it (recursive anchor); document skipped"
                                .into(),
                    });
                }
                self.expanded = self.expanded.saturating_add(size);
                if self.expanded > self.max_alias {
                    return Err(ParseError {
                        scan: None,
                        pos,
                        message: format!(
                            "document contains excessive aliasing: aliases expand to more than {} nodes (max_alias_expansions), a YAML alias bomb?; document skipped",
                            self.max_alias
                        ),
                    });
                }
                let target = self.anchor_node[anchor];
                self.push(blank(NodeKind::Alias, target, 0));
                self.add_size(size);
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let kind = if matches!(ev, Event::MappingStart(..)) {
                    NodeKind::Map
                } else {
                    NodeKind::Seq
                };
                let id = self.push(blank(kind, 0, 0));
                self.set_anchor(anchor, OPEN, id);
                self.frames.push((id, self.pending.len(), 0, anchor));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some((id, start, size, anchor)) = self.frames.pop() else {
                    return Ok(());
                };
                if self.mode == Mode::Build {
                    let first = self.tree.kids.len() as u32;
                    self.tree.kids.extend(self.pending.drain(start..));
                    let n = &mut self.tree.nodes[id as usize];
                    n.a = first;
                    n.b = self.tree.kids.len() as u32 - first;
                }
                let size = size.saturating_add(1);
                self.set_anchor(anchor, size, id);
                self.add_size(size);
            }
            _ => {}
        }
        Ok(())
    }
}

impl<'s> Builder<'s> {
    /// A builder for documents of a chunk whose first line is `first_line` in its input.
    pub(crate) fn new(mode: Mode, first_line: u32, max_alias: usize, shifts: &'s Shifts) -> Self {
        Builder {
            mode,
            first_line,
            shifts,
            max_alias: max_alias as u64,
            tree: Tree::default(),
            frames: Vec::new(),
            pending: Vec::new(),
            anchor_size: Vec::new(),
            anchor_node: Vec::new(),
            expanded: 0,
            root_size: 0,
            root_null: false,
        }
    }

    /// Starts a document.
    pub(crate) fn start_document(&mut self) {
        self.frames.clear();
        self.pending.clear();
        self.expanded = 0;
        self.root_size = 0;
        self.root_null = false;
        // Anchors belong to their document.
        self.anchor_size.clear();
        self.anchor_node.clear();
    }

    /// Ends a document, adding it to `out` unless it was empty.
    pub(crate) fn end_document(&mut self, out: &mut Parsed) {
        let tree = std::mem::take(&mut self.tree);
        if self.root_size > 0 && !self.root_null {
            out.documents += 1;
            if self.mode == Mode::Build {
                out.trees.push(tree);
            }
        }
    }
}

/// Parses every document of `text` (a chunk whose first line is `first_line` in its input).
pub(crate) fn parse_yaml(
    text: &str,
    first_line: u32,
    mode: Mode,
    max_alias: usize,
    shifts: &Shifts,
) -> Parsed {
    let mut out = Parsed::default();
    let mut b = Builder::new(mode, first_line, max_alias, shifts);
    let mut parser = Parser::new_from_str(text);
    while let Some(ev) = parser.next_event() {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                let pos = b.pos(e.marker().line(), e.marker().col());
                out.error = Some(ParseError {
                    pos,
                    message: e.info().to_string(),
                    scan: Some(e),
                });
                break;
            }
        };
        match ev {
            Event::DocumentStart(_) => b.start_document(),
            Event::DocumentEnd => b.end_document(&mut out),
            ev => {
                if let Err(e) = b.event(ev, span) {
                    out.error = Some(e);
                    break;
                }
            }
        }
    }
    out
}
