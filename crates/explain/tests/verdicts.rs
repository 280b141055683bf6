//! Table tests over the evidence fixtures: verdict, victim, attribution, confidence, and that every
//! evidence item quotes a real line of its input.

use oomdoc_explain::{explain, Attribution, Explanation, Facts, Level, Verdict};

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../evidence/tests/fixtures/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{FIX}{name}")).unwrap()
}

fn run(files: &[&str]) -> Explanation {
    let mut f = Facts::new();
    for n in files {
        f.add_text(n, &read(n));
    }
    let e = explain(&f);
    // Every evidence item cites a real line of its input, quoted exactly.
    for i in &e.incidents {
        for ev in &i.evidence {
            let text = read(&ev.file);
            let line = text
                .lines()
                .nth(ev.line as usize - 1)
                .unwrap_or_else(|| panic!("{}:{} out of range", ev.file, ev.line));
            assert_eq!(
                line.trim_end_matches('\r'),
                ev.text,
                "{}:{}",
                ev.file,
                ev.line
            );
        }
        assert!(
            !i.next_steps.is_empty(),
            "{:?} has no next steps",
            i.verdict
        );
    }
    e
}

struct Case {
    files: &'static [&'static str],
    verdict: Verdict,
    pid: Option<u32>,
    process: Option<&'static str>,
    container: Option<&'static str>,
    pod_uid: Option<&'static str>,
    attribution: Option<Attribution>,
    level: Level,
}

const SEED_UID: &str = "94eb36cd-29e1-478b-b365-4cb5dfc7d6fb";

