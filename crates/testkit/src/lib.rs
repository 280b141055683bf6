//! Test support: [`fake_api`], a misbehaving HTTP server; and, for the suites that make real incidents on this machine (crates/cli
//! `real_incidents`, crates/metrics `real_cgroup`, crates/jvm `real_jvm`): a child of the process's own cgroup v1 memory
//! cgroup with a limit, workloads moved into it with `echo $$ > cgroup.procs; exec ...`, and
//! removal on drop (killing anything left inside first). See DEVELOPERS.md.
//!
//! Callers [`skip()`] when [`MemoryCgroup::create`] returns an error: not root, no cgroup v1
//! memory controller, or no permission.

pub mod fake_api;
pub mod skip;

pub use skip::{real, require_real, shared_dir, shared_or_skip, skip};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A child memory cgroup, removed on drop.
pub struct MemoryCgroup {
    dir: PathBuf,
    name: String,
}

impl MemoryCgroup {
    /// Makes `oomdoc-<tag>-<pid>-<n>-<nanos>` under the process's own memory cgroup, with
    /// `memory.limit_in_bytes` (and `memory.memsw.limit_in_bytes` where present, so that the kill
    /// comes at the limit, not after swapping) set to `limit` (none: unlimited), and swappiness 0.
    pub fn create(tag: &str, limit: Option<u64>) -> Result<Self, String> {
        if !is_root() {
            return Err("not root".into());
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!(
            "oomdoc-{tag}-{}-{}-{nanos}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        let dir = own_memory_cgroup()?.join(&name);
        fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let cg = MemoryCgroup { dir, name };
        let _ = fs::write(cg.file("memory.swappiness"), "0");
        if let Some(limit) = limit {
            fs::write(cg.file("memory.limit_in_bytes"), limit.to_string())
                .map_err(|e| format!("cannot set memory.limit_in_bytes: {e}"))?;
            if cg.file("memory.memsw.limit_in_bytes").exists() {
                let _ = fs::write(cg.file("memory.memsw.limit_in_bytes"), limit.to_string());
            }
        }
        Ok(cg)
    }

    /// The cgroup's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cgroup's name (its last path segment), as kernel reports print it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A file of the cgroup (`memory.stat`).
    pub fn file(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    /// OOM kills so far (`memory.oom_control` `oom_kill`).
    pub fn oom_kills(&self) -> u64 {
        fs::read_to_string(self.file("memory.oom_control"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("oom_kill "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    /// The memory files as `cd <cgroup> && grep . memory.*` prints them.
    pub fn grep_memory_files(&self) -> String {
        let out = Command::new("sh")
            .arg("-c")
            .arg("grep . memory.* 2>/dev/null")
            .current_dir(&self.dir)
            .output()
            .expect("grep");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `argv` to be run inside the cgroup, with the JVM option variables a developer may have
    /// set removed; stdin is null.
    pub fn command(&self, argv: &[&str]) -> Command {
        let script = format!(
            "echo $$ > '{}' && exec \"$@\"",
            self.file("cgroup.procs").display()
        );
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(script)
            .arg("sh")
            .args(argv)
            .env_remove("JAVA_TOOL_OPTIONS")
            .env_remove("JDK_JAVA_OPTIONS")
            .env_remove("_JAVA_OPTIONS")
            .stdin(Stdio::null());
        c
    }

    /// Starts `argv` inside the cgroup (stdout discarded, stderr piped) and waits until it is in.
    pub fn spawn(&self, argv: &[&str]) -> Child {
        let child = self
            .command(argv)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if fs::read_to_string(self.file("cgroup.procs")).is_ok_and(|p| !p.trim().is_empty()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child
    }

    /// Runs `argv` inside the cgroup to its end, killed after `timeout`; stdout and stderr kept.
    pub fn run(&self, argv: &[&str], timeout: Duration) -> Output {
        let child = self
            .command(argv)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let pid = child.id();
        let done = Arc::new(AtomicBool::new(false));
        let d = done.clone();
        let watchdog = std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < timeout {
                if d.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            eprintln!("timeout: killing pid {pid}");
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        });
        let out = child.wait_with_output().expect("wait");
        done.store(true, Ordering::SeqCst);
        let _ = watchdog.join();
        out
    }
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        for _ in 0..100 {
            if let Ok(procs) = fs::read_to_string(self.file("cgroup.procs")) {
                for p in procs.split_whitespace() {
                    let _ = Command::new("kill").args(["-9", p]).status();
                }
            }
            if fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("could not remove {}", self.dir.display());
    }
}

/// The process's own cgroup v1 memory cgroup directory.
pub fn own_memory_cgroup() -> Result<PathBuf, String> {
    let own = fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let line = own
        .lines()
        .find(|l| {
            l.split(':')
                .nth(1)
                .is_some_and(|c| c.split(',').any(|c| c == "memory"))
        })
        .ok_or("no cgroup v1 memory controller in /proc/self/cgroup")?;
    let path = line.splitn(3, ':').nth(2).unwrap_or("/");
    let dir = Path::new("/sys/fs/cgroup/memory").join(path.trim_start_matches('/'));
    if !dir.join("memory.limit_in_bytes").exists() {
        return Err(format!("{} has no memory.limit_in_bytes", dir.display()));
    }
    Ok(dir)
}

/// Whether the process runs as root (effective uid 0).
pub fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|u| u.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Whether `tool arg` runs and succeeds (`java -version`).
pub fn runnable(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
