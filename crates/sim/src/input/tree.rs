//! The document tree the Node and metrics readers walk: `oomdoc_document`'s owned view (the
//! scalar rules of the API server, 1-based lines), with this crate's error type.

pub(crate) use oomdoc_document::value::Node;

use crate::InputError;

/// Loads every document in `text`.
pub(crate) fn load(text: &str) -> Result<Vec<Node>, InputError> {
    oomdoc_document::value::load(text).map_err(|e| {
        InputError::at(
            e.line.max(1),
            format!("not valid YAML or JSON: {}", e.message),
        )
    })
}
