//! The whole-process memory budget: every pool the JVM fills, with where its figure comes from,
//! against the container limit.
//!
//! This is the arithmetic of Paketo's memory calculator (`paketo-buildpacks/libjvm`, `calc`:
//! heap = limit − (direct memory + metaspace + reserved code cache + thread stack × threads +
//! headroom), metaspace = 14,000,000 + 5,800 × loaded classes, direct memory 10 MiB, code cache
//! 240 MiB, stacks 1 MiB × 250 threads), turned around: the heap is what the JVM's own
//! ergonomics chose, and the question is whether everything else still fits. Paketo leaves GC
//! structures and other native memory to the headroom; here they are pools of their own, each
//! with its rule stated.
//!
//! Heap, code cache and metaspace caps are exact JVM values. Thread stacks, direct buffers,
//! GC structures and other native memory depend on the application: their figures are
//! budgets, and each says so ([`Provenance::Assumption`] or [`Provenance::Rule`]).

use oomdoc_model::bytes::approx;

use crate::ergonomics::Ergonomics;
use crate::flags::{Gc, JvmFlags, Setting};

const M: u64 = 1 << 20;

/// Loaded classes assumed when none are given: a mid-sized Spring Boot service loads 10,000 to
/// 20,000 classes.
pub const DEFAULT_CLASSES: u32 = 15_000;
/// Threads assumed when none are given: Paketo's default (`BPL_JVM_THREAD_COUNT`), about a
/// 200-thread Tomcat pool plus the JVM's own threads.
pub const DEFAULT_THREADS: u32 = 250;
/// Direct-buffer budget when `MaxDirectMemorySize` is not set: Paketo's 10 MiB.
pub const DEFAULT_DIRECT_BUDGET: u64 = 10 * M;

/// Where a pool's figure comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Provenance {
    /// An option sets it: the option and its source.
    Flag { option: String, source: String },
    /// The JVM's default for this version.
    JvmDefault,
    /// HotSpot's ergonomics computed it (the heap).
    Ergonomic,
    /// Derived from the JVM's data-structure sizes by a stated rule.
    Rule,
    /// An assumption about the application, stated in `why`.
    Assumption,
}

impl Provenance {
    /// `flag`, `jvm default`, `ergonomic`, `rule`, `assumption`.
    pub fn kind(&self) -> &'static str {
        match self {
            Provenance::Flag { .. } => "flag",
            Provenance::JvmDefault => "jvm default",
            Provenance::Ergonomic => "ergonomic",
            Provenance::Rule => "rule",
            Provenance::Assumption => "assumption",
        }
    }

    fn of<T>(s: &Setting<T>) -> Provenance {
        Provenance::Flag {
            option: s.option.clone(),
            source: s.source.label(),
        }
    }
}

/// One memory pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// `heap`, `metaspace`, `code_cache`, `thread_stacks`, `direct_buffers`, `gc_overhead`,
    /// `other_native`.
    pub name: &'static str,
    /// Bytes budgeted.
    pub bytes: u64,
    /// Where the figure comes from.
    pub provenance: Provenance,
    /// How it was arrived at.
    pub why: String,
}

/// What the budget needs to know about the application.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Workload {
    /// Live threads; [`DEFAULT_THREADS`] when `None`.
    pub threads: Option<u32>,
    /// Loaded classes; [`DEFAULT_CLASSES`] when `None`.
    pub classes: Option<u32>,
}

/// The budget against the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Heap first, then the non-heap pools.
    pub pools: Vec<Pool>,
    /// The sum of the pools.
    pub footprint: u64,
    /// The container limit, if any.
    pub limit: Option<u64>,
    /// `limit − footprint`; negative when the budget does not fit.
    pub headroom: Option<i64>,
}

impl Budget {
    /// The pool called `name`.
    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.name == name)
    }

    /// Everything but the heap.
    pub fn non_heap(&self) -> u64 {
        self.footprint - self.pool("heap").map_or(0, |p| p.bytes)
    }
}

/// Metaspace for `classes` loaded classes, Paketo's estimate: 14,000,000 + 5,800 per class.
pub fn metaspace_estimate(classes: u32) -> u64 {
    14_000_000 + 5_800 * classes as u64
}

