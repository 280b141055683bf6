//! The tidy test: invariants ARCHITECTURE.md states, checked on the source tree itself.
//!
//! - **kube stays in the cluster shell**: no `kube::`/`k8s_openapi` path or `kube`/`k8s-openapi`
//!   dependency outside `crates/cluster` and `crates/cli`, but for the pure core.
//! - **the pure cores are pure**: `crates/cluster-core` (which may use k8s-openapi's data
//!   types) and the webhook's core `crates/webhook` (its server is `crates/webhook-server`)
//!   depend on no client, runtime or HTTP stack ([`IO_CRATES`]: kube, tokio, hyper, tower...)
//!   and its sources name none of them, nor std's files, network, processes, environment or
//!   clock ([`io_uses`]); `crates/report` depends on that core, never on the shell
//!   (`oomdoc-cluster`).
//! - **short functions**: no function in `crates/*/src` longer than [`MAX_FN_LINES`] lines,
//!   counted from its `fn` line to its closing brace (the first later line that is that brace
//!   alone at the `fn` line's indentation), both included. Test code is excluded: `#[cfg(test)]`
//!   modules and files of a `tests` module (`src/**/tests.rs`, `src/**/tests/**`); there are no
//!   generated tables in `src` today (a generated file would be excluded by name here, stated).
//! - **small files**: no file in `crates/*/src` longer than [`MAX_FILE_LINES`] lines.
//! - **only `report` serialises**: no `Serialize` (derive, impl, bound or `use`) outside
//!   `crates/report/src`, test modules excepted: the domain crates define no wire format; the
//!   wire types built from them are in `crates/report/src/wire`.
//!
//! The checks scan lines, not a syntax tree (no parser in the lockfile): line comments are
//! skipped, and each check is proved to fail on a small fixture that breaks it (`fixture_*`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The longest function allowed, in lines.
const MAX_FN_LINES: usize = 100;
/// The longest file allowed in `crates/*/src`, in lines.
const MAX_FILE_LINES: usize = 600;

/// Where `kube`/`k8s-openapi` may be used besides `crates/cluster` and `crates/cli`: nowhere.
/// (An entry would be a path prefix; this list can only shrink.)
const KUBE_ALLOWED_OUTSIDE: &[&str] = &[];

/// The pure cores: the cluster core (k8s-openapi's data types, nothing that does I/O) and the
/// webhook's (its HTTPS server is `crates/webhook-server`). Sources under these prefixes...
const PURE_SOURCES: &[&str] = &["crates/cluster-core/", "crates/webhook/src/"];
/// ...and their manifests.
const PURE_MANIFESTS: &[&str] = &[
    "crates/cluster-core/Cargo.toml",
    "crates/webhook/Cargo.toml",
];

/// Crates the pure core may not depend on: the client, the async runtime, the HTTP stack.
const IO_CRATES: &[&str] = &[
    "kube",
    "kube-client",
    "kube-runtime",
    "tokio",
    "hyper",
    "hyper-util",
    "tower",
    "reqwest",
    "ureq",
];

/// Paths the pure core's sources may not name: those crates, and std's files, network,
/// processes, environment and clock.
const IO_PATHS: &[&str] = &[
    "kube",
    "kube_client",
    "kube_runtime",
    "tokio",
    "hyper",
    "hyper_util",
    "tower",
    "reqwest",
    "ureq",
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "SystemTime::now",
    "Instant::now",
];

// ---------------------------------------------------------------------------------------------
// The checks, on one file's text.

/// Lines that are code, not a line comment: (1-based line number, line).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `word` occurs in `line` as a whole identifier (not inside a longer one).
fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

/// A line without its string and char literals' contents and its trailing `//` comment (one
/// line at a time: a string that spans lines is read as code from its second line).
fn code_of(line: &str) -> String {
    let c: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '"' => {
                out.push('"');
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                out.push('"');
            }
            '\'' if c.get(i + 1) == Some(&'\\') => {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
            }
            '\'' if c.get(i + 2) == Some(&'\'') => i += 2,
            '/' if c.get(i + 1) == Some(&'/') => break,
            ch => out.push(ch),
        }
        i += 1;
    }
    out
}

