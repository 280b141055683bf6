//! What to run next: the usual culprits for the component that grows, and the commands that
//! confirm them. Written for a JVM in a container first (oomdoc's first users), with `PID` the
//! Java process (usually 1 in the container: `kubectl exec POD -- ...`).
//!
//! The kernel-memory list is the seed incident's: a Java admin server whose `memory.kernel`
//! grew until a `WebClient` created per request was fixed; each request left sockets (and
//! their buffers, file descriptors and sometimes threads) behind, which the kernel charges to
//! the cgroup, invisible to the heap and to `OutOfMemoryError`.

use crate::types::{Component, Verdict};

/// The steps for a verdict and the component that grows.
pub fn next_steps(
    verdict: Verdict,
    growing: Option<Component>,
    has_components: bool,
    has_heap: bool,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| out.push(s.to_string());
    match verdict {
        Verdict::InsufficientData => {
            add("collect more data: at least 10 samples over several minutes, better a day (`oomdoc trend` reads Prometheus, CSV or samples the cgroup live)");
            return out;
        }
        Verdict::SawtoothRestarts => {
            add("confirm the kills: `kubectl get pod POD -o jsonpath='{.status.containerStatuses[*].lastState.terminated}'` (reason OOMKilled, exit code 137) and `oomdoc explain` on the pod, events and kernel log");
        }
        Verdict::WarmingUp => {
            add("growth levels off: not a leak. A JVM heap fills up to its max (-Xmx or MaxRAMPercentage) before GC settles; size the limit for max heap + non-heap (`oomdoc jvm`) and watch a longer run before judging");
        }
        Verdict::Steady | Verdict::Leak => {}
    }
    let growth = matches!(
        verdict,
        Verdict::Leak | Verdict::SawtoothRestarts | Verdict::WarmingUp
    );
    match growing {
        Some(Component::Kernel) => {
            add("kernel memory grows: the usual culprits are leaked sockets, file descriptors and threads (often an HTTP client such as Spring's WebClient built per request instead of once and reused)");
            add("count file descriptors twice, minutes apart: `ls /proc/PID/fd | wc -l`");
            add("count sockets: `ss -s` (in the pod's network namespace), and `ss -tanp` to see which peer they go to");
            add("count threads: `cat /proc/PID/status | grep Threads` (in a JVM also `jcmd PID Thread.print | grep -c '^\"'`)");
            add("see which kernel objects grow: `slabtop -o` on the node, `memory.kmem.slabinfo` (cgroup v1) or the slab/sock/kernel_stack/pagetables lines of `memory.stat` (cgroup v2)");
        }
        Some(Component::Rss) => {
            add("anonymous memory outside what the heap explains grows: direct buffers, metaspace, thread stacks, JNI or malloc");
            if !has_heap {
                add("export the JVM's heap series (jvm_memory_used_bytes{area=\"heap\"}) to tell heap from native growth");
            }
            add("start the JVM with `-XX:NativeMemoryTracking=summary` and compare `jcmd PID VM.native_memory summary` taken twice (or `VM.native_memory baseline` then `summary.diff`)");
            add("cap direct buffers with `-XX:MaxDirectMemorySize=` (by default they may grow as large as the max heap)");
            add("if NMT's total stays flat while RSS grows, it is malloc outside the JVM: `pmap -x PID | sort -k3 -n | tail`, and try `MALLOC_ARENA_MAX=2` or jemalloc");
        }
        Some(Component::Heap) => {
            add("the Java heap grows: take two heap dumps apart in time and compare them: `jcmd PID GC.heap_dump /tmp/heap.hprof` (and `jcmd PID GC.class_histogram` for a quick look)");
            add("catch the next one: `-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps` on a volume");
        }
        Some(Component::Cache) => {
            add("page cache grows: it is reclaimable and not a leak by itself; compare the working set (what the kubelet evicts on) with RSS: `grep -E '^(rss|anon|file|active_file|inactive_file) ' memory.stat`");
            add("only active file pages count in the working set; if kills happen with mostly cache, look at dirty/writeback pages and files kept open");
        }
        Some(Component::Shmem) => {
            add("shared memory grows: files in tmpfs are memory; check `df -h /dev/shm` and every emptyDir with `medium: Memory` (give it a `sizeLimit`)");
        }
        Some(Component::Swap) => {
            add("swap grows: the container is under memory pressure; check `grep -i swap memory.stat` and `memory.swap.max`");
        }
        Some(Component::Usage | Component::WorkingSet | Component::Other) => {}
        None if growth && verdict != Verdict::WarmingUp => {
            if has_components {
                add("no single component grows significantly: compare rss/anon, cache/file, kernel and shmem over a longer window");
            } else {
                add("only the total was given: export the components (memory.stat anon/file/kernel/shmem, or cAdvisor's container_memory_rss, container_memory_cache, container_memory_kernel_usage) to see which part grows");
            }
        }
        None => {}
    }
    if verdict == Verdict::Leak {
        add("no limit fixes a leak: raising it only moves the kill later; fix the growth, then size from a steady run");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_name_the_culprits() {
        let k = next_steps(
            Verdict::SawtoothRestarts,
            Some(Component::Kernel),
            true,
            false,
        )
        .join("\n");
        for want in [
            "ls /proc/PID/fd | wc -l",
            "ss -s",
            "grep Threads",
            "slabtop",
            "memory.kmem.slabinfo",
            "WebClient",
        ] {
            assert!(k.contains(want), "missing {want}");
        }
        let n = next_steps(Verdict::Leak, Some(Component::Rss), true, false).join("\n");
        for want in [
            "-XX:NativeMemoryTracking=summary",
            "jcmd PID VM.native_memory summary",
            "-XX:MaxDirectMemorySize",
        ] {
            assert!(n.contains(want), "missing {want}");
        }
        assert!(next_steps(Verdict::Leak, Some(Component::Heap), true, true)
            .join("\n")
            .contains("jcmd PID GC.heap_dump"));
        assert!(
            next_steps(Verdict::Leak, Some(Component::Cache), true, false)
                .join("\n")
                .contains("not a leak by itself")
        );
        assert!(
            next_steps(Verdict::Leak, Some(Component::Shmem), true, false)
                .join("\n")
                .contains("df -h /dev/shm")
        );
        assert!(next_steps(Verdict::Leak, None, false, false)
            .join("\n")
            .contains("only the total"));
        assert!(next_steps(Verdict::Steady, None, false, false).is_empty());
    }
}
