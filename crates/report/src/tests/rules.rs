use serde_json::Value;

use super::*;
use crate::rules::{write_rules_json_of, write_rules_list_of};
use crate::{write_rule_doc, write_rules_json, write_rules_list, Style};

#[test]
fn rules_list_is_aligned() {
    let out = render(|o| write_rules_list_of(TEST_RULES, Style::PLAIN, o));
    insta::assert_snapshot!("rules_list", out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), TEST_RULES.len());
    assert_eq!(
        lines[0],
        "OOM001  error    no-memory-limit    Container has no memory limit"
    );
    let title_col = |l: &str| l.find("Container").or_else(|| l.find("Memory")).unwrap();
    assert!(
        lines.iter().all(|l| title_col(l) == title_col(lines[0])),
        "{out}"
    );
}

#[test]
fn rule_doc() {
    let out = render(|o| write_rule_doc(&TEST_RULES[0], Style::PLAIN, o));
    insta::assert_snapshot!("rule_doc", out);
    let heads = [
        "# OOM001 no-memory-limit (error)",
        "## What it does",
        "## Why is this bad?",
        "## How to fix",
        "## Example",
        "Use instead:",
    ];
    let mut at = 0;
    for h in heads {
        at += out[at..]
            .find(h)
            .unwrap_or_else(|| panic!("{h} missing or out of order:\n{out}"));
    }
    assert!(
        out.contains("```yaml\ncontainers:\n- name: app\n  image: app:1\n```"),
        "{out}"
    );
}

#[test]
fn rules_json() {
    let out = render(|o| write_rules_json_of(TEST_RULES, o));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1]["code"], "OOM002");
    assert_eq!(v[1]["severity"], "warning");
    assert_eq!(v[2]["severity"], "info");
    assert_eq!(v[0]["example"], "containers:\n- name: app\n  image: app:1");
    let one = render(|o| write_rules_json(Some(&TEST_RULES[0]), o));
    let one: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one, v[0]);
    let keys: Vec<&String> = one.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 8);
}

#[test]
fn the_real_registry_renders() {
    let list = render(|o| write_rules_list(Style::PLAIN, o));
    assert_eq!(list.lines().count(), oomdoc_audit::RULES.len());
    let all: Value = serde_json::from_str(&render(|o| write_rules_json(None, o))).unwrap();
    assert_eq!(all.as_array().unwrap().len(), oomdoc_audit::RULES.len());
    for r in oomdoc_audit::RULES {
        let doc = render(|o| write_rule_doc(r, Style::PLAIN, o));
        assert!(
            doc.starts_with(&format!("# {} {} (", r.code, r.name())),
            "{doc}"
        );
        assert_eq!(
            oomdoc_audit::rule(r.code.as_str()).map(|x| x.code),
            Some(r.code)
        );
    }
}
