//! `oomdoc rules`, `--help` examples, and the `kubectl-oomdoc` plugin binary.

use std::path::PathBuf;

use oomdoc_audit::RULES;

use crate::util::*;

fn oomdoc(args: &[&str]) -> Output {
    TestCommand::new(&oomdoc_bin()).args(args).run()
}

#[test]
fn rules_lists_every_rule_of_the_registry() {
    let o = oomdoc(&["rules"]);
    o.code(0);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), RULES.len(), "{}", o.stdout);
    for (line, rule) in lines.iter().zip(RULES) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cols[..3],
            [rule.code.as_str(), rule.severity.as_str(), rule.name()],
            "{line}"
        );
        assert!(line.ends_with(rule.title), "{line}");
    }
    assert!(RULES.iter().any(|r| r.code == "OOM003"));
    let json = oomdoc(&["rules", "--format", "json"]).json();
    let codes: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        RULES.iter().map(|r| r.code.as_str()).collect::<Vec<_>>()
    );
}

#[test]
fn rules_code_explains_one_rule() {
    for rule in RULES {
        let o = oomdoc(&["rules", rule.code.as_str()]);
        o.code(0);
        let s = &o.stdout;
        assert!(
            s.starts_with(&format!(
                "# {} {} ({})",
                rule.code.as_str(),
                rule.name(),
                rule.severity.as_str()
            )),
            "{s}"
        );
        for part in [rule.title, rule.explanation, rule.fix] {
            let first = part.lines().next().unwrap();
            assert!(
                s.contains(first),
                "{}: missing {first:?}",
                rule.code.as_str()
            );
        }
        assert!(
            s.contains(rule.example.lines().next().unwrap()),
            "{}: no example",
            rule.code
        );
    }
    let s = oomdoc(&["rules", "OOM003"]).stdout;
    assert!(
        s.contains("BestEffort") && s.contains("oom_score_adj") && s.contains("1000"),
        "{s}"
    );
    let one = oomdoc(&["rules", "OOM003", "-f", "json"]).json();
    assert_eq!(one["code"], "OOM003");
}

#[test]
fn rules_takes_a_name_as_it_takes_a_code() {
    for rule in RULES {
        let by_code = oomdoc(&["rules", rule.code.as_str()]);
        by_code.code(0);
        for key in [rule.name().to_string(), rule.name().to_uppercase()] {
            let o = oomdoc(&["rules", &key]);
            o.code(0);
            assert_eq!(o.stdout, by_code.stdout, "{key}");
        }
    }
    let one = oomdoc(&["rules", "best-effort-pod", "-f", "json"]).json();
    assert_eq!(one["code"], "OOM003");
    let o = oomdoc(&["rules", "best-effort"]);
    o.code(2);
    assert!(
        o.stderr.contains("unknown rule \"best-effort\""),
        "{}",
        o.stderr
    );
}

/// Where the README shows `oomdoc rules`: the text after this line, up to the closing fence.
const README_RULES: &str = "```console\n$ oomdoc rules\n";

#[test]
fn readme_rule_table_is_what_rules_prints() {
    let o = oomdoc(&["rules"]);
    o.code(0);
    let path = workspace_root().join("README.md");
    let block = |readme: &str| {
        let start = readme
            .find(README_RULES)
            .expect("README.md shows `oomdoc rules`")
            + README_RULES.len();
        let end = start
            + readme[start..]
                .find("```\n")
                .expect("the block of `oomdoc rules` ends");
        start..end
    };
    let readme = std::fs::read_to_string(&path).unwrap();
    if std::env::var_os("OOMDOC_WRITE_README").is_some() {
        let mut new = readme.clone();
        new.replace_range(block(&readme), &o.stdout);
        if new != readme {
            std::fs::write(&path, new).unwrap();
        }
    }
    let readme = std::fs::read_to_string(&path).unwrap();
    let have = &readme[block(&readme)];
    assert!(
        have == o.stdout,
        "README.md's rule table is not what `oomdoc rules` prints (rerun with \
         OOMDOC_WRITE_README=1)\nREADME.md:\n{have}\noomdoc rules:\n{}",
        o.stdout
    );
}

#[test]
fn unknown_rule_exits_2() {
    let o = oomdoc(&["rules", "OOM999"]);
    o.code(2);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(o.stderr.contains("unknown rule \"OOM999\""), "{}", o.stderr);
    assert!(o.stderr.contains("oomdoc rules"), "{}", o.stderr);
    oomdoc(&["rules", ""]).code(2);
}

#[test]
fn help_of_each_command_shows_examples() {
    for cmd in ["audit", "rules", "jvm"] {
        let o = oomdoc(&[cmd, "--help"]);
        o.code(0);
        assert!(o.stdout.contains("Examples:"), "{cmd}: {}", o.stdout);
        assert!(
            o.stdout.contains(&format!("  oomdoc {cmd}")),
            "{cmd}: {}",
            o.stdout
        );
        let short = oomdoc(&["help", cmd]);
        short.code(0);
        assert!(short.stdout.contains("Examples:"), "help {cmd}");
    }
    let audit = oomdoc(&["audit", "--help"]).stdout;
    for needle in [
        "helm template",
        "| oomdoc audit -",
        "--format sarif",
        "--fail-on warning",
        "Exit status",
        "oomdoc.dev/ignore",
    ] {
        assert!(audit.contains(needle), "audit --help lacks {needle:?}");
    }
    let top = oomdoc(&["--help"]).stdout;
    for cmd in ["audit", "jvm", "rules"] {
        assert!(
            top.lines().any(|l| l.trim_start().starts_with(cmd)),
            "--help lacks {cmd}: {top}"
        );
    }
}

fn kubectl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-oomdoc"))
}

#[test]
fn kubectl_plugin_behaves_like_oomdoc() {
    let d = Dir::new();
    d.create("bad.yaml", "kind: Pod\nspec: [\n");
    let bad = d.path().join("bad.yaml").display().to_string();
    let runs: &[&[&str]] = &[
        &["rules"],
        &["rules", "OOM005"],
        &["rules", "OOM999"],
        &["audit", "examples"],
        &["audit", "examples", "-f", "json", "--fail-on", "never"],
        &["audit", "examples", "--color", "always"],
        &["audit", "examples", &bad, "-f", "sarif"],
        &["audit", "-"],
        &["audit", "--bogus"],
        &["jvm", "--limit", "4Gi"],
        &["--version"],
    ];
    for args in runs {
        let a = TestCommand::new(&oomdoc_bin())
            .args(*args)
            .stdin(ERROR_FINDING)
            .run();
        let b = TestCommand::new(&kubectl_bin())
            .args(*args)
            .stdin(ERROR_FINDING)
            .run();
        // Usage messages name the program as it was called.
        let b_stderr = b.stderr.replace("kubectl-oomdoc", "oomdoc");
        assert_eq!(
            (a.code, &a.stdout, &a.stderr),
            (b.code, &b.stdout, &b_stderr),
            "{args:?}"
        );
    }
}
