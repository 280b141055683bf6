//! Reading in passes, as `oomdoc audit` does: a first pass for LimitRanges and Dockerfiles only
//! ([`Only::LimitRangesAndDockerfiles`]) must find exactly what a full read finds, and
//! [`read_inputs_until`] must stop when told to.

mod common;

use std::ops::ControlFlow;
use std::path::PathBuf;

use oomdoc_manifest::{read_inputs, read_inputs_until, Item, Only, ReadOptions};

fn read(paths: &[PathBuf], only: Only, threads: usize) -> Vec<Item> {
    let opts = ReadOptions {
        threads,
        only,
        ..ReadOptions::default()
    };
    let mut items = Vec::new();
    read_inputs(paths, &opts, &mut |i| items.push(i));
    items
}

/// The LimitRanges and Dockerfiles among `items`.
fn prepass_part(items: Vec<Item>) -> Vec<Item> {
    items
        .into_iter()
        .filter(|i| matches!(i, Item::LimitRange(_) | Item::Dockerfile(_)))
        .collect()
}

/// LimitRanges written every way the reader accepts: plain, in a `List`, as a typed
/// `LimitRangeList` item (whose kind comes from the list), in JSON with a `\u` escape, in a YAML
/// double-quoted string with an escaped line break; beside workloads and other objects.
const MIXED: &[(&str, &str)] = &[
    (
        "a.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n---\n\
         apiVersion: v1\nkind: LimitRange\nmetadata: {name: plain, namespace: a}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 1Gi}\n",
    ),
    (
        "b.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: LimitRange\n  metadata: {name: listed}\n  spec:\n    limits:\n    - type: Container\n      defaultRequest: {memory: 1Mi}\n\
         - apiVersion: v1\n  kind: Pod\n  metadata: {name: in-list}\n  spec:\n    containers:\n    - name: c\n",
    ),
    (
        "c.yaml",
        "apiVersion: v1\nkind: LimitRangeList\nitems:\n- metadata: {name: typed}\n  spec:\n    limits:\n    - type: Container\n      default: {memory: 2Gi}\n",
    ),
    (
        "d.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"Limit\\u0052ange\", \"metadata\": {\"name\": \"escaped\"},\n \"spec\": {\"limits\": [{\"type\": \"Container\", \"default\": {\"memory\": \"3Gi\"}}]}}\n",
    ),
    (
        "e.yaml",
        "apiVersion: v1\nkind: \"Limit\\\n  Range\"\nmetadata: {name: folded}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 4Gi}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n",
    ),
    (
        "svc/Dockerfile",
        "FROM eclipse-temurin:17-jre\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\n",
    ),
];

/// [`MIXED`], then a UTF-16 file, and a file where `LimitRange` straddles the 256 KiB blocks the
/// first pass reads files in.
fn mixed_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in MIXED {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let utf16 = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: utf16}\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(utf16.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("f.yaml"), bytes).unwrap();
    let head = "apiVersion: v1\n#";
    let pad = (256 << 10) - 4 - head.len() - "\nkind: ".len();
    let straddle = format!(
        "{head}{}\nkind: LimitRange\nmetadata: {{name: straddling}}\n",
        "x".repeat(pad)
    );
    assert_eq!(straddle.find("LimitRange"), Some((256 << 10) - 4));
    std::fs::write(dir.path().join("g.yaml"), straddle).unwrap();
    dir
}

#[test]
fn the_first_pass_finds_every_limit_range_and_dockerfile_and_no_workload() {
    let dir = mixed_dir();
    let paths = [dir.path().to_path_buf()];
    let full = read(&paths, Only::Everything, 1);
    let names: Vec<_> = common::limit_ranges(&full)
        .iter()
        .map(|l| l.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "plain",
            "listed",
            "typed",
            "escaped",
            "folded",
            "utf16",
            "straddling"
        ]
    );
    assert_eq!(common::workloads(&full).len(), 2);
    for threads in [1, 2] {
        let first = read(&paths, Only::LimitRangesAndDockerfiles, threads);
        assert!(common::workloads(&first).is_empty());
        assert_eq!(
            prepass_part(first),
            prepass_part(full.clone()),
            "threads {threads}"
        );
    }
}

#[test]
fn the_first_pass_matches_a_full_read_on_the_corpus() {
    let Some(dir) = oomdoc_testkit::shared_or_skip("first pass on the corpus", "corpus/manifests")
    else {
        return;
    };
    let paths = [dir];
    let full = prepass_part(read(&paths, Only::Everything, 2));
    assert!(!full.is_empty());
    assert_eq!(
        prepass_part(read(&paths, Only::LimitRangesAndDockerfiles, 2)),
        full
    );
    oomdoc_testkit::real(
        "corpus",
        &format!(
            "the first pass finds the {} LimitRanges and Dockerfiles",
            full.len()
        ),
    );
}

#[test]
fn reading_stops_when_the_sink_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // Many pieces (about 1 MiB each), so workers and the reader are busy when the sink stops;
    // mostly ConfigMaps, which are skipped unparsed, so that this is quick in a debug build.
    let unit = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: c\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm}}\ndata:\n  k: {}\n---\n",
        "x".repeat(8 << 10)
    );
    std::fs::write(dir.path().join("many.yaml"), unit.repeat(4_000)).unwrap();
    for threads in [1, 2, 4] {
        let opts = ReadOptions {
            threads,
            ..ReadOptions::default()
        };
        let mut seen = 0;
        let stats = read_inputs_until(&[dir.path().to_path_buf()], &opts, &mut |i| {
            assert!(matches!(i, Item::Workload(_)));
            seen += 1;
            if seen == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(seen, 3, "threads {threads}");
        assert!(stats.workloads < 4_000, "threads {threads}: {stats:?}");
    }
}
