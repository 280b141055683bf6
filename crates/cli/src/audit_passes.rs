//! How `oomdoc audit` reads its inputs in bounded memory: in passes over the files, so that each
//! workload can be audited and written as soon as it is read.
//!
//! 1. LimitRanges and Dockerfiles, which decide about workloads written anywhere in the input
//!    (admission applies every LimitRange of the namespace; Dockerfiles are matched to images).
//!    Only documents that can spell `LimitRange` are parsed, so this pass costs little more than
//!    reading the bytes ([`Only::LimitRangesAndDockerfiles`]). Its errors are not kept: pass 3
//!    reads everything again and reports them.
//! 2. Only when there is exactly one Dockerfile: how many image repositories the containers use
//!    (a Dockerfile is matched to every container when it is the only one and they all run one
//!    repository), stopping at the second one.
//! 3. Everything, workloads audited and written one by one.
//!
//! Stdin and pipes cannot be read twice, so they are first copied to temporary files
//! ([`Spool`]), read in every pass and named as given (`-` for stdin) in everything reported.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use oomdoc_audit::images::add_repositories;
use oomdoc_manifest::{read_inputs, read_inputs_until, Item, Only, ReadOptions};
use oomdoc_model::bytes::exact;
use oomdoc_model::dockerfile::DockerImageSpec;
use oomdoc_model::pod::LimitRange;
use oomdoc_model::InputError;

/// An input that cannot be read twice (stdin, a pipe such as bash's `<(helm template …)`),
/// copied to a temporary file, decoded to UTF-8 as the reader decodes it (so the copy reads the
/// same, and the text report can quote its lines). The file is removed when this is dropped (also
/// on an error return or a panic), and by [`crate::cleanup`] when SIGINT, SIGTERM or SIGHUP ends
/// oomdoc (not by SIGKILL).
///
/// Why a named file in a registry rather than one unlinked at once (nothing left behind even by
/// SIGKILL): every pass reads the copy through its path, as it reads any file (by name: a
/// Dockerfile is known by its name; quoted lines are read back by path), and the only path to an
/// unlinked file is Linux's `/proc/self/fd/N`, a symbolic link the reader would see instead of a
/// file. The registry is also what the files `trend` writes need.
pub(crate) struct Spool {
    // Declared before the registration: the file is removed before it is unregistered.
    file: tempfile::NamedTempFile,
    _cleanup: crate::cleanup::Registration,
    /// The copy's path as the reader names it in items.
    spool_name: String,
    /// The input's name in reports: `-`, or the path as given.
    name: Arc<str>,
    /// Reading the input failed part way: what was read is audited and this is reported.
    pub error: Option<InputError>,
}

impl Spool {
    /// Copies `src`, named `name`, to a new temporary file (in `$TMPDIR`, or the system's
    /// temporary directory).
    fn new(name: &str, src: impl Read) -> anyhow::Result<Spool> {
        let (mut file, registration) = crate::cleanup::tempfile_in(
            tempfile::Builder::new().prefix("oomdoc-input-"),
            &std::env::temp_dir(),
            crate::cleanup::OnSignal::Remove,
        )
        .context("cannot create a temporary file to hold an input that can be read only once (set TMPDIR to a writable directory)")?;
        let copied = {
            let src = oomdoc_manifest::decoded(src);
            let mut copy = io::BufWriter::with_capacity(1 << 20, file.as_file_mut());
            // What was read before an error is kept (and audited); at most MAX_SPOOL bytes.
            let copied = io::copy(&mut src.take(MAX_SPOOL + 1), &mut copy);
            copied.and_then(|n| copy.flush().map(|()| n))
        };
        let error = match copied {
            Err(e) => Some(format!("cannot read: {e}")),
            Ok(n) if n > MAX_SPOOL => {
                // Keep the copy at the cap: the first MAX_SPOOL bytes are audited.
                let _ = file.as_file().set_len(MAX_SPOOL);
                Some(format!(
                    "larger than {}, the most oomdoc copies from stdin or a pipe; the rest was not read (pass the manifests as files)",
                    exact(MAX_SPOOL)
                ))
            }
            Ok(_) => None,
        }
        .map(|message| InputError {
            file: name.into(),
            pos: None,
            message,
        });
        let spool_name = file.path().display().to_string();
        Ok(Spool {
            file,
            _cleanup: registration,
            spool_name,
            name: name.into(),
            error,
        })
    }

