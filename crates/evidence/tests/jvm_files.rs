//! JVM container logs, hs_err files, NMT summaries and PrintFlagsFinal output.

use oomdoc_evidence::flags_final::{flag, parse_flags_final};
use oomdoc_evidence::hs_err::parse_hs_err;
use oomdoc_evidence::jvm_log::{parse_jvm_log, JvmLogFact as F, OomeKind as K};
use oomdoc_evidence::nmt::parse_nmt;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/jvm/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn every_oome_kind_and_marker() {
    let facts = parse_jvm_log(&fixture("app_ooms.log"));
    let kinds: Vec<(K, Option<String>, bool)> = facts
        .iter()
        .filter_map(|f| match f {
            F::OutOfMemoryError {
                kind,
                thread,
                caused_by,
                ..
            } => Some((kind.clone(), thread.clone(), *caused_by)),
            _ => None,
        })
        .collect();
    let t = |s: &str| Some(s.to_string());
    assert_eq!(
        kinds,
        [
            (K::JavaHeapSpace, None, false),
            (K::GcOverhead, t("http-nio-8080-exec-7"), false),
            (K::Metaspace, t("main"), false),
            (K::CompressedClassSpace, None, true),
            (K::DirectBuffer, t("reactor-http-epoll-3"), false),
            (K::DirectBuffer, None, false),
            (K::NativeThread, t("pool-3-thread-1"), false),
            (K::NativeThread, t("Timer-0"), false),
            (K::ArraySize, t("main"), false),
        ]
    );
    assert!(facts.iter().any(
        |f| matches!(f, F::Terminating { kind: K::JavaHeapSpace, cited } if cited.line == 20)
    ));
    assert!(facts
        .iter()
        .any(|f| matches!(f, F::HeapDumpStarted { path, .. } if path == "/dumps/java_pid1.hprof")));
    assert!(facts.iter().any(|f| matches!(
        f,
        F::HeapDumpCreated {
            bytes: Some(1_073_741_824),
            ..
        }
    )));
    assert!(facts
        .iter()
        .any(|f| matches!(f, F::ThreadStartFailed { .. })));
    assert!(facts.iter().any(|f| matches!(
        f,
        F::NettyDirectMemory {
            requested: Some(16_777_216),
            used: Some(1_056_964_615),
            max: Some(1_073_741_824),
            ..
        }
    )));
    let gcs: Vec<_> = facts
        .iter()
        .filter_map(|f| match f {
            F::GcPause {
                uptime_s,
                gc_id,
                what,
                before_bytes,
                after_bytes,
                capacity_bytes,
                pause_ms,
                ..
            } => Some((
                *uptime_s,
                *gc_id,
                what.clone(),
                *before_bytes,
                *after_bytes,
                *capacity_bytes,
                *pause_ms,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(gcs.len(), 2);
    assert_eq!(
        gcs[1],
        (
            Some(3001.101),
            Some(812),
            "Pause Full (G1 Compaction Pause)".to_string(),
            1020 << 20,
            1019 << 20,
            1024 << 20,
            Some(123.456)
        )
    );
    assert_eq!(gcs[0].2, "Pause Young (Normal) (G1 Evacuation Pause)");
}

#[test]
fn crash_on_oom_and_native_alloc_on_stdout() {
    let f = parse_jvm_log(&fixture("crash_on_oom.log"));
    assert!(matches!(
        &f[0],
        F::Aborting {
            kind: K::JavaHeapSpace,
            ..
        }
    ));
    let f = parse_jvm_log(&fixture("native_alloc_stdout.log"));
    let allocs: Vec<_> = f
        .iter()
        .filter_map(|x| {
            if let F::NativeAllocFailure { alloc, .. } = x {
                Some(alloc.clone())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(allocs.len(), 3);
    let a = allocs[0].as_ref().unwrap();
    assert_eq!(
        (a.how.as_str(), a.bytes, a.errno),
        ("commit_memory", Some(1_073_741_824), Some(12))
    );
    let b = allocs[2].as_ref().unwrap();
    assert_eq!(
        (b.how.as_str(), b.bytes, b.purpose.as_deref()),
        (
            "mmap",
            Some(1_073_741_824),
            Some("committing reserved memory")
        )
    );
}

#[test]
fn hs_err_variants() {
    let h = parse_hs_err(&fixture("hs_err_mmap_jdk17.log"));
    assert_eq!(h.insufficient_memory.as_ref().unwrap().line, 2);
    let (a, _) = h.native_alloc.as_ref().unwrap();
    assert_eq!((a.how.as_str(), a.bytes), ("mmap", Some(12288)));
    assert_eq!(h.oom_error_at.as_ref().unwrap().0, "os_linux.cpp:2749");
    assert_eq!((h.pid, h.java_feature), (Some(1), Some(17)));
    assert_eq!(h.jvm_args.as_deref(), Some("-XX:MaxRAMPercentage=75.0"));
    assert_eq!(h.container_memory_limit.as_deref(), Some("4194304 k"));
    let h = parse_hs_err(&fixture("hs_err_malloc_jdk8.log"));
    let (a, _) = h.native_alloc.as_ref().unwrap();
    assert_eq!(
        (a.how.as_str(), a.bytes, a.purpose.as_deref()),
        ("malloc", Some(1_048_576), Some("AllocateHeap"))
    );
    assert_eq!((h.pid, h.java_feature), (Some(4312), Some(8)));
    let h = parse_hs_err(&fixture("hs_err_sigsegv_jdk21.log"));
    assert!(h.insufficient_memory.is_none() && h.native_alloc.is_none());
    assert_eq!(h.signal.as_ref().unwrap().0, "SIGSEGV (0xb)");
    assert_eq!(h.java_feature, Some(21));
}

#[test]
fn nmt_kb_and_mb_scales() {
    let n = parse_nmt(&fixture("nmt_jdk17.txt"));
    let t = n.total.as_ref().unwrap();
    assert_eq!(
        (t.reserved_bytes, t.committed_bytes),
        (2_577_823 << 10, 1_288_299 << 10)
    );
    assert_eq!(n.categories.len(), 7);
    assert_eq!(
        n.category("Java Heap").unwrap().committed_bytes,
        1_048_576 << 10
    );
    assert_eq!(n.category("Thread").unwrap().reserved_bytes, 32_882 << 10);
    assert_eq!(n.category("Other").unwrap().committed_bytes, 262_207 << 10);
    let n = parse_nmt(&fixture("nmt_jdk21_mb.txt"));
    assert_eq!(n.total.as_ref().unwrap().committed_bytes, 1302 << 20);
    assert_eq!(n.categories.len(), 4);
    assert_eq!(n.category("Java Heap").unwrap().reserved_bytes, 1 << 30);
}

#[test]
fn flags_final_jdk17_and_jdk8() {
    let f = parse_flags_final(&fixture("flags_final_jdk17.txt"));
    assert_eq!(f.len(), 11);
    let m = flag(&f, "MaxHeapSize").unwrap();
    assert_eq!(
        (m.ty.as_str(), m.as_u64(), m.changed),
        ("size_t", Some(1_073_741_824), true)
    );
    assert_eq!(m.origin, ["product", "ergonomic"]);
    assert_eq!(flag(&f, "MaxRAMPercentage").unwrap().value, "25.000000");
    assert!(!flag(&f, "MaxRAMPercentage").unwrap().changed);
    assert_eq!(
        flag(&f, "ThreadStackSize").unwrap().origin,
        ["pd product", "default"]
    );
    assert_eq!(flag(&f, "OnOutOfMemoryError").unwrap().value, "");
    let f = parse_flags_final(&fixture("flags_final_jdk8.txt"));
    assert_eq!(f.len(), 5);
    let m = flag(&f, "MaxHeapSize").unwrap();
    assert_eq!(
        (m.as_u64(), m.changed, m.cited.line),
        (Some(1_031_798_784), true, 3)
    );
}
