//! Following the kernel's log through `/dev/kmsg`, one record per read.
//!
//! The kernel prints an OOM report as one burst of records; [`Bursts`] hands on the text of each
//! burst once the log has been quiet for [`QUIET`], so a report is parsed whole and soon after its
//! last line, with the same reader `explain` uses on a pasted log. A reader that falls behind the
//! ring buffer gets `EPIPE`: the records it missed are counted (from the sequence numbers) and
//! reading goes on with the oldest record still there.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Quiet time after which a burst is complete (an OOM report takes milliseconds to print).
pub const QUIET: Duration = Duration::from_millis(200);
/// How often an idle log is looked at again.
const POLL: Duration = Duration::from_millis(25);
/// Largest record (`CONSOLE_EXT_LOG_MAX` is 8 KiB).
const RECORD: usize = 16 << 10;
/// A burst is handed on at this size even while records keep coming (an OOM storm): a report
/// is far smaller, and memory stays bounded.
pub const MAX_BURST: usize = 4 << 20;

/// What the log reader counted so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records read.
    pub records: u64,
    /// Records overwritten before they could be read (ring buffer overruns).
    pub lost: u64,
}

/// `/dev/kmsg` (or any file of records in its format), opened non-blocking.
pub struct Kmsg {
    file: File,
    buf: Vec<u8>,
    /// Records read but not handed on yet (a regular file gives many per read).
    queue: std::collections::VecDeque<Vec<u8>>,
    /// A line cut by the end of a read (regular files only).
    carry: Vec<u8>,
    last_seq: Option<u64>,
    /// Counted so far.
    pub counts: Counts,
}

/// One record: `prio,seq,usec,flags[,...];text` then dictionary lines (` KEY=value`).
fn sequence(record: &[u8]) -> Option<u64> {
    let head = &record[..record.iter().position(|&b| b == b';')?];
    let mut fields = head.split(|&b| b == b',');
    fields.next()?;
    std::str::from_utf8(fields.next()?).ok()?.parse().ok()
}

/// The record lines in what one read returned: `/dev/kmsg` gives one record (its text line,
/// then dictionary lines that start with a space, dropped); a file of records (a saved
/// `/dev/kmsg`, for tests and replays) gives many, the last perhaps cut (kept in `carry`).
fn record_lines<'a>(data: &'a [u8], carry: &mut Vec<u8>) -> Vec<std::borrow::Cow<'a, [u8]>> {
    let mut out = Vec::new();
    let mut rest = data;
    if !carry.is_empty() {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        carry.extend_from_slice(&rest[..end]);
        if end == rest.len() {
            return out;
        }
        out.push(std::borrow::Cow::Owned(std::mem::take(carry)));
        rest = &rest[end + 1..];
    }
    let mut lines = rest.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if lines.peek().is_none() {
            // After the last newline: empty, or a line the next read completes.
            carry.extend_from_slice(line);
        } else if !line.starts_with(b" ") && !line.is_empty() {
            out.push(std::borrow::Cow::Borrowed(line));
        }
    }
    out
}