#[test]
fn table() {
    let cases = [
        // Kernel log alone: a memcg kill of a JVM; no max heap known, so no attribution.
        Case {
            files: &["kernel/dmesg_v2_memcg_systemd.txt"],
            verdict: Verdict::ContainerOomKill,
            pid: Some(48213),
            process: Some("java"),
            container: None,
            pod_uid: Some(SEED_UID),
            attribution: None,
            level: Level::High,
        },
        // Pod yaml alone: OOMKilled from the runtime.
        Case {
            files: &["k8s/pod_oomkilled.yaml"],
            verdict: Verdict::ContainerOomKill,
            pid: None,
            process: None,
            container: Some("admin"),
            pod_uid: Some(SEED_UID),
            attribution: None,
            // The runtime's OOMKilled is first-hand: it saw the cgroup's OOM kill.
            level: Level::High,
        },
        // Pod + kernel: joined by pod UID; JVM with the default heap (25% of 4Gi) and 4Gi anon: off heap.
        Case {
            files: &[
                "kernel/dmesg_v2_memcg_systemd.txt",
                "k8s/pod_oomkilled.yaml",
            ],
            verdict: Verdict::ContainerOomKill,
            pid: Some(48213),
            process: Some("java"),
            container: Some("admin"),
            pod_uid: Some(SEED_UID),
            attribution: Some(Attribution::OffHeapNative),
            level: Level::High,
        },
        // Pod + events + kernel + PrintFlagsFinal: the seed's case, measured max heap.
        Case {
            files: &[
                "k8s/pod_oomkilled.yaml",
                "k8s/events.json",
                "kernel/dmesg_v2_memcg_systemd.txt",
                "jvm/flags_final_jdk17.txt",
            ],
            verdict: Verdict::ContainerOomKill,
            pid: Some(48213),
            process: Some("java"),
            container: Some("admin"),
            pod_uid: Some(SEED_UID),
            attribution: Some(Attribution::OffHeapNative),
            level: Level::High,
        },
        // Global OOM: node_oom_kill, non-JVM victim's own anon memory.
        Case {
            files: &["kernel/dmesg_T_global_6x.txt"],
            verdict: Verdict::NodeOomKill,
            pid: Some(4312),
            process: Some("npm start"),
            container: None,
            pod_uid: Some("6b1c4b3e-51a9-4a8e-9b7e-0f1c2d3e4a5b"),
            attribution: Some(Attribution::OffHeapNative),
            level: Level::High,
        },
        // memory.oom.group: several siblings killed together.
        Case {
            files: &["kernel/kmsg_v2_group.txt"],
            verdict: Verdict::GroupOomKill,
            pid: Some(77102),
            process: Some("worker"),
            container: None,
            pod_uid: Some("c2d8a0e4-5f6a-4b7c-8d9e-0f1a2b3c4d5e"),
            attribution: Some(Attribution::OffHeapNative),
            level: Level::High,
        },
        // Old v1 format: the selected sh, a child java killed.
        Case {
            files: &["kernel/journal_v1_old_4x.txt"],
            verdict: Verdict::ContainerOomKill,
            pid: Some(30912),
            process: Some("java"),
            container: None,
            pod_uid: Some("7f2a4b0e-1c3d-11eb-8a1b-0a1b2c3d4e5f"),
            attribution: None,
            level: Level::High,
        },
        // JVM log alone: OutOfMemoryError, ExitOnOutOfMemoryError's Terminating line wins.
        Case {
            files: &["jvm/app_ooms.log"],
            verdict: Verdict::JvmOome,
            pid: None,
            process: None,
            container: None,
            pod_uid: None,
            attribution: Some(Attribution::Heap),
            level: Level::High,
        },
        // hs_err alone: native allocation failure.
        Case {
            files: &["jvm/hs_err_mmap_jdk17.log"],
            verdict: Verdict::NativeAllocFailure,
            pid: Some(1),
            process: Some("java"),
            container: None,
            pod_uid: None,
            attribution: None,
            level: Level::High,
        },
        Case {
            files: &["jvm/hs_err_malloc_jdk8.log"],
            verdict: Verdict::NativeAllocFailure,
            pid: Some(4312),
            process: Some("java"),
            container: None,
            pod_uid: None,
            attribution: None,
            level: Level::High,
        },
        // cgroup files + kernel: the stats agree; JVM, no heap size known.
        Case {
            files: &["kernel/dmesg_v2_memcg_systemd.txt", "cgroup/v2_head.txt"],
            verdict: Verdict::ContainerOomKill,
            pid: Some(48213),
            process: Some("java"),
            container: None,
            pod_uid: Some(SEED_UID),
            attribution: None,
            level: Level::High,
        },
        // cgroup files alone: the counter only.
        Case {
            files: &["cgroup/v2_head.txt"],
            verdict: Verdict::ContainerOomKill,
            pid: None,
            process: None,
            container: None,
            pod_uid: None,
            attribution: Some(Attribution::OffHeapNative),
            level: Level::Low,
        },
        Case {
            files: &["cgroup/v2_memory.events"],
            verdict: Verdict::GroupOomKill,
            pid: None,
            process: None,
            container: None,
            pod_uid: None,
            attribution: None,
            level: Level::Low,
        },
        // kubectl describe: OOMKilled (the runtime's own record: high), with a probe Killing
        // event attached as context.
        Case {
            files: &["k8s/describe_pod.txt"],
            verdict: Verdict::ContainerOomKill,
            pid: None,
            process: None,
            container: Some("admin"),
            // From the kubelet's `name_ns(uid)` in the BackOff event.
            pod_uid: Some(SEED_UID),
            attribution: None,
            level: Level::High,
        },
    ];
    for (n, c) in cases.iter().enumerate() {
        let e = run(c.files);
        let i = &e.incidents[0];
        let ctx = format!("case {n} {:?}: {i:#?}", c.files);
        assert_eq!(i.verdict, c.verdict, "{ctx}");
        assert_eq!(i.victim.pid, c.pid, "{ctx}");
        assert_eq!(i.victim.process.as_deref(), c.process, "{ctx}");
        assert_eq!(i.victim.container.as_deref(), c.container, "{ctx}");
        assert_eq!(i.victim.pod_uid.as_deref(), c.pod_uid, "{ctx}");
        assert_eq!(i.attribution, c.attribution, "{ctx}");
        assert_eq!(i.confidence.level, c.level, "{ctx}");
    }
}

fn verdicts(e: &Explanation) -> Vec<Verdict> {
    e.incidents.iter().map(|i| i.verdict).collect()
}

#[test]
fn evicted_from_describe_and_podlist() {
    let e = run(&["k8s/describe_evicted.txt"]);
    assert_eq!(e.incidents[0].verdict, Verdict::Evicted, "{e:#?}");
    let e = run(&["k8s/podlist.json"]);
    assert!(verdicts(&e).contains(&Verdict::Evicted), "{e:#?}");
}

#[test]
fn several_incidents_kept_apart() {
    let e = run(&["kernel/multi_noise.txt"]);
    assert!(e.incidents.len() >= 3, "{e:#?}");
    let pids: Vec<_> = e.incidents.iter().map(|i| i.victim.pid).collect();
    assert!(pids.contains(&Some(2231)) && pids.contains(&Some(3100)) && pids.contains(&Some(5150)));
    // oom_memcg=/kubepods: the node-allocatable limit, not the container's.
    let i = e
        .incidents
        .iter()
        .find(|i| i.victim.pid == Some(5150))
        .unwrap();
    assert_eq!(i.verdict, Verdict::NodeOomKill, "{i:#?}");
}

