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

/// Runs HotSpot's ergonomics for `jdk` with `flags` in `env`.
pub fn ergonomics(jdk: &JdkVersion, flags: &JvmFlags, env: &Environment) -> Ergonomics {
    let mut notes = Vec::new();
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

    let (mut container_aware, physical) = physical_memory(jdk, flags, env, &mut notes);
    // The experimental 8u131–10 flag: heap sizing only, v1 only, GC choice still sees the node.
    let mut heap_phys = physical.value;
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
                    container_aware = Derived {
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

    let cpus = active_processors(jdk, flags, env, container_aware.value);
    let server_class = cpus.value >= 2 && physical.value >= 2 * G - 256 * M;
    let (gc, gc_choice) = match flags.selected_gc() {
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
    };
    check_gc_available(jdk, flags, gc, &mut fails);

    // set_heap_size
    let ram_flag_given = flags.max_ram_percentage.is_some()
        || flags.min_ram_percentage.is_some()
        || flags.initial_ram_percentage.is_some()
        || flags.max_ram_fraction.is_some()
        || flags.min_ram_fraction.is_some()
        || flags.initial_ram_fraction.is_some()
        || flags.max_ram.is_some();
    let override_coop = jdk.ram_flags_override_coop_limit() && ram_flag_given;
    let basis = match &flags.max_ram {
        Some(s) => Derived {
            value: s.value,
            why: format!("{} ({}) replaces the physical memory", s.option, s.source),
        },
        None if override_coop => Derived {
            value: heap_phys,
            why: "the physical memory (a RAM flag lifts the 128Gi MaxRAM clamp)".into(),
        },
        None if heap_phys > DEFAULT_MAX_RAM => Derived {
            value: DEFAULT_MAX_RAM,
            why: "the physical memory clamped to MaxRAM's 128Gi default".into(),
        },
        None => Derived {
            value: heap_phys,
            why: "the physical memory".into(),
        },
    };
    let mem = basis.value;
    let fractions_apply = jdk.ram_fraction_flags() == FlagStatus::Accepted;
    let pct = |p: &Option<Setting<f64>>, f: &Option<Setting<u64>>, default: f64| -> (f64, String) {
        if let Some(s) = p {
            (s.value, format!("{} ({})", s.option, s.source))
        } else if let Some(s) = f.as_ref().filter(|_| fractions_apply) {
            (
                100.0 / s.value as f64,
                format!("{} ({}) = {}%", s.option, s.source, 100.0 / s.value as f64),
            )
        } else {
            (default, format!("the default {default}%"))
        }
    };
    let (max_pct, max_pct_why) = pct(&flags.max_ram_percentage, &flags.max_ram_fraction, 25.0);
    let (min_pct, min_pct_why) = pct(&flags.min_ram_percentage, &flags.min_ram_fraction, 50.0);
    let (init_pct, init_pct_why) = pct(
        &flags.initial_ram_percentage,
        &flags.initial_ram_fraction,
        1.5625,
    );

    let conservative = conservative_alignment(jdk, gc);
    let max_coop_raw = OOP_ENCODING_HEAP_MAX - align_up(PAGE, conservative);
    let flag_val = |s: &Option<Setting<u64>>| s.as_ref().map(|s| s.value);
    let mut coops = match &flags.use_compressed_oops {
        Some(s) => s.value,
        None => {
            let m = DEFAULT_MAX_HEAP_SIZE
                .max(flag_val(&flags.max_heap_size).unwrap_or(0))
                .max(flag_val(&flags.initial_heap_size).unwrap_or(0))
                .max(flag_val(&flags.min_heap_size).unwrap_or(0));
            m <= max_coop_raw
        }
    };
    if flags.use_compressed_oops.as_ref().is_some_and(|s| s.value) {
        let m = flag_val(&flags.max_heap_size).unwrap_or(0);
        if m > max_coop_raw {
            notes.push(
                "Max heap size too large for Compressed Oops: UseCompressedOops is switched off"
                    .into(),
            );
            coops = false;
        }
    }

    let (mut max, max_why) = match &flags.max_heap_size {
        Some(s) => (s.value, format!("{} ({})", s.option, s.source)),
        None => {
            let (mut rmax, mut why);
            if jdk.has_ram_percentage_flags() {
                rmax = trunc_pct(mem, max_pct);
                let rmin = trunc_pct(mem, min_pct);
                if rmin < DEFAULT_MAX_HEAP_SIZE {
                    why = format!(
                        "small memory: {} of {} (MinRAMPercentage, {min_pct_why}) is below the default MaxHeapSize ~124.8Mi, so it is the max heap and MaxRAMPercentage does not apply",
                        approx(rmin),
                        approx(mem)
                    );
                    rmax = rmin;
                } else if rmax < DEFAULT_MAX_HEAP_SIZE {
                    why = format!(
                        "{max_pct_why} of {} is {}, raised to the default MaxHeapSize ~124.8Mi",
                        approx(mem),
                        approx(rmax)
                    );
                    rmax = DEFAULT_MAX_HEAP_SIZE;
                } else {
                    why = format!("{max_pct_why} of {}", approx(mem));
                }
            } else {
                // JDK 8 before 8u191: integer fractions, small when phys <= MaxHeapSize * MinRAMFraction.
                let maxf = flags.max_ram_fraction.as_ref().map_or(4, |s| s.value);
                let minf = flags.min_ram_fraction.as_ref().map_or(2, |s| s.value);
                rmax = mem / maxf;
                why = format!("1/{maxf} of {}", approx(mem));
                if mem <= DEFAULT_MAX_HEAP_SIZE.saturating_mul(minf) {
                    rmax = mem / minf;
                    why = format!("small memory: 1/{minf} (MinRAMFraction) of {}", approx(mem));
                } else if rmax < DEFAULT_MAX_HEAP_SIZE {
                    rmax = DEFAULT_MAX_HEAP_SIZE;
                    why.push_str(", raised to the default MaxHeapSize ~124.8Mi");
                }
            }
            if coops {
                let mut max_coop = max_coop_raw;
                if HEAP_BASE_MIN_ADDRESS + DEFAULT_MAX_HEAP_SIZE < max_coop {
                    max_coop -= HEAP_BASE_MIN_ADDRESS;
                }
                if rmax > max_coop {
                    if flags.use_compressed_oops.is_none() && override_coop {
                        coops = false;
                        why.push_str("; above the compressed-oops limit, so compressed oops are switched off");
                    } else {
                        rmax = max_coop;
                        why.push_str(&format!(
                            "; capped at the compressed-oops limit {}",
                            approx(max_coop)
                        ));
                    }
                }
            }
            if let Some(s) = &flags.initial_heap_size {
                if s.value > rmax {
                    why = format!("raised to the initial heap {} ({})", s.option, s.source);
                }
                rmax = rmax.max(s.value);
            } else if let Some(s) = flags.min_heap_size.as_ref().filter(|_| jdk.feature >= 13) {
                if s.value > rmax {
                    why = format!("raised to the minimum heap {} ({})", s.option, s.source);
                }
                rmax = rmax.max(s.value);
            }
            (rmax, why)
        }
    };

    let new_size = flag_val(&flags.new_size).unwrap_or(DEFAULT_NEW_SIZE);
    let reasonable_minimum = DEFAULT_OLD_SIZE.saturating_add(new_size).min(max);
    let (mut initial, initial_why) = match &flags.initial_heap_size {
        Some(s) => (s.value, format!("{} ({})", s.option, s.source)),
        None => {
            let ri = trunc_pct(mem, init_pct);
            let v = ri
                .max(reasonable_minimum)
                .max(flag_val(&flags.min_heap_size).unwrap_or(0))
                .min(max);
            let why = if v == ri {
                format!("{init_pct_why} of {}", approx(mem))
            } else if v == max {
                "limited to the max heap".to_string()
            } else {
                format!(
                    "{init_pct_why} of {} is {}, raised to the minimum {}",
                    approx(mem),
                    approx(ri),
                    approx(v)
                )
            };
            (v, why)
        }
    };
    let mut min = match &flags.min_heap_size {
        Some(s) => s.value,
        None => reasonable_minimum.min(initial),
    };

    // GCArguments::initialize_heap_flags_and_sizes
    if is_cmdline(&flags.max_heap_size) {
        if is_cmdline(&flags.initial_heap_size) && initial > max {
            fails.push("Initial heap size set to a larger value than the maximum heap size".into());
        }
        if is_cmdline(&flags.min_heap_size) && max < min {
            fails.push("Incompatible minimum and maximum heap sizes specified".into());
        }
    }
    if max < 2 * M {
        fails.push("Too small maximum heap".into());
    }
    if initial < M {
        fails.push("Too small initial heap".into());
    }
    if min < M {
        fails.push("Too small minimum heap".into());
    }
    let (heap_alignment, region_size) = alignments(jdk, flags, gc, max, initial);
    min = align_up(min, heap_alignment);
    initial = align_up(initial, heap_alignment);
    max = align_up(max, heap_alignment);
    if is_cmdline(&flags.initial_heap_size) && is_cmdline(&flags.min_heap_size) && initial < min {
        fails.push("Incompatible minimum and initial heap sizes specified".into());
    }
    let mut max_why = max_why;
    if initial > max {
        // InitialHeapSize is never "default" here (set_heap_size set it ergonomically), so the
        // maximum follows the initial size.
        max = initial;
        max_why = match &flags.initial_heap_size {
            Some(s) => format!("raised to the initial heap {} ({})", s.option, s.source),
            None => "raised to the initial heap".into(),
        };
    }
    if matches!(gc, Gc::Serial | Gc::Parallel | Gc::ConcMarkSweep) {
        let gen = if gc == Gc::Parallel { 512 * K } else { 64 * K };
        let smallest_new = align_up(3 * gen, gen);
        let smallest_heap = align_up(smallest_new + gen, heap_alignment);
        if max < smallest_heap {
            max = smallest_heap;
        }
        if min < smallest_heap {
            min = smallest_heap;
            if initial < min {
                initial = smallest_heap;
            }
        }
        let mut ns = new_size;
        if is_cmdline(&flags.new_size) && ns >= initial {
            ns = ns.min(initial.saturating_sub(gen));
        }
        ns = align_down(ns.min(max.saturating_sub(gen)), gen).max(smallest_new);
        let old = align_down(DEFAULT_OLD_SIZE.max(gen), gen);
        if ns.saturating_add(old) > max && !is_cmdline(&flags.max_heap_size) {
            max = align_up(ns.saturating_add(old), heap_alignment);
            max_why.push_str("; raised so that the young and old generations fit");
        }
    }
    if gc == Gc::Z {
        // ZArguments::initialize: "CompressedOops not supported" (after set_heap_size, so the
        // compressed-oops cap above still applied).
        coops = false;
    }

    Ergonomics {
        jdk: jdk.clone(),
        container_aware,
        physical_memory: physical,
        heap_basis: basis,
        active_processors: cpus,
        gc,
        gc_choice,
        max_heap: Derived {
            value: max,
            why: format!("{max_why}; aligned up to {}", approx(heap_alignment)),
        },
        initial_heap: Derived {
            value: initial,
            why: format!("{initial_why}; aligned up to {}", approx(heap_alignment)),
        },
        min_heap: min,
        heap_alignment,
        region_size,
        compressed_oops: coops,
        fails_to_start: fails,
        notes,
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

#[cfg(test)]
mod tests;
