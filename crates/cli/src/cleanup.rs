//! Temporary files that must not outlive oomdoc when it is ended by SIGINT, SIGTERM or SIGHUP:
//! the copy of stdin `audit -` reads twice, the files `trend --svg/--html/--record` write beside
//! their targets. Rust's destructors (and so `tempfile`'s removal) do not run when a signal ends
//! the process; this registry does the removal instead, then exits with 128 + the signal number
//! (130 for Ctrl-C, 143 for SIGTERM), as a shell reports a process ended by a signal.
//!
//! The handlers are installed the first time something is registered, so commands that create no
//! temporary file keep the default signal behaviour. A dedicated thread waits for the signals
//! (`signal_hook::iterator`): the work (locking the registry, removing files) is not
//! async-signal-safe, so it is not done in the handler itself. The handler restarts interrupted
//! system calls, so a read of stdin blocked at the signal carries on until the thread exits.
//!
//! A recording (`--record`) is not removed but renamed into place: it is written a row at a time
//! and flushed after each, so it holds whole rows, the samples read until the signal (`timeout
//! 10m oomdoc trend ... --record x.csv` ends with SIGTERM; the recording is what it is for).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// What becomes of a registered file when a signal ends oomdoc.
#[derive(Debug)]
pub(crate) enum OnSignal {
    /// Removed.
    Remove,
    /// Renamed to this path (a recording holding whole rows); removed if that fails.
    RenameTo(PathBuf),
}

struct Entry {
    id: u64,
    path: PathBuf,
    on_signal: OnSignal,
}

struct State {
    next_id: u64,
    entries: Vec<Entry>,
    /// Set by the first Ctrl-C instead of exiting (`trend --cgroup-dir` stops sampling).
    interrupt: Option<Arc<AtomicBool>>,
}

static STATE: Mutex<State> = Mutex::new(State {
    next_id: 0,
    entries: Vec::new(),
    interrupt: None,
});

static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

fn state() -> MutexGuard<'static, State> {
    // A panic elsewhere while holding the lock leaves the list as valid as before.
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Installs the handlers and their thread, once.
fn install() -> io::Result<()> {
    INSTALLED
        .get_or_init(|| {
            let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])
                .map_err(|e| format!("cannot handle signals: {e}"))?;
            std::thread::Builder::new()
                .name("oomdoc-signals".into())
                .spawn(move || {
                    for sig in signals.forever() {
                        on_signal(sig);
                    }
                })
                .map_err(|e| format!("cannot start the signal thread: {e}"))?;
            Ok(())
        })
        .clone()
        .map_err(io::Error::other)
}

fn on_signal(sig: i32) {
    // Held until the exit: nothing is registered (no file created) after the list is emptied.
    let mut st = state();
    if sig == SIGINT {
        if let Some(flag) = &st.interrupt {
            // The first Ctrl-C asks the command to stop; a second one exits at once.
            if !flag.swap(true, Ordering::SeqCst) {
                return;
            }
        }
    }
    for e in st.entries.drain(..) {
        match e.on_signal {
            OnSignal::Remove => {
                let _ = std::fs::remove_file(&e.path);
            }
            OnSignal::RenameTo(target) => match std::fs::rename(&e.path, &target) {
                Ok(()) => eprintln!(
                    "oomdoc: wrote {} (what was recorded until the signal)",
                    target.display()
                ),
                Err(_) => {
                    let _ = std::fs::remove_file(&e.path);
                }
            },
        }
    }
    std::process::exit(128 + sig);
}

/// A registered file: unregistered when dropped. Drop it after the file is removed or renamed
/// into place (a signal in between finds no file at the path: nothing happens).
#[must_use = "the file is unregistered when this is dropped"]
pub(crate) struct Registration(u64);

impl Drop for Registration {
    fn drop(&mut self) {
        state().entries.retain(|e| e.id != self.0);
    }
}

/// Creates a temporary file in `dir` with `builder`, registered to be dealt with as `on_signal`
/// says if a signal ends oomdoc. Created under the registry's lock, so a signal arriving at any
/// moment either ends oomdoc before the file exists or finds it registered.
pub(crate) fn tempfile_in(
    builder: &tempfile::Builder,
    dir: &Path,
    on_signal: OnSignal,
) -> io::Result<(tempfile::NamedTempFile, Registration)> {
    install()?;
    let mut st = state();
    let file = builder.tempfile_in(dir)?;
    st.next_id += 1;
    let id = st.next_id;
    st.entries.push(Entry {
        id,
        path: file.path().to_path_buf(),
        on_signal,
    });
    Ok((file, Registration(id)))
}

/// While the returned guard lives, the first Ctrl-C sets `flag` instead of ending oomdoc (a
/// second one ends it, dealing with the registered files first).
#[must_use = "Ctrl-C ends oomdoc again when this is dropped"]
pub(crate) struct InterruptGuard(());

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        state().interrupt = None;
    }
}

/// Makes the first Ctrl-C set `flag` (see [`InterruptGuard`]).
pub(crate) fn interrupt_sets(flag: Arc<AtomicBool>) -> io::Result<InterruptGuard> {
    install()?;
    state().interrupt = Some(flag);
    Ok(InterruptGuard(()))
}
