//! Property: no input makes the reader panic, and every error carries a sane position.

use oomdoc_manifest::{read_inputs, read_str, read_str_with, Item, ReadOptions};
use proptest::prelude::*;

/// Fragments that steer random text towards the parser's and extractor's corners.
const FRAGMENTS: &[&str] = &[
    "kind: Pod\n",
    "kind: Deployment\n",
    "kind: List\n",
    "kind: PodList\n",
    "kind: LimitRange\n",
    "kind: CronJob\n",
    "items:\n",
    "- ",
    "spec:\n",
    "  template:\n",
    "    spec:\n",
    "  containers:\n",
    "  - name: a\n",
    "    resources:\n",
    "      limits:\n",
    "        memory: ",
    "1Gi",
    "yes",
    "010",
    "1e3",
    ".inf",
    "0x1F",
    "1_0",
    "\"q\"",
    "'s'",
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "&a ",
    "*a",
    "<<: ",
    "!!str ",
    "!!int ",
    "!x ",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "--- ",
    "%YAML 1.1\n",
    "#c\n",
    "\t",
    "  ",
    "\n",
    "\r\n",
    "{{ .Values.x }}",
    "é",
    "\u{FEFF}",
    "? ",
    "2024-01-02",
    "null",
    "~",
    "- - -",
    "-",
    ".",
    "\\",
    "\"a\\\n b\"",
    "env: ",
    "value: ",
    "  - name: E\n",
    "initContainers:\n",
    "volumes:\n",
    "  emptyDir: {sizeLimit: 1Mi}\n",
    "priority: 99999999999\n",
    "status: {qosClass: x}\n",
    "metadata: {annotations: {oomdoc.dev/ignore: a b}}\n",
];

fn check(items: &[Item]) {
    for i in items {
        if let Item::Error(e) = i {
            assert!(!e.message.is_empty());
            if let Some(p) = e.pos {
                assert!(p.line >= 1 && p.column >= 1, "{e:?}");
            }
        }
    }
}

/// Cases per property: 512, or `PROPTEST_CASES` for a longer hunt.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(s in "\\PC{0,300}") {
        check(&read_str("p.yaml", &s));
    }

    #[test]
    fn yaml_like_text(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..60)) {
        let text: String = parts.concat();
        check(&read_str("p.yaml", &text));
        // Tiny limits exercise the limit paths too.
        let opts = ReadOptions { max_document_bytes: 40, max_alias_expansions: 3, max_file_bytes: 200, threads: 1, ..ReadOptions::default() };
        check(&read_str_with("p.yaml", &text, &opts));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_in_files(bytes in proptest::collection::vec(any::<u8>(), 0..400), utf16 in any::<bool>()) {
        let dir = std::env::temp_dir().join(format!("oomdoc-manifest-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bytes.yaml");
        let mut content = if utf16 { vec![0xFF, 0xFE] } else { Vec::new() };
        content.extend_from_slice(&bytes);
        std::fs::write(&path, &content).unwrap();
        let mut items = Vec::new();
        let opts = ReadOptions { threads: 2, ..ReadOptions::default() };
        read_inputs(&[path], &opts, &mut |i| items.push(i));
        let _ = std::fs::remove_dir_all(&dir);
        check(&items);
    }
}