#[test]
fn podlist_joins_group_kill_and_keeps_eviction_apart() {
    let e = run(&[
        "kernel/kmsg_v2_group.txt",
        "k8s/podlist.json",
        "k8s/events.json",
    ]);
    let g = e
        .incidents
        .iter()
        .find(|i| i.verdict == Verdict::GroupOomKill)
        .expect("group");
    assert_eq!(g.victim.container.as_deref(), Some("worker"), "{g:#?}");
    assert!(verdicts(&e).contains(&Verdict::Evicted), "{e:#?}");
}

#[test]
fn global_kill_joins_probe_event_by_pod_uid() {
    let e = run(&["kernel/dmesg_T_global_6x.txt", "k8s/events.json"]);
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::NodeOomKill);
    assert_eq!(i.oom_score_adj, Some(1000));
    assert!(
        i.evidence.iter().any(|ev| ev.file == "k8s/events.json"),
        "{i:#?}"
    );
}

/// Synthetic inputs for the rules no fixture combination covers.
fn run_texts(inputs: &[(&str, &str)]) -> Explanation {
    oomdoc_explain::explain_texts(inputs.iter().copied())
}

const POD_137: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: api-1
  namespace: shop
  uid: 11111111-2222-3333-4444-555555555555
spec:
  containers:
  - name: api
    image: api:1
    args: ["java", "-Xmx3g", "-jar", "app.jar"]
    resources:
      limits:
        memory: 4Gi
status:
  containerStatuses:
  - name: api
    containerID: containerd://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    restartCount: 2
    lastState:
      terminated:
        exitCode: EXIT
        reason: REASON
        containerID: containerd://bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
    state:
      running: {}
"#;

const PROBE_EVENTS: &str = r#"apiVersion: v1
kind: EventList
items:
- apiVersion: v1
  kind: Event
  involvedObject:
    kind: Pod
    name: api-1
    namespace: shop
    uid: 11111111-2222-3333-4444-555555555555
    fieldPath: spec.containers{api}
  reason: Killing
  message: Container api failed liveness probe, will be restarted
  type: Normal
"#;

#[test]
fn sigkill_with_probe_failure_is_not_oom() {
    let pod = POD_137.replace("EXIT", "137").replace("REASON", "Error");
    let e = run_texts(&[("pod.yaml", &pod), ("ev.yaml", PROBE_EVENTS)]);
    assert_eq!(e.incidents.len(), 1, "{e:#?}");
    assert_eq!(e.incidents[0].verdict, Verdict::SigkillNotOom, "{e:#?}");
    assert_eq!(e.incidents[0].victim.container.as_deref(), Some("api"));
    assert_eq!(e.incidents[0].confidence.level, Level::Medium);
    assert!(e.incidents[0].confidence.why.contains("probe"), "{e:#?}");
    // Without the event: still not an OOM kill by the runtime's reason, and what to collect.
    let e = run_texts(&[("pod.yaml", &pod)]);
    assert_eq!(e.incidents[0].verdict, Verdict::SigkillNotOom, "{e:#?}");
    assert!(e.incidents[0]
        .next_steps
        .iter()
        .any(|s| s.contains("journalctl -k")));
}

#[test]
fn exit_on_oome_exit_code_3() {
    let pod = POD_137.replace("EXIT", "3").replace("REASON", "Error");
    let log = "started\nTerminating due to java.lang.OutOfMemoryError: Java heap space\n";
    let e = run_texts(&[("pod.yaml", &pod), ("app.log", log)]);
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::JvmOome, "{e:#?}");
    assert_eq!(i.oome_kind.as_deref(), Some("java_heap_space"));
    assert_eq!(i.attribution, Some(Attribution::Heap));
    assert!(i.confidence.why.contains("exit code 3"));
}

