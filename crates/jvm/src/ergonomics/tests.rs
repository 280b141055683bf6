//! Expected values are `-XX:+PrintFlagsFinal` figures measured on real JVMs (the research note
//! `shared/docs/research/jvm-ergonomics.md`, host 25,325,268,992 bytes and 2 CPUs, cgroup v1),
//! plus source-derived cases for JDKs that cannot run here. The live comparison is
//! `tests/real_jvm.rs`.
use super::*;
use crate::flags::split_options;

const HOST: u64 = 25_325_268_992;
const MIB: u64 = 1 << 20;

fn run_with(
    jdk: &str,
    limit: Option<u64>,
    opts: &str,
    cgroup: CgroupVersion,
    cpus: Cpus,
) -> Ergonomics {
    let jdk = JdkVersion::parse(jdk).unwrap();
    let flags = JvmFlags::parse(&[(FlagSource::CommandLine, split_options(opts))], &jdk);
    let env = Environment {
        host_memory: HOST,
        host_cpus: 2,
        memory_limit: limit,
        cgroup,
        cpus,
    };
    ergonomics(&jdk, &flags, &env)
}

fn run(jdk: &str, limit: Option<u64>, opts: &str) -> Ergonomics {
    run_with(jdk, limit, opts, CgroupVersion::V1, Cpus::Host)
}

#[test]
fn jdk17_defaults_table() {
    let cases: &[(u64, u64, u64, Gc)] = &[
        (64, 32 * MIB, 8 * MIB, Gc::Serial),
        (128, 64 * MIB, 8 * MIB, Gc::Serial),
        (200, 100 * MIB, 8 * MIB, Gc::Serial),
        (256, 132_120_576, 8 * MIB, Gc::Serial),
        (300, 126 * MIB, 8 * MIB, Gc::Serial),
        (512, 134_217_728, 8_388_608, Gc::Serial),
        (1024, 256 * MIB, 16 * MIB, Gc::Serial),
        (1790, 448 * MIB, 28 * MIB, Gc::Serial),
        (1792, 448 * MIB, 28 * MIB, Gc::G1),
        (2048, 512 * MIB, 32 * MIB, Gc::G1),
        (4096, 1024 * MIB, 64 * MIB, Gc::G1),
        (7680, 1920 * MIB, 120 * MIB, Gc::G1),
        (16384, 4096 * MIB, 256 * MIB, Gc::G1),
        (65536, 6_333_399_040, 380 * MIB, Gc::G1),
        (204800, 6_333_399_040, 380 * MIB, Gc::G1),
    ];
    for &(limit_mib, max, initial, gc) in cases {
        let e = run("17.0.15", Some(limit_mib * MIB), "");
        assert_eq!(
            (e.max_heap.value, e.initial_heap.value, e.gc),
            (max, initial, gc),
            "{limit_mib}Mi"
        );
    }
    let e = run("17.0.15", None, "");
    assert_eq!(
        (e.max_heap.value, e.initial_heap.value),
        (6_333_399_040, 380 * MIB)
    );
    assert_eq!(e.region_size, Some(4 * MIB));
}

#[test]
fn jdk17_percentages_table() {
    let cases: &[(Option<u64>, u64)] = &[
        (Some(64), 32),
        (Some(128), 64),
        (Some(256), 192),
        (Some(512), 384),
        (Some(1024), 768),
        (Some(2048), 1536),
        (Some(4096), 3072),
        (Some(7680), 5760),
        (Some(16384), 12288),
        (None, 18128),
    ];
    for &(limit, max) in cases {
        let e = run("17.0.15", limit.map(|l| l * MIB), "-XX:MaxRAMPercentage=75");
        assert_eq!(e.max_heap.value, max * MIB, "{limit:?}");
    }
    let min80: &[(u64, u64)] = &[(64, 52), (128, 104), (200, 126), (256, 126), (1024, 256)];
    for &(limit, max) in min80 {
        let e = run("17.0.15", Some(limit * MIB), "-XX:MinRAMPercentage=80");
        assert_eq!(e.max_heap.value, max * MIB, "MinRAMPercentage=80 {limit}Mi");
    }
    let e = run("17.0.15", Some(256 * MIB), "-XX:InitialRAMPercentage=50");
    assert_eq!(
        (e.max_heap.value, e.initial_heap.value),
        (126 * MIB, 126 * MIB)
    );
}

