//! Where the memory went: heap, native, page cache, shmem/tmpfs, kernel, or another process,
//! from the kill line's rss, the memcg stats, cgroup files, NMT and the JVM's max heap.

use oomdoc_evidence::jvm_log::OomeKind;
use oomdoc_evidence::kernel_facts::CounterKind;
use oomdoc_model::bytes::short;

use crate::incident::*;
use crate::join::Group;
use crate::verdict::{ev, first_oome};

/// The JVM's max heap and how it is known.
#[derive(Clone, Debug, PartialEq)]
pub struct MaxHeap {
    /// Bytes.
    pub bytes: u64,
    /// `measured` (PrintFlagsFinal), `flag` (-Xmx), `derived` (MaxRAMPercentage × limit) or
    /// `assumed default` (25% of the limit, JDK 10+ and 8u191+, when the pod spec sets no heap flag).
    pub how: &'static str,
}

/// Whether the group is about a JVM.
pub(crate) fn is_jvm(g: &Group, inc: &Incident) -> bool {
    inc.victim.process.as_deref() == Some("java")
        || !g.flags.is_empty()
        || !g.hs_errs.is_empty()
        || !g.nmt.is_empty()
        || !g.heap_options.is_empty()
        || !g.jvm_logs.is_empty()
}

/// The JVM's max heap, citing where it comes from (pushed to the evidence).
pub(crate) fn max_heap(g: &Group, inc: &mut Incident) -> Option<MaxHeap> {
    for f in &g.flags {
        if let Some(fl) = oomdoc_evidence::flags_final::flag(&f.fact, "MaxHeapSize") {
            if let Some(n) = fl.as_u64() {
                inc.evidence.push(ev(
                    &f.file,
                    &fl.cited,
                    "the JVM's max heap (PrintFlagsFinal)",
                ));
                return Some(MaxHeap {
                    bytes: n,
                    how: "measured",
                });
            }
        }
    }
    let mut pct = None;
    for h in &g.heap_options {
        if let Some(n) = h.fact.max_heap {
            inc.evidence
                .push(ev(&h.file, &h.fact.cited, "the JVM's max heap, as set"));
            return Some(MaxHeap {
                bytes: n,
                how: "flag",
            });
        }
        if pct.is_none() {
            pct = h.fact.ram_percentage.map(|p| (p, h));
        }
    }
    let limit = inc.limit_bytes?;
    if let Some((p, h)) = pct {
        inc.evidence
            .push(ev(&h.file, &h.fact.cited, "the heap's share of the limit"));
        return Some(MaxHeap {
            bytes: (limit as f64 * p / 100.0) as u64,
            how: "derived",
        });
    }
    // The default only when the pod spec was seen and sets no heap flag.
    (is_jvm(g, inc) && g.pod.is_some()).then_some(MaxHeap {
        bytes: limit / 4,
        how: "assumed default",
    })
}

/// Sets `attribution` and `attribution_why`.
pub(crate) fn attribute(g: &Group, inc: &mut Incident) {
    let r = match inc.verdict {
        Verdict::JvmOome => from_oome(g),
        Verdict::ContainerOomKill | Verdict::NodeOomKill | Verdict::GroupOomKill => {
            from_memory(g, inc)
        }
        _ => None,
    };
    if let Some((a, why)) = r {
        inc.attribution = Some(a);
        inc.attribution_why = Some(why);
    }
}

