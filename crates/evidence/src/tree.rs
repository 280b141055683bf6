//! The document tree pod and event readers walk: `oomdoc_document`'s owned view, so a pasted pod
//! or event list reads with the same scalar rules and limits as a manifest (and as the API
//! server). `oomdoc-sim`'s Node and metrics readers use the same tree.

pub use oomdoc_document::value::{Node, V};
use oomdoc_model::LineError;

/// Loads the documents of a block cut from a larger text whose first line is line `first_line`
/// there: every node's line is that of the larger text. A syntax error or a refused document
/// is returned at its position.
pub fn load_at(text: &str, first_line: u32) -> Result<Vec<Node>, LineError> {
    oomdoc_document::value::load_at(text, first_line)
}
