//! The cgroup sampler on real memory cgroups (v1): a workload grows one component inside its
//! own cgroup while `cgroup_sampler::sample` reads the files every 100 ms, and
//! `oomdoc_series::analyze` must name that component:
//! (a) an RSS leak, (b) page cache from writing a file, (c) shmem in a tmpfs, (d) kernel memory
//! from leaked sockets (`memory.kmem.usage_in_bytes`), and a JVM that warms up to its -Xmx and
//! stays there, which must be `warming_up`, not `leak`.
//!
//! Each test makes a child of the process's own memory cgroup (see DEVELOPERS.md), moves the
//! workload in with `echo $$ > cgroup.procs; exec ...`, and removes the cgroup on drop. Needs
//! root, a writable cgroup v1 memory hierarchy, python3, and for the JVM case java and javac.
//! Without them a test skips (`oomdoc_testkit::skip`: `SKIP ...` and a pass, a failure under
//! `OOMDOC_REQUIRE_REAL=1`).

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use oomdoc_metrics::cgroup_sampler;
use oomdoc_series::{analyze, Component, Input, Options, Verdict};
use oomdoc_testkit::{runnable, MemoryCgroup};

const MI: u64 = 1 << 20;

fn setup(tag: &str, limit: u64, tools: &[(&str, &str)]) -> Result<MemoryCgroup, String> {
    for (tool, arg) in tools {
        if !runnable(tool, arg) {
            return Err(format!("{tool} not runnable"));
        }
    }
    MemoryCgroup::create(&format!("trend-{tag}"), Some(limit))
}

macro_rules! setup_or_skip {
    ($name:expr, $tag:expr, $limit:expr, $tools:expr) => {
        match setup($tag, $limit, $tools) {
            Ok(c) => {
                oomdoc_testkit::real("real_cgroup", $name);
                c
            }
            Err(why) => {
                oomdoc_testkit::skip($name, &why);
                return;
            }
        }
    };
}

/// Samples the cgroup every 100 ms for `secs` while `child` runs, recording to a CSV as
/// `--record` does; returns the input and the record's text.
fn sample(cg: &MemoryCgroup, mut child: Child, secs: f64) -> (Input, String) {
    let mut record = Vec::new();
    let input = cgroup_sampler::sample(
        cg.dir(),
        Duration::from_millis(100),
        Duration::from_secs_f64(secs),
        Some(&mut record),
        &mut |_| true,
    )
    .expect("sample");
    let _ = child.kill();
    let _ = child.wait();
    (input, String::from_utf8(record).expect("utf-8 record"))
}

/// The analysis with spans of seconds allowed (the CLI's default wants a minute or more).
fn options() -> Options {
    Options {
        min_span_seconds: 1.0,
        ..Options::default()
    }
}

fn report(name: &str, input: &Input) -> oomdoc_series::Analysis {
    let a = analyze(input, &options());
    let growth: Vec<String> = a
        .series
        .iter()
        .map(|s| {
            format!(
                "{}={:+.1}MiB/h{}",
                s.name,
                s.slope_bytes_per_hour / MI as f64,
                if s.levels_off { "(levels off)" } else { "" }
            )
        })
        .collect();
    eprintln!(
        "{name}: verdict={} growing={:?} samples={} {}",
        a.verdict.as_str(),
        a.growing_component.map(Component::as_str),
        input.series.first().map_or(0, |s| s.samples.len()),
        growth.join(" ")
    );
    a
}

/// The record reads back through the CSV reader into the same components and verdict.
fn assert_record_reads_back(record: &str, want: Component) {
    let mut c = oomdoc_metrics::Collector::new();
    oomdoc_metrics::read_any(record.as_bytes(), "record.csv", &Default::default(), &mut c)
        .expect("record readable");
    let l = c.finish("record.csv").expect("record has samples");
    let a = analyze(&l.input, &options());
    assert_eq!(
        a.growing_component,
        Some(want),
        "record read back: {record}"
    );
}

const PY_STEPS: &str = "import sys, time\nsteps = int(sys.argv[1])\n";

// (a) Anonymous memory that is never freed.
#[test]
fn a_rss_leak() {
    let cg = setup_or_skip!("rss leak", "rss", 512 * MI, &[("python3", "--version")]);
    let code = format!("{PY_STEPS}keep = []\nfor i in range(steps):\n    keep.append(b'x' * (3 << 20))\n    time.sleep(0.1)\ntime.sleep(60)\n");
    let child = cg.spawn(&["python3", "-c", &code, "40"]);
    let (input, record) = sample(&cg, child, 3.5);
    let a = report("rss leak", &input);
    assert_eq!(a.growing_component, Some(Component::Rss));
    assert_eq!(a.verdict, Verdict::Leak);
    assert_record_reads_back(&record, Component::Rss);
}

