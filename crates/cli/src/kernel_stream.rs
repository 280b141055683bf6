//! Reads a kernel log on several threads: the calling thread reads blocks of about [`BLOCK`]
//! bytes, cut where [`safe_cut`] allows (before an OOM report header, or in a stretch with no
//! OOM lines and no report open), workers parse blocks with [`KernelReader`]s, and the calling thread hands the
//! incidents on in log order. Same result as one reader over the whole log (tested). Memory stays
//! bounded by the blocks in flight (2 per worker) and their incidents.
//!
//! Measured (benches/kernel_vs_grep.sh, 2 cores, 1 GiB logs, glibc malloc): `oomdoc explain`
//! on an OOM-dense log takes 8.4 s with two workers against 10.9 s with one reader (the calling
//! thread collects facts while the workers parse), on an ordinary log 0.61 s against 0.53 s (the
//! cutting scans everything once more). Parsing alone gains nothing from the second worker:
//! frees of incidents made on another thread contend on glibc's arena locks; with mimalloc two
//! workers parse the dense log in 3.9 s instead of 5.7 s, at 3-5x the peak RSS everywhere.

use std::collections::BTreeMap;
use std::io::{self, Read};

use oomdoc_evidence::kernel_blocks::{quiet_cut, safe_cut, Cut};
use oomdoc_evidence::{KernelEvent, KernelReader};

/// Bytes read per block.
pub const BLOCK: usize = 4 << 20;
/// A block with no safe cut is cut at its last line end once it reaches this size (a single OOM
/// report is far smaller; the kernel's task table has one short row per process).
const MAX_BLOCK: usize = 64 << 20;

/// Parses the kernel log in `input` with `threads` workers (1 = on the calling thread), calling
/// `sink` for each incident in log order. Read errors end the input and are passed on last.
pub fn read_kernel_log<R: Read>(
    input: R,
    threads: usize,
    block: usize,
    sink: &mut dyn FnMut(KernelEvent),
) {
    if threads <= 1 {
        for ev in KernelReader::new(io::BufReader::with_capacity(1 << 16, input)) {
            sink(ev);
        }
        return;
    }
    let block = block.max(1);
    std::thread::scope(|s| {
        let (job_tx, job_rx) = crossbeam_channel::unbounded::<(u64, u32, Vec<u8>)>();
        let (done_tx, done_rx) = crossbeam_channel::unbounded::<(u64, Vec<KernelEvent>)>();
        for _ in 0..threads {
            let (rx, tx) = (job_rx.clone(), done_tx.clone());
            s.spawn(move || parse_blocks(rx, tx));
        }
        drop((job_rx, done_tx));
        let mut deliver = Deliver {
            waiting: BTreeMap::new(),
            next: 0,
            in_flight: 0,
        };
        let limit = threads * 2;
        let error = cut_blocks(input, block, &mut |seq, first_line, bytes| {
            while deliver.in_flight >= limit {
                deliver.receive(&done_rx, sink);
            }
            deliver.in_flight += 1;
            // Workers only stop when this sender is dropped, so the send cannot fail.
            let _ = job_tx.send((seq, first_line, bytes));
        });
        // Ends the workers once they have drained the queue.
        drop(job_tx);
        while deliver.in_flight > 0 {
            deliver.receive(&done_rx, sink);
        }
        if let Some(e) = error {
            sink(KernelEvent::ReadError(e));
        }
    });
}

/// A worker: parses each block from its first line's number and sends its incidents back under
/// the block's sequence number, until either channel closes.
fn parse_blocks(
    rx: crossbeam_channel::Receiver<(u64, u32, Vec<u8>)>,
    tx: crossbeam_channel::Sender<(u64, Vec<KernelEvent>)>,
) {
    for (seq, first_line, bytes) in rx {
        let events: Vec<KernelEvent> =
            KernelReader::starting_at_line(&bytes[..], first_line).collect();
        if tx.send((seq, events)).is_err() {
            break;
        }
    }
}