#[test]
fn xmx_in_pod_spec_near_limit_is_heap() {
    let pod = POD_137
        .replace("EXIT", "137")
        .replace("REASON", "OOMKilled");
    let k = "[ 5.0] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,oom_memcg=/kubepods/burstable/pod11111111-2222-3333-4444-555555555555/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,task_memcg=/kubepods/burstable/pod11111111-2222-3333-4444-555555555555/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,task=java,pid=900,uid=0\n\
[ 5.1] Memory cgroup out of memory: Killed process 900 (java) total-vm:9000000kB, anon-rss:4100000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:9000kB oom_score_adj:936\n";
    let e = run_texts(&[("pod.yaml", &pod), ("dmesg", k)]);
    assert_eq!(e.incidents.len(), 1, "{e:#?}");
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert_eq!(i.victim.container.as_deref(), Some("api"));
    assert_eq!(
        i.victim.container_id.as_deref().map(|s| &s[..4]),
        Some("bbbb")
    );
    assert_eq!(i.attribution, Some(Attribution::Heap), "{i:#?}");
    assert!(i.evidence.iter().any(|e| e.text.contains("-Xmx3g")));
}

#[test]
fn nmt_decides_off_heap() {
    let e = run(&["kernel/dmesg_v2_memcg_systemd.txt", "jvm/nmt_jdk17.txt"]);
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::ContainerOomKill);
    assert!(i.attribution.is_some(), "{i:#?}");
    assert!(i.attribution_why.as_deref().unwrap().starts_with("NMT"));
}

#[test]
fn nothing_is_unknown() {
    let e = run_texts(&[("x.log", "hello\nworld\n")]);
    assert_eq!(verdicts(&e), vec![Verdict::Unknown]);
    assert!(!e.explained());
}

#[test]
fn crash_on_oome_and_describe_events_join() {
    let e = run(&["jvm/crash_on_oom.log"]);
    assert_eq!(e.incidents[0].verdict, Verdict::JvmOome);
    assert_eq!(e.incidents[0].oome_kind.as_deref(), Some("java_heap_space"));
    // The Events table of `kubectl describe` joins the pod above it: one incident.
    let e = run(&["k8s/describe_evicted.txt"]);
    assert_eq!(verdicts(&e), vec![Verdict::Evicted], "{e:#?}");
}

/// A memcg kill whose cgroup path names no pod (a node where only `journalctl -k` kept the
/// line), and a pod whose container died 4 s later: joined by time alone, and said so.
const JOURNAL_KILL: &str = "Nov 28 01:02:03 node-7 kernel: Memory cgroup out of memory: Killed process 9120 (java) total-vm:6512000kB, anon-rss:4150000kB, file-rss:20000kB, shmem-rss:0kB, UID:1000 pgtables:8800kB oom_score_adj:968\n";

fn pod_finished_at(finished: &str) -> String {
    POD_137
        .replace("EXIT", "137")
        .replace("REASON", "OOMKilled")
        .replace(
            "        containerID: containerd://bbbb",
            &format!("        finishedAt: \"{finished}\"\n        containerID: containerd://bbbb"),
        )
}

#[test]
fn kernel_report_joins_the_pod_by_time_when_no_key_ties_them() {
    let pod = pod_finished_at("2026-11-28T01:02:07Z");
    let e = run_texts(&[("journal.txt", JOURNAL_KILL), ("pod.yaml", &pod)]);
    assert_eq!(e.incidents.len(), 1, "{e:#?}");
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::ContainerOomKill, "{i:#?}");
    assert_eq!(i.victim.pid, Some(9120));
    assert_eq!(i.victim.container.as_deref(), Some("api"));
    assert_eq!(
        i.victim.pod_uid.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert!(
        i.confidence
            .why
            .contains("joined by time alone: the kill was 4s before finishedAt"),
        "{}",
        i.confidence.why
    );
    assert!(i.evidence.iter().any(|ev| ev.file == "pod.yaml"), "{i:#?}");
}

#[test]
fn kernel_report_far_from_finished_at_stays_apart() {
    let pod = pod_finished_at("2026-11-28T03:02:07Z");
    let e = run_texts(&[("journal.txt", JOURNAL_KILL), ("pod.yaml", &pod)]);
    assert_eq!(e.incidents.len(), 2, "{e:#?}");
    assert!(e
        .incidents
        .iter()
        .all(|i| !i.confidence.why.contains("joined by time")));
}

