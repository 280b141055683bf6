//! Helpers: a temporary directory to write inputs into, and [`TestCommand`], which runs the real
//! built binary with a clean environment and a timeout, and checks that it never panicked.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A pod with equal memory and cpu requests and limits: Guaranteed, no finding.
pub const GUARANTEED: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: steady
spec:
  containers:
  - name: app
    image: nginx
    resources:
      limits: {memory: 1Gi, cpu: 500m}
";

/// Request below limit: only OOM005 (info).
pub const INFO_ONLY: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: bursty
spec:
  containers:
  - name: app
    resources:
      requests: {memory: 1Gi}
      limits: {memory: 2Gi}
";

/// A tmpfs without a size limit in a Guaranteed pod: only OOM007 (warning). (A request and no
/// limit is OOM001, an error since the default gate fails a container with no memory limit.)
pub const WARNING_ONLY: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: unbounded
spec:
  containers:
  - name: app
    resources:
      requests: {memory: 1Gi}
      limits: {memory: 1Gi}
  volumes:
  - name: scratch
    emptyDir: {medium: Memory}
";

/// Limit below request: OOM004 (error), at line 10 column 24.
pub const ERROR_FINDING: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: rejected
spec:
  containers:
  - name: app
    resources:
      requests: {memory: 2Gi}
      limits: {memory: 1Gi}
";

/// The `oomdoc` binary under test.
pub fn oomdoc_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_oomdoc"))
}

/// The binary for heavy inputs: the release build when it is newer than every source file (much
/// faster than a debug build), else the binary under test. Says which on stderr.
pub fn fast_bin() -> PathBuf {
    let root = workspace_root();
    let release = root.join("target/release/oomdoc");
    let fresh = std::fs::metadata(&release)
        .and_then(|m| m.modified())
        .is_ok_and(|built| newest_source(&root.join("crates")).is_some_and(|src| src <= built));
    let bin = if fresh { release } else { oomdoc_bin() };
    eprintln!("using {}", bin.display());
    bin
}

fn newest_source(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            if path.ends_with("tests") || path.ends_with("target") {
                continue;
            }
            newest_source(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(t);
    }
    newest
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A temporary directory, removed when dropped.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::Builder::new()
                .prefix("oomdoc-cli-")
                .tempdir()
                .unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `contents` to `rel` (creating parent directories); returns the full path.
    pub fn create(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.tmp.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// `oomdoc ARGS` running in this directory.
    pub fn oomdoc(&self) -> TestCommand {
        let mut c = TestCommand::new(&oomdoc_bin());
        c.cmd.current_dir(self.path());
        c
    }

    /// [`Dir::oomdoc`] under the hostile-input suites' [`ADDRESS_SPACE_CAP`].
    pub fn hostile(&self) -> TestCommand {
        let mut c = self.oomdoc();
        c.address_space(ADDRESS_SPACE_CAP);
        c
    }
}

/// Writes a command's stdin.
type StdinWriter = Box<dyn FnOnce(&mut dyn Write) + Send>;

/// A command to run: the binary under test, no colour variables from the outside, a timeout.
pub struct TestCommand {
    pub cmd: Command,
    stdin: Option<StdinWriter>,
    timeout: Duration,
}

/// The address-space cap of the hostile-input suites: whatever they feed oomdoc, it must not
/// need more than this (an allocation past it aborts the process, which [`TestCommand::run`]
/// reports as a crash).
pub const ADDRESS_SPACE_CAP: u64 = 1 << 30;

/// What a run produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident memory (VmHWM) in KiB, last seen before the process exited (Linux only).
    pub peak_rss_kib: Option<u64>,
}

