//! Real incidents on this machine, explained by `oomdoc explain` from exactly what a user would
//! collect: the kernel log lines since the test started, the process's stdout/stderr, and the
//! cgroup's memory files as `grep . memory.*` prints them.
//!
//! Each test makes its own cgroup v1 memory cgroup under the process's own one (see
//! DEVELOPERS.md), runs the workload inside it and removes it with a `Drop` guard. The tests
//! take a lock so that one test's kernel lines never fall inside another's window.
//!
//! Needs: root, a writable cgroup v1 memory hierarchy, a readable and writable `/dev/kmsg`, and
//! for the JVM cases `java` and `javac` on PATH. Without them a test skips
//! (`oomdoc_testkit::skip`: `SKIP ...` and a pass, a failure under `OOMDOC_REQUIRE_REAL=1`).

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use oomdoc_testkit::{runnable, MemoryCgroup};

const MI: u64 = 1 << 20;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// The kernel log since a marker written at the start of the test.
struct KernelWindow {
    marker: String,
}

impl KernelWindow {
    /// `name` is unique to the test (its cgroup's name).
    fn start(name: &str) -> Result<Self, String> {
        let marker = format!("oomdoc-test-start {name}");
        fs::write("/dev/kmsg", format!("{marker}\n"))
            .map_err(|e| format!("cannot write /dev/kmsg: {e}"))?;
        let w = KernelWindow { marker };
        // The marker must be readable back, or the window is meaningless.
        for _ in 0..20 {
            if w.dmesg()?.contains(&w.marker) {
                return Ok(w);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("the marker written to /dev/kmsg does not show in dmesg".into())
    }

    fn dmesg(&self) -> Result<String, String> {
        let out = Command::new("dmesg")
            .output()
            .map_err(|e| format!("dmesg: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "dmesg failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `dmesg` lines after the marker line.
    fn lines_since(&self) -> String {
        // printk is synchronous, but give the OOM report a moment to complete.
        std::thread::sleep(Duration::from_millis(200));
        let all = self.dmesg().expect("dmesg");
        let mut out = String::new();
        let mut on = false;
        for l in all.lines() {
            if on {
                out.push_str(l);
                out.push('\n');
            } else if l.contains(&self.marker) {
                on = true;
            }
        }
        assert!(on, "marker {} not found in dmesg", self.marker);
        out
    }
}

/// Everything a test needs, or why it cannot run.
struct Env {
    _lock: MutexGuard<'static, ()>,
    cg: MemoryCgroup,
    kernel: KernelWindow,
    tmp: tempfile::TempDir,
}

fn setup(tag: &str, limit: u64, needs_java: bool) -> Result<Env, String> {
    let lock = serial();
    if needs_java {
        for tool in ["java", "javac"] {
            if !runnable(tool, "-version") {
                return Err(format!("{tool} not runnable"));
            }
        }
    }
    let cg = MemoryCgroup::create(&format!("incident-{tag}"), Some(limit))?;
    let kernel = KernelWindow::start(cg.name())?;
    let tmp = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    Ok(Env {
        _lock: lock,
        cg,
        kernel,
        tmp,
    })
}

macro_rules! setup_or_skip {
    ($name:expr, $tag:expr, $limit:expr, $java:expr) => {
        match setup($tag, $limit, $java) {
            Ok(e) => {
                oomdoc_testkit::real("real_incidents", $name);
                e
            }
            Err(why) => {
                oomdoc_testkit::skip($name, &why);
                return;
            }
        }
    };
}

impl Env {
    /// Writes a collected file into the temp dir and returns its path.
    fn collect(&self, name: &str, text: &str) -> String {
        let p = self.tmp.path().join(name);
        fs::write(&p, text).expect("write collected file");
        p.to_string_lossy().into_owned()
    }

    /// `kernel.txt` (dmesg since the marker) and `cgroup.txt` (`grep . memory.*`).
    fn collect_kernel_and_cgroup(&self) -> Vec<String> {
        vec![
            self.collect("kernel.txt", &self.kernel.lines_since()),
            self.collect("cgroup.txt", &self.cg.grep_memory_files()),
        ]
    }

    /// Compiles `tests/real_incidents/<class>.java` into the temp dir.
    fn javac(&self, class: &str) {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/real_incidents/");
        let out = Command::new("javac")
            .args(["-d"])
            .arg(self.tmp.path())
            .arg(format!("{src}{class}.java"))
            .output()
            .expect("javac");
        assert!(
            out.status.success(),
            "javac: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `oomdoc explain --format json <files>`: (exit code, JSON, text output for messages).
fn explain(files: &[String]) -> (i32, serde_json::Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .arg("explain")
        .args(files)
        .args(["--format", "json"])
        .output()
        .expect("run oomdoc");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "oomdoc JSON: {e}\n{text}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), v, text)
}

/// The incident about our cgroup (its memcg path ends with our name), else the only one.
fn our_incident<'a>(v: &'a serde_json::Value, cg: &MemoryCgroup) -> &'a serde_json::Value {
    let incs = v["incidents"].as_array().expect("incidents");
    incs.iter()
        .find(|i| {
            i["memcg"].as_str().is_some_and(|m| m.contains(cg.name()))
                || i["memcg"]["task"]
                    .as_str()
                    .is_some_and(|m| m.contains(cg.name()))
                || i["memcg"]["oom"]
                    .as_str()
                    .is_some_and(|m| m.contains(cg.name()))
        })
        .or_else(|| (incs.len() == 1).then(|| &incs[0]))
        .unwrap_or_else(|| panic!("no incident for {} in {v:#}", cg.name()))
}

/// One line per incident for `--nocapture` runs.
fn report(name: &str, v: &serde_json::Value) {
    for i in v["incidents"].as_array().into_iter().flatten() {
        eprintln!(
            "{name}: verdict={} oome_kind={} attribution={} confidence={} limit={} usage={} rss_kb={}",
            i["verdict"], i["oome_kind"], i["attribution"], i["confidence"], i["limit_bytes"],
            i["usage_bytes"], i["rss_kb"]
        );
    }
}

fn killed_by_sigkill(s: ExitStatus) -> bool {
    s.signal() == Some(9)
}

fn shell_exit(s: ExitStatus) -> i32 {
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

// (a) A native (non-JVM) process leaking anonymous memory, killed at a 64 MiB limit.
#[test]
fn a_native_leaker_killed_at_its_limit() {
    let env = setup_or_skip!("native leaker", "native", 64 * MI, false);
    let before = env.cg.oom_kills();
    let leak = "a = []\nwhile True:\n    a.append(b'x' * (1 << 20))\n";
    let out = env
        .cg
        .run(&["python3", "-c", leak], Duration::from_secs(15));
    assert!(
        killed_by_sigkill(out.status),
        "expected SIGKILL (137), got {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(shell_exit(out.status), 137);
    assert!(env.cg.oom_kills() > before, "oom_kill did not increase");
    let files = env.collect_kernel_and_cgroup();
    let (_, v, text) = explain(&files);
    report("native leaker", &v);
    let inc = our_incident(&v, &env.cg);
    assert_eq!(inc["verdict"], "container_oom_kill", "{text}");
    assert_eq!(inc["attribution"], "off_heap_native", "{text}");
    assert_eq!(inc["limit_bytes"], 64 * MI, "{text}");
}

// (b) The seed's case: -Xmx above the limit, a heap leak, killed by the kernel, no OutOfMemoryError.
#[test]
fn b_java_heap_above_limit_killed_without_oome() {
    let env = setup_or_skip!("java heap above limit", "javaheap", 256 * MI, true);
    env.javac("Leak");
    let cp = env.tmp.path().to_string_lossy().into_owned();
    let before = env.cg.oom_kills();
    let out = env.cg.run(
        &[
            "java",
            "-Xmx1g",
            "-XX:+PrintFlagsFinal",
            "-cp",
            &cp,
            "Leak",
            "heap",
        ],
        Duration::from_secs(20),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        killed_by_sigkill(out.status),
        "expected SIGKILL, got {:?}: {stderr}",
        out.status
    );
    assert_eq!(shell_exit(out.status), 137);
    assert!(env.cg.oom_kills() > before, "oom_kill did not increase");
    // (PrintFlagsFinal lists flags named *OutOfMemoryError: look for the thrown error.)
    assert!(
        !stdout.contains("java.lang.OutOfMemoryError")
            && !stderr.contains("java.lang.OutOfMemoryError"),
        "{stderr}"
    );
    let mut files = env.collect_kernel_and_cgroup();
    files.push(env.collect("flags.txt", &stdout));
    files.push(env.collect("app.log", &stderr));
    let (_, v, text) = explain(&files);
    report("java heap above limit", &v);
    let inc = our_incident(&v, &env.cg);
    assert_eq!(inc["verdict"], "container_oom_kill", "{text}");
    assert_eq!(inc["victim"]["process"], "java", "{text}");
    assert_eq!(inc["attribution"], "heap", "{text}");
}

// (e) SIGKILL with no OOM: `kill -9` of a sleeping process. The user has the kernel log since the
// start (no OOM report), the cgroup's files (oom_kill 0) and the container's status as the kubelet
// writes it for a SIGKILL that was not an OOM kill (exit code 137, reason Error).
#[test]
fn e_sigkill_without_oom() {
    let env = setup_or_skip!("sigkill without oom", "sigkill", 64 * MI, false);
    let before = env.cg.oom_kills();
    let script = "sleep 30 & p=$!; sleep 0.2; kill -9 $p; wait $p";
    let out = env.cg.run(&["sh", "-c", script], Duration::from_secs(10));
    // `wait` reports the child's SIGKILL as 137.
    assert_eq!(shell_exit(out.status), 137, "{:?}", out.status);
    assert_eq!(env.cg.oom_kills(), before, "no OOM kill expected");
    let mut files = env.collect_kernel_and_cgroup();
    let kernel = fs::read_to_string(&files[0]).unwrap();
    assert!(
        !kernel.contains("oom-kill") && !kernel.contains("Killed process"),
        "{kernel}"
    );
    let status = format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"sleeper","namespace":"test","uid":"0b4c2a51-7c1e-4f7e-9d3a-2f6f0c1e9a11"}},"status":{{"containerStatuses":[{{"name":"sleeper","restartCount":1,"lastState":{{"terminated":{{"exitCode":{},"reason":"Error"}}}},"state":{{"running":{{}}}}}}]}}}}"#,
        shell_exit(out.status)
    );
    files.push(env.collect("pod.json", &status));
    // The kernel said nothing about this kill: an empty log is an input error of its own
    // (exit 2), so it is left out, as a user would.
    if kernel.trim().is_empty() {
        files.remove(0);
    }
    let (code, v, text) = explain(&files);
    report("sigkill without oom", &v);
    let incs = v["incidents"].as_array().expect("incidents");
    assert_eq!(incs.len(), 1, "{text}");
    let i = &incs[0];
    assert_eq!(i["verdict"], "sigkill_not_oom", "{text}");
    assert_eq!(i["victim"]["container"], "sleeper", "{text}");
    assert!(
        i["evidence"].as_array().is_some_and(|e| e
            .iter()
            .any(|e| e["text"].as_str().unwrap_or("").contains("oom_kill 0"))),
        "the cgroup's oom_kill 0 should be cited: {text}"
    );
    assert!(
        i["next_steps"].as_array().is_some_and(|n| !n.is_empty()),
        "next steps expected: {text}"
    );
    assert_eq!(code, 0, "{text}");
}

/// Runs `Leak <mode>` with `opts` in the env's cgroup: (exit status, stdout, stderr).
fn run_leak(env: &Env, opts: &[&str], mode: &str) -> (ExitStatus, String, String) {
    let cp = env.tmp.path().to_string_lossy().into_owned();
    let mut argv = vec!["java"];
    argv.extend_from_slice(opts);
    argv.extend_from_slice(&["-cp", &cp, "Leak", mode]);
    let out = env.cg.run(&argv, Duration::from_secs(20));
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// (c) A small -Xmx: the JVM throws OutOfMemoryError: Java heap space (exit 1), and with
// -XX:+ExitOnOutOfMemoryError it terminates with exit code 3. No kernel kill either way.
#[test]
fn c_small_xmx_java_heap_space() {
    let env = setup_or_skip!("small -Xmx heap space", "javaoome", 256 * MI, true);
    env.javac("Leak");
    for (opts, want_exit, name) in [
        (&["-Xmx32m"][..], 1, "heap space, uncaught"),
        (
            &["-Xmx32m", "-XX:+ExitOnOutOfMemoryError"][..],
            3,
            "heap space, ExitOnOutOfMemoryError",
        ),
    ] {
        let before = env.cg.oom_kills();
        let _ = fs::write(env.cg.file("memory.max_usage_in_bytes"), "0");
        let (status, stdout, stderr) = run_leak(&env, opts, "heap");
        assert_eq!(
            status.code(),
            Some(want_exit),
            "{name}: {status:?}: {stderr}"
        );
        // Uncaught: the stack trace on stderr; ExitOnOutOfMemoryError: "Terminating due to ..." on stdout.
        let all = format!("{stdout}{stderr}");
        assert!(
            all.contains("java.lang.OutOfMemoryError: Java heap space"),
            "{name}: {all}"
        );
        assert_eq!(
            env.cg.oom_kills(),
            before,
            "{name}: no kernel kill expected"
        );
        let mut files = env.collect_kernel_and_cgroup();
        files.push(env.collect("app.log", &(stdout + &stderr)));
        let (_, v, text) = explain(&files);
        report(name, &v);
        let inc = our_incident(&v, &env.cg);
        assert_eq!(inc["verdict"], "jvm_oome", "{name}: {text}");
        assert_eq!(inc["oome_kind"], "java_heap_space", "{name}: {text}");
        assert_eq!(inc["attribution"], "heap", "{name}: {text}");
    }
}

// (d) A direct-buffer leak with a small -Xmx and -XX:MaxDirectMemorySize unset: the direct limit
// defaults to the max heap (32 MiB here), far below the 256 MiB cgroup limit, so the JVM throws
// OutOfMemoryError: Direct buffer memory before the kernel has a reason to kill.
#[test]
fn d_direct_buffer_leak() {
    let env = setup_or_skip!("direct buffer leak", "direct", 256 * MI, true);
    env.javac("Leak");
    let before = env.cg.oom_kills();
    let (status, stdout, stderr) = run_leak(&env, &["-Xmx32m"], "direct");
    let all = format!("{stdout}{stderr}");
    assert_eq!(status.code(), Some(1), "{status:?}: {all}");
    // JDK 8-15: "OutOfMemoryError: Direct buffer memory"; JDK 16+ (java.nio.Bits.reserveMemory):
    // "OutOfMemoryError: Cannot reserve N bytes of direct buffer memory (allocated: A, limit: L)".
    assert!(
        all.contains("java.lang.OutOfMemoryError: Direct buffer memory")
            || (all.contains("java.lang.OutOfMemoryError: Cannot reserve")
                && all.contains("bytes of direct buffer memory")),
        "{all}"
    );
    assert_eq!(env.cg.oom_kills(), before, "no kernel kill expected");
    let mut files = env.collect_kernel_and_cgroup();
    files.push(env.collect("app.log", &all));
    let (_, v, text) = explain(&files);
    report("direct buffer leak", &v);
    let inc = our_incident(&v, &env.cg);
    assert_eq!(inc["verdict"], "jvm_oome", "{text}");
    assert_eq!(inc["oome_kind"], "direct_buffer_memory", "{text}");
    assert_eq!(inc["attribution"], "off_heap_native", "{text}");
}

/// A tmpfs mounted for one test, unmounted on drop.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

// (f) tmpfs growth charged to the cgroup: `dd` into a 128 MiB tmpfs from inside a 64 MiB cgroup.
// The pages stay charged to the cgroup after the writer dies; the kernel kills the writer.
#[test]
fn f_tmpfs_growth_charged_to_the_cgroup() {
    let env = setup_or_skip!("tmpfs growth", "tmpfs", 64 * MI, false);
    let mnt = env.tmp.path().join("shm");
    fs::create_dir(&mnt).expect("mkdir");
    let ok = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=128m",
            "oomdoc-test",
            &mnt.to_string_lossy(),
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        oomdoc_testkit::skip("tmpfs growth", "cannot mount a tmpfs");
        return;
    }
    let _mount = Tmpfs(mnt.clone());
    let before = env.cg.oom_kills();
    let of = format!("of={}", mnt.join("fill").display());
    let out = env.cg.run(
        &["dd", "if=/dev/zero", &of, "bs=1M", "count=120"],
        Duration::from_secs(15),
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        killed_by_sigkill(out.status),
        "expected SIGKILL, got {:?}: {stderr}",
        out.status
    );
    assert!(env.cg.oom_kills() > before, "oom_kill did not increase");
    let files = env.collect_kernel_and_cgroup();
    let (_, v, text) = explain(&files);
    report("tmpfs growth", &v);
    let inc = our_incident(&v, &env.cg);
    assert_eq!(inc["verdict"], "container_oom_kill", "{text}");
    assert_eq!(inc["attribution"], "shmem_tmpfs", "{text}");
}
