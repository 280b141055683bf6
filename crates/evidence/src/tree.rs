//! The document tree pod and event readers walk: `oomdoc_document`'s owned view, so a pasted pod
//! or event list reads with the same scalar rules and limits as a manifest (and as the API
//! server). `oomdoc-sim`'s Node and metrics readers use the same tree.

pub use oomdoc_document::value::{Node, V};

/// Loads the documents of a block cut from a larger text whose first line is line `first_line`
/// there: every node's line is that of the larger text. A syntax error or a refused document
/// is returned as (line, message).
pub fn load_at(text: &str, first_line: u32) -> Result<Vec<Node>, (u32, String)> {
    oomdoc_document::value::load_at(text, first_line).map_err(|e| (e.line, e.message))
}
