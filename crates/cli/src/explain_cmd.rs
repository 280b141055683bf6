//! `oomdoc explain FILE... | -`: reads each input, detected by content, and prints a verdict per
//! death. Kernel logs and container logs are streamed line by line (bounded memory on any size);
//! other inputs (pod objects, events, describe, hs_err, cgroup files, NMT, PrintFlagsFinal) are
//! read whole up to [`MAX_WHOLE`]. With `--pod NS/NAME` the evidence is gathered from the
//! cluster first (read-only), then the files are added to it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use oomdoc_evidence::jvm_log::parse_jvm_line;
use oomdoc_evidence::scan::Found;
use oomdoc_evidence::{detect, KernelEvent, Kind};
use oomdoc_explain::collect::heap_option;
use oomdoc_explain::{explain, Facts, Src};
use oomdoc_model::bytes::exact;
use oomdoc_report::{Style, TerminalSafe};

use crate::args::{ExplainArgs, OutputFormat};

/// Largest input read whole (pod lists, events, describe output, hs_err files).
pub(crate) const MAX_WHOLE: u64 = 256 << 20;
/// Bytes looked at to detect what an input is.
const HEAD: usize = 8192;
/// Inputs up to this size are read whole by every reader ([`Facts::add_text`]); larger ones
/// (whole node logs) are streamed.
const WHOLE_SCAN: u64 = 16 << 20;

/// `NS/NAME`, or `NAME` in `-n NS` (or the context's namespace, `None` here).
fn pod_ref<'a>(pod: &'a str, ns: Option<&'a str>) -> anyhow::Result<(Option<&'a str>, &'a str)> {
    let (n, name) = match pod.split_once('/') {
        Some((n, name)) => (Some(n), name),
        None => (ns, pod),
    };
    if name.is_empty() || n == Some("") || name.contains('/') {
        anyhow::bail!("--pod {pod:?}: expected NAMESPACE/NAME or NAME");
    }
    // Checked here too (gather checks again) so that a bad name fails before connecting.
    oomdoc_cluster::names::check("--pod", name)?;
    if let Some(n) = n {
        oomdoc_cluster::names::check("namespace", n)?;
    }
    Ok((n, name))
}

pub(crate) fn run(args: &ExplainArgs, style: Style) -> anyhow::Result<u8> {
    let mut facts = Facts::new();
    let mut unreadable = false;
    if let Some(pod) = &args.pod {
        let (ns, name) = pod_ref(pod, args.namespace.as_deref())?;
        let mut target = args.conn.target(None);
        target.namespace = ns.map(str::to_string);
        let r = oomdoc_cluster::gather::gather_pod(&target, ns, name, args.tail.max(1));
        match r {
            Ok(g) => {
                for n in &g.notes {
                    writeln!(crate::stderr(), "oomdoc: note: {n}")?;
                }
                facts = g.facts;
            }
            Err(e) => {
                writeln!(crate::stderr(), "oomdoc: error: {e}")?;
                return Ok(crate::EXIT_ERROR);
            }
        }
    }
    // Inputs read without an error; with none (and no --pod), there is nothing to explain.
    let mut readable = 0;
    for path in &args.files {
        let name = path.to_string_lossy().into_owned();
        let errors_before = facts.errors.len();
        let r = if name == "-" {
            read_input(
                &name,
                BufReader::with_capacity(1 << 16, io::stdin().lock()),
                &mut facts,
            )
        } else {
            open(path)
                .and_then(|f| read_input(&name, BufReader::with_capacity(1 << 16, f), &mut facts))
        };
        if let Err(e) = r {
            facts.add_error(format!("{name}: {e}"));
            unreadable = true;
        }
        if facts.errors.len() == errors_before {
            readable += 1;
        }
    }
    if readable == 0 && args.pod.is_none() {
        // Nothing could be read: the errors alone, no verdict.
        let mut err = crate::stderr();
        for e in &facts.errors {
            writeln!(err, "oomdoc: error: {e}")?;
        }
        return Ok(crate::EXIT_ERROR);
    }
    let e = explain(&facts);
    let stdout = io::stdout();
    let controls = args.format.controls_with(style);
    let mut out = io::BufWriter::new(TerminalSafe::new(stdout.lock(), controls));
    match args.format {
        OutputFormat::Text => {
            oomdoc_report::write_explain_text_to(&e, style, &mut out, Some(&mut crate::stderr()))?
        }
        OutputFormat::Json => oomdoc_report::write_explain_json(&e, &mut out)?,
    }
    out.flush()?;
    Ok(if unreadable || !e.errors.is_empty() {
        crate::EXIT_ERROR
    } else if e.explained() {
        0
    } else {
        1
    })
}

fn open(path: &Path) -> io::Result<File> {
    let f = File::open(path)?;
    if f.metadata()?.is_dir() {
        return Err(io::Error::other("is a directory; pass the files in it"));
    }
    Ok(f)
}

