//! Problems with the input itself (unreadable files, malformed YAML, invalid quantities), reported
//! beside the findings so the rest of the input is still checked.

use std::sync::Arc;

use crate::span::Pos;

/// An input problem with the file and, where known, the position it was found at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The input (a path, or `-` for stdin).
    pub file: Arc<str>,
    /// Where in the file, when known.
    pub pos: Option<Pos>,
    /// What is wrong, in one line.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}
