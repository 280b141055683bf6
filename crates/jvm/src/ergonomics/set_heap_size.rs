//! `Arguments::set_heap_size` (`runtime/arguments.cpp`, jdk8u-dev for JDK 8): `MaxHeapSize`,
//! `InitialHeapSize` and `MinHeapSize` before the collector aligns them, with
//! `Arguments::set_use_compressed_oops`, which decides compressed oops before it.

use oomdoc_model::bytes::approx;

use super::{
    align_up, conservative_alignment, trunc_pct, DEFAULT_MAX_HEAP_SIZE, DEFAULT_MAX_RAM,
    DEFAULT_NEW_SIZE, DEFAULT_OLD_SIZE, HEAP_BASE_MIN_ADDRESS, OOP_ENCODING_HEAP_MAX, PAGE,
};
use crate::container::Derived;
use crate::flags::{Gc, JvmFlags, Setting};
use crate::version::{FlagStatus, JdkVersion};

/// The heap sizes `set_heap_size` settles on, unaligned.
pub(super) struct HeapSize {
    /// The memory the heap percentages apply to.
    pub(super) basis: Derived<u64>,
    pub(super) max: u64,
    pub(super) max_why: String,
    pub(super) initial: u64,
    pub(super) initial_why: String,
    pub(super) min: u64,
    /// `NewSize` (the flag or its default).
    pub(super) new_size: u64,
    /// `UseCompressedOops`.
    pub(super) coops: bool,
}

/// `MaxRAMPercentage`, `MinRAMPercentage` and `InitialRAMPercentage` in effect (from the
/// fraction flags where they still apply), each with where it came from.
struct RamPercentages {
    max: f64,
    max_why: String,
    min: f64,
    min_why: String,
    init: f64,
    init_why: String,
}

fn flag_val(s: &Option<Setting<u64>>) -> Option<u64> {
    s.as_ref().map(|s| s.value)
}

/// `Arguments::set_heap_size` on `heap_phys` (the physical memory the heap is sized from).
pub(super) fn set_heap_size(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    gc: Gc,
    heap_phys: u64,
    notes: &mut Vec<String>,
) -> HeapSize {
    let ram_flag_given = flags.max_ram_percentage.is_some()
        || flags.min_ram_percentage.is_some()
        || flags.initial_ram_percentage.is_some()
        || flags.max_ram_fraction.is_some()
        || flags.min_ram_fraction.is_some()
        || flags.initial_ram_fraction.is_some()
        || flags.max_ram.is_some();
    let override_coop = jdk.ram_flags_override_coop_limit() && ram_flag_given;
    let basis = heap_basis(flags, heap_phys, override_coop);
    let mem = basis.value;
    let pcts = ram_percentages(jdk, flags);

    let conservative = conservative_alignment(jdk, gc);
    let max_coop_raw = OOP_ENCODING_HEAP_MAX - align_up(PAGE, conservative);
    let mut coops = set_use_compressed_oops(flags, max_coop_raw, notes);

    let (max, max_why) = match &flags.max_heap_size {
        Some(s) => (s.value, format!("{} ({})", s.option, s.source)),
        None => reasonable_max(
            jdk,
            flags,
            mem,
            &pcts,
            max_coop_raw,
            override_coop,
            &mut coops,
        ),
    };
    let new_size = flag_val(&flags.new_size).unwrap_or(DEFAULT_NEW_SIZE);
    let (initial, initial_why, min) = initial_and_min_heap(flags, mem, &pcts, max, new_size);
    HeapSize {
        basis,
        max,
        max_why,
        initial,
        initial_why,
        min,
        new_size,
        coops,
    }
}

/// The memory the percentages apply to: `MaxRAM`, or the physical memory clamped to `MaxRAM`'s
/// default unless a RAM flag lifts the clamp.
fn heap_basis(flags: &JvmFlags, heap_phys: u64, override_coop: bool) -> Derived<u64> {
    match &flags.max_ram {
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
    }
}

fn ram_percentages(jdk: &JdkVersion, flags: &JvmFlags) -> RamPercentages {
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
    let (max, max_why) = pct(&flags.max_ram_percentage, &flags.max_ram_fraction, 25.0);
    let (min, min_why) = pct(&flags.min_ram_percentage, &flags.min_ram_fraction, 50.0);
    let (init, init_why) = pct(
        &flags.initial_ram_percentage,
        &flags.initial_ram_fraction,
        1.5625,
    );
    RamPercentages {
        max,
        max_why,
        min,
        min_why,
        init,
        init_why,
    }
}

/// `Arguments::set_use_compressed_oops`: on by default when the largest heap flag fits the
/// compressed-oops limit; off (with the JVM's warning) when `-XX:+UseCompressedOops` cannot be.
fn set_use_compressed_oops(flags: &JvmFlags, max_coop_raw: u64, notes: &mut Vec<String>) -> bool {
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
    coops
}

/// `set_heap_size`'s `reasonable_max` when `MaxHeapSize` is not given: the RAM percentage (or
/// fraction, JDK 8 before 8u191), capped for compressed oops, at least the initial heap.
fn reasonable_max(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    mem: u64,
    pcts: &RamPercentages,
    max_coop_raw: u64,
    override_coop: bool,
    coops: &mut bool,
) -> (u64, String) {
    let (max_pct, max_pct_why) = (pcts.max, &pcts.max_why);
    let (min_pct, min_pct_why) = (pcts.min, &pcts.min_why);
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
    if *coops {
        let mut max_coop = max_coop_raw;
        if HEAP_BASE_MIN_ADDRESS + DEFAULT_MAX_HEAP_SIZE < max_coop {
            max_coop -= HEAP_BASE_MIN_ADDRESS;
        }
        if rmax > max_coop {
            if flags.use_compressed_oops.is_none() && override_coop {
                *coops = false;
                why.push_str(
                    "; above the compressed-oops limit, so compressed oops are switched off",
                );
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

/// The rest of `set_heap_size`: `InitialHeapSize` (the flag, or `InitialRAMPercentage` of the
/// basis between the reasonable minimum and `max`) and `MinHeapSize`.
fn initial_and_min_heap(
    flags: &JvmFlags,
    mem: u64,
    pcts: &RamPercentages,
    max: u64,
    new_size: u64,
) -> (u64, String, u64) {
    let (init_pct, init_pct_why) = (pcts.init, &pcts.init_why);
    let reasonable_minimum = DEFAULT_OLD_SIZE.saturating_add(new_size).min(max);
    let (initial, initial_why) = match &flags.initial_heap_size {
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
    let min = match &flags.min_heap_size {
        Some(s) => s.value,
        None => reasonable_minimum.min(initial),
    };
    (initial, initial_why, min)
}
