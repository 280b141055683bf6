//! HotSpot's startup ergonomics: the memory and CPUs the JVM sees, the collector it picks, and
//! the heap sizes it settles on, to the byte of `-XX:+PrintFlagsFinal`.
//!
//! Sources (jdk17u-dev unless noted): `Arguments::set_heap_size` in
//! `runtime/arguments.cpp` (jdk8u-dev for JDK 8), `GCArguments::initialize_heap_flags_and_sizes`
//! (`gc/shared/gcArguments.cpp`), `GenArguments` (`gc/shared/genArguments.cpp`),
//! `ParallelArguments`, `G1Arguments` and `HeapRegion::setup_heap_region_size`
//! (`gc/g1/heapRegion.cpp`, jdk11u for the older rule), `os::is_server_class_machine`, and the
//! cgroup code (`cgroupV1Subsystem_linux.cpp`, JDK-8292083). The Shenandoah region rule is
//! taken from measurements of 17.0.15, not from its source.
//!
//! What is not modelled: large pages (`-XX:+UseLargePages`, transparent huge pages in
//! `madvise` mode only matter with that flag), `ulimit -v` (`limit_heap_by_allocatable_memory`),
//! `-XX:+AggressiveHeap`, `-XX:OldSize`, `-XX:HeapBaseMinAddress`, `-XX:ErgoHeapSizeLimit`,
//! and non-x86_64 platforms.

use oomdoc_model::bytes::approx;

use crate::container::{active_processors, physical_memory};
pub use crate::container::{CgroupVersion, Cpus, Derived, Environment};
use crate::flags::{FlagSource, Gc, JvmFlags, Setting};
use crate::version::{FlagStatus, G1RegionRule, JdkVersion};
use gc_arguments::initialize_heap_flags_and_sizes;
use set_heap_size::set_heap_size;

const K: u64 = 1024;
const M: u64 = 1024 * K;
const G: u64 = 1024 * M;

/// `MaxHeapSize`'s default on Linux x86_64: `ScaleForWordSize(96M)` = 96 MiB × 13/10 rounded
/// down to 8 bytes = 130,862,280 (≈124.8 MiB).
pub const DEFAULT_MAX_HEAP_SIZE: u64 = 130_862_280;
/// `NewSize`'s default: `ScaleForWordSize(1M)`.
pub const DEFAULT_NEW_SIZE: u64 = 1_363_144;
/// `OldSize`'s default: `ScaleForWordSize(4M)`.
pub const DEFAULT_OLD_SIZE: u64 = 5_452_592;
/// `MaxRAM`'s default with the C2 compiler on x86_64: 128 GiB.
pub const DEFAULT_MAX_RAM: u64 = 128 * G;
const HEAP_BASE_MIN_ADDRESS: u64 = 2 * G;
/// Compressed oops with 8-byte object alignment address 32 GiB.
const OOP_ENCODING_HEAP_MAX: u64 = 32 * G;
const PAGE: u64 = 4 * K;
/// Card-table alignment: 512-byte cards × 4 KiB pages.
const CARD_TABLE_ALIGNMENT: u64 = 2 * M;

/// Where the collector choice came from.
#[derive(Debug, Clone, PartialEq)]
pub enum GcChoice {
    /// `-XX:+Use…GC` in the options.
    Flag(Setting<bool>),
    /// Server-class machine (≥ 2 CPUs and ≥ 1792 MiB): G1 (Parallel on 8).
    ServerClass,
    /// Not server-class: Serial.
    NotServerClass,
}

