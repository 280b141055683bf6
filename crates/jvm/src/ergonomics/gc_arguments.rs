//! `GCArguments::initialize_heap_flags_and_sizes` (`gc/shared/gcArguments.cpp`) and the
//! generational collectors' `GenArguments::initialize_heap_flags_and_sizes`
//! (`gc/shared/genArguments.cpp`): the checks, each collector's alignment, and the minimum
//! young and old generations.

use super::set_heap_size::HeapSize;
use super::{align_down, align_up, alignments, is_cmdline, DEFAULT_OLD_SIZE, K, M};
use crate::flags::{Gc, JvmFlags};
use crate::version::JdkVersion;

/// `GCArguments::initialize_heap_flags_and_sizes` on the sizes of `set_heap_size`: returns
/// `HeapAlignment` and the region size.
pub(super) fn initialize_heap_flags_and_sizes(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    gc: Gc,
    heap: &mut HeapSize,
    fails: &mut Vec<String>,
) -> (u64, Option<u64>) {
    if is_cmdline(&flags.max_heap_size) {
        if is_cmdline(&flags.initial_heap_size) && heap.initial > heap.max {
            fails.push("Initial heap size set to a larger value than the maximum heap size".into());
        }
        if is_cmdline(&flags.min_heap_size) && heap.max < heap.min {
            fails.push("Incompatible minimum and maximum heap sizes specified".into());
        }
    }
    if heap.max < 2 * M {
        fails.push("Too small maximum heap".into());
    }
    if heap.initial < M {
        fails.push("Too small initial heap".into());
    }
    if heap.min < M {
        fails.push("Too small minimum heap".into());
    }
    let (heap_alignment, region_size) = alignments(jdk, flags, gc, heap.max, heap.initial);
    heap.min = align_up(heap.min, heap_alignment);
    heap.initial = align_up(heap.initial, heap_alignment);
    heap.max = align_up(heap.max, heap_alignment);
    if is_cmdline(&flags.initial_heap_size)
        && is_cmdline(&flags.min_heap_size)
        && heap.initial < heap.min
    {
        fails.push("Incompatible minimum and initial heap sizes specified".into());
    }
    if heap.initial > heap.max {
        // InitialHeapSize is never "default" here (set_heap_size set it ergonomically), so the
        // maximum follows the initial size.
        heap.max = heap.initial;
        heap.max_why = match &flags.initial_heap_size {
            Some(s) => format!("raised to the initial heap {} ({})", s.option, s.source),
            None => "raised to the initial heap".into(),
        };
    }
    if matches!(gc, Gc::Serial | Gc::Parallel | Gc::ConcMarkSweep) {
        gen_initialize_heap_flags_and_sizes(flags, gc, heap_alignment, heap);
    }
    (heap_alignment, region_size)
}

/// `GenArguments::initialize_heap_flags_and_sizes` (Serial, Parallel, CMS): the heap holds at
/// least the smallest young generation and one more generation's alignment, and the maximum
/// grows so that the young and the default old generation fit unless it was given.
fn gen_initialize_heap_flags_and_sizes(
    flags: &JvmFlags,
    gc: Gc,
    heap_alignment: u64,
    heap: &mut HeapSize,
) {
    let gen = if gc == Gc::Parallel { 512 * K } else { 64 * K };
    let smallest_new = align_up(3 * gen, gen);
    let smallest_heap = align_up(smallest_new + gen, heap_alignment);
    if heap.max < smallest_heap {
        heap.max = smallest_heap;
    }
    if heap.min < smallest_heap {
        heap.min = smallest_heap;
        if heap.initial < heap.min {
            heap.initial = smallest_heap;
        }
    }
    let mut ns = heap.new_size;
    if is_cmdline(&flags.new_size) && ns >= heap.initial {
        ns = ns.min(heap.initial.saturating_sub(gen));
    }
    ns = align_down(ns.min(heap.max.saturating_sub(gen)), gen).max(smallest_new);
    let old = align_down(DEFAULT_OLD_SIZE.max(gen), gen);
    if ns.saturating_add(old) > heap.max && !is_cmdline(&flags.max_heap_size) {
        heap.max = align_up(ns.saturating_add(old), heap_alignment);
        heap.max_why
            .push_str("; raised so that the young and old generations fit");
    }
}
