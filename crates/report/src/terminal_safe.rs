//! The one boundary between text output and a terminal: a [`Write`] adapter that makes control
//! characters from untrusted input visible instead of letting the terminal act on them.
//!
//! Text reports quote what the input says (workload and container names, process names from
//! kernel reports, log lines). Written raw, `ESC ] 52 ; c ; ... BEL` sets the clipboard,
//! `ESC [ 2 J` clears the screen, `\r` and backspace overwrite what was printed, and U+009B is a
//! one-character CSI. [`TerminalSafe`] replaces every C0 control except `\n` and `\t`, DEL and
//! every C1 control (U+0080..U+009F, UTF-8 `C2 80`..`C2 9F`) with an escaped form that reads as
//! text: `\x1b`, `\r`, `\x7f`, `\u{9b}`. When the command colours its output itself
//! ([`Controls::AllowSgr`]), exactly the SGR sequences `ESC [ <digits and ;> m` (what the colour
//! writers emit) pass, and nothing else.
//!
//! It streams: each write is scanned once and written on in runs between the bytes it replaces;
//! at most [`MAX_SGR`] bytes (a sequence or a UTF-8 lead byte cut between two writes) are held
//! until the next write. The output depends only on the bytes written, not on how they were cut
//! into writes or where `flush` was called.

use std::io::{self, Write};

/// What [`TerminalSafe`] does with control characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Controls {
    /// Escape every control character but `\n` and `\t` (plain text output).
    Escape,
    /// The same, except SGR sequences `ESC [ <digits and ;> m` (coloured text output).
    AllowSgr,
    /// Write the bytes unchanged (machine formats: JSON, SARIF escape controls themselves).
    Pass,
}

/// The longest SGR sequence let through, in bytes; a longer one is escaped. The colour writers'
/// longest is `ESC [ 38 ; 2 ; 255 ; 255 ; 255 m` (19 bytes).
pub const MAX_SGR: usize = 32;

/// What the bytes held from the end of the previous write are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    /// Nothing held.
    None,
    /// A `C2` byte: a C1 control if the next byte is `80..=9F`.
    C2,
    /// `ESC`, or `ESC [` and parameters so far (in `held`): an SGR sequence if an `m` ends it.
    Esc,
}

/// A [`Write`] adapter that escapes control characters on their way to a terminal (see the
/// module documentation). Wrap a text command's stdout in it once, below any `BufWriter`.
pub struct TerminalSafe<W: Write> {
    inner: W,
    mode: Controls,
    state: Held,
    held: [u8; MAX_SGR],
    held_len: usize,
}

/// Whether `b` is replaced wherever it appears (C0 but `\n`/`\t`, DEL) or may start a replaced
/// sequence (`C2`, the lead byte of U+0080..U+00BF; `ESC`).
#[inline]
fn special(b: u8) -> bool {
    (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f || b == 0xc2
}

/// The visible form of a C0 control or DEL: `\r`, `\x1b`, `\x7f`.
fn escape_c0(b: u8) -> [u8; 4] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [
        b'\\',
        b'x',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 0xf)],
    ]
}

/// The visible form of the C1 control whose UTF-8 second byte is `b`: `\u{9b}`.
fn escape_c1(b: u8) -> [u8; 6] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [
        b'\\',
        b'u',
        b'{',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 0xf)],
        b'}',
    ]
}

impl<W: Write> TerminalSafe<W> {
    /// Wraps `inner`, treating control characters as `mode` says.
    pub fn new(inner: W, mode: Controls) -> TerminalSafe<W> {
        TerminalSafe {
            inner,
            mode,
            state: Held::None,
            held: [0; MAX_SGR],
            held_len: 0,
        }
    }

    /// Writes out what is held as the end of the output (an unfinished sequence escaped) and
    /// flushes. Dropping the adapter does the same, ignoring errors.
    pub fn finish(&mut self) -> io::Result<()> {
        self.release()?;
        self.inner.flush()
    }

    /// Writes what is held as it would be if nothing followed.
    fn release(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, Held::None) {
            Held::None => Ok(()),
            // An incomplete UTF-8 sequence: the terminal shows it as U+FFFD.
            Held::C2 => self.inner.write_all(&[0xc2]),
            Held::Esc => self.write_held_escaped(),
        }
    }

    /// Writes the held `ESC [ ...` with its `ESC` escaped: not an SGR sequence.
    fn write_held_escaped(&mut self) -> io::Result<()> {
        self.inner.write_all(&escape_c0(0x1b))?;
        let n = std::mem::take(&mut self.held_len);
        self.inner.write_all(&self.held[1..n])
    }

    /// Takes `b` while a sequence is held; `false` when `b` ended it without being part of it
    /// (so it must be processed again from the ground state).
    fn held_byte(&mut self, b: u8) -> io::Result<bool> {
        match self.state {
            Held::None => unreachable!("held_byte with nothing held"),
            Held::C2 => {
                self.state = Held::None;
                if (0x80..=0x9f).contains(&b) {
                    self.inner.write_all(&escape_c1(b))?;
                    Ok(true)
                } else {
                    self.inner.write_all(&[0xc2])?;
                    Ok(false)
                }
            }
            Held::Esc => {
                let n = self.held_len;
                let fits = n < MAX_SGR;
                let takes = if n == 1 {
                    b == b'['
                } else {
                    b.is_ascii_digit() || b == b';'
                };
                if takes && fits {
                    self.held[n] = b;
                    self.held_len = n + 1;
                    Ok(true)
                } else if n >= 2 && b == b'm' {
                    self.state = Held::None;
                    self.held_len = 0;
                    self.inner.write_all(&self.held[..n])?;
                    self.inner.write_all(b"m")?;
                    Ok(true)
                } else {
                    self.state = Held::None;
                    self.write_held_escaped()?;
                    Ok(false)
                }
            }
        }
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.mode == Controls::Pass {
            return self.inner.write(buf);
        }
        let mut i = 0;
        while i < buf.len() {
            if self.state != Held::None {
                if self.held_byte(buf[i])? {
                    i += 1;
                }
                continue;
            }
            // The run of bytes written as they are.
            let start = i;
            while i < buf.len() && !special(buf[i]) {
                i += 1;
            }
            if i > start {
                self.inner.write_all(&buf[start..i])?;
            }
            let Some(&b) = buf.get(i) else { break };
            i += 1;
            match b {
                0xc2 => self.state = Held::C2,
                0x1b if self.mode == Controls::AllowSgr => {
                    self.state = Held::Esc;
                    self.held[0] = 0x1b;
                    self.held_len = 1;
                }
                b'\r' => self.inner.write_all(b"\\r")?,
                _ => self.inner.write_all(&escape_c0(b))?,
            }
        }
        Ok(buf.len())
    }

    /// Flushes what was written, except a sequence cut at the end of the last write: it is
    /// decided by the next write (or written escaped by [`TerminalSafe::finish`] and on drop).
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for TerminalSafe<W> {
    fn drop(&mut self) {
        let _ = self.release();
        let _ = self.inner.flush();
    }
}
