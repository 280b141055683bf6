//! The model against the real thing: `java -XX:+PrintFlagsFinal -version` inside real cgroup v1
//! memory cgroups, one child cgroup per case, compared to the byte.
//!
//! Needs: `java` on PATH (the JDK whose version `java -version` prints is the one modelled), a
//! cgroup v1 memory hierarchy, and write access to the process's own memory cgroup (root in a
//! container or VM). Without them the test prints why and passes without checking anything.
//! See DEVELOPERS.md.

use oomdoc_jvm::ergonomics::{ergonomics, CgroupVersion, Cpus, Environment};
use oomdoc_jvm::flags::{split_options, FlagSource, Gc, JvmFlags};
use oomdoc_jvm::version::JdkVersion;
use oomdoc_testkit::MemoryCgroup;
use std::collections::HashMap;
use std::fs;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

const MI: u64 = 1 << 20;
const GI: u64 = 1 << 30;

/// One JVM start.
struct Case {
    name: &'static str,
    limit: Option<u64>,
    java_tool_options: Option<&'static str>,
    args: &'static str,
}

const fn case(name: &'static str, limit: Option<u64>, args: &'static str) -> Case {
    Case {
        name,
        limit,
        java_tool_options: None,
        args,
    }
}

const fn jto(
    name: &'static str,
    limit: Option<u64>,
    java_tool_options: &'static str,
    args: &'static str,
) -> Case {
    Case {
        name,
        limit,
        java_tool_options: Some(java_tool_options),
        args,
    }
}