/// The code cache the JVM reserves by default: 240 MiB with tiered compilation (48 MiB
/// without); JDK 25 adds 4 KiB (measured 251,662,336).
pub fn default_code_cache(ergo: &Ergonomics, flags: &JvmFlags) -> u64 {
    let tiered = flags.tiered_compilation.as_ref().is_none_or(|s| s.value);
    match (tiered, ergo.jdk.feature >= 25) {
        (true, false) => 240 * M,
        (true, true) => 240 * M + 4096,
        (false, _) => 48 * M,
    }
}

/// GC data structures outside the heap, by collector (a budget, not an exact figure):
/// - Serial: card table and block-offset table, one byte per 512 heap bytes each: heap/256.
/// - Parallel: those plus the mark bitmap (2 bits per 8-byte word): heap/256 + heap/32.
/// - G1: card table, block-offset table and card counts (3 × heap/512), two mark bitmaps
///   (heap/32), remembered sets assumed at 5% of the heap, and 2 MiB of task queues per
///   active processor.
/// - ZGC and Shenandoah: mark bitmaps and forwarding tables, assumed heap/16.
pub fn gc_overhead(gc: Gc, heap: u64, cpus: u32) -> (u64, String) {
    match gc {
        Gc::Serial | Gc::ConcMarkSweep => (heap / 256, "card table + block offset table: heap/256".into()),
        Gc::Parallel => (heap / 256 + heap / 32, "card table + block offset table + mark bitmap: heap/256 + heap/32".into()),
        Gc::G1 => (
            (3 * heap as u128 / 512) as u64 + heap / 32 + heap / 20 + cpus as u64 * 2 * M,
            format!("card table, BOT, card counts (3 x heap/512) + 2 mark bitmaps (heap/32) + remembered sets (assumed 5% of heap) + 2Mi task queues x {cpus} CPUs"),
        ),
        Gc::Z | Gc::Shenandoah => (heap / 16, "mark bitmaps and forwarding tables, assumed heap/16".into()),
        Gc::Epsilon => (0, "Epsilon keeps no GC structures".into()),
    }
}

/// Other native memory (a budget): 40 MiB for the VM itself (symbol and string tables, the CDS
/// archive, compiler arenas, class-loader data) plus 8 MiB per active processor for glibc
/// malloc arenas (`MALLOC_ARENA_MAX` unset: up to 8 arenas per CPU, each committed as used).
pub fn other_native(cpus: u32) -> (u64, String) {
    (
        40 * M + cpus as u64 * 8 * M,
        format!("40Mi for the VM (symbols, CDS archive, JIT arenas) + 8Mi glibc malloc arenas x {cpus} CPUs (assumed; NMT shows the real figure)"),
    )
}

/// The heap pool: MaxHeapSize as ergonomics decided it.
fn heap_pool(ergo: &Ergonomics, flags: &JvmFlags) -> Pool {
    Pool {
        name: "heap",
        bytes: ergo.max_heap.value,
        provenance: match &flags.max_heap_size {
            Some(s) => Provenance::of(s),
            None => Provenance::Ergonomic,
        },
        why: ergo.max_heap.why.clone(),
    }
}

/// Class metadata: MaxMetaspaceSize when set, else Paketo's estimate for the class count.
fn metaspace_pool(flags: &JvmFlags, workload: Workload) -> Pool {
    let classes = workload.classes.unwrap_or(DEFAULT_CLASSES);
    let estimate = metaspace_estimate(classes);
    let class_note = if workload.classes.is_some() {
        format!("{classes} classes")
    } else {
        format!("{classes} classes (assumed; pass the real count)")
    };
    match &flags.max_metaspace_size {
        Some(s) => Pool {
            name: "metaspace",
            bytes: s.value,
            provenance: Provenance::of(s),
            why: format!(
                "MaxMetaspaceSize caps class metadata, including the compressed class space; estimate for {class_note}: {} (14 MB + 5.8 KB per class)",
                approx(estimate)
            ),
        },
        None => Pool {
            name: "metaspace",
            bytes: estimate,
            provenance: if workload.classes.is_some() { Provenance::Rule } else { Provenance::Assumption },
            why: format!(
                "MaxMetaspaceSize is unlimited by default; {class_note} x 5.8 KB + 14 MB (Paketo's estimate), compressed class space included (reserved {} virtual, committed as classes load)",
                approx(flags.compressed_class_space_size.as_ref().map_or(1 << 30, |s| s.value))
            ),
        },
    }
}

