//! Reading many inputs in parallel with bounded memory and deterministic output order.
//!
//! One reader thread walks the inputs and cuts them into pieces of whole documents (about 1 MiB
//! each, see [`crate::split`]); worker threads parse pieces; the calling thread puts results back
//! in input order by sequence number and hands them to the sink. The reader may run at most
//! [`WINDOW_PER_THREAD`] pieces per worker ahead of the sink, which bounds memory whatever the
//! input size.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use oomdoc_model::InputError;

use crate::document::{read_text, Limits};
use crate::split::{Piece, UnitReader};
use crate::values::Counts;
use crate::{Item, Only, ReadOptions, ReadStats};

/// Pieces in flight per worker (queued, being parsed, or waiting to be reordered).
const WINDOW_PER_THREAD: u64 = 4;

/// One input to read.
enum Input {
    File(PathBuf, Arc<str>),
    /// A Dockerfile and the names it may be known by.
    Dockerfile(PathBuf, Arc<str>, Vec<String>),
    Stdin,
    /// A path that cannot be read, with why.
    Bad(Arc<str>, String),
}

/// Expands `paths` into inputs: files as given (any extension; Dockerfiles by their name, see
/// [`crate::is_dockerfile`]), directories walked recursively in sorted order for `.yaml`, `.yml`
/// and `.json` files and Dockerfiles (`.git` directories are not entered), `-` for stdin.
fn inputs(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        let name: Arc<str> = p.display().to_string().into();
        match std::fs::metadata(p) {
            Err(e) => out.push(Input::Bad(name, format!("cannot read: {e}"))),
            Ok(m) if m.is_dir() => walk(p, &mut out),
            // A device (`/dev/zero`, `/dev/urandom`) is endless: refused. FIFOs and process
            // substitution (`<(kubectl get ...)`) are read as streams.
            Ok(m) if is_device(&m) => out.push(Input::Bad(name, "is a device, not a file".into())),
            Ok(_) if crate::is_dockerfile(p, true) => out.push(Input::Dockerfile(
                p.clone(),
                name,
                crate::dockerfile_names(p),
            )),
            Ok(_) => out.push(Input::File(p.clone(), name)),
        }
    }
    out
}

fn is_device(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_char_device() || m.file_type().is_block_device()
}

fn walk(dir: &Path, out: &mut Vec<Input>) {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && e.depth() > 0 && e.file_name() == ".git"));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && is_manifest(e.path()) => {
                out.push(Input::File(
                    e.path().to_path_buf(),
                    e.path().display().to_string().into(),
                ));
            }
            Ok(e) if e.file_type().is_file() && crate::is_dockerfile(e.path(), false) => {
                out.push(Input::Dockerfile(
                    e.path().to_path_buf(),
                    e.path().display().to_string().into(),
                    crate::dockerfile_names(e.path()),
                ));
            }
            Ok(_) => {}
            // A broken link that would not have been read anyway (a name that is neither a
            // manifest nor a Dockerfile) is no input error; a loop still is.
            Err(e)
                if e.loop_ancestor().is_none()
                    && e.io_error()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                    && e.path().is_some_and(|p| {
                        e.depth() > 0 && !is_manifest(p) && !crate::is_dockerfile(p, false)
                    }) => {}
            Err(e) => {
                let at = e.path().unwrap_or(dir).display().to_string();
                let why = e
                    .io_error()
                    .map_or_else(|| e.to_string(), ToString::to_string);
                out.push(Input::Bad(at.into(), format!("cannot read: {why}")));
            }
        }
    }
}

fn is_manifest(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        e.eq_ignore_ascii_case("yaml")
            || e.eq_ignore_ascii_case("yml")
            || e.eq_ignore_ascii_case("json")
    })
}

/// A piece of work: one piece of one input.
struct Job {
    seq: u64,
    file: Arc<str>,
    stdin: bool,
    piece: Piece,
    /// `Some(names)` when the piece is a whole Dockerfile.
    dockerfile: Option<Vec<String>>,
}

/// What a job produced.
struct Done {
    items: Vec<Item>,
    counts: Counts,
}

fn run(job: Job, limits: Limits) -> Done {
    let mut d = Done {
        items: Vec::new(),
        counts: Counts::default(),
    };
    match job.piece {
        Piece::Text { text, .. } if job.dockerfile.is_some() => {
            let names = job.dockerfile.unwrap_or_default();
            let (spec, errors) = crate::dockerfile::parse_dockerfile(&job.file, &text, &names);
            d.counts.documents += 1;
            d.items.extend(spec.map(Item::Dockerfile));
            d.items.extend(errors.into_iter().map(Item::Error));
        }
        Piece::Text { text, .. }
            if limits.only == Only::LimitRangesAndDockerfiles
                && !crate::prescan::may_hold_limit_range(text.as_bytes()) => {}
        Piece::Text { text, first_line } => {
            read_text(
                &job.file,
                &text,
                first_line,
                job.stdin,
                limits,
                &mut d.items,
                &mut d.counts,
            );
        }
        Piece::Error { message, pos } => d.items.push(Item::Error(InputError {
            file: job.file,
            pos,
            message,
        })),
    }
    if limits.only == Only::LimitRangesAndDockerfiles {
        // A List may hold workloads beside its LimitRanges; this pass delivers none.
        d.items.retain(|i| !matches!(i, Item::Workload(_)));
    }
    d
}

