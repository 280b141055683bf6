//! Reading paths: fixtures, directory order, determinism across thread counts, the real corpus.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use oomdoc_manifest::{read_inputs, Item, ReadOptions, ReadStats};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn read(paths: &[PathBuf], threads: usize) -> (Vec<Item>, ReadStats) {
    let mut items = Vec::new();
    let opts = ReadOptions {
        threads,
        ..ReadOptions::default()
    };
    let stats = read_inputs(paths, &opts, &mut |i| items.push(i));
    (items, stats)
}

#[test]
fn kubectl_get_pods_json() {
    let (items, stats) = read(&[fixture("kubectl-get-pods.json")], 2);
    no_errors(&items);
    let w = workloads(&items);
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].id(), "Pod/kube-system/etcd-node1");
    assert!(w[0].pod.static_or_mirror);
    assert_eq!(w[0].pod.priority, Some(2000001000));
    assert_eq!(w[0].pod.status_qos_class.as_deref(), Some("Burstable"));
    assert_eq!(
        w[0].pod.containers[0].command[1].value,
        "--quota-backend-bytes=8589934592"
    );
    assert_eq!(w[1].pod.status_qos_class.as_deref(), Some("Guaranteed"));
    assert_eq!(q(&w[1].pod.overhead_memory), "120Mi");
    assert_eq!(
        w[1].pod.containers[0]
            .resources
            .limits
            .memory
            .as_ref()
            .unwrap()
            .pos,
        pos(42, 62)
    );
    assert_eq!(
        (
            stats.files,
            stats.documents,
            stats.workloads,
            stats.skipped_documents
        ),
        (1, 1, 2, 0)
    );
}

#[test]
fn kubectl_get_deployments_yaml() {
    let (items, _) = read(&[fixture("deployments-list.yaml")], 1);
    no_errors(&items);
    let w = one(&items);
    assert_eq!(w.id(), "Deployment/backoffice/admin");
    assert_eq!(w.api_version.as_deref(), Some("apps/v1"));
    assert_eq!(codes(&w.ignore), vec!["OOM101"]);
    let c = &w.pod.containers[0];
    assert_eq!(q(&c.resources.limits.memory), "4Gi");
    assert_eq!(c.resources.limits.memory.as_ref().unwrap().pos, pos(25, 23));
    assert!(c.env[0]
        .value
        .as_ref()
        .unwrap()
        .value
        .contains("MaxRAMPercentage=50.0"));
}

#[test]
fn helm_template_fixture() {
    let (items, _) = read(&[fixture("helm-template.yaml")], 1);
    let e = errors(&items);
    assert_eq!(e.len(), 1);
    assert!(e[0]
        .message
        .starts_with("looks like an unrendered Helm template"));
    assert_eq!(e[0].pos, Some(pos(4, 9)));
    assert!(workloads(&items).is_empty());
}

#[test]
fn directories_are_walked_in_sorted_order_for_manifest_files() {
    let (items, stats) = read(&[fixture("tree")], 2);
    no_errors(&items);
    let names: Vec<_> = workloads(&items)
        .iter()
        .map(|w| w.name.clone().unwrap())
        .collect();
    assert_eq!(names, vec!["z", "a", "b", "c"]);
    assert_eq!(stats.files, 4);
}

/// A stream of many documents of every sort, bad ones included.
fn mixed_stream(copies: usize) -> String {
    let mut s = String::new();
    for i in 0..copies {
        s.push_str(&format!(
            "---\nkind: Deployment\nmetadata: {{name: d{i}}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        resources: {{limits: {{memory: {}Mi}}}}\n",
            i % 500 + 1
        ));
        s.push_str("---\nkind: ConfigMap\ndata:\n  big: |\n");
        for _ in 0..(i % 7) * 40 {
            s.push_str("    some payload line that makes pieces uneven in size\n");
        }
        if i % 97 == 0 {
            s.push_str("---\nkind: Pod\nspec: [unclosed\n");
        }
        if i % 131 == 0 {
            s.push_str("---\nkind: Pod\nspec:\n  containers: [{name: x, resources: {requests: {memory: 1GB}}}]\n");
        }
    }
    s
}

