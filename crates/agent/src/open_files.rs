//! The memory files of the node's cgroups, kept open between sampling passes and read again from
//! offset 0 (`pread`), which makes the kernel regenerate their text.
//!
//! Opening a cgroup file costs the kernel as much as reading it; keeping them open halves a
//! pass (measured: 16 µs for open, read and close of `memory.stat` against 8.6 µs for a
//! `pread`). A cgroup that is removed answers reads with an error: its files are closed and it
//! is reported gone. Open files are capped below the process's file limit; past the cap, files
//! are opened for each read as before.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::components::CgroupFiles;
use crate::discover::MAX_FILE;
use oomdoc_model::cgroup::CgroupVersion;

/// File descriptors left for everything else (HTTP connections, the kernel log, /proc).
const RESERVED_FDS: u64 = 256;

/// One cgroup's open files: `memory.stat`, usage, limit, v1 kernel memory.
struct Handles([Option<File>; 4]);

/// The open files of every cgroup sampled.
pub struct OpenCgroups {
    layout: CgroupVersion,
    by_dir: HashMap<PathBuf, Handles>,
    open: u64,
    max_open: u64,
    buf: Vec<u8>,
}

/// Raises the soft limit on open files to the hard limit and returns how many this module may
/// keep open.
pub fn file_budget() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut l = getrlimit(Resource::Nofile);
    if l.current < l.maximum {
        l.current = l.maximum;
        let _ = setrlimit(Resource::Nofile, l);
    }
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(1 << 20);
    soft.saturating_sub(RESERVED_FDS).min(1 << 20)
}

impl OpenCgroups {
    /// Files of a hierarchy of `layout`, keeping at most `max_open` open.
    pub fn new(layout: CgroupVersion, max_open: u64) -> OpenCgroups {
        OpenCgroups {
            layout,
            by_dir: HashMap::new(),
            open: 0,
            max_open,
            buf: vec![0; 8192],
        }
    }

    /// The names of the files read: with `detail` (a container) `memory.stat` and v1's kernel
    /// memory too; a pod needs only its usage and limit.
    fn names(&self, detail: bool) -> [Option<&'static str>; 4] {
        let (usage, limit) = match self.layout {
            CgroupVersion::V1 => ("memory.usage_in_bytes", "memory.limit_in_bytes"),
            CgroupVersion::V2 => ("memory.current", "memory.max"),
        };
        [
            detail.then_some("memory.stat"),
            Some(usage),
            Some(limit),
            (detail && self.layout == CgroupVersion::V1).then_some("memory.kmem.usage_in_bytes"),
        ]
    }

    /// The files of the cgroup at `dir`; `None` when it is gone.
    pub fn read(&mut self, dir: &Path, detail: bool) -> Option<CgroupFiles> {
        if !self.by_dir.contains_key(dir) {
            let h = self.open_all(dir, detail)?;
            let n = h.0.iter().flatten().count() as u64;
            if self.open + n > self.max_open {
                // Over the budget: read these once and let them close.
                return Some(self.read_handles(&h));
            }
            self.open += n;
            self.by_dir.insert(dir.to_path_buf(), h);
        }
        let h = self.by_dir.remove(dir)?;
        let files = self.read_handles(&h);
        if files.usage.is_none() && files.limit.is_none() {
            self.open -= h.0.iter().flatten().count() as u64;
            return None;
        }
        self.by_dir.insert(dir.to_path_buf(), h);
        Some(files)
    }

    fn open_all(&self, dir: &Path, detail: bool) -> Option<Handles> {
        let d = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()?;
        let open = |name: Option<&str>| {
            let fd = rustix::fs::openat(&d, name?, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty());
            fd.ok().map(File::from)
        };
        let names = self.names(detail);
        Some(Handles(names.map(open)))
    }

    fn read_handles(&mut self, h: &Handles) -> CgroupFiles {
        let mut text =
            h.0.each_ref()
                .map(|f| f.as_ref().and_then(|f| self.pread(f)));
        CgroupFiles {
            stat: text[0].take(),
            usage: text[1].take(),
            limit: text[2].take(),
            kmem: text[3].take(),
        }
    }

    /// The whole text of `f`, read from offset 0.
    fn pread(&mut self, f: &File) -> Option<String> {
        let mut n = 0;
        loop {
            let k = f.read_at(&mut self.buf[n..], n as u64).ok()?;
            n += k;
            if k == 0 || n < self.buf.len() {
                break;
            }
            if self.buf.len() as u64 >= MAX_FILE {
                break;
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        std::str::from_utf8(&self.buf[..n]).ok().map(str::to_string)
    }

    /// Closes the files of cgroups not in `live`.
    pub fn retain(&mut self, live: &HashSet<&Path>) {
        let mut closed = 0;
        self.by_dir.retain(|d, h| {
            let keep = live.contains(d.as_path());
            if !keep {
                closed += h.0.iter().flatten().count() as u64;
            }
            keep
        });
        self.open -= closed;
    }

    /// Files held open.
    pub fn open_files(&self) -> u64 {
        self.open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_again_from_the_start_and_gone_cgroups_close() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("c");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("memory.stat"), "anon 1\n").unwrap();
        std::fs::write(d.join("memory.current"), "100\n").unwrap();
        std::fs::write(d.join("memory.max"), "max\n").unwrap();
        let mut o = OpenCgroups::new(CgroupVersion::V2, 10);
        let f = o.read(&d, true).unwrap();
        assert_eq!(f.stat.as_deref(), Some("anon 1\n"));
        assert_eq!(o.open_files(), 3);
        std::fs::write(d.join("memory.current"), "200\n").unwrap();
        assert_eq!(o.read(&d, true).unwrap().usage.as_deref(), Some("200\n"));
        // A pod: usage and limit only.
        let p = o.read(&d, false);
        assert_eq!(
            p.unwrap().stat.as_deref(),
            Some("anon 1\n"),
            "cached handles are reused"
        );
        o.retain(&HashSet::new());
        assert_eq!(o.open_files(), 0);
        assert!(o.read(&t.path().join("gone"), true).is_none());
        // Over the budget: read, not kept.
        let mut small = OpenCgroups::new(CgroupVersion::V2, 2);
        assert!(small.read(&d, true).is_some());
        assert_eq!(small.open_files(), 0);
    }
}