/// Reads every input into jobs, handing each to `send`; returns (files, bytes).
fn produce(
    inputs: Vec<Input>,
    opts: &ReadOptions,
    send: &mut dyn FnMut(Job) -> bool,
) -> (usize, u64) {
    let mut seq = 0u64;
    let (mut files, mut bytes) = (0usize, 0u64);
    let mut emit = |file: &Arc<str>, stdin: bool, piece: Piece, seq: &mut u64, dockerfile| {
        let ok = send(Job {
            seq: *seq,
            file: file.clone(),
            stdin,
            piece,
            dockerfile,
        });
        *seq += 1;
        ok
    };
    let mut scratch = Vec::new();
    for input in inputs {
        let (file, stdin, reader): (Arc<str>, bool, Box<dyn std::io::Read>) = match input {
            Input::Dockerfile(path, file, names) => {
                let piece = read_dockerfile(&path, opts);
                if let Piece::Text { text, .. } = &piece {
                    files += 1;
                    bytes += text.len() as u64;
                }
                if !emit(&file, false, piece, &mut seq, Some(names)) {
                    break;
                }
                continue;
            }
            Input::Bad(file, message) => {
                if !emit(
                    &file,
                    false,
                    Piece::Error { message, pos: None },
                    &mut seq,
                    None,
                ) {
                    break;
                }
                continue;
            }
            Input::Stdin => ("-".into(), true, Box::new(std::io::stdin().lock())),
            Input::File(path, file) => match std::fs::File::open(&path) {
                Ok(f) if opts.only == Only::LimitRangesAndDockerfiles => {
                    match skim(f, &path, &mut scratch) {
                        Skim::Skip(n) => {
                            files += 1;
                            bytes += n;
                            continue;
                        }
                        // Read as usual from the start (a read error is reported there too).
                        Skim::Read(f) => (file, false, Box::new(f)),
                    }
                }
                Ok(f) => (file, false, Box::new(f)),
                Err(e) => {
                    let piece = Piece::Error {
                        message: format!("cannot read: {e}"),
                        pos: None,
                    };
                    if !emit(&file, false, piece, &mut seq, None) {
                        break;
                    }
                    continue;
                }
            },
        };
        files += 1;
        let mut units = UnitReader::new(reader, opts.max_document_bytes, opts.max_file_bytes);
        for piece in units.by_ref() {
            if !emit(&file, stdin, piece, &mut seq, None) {
                return (files, bytes + units.bytes);
            }
        }
        bytes += units.bytes;
    }
    (files, bytes)
}

/// What [`skim`] decided about a file.
enum Skim {
    /// No LimitRange can be in it: skip it (its size in bytes).
    Skip(u64),
    /// Read it (rewound to its start).
    Read(std::fs::File),
}

/// For [`Only::LimitRangesAndDockerfiles`]: whether a file can hold a LimitRange, from its raw
/// bytes, read in blocks into `scratch` (see [`crate::prescan::may_hold_limit_range`]). Most files
/// cannot, and are then skipped without being cut into documents, checked as UTF-8 or handed to a
/// worker: the pass costs about what reading the bytes costs. UTF-16 files, files that cannot be
/// read to the end, and what is not a regular file (a pipe cannot be rewound) are read as usual.
fn skim(mut f: std::fs::File, path: &Path, scratch: &mut Vec<u8>) -> Skim {
    use std::io::{Read, Seek};
    // Bytes kept from the end of one block to the start of the next, so that a word cut by the
    // block boundary is still found.
    const KEEP: usize = b"LimitRange".len() - 1;
    const BLOCK: usize = 256 << 10;
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return Skim::Read(f);
    }
    scratch.resize(KEEP + BLOCK, 0);
    let (mut kept, mut total) = (0usize, 0u64);
    let found = loop {
        let n = match f.read(&mut scratch[kept..]) {
            Ok(0) => break false,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break true,
        };
        let filled = kept + n;
        let utf16 = |b: &[u8]| b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]);
        if total < 2 && utf16(&scratch[..filled]) {
            break true;
        }
        total += n as u64;
        // Any bytes: a block may end inside a character.
        if crate::prescan::may_hold_limit_range(&scratch[..filled]) {
            break true;
        }
        kept = filled.min(KEEP);
        scratch.copy_within(filled - kept..filled, 0);
    };
    if !found {
        return Skim::Skip(total);
    }
    match f.rewind() {
        Ok(()) => Skim::Read(f),
        Err(_) => std::fs::File::open(path).map_or(Skim::Skip(total), Skim::Read),
    }
}

