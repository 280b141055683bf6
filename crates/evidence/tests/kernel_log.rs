//! Kernel log fixtures: every prefix and report format, with the extracted fields.

use oomdoc_evidence::kernel::{
    parse_kernel_log, CgroupVersion, KernelEvent, KernelReader, OomKind,
};
use oomdoc_evidence::kernel_facts::{Constraint, CounterKind, KillScope, StatUnit};
use oomdoc_evidence::kernel_line::split_prefix;
use oomdoc_evidence::memcg_path::{MemcgLevel, Runtime};
use oomdoc_model::qos::QosClass;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/kernel/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn dmesg_v2_memcg_systemd_containerd() {
    let v = parse_kernel_log(&fixture("dmesg_v2_memcg_systemd.txt"));
    assert_eq!(v.len(), 1);
    let i = &v[0];
    assert_eq!(
        (i.first_line, i.start.monotonic_us),
        (2, Some(2_993_702_101))
    );
    let h = i.header.as_ref().unwrap();
    assert_eq!(
        (
            h.comm.as_str(),
            h.gfp_mask.as_deref(),
            h.gfp_flags.as_deref()
        ),
        ("java", Some("0xcc0"), Some("GFP_KERNEL"))
    );
    assert_eq!((h.order, h.oom_score_adj), (Some(0), Some(968)));
    assert_eq!(i.invoker_pid, Some(48213));
    assert_eq!(i.kernel_release.as_deref(), Some("5.15.0-1034-azure"));
    assert!(i.trace_memcg);
    assert_eq!(i.kind(), OomKind::Memcg);
    assert_eq!(i.cgroup_version(), Some(CgroupVersion::V2));
    let m = i.memory_counter().unwrap();
    assert_eq!(
        (m.usage_kb, m.limit_kb, m.failcnt),
        (4_194_304, 4_194_304, Some(1_273_284))
    );
    assert_eq!(i.stats.len(), 1);
    assert_eq!(i.stats[0].unit, StatUnit::Bytes);
    assert_eq!(i.stats[0].bytes("anon"), Some(4_253_130_752));
    assert_eq!(i.stats[0].bytes("kernel"), Some(27_951_104));
    assert_eq!(i.stats[0].values.len(), 9);
    assert_eq!(i.tasks.len(), 2);
    let row = i.victim_row().unwrap();
    assert_eq!(
        (
            row.rss_pages,
            row.pgtables_bytes,
            row.oom_score_adj,
            row.name.as_str()
        ),
        (Some(1_041_412), Some(9_093_120), Some(968), "java")
    );
    let s = i.summary.as_ref().unwrap();
    assert_eq!(s.constraint, Constraint::Memcg);
    assert_eq!(
        (s.task.as_deref(), s.pid, s.uid, s.mems_allowed.as_deref()),
        (Some("java"), Some(48213), Some(1001), Some("0"))
    );
    let k = i.victim().unwrap();
    assert_eq!(
        (k.scope, k.pid, k.comm.as_str()),
        (KillScope::Memcg, 48213, "java")
    );
    assert_eq!(
        (k.total_vm_kb, k.anon_rss_kb, k.file_rss_kb, k.shmem_rss_kb),
        (Some(7_017_300), Some(4_153_648), Some(12_000), Some(0))
    );
    assert_eq!(
        (k.uid, k.pgtables_kb, k.oom_score_adj),
        (Some(1001), Some(8880), Some(968))
    );
    assert_eq!(k.cited.line, 32);
    assert!(k.cited.text.contains("Killed process 48213"));
    assert_eq!(i.reaped.len(), 1);
    let p = i.oom_memcg().unwrap();
    assert_eq!(p.level, MemcgLevel::Container);
    assert_eq!(
        p.pod_uid.as_deref(),
        Some("94eb36cd-29e1-478b-b365-4cb5dfc7d6fb")
    );
    assert_eq!(
        (p.qos, p.runtime),
        (Some(QosClass::Burstable), Some(Runtime::Containerd))
    );
    assert_eq!(
        p.container_id.as_deref(),
        Some("46b3e0a4df44b752b841aecca454e6e78995d567912a84950390bae6f6777a63")
    );
    assert_eq!(i.key_lines().len(), 5);
}