/// Everything the JVM decides about memory at startup.
#[derive(Debug, Clone, PartialEq)]
pub struct Ergonomics {
    /// The JDK modelled.
    pub jdk: JdkVersion,
    /// The JVM sizes the heap from the container limit.
    pub container_aware: Derived<bool>,
    /// `os::physical_memory()`: the limit when container-aware and below the host's memory,
    /// else the host's memory.
    pub physical_memory: Derived<u64>,
    /// The memory the heap percentages apply to (`MaxRAM`, or `physical_memory` clamped to the
    /// 128 GiB `MaxRAM` default when no RAM flag is given).
    pub heap_basis: Derived<u64>,
    /// `os::active_processor_count()`.
    pub active_processors: Derived<u32>,
    /// The collector.
    pub gc: Gc,
    /// Why that collector.
    pub gc_choice: GcChoice,
    /// `MaxHeapSize`, bytes.
    pub max_heap: Derived<u64>,
    /// `InitialHeapSize`, bytes.
    pub initial_heap: Derived<u64>,
    /// `MinHeapSize` (on JDK < 13, the internal minimum `-Xms` sets), bytes.
    pub min_heap: u64,
    /// `HeapAlignment`: every heap size is rounded up to it.
    pub heap_alignment: u64,
    /// G1's region size (`G1HeapRegionSize`) or Shenandoah's, when that collector is used.
    pub region_size: Option<u64>,
    /// `UseCompressedOops` after ergonomics.
    pub compressed_oops: bool,
    /// Reasons the JVM will not start with these options, with the JVM's message.
    pub fails_to_start: Vec<String>,
    /// Assumptions made and warnings the JVM prints.
    pub notes: Vec<String>,
}

fn trunc_pct(mem: u64, pct: f64) -> u64 {
    ((mem as f64 * pct) / 100.0) as u64
}

/// `v` rounded up to a multiple of `a`; the largest multiple when that passes `u64::MAX` (a
/// size the JVM cannot reserve anyway).
fn align_up(v: u64, a: u64) -> u64 {
    v.checked_next_multiple_of(a)
        .unwrap_or(align_down(u64::MAX, a))
}

/// `(a + b) / 2` without overflow.
fn mean(a: u64, b: u64) -> u64 {
    ((a as u128 + b as u128) / 2) as u64
}

fn align_down(v: u64, a: u64) -> u64 {
    v / a * a
}

/// The power of two at or above `v`; 2^63 above that (callers clamp it).
fn round_up_pow2(v: u64) -> u64 {
    v.checked_next_power_of_two().unwrap_or(1 << 63)
}

fn round_down_pow2(v: u64) -> u64 {
    if v == 0 {
        0
    } else {
        1 << (63 - v.leading_zeros())
    }
}

/// True when HotSpot's `FLAG_IS_CMDLINE` holds for the flag: it was set with origin
/// `COMMAND_LINE`. The launcher's arguments (including `JDK_JAVA_OPTIONS`) have that origin;
/// `-XX:` options from `JAVA_TOOL_OPTIONS` and `_JAVA_OPTIONS` have `ENVIRON_VAR`; but `-Xmx`,
/// `-Xms`, `-Xmn` and `-Xss` are always stored with `FLAG_SET_CMDLINE`, wherever they came from
/// (measured: `-Xmx256m -Xms512m` in `JAVA_TOOL_OPTIONS` stops the JVM like on the command
/// line).
fn is_cmdline<T>(s: &Option<Setting<T>>) -> bool {
    s.as_ref().is_some_and(|s| {
        !s.option.starts_with("-XX:")
            || matches!(
                s.source,
                FlagSource::CommandLine
                    | FlagSource::JdkJavaOptions
                    | FlagSource::ScriptVariable(_)
            )
    })
}

/// Runs HotSpot's ergonomics for `jdk` with `flags` in `env`, in HotSpot's order: the options'
/// checks, `os::physical_memory` (with the cgroup code), `os::active_processor_count`,
/// `GCConfig::select_gc`, `Arguments::set_heap_size`, then
/// `GCArguments::initialize_heap_flags_and_sizes`.
pub fn ergonomics(jdk: &JdkVersion, flags: &JvmFlags, env: &Environment) -> Ergonomics {
    let mut notes = Vec::new();
    let mut fails = option_problems(jdk, flags, &mut notes);
    let (mut container_aware, physical) = physical_memory(jdk, flags, env, &mut notes);
    let heap_phys = cgroup_memory_limit_for_heap(
        jdk,
        flags,
        env,
        physical.value,
        &mut container_aware,
        &mut fails,
        &mut notes,
    );
    let cpus = active_processors(jdk, flags, env, container_aware.value);
    let (gc, gc_choice) = select_gc(jdk, flags, cpus.value, physical.value, &mut fails);
    check_gc_available(jdk, flags, gc, &mut fails);

    let mut heap = set_heap_size(jdk, flags, gc, heap_phys, &mut notes);
    let (heap_alignment, region_size) =
        initialize_heap_flags_and_sizes(jdk, flags, gc, &mut heap, &mut fails);
    if gc == Gc::Z {
        // ZArguments::initialize: "CompressedOops not supported" (after set_heap_size, so the
        // compressed-oops cap above still applied).
        heap.coops = false;
    }

    Ergonomics {
        jdk: jdk.clone(),
        container_aware,
        physical_memory: physical,
        heap_basis: heap.basis,
        active_processors: cpus,
        gc,
        gc_choice,
        max_heap: Derived {
            value: heap.max,
            why: format!("{}; aligned up to {}", heap.max_why, approx(heap_alignment)),
        },
        initial_heap: Derived {
            value: heap.initial,
            why: format!(
                "{}; aligned up to {}",
                heap.initial_why,
                approx(heap_alignment)
            ),
        },
        min_heap: heap.min,
        heap_alignment,
        region_size,
        compressed_oops: heap.coops,
        fails_to_start: fails,
        notes,
    }
}

