//! Sampling a live memory cgroup at a fixed interval, as `oomdoc trend --cgroup-dir DIR --every 1s
//! --for 10m` does on a node. Reading the files is thin ([`read_files`]); turning their text
//! into a [`Reading`] is pure ([`reading_v1`], [`reading_v2`]).
//!
//! Components, so that each byte is counted once:
//! - usage: v1 `memory.usage_in_bytes` (includes kernel memory), v2 `memory.current`;
//! - working set: usage minus `inactive_file` (`total_inactive_file` in v1), as the kubelet and
//!   cAdvisor compute it;
//! - rss: v1 stat `rss` (`total_rss`), v2 `anon` (neither includes shmem);
//! - cache: v1 `cache`, v2 `file`, *minus shmem* (both count tmpfs pages as cache);
//! - shmem: stat `shmem`;
//! - swap: v1 stat `swap` (with swap accounting), v2 `memory.swap.current`;
//! - kernel: v1 `memory.kmem.usage_in_bytes`; v2 stat `kernel` (5.18+), else
//!   `kernel_stack + slab + sock + pagetables + percpu`;
//! - limit: v1 `memory.limit_in_bytes`, v2 `memory.max` (`max` and the v1 "unlimited" value are
//!   no limit).

use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oomdoc_series::{Component, Input, SeriesBuilder};

use crate::collect::UNLIMITED;
use crate::files::{read_small_text, MAX_CGROUP_FILE};
use crate::timestamp::format_rfc3339;

pub use oomdoc_model::cgroup::CgroupVersion;

/// One sample of every component, in bytes; `None` where the kernel does not report it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Reading {
    /// Seconds since the epoch.
    pub t: f64,
    /// Total charged.
    pub usage: Option<f64>,
    /// Usage minus inactive file pages.
    pub working_set: Option<f64>,
    /// Anonymous memory.
    pub rss: Option<f64>,
    /// Page cache without shmem.
    pub cache: Option<f64>,
    /// Shared memory and tmpfs.
    pub shmem: Option<f64>,
    /// Swap.
    pub swap: Option<f64>,
    /// Kernel memory.
    pub kernel: Option<f64>,
    /// The limit, if any.
    pub limit: Option<f64>,
}

/// The columns of a record file, in order: the CSV reader maps each title back to its component.
pub const COLUMNS: [(&str, Component); 7] = [
    ("usage", Component::Usage),
    ("working_set", Component::WorkingSet),
    ("rss", Component::Rss),
    ("cache", Component::Cache),
    ("shmem", Component::Shmem),
    ("swap", Component::Swap),
    ("kernel", Component::Kernel),
];

impl Reading {
    fn values(&self) -> [Option<f64>; 7] {
        [
            self.usage,
            self.working_set,
            self.rss,
            self.cache,
            self.shmem,
            self.swap,
            self.kernel,
        ]
    }
}

/// The version of a memory cgroup directory, from the files in it.
pub fn detect_version(dir: &Path) -> io::Result<CgroupVersion> {
    if dir.join("memory.usage_in_bytes").exists() {
        Ok(CgroupVersion::V1)
    } else if dir.join("memory.current").exists() {
        Ok(CgroupVersion::V2)
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} is not a memory cgroup (no memory.usage_in_bytes or memory.current)",
                dir.display()
            ),
        ))
    }
}

/// `key value` lines of a `memory.stat` file.
pub fn stat_value(stat: &str, key: &str) -> Option<f64> {
    stat.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse::<f64>().ok()).flatten()
    })
}

fn num(s: Option<&str>) -> Option<f64> {
    s.and_then(|s| s.trim().parse::<f64>().ok())
}

fn limit(v: Option<f64>) -> Option<f64> {
    v.filter(|&l| l > 0.0 && l < UNLIMITED)
}

/// A v1 reading from the files' text: `memory.usage_in_bytes`, `memory.stat`,
/// `memory.kmem.usage_in_bytes`, `memory.limit_in_bytes`.
pub fn reading_v1(
    t: f64,
    usage: Option<&str>,
    stat: &str,
    kmem: Option<&str>,
    limit_s: Option<&str>,
) -> Reading {
    // A nested cgroup's own `rss`/`cache` leave out its children; `total_*` include them.
    let st = |k: &str| stat_value(stat, &format!("total_{k}")).or_else(|| stat_value(stat, k));
    let usage = num(usage);
    let shmem = st("shmem");
    Reading {
        t,
        usage,
        working_set: usage.map(|u| (u - st("inactive_file").unwrap_or(0.0)).max(0.0)),
        rss: st("rss"),
        cache: st("cache").map(|c| (c - shmem.unwrap_or(0.0)).max(0.0)),
        shmem,
        swap: st("swap"),
        kernel: num(kmem),
        limit: limit(num(limit_s)),
    }
}

