//! Cutting a byte stream into YAML documents without parsing it.
//!
//! A line that begins with `---` or `...` followed by a space, tab or line break is always a
//! document marker in YAML, even inside a block scalar or a quoted string, so documents can be
//! found by looking at line starts only. That lets [`UnitReader`] read any input incrementally
//! into units of whole documents (bounded memory), and lets workers parse documents separately
//! (a syntax error ends one document, not the file).

use std::io::Read;

use oomdoc_model::Pos;

/// Bytes read per step; a unit holds at least this much unless the input ends.
const BLOCK: usize = 1 << 20;

/// What the line starting at `b` is, for splitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Start,
    End,
}

/// `Some` when `b` starts with a document marker. `complete` tells whether `b` reaches the end of
/// the input: a marker at the very end of a partial buffer is undecided and reads as none.
fn marker(b: &[u8], complete: bool) -> Option<Marker> {
    let m = match b.get(..3)? {
        b"---" => Marker::Start,
        b"..." => Marker::End,
        _ => return None,
    };
    match b.get(3) {
        None if complete => Some(m),
        Some(b' ' | b'\t' | b'\r' | b'\n') => Some(m),
        _ => None,
    }
}

/// True when a line holds YAML content: not blank, not a comment, not a `%` directive.
fn is_content(line: &[u8]) -> bool {
    if line.first() == Some(&b'%') {
        return false;
    }
    match line
        .iter()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        Some(b'#') | None => false,
        Some(_) => true,
    }
}

/// One document's text (possibly with leading comments or empty documents) and the 0-based line
/// of its first line within the text it was cut from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chunk<'a> {
    pub text: &'a str,
    pub line: u32,
}

/// Cuts `text` into documents at `---` lines (and after `...` lines). Stretches holding only
/// comments, blank lines or directives stay with the document that follows them, so a `%YAML`
/// directive is parsed with its document; chunks without content are dropped.
pub(crate) fn chunks(text: &str) -> Vec<Chunk<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut start_line) = (0usize, 0u32);
    let mut has_content = false;
    let mut line_no = 0u32;
    let mut line_start = 0usize;
    let mut nl = memchr::memchr_iter(b'\n', b);
    loop {
        let line_end = nl.next();
        let line = &b[line_start..line_end.unwrap_or(b.len())];
        match marker(line, true) {
            Some(Marker::Start) => {
                if has_content {
                    out.push(Chunk {
                        text: &text[start..line_start],
                        line: start_line,
                    });
                    (start, start_line) = (line_start, line_no);
                }
                // `--- !tag`, `--- {…}`, `--- |` carry content on the marker line.
                has_content = is_content(&line[3..]);
            }
            Some(Marker::End) => {
                let next = line_end.map_or(b.len(), |e| e + 1);
                if has_content {
                    out.push(Chunk {
                        text: &text[start..next],
                        line: start_line,
                    });
                }
                (start, start_line) = (next, line_no + 1);
                has_content = false;
            }
            None => has_content = has_content || is_content(line),
        }
        match line_end {
            Some(e) => {
                line_start = e + 1;
                line_no += 1;
            }
            None => break,
        }
    }
    if has_content {
        out.push(Chunk {
            text: &text[start..],
            line: start_line,
        });
    }
    out
}

/// A piece of an input: whole documents, or a problem reading it.
#[derive(Debug)]
pub(crate) enum Piece {
    /// Whole documents; `first_line` is the 1-based line of the text's first line.
    Text { text: String, first_line: u32 },
    /// An input problem (binary data and read errors also end the input).
    Error { message: String, pos: Option<Pos> },
}

/// Reads an input into [`Piece`]s of whole documents, holding at most about one block plus the
/// largest document in memory.
pub(crate) struct UnitReader<R> {
    src: R,
    buf: Vec<u8>,
    /// 1-based line of `buf[0]`.
    line: u32,
    /// Bytes read so far.
    pub bytes: u64,
    eof: bool,
    started: bool,
    done: bool,
    /// Dropping bytes of an oversized document until the next `---`.
    skipping: bool,
    /// While skipping: the buffer starts inside a line (bytes of a line with no newline yet were
    /// dropped), so its first bytes cannot be a `---` marker.
    mid_line: bool,
    /// Set when `max_file_bytes` cut the input short.
    truncated: bool,
    max_doc: usize,
    max_file: u64,
    /// Read until the buffer holds this much (grows while a document does not end).
    want: usize,
    /// How much of `buf` is known to hold no place to cut.
    scanned: usize,
    /// Decoded UTF-16 input, when the input started with a UTF-16 byte order mark.
    utf16: Option<Utf16>,
}

