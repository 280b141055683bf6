//! The document tree the Node and metrics readers walk: `oomdoc_document`'s owned view (the
//! scalar rules of the API server, 1-based lines), with this crate's error type.

pub(crate) use oomdoc_document::value::Node;

use crate::LineError;

/// Loads every document in `text`.
pub(crate) fn load(text: &str) -> Result<Vec<Node>, LineError> {
    oomdoc_document::value::load(text).map_err(|e| {
        LineError::at(
            e.line().unwrap_or(1).max(1),
            format!("not valid YAML or JSON: {}", e.message),
        )
    })
}