/// What the JVM's option processing (`Arguments::parse`) refuses, as reasons it will not start;
/// the options it ignores with a warning go to `notes`.
fn option_problems(jdk: &JdkVersion, flags: &JvmFlags, notes: &mut Vec<String>) -> Vec<String> {
    let mut fails: Vec<String> = flags
        .problems
        .iter()
        .filter(|p| p.status == FlagStatus::RefusesToStart)
        .map(|p| format!("{} ({}): {}", p.option, p.source, p.message))
        .collect();
    for p in flags
        .problems
        .iter()
        .filter(|p| p.status == FlagStatus::IgnoredWithWarning)
    {
        notes.push(format!(
            "{} ({}) is ignored: {}",
            p.option, p.source, p.message
        ));
    }
    if let Some(s) = &flags.use_container_support {
        if !jdk.container_support() {
            fails.push(format!(
                "{} ({}): Unrecognized VM option before 8u191 and JDK 10",
                s.option, s.source
            ));
        }
    }
    if let Some(s) = &flags.min_heap_size {
        if !jdk.has_min_heap_size_flag() && s.option.starts_with("-XX:") {
            fails.push(format!(
                "{} ({}): Unrecognized VM option: MinHeapSize exists since JDK 13",
                s.option, s.source
            ));
        }
    }
    fails
}

