//! The shapes in which people paste evidence, one per test, each written in the format its
//! producer prints (kubectl's tables, the kubelet's messages, the kernel's report lines). The
//! real-world corpus (`crates/cli/tests/real_world`) proves the readers on texts other people
//! wrote; these pin down each shape on its own, so a regression names the shape it broke.

use oomdoc_explain::{explain_texts, Incident, Level, Verdict};

fn one(text: &str) -> Incident {
    let e = explain_texts([("paste.txt", text)]);
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    e.incidents.into_iter().next().expect("an incident")
}

#[test]
fn kubectl_get_events_table_with_a_probe_kill() {
    let i = one("$ kubectl get events -n shop\nLAST SEEN   TYPE      REASON      OBJECT      MESSAGE\n3m          Warning   Unhealthy   pod/api-1   Liveness probe failed: Get \"http://10.0.0.1:8080/health\": connect: connection refused\n3m          Normal    Killing     pod/api-1   Container api failed liveness probe, will be restarted\n");
    assert_eq!(i.verdict, Verdict::SigkillNotOom);
    assert_eq!(i.confidence.level, Level::Medium);
    assert_eq!(i.victim.pod.as_deref(), Some("api-1"));
    assert_eq!(i.victim.container.as_deref(), Some("api"));
}

#[test]
fn unhealthy_alone_is_at_most_low() {
    let i = one("  Warning  Unhealthy  2m (x5 over 4m)  kubelet  Liveness probe failed: HTTP probe failed with statuscode: 503\n");
    assert_eq!(i.verdict, Verdict::SigkillNotOom);
    assert_eq!(i.confidence.level, Level::Low);
}

#[test]
fn eviction_messages_in_every_wording() {
    for (text, resource) in [
        ("The node was low on resource: memory. Container web was using 1234Ki, which exceeds its request of 0.", "memory"),
        ("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container web was using 1Gi, request is 0, has larger consumption of memory.", "memory"),
        ("Pod The node had condition: [DiskPressure].", "DiskPressure"),
        ("Pod ephemeral local storage usage exceeds the total limit of containers 1Gi.", "ephemeral-storage"),
        ("Container app exceeded its local ephemeral storage limit \"1Gi\".", "ephemeral-storage"),
        ("Usage of EmptyDir volume \"data\" exceeds the limit \"1Gi\".", "ephemeral-storage"),
        ("I0101 00:00:00.000000  999 eviction_manager.go:575] \"Eviction manager: pod is evicted successfully\" pod=\"shop/web-1\"", ""),
    ] {
        let i = one(text);
        assert_eq!(i.verdict, Verdict::Evicted, "{text}");
        if resource != "memory" && !resource.is_empty() {
            assert!(i.confidence.why.contains("not memory"), "{text}: {}", i.confidence.why);
        }
    }
}

#[test]
fn eviction_threshold_met_alone_is_low() {
    let i = one("  Warning  EvictionThresholdMet  5m  kubelet  Attempting to reclaim memory\n");
    assert_eq!(i.verdict, Verdict::Evicted);
    assert_eq!(i.confidence.level, Level::Low);
}

#[test]
fn get_pods_rows() {
    let i = one("NAMESPACE   NAME         READY   STATUS      RESTARTS       AGE\nshop        web-7d9-x2   0/1     OOMKilled   3 (20s ago)    5m\n");
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert_eq!(i.victim.pod.as_deref(), Some("shop/web-7d9-x2"));
    let i = one("web-7d9-x2   0/1     Evicted   0     2d    <none>   worker-1   <none>   <none>\n");
    assert_eq!(i.verdict, Verdict::Evicted);
}

#[test]
fn jsonpath_and_go_template_output() {
    let i = one(
        r#"{"terminated":{"containerID":"containerd://0f1e2d3c4b5a6978","exitCode":137,"finishedAt":"2024-01-01T00:00:00Z","reason":"OOMKilled","startedAt":"2024-01-01T00:00:00Z"}}"#,
    );
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert_eq!(i.confidence.level, Level::High);
    assert_eq!(i.victim.container_id.as_deref(), Some("0f1e2d3c4b5a6978"));
    let i =
        one("map[terminated:map[containerID:docker://0f1e2d3c4b5a6978 exitCode:137 reason:Error]]");
    assert_eq!(i.verdict, Verdict::SigkillNotOom);
    assert_eq!(i.confidence.level, Level::Medium);
}

#[test]
fn describe_fragment_under_a_command_line_and_indented() {
    let i = one("$ kubectl describe pod web-1\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n      Started:      Mon, 01 Jan 2024 00:00:00 +0000\n");
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
}

