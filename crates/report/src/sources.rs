//! Source lines for the text writer's snippets.
//!
//! The text writer asks for one line per finding. [`FileSources`] reads files lazily and keeps
//! memory bounded whatever the input size: at most [`FileSources::MAX_OPEN`] files are open, each
//! with a buffered reader positioned after the last line read and a sparse index (one byte offset
//! every [`FileSources::STRIDE`] lines), and a line longer than [`MAX_LINE_BYTES`] is cut. Findings
//! come grouped by file and mostly in line order, so reading is a single forward pass per file;
//! going back seeks to the nearest indexed line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::PathBuf;

use oomdoc_model::pod::DocSource;

/// The longest line (in bytes) a snippet shows; longer lines are cut and end in `…`.
pub const MAX_LINE_BYTES: usize = 512;

/// Where the text writer gets the text of a source line.
pub trait SourceLines {
    /// The text of the 1-based `line` of `file`, without its line ending, or `None` when the file
    /// cannot be read again (stdin, a deleted file) or has no such line.
    fn line(&mut self, file: &str, line: u32) -> Option<String>;
}

/// A [`SourceLines`] that has no sources: the text writer then prints `--> file:line:col` only.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSources;

impl SourceLines for NoSources {
    fn line(&mut self, _file: &str, _line: u32) -> Option<String> {
        None
    }
}

/// Reads lines from files on disk, lazily, with bounded memory (see the module docs).
///
/// `-` (stdin) is read only through an alias ([`FileSources::alias`]: the CLI spools stdin to a
/// file); otherwise findings on stdin carry their document text in
/// [`oomdoc_audit::Finding::source`], which the text writer uses first.
#[derive(Debug, Default)]
pub struct FileSources {
    open: Vec<OpenFile>,
    clock: u64,
    aliases: Vec<(String, PathBuf)>,
}

#[derive(Debug)]
struct OpenFile {
    path: String,
    /// `None` when the file could not be opened (remembered so it is not retried per finding).
    reader: Option<BufReader<File>>,
    /// The 1-based number of the line the reader is at.
    next_line: u32,
    /// The reader's byte offset.
    offset: u64,
    /// `index[k]` is the byte offset of line `k * STRIDE + 1`.
    index: Vec<u64>,
    last_use: u64,
}

impl FileSources {
    /// How many files are kept open at once.
    pub const MAX_OPEN: usize = 4;
    /// Lines between two entries of a file's sparse line index.
    pub const STRIDE: u32 = 512;

    /// A reader with nothing open yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the lines of what reports call `name` (`-` for stdin) from the file at `path`.
    pub fn alias(&mut self, name: &str, path: impl Into<PathBuf>) {
        self.aliases.push((name.to_string(), path.into()));
    }

    fn slot(&mut self, path: &str) -> &mut OpenFile {
        self.clock += 1;
        let clock = self.clock;
        let i = match self.open.iter().position(|f| f.path == path) {
            Some(i) => i,
            None => {
                if self.open.len() >= Self::MAX_OPEN {
                    let oldest = (0..self.open.len())
                        .min_by_key(|&i| self.open[i].last_use)
                        .unwrap_or(0);
                    self.open.swap_remove(oldest);
                }
                let real = self
                    .aliases
                    .iter()
                    .find(|a| a.0 == path)
                    .map_or_else(|| PathBuf::from(path), |a| a.1.clone());
                self.open.push(OpenFile {
                    path: path.to_string(),
                    reader: File::open(real).ok().map(BufReader::new),
                    next_line: 1,
                    offset: 0,
                    index: vec![0],
                    last_use: clock,
                });
                self.open.len() - 1
            }
        };
        let f = &mut self.open[i];
        f.last_use = clock;
        f
    }
}

impl SourceLines for FileSources {
    fn line(&mut self, file: &str, line: u32) -> Option<String> {
        if line == 0 || file == "-" && !self.aliases.iter().any(|a| a.0 == file) {
            return None;
        }
        let f = self.slot(file);
        match f.read_line(line) {
            Ok(found) => found,
            Err(_) => {
                f.reader = None;
                None
            }
        }
    }
}

impl OpenFile {
    fn read_line(&mut self, line: u32) -> io::Result<Option<String>> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        if line < self.next_line {
            let k = ((line - 1) / FileSources::STRIDE) as usize;
            let k = k.min(self.index.len() - 1);
            self.offset = reader.seek(SeekFrom::Start(self.index[k]))?;
            self.next_line = k as u32 * FileSources::STRIDE + 1;
        }
        let mut buf = Vec::new();
        loop {
            if (self.next_line - 1).is_multiple_of(FileSources::STRIDE) {
                let k = ((self.next_line - 1) / FileSources::STRIDE) as usize;
                if k == self.index.len() {
                    self.index.push(self.offset);
                }
            }
            buf.clear();
            let want = self.next_line == line;
            let Some((consumed, cut)) = read_line_bounded(reader, want.then_some(&mut buf))? else {
                return Ok(None);
            };
            self.offset += consumed;
            self.next_line += 1;
            if want {
                return Ok(Some(finish_line(&buf, cut)));
            }
        }
    }
}

/// Reads one line (through its `\n`), copying at most [`MAX_LINE_BYTES`] of it into `keep`.
/// Returns the bytes consumed and whether the line was cut, or `None` at end of file.
fn read_line_bounded(
    reader: &mut impl BufRead,
    mut keep: Option<&mut Vec<u8>>,
) -> io::Result<Option<(u64, bool)>> {
    let mut consumed = 0u64;
    let mut cut = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok((consumed > 0).then_some((consumed, cut)));
        }
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], i + 1),
            None => (chunk, chunk.len()),
        };
        if let Some(buf) = keep.as_deref_mut() {
            let room = MAX_LINE_BYTES.saturating_sub(buf.len());
            buf.extend_from_slice(&part[..part.len().min(room)]);
            cut |= part.len() > room;
        }
        let newline = done > part.len();
        reader.consume(done);
        consumed += done as u64;
        if newline {
            return Ok(Some((consumed, cut)));
        }
    }
}

/// Turns raw line bytes into display text: lossy UTF-8, no `\r`, `…` when cut.
fn finish_line(bytes: &[u8], cut: bool) -> String {
    let mut s = String::from_utf8_lossy(bytes).into_owned();
    if cut {
        // A cut may split a UTF-8 sequence: drop the replacement char it produced.
        while s.ends_with('\u{FFFD}') {
            s.pop();
        }
        s.push('…');
    } else if s.ends_with('\r') {
        s.pop();
    }
    s
}

/// The 1-based `line` of the input a document came from, taken from the document's own text.
pub fn doc_line(doc: &DocSource, line: u32) -> Option<String> {
    let idx = line.checked_sub(doc.first_line)? as usize;
    let mut pieces = doc.text.split('\n');
    let text = pieces.nth(idx)?;
    if text.is_empty() && pieces.next().is_none() {
        return None; // the empty piece after a final newline is not a line
    }
    let bytes = text.as_bytes();
    let cut = bytes.len() > MAX_LINE_BYTES;
    let mut end = bytes.len().min(MAX_LINE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(finish_line(&bytes[..end], cut))
}
