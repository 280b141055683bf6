//! A container's memory by component, from the texts of its cgroup's memory files: pure, so the
//! same code reads a live node and a recorded directory tree.
//!
//! The components are the kernel's own counters, named as cgroup v2's `memory.stat` names them;
//! cgroup v1 has fewer (no slab, stack or page-table split), and what a version does not count
//! is left out rather than reported as zero.

use oomdoc_model::cgroup::CgroupVersion;

/// One component of a cgroup's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// Anonymous memory: heaps, stacks, `malloc` (v1 `total_rss`).
    Anon,
    /// Page cache (v1 `total_cache`), shmem included, as the kernel counts it.
    File,
    /// All kernel memory charged to the cgroup (v1 `memory.kmem.usage_in_bytes`).
    Kernel,
    /// Socket buffers: v2 only (v1 charges them to a memory cgroup only once its
    /// `memory.kmem.tcp.limit_in_bytes` is set, which the kubelet never does).
    Sock,
    /// tmpfs and shared memory, `emptyDir: {medium: Memory}` included.
    Shmem,
    /// Reclaimable slab (dentries, inodes): v2 only.
    SlabReclaimable,
    /// Unreclaimable slab: v2 only.
    SlabUnreclaimable,
    /// Kernel stacks of the cgroup's threads: v2 only.
    KernelStack,
    /// Page tables: v2 only.
    Pagetables,
    /// The kubelet's working set: usage minus inactive file pages (never below zero), the figure
    /// eviction and `kubectl top` use.
    WorkingSet,
}

impl Component {
    /// Every component, in label order.
    pub const ALL: [Component; 10] = [
        Component::Anon,
        Component::File,
        Component::Kernel,
        Component::Sock,
        Component::Shmem,
        Component::SlabReclaimable,
        Component::SlabUnreclaimable,
        Component::KernelStack,
        Component::Pagetables,
        Component::WorkingSet,
    ];

    /// The `component` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Anon => "anon",
            Component::File => "file",
            Component::Kernel => "kernel",
            Component::Sock => "sock",
            Component::Shmem => "shmem",
            Component::SlabReclaimable => "slab_reclaimable",
            Component::SlabUnreclaimable => "slab_unreclaimable",
            Component::KernelStack => "kernel_stack",
            Component::Pagetables => "pagetables",
            Component::WorkingSet => "working_set",
        }
    }
}

/// The memory files of one cgroup, as read (absent files are `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CgroupFiles {
    /// `memory.stat`.
    pub stat: Option<String>,
    /// v1 `memory.usage_in_bytes`, v2 `memory.current`.
    pub usage: Option<String>,
    /// v1 `memory.limit_in_bytes`, v2 `memory.max`.
    pub limit: Option<String>,
    /// v1 `memory.kmem.usage_in_bytes`.
    pub kmem: Option<String>,
}

/// What one sample says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Components the version counts, in [`Component::ALL`] order.
    pub components: Vec<(Component, u64)>,
    /// The memory limit in bytes; `None` when unlimited (or unreadable).
    pub limit: Option<u64>,
}

/// v1 prints "no limit" as the largest page-aligned `i64` (9223372036854771712); anything from
/// 2^62 up is no limit in practice.
const V1_UNLIMITED: u64 = 1 << 62;

/// The values of `keys` in a flat-keyed file (`memory.stat`: `key value` per line), in one pass
/// (the file has 40-60 lines and a node has hundreds of cgroups).
fn stat_values<const N: usize>(stat: &str, keys: [&str; N]) -> [Option<u64>; N] {
    let mut out = [None; N];
    for l in stat.lines() {
        let Some((k, v)) = l.split_once(' ') else {
            continue;
        };
        if let Some(i) = keys.iter().position(|key| *key == k) {
            out[i] = v.trim().parse().ok();
        }
    }
    out
}

fn number(text: &Option<String>) -> Option<u64> {
    text.as_deref()?.trim().parse().ok()
}