    /// The copy.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The input's name in reports.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The most copied from stdin or a pipe (which must be read twice, so is copied to a temporary
/// file first): 2 GiB, twice the largest stream the suite audits; more is refused rather than
/// filling `$TMPDIR`.
const MAX_SPOOL: u64 = 2 << 30;

/// True for an explicit path that is a pipe (or a socket), whose bytes are gone once read.
/// Devices are not: the reader refuses them (`/dev/zero` is endless).
fn read_once(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        !m.is_file() && !m.is_dir() && !t.is_char_device() && !t.is_block_device()
    })
}

/// The paths the reader reads, and the copies made: stdin (`-`) and pipes are copied to
/// temporary files ([`Spool`]), read in their place. Stdin is read once: a second `-` would read
/// nothing, so it is dropped.
pub(crate) fn spool_inputs(paths: &[PathBuf]) -> anyhow::Result<(Vec<PathBuf>, Vec<Spool>)> {
    let (mut read, mut spools) = (Vec::new(), Vec::new());
    let mut stdin_seen = false;
    for p in paths {
        let spool = if p.as_os_str() == "-" {
            if std::mem::replace(&mut stdin_seen, true) {
                continue;
            }
            Spool::new("-", io::stdin().lock())?
        } else if read_once(p) {
            match std::fs::File::open(p) {
                Ok(f) => Spool::new(&p.display().to_string(), f)?,
                // The reader reports it.
                Err(_) => {
                    read.push(p.clone());
                    continue;
                }
            }
        } else {
            read.push(p.clone());
            continue;
        };
        read.push(spool.path().to_path_buf());
        spools.push(spool);
    }
    Ok((read, spools))
}

/// Gives the inputs' names back to their copies in what the reader reports.
pub(crate) struct Names<'a>(&'a [Spool]);

impl<'a> Names<'a> {
    pub fn new(spools: &'a [Spool]) -> Self {
        Names(spools)
    }

    /// `file`, or the input's name when it is a copy.
    pub fn fix(&self, file: &mut Arc<str>) {
        if let Some(s) = self.0.iter().find(|s| s.spool_name == **file) {
            *file = s.name.clone();
        }
    }
}

/// Pass 1: the LimitRanges and the Dockerfiles of the input, in input order.
pub(crate) fn prepass(
    paths: &[PathBuf],
    opts: &ReadOptions,
    names: &Names,
) -> (Vec<LimitRange>, Vec<DockerImageSpec>) {
    let opts = ReadOptions {
        only: Only::LimitRangesAndDockerfiles,
        ..opts.clone()
    };
    let (mut limit_ranges, mut dockerfiles) = (Vec::new(), Vec::new());
    read_inputs(paths, &opts, &mut |item| match item {
        Item::LimitRange(mut l) => {
            names.fix(&mut l.file);
            limit_ranges.push(l);
        }
        Item::Dockerfile(d) => dockerfiles.push(d),
        // Reported by the full pass, which reads everything again.
        Item::Error(_) | Item::Workload(_) => {}
    });
    (limit_ranges, dockerfiles)
}

/// Pass 2: distinct image repositories of the input's containers, counted up to 2 (all that
/// Dockerfile matching needs to know).
pub(crate) fn count_repositories(paths: &[PathBuf], opts: &ReadOptions) -> usize {
    let mut repositories = HashSet::new();
    read_inputs_until(paths, opts, &mut |item| {
        if let Item::Workload(w) = item {
            add_repositories(&w, &mut repositories);
            if repositories.len() > 1 {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    repositories.len()
}