fn from_oome(g: &Group) -> Option<(Attribution, String)> {
    let (_, kind, _, _, _) = first_oome(g)?;
    Some(match kind {
        OomeKind::JavaHeapSpace
        | OomeKind::GcOverhead
        | OomeKind::ArraySize
        | OomeKind::PermGen => (Attribution::Heap, "the error is about the Java heap".into()),
        OomeKind::Metaspace | OomeKind::CompressedClassSpace => (
            Attribution::OffHeapNative,
            "class metadata (metaspace) lives outside the heap".into(),
        ),
        OomeKind::DirectBuffer => (
            Attribution::OffHeapNative,
            "direct ByteBuffers live outside the heap (-XX:MaxDirectMemorySize)".into(),
        ),
        OomeKind::NativeThread => (
            Attribution::OffHeapNative,
            "thread stacks live outside the heap; or a pids/ulimit limit was hit".into(),
        ),
        OomeKind::MapFailed | OomeKind::OutOfSwap => (
            Attribution::OffHeapNative,
            "the JVM could not map or reserve memory outside the heap".into(),
        ),
        OomeKind::Other(_) => return None,
    })
}

/// The cgroup's memory at the kill: (anon, file, shmem, kernel) in bytes, from the kernel's stats
/// block, else the cgroup files.
fn memcg_parts(g: &Group) -> (Option<u64>, Option<u64>, Option<u64>, Option<u64>) {
    if let Some(k) = g.kernel {
        if let Some(s) = k.fact.stats.first() {
            let kmem = k
                .fact
                .counters
                .iter()
                .find(|c| c.kind == CounterKind::Kmem)
                .map(|c| c.usage_kb * 1024);
            return (
                s.bytes("anon").or(s.bytes("rss")),
                s.bytes("file").or(s.bytes("cache")),
                s.bytes("shmem"),
                s.bytes("kernel").or(kmem),
            );
        }
    }
    for c in &g.cgroups {
        let n = |k: &str| match c.fact.stat(k).map(|e| e.value) {
            Some(oomdoc_evidence::cgroup_files::CgValue::N(n)) => Some(n),
            _ => None,
        };
        let kmem = match c.fact.get("memory.kmem.usage_in_bytes", None) {
            Some(oomdoc_evidence::cgroup_files::CgValue::N(n)) => Some(n),
            _ => None,
        };
        if n("anon").or(n("rss")).is_some() {
            return (
                n("anon").or(n("total_rss")).or(n("rss")),
                n("file").or(n("total_cache")).or(n("cache")),
                n("shmem").or(n("total_shmem")),
                n("kernel").or(kmem),
            );
        }
    }
    (None, None, None, None)
}

fn from_memory(g: &Group, inc: &mut Incident) -> Option<(Attribution, String)> {
    let (m_anon, m_file, m_shmem, m_kernel) = memcg_parts(g);
    let anon = inc.rss_kb.anon.map(|k| k * 1024).or(m_anon);
    let shmem = inc.rss_kb.shmem.map(|k| k * 1024).max(m_shmem);
    let usage = inc.usage_bytes.or(match (m_anon, m_file) {
        (Some(a), Some(f)) => Some(a + f + m_kernel.unwrap_or(0)),
        _ => None,
    });

    // NMT says it directly.
    if let Some(found) = from_nmt(g, inc) {
        return Some(found);
    }
    if let Some(found) = from_cgroup_shares(g, anon, shmem, usage) {
        return Some(found);
    }
    jvm_heap_or_native(g, inc, anon?)
}

/// NMT's committed total against the Java heap's share: off-heap when more is outside.
fn from_nmt(g: &Group, inc: &mut Incident) -> Option<(Attribution, String)> {
    for n in &g.nmt {
        let (Some(t), Some(h)) = (&n.fact.total, n.fact.category("Java Heap")) else {
            continue;
        };
        inc.evidence
            .push(ev(&n.file, &t.cited, "NMT: everything the JVM committed"));
        inc.evidence
            .push(ev(&n.file, &h.cited, "NMT: the Java heap's share"));
        let other = t.committed_bytes.saturating_sub(h.committed_bytes);
        return Some(if other > h.committed_bytes {
            (
                Attribution::OffHeapNative,
                format!(
                    "NMT: {} committed outside the heap against {} of heap",
                    short(other),
                    short(h.committed_bytes)
                ),
            )
        } else {
            (
                Attribution::Heap,
                format!(
                    "NMT: the heap holds {} of {} committed",
                    short(h.committed_bytes),
                    short(t.committed_bytes)
                ),
            )
        });
    }
    None
}