#[test]
fn node_problem_detector_and_kubelet_node_events() {
    let i = one("  Warning  OOMKilling  12m  kernel-monitor, node-1  Memory cgroup out of memory: Killed process 3342 (node) total-vm:1282276kB, anon-rss:509472kB, file-rss:29120kB, shmem-rss:0kB, UID:1000 pgtables:2088kB oom_score_adj:985\n");
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert_eq!((i.victim.pid, i.rss_kb.anon), (Some(3342), Some(509472)));
    let i = one("  Warning  SystemOOM  5m  kubelet  System OOM encountered, victim process: java, pid: 1234\n");
    assert_eq!(i.verdict, Verdict::NodeOomKill);
    assert_eq!(i.victim.pid, Some(1234));
}

#[test]
fn docker_inspect_events_and_containerd() {
    let i = one("        \"State\": {\n            \"Status\": \"exited\",\n            \"OOMKilled\": true,\n            \"ExitCode\": 137,\n");
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    let i = one(
        "2024-01-01T00:00:00.000000000Z container oom 3f4e5d6c7b8a9f0e1d2c (image=app, name=web)\n",
    );
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert_eq!(
        i.victim.container_id.as_deref(),
        Some("3f4e5d6c7b8a9f0e1d2c")
    );
    let i = one("time=\"2024-01-01T00:00:00Z\" level=info msg=\"TaskOOM event &TaskOOM{ContainerID:3f4e5d6c7b8a9f0e1d2c,XXX_unrecognized:[],}\"\n");
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
}

#[test]
fn kernel_report_prefixes() {
    let kill = "Memory cgroup out of memory: Killed process 4242 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB";
    for prefix in [
        "[Mon Jan  2 03:04:05 2023] ",
        "Jan  2 03:04:05 node-1 kernel: ",
        "Jan  2 03:04:05 kernel: ",
        "2023-01-02T03:04:05.123456+00:00 node-1 kernel: ",
        "10.0.0.5: kern:    info: [2023-01-02T03:04:05.123456789Z]: ",
        "[  123.456789] [ T9185] ",
        "[  123.456789][ T9185] ",
        "<3>[  123.456789] ",
        "6,1234,123456789,-;",
        "> [  123.456789] ",
        "\t",
        "2023-12-04T10:49:30.127Z In(05) vcpu-5 - Guest: <6>[39291577.009360] ",
        "error:Jan  2 03:04:05 node-1 kernel: ",
        "1月 26 01:49:41 node-1 kernel: ",
    ] {
        let i = one(&format!("{prefix}{kill}\n"));
        assert_eq!(i.verdict, Verdict::ContainerOomKill, "{prefix:?}");
        assert_eq!(i.victim.pid, Some(4242), "{prefix:?}");
        assert_eq!(i.confidence.level, Level::High, "{prefix:?}");
    }
}