impl<R: Read> UnitReader<R> {
    pub(crate) fn new(src: R, max_doc: usize, max_file: u64) -> Self {
        UnitReader {
            src,
            buf: Vec::new(),
            line: 1,
            bytes: 0,
            eof: false,
            started: false,
            done: false,
            skipping: false,
            mid_line: false,
            truncated: false,
            max_doc: max_doc.max(1),
            max_file,
            want: BLOCK,
            scanned: 0,
            utf16: None,
        }
    }

    /// Reads until the buffer holds `want` bytes or the input ends.
    fn fill(&mut self) -> Result<(), std::io::Error> {
        while !self.eof && self.buf.len() < self.want {
            let room = (self.want - self.buf.len()).min(BLOCK) as u64;
            let room = room.min(self.max_file.saturating_sub(self.bytes));
            if room == 0 {
                // At the cap: one more byte tells whether the input really goes on.
                let mut probe = [0u8; 1];
                if self.read_some(&mut probe)? > 0 {
                    self.truncated = true;
                }
                self.eof = true;
                break;
            }
            let old = self.buf.len();
            let n = if self.utf16.is_none() {
                // `read_to_end` reads into spare capacity without zeroing it first; zeroing a
                // 1 MiB block per read dominated the run time on directories of small files.
                (&mut self.src)
                    .take(room)
                    .read_to_end(&mut self.buf)
                    .map(|_| self.buf.len() - old)
            } else {
                self.buf.resize(old + room as usize, 0);
                let mut tmp = std::mem::take(&mut self.buf);
                let n = self.read_some(&mut tmp[old..]);
                self.buf = tmp;
                n
            };
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            };
            self.buf.truncate(old + n);
            self.bytes += n as u64;
            // `take(room).read_to_end` stops early only at the end of the input.
            if n == 0 || (self.utf16.is_none() && (n as u64) < room) {
                self.eof = true;
            }
            if !self.started && (self.buf.len() >= 3 || self.eof) {
                self.started = true;
                self.sniff_encoding();
            }
        }
        Ok(())
    }

    fn read_some(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let r = match &mut self.utf16 {
                Some(u) => u.read(&mut self.src, out),
                None => self.src.read(out),
            };
            match r {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => return r,
            }
        }
    }

    /// Drops a UTF-8 byte order mark; switches to decoding on a UTF-16 one (kubectl reads both).
    fn sniff_encoding(&mut self) {
        if self.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.buf.drain(..3);
        } else if self.buf.starts_with(&[0xFF, 0xFE]) || self.buf.starts_with(&[0xFE, 0xFF]) {
            let mut u = Utf16 {
                big_endian: self.buf[0] == 0xFE,
                pending: self.buf[2..].to_vec(),
                out: Vec::new(),
            };
            // Decode what was already read; the rest is decoded as it is read.
            u.decode(self.eof);
            self.buf = std::mem::take(&mut u.out);
            self.utf16 = Some(u);
        }
    }

    /// The start of the last line in `buf` (after its first byte) that begins a document.
    fn find_cut(&mut self) -> usize {
        let b = &self.buf;
        // Bytes before `scanned` were searched already (a long document grows the buffer).
        let from = self.scanned.min(b.len());
        for p in memchr::memmem::rfind_iter(&b[from..], b"\n---") {
            let at = from + p + 1;
            if marker(&b[at..], false) != Some(Marker::Start) {
                continue;
            }
            // Keep a `%` directive line with the document it introduces.
            let prev_start = memchr::memrchr(b'\n', &b[..p]).map_or(0, |i| i + 1);
            if b.get(prev_start) == Some(&b'%') {
                continue;
            }
            return at;
        }
        // A marker at the very end is undecided until the byte after it arrives.
        self.scanned = b.len().saturating_sub(5);
        0
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        self.scanned = 0;
        let rest = self.buf.split_off(n);
        let unit = std::mem::replace(&mut self.buf, rest);
        let lines = memchr::memchr_iter(b'\n', &unit).count();
        self.line = self.line.saturating_add(lines as u32);
        unit
    }

    fn error(&mut self, message: String, pos: Option<Pos>, fatal: bool) -> Option<Piece> {
        if fatal {
            self.done = true;
            self.buf = Vec::new();
        }
        Some(Piece::Error { message, pos })
    }

    /// Drops bytes up to the next line beginning with `---`, keeping line numbers right.
    fn skip_document(&mut self) -> Result<bool, std::io::Error> {
        loop {
            let b = &self.buf;
            let found = if !self.mid_line && marker(b, self.eof) == Some(Marker::Start) {
                Some(0)
            } else {
                memchr::memmem::find_iter(b, b"\n---")
                    .map(|p| p + 1)
                    .find(|&at| marker(&b[at..], self.eof) == Some(Marker::Start))
            };
            if let Some(at) = found {
                self.take(at);
                self.skipping = false;
                self.mid_line = false;
                return Ok(true);
            }
            if self.eof {
                self.buf.clear();
                return Ok(false);
            }
            // Keep the last partial line: it may begin a marker once more bytes arrive. A line
            // with no newline at all cannot: drop it whole (a document of one endless line is
            // skipped in bounded memory and linear time).
            let keep = match memchr::memrchr(b'\n', b) {
                Some(i) => {
                    self.mid_line = false;
                    i + 1
                }
                None => {
                    self.mid_line = true;
                    b.len()
                }
            };
            self.take(keep);
            self.want = self.buf.len() + BLOCK;
            self.fill()?;
        }
    }
}