/// Reads a whole Dockerfile (they are small; one larger than a document may be is refused).
fn read_dockerfile(path: &Path, opts: &ReadOptions) -> Piece {
    use std::io::Read;
    let limit = opts
        .max_document_bytes
        .min(usize::try_from(opts.max_file_bytes).unwrap_or(usize::MAX));
    let mut bytes = Vec::new();
    let read =
        std::fs::File::open(path).and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes));
    let error = |message: String| Piece::Error { message, pos: None };
    if let Err(e) = read {
        return error(format!("cannot read: {e}"));
    }
    if bytes.len() > limit {
        return error(format!("Dockerfile larger than {limit} bytes, skipped"));
    }
    if memchr::memchr(0, &bytes).is_some() {
        return error("binary file (NUL byte), skipped".into());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Piece::Text {
            text,
            first_line: 1,
        },
        Err(_) => error("binary file (invalid UTF-8), skipped".into()),
    }
}

/// Lets the reader run ahead of the sink by a bounded number of jobs.
struct Window {
    state: Mutex<(u64, bool)>,
    cond: Condvar,
}

impl Window {
    /// Waits until job `seq` may be sent; false once the consumer is gone.
    fn admit(&self, seq: u64, ahead: u64) -> bool {
        let mut g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while !g.1 && seq >= g.0 + ahead {
            g = self.cond.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        !g.1
    }
    fn delivered(&self, next: u64) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 = next;
        self.cond.notify_all();
    }
    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.cond.notify_all();
    }
}

/// Closes the window when the consumer leaves, even by a panic in the sink, so the reader
/// thread cannot wait forever.
struct CloseOnDrop<'a>(&'a Window);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

pub(crate) fn read_inputs(
    paths: &[PathBuf],
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> ReadStats {
    let limits = Limits {
        max_document_bytes: opts.max_document_bytes,
        max_alias_expansions: opts.max_alias_expansions,
        only: opts.only,
    };
    let inputs = inputs(paths);
    let mut stats = ReadStats::default();
    let add = |stats: &mut ReadStats, d: Done, sink: &mut dyn FnMut(Item) -> ControlFlow<()>| {
        stats.documents += d.counts.documents;
        stats.workloads += d.counts.workloads;
        stats.skipped_documents += d.counts.skipped;
        d.items.into_iter().try_for_each(&mut *sink)
    };
    let threads = opts.threads.max(1);
    if threads == 1 {
        // Everything on the calling thread.
        let (files, bytes) = produce(inputs, opts, &mut |job| {
            add(&mut stats, run(job, limits), sink).is_continue()
        });
        stats.files = files;
        stats.bytes = bytes;
        return stats;
    }

    let window = Window {
        state: Mutex::new((0, false)),
        cond: Condvar::new(),
    };
    let ahead = WINDOW_PER_THREAD * threads as u64;
    std::thread::scope(|s| {
        let _close = CloseOnDrop(&window);
        let (job_tx, job_rx) = crossbeam_channel::bounded::<Job>(threads * 2);
        let (done_tx, done_rx) = crossbeam_channel::unbounded::<(u64, Done)>();
        let window = &window;
        let reader = s.spawn(move || {
            produce(inputs, opts, &mut |job| {
                window.admit(job.seq, ahead) && job_tx.send(job).is_ok()
            })
        });
        for _ in 0..threads {
            let (rx, tx) = (job_rx.clone(), done_tx.clone());
            s.spawn(move || {
                for job in rx {
                    let seq = job.seq;
                    if tx.send((seq, run(job, limits))).is_err() {
                        break;
                    }
                }
            });
        }
        drop((job_rx, done_tx));
        let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        'deliver: for (seq, done) in done_rx.iter() {
            waiting.insert(seq, done);
            while let Some(d) = waiting.remove(&next) {
                next += 1;
                if add(&mut stats, d, sink).is_break() {
                    // Stop the reader (it waits on the window or on a full job channel) and the
                    // workers (their sends fail once the receiver is gone).
                    window.close();
                    break 'deliver;
                }
            }
            window.delivered(next);
        }
        drop((done_rx, waiting));
        let (files, bytes) = reader.join().unwrap_or_default();
        stats.files = files;
        stats.bytes = bytes;
    });
    stats
}

/// [`crate::read_str`]: the same pipeline on one in-memory input, on the calling thread.
pub(crate) fn read_str(file: &str, text: &str, opts: &ReadOptions) -> Vec<Item> {
    let limits = Limits {
        max_document_bytes: opts.max_document_bytes,
        max_alias_expansions: opts.max_alias_expansions,
        only: opts.only,
    };
    let file: Arc<str> = file.into();
    let stdin = &*file == "-";
    let mut items = Vec::new();
    for piece in UnitReader::new(
        text.as_bytes(),
        opts.max_document_bytes,
        opts.max_file_bytes,
    ) {
        let job = Job {
            seq: 0,
            file: file.clone(),
            stdin,
            piece,
            dockerfile: None,
        };
        items.extend(run(job, limits).items);
    }
    items
}