/// A v2 reading from the files' text: `memory.current`, `memory.stat`, `memory.swap.current`,
/// `memory.max`.
pub fn reading_v2(
    t: f64,
    current: Option<&str>,
    stat: &str,
    swap: Option<&str>,
    max: Option<&str>,
) -> Reading {
    let usage = num(current);
    let st = |k: &str| stat_value(stat, k);
    let shmem = st("shmem");
    let kernel = st("kernel").or_else(|| {
        let parts: Vec<f64> = ["kernel_stack", "slab", "sock", "pagetables", "percpu"]
            .iter()
            .filter_map(|k| st(k))
            .collect();
        (!parts.is_empty()).then(|| parts.iter().sum())
    });
    Reading {
        t,
        usage,
        working_set: usage.map(|u| (u - st("inactive_file").unwrap_or(0.0)).max(0.0)),
        rss: st("anon"),
        cache: st("file").map(|c| (c - shmem.unwrap_or(0.0)).max(0.0)),
        shmem,
        swap: num(swap),
        kernel,
        limit: limit(num(max)),
    }
}

/// Reads a cgroup's files now, each a regular file of at most [`MAX_CGROUP_FILE`] bytes (a FIFO
/// in their place hung the read, a huge file was read whole). A file that cannot be read is
/// left out of the reading, except `memory.stat` and a file refused for what it is.
pub fn read_files(dir: &Path, version: CgroupVersion) -> io::Result<Reading> {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let get = |f: &str| match read_small_text(&dir.join(f), MAX_CGROUP_FILE) {
        Ok(s) => Ok(Some(s)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
            ) =>
        {
            Err(e)
        }
        Err(_) => Ok(None),
    };
    let stat = read_small_text(&dir.join("memory.stat"), MAX_CGROUP_FILE)?;
    Ok(match version {
        CgroupVersion::V1 => reading_v1(
            t,
            get("memory.usage_in_bytes")?.as_deref(),
            &stat,
            get("memory.kmem.usage_in_bytes")?.as_deref(),
            get("memory.limit_in_bytes")?.as_deref(),
        ),
        CgroupVersion::V2 => reading_v2(
            t,
            get("memory.current")?.as_deref(),
            &stat,
            get("memory.swap.current")?.as_deref(),
            get("memory.max")?.as_deref(),
        ),
    })
}

/// The header of a record file: the CSV reader reads it back (titles map to components, the
/// unit is bytes).
pub fn record_header() -> String {
    let mut h = String::from("time");
    for (n, _) in COLUMNS {
        h.push_str(&format!(",{n} (bytes)"));
    }
    h.push_str(",limit (bytes)\n");
    h
}

/// One record row: RFC 3339 time, then bytes (empty where not reported).
pub fn record_row(r: &Reading) -> String {
    let mut row = format_rfc3339(r.t);
    for v in r.values().into_iter().chain([r.limit]) {
        row.push(',');
        if let Some(v) = v {
            row.push_str(&format!("{v:.0}"));
        }
    }
    row.push('\n');
    row
}

/// Collects readings into series.
pub struct Recorder {
    builders: Vec<SeriesBuilder>,
    limit: SeriesBuilder,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            builders: COLUMNS
                .iter()
                .map(|(n, c)| SeriesBuilder::new(*n, *c))
                .collect(),
            limit: SeriesBuilder::new("limit", Component::Usage),
        }
    }
}

impl Recorder {
    /// Adds a reading.
    pub fn push(&mut self, r: &Reading) {
        for (b, v) in self.builders.iter_mut().zip(r.values()) {
            if let Some(v) = v {
                b.push(r.t, v);
            }
        }
        if let Some(l) = r.limit {
            self.limit.push(r.t, l);
        }
    }

    /// The input: series that had values (swap is left out while it stays zero).
    pub fn finish(self) -> Input {
        let series = self
            .builders
            .into_iter()
            .filter(|b| !b.is_empty())
            .map(SeriesBuilder::finish)
            .filter(|s| s.component != Component::Swap || s.samples.iter().any(|x| x.v > 0.0))
            .collect();
        Input {
            series,
            limit_series: (!self.limit.is_empty()).then(|| self.limit.finish()),
            ..Input::default()
        }
    }
}

