//! Files oomdoc writes on the user's behalf (`trend --svg`, `--html`, `--record`), written safely:
//!
//! - checked before any work is done ([`check_outputs`]): never an input of the same run (by
//!   path, by symbolic link, by hard link: canonical path and device and inode), never two
//!   outputs in one file, never a directory, a device, a FIFO or a socket, and not a symbolic
//!   link unless `--force` (the link is then replaced by a regular file, never followed);
//! - written to a temporary file beside the target and renamed over it when complete
//!   ([`OutputFile`]): the target holds the old content or the new, never a part; an existing
//!   target's permissions (and, where allowed, owner) are kept, a new one gets 0666 less the umask
//!   as any created file does;
//! - the temporary file is removed on an error, a panic, and SIGINT/SIGTERM/SIGHUP
//!   ([`crate::cleanup`]); a recording is renamed into place on those signals instead.

use std::fs::{self, Metadata, Permissions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::cleanup::{self, OnSignal, Registration};

/// How a path is known, to tell whether two paths name one file.
struct Identity {
    /// The directory resolved, the last component as given (a link is itself, not its target).
    as_named: Option<PathBuf>,
    /// Every link resolved (existing files only).
    canonical: Option<PathBuf>,
    /// Device and inode (existing files only; also catches hard links).
    dev_ino: Option<(u64, u64)>,
}

impl Identity {
    fn of(path: &Path) -> Identity {
        let as_named = path.file_name().and_then(|name| {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            fs::canonicalize(parent).ok().map(|p| p.join(name))
        });
        Identity {
            as_named,
            canonical: fs::canonicalize(path).ok(),
            dev_ino: fs::metadata(path).ok().as_ref().map(dev_ino),
        }
    }

    /// Standard input: only its device and inode (`oomdoc trend - --svg x.csv < x.csv`).
    fn stdin() -> Identity {
        use std::os::fd::AsFd;
        let dev_ino = io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .and_then(|fd| fs::File::from(fd).metadata())
            .ok()
            .as_ref()
            .map(dev_ino);
        Identity {
            as_named: None,
            canonical: None,
            dev_ino,
        }
    }

    fn same(&self, other: &Identity) -> bool {
        fn eq<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            matches!((a, b), (Some(a), Some(b)) if a == b)
        }
        eq(&self.as_named, &other.as_named)
            || eq(&self.canonical, &other.canonical)
            || eq(&self.as_named, &other.canonical)
            || eq(&self.canonical, &other.as_named)
            || eq(&self.dev_ino, &other.dev_ino)
    }
}

fn dev_ino(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// Refuses what cannot be written over: see the module's documentation. `outputs` are
/// (flag, path); `inputs` every file the run reads (`-` is stdin). Call it before reading.
pub(crate) fn check_outputs(
    outputs: &[(&str, &Path)],
    inputs: &[&Path],
    force: bool,
) -> anyhow::Result<()> {
    let inputs: Vec<(&Path, Identity)> = inputs
        .iter()
        .map(|p| {
            let id = if p.as_os_str() == "-" {
                Identity::stdin()
            } else {
                Identity::of(p)
            };
            (*p, id)
        })
        .collect();
    let mut seen: Vec<(&str, &Path, Identity)> = Vec::new();
    for &(flag, path) in outputs {
        check_kind(flag, path, force)?;
        let id = Identity::of(path);
        if let Some((input, _)) = inputs.iter().find(|(_, i)| i.same(&id)) {
            let input = if input.as_os_str() == "-" {
                "standard input".to_string()
            } else {
                input.display().to_string()
            };
            bail!(
                "{flag} {} would overwrite {input}, an input of this run: choose another file",
                path.display()
            );
        }
        if let Some((other, other_path, _)) = seen.iter().find(|(_, _, i)| i.same(&id)) {
            bail!(
                "{other} {} and {flag} {} name the same file: give each its own",
                other_path.display(),
                path.display()
            );
        }
        seen.push((flag, path, id));
    }
    Ok(())
}

/// What the target is: nothing yet or a regular file (fine), a symbolic link (only with
/// `force`), anything else (refused).
fn check_kind(flag: &str, path: &Path, force: bool) -> anyhow::Result<()> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        bail!("{flag}: the file name is empty");
    }
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            if !force {
                let to = fs::read_link(path).map_or(String::new(), |t| format!(" to {}", t.display()));
                bail!(
                    "{flag} {shown} is a symbolic link{to}: oomdoc writes a new file and renames it into place, which would replace the link, not write where it points; give the file it points to, or add --force to replace the link"
                );
            }
        }
        Ok(m) if m.is_dir() => bail!("{flag} {shown} is a directory: give a file name"),
        Ok(m) if !m.is_file() => bail!(
            "{flag} {shown} is not a regular file (a device, FIFO or socket): oomdoc writes only regular files"
        ),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let dir = dir_of(path);
            if !dir.is_dir() {
                bail!(
                    "{flag} {shown}: the directory {} does not exist",
                    dir.display()
                );
            }
        }
        Err(e) => bail!("{flag} {shown}: {e}"),
    }
    Ok(())
}

