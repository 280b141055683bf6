//! Positions in input files. Every value the readers extract keeps where it came from, so a finding
//! can point at `file:line:column`.

/// A 1-based line and 1-based column (in characters) in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl Pos {
    /// A position from a 1-based line and column.
    pub const fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }
}

/// A value with the position it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where the value starts in its file.
    pub pos: Pos,
}

impl<T> Spanned<T> {
    /// Wraps `value` read at `pos`.
    pub const fn new(value: T, pos: Pos) -> Self {
        Spanned { value, pos }
    }
}

impl AsRef<str> for Spanned<String> {
    fn as_ref(&self) -> &str {
        &self.value
    }
}