/// Samples `dir` every `every` for `total` (at least one sample), writing each row to `record`
/// and flushing it as it goes. `on_sample` sees every reading (progress output) and says whether
/// to go on (false: stop now, as on Ctrl-C, and return what was read).
pub fn sample(
    dir: &Path,
    every: Duration,
    total: Duration,
    mut record: Option<&mut dyn Write>,
    on_sample: &mut dyn FnMut(&Reading) -> bool,
) -> io::Result<Input> {
    let version = detect_version(dir)?;
    let mut rec = Recorder::default();
    if let Some(w) = record.as_deref_mut() {
        w.write_all(record_header().as_bytes())?;
        w.flush()?;
    }
    let start = Instant::now();
    let mut n: u32 = 0;
    loop {
        let r = read_files(dir, version)?;
        rec.push(&r);
        let go_on = on_sample(&r);
        if let Some(w) = record.as_deref_mut() {
            w.write_all(record_row(&r).as_bytes())?;
            w.flush()?;
        }
        if !go_on {
            break;
        }
        n += 1;
        // A fixed schedule from the start: the interval does not drift with read time.
        let next = every.checked_mul(n).unwrap_or(Duration::MAX);
        if every.is_zero() || next > total {
            break;
        }
        if let Some(wait) = next.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    Ok(rec.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1_STAT: &str = "cache 10485760\nrss 20971520\nshmem 4194304\nswap 0\ninactive_file 2097152\ntotal_cache 10485760\ntotal_rss 20971520\ntotal_shmem 4194304\ntotal_swap 0\ntotal_inactive_file 2097152\n";

    #[test]
    fn v1() {
        let r = reading_v1(
            1.0,
            Some("40000000\n"),
            V1_STAT,
            Some("1000000\n"),
            Some("9223372036854771712\n"),
        );
        assert_eq!(r.usage, Some(40000000.0));
        assert_eq!(r.working_set, Some(40000000.0 - 2097152.0));
        assert_eq!(r.rss, Some(20971520.0));
        assert_eq!(r.cache, Some(10485760.0 - 4194304.0));
        assert_eq!(r.shmem, Some(4194304.0));
        assert_eq!(r.kernel, Some(1000000.0));
        assert_eq!(r.limit, None, "unlimited");
    }

    #[test]
    fn v2_kernel_from_parts_or_total() {
        let stat = "anon 100\nfile 50\nkernel_stack 4\nslab 10\nsock 1\npagetables 2\nshmem 20\ninactive_file 5\n";
        let r = reading_v2(1.0, Some("200"), stat, Some("0"), Some("max\n"));
        assert_eq!(
            (r.rss, r.cache, r.shmem, r.kernel),
            (Some(100.0), Some(30.0), Some(20.0), Some(17.0))
        );
        assert_eq!(r.working_set, Some(195.0));
        assert_eq!(r.limit, None);
        let r = reading_v2(
            1.0,
            Some("200"),
            "kernel 99\nslab 10\n",
            None,
            Some("1073741824"),
        );
        assert_eq!(r.kernel, Some(99.0));
        assert_eq!(r.limit, Some(1073741824.0));
    }

    #[test]
    fn record_rows_read_back() {
        let r = reading_v1(
            1714557600.5,
            Some("40000000"),
            V1_STAT,
            None,
            Some("536870912"),
        );
        let text = format!("{}{}", record_header(), record_row(&r));
        let mut c = crate::Collector::new();
        crate::csv::read_csv(text.as_bytes(), "rec.csv", &Default::default(), &mut c).unwrap();
        let l = c.finish("rec").unwrap();
        let comps: Vec<Component> = l.input.series.iter().map(|s| s.component).collect();
        assert_eq!(
            comps,
            vec![
                Component::Usage,
                Component::WorkingSet,
                Component::Rss,
                Component::Cache,
                Component::Shmem
            ],
            "swap at zero is left out"
        );
        assert_eq!(l.input.series[0].samples[0].t, 1714557600.5);
        assert_eq!(l.input.series[2].samples[0].v, 20971520.0);
        assert_eq!(l.input.limit_series.unwrap().samples[0].v, 536870912.0);
    }

    /// A cgroup directory whose `memory.stat` (or `memory.current`) is a FIFO, or a device: an
    /// error naming it, at once (the read waited for a writer forever).
    #[test]
    fn a_fifo_or_device_in_a_cgroup_dir_is_refused_without_waiting() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("memory.current"), "100\n").unwrap();
        std::fs::write(d.path().join("memory.max"), "max\n").unwrap();
        let fifo = d.path().join("memory.stat");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo (coreutils) is needed"
        );
        let dir = d.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_files(&dir, CgroupVersion::V2).map(|_| ()));
        });
        let r = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("no answer within 10 s: hung");
        let e = r.unwrap_err();
        assert!(
            e.to_string().ends_with("memory.stat is not a regular file"),
            "{e}"
        );
        // An optional file that is a device is refused too, not read without end.
        std::fs::remove_file(&fifo).unwrap();
        std::fs::write(&fifo, "anon 1\n").unwrap();
        std::os::unix::fs::symlink("/dev/zero", d.path().join("memory.swap.current")).unwrap();
        let e = read_files(d.path(), CgroupVersion::V2).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("memory.swap.current is not a regular file"),
            "{e}"
        );
        std::fs::remove_file(d.path().join("memory.swap.current")).unwrap();
        std::fs::write(
            d.path().join("memory.max"),
            "9".repeat(MAX_CGROUP_FILE as usize + 1),
        )
        .unwrap();
        let e = read_files(d.path(), CgroupVersion::V2).unwrap_err();
        assert!(
            e.to_string().contains("memory.max is longer than 1Mi"),
            "{e}"
        );
        std::fs::write(d.path().join("memory.max"), "max\n").unwrap();
        assert_eq!(
            read_files(d.path(), CgroupVersion::V2).unwrap().usage,
            Some(100.0)
        );
    }
}