/// The directory a path's file is in (`.` for a bare name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A file being written: a temporary file beside the target until [`OutputFile::commit`] renames
/// it over the target. Dropped without a commit, the temporary file is removed and the target is
/// as it was. Writes are buffered; the first failed write is remembered and makes the commit fail.
pub(crate) struct OutputFile {
    flag: &'static str,
    target: PathBuf,
    force: bool,
    // Declared before the registration: the file is removed before it is unregistered.
    out: BufWriter<tempfile::NamedTempFile>,
    /// The first write error, which makes the commit fail.
    failed: Option<String>,
    _cleanup: Registration,
}

impl OutputFile {
    /// Starts writing `target` (for `flag`, in messages), checked as [`check_outputs`] does
    /// (again: a long run may have passed since). `keep_on_signal`: a signal renames what was
    /// written into place (a recording made of whole, flushed rows) instead of removing it.
    pub fn create(
        flag: &'static str,
        target: &Path,
        force: bool,
        keep_on_signal: bool,
    ) -> anyhow::Result<OutputFile> {
        check_kind(flag, target, force)?;
        let existing = fs::symlink_metadata(target).ok().filter(Metadata::is_file);
        // Created no wider than the old file (0666 less the umask for a new one), then set to
        // the old file's exact mode below.
        let mode = existing.as_ref().map_or(0o666, |m| m.mode() & 0o777);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A hidden name that says whose it is; cut to stay under NAME_MAX with the random part.
        let short: String = name.chars().take(100).collect();
        let prefix = format!(".{short}.");
        let mut builder = tempfile::Builder::new();
        builder
            .prefix(&prefix)
            .suffix(".oomdoc-tmp")
            .permissions(Permissions::from_mode(mode));
        let on_signal = if keep_on_signal {
            OnSignal::RenameTo(target.to_path_buf())
        } else {
            OnSignal::Remove
        };
        let (file, registration) = cleanup::tempfile_in(&builder, dir_of(target), on_signal)
            .with_context(|| {
                format!(
                    "{flag} {}: cannot create a temporary file in {} to write it (is the directory writable?)",
                    target.display(),
                    dir_of(target).display()
                )
            })?;
        if let Some(m) = &existing {
            // Best effort: only root may give a file away; a group the user is in may be kept.
            let _ = std::os::unix::fs::fchown(file.as_file(), Some(m.uid()), Some(m.gid()));
            file.as_file()
                .set_permissions(Permissions::from_mode(mode))
                .with_context(|| format!("{flag} {}: cannot set permissions", target.display()))?;
        }
        Ok(OutputFile {
            flag,
            target: target.to_path_buf(),
            force,
            out: BufWriter::with_capacity(1 << 16, file),
            failed: None,
            _cleanup: registration,
        })
    }

    /// The target's path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes the buffered rest, syncs it to disk and renames it over the target.
    pub fn commit(self) -> anyhow::Result<()> {
        let OutputFile {
            flag,
            target,
            force,
            out,
            failed,
            _cleanup,
        } = self;
        let what = || format!("cannot write {flag} {}", target.display());
        if let Some(e) = failed {
            bail!("{}: {e}", what());
        }
        let file = out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(what)?;
        file.as_file().sync_all().with_context(what)?;
        // What the target became meanwhile (a directory, a link): refused as at the start.
        check_kind(flag, &target, force)?;
        file.persist(&target)
            .map_err(|e| e.error)
            .with_context(what)?;
        eprintln!("oomdoc: wrote {}", target.display());
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.out.write(buf);
        self.note(&r);
        r
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.out.flush();
        self.note(&r);
        r
    }
}

impl OutputFile {
    fn note<T>(&mut self, r: &io::Result<T>) {
        if let (Err(e), None) = (r, &self.failed) {
            self.failed = Some(e.to_string());
        }
    }
}