#[test]
fn explicit_sizes_and_maxram() {
    assert_eq!(
        run("17.0.15", Some(256 * MIB), "-Xmx512m").max_heap.value,
        512 * MIB
    );
    assert_eq!(
        run("17.0.15", Some(128 * MIB), "-Xms256m").max_heap.value,
        256 * MIB
    );
    assert_eq!(
        run("17.0.15", Some(2048 * MIB), "-XX:+UseSerialGC -Xmx101m")
            .max_heap
            .value,
        102 * MIB
    );
    assert_eq!(
        run("17.0.15", Some(2048 * MIB), "-XX:+UseSerialGC -Xmx100000k")
            .max_heap
            .value,
        98 * MIB
    );
    let e = run("17.0.15", Some(256 * MIB), "-XX:MaxRAM=1g");
    assert_eq!((e.max_heap.value, e.gc), (256 * MIB, Gc::Serial));
    let e = run("17.0.15", Some(4096 * MIB), "-XX:MaxRAM=1g");
    assert_eq!(
        e.gc,
        Gc::G1,
        "GC choice uses the physical memory, not MaxRAM"
    );
    let e = run("17.0.15", Some(4096 * MIB), "-XX:ActiveProcessorCount=1");
    assert_eq!(e.gc, Gc::Serial);
}

#[test]
fn compressed_oops_ceilings() {
    let e = run("17.0.15", None, "-XX:MaxRAM=128g -XX:+UseCompressedOops");
    assert_eq!(e.max_heap.value, 30688 * MIB);
    let e = run(
        "17.0.15",
        None,
        "-XX:MaxRAM=128g -XX:+UseCompressedOops -XX:+UseSerialGC",
    );
    assert_eq!(e.max_heap.value, 30718 * MIB);
    let e = run("21.0.8", None, "-XX:MaxRAM=128g -XX:+UseCompressedOops");
    assert_eq!(e.max_heap.value, 30208 * MIB);
    let e = run("25.0.2", None, "-XX:MaxRAM=128g -XX:+UseCompressedOops");
    assert_eq!(e.max_heap.value, 30688 * MIB);
    let e = run("17.0.15", None, "-XX:MaxRAM=160g");
    assert_eq!((e.max_heap.value, e.compressed_oops), (40 << 30, false));
    let e = run("11.0.13", None, "-XX:MaxRAM=160g");
    assert_eq!((e.max_heap.value, e.compressed_oops), (30688 * MIB, true));
}

#[test]
fn jdk11_region_rule_and_limits_above_host() {
    let e = run("11.0.13", None, "-XX:MaxRAMPercentage=75");
    assert_eq!(e.max_heap.value, 18116 * MIB);
    let e = run("11.0.13", None, "");
    assert_eq!(e.initial_heap.value, 378 * MIB);
    let e = run("11.0.13", Some(16 << 30), "-XX:MaxRAMPercentage=90");
    assert_eq!(e.max_heap.value, 14746 * MIB);
    let e = run("11.0.13", Some(64 << 30), "");
    assert_eq!(
        e.max_heap.value,
        16384 * MIB,
        "11.0.13 takes a limit above the host at face value"
    );
    let e = run("17.0.9", Some(64 << 30), "");
    assert_eq!(e.max_heap.value, 6040 * MIB);
}

#[test]
fn old_jdk8_sees_the_node() {
    let host64 = |jdk: &str, opts: &str| {
        let jdk = JdkVersion::parse(jdk).unwrap();
        let flags = JvmFlags::parse(&[(FlagSource::CommandLine, split_options(opts))], &jdk);
        let env = Environment {
            host_memory: 64 << 30,
            host_cpus: 8,
            memory_limit: Some(512 * MIB),
            cgroup: CgroupVersion::V1,
            cpus: Cpus::Host,
        };
        ergonomics(&jdk, &flags, &env)
    };
    let e = host64("8u181", "");
    assert!(!e.container_aware.value);
    assert_eq!((e.max_heap.value, e.gc), (16 << 30, Gc::Parallel));
    let e = host64(
        "8u181",
        "-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap",
    );
    assert!(e.container_aware.value);
    assert_eq!(
        (e.max_heap.value, e.gc),
        (128 * MIB, Gc::Parallel),
        "heap from the limit, GC from the node"
    );
    let e = host64("8u181", "-XX:+UseCGroupMemoryLimitForHeap");
    assert!(!e.fails_to_start.is_empty());
    let e = host64("8u191", "");
    assert_eq!((e.max_heap.value, e.gc), (128 * MIB, Gc::Serial));
    let e = host64(
        "11",
        "-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap",
    );
    assert!(!e.fails_to_start.is_empty(), "removed in 11");
}

#[test]
fn cgroup_v2_and_cpu_shares_by_version() {
    let k8s = Cpus::Kubernetes {
        limit_millis: None,
        request_millis: Some(500),
    };
    let e = run_with(
        "11.0.15",
        Some(4096 * MIB),
        "",
        CgroupVersion::V2,
        Cpus::Host,
    );
    assert!(!e.container_aware.value);
    assert_eq!(e.physical_memory.value, HOST);
    let e = run_with(
        "11.0.16",
        Some(4096 * MIB),
        "",
        CgroupVersion::V2,
        Cpus::Host,
    );
    assert_eq!(e.max_heap.value, 1024 * MIB);
    let e = run_with("17.0.4", Some(4096 * MIB), "", CgroupVersion::V2, k8s);
    assert_eq!((e.active_processors.value, e.gc), (1, Gc::Serial));
    let e = run_with("17.0.5", Some(4096 * MIB), "", CgroupVersion::V2, k8s);
    assert_eq!((e.active_processors.value, e.gc), (2, Gc::G1));
    let e = run_with(
        "21",
        Some(4096 * MIB),
        "",
        CgroupVersion::V2,
        Cpus::Kubernetes {
            limit_millis: Some(1500),
            request_millis: None,
        },
    );
    assert_eq!(e.active_processors.value, 2);
    let e = run_with(
        "21",
        Some(4096 * MIB),
        "",
        CgroupVersion::V2,
        Cpus::Kubernetes {
            limit_millis: Some(500),
            request_millis: None,
        },
    );
    assert_eq!((e.active_processors.value, e.gc), (1, Gc::Serial));
}