fn cases() -> Vec<Case> {
    let l = |mi: u64| Some(mi * MI);
    vec![
        // Default flags across the limits (the flat 126 MiB band, the 1792 MiB G1 threshold, above host).
        case("default 64Mi", l(64), ""),
        case("default 128Mi", l(128), ""),
        case("default 200Mi", l(200), ""),
        case("default 256Mi", l(256), ""),
        case("default 300Mi", l(300), ""),
        case("default 512Mi", l(512), ""),
        case("default 1Gi", l(1024), ""),
        case("default 1790Mi", l(1790), ""),
        case("default 1792Mi", l(1792), ""),
        case("default 2Gi", l(2048), ""),
        case("default 4Gi (the seed's case)", l(4096), ""),
        case("default 7.5Gi", l(7680), ""),
        case("default 16Gi", l(16384), ""),
        case("default 64Gi (above host)", Some(64 * GI), ""),
        case("default no limit", None, ""),
        // MaxRAMPercentage, including the small-memory band where it does not apply.
        case("MaxRAMPercentage=75 64Mi", l(64), "-XX:MaxRAMPercentage=75"),
        case(
            "MaxRAMPercentage=75 256Mi",
            l(256),
            "-XX:MaxRAMPercentage=75",
        ),
        case(
            "MaxRAMPercentage=75 512Mi",
            l(512),
            "-XX:MaxRAMPercentage=75",
        ),
        case(
            "MaxRAMPercentage=75 2Gi",
            l(2048),
            "-XX:MaxRAMPercentage=75",
        ),
        case(
            "MaxRAMPercentage=75 16Gi",
            l(16384),
            "-XX:MaxRAMPercentage=75",
        ),
        case(
            "MaxRAMPercentage=75.5 no limit",
            None,
            "-XX:MaxRAMPercentage=75.5",
        ),
        case(
            "MaxRAMPercentage=90 64Gi",
            Some(64 * GI),
            "-XX:MaxRAMPercentage=90",
        ),
        // MinRAMPercentage: the "small machine" max heap, not monotonic.
        case("MinRAMPercentage=80 64Mi", l(64), "-XX:MinRAMPercentage=80"),
        case(
            "MinRAMPercentage=80 200Mi",
            l(200),
            "-XX:MinRAMPercentage=80",
        ),
        case(
            "MinRAMPercentage=80 1Gi",
            l(1024),
            "-XX:MinRAMPercentage=80",
        ),
        // InitialRAMPercentage.
        case(
            "InitialRAMPercentage=50 256Mi",
            l(256),
            "-XX:InitialRAMPercentage=50",
        ),
        case(
            "InitialRAMPercentage=50 4Gi",
            l(4096),
            "-XX:InitialRAMPercentage=50",
        ),
        case(
            "the seed's fix 4Gi",
            l(4096),
            "-XX:InitialRAMPercentage=50.0 -XX:MaxRAMPercentage=50.0",
        ),
        // -Xmx / -Xms.
        case("-Xmx512m in 256Mi", l(256), "-Xmx512m"),
        case("-Xmx101m 2Gi", l(2048), "-Xmx101m"),
        case("-Xmx100000k 512Mi", l(512), "-Xmx100000k"),
        case("-Xmx3m 1Gi", l(1024), "-Xmx3m"),
        case("-Xms256m in 128Mi", l(128), "-Xms256m"),
        case("-Xms1500k no limit", None, "-Xms1500k"),
        case("-Xms1g -Xmx2g 4Gi", l(4096), "-Xms1g -Xmx2g"),
        case("-Xmn256m 1Gi", l(1024), "-Xmn256m"),
        // MaxRAM replaces the memory for the heap, not for the GC choice.
        case("MaxRAM=1g in 256Mi", l(256), "-XX:MaxRAM=1g"),
        case("MaxRAM=1g 4Gi", l(4096), "-XX:MaxRAM=1g"),
        case("MaxRAM=8m 1Gi", l(1024), "-XX:MaxRAM=8m"),
        case("MaxRAM=200g (compressed oops off)", None, "-XX:MaxRAM=200g"),
        case(
            "MaxRAM=160g +UseCompressedOops (capped)",
            None,
            "-XX:MaxRAM=160g -XX:+UseCompressedOops",
        ),
        case("MaxRAMFraction=2 2Gi", l(2048), "-XX:MaxRAMFraction=2"),
        // Container support off: the node's memory.
        case(
            "-UseContainerSupport 1Gi",
            l(1024),
            "-XX:-UseContainerSupport",
        ),
        case(
            "-UseContainerSupport 4Gi",
            l(4096),
            "-XX:-UseContainerSupport",
        ),
        // Each collector's alignment.
        case("Serial 4Gi", l(4096), "-XX:+UseSerialGC"),
        case(
            "Serial MaxRAM=8m",
            l(1024),
            "-XX:+UseSerialGC -XX:MaxRAM=8m",
        ),
        case("Parallel 4Gi", l(4096), "-XX:+UseParallelGC"),
        case("Parallel 512Mi", l(512), "-XX:+UseParallelGC"),
        case(
            "Parallel MaxRAM=8m",
            l(1024),
            "-XX:+UseParallelGC -XX:MaxRAM=8m",
        ),
        case("G1 512Mi", l(512), "-XX:+UseG1GC"),
        case("G1 -Xmx101m", l(1024), "-XX:+UseG1GC -Xmx101m"),
        case(
            "G1HeapRegionSize=8m 2Gi",
            l(2048),
            "-XX:G1HeapRegionSize=8m",
        ),
        case("Z 1Gi", l(1024), "-XX:+UseZGC"),
        case("Z 256Mi", l(256), "-XX:+UseZGC"),
        case("Z -Xmx1001m", None, "-XX:+UseZGC -Xmx1001m"),
        case("Z MaxRAM=200g", None, "-XX:+UseZGC -XX:MaxRAM=200g"),
        case("Shenandoah 1Gi", l(1024), "-XX:+UseShenandoahGC"),
        case("Shenandoah no limit", None, "-XX:+UseShenandoahGC"),
        case(
            "Shenandoah -Xmx1000m",
            None,
            "-XX:+UseShenandoahGC -Xmx1000m",
        ),
        // CPUs.
        case(
            "ActiveProcessorCount=1 4Gi",
            l(4096),
            "-XX:ActiveProcessorCount=1",
        ),
        case(
            "ActiveProcessorCount=2 1Gi",
            l(1024),
            "-XX:ActiveProcessorCount=2",
        ),
        // JAVA_TOOL_OPTIONS is read first: the command line overrides it.
        jto("JTO -Xmx1g, cmd -Xmx2g 4Gi", l(4096), "-Xmx1g", "-Xmx2g"),
        jto(
            "JTO MaxRAMPercentage=50 2Gi",
            l(2048),
            "-XX:MaxRAMPercentage=50",
            "",
        ),
        jto(
            "JTO +UseSerialGC, cmd +UseParallelGC",
            l(4096),
            "-XX:+UseSerialGC",
            "-XX:-UseSerialGC -XX:+UseParallelGC",
        ),
        jto(
            "JTO -Xms512m, cmd -Xmx256m",
            l(4096),
            "-Xms512m",
            "-Xmx256m",
        ),
        jto("JTO -Xmx256m -Xms512m", l(4096), "-Xmx256m -Xms512m", ""),
        jto(
            "JTO -XX:MaxHeapSize=256m -XX:InitialHeapSize=512m",
            l(4096),
            "-XX:MaxHeapSize=256m -XX:InitialHeapSize=512m",
            "",
        ),
        jto(
            "JTO -XX:InitialHeapSize=512m, cmd -Xmx256m",
            l(4096),
            "-XX:InitialHeapSize=512m",
            "-Xmx256m",
        ),
        // The JVM refuses to start.
        case("fails: -Xms512m -Xmx256m", l(4096), "-Xms512m -Xmx256m"),
        case(
            "fails: two collectors",
            l(4096),
            "-XX:+UseSerialGC -XX:+UseG1GC",
        ),
        case("fails: -Xmx1m", l(4096), "-Xmx1m"),
        case("fails: CMS on 17", l(4096), "-XX:+UseConcMarkSweepGC"),
    ]
}

