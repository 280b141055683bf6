//! Where a kernel log may be cut into blocks that [`crate::KernelReader`]s parse independently
//! (on several threads) with the same result as one reader over the whole log.
//!
//! A line with ` invoked oom-killer:` opens a new report whatever came before it (the reader
//! closes any open report there), so the start of such a line is always a safe cut. With no
//! report open, lines without `oom` and `Kill` are skipped, so a stretch of them that starts
//! with no report open may be cut anywhere too, and leaves none open. And a report closes
//! [`FOLLOW_UP_LINES`] lines after its last line with `oom` or `Kill` at the latest.

use memchr::memmem;

/// The pattern that opens every OOM report.
const HEADER: &[u8] = b" invoked oom-killer:";
/// Lines after a kill line within which follow-ups still join its report (the reader's window
/// is 64 unrelated lines), plus one.
pub const FOLLOW_UP_LINES: usize = 65;

/// A place to cut a block of log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Offset in the block: the rest starts there.
    pub at: usize,
    /// Whether no report is open at `at` (the next block then starts closed).
    pub closed: bool,
}

/// Where `buf` may be cut, given whether a report is open at its start (`starts_closed`): before
/// the last line holding an OOM report header (not the first line), or, when `buf` starts
/// closed and holds no `oom` / `Kill`, after its last whole line. `None`: read more.
pub fn safe_cut(buf: &[u8], starts_closed: bool) -> Option<Cut> {
    let first_end = memchr::memchr(b'\n', buf)? + 1;
    if let Some(h) = memmem::rfind(&buf[first_end..], HEADER) {
        let at = first_end + h;
        let start = memchr::memrchr(b'\n', &buf[..at]).map_or(0, |i| i + 1);
        if start > 0 {
            return Some(Cut {
                at: start,
                closed: false,
            });
        }
    }
    if starts_closed && !mentions_oom(buf) {
        return memchr::memrchr(b'\n', buf).map(|i| Cut {
            at: i + 1,
            closed: true,
        });
    }
    None
}

/// A cut for a block that grew too long without a [`safe_cut`]: [`FOLLOW_UP_LINES`] lines after
/// its last line with `oom` or `Kill`, where any report is closed (a report whose kill line never
/// came stays open in a single reader, but only takes unrelated lines from there on). `None`
/// when that line is not in `buf` yet.
pub fn quiet_cut(buf: &[u8]) -> Option<Cut> {
    let end = memchr::memrchr(b'\n', buf)? + 1;
    let last = [
        memmem::rfind(&buf[..end], b"oom"),
        memmem::rfind(&buf[..end], b"Kill"),
    ]
    .into_iter()
    .flatten()
    .max();
    let Some(last) = last else {
        return Some(Cut {
            at: end,
            closed: true,
        });
    };
    let mut at = last;
    for _ in 0..FOLLOW_UP_LINES {
        at += memchr::memchr(b'\n', &buf[at..end])? + 1;
    }
    Some(Cut { at, closed: true })
}

fn mentions_oom(buf: &[u8]) -> bool {
    memmem::find(buf, b"oom").is_some() || memmem::find(buf, b"Kill").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_before_the_last_header_but_never_at_the_start() {
        let log = b"[1.0] a invoked oom-killer: gfp_mask=0\n[1.1] x\n[2.0] b invoked oom-killer: gfp\n[2.1] y\n";
        let x = log.iter().position(|&c| c == b'x').unwrap();
        assert_eq!(
            safe_cut(log, true),
            Some(Cut {
                at: x + 2,
                closed: false
            })
        );
        let one = b"[1.0] a invoked oom-killer: gfp_mask=0\n[1.1] Killed process 1 (a)\n";
        assert_eq!(safe_cut(one, true), None);
    }

    #[test]
    fn quiet_stretches_cut_only_when_no_report_is_open() {
        let log = b"[1.0] eth0: link up\n[1.1] eth1: link up\n[1.2] partial";
        assert_eq!(
            safe_cut(log, true),
            Some(Cut {
                at: 40,
                closed: true
            })
        );
        // The same lines may be the body of a report that started in the previous block.
        assert_eq!(safe_cut(log, false), None);
        assert_eq!(
            safe_cut(b"[1.0] Killed process 1 (a)\n[1.1] x\n", true),
            None
        );
        assert_eq!(safe_cut(b"no newline", true), None);
    }

    #[test]
    fn long_blocks_cut_after_the_follow_up_window() {
        let mut log = b"[1.0] Killed process 1 (a)\n".to_vec();
        let kill_end = log.len();
        for i in 0..100 {
            log.extend_from_slice(format!("[2.{i}] eth0: up\n").as_bytes());
        }
        let cut = quiet_cut(&log).expect("a cut");
        assert!(cut.closed);
        let lines_between = log[kill_end..cut.at]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        assert_eq!(lines_between, FOLLOW_UP_LINES - 1);
        assert_eq!(quiet_cut(&log[..kill_end + 40]), None);
    }
}