/// Reads the first `HEAD` bytes (or fewer at end of input).
fn head<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(HEAD);
    r.by_ref().take(HEAD as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

fn read_input<R: BufRead>(name: &str, mut r: R, facts: &mut Facts) -> io::Result<()> {
    let head = head(&mut r)?;
    if head.contains(&0) {
        facts.add_error(format!(
            "{name}: binary data, not a log, an object or command output"
        ));
        facts.note_input(name, Vec::new());
        return Ok(());
    }
    // Pastes and ordinary files are read whole, with every reader on every line; only inputs
    // too large for that are streamed, read as the kind their start shows.
    let mut buf = head;
    (&mut r)
        .take(WHOLE_SCAN + 1 - buf.len() as u64)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 <= WHOLE_SCAN {
        facts.add_text(name, &String::from_utf8_lossy(&buf));
        return Ok(());
    }
    let head_str = String::from_utf8_lossy(&buf[..HEAD]);
    // A multi-byte character may be cut at the end of the head: drop a trailing U+FFFD.
    let kind = detect(head_str.trim_end_matches('\u{FFFD}'));
    let (kernel_before, jvm_before) = (facts.kernel.len(), facts.jvm_logs.len());
    let mut all = io::Cursor::new(buf).chain(r);
    let r = stream_input(name, &mut all, kind, facts);
    let mut found = Vec::new();
    let k = facts.kernel.len().saturating_sub(kernel_before);
    if k > 0 {
        found.push(Found {
            what: "kernel OOM report",
            count: k,
        });
    }
    if let Some(l) = facts.jvm_logs.get(jvm_before) {
        found.push(Found {
            what: "JVM log line",
            count: l.fact.len(),
        });
    }
    facts.note_input(name, found);
    r
}

/// What is kept of a line of a streamed JVM or container log: 64 KiB (a JVM error line with its
/// whole command line is a few KB); the rest of a longer line is read past, not held.
const MAX_LOG_LINE: usize = 64 << 10;

/// Reads the next line (newline included) into `line`, keeping its first `keep` bytes and
/// skipping the rest, so that a line without end is never held whole; 0 at the end.
fn read_line_kept<R: BufRead>(r: &mut R, line: &mut Vec<u8>, keep: usize) -> io::Result<usize> {
    let mut total = 0;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(total);
        }
        let end = memchr::memchr(b'\n', avail);
        let len = end.map_or(avail.len(), |i| i + 1);
        let room = keep.saturating_sub(line.len());
        line.extend_from_slice(&avail[..len.min(room)]);
        r.consume(len);
        total += len;
        if end.is_some() {
            return Ok(total);
        }
    }
}

/// A large input, streamed as `kind` (bounded memory on any size).
fn stream_input<R: BufRead>(name: &str, all: R, kind: Kind, facts: &mut Facts) -> io::Result<()> {
    let mut all = all;
    match kind {
        Kind::KernelLog => {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let mut error = None;
            crate::kernel_stream::read_kernel_log(
                all,
                threads,
                crate::kernel_stream::BLOCK,
                &mut |ev| match ev {
                    KernelEvent::Incident(i) => facts.add_kernel_incident(name, *i),
                    KernelEvent::ReadError(e) => error = Some(e),
                },
            );
            if let Some(e) = error {
                return Err(io::Error::other(e));
            }
        }
        Kind::JvmLog | Kind::ContainerLog => {
            let mut found = Vec::new();
            let mut line = Vec::new();
            let mut n = 0u32;
            loop {
                line.clear();
                if read_line_kept(&mut all, &mut line, MAX_LOG_LINE)? == 0 {
                    break;
                }
                n = n.saturating_add(1);
                let s = String::from_utf8_lossy(&line);
                let s = s.trim_end_matches(['\n', '\r']);
                if let Some(f) = parse_jvm_line(s, n) {
                    found.push(f);
                }
                if s.contains("-Xmx") || s.contains("MaxHeapSize=") || s.contains("MaxRAM") {
                    if let Some(h) = heap_option(s, n) {
                        facts.heap_options.push(Src {
                            file: name.to_string(),
                            fact: h,
                        });
                    }
                }
            }
            if !found.is_empty() {
                facts.jvm_logs.push(Src {
                    file: name.to_string(),
                    fact: found,
                });
            }
        }
        Kind::Unknown => {}
        _ => {
            let mut buf = Vec::new();
            all.take(MAX_WHOLE + 1).read_to_end(&mut buf)?;
            if buf.len() as u64 > MAX_WHOLE {
                return Err(io::Error::other(format!(
                    "larger than {}; pass the part around the kill",
                    exact(MAX_WHOLE)
                )));
            }
            facts.add_kind(name, &String::from_utf8_lossy(&buf), kind);
        }
    }
    Ok(())
}