/// The experimental 8u131–10 `-XX:+UseCGroupMemoryLimitForHeap` (in `set_heap_size` there):
/// heap sizing only, v1 only, GC choice still sees the node. Returns the physical memory the
/// heap is sized from.
fn cgroup_memory_limit_for_heap(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    env: &Environment,
    physical: u64,
    container_aware: &mut Derived<bool>,
    fails: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> u64 {
    let mut heap_phys = physical;
    let experimental = flags
        .use_cgroup_memory_limit_for_heap
        .as_ref()
        .filter(|s| s.value);
    if let Some(s) = experimental {
        if !jdk.container_support() && jdk.has_cgroup_memory_limit_for_heap_flag() {
            if flags.unlock_experimental.as_ref().is_none_or(|u| !u.value) {
                fails.push(format!(
                    "{} ({}): VM option 'UseCGroupMemoryLimitForHeap' is experimental and must be enabled via -XX:+UnlockExperimentalVMOptions",
                    s.option, s.source
                ));
            } else if env.cgroup == CgroupVersion::V1 {
                if let Some(limit) = env.memory_limit {
                    heap_phys = heap_phys.min(limit);
                    *container_aware = Derived {
                        value: true,
                        why: format!(
                            "{} ({}) sizes the heap (only the heap) from the cgroup v1 limit",
                            s.option, s.source
                        ),
                    };
                }
            }
        } else if jdk.container_support() && jdk.feature < 11 {
            notes.push(
                "UseCGroupMemoryLimitForHeap is deprecated: container support already applies"
                    .into(),
            );
        }
    }
    heap_phys
}

/// `GCConfig::select_gc`: the `-XX:+Use…GC` flag, else `select_gc_ergonomically` (G1, or
/// Parallel on JDK 8, on a server-class machine per `os::is_server_class_machine`: ≥ 2 CPUs
/// and ≥ 1792 MiB; Serial otherwise).
fn select_gc(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    cpus: u32,
    physical: u64,
    fails: &mut Vec<String>,
) -> (Gc, GcChoice) {
    let server_class = cpus >= 2 && physical >= 2 * G - 256 * M;
    match flags.selected_gc() {
        Ok(Some(g)) => (
            g,
            GcChoice::Flag(flags.gc_setting(g).cloned().expect("selected")),
        ),
        Ok(None) if server_class => (jdk.server_default_gc(), GcChoice::ServerClass),
        Ok(None) => (Gc::Serial, GcChoice::NotServerClass),
        Err(gcs) => {
            fails.push(format!(
                "Conflicting collector combinations in option list: {}",
                gcs.iter().map(|g| g.flag()).collect::<Vec<_>>().join(", ")
            ));
            (
                gcs[gcs.len() - 1],
                GcChoice::Flag(
                    flags
                        .gc_setting(gcs[gcs.len() - 1])
                        .cloned()
                        .expect("selected"),
                ),
            )
        }
    }
}

/// The alignment `max_heap_for_compressed_oops` pads the null page to
/// (`Arguments::set_conservative_max_heap_alignment`): at least the 2 MiB card-table alignment.
fn conservative_alignment(jdk: &JdkVersion, gc: Gc) -> u64 {
    match gc {
        Gc::G1 => jdk.g1_conservative_alignment(),
        Gc::Shenandoah => 32 * M,
        _ => CARD_TABLE_ALIGNMENT,
    }
}

/// `HeapAlignment` and the region size for `gc`, computed from the unaligned sizes as each
/// collector's `initialize_alignments` does.
fn alignments(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    gc: Gc,
    max: u64,
    initial: u64,
) -> (u64, Option<u64>) {
    match gc {
        Gc::G1 => {
            let (lo, hi) = (M, jdk.g1_max_region_size());
            let region = match &flags.g1_heap_region_size {
                Some(s) if s.value > 0 => round_up_pow2(s.value).clamp(lo, hi),
                _ => match jdk.g1_region_rule() {
                    G1RegionRule::MaxHeapRoundUp => {
                        round_up_pow2((max / 2048).max(lo)).clamp(lo, hi)
                    }
                    G1RegionRule::AverageHeapRoundDown => {
                        round_down_pow2((mean(initial, max) / 2048).max(lo)).clamp(lo, hi)
                    }
                },
            };
            (region.max(CARD_TABLE_ALIGNMENT).max(PAGE), Some(region))
        }
        Gc::Shenandoah => {
            let (lo, hi) = (256 * K, 32 * M);
            let basis = if jdk.feature >= 17 {
                max
            } else {
                mean(initial, max)
            };
            let region = round_down_pow2((basis / 2048).max(lo)).clamp(lo, hi);
            (region, Some(region))
        }
        Gc::Epsilon => (PAGE, None),
        // Serial, Parallel, CMS: the card table; ZGC: its 2 MiB granule.
        _ => (CARD_TABLE_ALIGNMENT, None),
    }
}

fn check_gc_available(jdk: &JdkVersion, flags: &JvmFlags, gc: Gc, fails: &mut Vec<String>) {
    let unlocked = flags.unlock_experimental.as_ref().is_some_and(|s| s.value);
    let f = jdk.feature;
    let msg = match gc {
        Gc::Z if f < 11 => Some("ZGC does not exist before JDK 11"),
        Gc::Z if f < 15 && !unlocked => Some("VM option 'UseZGC' is experimental and must be enabled via -XX:+UnlockExperimentalVMOptions (JDK 11-14)"),
        Gc::Shenandoah if f < 12 => Some("Shenandoah is not in upstream builds before JDK 12 (some vendors backported it)"),
        Gc::Shenandoah if f < 15 && !unlocked => Some("VM option 'UseShenandoahGC' is experimental and must be enabled via -XX:+UnlockExperimentalVMOptions (JDK 12-14)"),
        Gc::Epsilon if f < 11 => Some("Epsilon does not exist before JDK 11"),
        Gc::Epsilon if !unlocked => Some("VM option 'UseEpsilonGC' is experimental and must be enabled via -XX:+UnlockExperimentalVMOptions"),
        _ => None,
    };
    if let Some(m) = msg {
        fails.push(m.to_string());
    }
}

mod gc_arguments;
mod set_heap_size;

#[cfg(test)]
mod tests;
