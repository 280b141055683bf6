//! Content detection over every fixture (file names are never consulted by `detect`).

use oomdoc_evidence::{detect, Kind as K};

fn head(path: &str) -> String {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut end = text.len().min(1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[test]
fn every_fixture() {
    let rows = [
        ("kernel/dmesg_v2_memcg_systemd.txt", K::KernelLog),
        ("kernel/dmesg_T_global_6x.txt", K::KernelLog),
        ("kernel/journal_v1_old_4x.txt", K::KernelLog),
        ("kernel/kmsg_v2_group.txt", K::KernelLog),
        ("kernel/multi_noise.txt", K::KernelLog),
        ("k8s/pod_oomkilled.yaml", K::PodObjects),
        ("k8s/podlist.json", K::PodObjects),
        ("k8s/events.json", K::Events),
        ("k8s/events.yaml", K::Events),
        ("k8s/describe_pod.txt", K::DescribePod),
        ("k8s/describe_evicted.txt", K::DescribePod),
        ("jvm/app_ooms.log", K::JvmLog),
        ("jvm/crash_on_oom.log", K::JvmLog),
        ("jvm/native_alloc_stdout.log", K::JvmLog),
        ("jvm/hs_err_mmap_jdk17.log", K::HsErr),
        ("jvm/hs_err_malloc_jdk8.log", K::HsErr),
        ("jvm/hs_err_sigsegv_jdk21.log", K::HsErr),
        ("jvm/nmt_jdk17.txt", K::NmtSummary),
        ("jvm/nmt_jdk21_mb.txt", K::NmtSummary),
        ("jvm/flags_final_jdk17.txt", K::FlagsFinal),
        ("jvm/flags_final_jdk8.txt", K::FlagsFinal),
        ("cgroup/v1_grep.txt", K::CgroupV1),
        ("cgroup/v1_memory.stat", K::CgroupV1),
        ("cgroup/v1_oom_control", K::CgroupV1),
        ("cgroup/v2_head.txt", K::CgroupV2),
        ("cgroup/v2_unlimited.txt", K::CgroupV2),
        ("cgroup/v2_memory.events", K::CgroupV2),
    ];
    for (path, kind) in rows {
        assert_eq!(detect(&head(path)), kind, "{path}");
    }
}

#[test]
fn plain_inputs() {
    assert_eq!(detect(""), K::Unknown);
    assert_eq!(
        detect("2026-11-28 INFO started\n2026-11-28 INFO ready\n"),
        K::ContainerLog
    );
    assert_eq!(detect("[    0.000000] Linux version 6.1.0-18-amd64\n[    0.000001] Command line: BOOT_IMAGE=/vmlinuz\n"), K::KernelLog);
    assert_eq!(
        detect(
            "  Type    Reason   Age  From     Message\n  ----    ------   ---- ----     -------\n"
        ),
        K::EventsTable
    );
}