impl<R: Read> Iterator for UnitReader<R> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        loop {
            if self.done {
                return None;
            }
            if let Err(e) = self.fill() {
                return self.error(format!("cannot read: {e}"), None, true);
            }
            if self.skipping {
                match self.skip_document() {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => return self.error(format!("cannot read: {e}"), None, true),
                }
            }
            if self.buf.is_empty() && self.eof {
                self.done = true;
                if self.truncated {
                    let msg = format!(
                        "input is larger than the limit of {} bytes (max_file_bytes); the rest was not read",
                        self.max_file
                    );
                    return Some(Piece::Error {
                        message: msg,
                        pos: Some(Pos::new(self.line, 1)),
                    });
                }
                return None;
            }
            let complete = self.eof && !self.truncated;
            let cut = if complete {
                self.buf.len()
            } else {
                self.find_cut()
            };
            if cut == 0 {
                if self.eof {
                    // max_file_bytes cut this document short: drop it, then report the cap.
                    self.buf.clear();
                    continue;
                }
                if self.buf.len() > self.max_doc {
                    // Bounded memory: a document that outgrows the limit is dropped unread.
                    // (Workers apply the exact limit to documents that fit in the buffer.)
                    let pos = Some(Pos::new(self.line, 1));
                    self.skipping = true;
                    // Skip from the second line on, so the marker at buf[0] is not seen again.
                    let first_nl =
                        memchr::memchr(b'\n', &self.buf).map_or(self.buf.len(), |i| i + 1);
                    self.take(first_nl);
                    return self.error(too_large(self.max_doc), pos, false);
                }
                // The document goes on past the buffer: read more.
                self.want = self.buf.len() + BLOCK;
                continue;
            }
            self.want = BLOCK;
            let first_line = self.line;
            let unit = self.take(cut);
            if let Some(i) = memchr::memchr(0, &unit) {
                let pos = pos_of(&unit, i, first_line);
                return self.error("binary file (NUL byte), skipped".into(), Some(pos), true);
            }
            match String::from_utf8(unit) {
                Ok(text) => return Some(Piece::Text { text, first_line }),
                Err(e) => {
                    let unit = e.as_bytes();
                    let pos = pos_of(unit, e.utf8_error().valid_up_to(), first_line);
                    return self.error(
                        "binary file (invalid UTF-8), skipped".into(),
                        Some(pos),
                        true,
                    );
                }
            }
        }
    }
}

/// The message for a document over `max_document_bytes`.
pub(crate) fn too_large(max: usize) -> String {
    format!("document is larger than the limit of {max} bytes (max_document_bytes); skipped")
}

/// The 1-based line and column (in characters) of byte `i` of `b`, whose first line is `line`.
fn pos_of(b: &[u8], i: usize, line: u32) -> Pos {
    let before = &b[..i];
    let nls = memchr::memchr_iter(b'\n', before).count() as u32;
    let ls = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[ls..]).chars().count() as u32 + 1;
    Pos::new(line.saturating_add(nls), col)
}