#[test]
fn old_kernels_and_partial_reports() {
    let i = one("[ 1.0] Memory cgroup out of memory: Kill process 1234 (java) score 1000 or sacrifice child\n[ 1.0] Killed process 1234 (java) total-vm:1kB, anon-rss:2kB, file-rss:3kB\n");
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    let i = one("[ 1.0] Out of memory: Kill process 1234 (java) score 900 or sacrifice child\n[ 1.0] Killed process 1234 (java), UID 0, total-vm:1kB, anon-rss:2kB, file-rss:3kB\n");
    assert_eq!(
        (i.verdict, i.scope.as_deref()),
        (Verdict::NodeOomKill, Some("node"))
    );
    // Only the usage lines and the stats: a memcg OOM of a pod, no kill shown (medium).
    let i = one("[ 1.0] memory: usage 1048576kB, limit 1048576kB, failcnt 12\n[ 1.0] Memory cgroup stats for /kubepods/burstable/pod11111111-2222-3333-4444-555555555555:\n[ 1.0] anon 1070000000\n");
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert_eq!(i.confidence.level, Level::Medium);
    assert_eq!(i.scope.as_deref(), Some("pod"));
    assert_eq!(
        i.victim.pod_uid.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    // No kill happened: never a kill verdict.
    let i = one("[ 1.0] Out of memory and no killable processes...\n[ 1.0] Kernel panic - not syncing: System is deadlocked on memory\n");
    assert_eq!(i.verdict, Verdict::Unknown);
}

#[test]
fn limit_scopes() {
    let line = |memcg: &str| {
        format!("[ 1.0] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg={memcg},task_memcg=/kubepods/burstable/pod1/0123456789abcdef0123,task=java,pid=9,uid=0\n")
    };
    for (memcg, verdict, scope) in [
        (
            "/kubepods/burstable/pod1/0123456789abcdef0123",
            Verdict::ContainerOomKill,
            "container",
        ),
        ("/kubepods/burstable/pod1", Verdict::ContainerOomKill, "pod"),
        ("/kubepods", Verdict::NodeOomKill, "node_allocatable"),
    ] {
        let i = one(&line(memcg));
        assert_eq!(
            (i.verdict, i.scope.as_deref()),
            (verdict, Some(scope)),
            "{memcg}"
        );
    }
    // A global OOM that then kills a pod's cgroup as a group: still the node running out.
    let i = one("[ 1.0] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/kubepods/pod1/abcdefabcdef01,task=a,pid=1,uid=0\n[ 1.0] Out of memory: Killed process 1 (a) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n[ 1.0] Tasks in /kubepods/pod1/abcdefabcdef01 are going to be killed due to memory.oom.group set\n[ 1.0] Out of memory: Killed process 2 (b) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
    assert_eq!(i.verdict, Verdict::NodeOomKill);
    assert!(
        i.confidence.why.contains("memory.oom.group"),
        "{}",
        i.confidence.why
    );
}

#[test]
fn damaged_pastes() {
    // Quoted in mail, wrapped by the mail client.
    let i = one("> [ 12.3] Memory cgroup out of memory: Killed process 4242 (java) total-vm:100kB,\n> anon-rss:50kB, file-rss:0kB, shmem-rss:0kB\n");
    assert_eq!((i.victim.pid, i.rss_kb.anon), (Some(4242), Some(50)));
    // Numbered by a blog.
    let i = one("1 [ 1.0] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=968\n2 [ 1.0] memory: usage 1024kB, limit 1024kB, failcnt 1\n3 [ 1.0] Memory cgroup out of memory: Killed process 7 (java) total-vm:1kB, anon-rss:2kB, file-rss:0kB, shmem-rss:0kB\n");
    assert_eq!(
        (i.verdict, i.victim.pid),
        (Verdict::ContainerOomKill, Some(7))
    );
    // Evidence quotes the line as the user pasted it.
    assert!(
        i.evidence.iter().any(|e| e.text.starts_with("3 [ 1.0]")),
        "{:#?}",
        i.evidence
    );
}

#[test]
fn jvm_errors_keep_their_kind_and_pid() {
    let i = one("#\n# java.lang.OutOfMemoryError: Java heap space\n# -XX:OnOutOfMemoryError=\"kill -9 %p\"\n#   Executing /bin/sh -c \"kill -9 77\"...\n");
    assert_eq!(
        (i.verdict, i.oome_kind.as_deref(), i.victim.pid),
        (Verdict::JvmOome, Some("java_heap_space"), Some(77))
    );
    let i = one("io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 4278190087, max: 4294967296)\n");
    assert_eq!(
        (i.verdict, i.oome_kind.as_deref()),
        (Verdict::JvmOome, Some("direct_buffer_memory"))
    );
    // A logged error without a fatal banner is at most medium.
    assert_eq!(i.confidence.level, Level::Medium);
    let i = one("\t# There is insufficient memory for the Java Runtime Environment to continue.\n\t# Native memory allocation (mmap) failed to map 12288 bytes for committing reserved memory.\n\t# An error report file with more information is saved as:\n\t# /tmp/hs_err_pid4711.log\n");
    assert_eq!(
        (i.verdict, i.victim.pid),
        (Verdict::NativeAllocFailure, Some(4711))
    );
}

#[test]
fn one_paste_holding_a_describe_a_dmesg_and_a_java_log() {
    let text = "Name:         web-1\nNamespace:    shop\nContainers:\n  web:\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n\n$ dmesg -T | tail\n[Mon Jan  2 03:04:05 2023] Memory cgroup out of memory: Killed process 4242 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB\n\n$ kubectl logs web-1 --previous\nException in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n";
    let e = explain_texts([("paste.txt", text)]);
    let found: Vec<&str> = e.inputs[0].found.iter().map(|f| f.what).collect();
    for what in ["kernel OOM report", "described pod", "JVM log line"] {
        assert!(found.contains(&what), "{found:?}");
    }
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert_eq!(i.victim.pid, Some(4242));
}

#[test]
fn an_input_with_nothing_known_says_so() {
    let e = explain_texts([("notes.txt", "we restarted the service and it works now\n")]);
    assert!(e.inputs[0].found.is_empty());
    let e = explain_texts([("bin", "\u{0}\u{1}\u{2}")]);
    assert_eq!(e.errors.len(), 1, "{:?}", e.errors);
}

#[test]
fn container_status_unknown_is_not_a_signal() {
    let i = one("    Last State:     Terminated\n      Reason:       ContainerStatusUnknown\n      Message:      The container could not be located when the pod was terminated\n      Exit Code:    137\n");
    assert_eq!(i.verdict, Verdict::Unknown);
    assert!(
        i.confidence.why.contains("ContainerStatusUnknown"),
        "{}",
        i.confidence.why
    );
}
