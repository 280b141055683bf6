//! The document tree the Node and metrics readers walk: `oomdoc_evidence::tree` (saphyr, 1-based
//! lines, a nesting limit), with this crate's error type.

pub(crate) use oomdoc_evidence::tree::Node;

use crate::InputError;

/// Loads every document in `text`.
pub(crate) fn load(text: &str) -> Result<Vec<Node>, InputError> {
    oomdoc_evidence::tree::load(text)
        .map_err(|(line, e)| InputError::at(line.max(1), format!("not valid YAML or JSON: {e}")))
}