/// Streaming UTF-16 to UTF-8 decoding (unpaired surrogates become U+FFFD, as Go's decoder does).
struct Utf16 {
    big_endian: bool,
    /// Raw bytes not yet decoded.
    pending: Vec<u8>,
    /// Decoded bytes not yet handed out.
    out: Vec<u8>,
}

impl Utf16 {
    fn read<R: Read>(&mut self, src: &mut R, dst: &mut [u8]) -> std::io::Result<usize> {
        while self.out.is_empty() {
            let mut raw = [0u8; 64 * 1024];
            let n = src.read(&mut raw)?;
            self.pending.extend_from_slice(&raw[..n]);
            self.decode(n == 0);
            if n == 0 {
                break;
            }
        }
        let n = dst.len().min(self.out.len());
        dst[..n].copy_from_slice(&self.out[..n]);
        self.out.drain(..n);
        Ok(n)
    }

    /// Decodes the complete code units of `pending` into `out`; `end` flushes what is left.
    fn decode(&mut self, end: bool) {
        let even = self.pending.len() & !1;
        let be = self.big_endian;
        let units: Vec<u16> = self.pending[..even]
            .chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        // Keep a trailing high surrogate for the next read, unless the input ended.
        let keep = !end && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u));
        let take = units.len() - usize::from(keep);
        for c in char::decode_utf16(units[..take].iter().copied()) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut tmp = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        self.pending.drain(..take * 2);
        if end && !self.pending.is_empty() {
            self.out.extend_from_slice("\u{FFFD}".as_bytes());
            self.pending.clear();
        }
    }
}

/// The bytes of an input as [`UnitReader`] reads them: a UTF-8 byte order mark dropped, UTF-16
/// with a byte order mark decoded to UTF-8 (see [`crate::decoded`]).
pub(crate) struct Decoded<R> {
    src: R,
    /// The first bytes, read to look for a byte order mark, not yet handed out.
    head: Vec<u8>,
    started: bool,
    utf16: Option<Utf16>,
}

impl<R: Read> Decoded<R> {
    pub(crate) fn new(src: R) -> Self {
        Decoded {
            src,
            head: Vec::new(),
            started: false,
            utf16: None,
        }
    }

    /// Reads the first three bytes (fewer at the end) and decides as `UnitReader` does.
    fn start(&mut self) -> std::io::Result<()> {
        let mut b = [0u8; 3];
        let mut n = 0;
        while n < 3 {
            match self.src.read(&mut b[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let b = &b[..n];
        self.started = true;
        if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Ok(());
        }
        if b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]) {
            self.utf16 = Some(Utf16 {
                big_endian: b[0] == 0xFE,
                pending: b[2..].to_vec(),
                out: Vec::new(),
            });
            return Ok(());
        }
        self.head = b.to_vec();
        Ok(())
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, dst: &mut [u8]) -> std::io::Result<usize> {
        if !self.started {
            self.start()?;
        }
        if !self.head.is_empty() {
            let n = dst.len().min(self.head.len());
            dst[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            return Ok(n);
        }
        match &mut self.utf16 {
            Some(u) => u.read(&mut self.src, dst),
            None => self.src.read(dst),
        }
    }
}

#[cfg(test)]
mod endless_line_tests {
    use super::*;

    /// A reader of `n` bytes of `a` (no newline) that records the largest read it was asked for
    /// and how much the reader above it buffered, through `max_buf`.
    struct Endless {
        left: u64,
    }

    impl Read for Endless {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = out.len().min(self.left as usize);
            out[..n].fill(b'a');
            self.left -= n as u64;
            Ok(n)
        }
    }

    /// A document of one line longer than the limit is dropped in bounded memory: while it is
    /// skipped, the buffer never holds more than a block or two (it grew without end before,
    /// and was searched whole at every block: quadratic).
    #[test]
    fn one_endless_line_is_skipped_in_bounded_memory() {
        let max_doc = 1 << 20;
        let mut r = UnitReader::new(Endless { left: 64 << 20 }, max_doc, u64::MAX);
        let mut errors = 0;
        let mut peak = 0;
        while let Some(p) = r.next() {
            peak = peak.max(r.buf.capacity());
            if matches!(p, Piece::Error { .. }) {
                errors += 1;
            }
            // Skipping happens inside `next`: look at the buffer it leaves.
        }
        assert_eq!(errors, 1);
        // The document is buffered up to the limit once; skipping keeps it there, not 64 MiB.
        assert!(peak <= 4 * max_doc, "peak buffer {peak}");
    }
}