/// Lines of Rust source that use kube or k8s-openapi (`kube::`, `use kube`, `k8s_openapi`).
fn kube_uses(text: &str) -> Vec<usize> {
    code_lines(text)
        .filter(|(_, l)| {
            let l = code_of(l);
            let t = l.trim_start();
            has_word(&l, "k8s_openapi")
                || (has_word(&l, "kube") && (l.contains("kube::") || t.starts_with("use kube")))
                || t.starts_with("extern crate kube")
        })
        .map(|(n, _)| n)
        .collect()
}

/// Lines of a Cargo.toml that depend on kube or k8s-openapi.
fn kube_dependencies(toml: &str) -> Vec<usize> {
    dependencies_on(toml, &["kube", "k8s-openapi", "k8s_openapi"])
}

/// Lines of a Cargo.toml that depend on one of `crates`: `name = ...` or `name.workspace = ...`
/// in a dependencies table (dev- and build-dependencies included), or a `[dependencies.name]`
/// table.
fn dependencies_on(toml: &str, crates: &[&str]) -> Vec<usize> {
    let mut in_deps = false;
    let mut out = Vec::new();
    for (n, l) in code_lines(toml) {
        let t = l.trim();
        if let Some(header) = t.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            in_deps = header.ends_with("dependencies");
            let table = header.contains("dependencies.");
            if table && crates.iter().any(|d| header.rsplit('.').next() == Some(d)) {
                out.push(n);
            }
            continue;
        }
        let depends = crates.iter().any(|d| {
            t.strip_prefix(d).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with('=') || rest.starts_with(".workspace")
            })
        });
        if in_deps && depends {
            out.push(n);
        }
    }
    out
}

/// Whether `line` (code, literals emptied) names the path `p`: `p` as whole words followed by
/// `::`, or in a `use`/`extern crate` line; a path with `::` of its own (`std::fs`,
/// `Instant::now`) anywhere as whole words.
fn names_path(line: &str, p: &str) -> bool {
    let t = line.trim_start();
    let import =
        t.starts_with("use ") || t.starts_with("pub use ") || t.starts_with("extern crate ");
    line.match_indices(p).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = &line[at + p.len()..];
        !before.is_some_and(is_ident_char)
            && !after.chars().next().is_some_and(is_ident_char)
            && (after.starts_with("::") || import || p.contains("::"))
    })
}

/// Lines of Rust source that reach outside the process or read the clock ([`IO_PATHS`]).
fn io_uses(text: &str) -> Vec<usize> {
    code_lines(text)
        .filter(|(_, l)| {
            let l = code_of(l);
            IO_PATHS.iter().any(|p| names_path(&l, p))
        })
        .map(|(n, _)| n)
        .collect()
}

/// The lines of `text` outside `#[cfg(test)]` modules: a `#[cfg(test)]` line followed by
/// `mod NAME {` hides everything to that module's closing brace at the `mod` line's indentation.
fn non_test_lines(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            // Attributes may follow; then the item.
            let mut j = i + 1;
            while j < lines.len() && lines[j].trim_start().starts_with("#[") {
                j += 1;
            }
            if let Some(item) = lines.get(j) {
                let t = item.trim_start();
                let t = t.strip_prefix("pub ").unwrap_or(t);
                if t.starts_with("mod ") && t.trim_end().ends_with('{') {
                    let close = format!("{}}}", indent_of(item));
                    let end = (j + 1..lines.len())
                        .find(|&k| lines[k].trim_end() == close)
                        .unwrap_or(lines.len() - 1);
                    i = end + 1;
                    continue;
                }
            }
        }
        out.push((i + 1, lines[i]));
        i += 1;
    }
    out
}

fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The name of the function a line declares, if it does (`pub(crate) async fn name<T>(`...).
fn fn_name(line: &str) -> Option<&str> {
    let mut t = line.trim_start();
    loop {
        let before = t;
        for p in [
            "pub ",
            "const ",
            "async ",
            "unsafe ",
            "default ",
            "extern \"C\" ",
        ] {
            if let Some(rest) = t.strip_prefix(p) {
                t = rest;
            }
        }
        if t.starts_with("pub(") {
            if let Some(end) = t.find(") ") {
                t = &t[end + 2..];
            }
        }
        if t == before {
            break;
        }
    }
    let rest = t.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
    let name = &rest[..end];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// Every function with a body outside test modules: (name, line of `fn`, length in lines).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines = non_test_lines(text);
    let mut out = Vec::new();
    for (at, &(n, line)) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        if line.trim_start().starts_with("//") {
            continue;
        }
        // The signature runs to the line with the body's `{`; a `;` first is a declaration.
        let Some(open) = lines[at..].iter().position(|(_, l)| {
            let t = l.trim_end();
            t.contains('{') || t.ends_with(';')
        }) else {
            continue;
        };
        let (open_n, open_line) = lines[at + open];
        let t = open_line.trim_end();
        if !t.contains('{') {
            continue;
        }
        if t.ends_with('}') && t.matches('{').count() == t.matches('}').count() {
            out.push((name.to_string(), n, open_n - n + 1));
            continue;
        }
        let close = format!("{}}}", indent_of(line));
        let end = lines[at + open + 1..]
            .iter()
            .find(|(_, l)| l.trim_end() == close)
            .map_or(lines.last().map_or(n, |(k, _)| *k), |(k, _)| *k);
        out.push((name.to_string(), n, end - n + 1));
    }
    out
}