impl TestCommand {
    pub fn new(bin: &Path) -> TestCommand {
        let mut cmd = Command::new(bin);
        for v in [
            "NO_COLOR",
            "CLICOLOR",
            "CLICOLOR_FORCE",
            "FORCE_COLOR",
            "TERM",
        ] {
            cmd.env_remove(v);
        }
        cmd.current_dir(workspace_root());
        TestCommand {
            cmd,
            stdin: None,
            timeout: Duration::from_secs(60),
        }
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(&mut self, arg: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.cmd.arg(arg);
        self
    }

    pub fn env(&mut self, k: &str, v: &str) -> &mut Self {
        self.cmd.env(k, v);
        self
    }

    /// `bin` under the hostile-input suites' [`ADDRESS_SPACE_CAP`].
    pub fn hostile(bin: &Path) -> TestCommand {
        let mut c = TestCommand::new(bin);
        c.address_space(ADDRESS_SPACE_CAP);
        c
    }

    /// Runs the binary with its address space capped at `bytes`, through util-linux's
    /// `prlimit` (the workspace forbids the `unsafe` a `setrlimit` in `pre_exec` would need).
    pub fn address_space(&mut self, bytes: u64) -> &mut Self {
        let mut capped = Command::new("prlimit");
        capped
            .arg(format!("--as={bytes}"))
            .arg("--")
            .arg(self.cmd.get_program())
            .args(self.cmd.get_args());
        for (k, v) in self.cmd.get_envs() {
            match v {
                Some(v) => capped.env(k, v),
                None => capped.env_remove(k),
            };
        }
        if let Some(d) = self.cmd.get_current_dir() {
            capped.current_dir(d);
        }
        self.cmd = capped;
        self
    }

    pub fn timeout(&mut self, t: Duration) -> &mut Self {
        self.timeout = t;
        self
    }

    /// Feeds `data` on stdin.
    pub fn stdin(&mut self, data: impl Into<Vec<u8>>) -> &mut Self {
        let data = data.into();
        self.stdin_with(move |w| {
            let _ = w.write_all(&data);
        })
    }

    /// Streams stdin from `write` (on its own thread, so the output is read meanwhile).
    pub fn stdin_with(&mut self, write: impl FnOnce(&mut dyn Write) + Send + 'static) -> &mut Self {
        self.stdin = Some(Box::new(write));
        self
    }

    /// Runs it; panics on timeout, or when the binary panicked.
    pub fn run(&mut self) -> Output {
        let start = Instant::now();
        self.cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("the binary starts");
        let writer = self.stdin.take().map(|f| {
            let mut pipe = child.stdin.take().unwrap();
            std::thread::spawn(move || f(&mut pipe))
        });
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out_t = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = out.read_to_end(&mut v);
            v
        });
        let err_t = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = err.read_to_end(&mut v);
            v
        });
        let status_file = format!("/proc/{}/status", child.id());
        let mut peak_rss_kib = None;
        let status = loop {
            if let Some(hwm) = std::fs::read_to_string(&status_file)
                .ok()
                .as_deref()
                .and_then(vm_hwm)
            {
                peak_rss_kib = Some(hwm);
            }
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{:?} did not finish within {:?}", self.cmd, self.timeout);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if let Some(w) = writer {
            let _ = w.join();
        }
        let stdout = String::from_utf8(out_t.join().unwrap()).expect("stdout is UTF-8");
        let stderr = String::from_utf8_lossy(&err_t.join().unwrap()).into_owned();
        let o = Output {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
            elapsed: start.elapsed(),
            peak_rss_kib,
        };
        assert!(
            !o.stderr.contains("panicked") && status.code().is_some(),
            "{:?} crashed: {status:?}\n{}",
            self.cmd,
            o.stderr
        );
        o
    }
}

/// `VmHWM` of a `/proc/PID/status` text, in KiB.
fn vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Output {
    /// Asserts the exit code, showing the output when it differs.
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// The codes of a JSON report's findings.
pub fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The JSON report's errors as (file, line, message).
pub fn errors(report: &Value) -> Vec<(String, Option<u64>, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The names of the JSON report's workloads.
pub fn names(report: &Value) -> Vec<String> {
    report["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap_or("?").to_string())
        .collect()
}