/// The code cache: ReservedCodeCacheSize or its default.
fn code_cache_pool(ergo: &Ergonomics, flags: &JvmFlags) -> Pool {
    match &flags.reserved_code_cache_size {
        Some(s) => Pool {
            name: "code_cache",
            bytes: s.value,
            provenance: Provenance::of(s),
            why: "ReservedCodeCacheSize".into(),
        },
        None => {
            let tiered = flags.tiered_compilation.as_ref().is_none_or(|s| s.value);
            Pool {
                name: "code_cache",
                bytes: default_code_cache(ergo, flags),
                provenance: Provenance::JvmDefault,
                why: if tiered {
                    "ReservedCodeCacheSize default with tiered compilation (240Mi), filled as methods are compiled".into()
                } else {
                    "ReservedCodeCacheSize default without tiered compilation (48Mi)".into()
                },
            }
        }
    }
}

/// Thread stacks: threads x Xss (or the 1 MiB default), the worst case.
fn thread_stacks_pool(flags: &JvmFlags, workload: Workload) -> Pool {
    let threads = workload.threads.unwrap_or(DEFAULT_THREADS);
    let stack = flags.thread_stack_size.as_ref().map_or(M, |s| s.value);
    Pool {
        name: "thread_stacks",
        bytes: (threads as u64).saturating_mul(stack),
        provenance: match &flags.thread_stack_size {
            Some(s) => Provenance::of(s),
            None if workload.threads.is_some() => Provenance::JvmDefault,
            None => Provenance::Assumption,
        },
        why: format!(
            "{threads} threads{} x {} stack ({}); reserved per thread, committed as touched, so this is the worst case",
            if workload.threads.is_some() { "" } else { " (assumed, Paketo's default)" },
            approx(stack),
            if flags.thread_stack_size.is_some() { "Xss" } else { "the x86_64 Linux default 1Mi" }
        ),
    }
}

/// NIO direct buffers: MaxDirectMemorySize, else Paketo's 10 MiB budget.
fn direct_buffers_pool(flags: &JvmFlags, heap: u64) -> Pool {
    match &flags.max_direct_memory_size {
        Some(s) => Pool {
            name: "direct_buffers",
            bytes: s.value,
            provenance: Provenance::of(s),
            why: "MaxDirectMemorySize caps NIO direct buffers".into(),
        },
        None => Pool {
            name: "direct_buffers",
            bytes: DEFAULT_DIRECT_BUDGET,
            provenance: Provenance::Assumption,
            why: format!(
                "MaxDirectMemorySize is unset, so direct buffers may grow to Runtime.maxMemory() (~{}, about the max heap); budgeted at 10Mi like Paketo, which holds only for apps that use little NIO (Netty, gRPC, Kafka clients use much more) - set -XX:MaxDirectMemorySize",
                approx(heap)
            ),
        },
    }
}

