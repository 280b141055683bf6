//! Bad input: every case gives a clear error (or nothing), never a panic, and the rest is read.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use common::*;
use oomdoc_manifest::{read_inputs, read_str, read_str_with, Item, ReadOptions, ReadStats};

const POD: &str = "kind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: a}]\n";

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("oomdoc-manifest-bad-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read_paths(paths: &[PathBuf], threads: usize) -> (Vec<Item>, ReadStats) {
    let mut items = Vec::new();
    let opts = ReadOptions {
        threads,
        ..ReadOptions::default()
    };
    let stats = read_inputs(paths, &opts, &mut |i| items.push(i));
    (items, stats)
}

#[test]
fn malformed_yaml_then_the_next_document_is_read() {
    let text = format!("kind: Pod\nspec:\n  containers: [{{name: a}}\n  bad: x: y\n---\n{POD}");
    let items = read_str("bad.yaml", &text);
    let e = errors(&items);
    assert_eq!(e.len(), 1, "{items:#?}");
    assert!(
        e[0].message.starts_with("invalid YAML: "),
        "{}",
        e[0].message
    );
    assert_eq!(e[0].pos.unwrap().line, 4);
    assert_eq!(&*e[0].file, "bad.yaml");
    assert_eq!(one(&items).name.as_deref(), Some("ok"));
    // The error comes before the next document's workload.
    assert!(matches!(items[0], Item::Error(_)));
}

#[test]
fn unrendered_helm_template() {
    let text = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ include \"x.fullname\" . }}}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        resources:\n          {{{{- toYaml .Values.resources | nindent 12 }}}}\n---\n{POD}"
    );
    let items = read_str("templates/deploy.yaml", &text);
    let e = errors(&items);
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].message,
        "looks like an unrendered Helm template ({{ include \"x.fullname\" . }}); render it first, e.g. `helm template RELEASE CHART | oomdoc audit -`"
    );
    assert_eq!(e[0].pos, Some(pos(4, 9)));
    assert_eq!(one(&items).name.as_deref(), Some("ok"));
    // Go templates in payload strings are not Helm.
    let alert = "kind: ConfigMap\ndata:\n  msg: '{{ $labels.instance }} is down'\n---\nkind: Pod\nmetadata:\n  annotations: {summary: \"{{ .app.metadata.name }}\"}\nspec:\n  containers: [{name: a}]\n";
    let items = read_str("alerts.yaml", alert);
    no_errors(&items);
    assert_eq!(workloads(&items).len(), 1);
    // A template that is not even YAML says so too.
    let items = read_str("t.yaml", "kind: Pod\n{{ if $x }}\nspec: [\n");
    assert!(
        errors(&items)[0].message.contains("unrendered template"),
        "{items:#?}"
    );
}

#[test]
fn binary_empty_missing_and_other_files() {
    let d = tempdir("files");
    std::fs::write(d.join("a-empty.yaml"), "").unwrap();
    std::fs::write(d.join("b-comments.yaml"), "# nothing\n---\n# here\n...\n").unwrap();
    std::fs::write(d.join("c-nul.yaml"), b"kind: Pod\n\x00\x01\x02binary").unwrap();
    std::fs::write(
        d.join("d-latin1.yml"),
        b"kind: Pod\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    std::fs::write(
        d.join("e-notes.txt"),
        "kind: Pod\nspec: {containers: [{name: txt}]}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("f-ok.json"),
        r#"{"kind": "Pod", "spec": {"containers": [{"name": "json"}]}}"#,
    )
    .unwrap();
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/g.YAML"), POD).unwrap();
    let missing = d.join("missing.yaml");
    let explicit_txt = d.join("e-notes.txt");
    let (items, stats) = read_paths(&[d.clone(), missing.clone(), explicit_txt], 2);
    let e = errors(&items);
    let msgs: Vec<_> = e
        .iter()
        .map(|e| (e.file.to_string(), e.pos, e.message.clone()))
        .collect();
    let f = |n: &str| d.join(n).display().to_string();
    assert_eq!(
        msgs[0],
        (
            f("c-nul.yaml"),
            Some(pos(2, 1)),
            "binary file (NUL byte), skipped".to_string()
        )
    );
    assert_eq!(
        msgs[1],
        (
            f("d-latin1.yml"),
            Some(pos(3, 12)),
            "binary file (invalid UTF-8), skipped".to_string()
        )
    );
    assert_eq!(msgs[2].0, missing.display().to_string());
    assert!(msgs[2].2.starts_with("cannot read: "), "{msgs:?}");
    assert_eq!(msgs.len(), 3);
    let names: Vec<_> = workloads(&items)
        .iter()
        .map(|w| w.pod.containers[0].name.value.clone())
        .collect();
    // Directory files in sorted order (.txt skipped), then the explicitly named .txt file.
    assert_eq!(names, vec!["json", "a", "txt"]);
    assert_eq!(stats.files, 7);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn utf16_files_are_decoded_as_kubectl_does() {
    let d = tempdir("utf16");
    let mut bytes = vec![0xFF, 0xFE];
    for u in POD.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(d.join("w.yaml"), &bytes).unwrap();
    let (items, _) = read_paths(&[d.join("w.yaml")], 1);
    no_errors(&items);
    assert_eq!(one(&items).name.as_deref(), Some("ok"));
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn oversized_documents_are_skipped() {
    let opts = ReadOptions {
        max_document_bytes: 200,
        threads: 1,
        ..ReadOptions::default()
    };
    let big = format!("kind: ConfigMap\ndata:\n  x: \"{}\"\n", "y".repeat(300));
    let items = read_str_with("big.yaml", &format!("{big}---\n{POD}"), &opts);
    let e = errors(&items);
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].message,
        "document is larger than the limit of 200 bytes (max_document_bytes); skipped"
    );
    assert_eq!(e[0].pos, Some(pos(1, 1)));
    assert_eq!(one(&items).name.as_deref(), Some("ok"));
}