#[test]
fn dmesg_t_global_with_6x_task_columns() {
    let v = parse_kernel_log(&fixture("dmesg_T_global_6x.txt"));
    assert_eq!(v.len(), 1);
    let i = &v[0];
    let w = i.start.wall.unwrap();
    assert_eq!(
        (w.year, w.month, w.day, w.hour, w.minute, w.second),
        (Some(2026), 11, 28, 1, 2, 3)
    );
    assert_eq!(i.kind(), OomKind::Global);
    assert!(i.mem_info && !i.trace_memcg);
    assert_eq!(i.kernel_release.as_deref(), Some("6.14.0-15-generic"));
    assert_eq!(i.invoker_pid, Some(1));
    let s = i.summary.as_ref().unwrap();
    assert_eq!(s.constraint, Constraint::None);
    assert!(s.global_oom);
    assert_eq!(s.mems_allowed.as_deref(), Some("0-7"));
    assert_eq!(s.task.as_deref(), Some("npm start"));
    assert_eq!(i.tasks.len(), 3);
    let r = i.victim_row().unwrap();
    assert_eq!(
        (
            r.rss_anon_pages,
            r.rss_file_pages,
            r.rss_shmem_pages,
            r.name.as_str()
        ),
        (Some(939_800), Some(712), Some(0), "npm start")
    );
    let k = i.victim().unwrap();
    assert_eq!(
        (k.scope, k.comm.as_str(), k.oom_score_adj),
        (KillScope::Global, "npm start", Some(1000))
    );
    let t = i.task_memcg().unwrap();
    assert_eq!(
        (t.qos, t.level),
        (Some(QosClass::BestEffort), MemcgLevel::Container)
    );
    assert_eq!(
        t.pod_uid.as_deref(),
        Some("6b1c4b3e-51a9-4a8e-9b7e-0f1c2d3e4a5b")
    );
    assert!(i.oom_memcg().is_none());
}

#[test]
fn journal_v1_old_format_sacrifice_child() {
    let v = parse_kernel_log(&fixture("journal_v1_old_4x.txt"));
    assert_eq!(v.len(), 1);
    let i = &v[0];
    assert_eq!(i.first_line, 2);
    assert_eq!(i.start.monotonic_us, Some(7_063_247_407));
    assert_eq!(i.start.wall.unwrap().month, 1);
    assert_eq!(i.start.host.as_deref(), Some("ip-10-0-1-23"));
    assert_eq!(
        i.kernel_release.as_deref(),
        Some("4.14.203-156.332.amzn2.x86_64")
    );
    assert_eq!(i.kind(), OomKind::Memcg);
    assert_eq!(i.cgroup_version(), Some(CgroupVersion::V1));
    assert_eq!(
        i.counters.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [
            CounterKind::Memory,
            CounterKind::MemorySwap,
            CounterKind::Kmem
        ]
    );
    assert_eq!(i.stats[0].unit, StatUnit::Kb);
    assert_eq!(i.stats[0].bytes("rss"), Some(2_076_300 * 1024));
    assert_eq!(i.tasks.len(), 3);
    assert_eq!(i.tasks[2].nr_ptes, Some(1123));
    let sel = i.selected.as_ref().unwrap();
    assert_eq!(
        (sel.pid, sel.comm.as_str(), sel.score, sel.scope),
        (30901, "sh", Some(1994), KillScope::Memcg)
    );
    let k = i.victim().unwrap();
    assert_eq!(
        (k.pid, k.comm.as_str(), k.scope, k.uid),
        (30912, "java", KillScope::Unknown, None)
    );
    let p = i.oom_memcg().unwrap();
    assert_eq!(
        (p.qos, p.level, p.runtime),
        (Some(QosClass::Guaranteed), MemcgLevel::Container, None)
    );
    assert_eq!(
        p.pod_uid.as_deref(),
        Some("7f2a4b0e-1c3d-11eb-8a1b-0a1b2c3d4e5f")
    );
    assert!(i.summary.is_none());
    assert_eq!(i.reaped.len(), 1);
}

#[test]
fn kmsg_v2_oom_group_two_kills_one_incident() {
    let v = parse_kernel_log(&fixture("kmsg_v2_group.txt"));
    assert_eq!(v.len(), 1);
    let i = &v[0];
    assert_eq!(i.start.monotonic_us, Some(184_093_512_345));
    assert_eq!(i.killed.len(), 2);
    assert_eq!(
        i.killed.iter().map(|k| k.pid).collect::<Vec<_>>(),
        [77102, 77101]
    );
    assert!(i.group_kill.is_some());
    assert_eq!(i.cgroup_version(), Some(CgroupVersion::V2));
    assert_eq!(i.kernel_release.as_deref(), Some("6.1.0-18-amd64"));
    let p = i.task_memcg().unwrap();
    assert_eq!(
        (p.qos, p.runtime),
        (Some(QosClass::BestEffort), Some(Runtime::CriO))
    );
    assert_eq!(
        i.summary.as_ref().unwrap().mems_allowed.as_deref(),
        Some("0-1")
    );
}

