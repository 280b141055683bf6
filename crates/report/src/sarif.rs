//! SARIF 2.1.0 (`--format sarif`), for GitHub code scanning and other SARIF viewers.
//!
//! One run: `tool.driver` lists every rule of the registry (and any other code that appears in a
//! result), `results[]` holds the findings, and input errors are
//! `invocations[0].toolExecutionNotifications` with level `error`; `executionSuccessful` is false
//! when there are input errors (the CLI then exits 2).
//!
//! Locations: a relative path is written as given, with forward slashes, a leading `./` dropped and
//! percent-encoding where a URI needs it, relative to `uriBaseId` `%SRCROOT%` (the directory
//! oomdoc ran in; code scanning resolves it against the repository root, so run oomdoc from there).
//! An absolute path becomes a `file://` URI. Stdin (`-`) becomes the relative URI `stdin` with no
//! `uriBaseId` and the description "standard input": code scanning rejects a result without a
//! physical location, and `stdin` is a valid URI reference that names no repository file, so the
//! alert is kept, shown without a source annotation, and cannot be mistaken for a real file (as `-`
//! could in a listing). Columns count Unicode code points (`columnKind`), as the reader does.
//!
//! Plain serde structs rather than the `serde-sarif` crate: we emit about fifteen of SARIF's
//! hundreds of fields, the structs are shorter than the builder code would be, and they add no
//! dependencies; the tests validate the output against the official OASIS schema instead.

use std::collections::BTreeMap;
use std::io::{self, Write};

use oomdoc_audit::{AuditReport, Finding, Rule, Severity, RULES};
use oomdoc_model::diagnostic::InputError;
use serde::Serialize;

use crate::rules::yaml_block;

/// Where oomdoc's documentation lives (`tool.driver.informationUri`).
pub const INFORMATION_URI: &str = "https://github.com/oomdoc/oomdoc";
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    workload: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: [Location; 1],
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF `artifactLocation` for an input path (see the module docs).
fn artifact(file: &str) -> ArtifactLocation {
    if file == "-" {
        return ArtifactLocation {
            uri: Some("stdin".to_string()),
            uri_base_id: None,
            description: Some(Text {
                text: "standard input".to_string(),
            }),
        };
    }
    let mut path = file.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    let b = path.as_bytes();
    let drive = b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/';
    if path.starts_with('/') || drive {
        let slash = if drive { "/" } else { "" };
        ArtifactLocation {
            uri: Some(format!("file://{slash}{}", encode(&path, true))),
            ..Default::default()
        }
    } else {
        ArtifactLocation {
            uri: Some(encode(&path, false)),
            uri_base_id: Some(SRCROOT),
            description: None,
        }
    }
}

/// Percent-encodes a path for a URI: unreserved characters, sub-delims, `@` and `/` stay; `:`
/// stays only in absolute paths (in a relative one it would read as a scheme).
fn encode(path: &str, keep_colon: bool) -> String {
    let mut s = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=@/".contains(&b)
            || (keep_colon && b == b':');
        if keep {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn location(file: &str, line: u32, column: u32) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: artifact(file),
            region: (line > 0).then(|| Region {
                start_line: line,
                start_column: column.max(1),
            }),
        },
    }
}

fn descriptor(r: &Rule) -> Descriptor<'_> {
    let markdown = format!(
        "{}\n\n**Example**\n\n```yaml\n{}\n```\n\nUse instead:\n\n```yaml\n{}\n```",
        r.fix.trim(),
        yaml_block(r.example),
        yaml_block(r.example_fixed)
    );
    Descriptor {
        id: r.code,
        name: Some(r.name),
        short_description: Some(Text {
            text: r.title.trim().to_string(),
        }),
        full_description: Some(Text {
            text: r.explanation.trim().to_string(),
        }),
        help: Some(Help {
            text: r.fix.trim().to_string(),
            markdown,
        }),
        default_configuration: Configuration {
            level: level(r.severity),
        },
    }
}

fn result<'a>(f: &'a Finding, rule_index: usize) -> SarifResult<'a> {
    SarifResult {
        rule_id: f.code,
        rule_index,
        level: level(f.severity),
        message: Text {
            text: format!("{}\nhelp: {}", f.message, f.help),
        },
        locations: [location(&f.file, f.pos.line, f.pos.column)],
        properties: ResultProperties {
            workload: &f.workload,
            container: f.container.as_deref(),
        },
    }
}

fn notification(e: &InputError) -> Notification {
    let (line, column) = e.pos.map_or((0, 0), |p| (p.line, p.column));
    Notification {
        level: "error",
        message: Text {
            text: e.message.clone(),
        },
        locations: [location(&e.file, line, column)],
    }
}

/// Writes the report as a SARIF 2.1.0 log (pretty-printed, ending in a newline).
/// `tool_version` is oomdoc's version (`tool.driver.version`).
pub fn write_sarif(
    report: &AuditReport,
    tool_version: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_sarif_with(report, tool_version, RULES, out)
}

/// [`write_sarif`] with a given registry (tests use a fixed one).
pub(crate) fn write_sarif_with(
    report: &AuditReport,
    tool_version: &str,
    registry: &[Rule],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut rules: Vec<Descriptor<'_>> = registry.iter().map(descriptor).collect();
    let mut index: BTreeMap<&str, usize> = registry
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .collect();
    let mut results = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let i = *index.entry(f.code).or_insert_with(|| {
            // A code the registry does not know: still described, so `ruleIndex` is valid.
            rules.push(Descriptor {
                id: f.code,
                name: None,
                short_description: None,
                full_description: None,
                help: None,
                default_configuration: Configuration {
                    level: level(f.severity),
                },
            });
            rules.len() - 1
        });
        results.push(result(f, i));
    }
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "oomdoc",
                    version: tool_version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: report.errors.iter().map(notification).collect(),
            }],
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                ArtifactLocation {
                    description: Some(Text {
                        text: "The directory oomdoc ran in; relative paths are relative to it."
                            .to_string(),
                    }),
                    ..Default::default()
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