/// Lines outside test modules that name serde's `Serialize` as code (a derive, an `impl`, a
/// bound, a `use`): (1-based line number). `Deserialize` and `Serializer` are other words.
fn serialize_uses(text: &str) -> Vec<usize> {
    non_test_lines(text)
        .into_iter()
        .filter(|(_, l)| !l.trim_start().starts_with("//") && has_word(&code_of(l), "Serialize"))
        .map(|(n, _)| n)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The source tree.

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Files under `dir` (recursively, `target` folders skipped) whose name ends with `suffix`, as
/// (path relative to the workspace with `/`, text), sorted.
fn files(dir: &Path, suffix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let root = root();
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(p);
                }
            } else if name.ends_with(suffix) {
                let rel = p.strip_prefix(&root).unwrap_or(&p);
                let rel = rel.to_string_lossy().replace('\\', "/");
                let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

/// `crates/NAME/src/**.rs`, test-module files left out when `tests` is false.
fn src_files(with_tests: bool) -> Vec<(String, String)> {
    let mut out = files(&root().join("crates"), ".rs");
    out.retain(|(p, _)| {
        let parts: Vec<&str> = p.split('/').collect();
        let in_src = parts.len() > 3 && parts[0] == "crates" && parts[2] == "src";
        let test_file = parts[3..].iter().any(|s| *s == "tests" || *s == "tests.rs");
        in_src && (with_tests || !test_file)
    });
    assert!(out.len() > 50, "found only {} source files", out.len());
    out
}

fn kube_allowed(path: &str) -> bool {
    path.starts_with("crates/cluster/")
        || path.starts_with("crates/cli/")
        || KUBE_ALLOWED_OUTSIDE.iter().any(|p| path.starts_with(p))
}

/// The measures over `max` (lines), one problem each.
fn over_limit(what: &str, measured: &BTreeMap<String, usize>, max: usize) -> Vec<String> {
    measured
        .iter()
        .filter(|(_, &n)| n > max)
        .map(|(k, n)| format!("{what}: {k} is {n} lines (limit {max})"))
        .collect()
}

fn fail_on(bad: Vec<String>) {
    assert!(bad.is_empty(), "\n{}\n", bad.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The tree's checks.

#[test]
fn kube_only_in_the_cluster_shell_and_the_cli() {
    let mut bad = Vec::new();
    let mut rs = files(&root().join("crates"), ".rs");
    rs.extend(files(&root().join("benches"), ".rs"));
    assert!(rs
        .iter()
        .any(|(p, t)| p.starts_with("crates/cluster/") && !kube_uses(t).is_empty()));
    for (path, text) in rs.iter().filter(|(p, _)| !kube_allowed(p)) {
        if PURE_SOURCES.iter().any(|p| path.starts_with(p)) {
            for n in io_uses(text) {
                bad.push(format!(
                    "{path}:{n}: I/O (kube, tokio, files, clock...) in the pure core"
                ));
            }
            continue;
        }
        for n in kube_uses(text) {
            bad.push(format!(
                "{path}:{n}: kube/k8s_openapi outside crates/cluster and crates/cli"
            ));
        }
    }
    let mut tomls = files(&root().join("crates"), "Cargo.toml");
    tomls.extend(files(&root().join("benches"), "Cargo.toml"));
    assert!(tomls
        .iter()
        .any(|(p, _)| PURE_MANIFESTS.contains(&p.as_str())));
    for (path, text) in tomls.iter().filter(|(p, _)| !kube_allowed(p)) {
        if PURE_MANIFESTS.contains(&path.as_str()) {
            for n in dependencies_on(text, IO_CRATES) {
                bad.push(format!("{path}:{n}: the pure core depends on an I/O crate"));
            }
            continue;
        }
        for n in kube_dependencies(text) {
            bad.push(format!("{path}:{n}: a kube/k8s-openapi dependency"));
        }
        if path == "crates/report/Cargo.toml" {
            for n in dependencies_on(text, &["oomdoc-cluster"]) {
                bad.push(format!(
                    "{path}:{n}: report depends on the cluster shell, not the core"
                ));
            }
        }
    }
    fail_on(bad);
}

#[test]
fn no_function_over_100_lines() {
    let mut measured = BTreeMap::new();
    for (path, text) in src_files(false) {
        for (name, _, len) in functions(&text) {
            let e = measured.entry(format!("{path} {name}")).or_insert(0);
            *e = len.max(*e);
        }
    }
    fail_on(over_limit("function", &measured, MAX_FN_LINES));
}

#[test]
fn no_file_over_600_lines() {
    let measured = src_files(true)
        .into_iter()
        .map(|(p, t)| (p, t.lines().count()))
        .collect();
    fail_on(over_limit("file", &measured, MAX_FILE_LINES));
}

#[test]
fn only_report_serializes() {
    let rs = src_files(false);
    assert!(rs
        .iter()
        .any(|(p, t)| p.starts_with("crates/report/") && !serialize_uses(t).is_empty()));
    let mut bad = Vec::new();
    for (path, text) in rs.iter().filter(|(p, _)| !p.starts_with("crates/report/")) {
        for n in serialize_uses(text) {
            bad.push(format!(
                "{path}:{n}: Serialize outside crates/report (wire types go in crates/report/src/wire)"
            ));
        }
    }
    fail_on(bad);
}

// ---------------------------------------------------------------------------------------------
// Each check fails when its rule is broken.

#[test]
fn fixture_kube_uses_are_found() {
    let text = "// kube::Api in a comment\nuse kube::Api;\nuse kube::{Client, Api};\nlet p: k8s_openapi::api::core::v1::Pod;\nfn kube() {}\nlet cube = 1; // kube::x\nlet x = oomdoc_kube::y;\nlet s = \"kube::Api\"; let q = '\"'; let r = '\\\\';\nlet (a, b) = ('\"', kube::Api::all(c));\n";
    assert_eq!(kube_uses(text), [2, 3, 4, 9]);
    assert_eq!(code_of("f(\"a // b\", '\"') // c"), "f(\"\", ) ");
    let toml = "[dependencies]\nkube = { version = \"2\" }\nk8s-openapi.workspace = true\n# kube = 1\nkubectl = \"1\"\n";
    assert_eq!(kube_dependencies(toml), [2, 3]);
    assert!(!kube_allowed("crates/report/src/x.rs"));
    assert!(kube_allowed("crates/cluster/src/x.rs"));
    assert!(!kube_allowed("crates/cluster-core/src/x.rs"));
}

#[test]
fn fixture_io_in_the_pure_core_is_found() {
    let text = "use k8s_openapi::api::core::v1::Pod;\nuse kube::Api;\nlet c = kube::Client::try_default();\nuse tokio;\n#[tokio::main]\nuse std::fs;\nlet t = std::time::SystemTime::now();\nlet x = std::env::var(\"A\");\nfn kube() {}\nlet s = \"kube-system\"; // tokio::x\nuse std::fmt;\nlet n = Instant::now();\nlet p = oomdoc_kube::x; let q = hyper_x::y;\nlet i = Instant::nowish;\n";
    assert_eq!(io_uses(text), [2, 3, 4, 5, 6, 7, 8, 12]);
    let toml = "[dependencies]\nk8s-openapi = { version = \"0.26\" }\nkube.workspace = true\ntokio = \"1\"\ntokio-util = \"0.7\"\n[dev-dependencies.hyper]\nversion = \"1\"\n# tower = 1\n[features]\nkube = []\n";
    assert_eq!(dependencies_on(toml, IO_CRATES), [3, 4, 6]);
    let report =
        "[dependencies]\noomdoc-cluster-core.workspace = true\noomdoc-cluster.workspace = true\n";
    assert_eq!(dependencies_on(report, &["oomdoc-cluster"]), [3]);
}

#[test]
fn fixture_long_functions_are_measured() {
    let mut text =
        String::from("pub(crate) async fn long<T>(\n    a: T,\n) -> u8\nwhere\n    T: Copy,\n{\n");
    for i in 0..100 {
        text.push_str(&format!("    let _x{i} = {{\n        1\n    }};\n"));
    }
    text.push_str("}\n\nfn short() -> u8 { 1 }\ntrait T {\n    fn decl(&self);\n    fn body(&self) {\n        let _ = 1;\n    }\n}\n#[cfg(test)]\nmod tests {\n    fn hidden() {\n    }\n}\nfn after() {\n}\n");
    let f = functions(&text);
    let names: Vec<(&str, usize)> = f.iter().map(|(n, _, l)| (n.as_str(), *l)).collect();
    assert_eq!(
        names,
        [("long", 307), ("short", 1), ("body", 3), ("after", 2)]
    );
    let measured: BTreeMap<String, usize> =
        [("f long".to_string(), 307), ("f short".to_string(), 100)].into();
    assert_eq!(
        over_limit("function", &measured, MAX_FN_LINES),
        ["function: f long is 307 lines (limit 100)"]
    );
}

#[test]
fn fixture_long_files_are_found() {
    let text = "x\n".repeat(MAX_FILE_LINES + 1);
    let measured: BTreeMap<String, usize> = [("a.rs".to_string(), text.lines().count())].into();
    let bad = over_limit("file", &measured, MAX_FILE_LINES);
    assert_eq!(bad, ["file: a.rs is 601 lines (limit 600)"]);
}

#[test]
fn fixture_serialize_uses_are_found() {
    let text = "#[derive(Debug, Serialize)]\nstruct A;\n#[derive(\n    Clone,\n    serde::Serialize,\n)]\nstruct B;\n#[derive(Deserialize)]\nstruct C;\n// #[derive(Serialize)]\nimpl Serialize for E {}\nuse serde::{Deserialize, Serialize};\nfn f<T: Serialize>() {}\nlet s = \"Serialize\"; // Serialize\nstruct Serializer;\n#[cfg(test)]\nmod tests {\n    #[derive(Serialize)]\n    struct D;\n}\n";
    assert_eq!(serialize_uses(text), [1, 5, 11, 12, 13]);
}