// (b) Page cache: a file written bit by bit (on disk, not tmpfs).
#[test]
fn b_page_cache_growth() {
    let cg = setup_or_skip!("page cache", "cache", 512 * MI, &[("python3", "--version")]);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let file = dir.path().join("grow.bin");
    let code = format!("{PY_STEPS}f = open(sys.argv[2], 'wb')\nfor i in range(steps):\n    f.write(b'y' * (3 << 20))\n    f.flush()\n    time.sleep(0.1)\ntime.sleep(60)\n");
    let child = cg.spawn(&["python3", "-c", &code, "40", &file.to_string_lossy()]);
    let (input, _) = sample(&cg, child, 3.5);
    let a = report("page cache", &input);
    assert_eq!(a.growing_component, Some(Component::Cache));
}

/// A tmpfs mounted for one test, unmounted on drop.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

// (c) Shared memory: files in a tmpfs are charged as shmem (and left out of cache).
#[test]
fn c_shmem_growth_in_tmpfs() {
    let cg = setup_or_skip!("shmem", "shmem", 512 * MI, &[("python3", "--version")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let mnt = dir.path().join("shm");
    fs::create_dir(&mnt).expect("mkdir");
    let ok = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=256m",
            "oomdoc-trend-test",
            &mnt.to_string_lossy(),
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        oomdoc_testkit::skip("shmem", "cannot mount a tmpfs");
        return;
    }
    let _mount = Tmpfs(mnt.clone());
    let code = format!("{PY_STEPS}f = open(sys.argv[2], 'wb')\nfor i in range(steps):\n    f.write(b'z' * (3 << 20))\n    f.flush()\n    time.sleep(0.1)\ntime.sleep(60)\n");
    let child = cg.spawn(&[
        "python3",
        "-c",
        &code,
        "40",
        &mnt.join("fill").to_string_lossy(),
    ]);
    let (input, _) = sample(&cg, child, 3.5);
    let a = report("shmem", &input);
    assert_eq!(a.growing_component, Some(Component::Shmem));
}

// (d) Kernel memory: sockets opened and never closed (the seed incident's kind of leak).
#[test]
fn d_kernel_memory_from_leaked_sockets() {
    let cg = setup_or_skip!(
        "kernel memory",
        "kmem",
        512 * MI,
        &[("python3", "--version")]
    );
    if !cg.file("memory.kmem.usage_in_bytes").exists() {
        oomdoc_testkit::skip(
            "kernel memory",
            "no memory.kmem.usage_in_bytes (kmem accounting off)",
        );
        return;
    }
    let code = format!(
        "{PY_STEPS}import socket, resource\nh = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\nresource.setrlimit(resource.RLIMIT_NOFILE, (h, h))\nper = max(1, min(h // 2 - 64, 20000) // steps)\nkeep = []\nfor i in range(steps):\n    for j in range(per):\n        keep.append(socket.socketpair())\n    time.sleep(0.1)\ntime.sleep(60)\n"
    );
    let child = cg.spawn(&["python3", "-c", &code, "35"]);
    let (input, _) = sample(&cg, child, 3.5);
    let kernel = input
        .series
        .iter()
        .find(|s| s.component == Component::Kernel)
        .expect("a kernel series");
    let grew = kernel.samples.last().unwrap().v - kernel.samples[0].v;
    if grew < 4.0 * MI as f64 {
        oomdoc_testkit::skip(
            "kernel memory",
            &format!("kmem grew only {grew} bytes (sockets not accounted here)"),
        );
        return;
    }
    let a = report("kernel memory", &input);
    assert_eq!(a.growing_component, Some(Component::Kernel));
}

// A JVM that fills its heap to -Xmx with a fixed-size cache and stays there: warming up, no leak.
#[test]
fn e_jvm_warm_up_is_not_a_leak() {
    let cg = setup_or_skip!(
        "jvm warm-up",
        "jvm",
        512 * MI,
        &[("java", "-version"), ("javac", "-version")]
    );
    let classes = tempfile::tempdir().expect("tempdir");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/real_cgroup/WarmUp.java");
    let out = Command::new("javac")
        .arg("-d")
        .arg(classes.path())
        .arg(src)
        .output()
        .expect("javac");
    assert!(
        out.status.success(),
        "javac: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cp = classes.path().to_string_lossy().into_owned();
    let child = cg.spawn(&[
        "java",
        "-Xms8m",
        "-Xmx128m",
        "-XX:+UseSerialGC",
        "-XX:-AlwaysPreTouch",
        "-XX:TieredStopAtLevel=1",
        "-cp",
        &cp,
        "WarmUp",
        "60000",
    ]);
    let (input, _) = sample(&cg, child, 8.0);
    let a = report("jvm warm-up", &input);
    let ws = &input
        .series
        .iter()
        .find(|s| s.component == Component::WorkingSet)
        .expect("working set")
        .samples;
    eprintln!(
        "jvm warm-up: working set MiB {:?}",
        ws.iter()
            .step_by(7)
            .map(|s| (s.v / MI as f64).round())
            .collect::<Vec<_>>()
    );
    assert_eq!(a.verdict, Verdict::WarmingUp, "{}", a.reason);
}