/// The budget for a JVM whose ergonomics are `ergo`, in a container with `limit`.
pub fn budget(
    ergo: &Ergonomics,
    flags: &JvmFlags,
    workload: Workload,
    limit: Option<u64>,
) -> Budget {
    let heap = ergo.max_heap.value;
    let mut pools = vec![
        heap_pool(ergo, flags),
        metaspace_pool(flags, workload),
        code_cache_pool(ergo, flags),
        thread_stacks_pool(flags, workload),
        direct_buffers_pool(flags, heap),
    ];
    let (gc_bytes, gc_why) = gc_overhead(ergo.gc, heap, ergo.active_processors.value);
    pools.push(Pool {
        name: "gc_overhead",
        bytes: gc_bytes,
        provenance: Provenance::Rule,
        why: format!("{}: {gc_why}", ergo.gc),
    });

    let (native, native_why) = other_native(ergo.active_processors.value);
    pools.push(Pool {
        name: "other_native",
        bytes: native,
        provenance: Provenance::Assumption,
        why: native_why,
    });

    // Saturating: the options may give sizes near u64::MAX (the JVM then refuses to start).
    let footprint = pools
        .iter()
        .fold(0u64, |sum, p| sum.saturating_add(p.bytes));
    let signed = |b: u64| i64::try_from(b).unwrap_or(i64::MAX);
    Budget {
        pools,
        footprint,
        limit,
        headroom: limit.map(|l| signed(l).saturating_sub(signed(footprint))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ergonomics::{ergonomics, CgroupVersion, Cpus, Environment};
    use crate::flags::{split_options, FlagSource};
    use crate::version::JdkVersion;

    fn run(limit: u64, opts: &str, w: Workload) -> Budget {
        let jdk = JdkVersion::new(17, 15);
        let flags = JvmFlags::parse(&[(FlagSource::CommandLine, split_options(opts))], &jdk);
        let env = Environment {
            host_memory: 64 << 30,
            host_cpus: 2,
            memory_limit: Some(limit),
            cgroup: CgroupVersion::V2,
            cpus: Cpus::Host,
        };
        let e = ergonomics(&jdk, &flags, &env);
        budget(&e, &flags, w, Some(limit))
    }

    /// Found by the `jvm_options` fuzz target: sizes near the top of `u64` (which HotSpot parses)
    /// overflowed the heap alignment, the G1 overhead, the stacks and the sum. Figures saturate
    /// instead.
    #[test]
    fn sizes_near_the_top_of_u64_do_not_overflow() {
        let max = u64::MAX;
        for opts in [
            "-Xms07766279631452241918".to_string(),
            format!("-Xmx{max} -XX:+UseG1GC"),
            format!("-Xmx{} -XX:+UseG1GC", 1u64 << 63),
            format!("-Xmx{max} -XX:+UseParallelGC"),
            format!("-Xss{max}"),
            format!("-Xss{}", max - 100),
            format!("-XX:ThreadStackSize={max}"),
            format!("-XX:MaxDirectMemorySize={max} -XX:ReservedCodeCacheSize={max}"),
            format!("-XX:MaxMetaspaceSize={max} -XX:MaxRAM={max}"),
        ] {
            let b = run(1 << 30, &opts, Workload::default());
            assert!(b.pools.iter().all(|p| p.bytes <= b.footprint), "{opts}");
            assert_eq!(b.headroom.unwrap() < 0, b.footprint > 1 << 30, "{opts}");
        }
    }

    #[test]
    fn seed_case_fits_with_default_heap() {
        let b = run(4 << 30, "", Workload::default());
        assert_eq!(b.pool("heap").unwrap().bytes, 1 << 30);
        assert_eq!(b.pool("code_cache").unwrap().bytes, 240 << 20);
        assert_eq!(b.pool("thread_stacks").unwrap().bytes, 250 << 20);
        assert_eq!(
            b.pool("metaspace").unwrap().bytes,
            14_000_000 + 5_800 * 15_000
        );
        assert_eq!(
            b.pool("thread_stacks").unwrap().provenance,
            Provenance::Assumption
        );
        assert_eq!(b.footprint, b.pools.iter().map(|p| p.bytes).sum::<u64>());
        assert!(b.headroom.unwrap() > 0);
    }

    #[test]
    fn a_big_heap_in_a_small_limit_does_not_fit() {
        let b = run(
            1 << 30,
            "-XX:MaxRAMPercentage=90 -Xss512k",
            Workload {
                threads: Some(300),
                classes: Some(20_000),
            },
        );
        assert_eq!(b.pool("thread_stacks").unwrap().bytes, 150 << 20);
        assert!(matches!(
            b.pool("thread_stacks").unwrap().provenance,
            Provenance::Flag { .. }
        ));
        assert!(b.headroom.unwrap() < 0);
    }

    #[test]
    fn flags_replace_defaults() {
        let b = run(2 << 30, "-XX:ReservedCodeCacheSize=64m -XX:MaxDirectMemorySize=32m -XX:MaxMetaspaceSize=128m -XX:-TieredCompilation", Workload::default());
        assert_eq!(b.pool("code_cache").unwrap().bytes, 64 << 20);
        assert_eq!(b.pool("direct_buffers").unwrap().bytes, 32 << 20);
        assert_eq!(b.pool("metaspace").unwrap().bytes, 128 << 20);
        let b = run(2 << 30, "-XX:-TieredCompilation", Workload::default());
        assert_eq!(b.pool("code_cache").unwrap().bytes, 48 << 20);
    }
}
