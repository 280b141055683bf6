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

/// An error at a place in a text whose file name the reader does not know (a parser given a
/// string): the caller names the file ([`LineError::in_file`], [`LineError::located`]). The one
/// shape of the pure readers' errors (document trees, pasted pods and events, Node and metrics
/// objects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// Where in the text, when known. [`LineError::at`] knows the line only and says column 1.
    pub pos: Option<Pos>,
    /// What is wrong, in one line.
    pub message: String,
}

impl LineError {
    /// An error on 1-based `line` (its column unknown: column 1).
    pub fn at(line: u32, message: impl Into<String>) -> LineError {
        LineError {
            pos: Some(Pos::new(line, 1)),
            message: message.into(),
        }
    }

    /// An error at `pos`.
    pub fn at_pos(pos: Pos, message: impl Into<String>) -> LineError {
        LineError {
            pos: Some(pos),
            message: message.into(),
        }
    }

    /// An error about the text as a whole.
    pub fn whole(message: impl Into<String>) -> LineError {
        LineError {
            pos: None,
            message: message.into(),
        }
    }

    /// The 1-based line, when known.
    pub fn line(&self) -> Option<u32> {
        self.pos.map(|p| p.line)
    }

    /// The error in `file`, as the audit reports input errors.
    pub fn in_file(self, file: impl Into<Arc<str>>) -> InputError {
        InputError {
            file: file.into(),
            pos: self.pos,
            message: self.message,
        }
    }

    /// `file:line: message` (or `file: message`): the line only, which is what a reader of a
    /// pasted text can find.
    pub fn located(&self, file: impl std::fmt::Display) -> String {
        match self.line() {
            Some(l) => format!("{file}:{l}: {}", self.message),
            None => format!("{file}: {}", self.message),
        }
    }
}

/// `line N: message`, or the message alone.
impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line() {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for LineError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_errors_print_the_line_and_name_their_file_when_told() {
        assert_eq!(LineError::at(3, "bad").to_string(), "line 3: bad");
        assert_eq!(LineError::whole("empty").to_string(), "empty");
        assert_eq!(LineError::at(3, "bad").located("a.yaml"), "a.yaml:3: bad");
        assert_eq!(LineError::whole("empty").located("a.yaml"), "a.yaml: empty");
        let e = LineError::at_pos(Pos::new(2, 5), "x").in_file("f");
        assert_eq!(e.to_string(), "f:2:5: x");
    }
}
