//! `oomdoc rules` (one line per rule) and `oomdoc rules CODE` (the rule's full doc), as text or
//! JSON, rendered from the registry.
//!
//! The full doc is Markdown, in the layout ruff uses, so it reads well in a terminal and can be
//! pasted into an issue or a docs page unchanged.

use std::io::{self, Write};

use oomdoc_audit::{Rule, RULES};
use serde::Serialize;

use crate::style::Style;

/// Writes every registered rule, one aligned line each:
/// `OOM001  error    no-memory-limit   Container has no memory limit`.
pub fn write_rules_list(style: Style, out: &mut dyn Write) -> io::Result<()> {
    write_rules_list_of(RULES, style, out)
}

pub(crate) fn write_rules_list_of(
    rules: &[Rule],
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    let code_w = rules
        .iter()
        .map(|r| r.code.as_str().len())
        .max()
        .unwrap_or(0);
    let sev_w = rules
        .iter()
        .map(|r| r.severity.as_str().len())
        .max()
        .unwrap_or(0);
    let name_w = rules.iter().map(|r| r.name().len()).max().unwrap_or(0);
    for r in rules {
        writeln!(
            out,
            "{:code_w$}  {:sev_w$}  {:name_w$}  {}",
            style.bold(r.code.as_str()),
            style.severity(r.severity, r.severity.as_str()),
            r.name(),
            r.title
        )?;
    }
    Ok(())
}

/// Writes one rule's full doc: the title line with code, name and severity, then `What it does`,
/// `Why is this bad?`, `How to fix`, `Example` and `Use instead:`.
pub fn write_rule_doc(rule: &Rule, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "# {} {} ({})",
        style.bold(rule.code.as_str()),
        rule.name(),
        style.severity(rule.severity, rule.severity.as_str())
    )?;
    writeln!(out, "\n## What it does\n{}", rule.title.trim())?;
    writeln!(out, "\n## Why is this bad?\n{}", rule.explanation.trim())?;
    writeln!(out, "\n## How to fix\n{}", rule.fix.trim())?;
    writeln!(
        out,
        "\n## Example\n```yaml\n{}\n```",
        yaml_block(rule.example)
    )?;
    writeln!(
        out,
        "\nUse instead:\n```yaml\n{}\n```",
        yaml_block(rule.example_fixed)
    )
}

/// An example without the blank lines around it (registry literals usually start with `\n`).
pub(crate) fn yaml_block(s: &str) -> &str {
    s.trim_start_matches(['\n', '\r']).trim_end()
}

/// A rule on the wire: every registry field, with `severity` as `error`/`warning`/`info`.
#[derive(Serialize)]
struct JsonRule<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'static str,
    title: &'a str,
    explanation: &'a str,
    fix: &'a str,
    example: &'a str,
    example_fixed: &'a str,
}

fn json_rule(r: &Rule) -> JsonRule<'_> {
    JsonRule {
        code: r.code.as_str(),
        name: r.name(),
        severity: r.severity.as_str(),
        title: r.title.trim(),
        explanation: r.explanation.trim(),
        fix: r.fix.trim(),
        example: yaml_block(r.example),
        example_fixed: yaml_block(r.example_fixed),
    }
}

/// Writes rules as pretty-printed JSON: with `None`, every registered rule as an array of rule
/// objects (`code`, `name`, `severity`, `title`, `explanation`, `fix`, `example`,
/// `example_fixed`); with `Some(rule)`, that one rule as an object with the same fields.
pub fn write_rules_json(rule: Option<&Rule>, out: &mut dyn Write) -> io::Result<()> {
    match rule {
        Some(r) => {
            serde_json::to_writer_pretty(&mut *out, &json_rule(r))?;
            writeln!(out)
        }
        None => write_rules_json_of(RULES, out),
    }
}

pub(crate) fn write_rules_json_of(rules: &[Rule], out: &mut dyn Write) -> io::Result<()> {
    let all: Vec<JsonRule<'_>> = rules.iter().map(json_rule).collect();
    serde_json::to_writer_pretty(&mut *out, &all)?;
    writeln!(out)
}