#[test]
fn several_incidents_with_noise_rhel_and_truncation() {
    let v = parse_kernel_log(&fixture("multi_noise.txt"));
    assert_eq!(v.len(), 4, "{v:#?}");
    assert_eq!(
        (
            v[0].victim().unwrap().pid,
            v[0].victim().unwrap().oom_score_adj
        ),
        (2231, Some(-997))
    );
    assert_eq!(v[0].start.wall.unwrap().day, 3);
    let r = v[1].victim().unwrap();
    assert_eq!(
        (r.pid, r.comm.as_str(), r.uid, r.total_vm_kb),
        (3100, "python3", Some(1000), Some(812_345))
    );
    // A header with no kill: a partly shown report.
    assert!(v[2].killed.is_empty());
    assert_eq!(v[2].memory_counter().unwrap().limit_kb, 262_144);
    assert_eq!(v[2].start.wall.unwrap().micros, 50_705);
    let last = &v[3];
    assert_eq!(
        last.header.as_ref().unwrap().gfp_mask.as_deref(),
        Some("0x0")
    );
    assert_eq!(last.oom_memcg().unwrap().level, MemcgLevel::Kubepods);
    assert_eq!(last.task_memcg().unwrap().qos, Some(QosClass::Burstable));
}

#[test]
fn prefixes() {
    let cases: [(&str, Option<u64>, &str); 6] = [
        ("[  123.456789] hello", Some(123_456_789), "hello"),
        ("6,1234,5678901,-;hello", Some(5_678_901), "hello"),
        ("<6>[ 1.5] hello", Some(1_500_000), "hello"),
        ("hello", None, "hello"),
        ("[月  1月 26 01:49:41 2026] hello", None, "hello"),
        (
            "2026-11-28T01:02:03.123456+00:00 node1 kernel: hello",
            None,
            "hello",
        ),
    ];
    for (line, us, msg) in cases {
        let (st, m) = split_prefix(line);
        assert_eq!((st.monotonic_us, m), (us, msg), "{line}");
    }
}

#[test]
fn streaming_reader_reports_read_errors() {
    struct Bad;
    impl std::io::Read for Bad {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("boom"))
        }
    }
    let mut r = KernelReader::new(std::io::BufReader::new(Bad));
    assert!(matches!(r.next(), Some(KernelEvent::ReadError(_))));
    assert!(r.next().is_none());
}

#[test]
fn invalid_utf8_is_tolerated() {
    let mut bytes = b"[ 1.0] \xff\xfe invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n".to_vec();
    bytes.extend_from_slice(b"[ 1.1] Memory cgroup out of memory: Killed process 9 (a\xffb) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
    let v: Vec<_> = KernelReader::new(&bytes[..]).collect();
    assert_eq!(v.len(), 1);
}

#[test]
fn group_kill_does_not_swallow_a_later_kill() {
    let mut text = fixture("kmsg_v2_group.txt");
    text.push_str("3,99990,184999000000,-;Memory cgroup out of memory: Killed process 88 (other) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
    let v = parse_kernel_log(&text);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].killed.len(), 2);
    assert_eq!(v[1].victim().unwrap().pid, 88);
    assert_eq!(v[1].first_line, 18);
}

#[test]
fn task_table_is_capped() {
    use oomdoc_evidence::kernel::MAX_TASKS;
    let mut text = String::from("[ 1.0] a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n[ 1.0] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n");
    for pid in 0..MAX_TASKS + 10 {
        text.push_str(&format!(
            "[ 1.0] [{pid:7}]     0 {pid:5}      255        1    28672        0             0 p\n"
        ));
    }
    text.push_str("[ 1.1] Out of memory: Killed process 5 (p) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
    let v = parse_kernel_log(&text);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].tasks.len(), v[0].tasks_dropped), (MAX_TASKS, 10));
    assert_eq!(v[0].victim().unwrap().pid, 5);
}
