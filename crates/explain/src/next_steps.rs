//! What to run next: concrete commands and flags for each verdict and attribution.

use crate::incident::*;
use crate::join::Group;

fn pod_ref(inc: &Incident) -> String {
    match inc.victim.pod.as_deref().and_then(|p| p.split_once('/')) {
        Some((ns, n)) => format!("{n} -n {ns}"),
        None => inc.victim.pod.clone().unwrap_or_else(|| "POD".into()),
    }
}

/// Fills `next_steps`.
pub(crate) fn next_steps(g: &Group, inc: &mut Incident) {
    let pod = pod_ref(inc);
    let c = inc
        .victim
        .container
        .clone()
        .unwrap_or_else(|| "CONTAINER".into());
    let mut s: Vec<String> = Vec::new();
    let jvm = crate::attribution::is_jvm(g, inc);
    if g.kernel.is_none()
        && matches!(
            inc.verdict,
            Verdict::ContainerOomKill
                | Verdict::NodeOomKill
                | Verdict::Unknown
                | Verdict::SigkillNotOom
        )
    {
        s.push("on the node, read the kernel's OOM report: journalctl -k --since \"-2h\" | grep -B40 -A5 'Killed process' (or dmesg -T)".into());
    }
    if g.pod.is_none() && inc.verdict != Verdict::Unknown || inc.verdict == Verdict::Unknown {
        s.push(format!(
            "kubectl get pod {pod} -o yaml   (lastState.terminated: reason, exitCode, finishedAt)"
        ));
        s.push(format!(
            "kubectl get events -n {} --field-selector involvedObject.name={} -o yaml",
            inc.victim
                .pod
                .as_deref()
                .and_then(|p| p.split_once('/'))
                .map_or("NS", |x| x.0),
            inc.victim
                .pod
                .as_deref()
                .and_then(|p| p.split_once('/'))
                .map_or("POD", |x| x.1)
        ));
    }
    match inc.verdict {
        Verdict::ContainerOomKill | Verdict::GroupOomKill => {
            s.push(format!(
                "kubectl exec {pod} -c {c} -- sh -c 'cat /sys/fs/cgroup/memory.stat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.stat'   (what the cgroup holds: anon, file, shmem, kernel)"
            ));
        }
        Verdict::NodeOomKill => {
            s.push("kubectl describe node NODE   (Allocatable, Allocated resources: the sum of limits can exceed memory)".into());
            s.push("kubectl get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,QOS:.status.qosClass --field-selector spec.nodeName=NODE   (the kernel kills the highest oom_score_adj first: BestEffort 1000, Burstable 2..999 by request, Guaranteed -997)".into());
            s.push("set memory requests equal to limits for this workload (Guaranteed, oom_score_adj -997) and reserve memory for the system (kubelet --system-reserved, --eviction-hard memory.available)".into());
        }
        Verdict::Evicted if evicted_for_memory(g) => {
            s.push("kubectl describe node NODE   (Conditions: MemoryPressure; the kubelet evicts pods whose usage exceeds their request first)".into());
            s.push("raise this container's memory request to its real usage, so it ranks last for eviction".into());
        }
        Verdict::Evicted => {
            s.push("kubectl describe node NODE   (Conditions: DiskPressure, PIDPressure; Allocated resources: ephemeral-storage)".into());
            s.push("set requests and limits for ephemeral-storage, bound emptyDir volumes (sizeLimit) and container logs; a container over its own ephemeral-storage limit is evicted whatever the node has free".into());
        }
        Verdict::SigkillNotOom => {
            s.push(format!("kubectl get pod {pod} -o jsonpath='{{.spec.containers[*].livenessProbe}}'   (timeoutSeconds, failureThreshold; a probe that times out under GC pauses kills a healthy JVM)"));
            s.push(format!("kubectl logs {pod} -c {c} --previous"));
        }
        Verdict::JvmOome | Verdict::NativeAllocFailure | Verdict::Unknown => {}
    }
    match inc.attribution {
        Some(Attribution::OffHeapNative) if jvm => {
            s.push("restart the JVM with -XX:NativeMemoryTracking=summary, then: jcmd 1 VM.native_memory baseline; later jcmd 1 VM.native_memory summary.diff   (which pool grows: Thread, Class, Internal, Other = direct buffers)".into());
            s.push("cap the pools: -XX:MaxDirectMemorySize=, -XX:MaxMetaspaceSize=, -Xss; check for leaked Netty/WebClient buffers (-Dio.netty.leakDetection.level=paranoid)".into());
        }
        Some(Attribution::Heap) if jvm => {
            s.push("take a heap dump before the limit: -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps, or jcmd 1 GC.heap_dump /dumps/heap.hprof".into());
            s.push("size the heap to the limit, leaving room for native memory: -XX:MaxRAMPercentage=50.0 (or -Xmx), and add -XX:+ExitOnOutOfMemoryError".into());
        }
        Some(Attribution::OffHeapNative) => {
            s.push(format!("kubectl exec {pod} -c {c} -- sh -c 'grep -E \"VmRSS|RssAnon\" /proc/*/status'   (which process holds the anonymous memory)"));
        }
        Some(Attribution::PageCache) => s.push("page cache is reclaimable; a kill with mostly cache means dirty or mapped pages could not be written back: check memory.stat file_dirty, file_writeback, file_mapped".into()),
        Some(Attribution::ShmemTmpfs) => s.push(format!("kubectl exec {pod} -c {c} -- df -h /dev/shm   (and every emptyDir with medium: Memory; tmpfs pages count against the limit)")),
        Some(Attribution::Kernel) => s.push(format!("kubectl exec {pod} -c {c} -- cat /sys/fs/cgroup/memory.stat   (kernel_stack, slab, sock, pagetables: which kernel memory grows; many sockets or threads)")),
        Some(Attribution::OtherProcess) => s.push(format!("kubectl exec {pod} -c {c} -- ps -eo pid,rss,comm --sort=-rss   (the largest process in the container is not the victim)")),
        _ => {}
    }
    if jvm
        && inc.attribution.is_none()
        && inc.verdict != Verdict::Evicted
        && inc.verdict != Verdict::SigkillNotOom
    {
        s.push(format!("kubectl exec {pod} -c {c} -- java -XX:+PrintFlagsFinal -version | grep -iE 'MaxHeapSize|MaxRAMPercentage'   (the heap the JVM really chose)"));
    }
    match inc.verdict {
        Verdict::NativeAllocFailure => {
            s.push("the JVM asked the OS for memory and got none: check the container limit against -Xmx plus native pools (oomdoc jvm), and vm.overcommit_memory / ulimit -v on the node".into());
            s.push("restart with -XX:NativeMemoryTracking=summary and read jcmd 1 VM.native_memory summary".into());
        }
        Verdict::JvmOome if inc.oome_kind.as_deref() == Some("java_heap_space") => {}
        Verdict::Unknown => s.push("collect the container's log (kubectl logs --previous), and the cgroup's memory.events and memory.stat".into()),
        _ => {}
    }
    inc.next_steps = s;
}

/// Whether the eviction was for memory (or does not say what for).
fn evicted_for_memory(g: &Group) -> bool {
    use oomdoc_evidence::events::EventMeaning;
    let res = g
        .events
        .iter()
        .find_map(|e| match &e.fact.meaning {
            EventMeaning::Evicted(Some(m)) if !m.resource.is_empty() => Some(m.resource.as_str()),
            _ => None,
        })
        .or_else(|| {
            g.pod
                .and_then(|p| p.fact.eviction.as_ref())
                .map(|m| m.resource.as_str())
                .filter(|r| !r.is_empty())
        });
    res.is_none_or(|r| r == "memory")
}