#[test]
fn an_oom_storm_keeps_the_newest_reports_and_says_how_many_were_left_out() {
    let extra = 3;
    let n = oomdoc_explain::collect::MAX_KERNEL_INCIDENTS + extra;
    let log: String = (0..n)
        .map(|i| {
            format!(
                "[{i}.000000] Memory cgroup out of memory: Killed process {} (w) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB\n",
                i + 100
            )
        })
        .collect();
    let e = run_texts(&[("storm.log", &log)]);
    assert_eq!(
        e.incidents.len(),
        oomdoc_explain::collect::MAX_KERNEL_INCIDENTS
    );
    // The oldest ones went: the first kept is the fourth kill.
    assert_eq!(e.incidents[0].victim.pid, Some(100 + extra as u32));
    assert_eq!(e.notes.len(), 1, "{:?}", e.notes);
    assert!(
        e.notes[0].starts_with("storm.log: 3 older OOM reports not explained"),
        "{:?}",
        e.notes
    );
}

#[test]
fn sigkill_with_no_oom_kill_counted_is_not_an_oom_kill() {
    let pod = POD_137.replace("EXIT", "137").replace("REASON", "Error");
    let cgroup = "memory.oom_control:oom_kill_disable 0\nmemory.oom_control:under_oom 0\nmemory.oom_control:oom_kill 0\n";
    let e = run_texts(&[("pod.yaml", &pod), ("cgroup.txt", cgroup)]);
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::SigkillNotOom, "{i:#?}");
    assert!(
        i.confidence.why.contains("counted no OOM kill"),
        "{}",
        i.confidence.why
    );
    assert!(
        i.evidence
            .iter()
            .any(|ev| ev.file == "cgroup.txt" && ev.text.ends_with("oom_kill 0")),
        "{i:#?}"
    );
    // Without the cgroup's count, the runtime's reason (Error, not OOMKilled) still says it was
    // not the cgroup's OOM kill: medium confidence.
    let e = run_texts(&[("pod.yaml", &pod)]);
    assert_eq!(e.incidents[0].verdict, Verdict::SigkillNotOom);
    assert_eq!(e.incidents[0].confidence.level, Level::Medium);
    assert!(e.incidents[0].confidence.why.contains("reason Error"));
    // With no reason at all, nothing says who sent the SIGKILL.
    let e = run_texts(&[(
        "pod.yaml",
        &POD_137
            .replace("EXIT", "137")
            .replace("reason: REASON", "message: x"),
    )]);
    assert_eq!(
        e.incidents[0].verdict,
        Verdict::Unknown,
        "{:#?}",
        e.incidents[0]
    );
}

/// The node's `OOMKilling` event (node-problem-detector) names the node and the process, not the
/// pod; with no kernel log, the pod whose container was OOM-killed 2 s later on that node is the
/// same death.
const NODE_OOM_EVENT: &str = r#"{"apiVersion":"v1","kind":"EventList","items":[{"apiVersion":"v1","kind":"Event",
"involvedObject":{"kind":"Node","name":"node-7","uid":"node-7"},
"reason":"OOMKilling","type":"Warning","count":1,
"firstTimestamp":"2026-11-28T01:02:05Z","lastTimestamp":"2026-11-28T01:02:05Z",
"message":"Memory cgroup out of memory: Killed process 9120 (java) total-vm:6512000kB, anon-rss:4150000kB, file-rss:20000kB, shmem-rss:0kB, UID:1000 pgtables:8800kB oom_score_adj:968",
"source":{"component":"kernel-monitor","host":"node-7"}}]}"#;

#[test]
fn node_oom_killing_event_joins_the_pod_killed_at_that_time_on_that_node() {
    let pod =
        pod_finished_at("2026-11-28T01:02:07Z").replace("spec:\n", "spec:\n  nodeName: node-7\n");
    let e = run_texts(&[("pod.yaml", &pod), ("events.json", NODE_OOM_EVENT)]);
    assert_eq!(e.incidents.len(), 1, "{e:#?}");
    let i = &e.incidents[0];
    assert_eq!(i.verdict, Verdict::ContainerOomKill, "{i:#?}");
    assert_eq!(i.victim.container.as_deref(), Some("api"));
    assert!(
        i.evidence.iter().any(|ev| ev.file == "events.json"),
        "{i:#?}"
    );
    // Another node's event, or one an hour away, stays apart.
    let far = pod_finished_at("2026-11-28T02:02:07Z");
    assert_eq!(
        run_texts(&[("pod.yaml", &far), ("events.json", NODE_OOM_EVENT)])
            .incidents
            .len(),
        2
    );
    let other =
        pod_finished_at("2026-11-28T01:02:07Z").replace("spec:\n", "spec:\n  nodeName: node-8\n");
    assert_eq!(
        run_texts(&[("pod.yaml", &other), ("events.json", NODE_OOM_EVENT)])
            .incidents
            .len(),
        2
    );
}