impl Kmsg {
    /// Opens `path`; from its end (records printed from now on) unless `since_boot`.
    pub fn open(path: &Path, since_boot: bool) -> io::Result<Kmsg> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        if !since_boot {
            file.seek(SeekFrom::End(0))?;
        }
        Ok(Kmsg {
            file,
            buf: vec![0; RECORD],
            queue: std::collections::VecDeque::new(),
            carry: Vec::new(),
            last_seq: None,
            counts: Counts::default(),
        })
    }

    /// Counts a record with sequence number `seq`, and the records skipped before it.
    fn count(&mut self, seq: u64) {
        self.counts.records += 1;
        if let Some(last) = self.last_seq {
            self.counts.lost += seq.saturating_sub(last.saturating_add(1));
        }
        self.last_seq = Some(seq);
    }

    /// The next record's text line, `Ok(None)` when none is waiting.
    pub fn next_record(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(r) = self.queue.pop_front() {
                if let Some(seq) = sequence(&r) {
                    self.count(seq);
                }
                return Ok(Some(r));
            }
            match self.file.read(&mut self.buf) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    let lines = record_lines(&self.buf[..n], &mut self.carry);
                    self.queue.extend(lines.into_iter().map(|l| l.into_owned()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Overrun: the next read returns the oldest record left; the gap in sequence
                // numbers counts what was lost.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Groups records into bursts separated by quiet.
pub struct Bursts {
    text: Vec<u8>,
    last: Option<Instant>,
}

impl Default for Bursts {
    fn default() -> Self {
        Bursts::new()
    }
}

impl Bursts {
    /// No burst yet.
    pub fn new() -> Bursts {
        Bursts {
            text: Vec::new(),
            last: None,
        }
    }

    /// Adds a record read at `now`; returns a burst that is full, cut before the last report
    /// that starts in it (`safe_cut`, as `explain` cuts big logs), so no report is split.
    pub fn push(&mut self, line: &[u8], now: Instant) -> Option<Vec<u8>> {
        self.text.extend_from_slice(line);
        self.text.push(b'\n');
        self.last = Some(now);
        if self.text.len() < MAX_BURST {
            return None;
        }
        match oomdoc_evidence::kernel_blocks::safe_cut(&self.text, true) {
            Some(c) if c.at > 0 => {
                let rest = self.text.split_off(c.at);
                Some(std::mem::replace(&mut self.text, rest))
            }
            _ => Some(self.take()),
        }
    }

    /// The burst, if the log has been quiet since [`QUIET`] before `now`.
    pub fn quiet(&mut self, now: Instant) -> Option<Vec<u8>> {
        let last = self.last?;
        (now.duration_since(last) >= QUIET && !self.text.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> Vec<u8> {
        self.last = None;
        std::mem::take(&mut self.text)
    }
}

/// Reads `kmsg` until `stop` says so, calling `burst` with each burst of records; `counts` after
/// every read. A read error other than an overrun ends the loop and is returned.
pub fn follow(
    kmsg: &mut Kmsg,
    stop: &dyn Fn() -> bool,
    burst: &mut dyn FnMut(Vec<u8>, Counts),
) -> io::Result<()> {
    let mut bursts = Bursts::new();
    while !stop() {
        let mut got = false;
        while let Some(line) = kmsg.next_record()? {
            got = true;
            if let Some(b) = bursts.push(&line, Instant::now()) {
                burst(b, kmsg.counts);
            }
        }
        if let Some(b) = bursts.quiet(Instant::now()) {
            burst(b, kmsg.counts);
        }
        if !got {
            std::thread::sleep(POLL);
        }
    }
    if let Some(b) = bursts.quiet(Instant::now() + QUIET) {
        burst(b, kmsg.counts);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_lose_their_dictionary_and_give_their_sequence() {
        let r = b"6,1742,3812345678,-;Memory cgroup out of memory: Killed process 42 (java)\n SUBSYSTEM=memory\n";
        assert_eq!(sequence(r), Some(1742));
        let mut carry = Vec::new();
        assert_eq!(
            record_lines(r, &mut carry),
            vec![&b"6,1742,3812345678,-;Memory cgroup out of memory: Killed process 42 (java)"[..]]
        );
        assert_eq!(sequence(b"no header"), None);
        // A file of records read in pieces: the cut line is completed by the next read.
        assert_eq!(
            record_lines(b"6,1,0,-;a\n6,2,0,-;b", &mut carry),
            vec![&b"6,1,0,-;a"[..]]
        );
        assert_eq!(
            record_lines(b"cd\n6,3,0,-;e\n", &mut carry),
            vec![&b"6,2,0,-;bcd"[..], &b"6,3,0,-;e"[..]]
        );
        assert!(carry.is_empty());
    }

    #[test]
    fn bursts_end_at_quiet_or_when_full() {
        let t0 = Instant::now();
        let mut b = Bursts::new();
        assert!(b.push(b"a", t0).is_none());
        assert!(b.push(b"b", t0 + Duration::from_millis(10)).is_none());
        assert!(b.quiet(t0 + Duration::from_millis(100)).is_none());
        assert_eq!(b.quiet(t0 + Duration::from_millis(300)).unwrap(), b"a\nb\n");
        assert!(b.quiet(t0 + Duration::from_secs(9)).is_none());
        let big = vec![b'x'; MAX_BURST];
        assert_eq!(b.push(&big, t0).map(|v| v.len()), Some(MAX_BURST + 1));
        // A full burst is cut before the last report that starts in it.
        let mut b = Bursts::new();
        let filler = vec![b'x'; MAX_BURST - 10];
        assert!(b.push(&filler, t0).is_none());
        let cut = b.push(
            b"6,9,9,-;java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL)",
            t0,
        );
        assert_eq!(cut.map(|v| v.len()), Some(filler.len() + 1));
        assert!(b
            .quiet(t0 + Duration::from_secs(1))
            .unwrap()
            .starts_with(b"6,9,9,-;java invoked"));
    }

    #[test]
    fn gaps_in_sequence_numbers_are_lost_records() {
        let t = tempfile::NamedTempFile::new().unwrap();
        let mut k = Kmsg::open(t.path(), true).unwrap();
        for seq in [10, 11, 15, 16] {
            k.count(seq);
        }
        assert_eq!(
            k.counts,
            Counts {
                records: 4,
                lost: 3
            }
        );
        assert_eq!(
            k.next_record().unwrap(),
            None,
            "an empty file has no record"
        );
    }
}