#[test]
fn documents_larger_than_the_read_buffer_are_dropped_unread() {
    // 3 MiB document, limit 1.5 MiB: the reader drops it without holding it, and keeps counting
    // lines so later positions are right.
    let d = tempdir("huge");
    let line = format!("  k{}: {}\n", 0, "v".repeat(60));
    let mut text = format!("{POD}---\nkind: ConfigMap\ndata:\n");
    let n = 3 * 1024 * 1024 / line.len();
    for _ in 0..n {
        text.push_str(&line);
    }
    text.push_str(&format!("---\n{POD}"));
    std::fs::write(d.join("h.yaml"), &text).unwrap();
    let opts = ReadOptions {
        max_document_bytes: 3 << 19,
        threads: 2,
        ..ReadOptions::default()
    };
    let mut items = Vec::new();
    read_inputs(&[d.join("h.yaml")], &opts, &mut |i| items.push(i));
    let e = errors(&items);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].pos, Some(pos(5, 1)));
    let w = workloads(&items);
    assert_eq!(w.len(), 2);
    assert_eq!(w[1].pos, pos(5 + 4 + n as u32, 1));
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn max_file_bytes_cuts_at_the_last_whole_document() {
    let opts = ReadOptions {
        max_file_bytes: (POD.len() + 10) as u64,
        threads: 1,
        ..ReadOptions::default()
    };
    let items = read_str_with("cut.yaml", &format!("{POD}---\n{POD}"), &opts);
    assert_eq!(workloads(&items).len(), 1);
    let e = errors(&items);
    assert_eq!(e.len(), 1);
    assert!(e[0].message.contains("max_file_bytes"), "{}", e[0].message);
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut text = String::from("kind: Pod\nmetadata:\n  annotations:\n    a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!(
            "    a{i}: &a{i} [{}]\n",
            [prev.as_str(); 9].join(",")
        ));
    }
    text.push_str("spec:\n  containers: [{name: a}]\n");
    let t = Instant::now();
    let items = read_str("bomb.yaml", &format!("{text}---\n{POD}"));
    assert!(t.elapsed().as_secs() < 5);
    let e = errors(&items);
    assert_eq!(e.len(), 1, "{items:#?}");
    assert!(
        e[0].message
            .starts_with("document contains excessive aliasing"),
        "{}",
        e[0].message
    );
    assert_eq!(e[0].pos.unwrap().line, 9);
    assert_eq!(one(&items).name.as_deref(), Some("ok"));
    // The same in a document that is only syntax-checked.
    let cm = text.replace("kind: Pod", "kind: ConfigMap");
    let items = read_str("bomb.yaml", &cm);
    assert!(errors(&items)[0]
        .message
        .starts_with("document contains excessive aliasing"));
    // Ordinary anchor use is fine.
    let items = read_str("ok.yaml", "kind: Pod\nx: &e [{name: A, value: b}]\nspec:\n  containers:\n  - {name: a, env: *e}\n  - {name: b, env: *e}\n");
    no_errors(&items);
    assert_eq!(one(&items).pod.containers[1].env[0].name, "A");
}

#[test]
fn strange_anchors_do_not_panic() {
    for text in [
        "a: &a [*a]\n",
        "kind: Pod\nspec: &s\n  containers: *s\n",
        "a: *undefined\n",
        "--- &a\nkind: Pod\n--- *a\n",
        "kind: Pod\nspec:\n  <<: [*x]\n",
        "kind: Pod\nspec: &m\n  <<: *m\n",
    ] {
        let _ = read_str("anchors.yaml", text);
    }
}

#[test]
fn libyaml_leniencies_are_accepted() {
    // A quoted scalar continued at lower indentation than its key (generated CRDs), and a flow
    // list closed under its key (a real DaemonSet); libyaml, hence Kubernetes, accepts both.
    let text = "kind: DaemonSet\nmetadata:\n  annotations:\n    note: 'a long\n  text'\nspec:\n  template:\n    spec:\n      containers:\n        - name: filebeat\n          args: [\n            \"-c\", \"/etc/filebeat.yml\",\n            \"-e\",\n          ]\n          resources: {limits: {memory: 200Mi}}\n";
    let items = read_str("lenient.yaml", text);
    no_errors(&items);
    let c = &one(&items).pod.containers[0];
    assert_eq!(
        c.args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(),
        vec!["-c", "/etc/filebeat.yml", "-e"]
    );
    assert_eq!(c.args[2].pos, pos(13, 13));
    assert_eq!(c.resources.limits.memory.as_ref().unwrap().pos, pos(15, 40));
}

#[test]
fn non_objects_are_skipped_silently() {
    for text in [
        "- a\n- b\n",
        "just text\n",
        "42\n",
        "{}\n",
        "[]\n",
        "null\n",
        "kind: [Pod]\n",
    ] {
        let items = read_str("x.yaml", text);
        assert!(workloads(&items).is_empty(), "{text}");
    }
}