/// Where the cgroup's memory was, by share of the usage: shmem/tmpfs, kernel memory, other
/// processes (the task table), page cache.
fn from_cgroup_shares(
    g: &Group,
    anon: Option<u64>,
    shmem: Option<u64>,
    usage: Option<u64>,
) -> Option<(Attribution, String)> {
    let (_, m_file, _, m_kernel) = memcg_parts(g);
    let share = |x: Option<u64>| match (x, usage) {
        (Some(x), Some(u)) if u > 0 => x as f64 / u as f64,
        _ => 0.0,
    };
    if share(shmem) >= 0.3 {
        return Some((
            Attribution::ShmemTmpfs,
            format!(
                "shmem/tmpfs held {} (emptyDir medium: Memory, /dev/shm)",
                short(shmem.unwrap_or(0))
            ),
        ));
    }
    if share(m_kernel) >= 0.3 {
        return Some((
            Attribution::Kernel,
            format!(
                "kernel memory charged to the cgroup was {} (sockets, slab, stacks, page tables)",
                short(m_kernel.unwrap_or(0))
            ),
        ));
    }
    if let Some(k) = g.kernel {
        let rows = &k.fact.tasks;
        let total: u64 = rows.iter().filter_map(|r| r.rss_pages).sum();
        let victim = k.fact.victim_row().and_then(|r| r.rss_pages);
        if let Some(v) = victim {
            if rows.len() > 1 && total > 0 && v * 2 < total {
                return Some((
                    Attribution::OtherProcess,
                    format!(
                        "the victim held {} of the {} resident in the cgroup's tasks: other processes grew",
                        short(v * 4096),
                        short(total * 4096)
                    ),
                ));
            }
        }
    }
    if share(m_file) >= 0.5 && share(anon) < 0.5 {
        return Some((
            Attribution::PageCache,
            format!(
                "page cache was {} of the cgroup's memory",
                short(m_file.unwrap_or(0))
            ),
        ));
    }
    None
}

/// The process's anonymous memory against the JVM's max heap (not a JVM: native).
fn jvm_heap_or_native(g: &Group, inc: &mut Incident, anon: u64) -> Option<(Attribution, String)> {
    if !is_jvm(g, inc) {
        return Some((
            Attribution::OffHeapNative,
            format!(
                "the process's own anonymous memory was {} (not a JVM: native allocations)",
                short(anon)
            ),
        ));
    }
    let h = max_heap(g, inc)?;
    let limit = inc.limit_bytes.unwrap_or(u64::MAX);
    let well_below = (h.bytes as f64) < 0.75 * limit as f64;
    Some(if well_below && anon > h.bytes {
        (
            Attribution::OffHeapNative,
            format!(
                "the max heap is {} ({}), {}yet the JVM's anonymous memory was {}: \
                 at least {} grew outside the heap (native, direct buffers, threads, metaspace)",
                short(h.bytes),
                h.how,
                inc.limit_bytes.map_or(String::new(), |l| format!(
                    "well below the {} limit, ",
                    short(l)
                )),
                short(anon),
                short(anon - h.bytes)
            ),
        )
    } else if !well_below {
        (
            Attribution::Heap,
            format!(
                "the max heap is {} ({}), {:.0}% of the {} limit: the heap alone can fill the container",
                short(h.bytes),
                h.how,
                h.bytes as f64 * 100.0 / limit as f64,
                short(limit)
            ),
        )
    } else {
        (
            Attribution::Heap,
            format!(
                "the JVM's anonymous memory ({}) fits inside its max heap ({}, {})",
                short(anon),
                short(h.bytes),
                h.how
            ),
        )
    })
}
