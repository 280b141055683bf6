//! cgroup v1 and v2 memory files in their bare and header forms.

use oomdoc_evidence::cgroup_files::{parse_cgroup_files, CgValue as V, CgVersion};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/cgroup/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn v1_grep_form() {
    let c = parse_cgroup_files(&fixture("v1_grep.txt"));
    assert_eq!(c.version(), CgVersion::V1);
    assert_eq!(c.limit().unwrap().value, V::N(4_294_967_296));
    assert_eq!(c.usage().unwrap().value, V::N(4_294_443_008));
    assert_eq!(c.peak().unwrap().value, V::N(4_294_967_296));
    assert_eq!(
        c.get("memory.kmem.usage_in_bytes", None),
        Some(V::N(128_450_560))
    );
    assert_eq!(c.oom_kills().unwrap().value, V::N(3));
    assert_eq!(c.oom_kills().unwrap().cited.line, 7);
    assert_eq!(
        c.get("memory.oom_control", Some("under_oom")),
        Some(V::N(0))
    );
}

#[test]
fn v1_bare_stat_and_oom_control() {
    let c = parse_cgroup_files(&fixture("v1_memory.stat"));
    assert_eq!(c.version(), CgVersion::V1);
    assert_eq!(c.stat("total_rss").unwrap().value, V::N(4_148_000_768));
    assert_eq!(c.limit().unwrap().value, V::N(4_294_967_296));
    let c = parse_cgroup_files(&fixture("v1_oom_control"));
    assert_eq!(c.version(), CgVersion::V1);
    assert_eq!(c.oom_kills().unwrap().value, V::N(1));
}

#[test]
fn v2_head_form() {
    let c = parse_cgroup_files(&fixture("v2_head.txt"));
    assert_eq!(c.version(), CgVersion::V2);
    assert_eq!(c.usage().unwrap().value, V::N(4_293_918_720));
    assert_eq!(c.limit().unwrap().value, V::N(4_294_967_296));
    assert_eq!(c.peak().unwrap().value, V::N(4_294_967_296));
    assert_eq!(c.get("memory.events", Some("max")), Some(V::N(1532)));
    assert_eq!(c.oom_kills().unwrap().value, V::N(2));
    assert_eq!(c.stat("kernel").unwrap().value, V::N(27_951_104));
    assert_eq!(c.stat("anon").unwrap().cited.line, 19);
}

#[test]
fn v2_unlimited_and_bare_events() {
    let c = parse_cgroup_files(&fixture("v2_unlimited.txt"));
    assert_eq!(c.version(), CgVersion::V2);
    assert_eq!(c.limit().unwrap().value, V::Max);
    let c = parse_cgroup_files(&fixture("v2_memory.events"));
    assert_eq!(c.version(), CgVersion::V2);
    assert_eq!(
        c.get("memory.events", Some("oom_group_kill")),
        Some(V::N(1))
    );
}

#[test]
fn a_bare_number_is_not_guessed() {
    let c = parse_cgroup_files("4294967296\n");
    assert!(c.entries.is_empty());
}