#[test]
fn start_failures() {
    assert!(!run("17.0.15", None, "-Xms512m -Xmx256m")
        .fails_to_start
        .is_empty());
    assert!(!run("17.0.15", None, "-XX:+UseSerialGC -XX:+UseParallelGC")
        .fails_to_start
        .is_empty());
    assert!(!run("17.0.15", None, "-Xmx1m").fails_to_start.is_empty());
    assert!(!run("17.0.15", None, "-XX:+UseConcMarkSweepGC")
        .fails_to_start
        .is_empty());
    assert!(!run("11", None, "-XX:+UseZGC").fails_to_start.is_empty());
    assert!(
        run("11", None, "-XX:+UnlockExperimentalVMOptions -XX:+UseZGC")
            .fails_to_start
            .is_empty()
    );
    assert!(!run("11", None, "-XX:MinHeapSize=64m")
        .fails_to_start
        .is_empty());
    assert!(run("8u372", None, "-XX:MaxPermSize=256m")
        .fails_to_start
        .is_empty());
}

/// Found by the `jvm_options` fuzz target: sizes near the top of `u64` (which HotSpot parses,
/// and then refuses) overflowed the heap alignment, the reasonable minimum, the average heap of
/// G1's and Shenandoah's region rules and the region size rounding. No size may panic.
#[test]
fn sizes_near_the_top_of_u64_do_not_overflow() {
    let max = u64::MAX;
    for jdk in ["8u181", "8u372", "11.0.20", "17.0.15", "21.0.8", "25.0.2"] {
        for gc in ["", "-XX:+UseSerialGC", "-XX:+UseParallelGC", "-XX:+UseG1GC"] {
            for opts in [
                format!("-Xmx{max} -Xms{max}"),
                "-Xms99999999999999999999 -Xms9999999999999999999 -Xmn171790x40000000".to_string(),
                format!("-Xmn{max}"),
                format!("-Xmx{max} -XX:G1HeapRegionSize={max}"),
                format!("-XX:MaxRAM={max} -XX:MaxRAMPercentage=100"),
            ] {
                let opts = format!("{opts} {gc}");
                let e = run(jdk, Some(1 << 30), &opts);
                assert!(e.min_heap <= e.initial_heap.value, "{jdk} {opts}");
                assert!(e.initial_heap.value <= e.max_heap.value, "{jdk} {opts}");
            }
        }
        let e = run(
            jdk,
            None,
            &format!("-XX:+UnlockExperimentalVMOptions -XX:+UseShenandoahGC -Xmx{max} -Xms{max}"),
        );
        assert!(e.initial_heap.value <= e.max_heap.value, "{jdk}");
    }
}

proptest::proptest! {
    /// Whatever the limit and percentages, the JVM's invariants hold: min <= initial <= max,
    /// all aligned, max at least 2 MiB.
    #[test]
    fn heap_invariants(
        limit_mib in 16u64..300_000,
        max_pct in proptest::option::of(1u32..100),
        init_pct in proptest::option::of(1u32..100),
        gc in 0usize..5,
        feature in proptest::sample::select(vec!["8u372", "11.0.20", "17.0.15", "21.0.8", "25.0.2"]),
    ) {
        let mut opts = String::new();
        if let Some(p) = max_pct { opts.push_str(&format!("-XX:MaxRAMPercentage={p}.0 ")); }
        if let Some(p) = init_pct { opts.push_str(&format!("-XX:InitialRAMPercentage={p}.0 ")); }
        opts.push_str(["", "-XX:+UseSerialGC", "-XX:+UseParallelGC", "-XX:+UseG1GC", "-XX:+UseZGC"][gc]);
        let e = run(feature, Some(limit_mib * MIB), &opts);
        if e.fails_to_start.is_empty() {
            proptest::prop_assert!(e.min_heap <= e.initial_heap.value);
            proptest::prop_assert!(e.initial_heap.value <= e.max_heap.value);
            proptest::prop_assert!(e.max_heap.value >= 2 * MIB);
            proptest::prop_assert_eq!(e.max_heap.value % e.heap_alignment, 0);
            proptest::prop_assert_eq!(e.initial_heap.value % e.heap_alignment, 0);
        }
    }
}