/// Reads one cgroup's files into components and limit.
pub fn sample(layout: CgroupVersion, files: &CgroupFiles) -> Sample {
    let stat = files.stat.as_deref().unwrap_or("");
    let usage = number(&files.usage);
    let mut components = Vec::with_capacity(Component::ALL.len());
    let limit = match layout {
        CgroupVersion::V2 => {
            let v = stat_values(
                stat,
                [
                    "anon",
                    "file",
                    "kernel",
                    "sock",
                    "shmem",
                    "slab_reclaimable",
                    "slab_unreclaimable",
                    "kernel_stack",
                    "pagetables",
                    "inactive_file",
                ],
            );
            // Component::ALL without the working set, in the order of the keys above.
            for (c, v) in Component::ALL[..9].iter().zip(v) {
                if let Some(v) = v {
                    components.push((*c, v));
                }
            }
            let inactive = v[9];
            if let (Some(u), Some(i)) = (usage, inactive) {
                components.push((Component::WorkingSet, u.saturating_sub(i)));
            }
            // `max` is no limit.
            number(&files.limit)
        }
        CgroupVersion::V1 => {
            // `total_*` are hierarchical: a pod's figures include its containers'.
            let [rss, cache, shmem, inactive] = stat_values(
                stat,
                [
                    "total_rss",
                    "total_cache",
                    "total_shmem",
                    "total_inactive_file",
                ],
            );
            for (c, v) in [
                (Component::Anon, rss),
                (Component::File, cache),
                (Component::Kernel, number(&files.kmem)),
                (Component::Shmem, shmem),
            ] {
                if let Some(v) = v {
                    components.push((c, v));
                }
            }
            if let (Some(u), Some(i)) = (usage, inactive) {
                components.push((Component::WorkingSet, u.saturating_sub(i)));
            }
            number(&files.limit).filter(|&l| l < V1_UNLIMITED)
        }
    };
    Sample { components, limit }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(s: &Sample, c: Component) -> Option<u64> {
        s.components.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
    }

    #[test]
    fn v1_reads_the_hierarchical_totals_and_kmem() {
        // memory.stat as a 6.x kernel prints it for a v1 cgroup (trimmed).
        let files = CgroupFiles {
            stat: Some("cache 13512704\nrss 4603904\nshmem 10551296\ninactive_file 114688\ntotal_cache 15276769280\ntotal_rss 79106048\ntotal_shmem 10551296\ntotal_inactive_file 11880230912\n".into()),
            usage: Some("15400000000\n".into()),
            limit: Some("9223372036854771712\n".into()),
            kmem: Some("599728128\n".into()),
        };
        let s = sample(CgroupVersion::V1, &files);
        assert_eq!(get(&s, Component::Anon), Some(79_106_048));
        assert_eq!(get(&s, Component::File), Some(15_276_769_280));
        assert_eq!(get(&s, Component::Kernel), Some(599_728_128));
        assert_eq!(get(&s, Component::Sock), None, "v1 does not charge sockets");
        assert_eq!(get(&s, Component::Shmem), Some(10_551_296));
        assert_eq!(
            get(&s, Component::WorkingSet),
            Some(15_400_000_000 - 11_880_230_912)
        );
        assert_eq!(
            get(&s, Component::KernelStack),
            None,
            "v1 has no stack split"
        );
        assert_eq!(s.limit, None, "the v1 'no limit' value");
    }

    #[test]
    fn v2_reads_memory_stat_and_max() {
        let files = CgroupFiles {
            stat: Some("anon 1000\nfile 2000\nkernel 300\nkernel_stack 16384\npagetables 4096\nsock 8192\nshmem 512\nfile_mapped 0\nslab_reclaimable 100\nslab_unreclaimable 200\ninactive_file 1500\n".into()),
            usage: Some("3500".into()),
            limit: Some("1073741824\n".into()),
            ..CgroupFiles::default()
        };
        let s = sample(CgroupVersion::V2, &files);
        let names: Vec<&str> = s.components.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(names, Component::ALL.map(Component::as_str));
        assert_eq!(get(&s, Component::WorkingSet), Some(2000));
        assert_eq!(s.limit, Some(1 << 30));
        let unlimited = CgroupFiles {
            limit: Some("max\n".into()),
            ..files
        };
        assert_eq!(sample(CgroupVersion::V2, &unlimited).limit, None);
    }

    #[test]
    fn working_set_never_below_zero_and_missing_files_are_left_out() {
        let files = CgroupFiles {
            stat: Some("total_inactive_file 5000\n".into()),
            usage: Some("4000".into()),
            ..CgroupFiles::default()
        };
        let s = sample(CgroupVersion::V1, &files);
        assert_eq!(s.components, vec![(Component::WorkingSet, 0)]);
        assert_eq!(
            sample(CgroupVersion::V1, &CgroupFiles::default()),
            Sample::default()
        );
    }
}