fn host_memory() -> Option<u64> {
    let info = fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = info
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn java_version() -> Result<JdkVersion, String> {
    let out = Command::new("java")
        .arg("-version")
        .output()
        .map_err(|e| format!("java not runnable: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    let quoted = text
        .split('"')
        .nth(1)
        .ok_or_else(|| format!("unexpected `java -version` output: {text}"))?;
    JdkVersion::parse(quoted).map_err(|e| e.to_string())
}

struct Outcome {
    flags: HashMap<String, String>,
    success: bool,
    output: String,
}

fn run_in_cgroup(i: usize, c: &Case) -> Result<Outcome, String> {
    let cg = MemoryCgroup::create(&format!("jvm-{i}"), c.limit)?;
    let mut argv = vec!["java".to_string()];
    argv.extend(split_options(c.args));
    argv.extend(["-XX:+PrintFlagsFinal".to_string(), "-version".to_string()]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let mut cmd = cg.command(&argv);
    if let Some(o) = c.java_tool_options {
        cmd.env("JAVA_TOOL_OPTIONS", o);
    }
    let out = cmd.output().map_err(|e| format!("spawn: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut flags = HashMap::new();
    for line in stdout.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() >= 4 && parts[2] == "=" {
            flags.insert(parts[1].to_string(), parts[3].to_string());
        }
    }
    Ok(Outcome {
        flags,
        success: out.status.success(),
        output: stdout + &String::from_utf8_lossy(&out.stderr),
    })
}

fn check(
    c: &Case,
    jdk: &JdkVersion,
    host_memory: u64,
    host_cpus: u32,
    got: &Outcome,
) -> Result<(), String> {
    let mut sources = Vec::new();
    if let Some(o) = c.java_tool_options {
        sources.push((FlagSource::JavaToolOptions, split_options(o)));
    }
    sources.push((FlagSource::CommandLine, split_options(c.args)));
    let flags = JvmFlags::parse(&sources, jdk);
    let env = Environment {
        host_memory,
        host_cpus,
        memory_limit: c.limit,
        cgroup: CgroupVersion::V1,
        cpus: Cpus::Host,
    };
    let e = ergonomics(jdk, &flags, &env);
    if !e.fails_to_start.is_empty() || !got.success {
        if e.fails_to_start.is_empty() == got.success {
            return Ok(());
        }
        return Err(format!(
            "model fails_to_start={:?}, JVM success={}: {}",
            e.fails_to_start,
            got.success,
            got.output
                .lines()
                .filter(|l| !l.contains(" = "))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    let mut diffs = Vec::new();
    for (name, want) in [
        ("MaxHeapSize", e.max_heap.value),
        ("InitialHeapSize", e.initial_heap.value),
        ("MinHeapSize", e.min_heap),
    ] {
        match got.flags.get(name) {
            Some(v) if v == &want.to_string() => {}
            other => diffs.push(format!("{name}: model {want}, JVM {other:?}")),
        }
    }
    for gc in [Gc::Serial, Gc::Parallel, Gc::G1, Gc::Z, Gc::Shenandoah] {
        let want = (e.gc == gc).to_string();
        match got.flags.get(gc.flag()) {
            Some(v) if *v == want => {}
            other => diffs.push(format!("{}: model {want}, JVM {other:?}", gc.flag())),
        }
    }
    if let Some(v) = got.flags.get("UseCompressedOops") {
        if *v != e.compressed_oops.to_string() {
            diffs.push(format!(
                "UseCompressedOops: model {}, JVM {v}",
                e.compressed_oops
            ));
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} (max heap: {})",
            diffs.join("; "),
            e.max_heap.why
        ))
    }
}

#[test]
fn heap_ergonomics_match_the_real_jvm_in_real_cgroups() {
    let started = Instant::now();
    let jdk = match java_version() {
        Ok(v) => v,
        Err(why) => {
            oomdoc_testkit::skip("real-JVM matrix", &why);
            return;
        }
    };
    if let Err(why) = MemoryCgroup::create("probe", None) {
        oomdoc_testkit::skip(
            "real-JVM matrix",
            &format!("cannot make a child memory cgroup: {why}"),
        );
        return;
    }
    let Some(host_memory) = host_memory() else {
        oomdoc_testkit::skip("real-JVM matrix", "cannot read MemTotal from /proc/meminfo");
        return;
    };
    let host_cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let cases = cases();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let passed = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(c) = cases.get(i) else { break };
                let result = run_in_cgroup(i, c)
                    .and_then(|got| check(c, &jdk, host_memory, host_cpus, &got));
                match result {
                    Ok(()) => {
                        passed.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(why) => failures
                        .lock()
                        .expect("lock")
                        .push(format!("{}: {why}", c.name)),
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    let passed = passed.into_inner();
    println!(
        "real-JVM matrix: JDK {jdk}, host {host_memory} bytes / {host_cpus} CPUs: {passed} of {} cases equal to the byte, in {:.1}s",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    oomdoc_testkit::real(
        "real_jvm",
        &format!(
            "JDK {jdk}: {passed} of {} cases of java -XX:+PrintFlagsFinal in memory cgroups",
            cases.len()
        ),
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
