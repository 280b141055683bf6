//! Every reader takes arbitrary text without panicking.

use oomdoc_evidence::{
    cgroup_files, describe, detect, events, flags_final, hs_err, jvm_log, kernel, memcg_path, nmt,
    pod_status,
};
use proptest::prelude::*;

/// Lines built from the fragments the parsers look for, so the search reaches deep branches.
fn fragments() -> impl Strategy<Value = String> {
    let frag = prop::sample::select(vec![
        "[ 12.5] ",
        "6,1,2,-;",
        "Nov 28 01:02:03 h kernel: ",
        "[Sat Nov 28 01:02:03 2026] ",
        "> ",
        "<6>",
        "x invoked oom-killer: gfp_mask=0x",
        "(",
        ")",
        ", order=",
        "oom_score_adj=",
        "oom-kill:constraint=",
        ",task_memcg=",
        ",pid=",
        ",global_oom",
        "Memory cgroup out of memory: ",
        "Killed process ",
        "Kill process ",
        " score ",
        "sacrifice child",
        "total-vm:",
        "kB, ",
        "UID ",
        "UID:",
        "memory: usage ",
        "limit ",
        "failcnt ",
        "Memory cgroup stats for ",
        ":",
        "Tasks in ",
        " are going to be killed due to memory.oom.group set",
        "[  pid  ]   uid  tgid total_vm      rss name",
        "[ 12]",
        "anon 5",
        "CPU: 1 PID: ",
        "Tainted: ",
        "oom_reaper: reaped process ",
        "/kubepods/",
        "pod",
        "burstable/",
        ".slice/",
        "kubepods-",
        "cri-containerd-",
        ".scope",
        "_",
        "-",
        "java.lang.OutOfMemoryError: ",
        "Exception in thread \"",
        "\" ",
        "GC(",
        "->",
        "M(",
        "ms",
        "Dumping heap to ",
        "Native memory allocation (",
        "failed to map ",
        "os::commit_memory(",
        "Total: reserved=",
        "committed=",
        "KB",
        "- Java Heap (reserved=",
        " = ",
        " := ",
        "{product}",
        "{",
        "}",
        "memory.max:",
        "==> memory.stat <==",
        "max",
        "Name: a",
        "Namespace: b",
        "Containers:",
        "  c:",
        "    Last State: Terminated",
        "      Reason: OOMKilled",
        "Events:",
        "  Type  Reason  Age  From  Message",
        "The node was low on resource: ",
        "Container ",
        " was using ",
        "request is ",
        "which exceeds its request of ",
        "{\"kind\":\"Pod\"",
        "kind: Event",
        "items:",
        "- ",
        "  ",
        "\n",
        "\t",
        "é",
        "0",
        "18446744073709551615",
        "-1",
    ]);
    prop::collection::vec(frag, 0..60).prop_map(|v| v.concat())
}

fn all(s: &str) {
    let _ = detect(s);
    let _ = kernel::parse_kernel_log(s);
    let _ = memcg_path::decode_memcg_path(s);
    let _ = pod_status::parse_pods(s);
    let _ = events::parse_events(s);
    let _ = events::parse_events_table(s);
    let _ = events::parse_eviction(s);
    let _ = describe::parse_describe(s);
    let _ = jvm_log::parse_jvm_log(s);
    let _ = hs_err::parse_hs_err(s);
    let _ = cgroup_files::parse_cgroup_files(s);
    let _ = nmt::parse_nmt(s);
    let _ = flags_final::parse_flags_final(s);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn fragments_never_panic(s in fragments()) {
        all(&s);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
        all(&s);
    }

    #[test]
    fn arbitrary_bytes_kernel_reader(b in prop::collection::vec(any::<u8>(), 0..600)) {
        for _ in kernel::KernelReader::new(&b[..]) {}
    }
}

#[test]
fn fixtures_cut_anywhere_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for sub in ["kernel", "k8s", "jvm", "cgroup"] {
        for e in std::fs::read_dir(format!("{dir}/{sub}")).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            for cut in (0..text.len())
                .step_by(7)
                .filter(|c| text.is_char_boundary(*c))
            {
                all(&text[..cut]);
                all(&text[cut..]);
            }
        }
    }
}

#[test]
fn tiny_buffer_reader_matches_whole_text() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kernel/multi_noise.txt"
    ))
    .unwrap();
    let whole = kernel::parse_kernel_log(&text);
    let small: Vec<_> =
        kernel::KernelReader::new(std::io::BufReader::with_capacity(7, text.as_bytes()))
            .filter_map(|e| match e {
                kernel::KernelEvent::Incident(i) => Some(*i),
                kernel::KernelEvent::ReadError(_) => None,
            })
            .collect();
    assert_eq!(whole, small);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = "[".repeat(100_000);
    assert!(pod_status::parse_pods(&deep).is_err());
    let deep_map = "a:\n".to_string()
        + &(1..190)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect::<String>();
    let _ = events::parse_events(&deep_map);
    let at_limit = "[".repeat(200) + &"]".repeat(200);
    assert!(pod_status::parse_pods(&at_limit).is_ok());
}