#[test]
fn order_does_not_depend_on_threads() {
    let d = std::env::temp_dir().join(format!("oomdoc-manifest-order-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    // f0 spans several 1 MiB pieces; the others are one piece each.
    for (f, copies) in [400, 60, 90, 120].into_iter().enumerate() {
        std::fs::write(d.join(format!("f{f}.yaml")), mixed_stream(copies)).unwrap();
    }
    assert!(std::fs::metadata(d.join("f0.yaml")).unwrap().len() > 2 << 20);
    let paths = vec![d.clone(), fixture("kubectl-get-pods.json"), fixture("tree")];
    let (one_thread, s1) = read(&paths, 1);
    for threads in [2, 3, 8] {
        let (many, sn) = read(&paths, threads);
        assert_eq!(s1, sn, "stats with {threads} threads");
        assert!(one_thread == many, "items differ with {threads} threads");
    }
    assert!(s1.workloads > 600, "{s1:?}");
    assert!(!errors(&one_thread).is_empty());
    // Items of one file come in document order.
    let lines: Vec<u32> = workloads(&one_thread)
        .iter()
        .filter(|w| w.file.ends_with("f0.yaml"))
        .map(|w| w.pos.line)
        .collect();
    assert!(lines.windows(2).all(|p| p[0] < p[1]));
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn stopping_early_in_the_sink_is_safe() {
    // A sink that panics must not leave threads hanging.
    let r = std::panic::catch_unwind(|| {
        let opts = ReadOptions {
            threads: 2,
            ..ReadOptions::default()
        };
        read_inputs(&[fixture("tree")], &opts, &mut |_| panic!("stop"));
    });
    assert!(r.is_err());
}

#[test]
fn real_corpus_reads_without_panicking() {
    let Some(dir) = oomdoc_testkit::shared_or_skip("real corpus", "corpus/manifests") else {
        return;
    };
    let (items, stats) = read(&[dir], 2);
    let e = errors(&items);
    println!(
        "{stats:?}, {} LimitRanges, {} errors",
        limit_ranges(&items).len(),
        e.len()
    );
    for e in &e {
        println!("  {e}");
    }
    assert!(stats.files > 1000, "{stats:?}");
    // The corpus notes list 623 workload objects of the 8 common kinds; kustomize patches
    // without a pod template are not workloads.
    assert!((550..=700).contains(&stats.workloads), "{stats:?}");
    assert!(e.len() < 10, "{e:#?}");
    for w in workloads(&items) {
        assert!(w.pos.line >= 1 && w.pos.column >= 1);
    }
    oomdoc_testkit::real(
        "corpus",
        &format!("read {} files, {} workloads", stats.files, stats.workloads),
    );
}

/// Run by `stdin_is_read_and_its_documents_kept` in a child process with a real stdin.
#[test]
fn stdin_child() {
    if std::env::var_os("OOMDOC_STDIN_CHILD").is_none() {
        return;
    }
    let (items, stats) = read(&[PathBuf::from("-")], 2);
    println!();
    for item in &items {
        match item {
            Item::Workload(w) => {
                let src = w.source.as_ref().expect("stdin source");
                println!(
                    "WL {} {} {} {}",
                    w.file,
                    w.pos.line,
                    src.first_line,
                    src.text.lines().count()
                );
            }
            Item::Error(e) => println!("ERR {e}"),
            Item::LimitRange(_) | Item::Dockerfile(_) => {}
        }
    }
    println!("FILES {}", stats.files);
}

#[test]
fn stdin_is_read_and_its_documents_kept() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "stdin_child", "--nocapture", "--test-threads=1"])
        .env("OOMDOC_STDIN_CHILD", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = "kind: Pod\nspec:\n  containers: [{name: a}]\n---\nkind: Pod\nspec: [broken\n---\n# c\nkind: Pod\nspec:\n  containers: [{name: b}]\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("WL") || l.starts_with("ERR") || l.starts_with("FILES"))
        .collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], "WL - 1 1 3");
    assert_eq!(
        lines[1],
        "ERR -:7:1: invalid YAML: while parsing a flow sequence, expected ',' or ']'"
    );
    assert_eq!(lines[2], "WL - 9 7 5");
    assert_eq!(lines[3], "FILES 1");
}

/// The codes of an `oomdoc.dev/ignore` list, without their positions.
fn codes(ignore: &[oomdoc_model::Spanned<String>]) -> Vec<&str> {
    ignore.iter().map(|c| c.value.as_str()).collect()
}