/// Reads `input` into blocks of at least `block` bytes ended where [`block_cut`] allows, and
/// hands each on (sequence number, number of its first line, bytes), the rest last. Returns the
/// read error that ended the input, if any.
fn cut_blocks<R: Read>(
    mut input: R,
    block: usize,
    send: &mut dyn FnMut(u64, u32, Vec<u8>),
) -> Option<String> {
    let mut buf: Vec<u8> = Vec::with_capacity(block * 2);
    let (mut seq, mut line, mut closed) = (0u64, 1u32, true);
    let mut error = None;
    loop {
        let before = buf.len();
        buf.resize(before + block, 0);
        let n = match read_full(&mut input, &mut buf[before..]) {
            Ok(n) => n,
            Err(e) => {
                error = Some(e.to_string());
                0
            }
        };
        buf.truncate(before + n);
        if n == 0 {
            break;
        }
        if buf.len() < block {
            continue;
        }
        if let Some(cut) = block_cut(&buf, closed) {
            let rest = buf[cut.at..].to_vec();
            buf.truncate(cut.at);
            let lines = memchr::memchr_iter(b'\n', &buf).count() as u32;
            let full = std::mem::replace(&mut buf, rest);
            send(seq, line, full);
            seq += 1;
            line = line.saturating_add(lines);
            closed = cut.closed;
        }
    }
    if !buf.is_empty() {
        send(seq, line, buf);
    }
    error
}

/// Where a full block may end: a [`safe_cut`]; from [`MAX_BLOCK`] on a [`quiet_cut`]; from
/// twice that the last line end (lines this long with `oom` everywhere are not a kernel log:
/// cut anywhere rather than hold more).
fn block_cut(buf: &[u8], closed: bool) -> Option<Cut> {
    safe_cut(buf, closed).or_else(|| {
        (buf.len() >= MAX_BLOCK)
            .then(|| quiet_cut(buf))
            .flatten()
            .or_else(|| {
                (buf.len() >= 2 * MAX_BLOCK)
                    .then(|| {
                        memchr::memrchr(b'\n', buf).map(|i| Cut {
                            at: i + 1,
                            closed: true,
                        })
                    })
                    .flatten()
            })
    })
}

/// Puts parsed blocks back in order.
struct Deliver {
    waiting: BTreeMap<u64, Vec<KernelEvent>>,
    next: u64,
    in_flight: usize,
}

impl Deliver {
    /// Waits for one parsed block and hands on every block that is now next in order.
    fn receive(
        &mut self,
        rx: &crossbeam_channel::Receiver<(u64, Vec<KernelEvent>)>,
        sink: &mut dyn FnMut(KernelEvent),
    ) {
        let Ok((seq, events)) = rx.recv() else {
            self.in_flight = 0;
            return;
        };
        self.waiting.insert(seq, events);
        while let Some(events) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.in_flight -= 1;
            events.into_iter().for_each(&mut *sink);
        }
    }
}

/// Reads until `buf` is full or the input ends.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kernel fixture, with noise between (some of it mentioning `oom` and `Kill`), and a
    /// last line without a newline.
    fn log() -> String {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../evidence/tests/fixtures/kernel"
        );
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .collect();
        names.sort();
        let mut s = String::new();
        for (i, p) in names.iter().enumerate() {
            for k in 0..(i * 7) {
                s.push_str(&format!("[{k}.000001] eth0: link {k} up\n"));
            }
            s.push_str("[9.9] bloom filter resized; Killing of nothing\n");
            s.push_str(&std::fs::read_to_string(p).expect("fixture"));
            if !s.ends_with('\n') {
                s.push('\n');
            }
        }
        s.push_str("[99.0] Memory cgroup out of memory: Killed process 7 (tail) total-vm:1kB");
        s
    }

    fn parse(text: &str, threads: usize, block: usize) -> Vec<KernelEvent> {
        let mut out = Vec::new();
        read_kernel_log(text.as_bytes(), threads, block, &mut |e| out.push(e));
        out
    }

    #[test]
    fn blocks_on_threads_give_the_same_incidents_as_one_reader() {
        let text = log();
        let whole = parse(&text, 1, BLOCK);
        assert!(whole.len() >= 8, "{} incidents", whole.len());
        for threads in [2, 3] {
            for block in [1, 64, 300, 1000, 4096, 1 << 20] {
                assert_eq!(
                    parse(&text, threads, block),
                    whole,
                    "{threads} threads, block {block}"
                );
            }
        }
    }

    #[test]
    fn read_errors_come_last() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk gone"));
                }
                self.0 -= 1;
                let line = b"[1.0] eth0: up\n";
                let n = line.len().min(buf.len());
                buf[..n].copy_from_slice(&line[..n]);
                Ok(n)
            }
        }
        let mut out = Vec::new();
        read_kernel_log(Failing(3), 2, 16, &mut |e| out.push(e));
        assert_eq!(out, vec![KernelEvent::ReadError("disk gone".into())]);
    }
}
