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
//! Written as the audit goes by [`SarifSink`]: results are formatted as they come and kept in a
//! spool until the end, where the log is printed around them, byte for byte what `serde_json`'s
//! pretty printer makes of the whole log.
//!
//! Plain serde structs rather than the `serde-sarif` crate: we emit about fifteen of SARIF's
//! hundreds of fields, the structs are shorter than the builder code would be, and they add no
//! dependencies; the tests validate the output against the official OASIS schema instead.

use std::collections::BTreeMap;
use std::io::{self, Write};

use oomdoc_audit::{
    AuditReport, Finding, ImageSummary, Rule, RuleCode, Severity, WorkloadSummary, RULES,
};
use oomdoc_model::diagnostic::InputError;
use serde::Serialize;

use crate::pretty::{close_array, write_element};
use crate::rules::yaml_block;
use crate::sink::{InputErrors, ReportSink, Spool, Tally};

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
        id: r.code.as_str(),
        name: Some(r.name()),
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
        rule_id: f.code.as_str(),
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

/// [`write_sarif`] with a given registry (tests use a fixed one): the whole report through a
/// [`SarifSink`].
pub(crate) fn write_sarif_with(
    report: &AuditReport,
    tool_version: &str,
    registry: &[Rule],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut sink = SarifSink::with_registry(tool_version, registry, out);
    sink.begin(&report.assumptions)?;
    for w in &report.workloads {
        sink.workload(w, &[])?;
    }
    sink.finish(
        &report.images,
        &report.findings,
        &InputErrors::from(report.errors.clone()),
    )
}

/// `runs[0].results[i]` sit four levels deep: log object, `runs`, the run, `results`.
const RESULT_LEVEL: usize = 4;

/// The SARIF log written as the audit goes (see [`crate::sink`]). `invocations` (the input
/// errors) precede `results` in the log and are known only at the end, so results are formatted
/// as they come into a spool and the log is written at [`ReportSink::finish`]. Rule indexes are
/// the registry's; a code the registry lacks is described after the registry's rules, in order
/// of first use, as when the whole report is written at once.
pub struct SarifSink<'w, 'r> {
    out: &'w mut dyn Write,
    tool_version: String,
    registry: &'r [Rule],
    index: BTreeMap<RuleCode, usize>,
    /// Codes the registry does not know, in order of first use, with the first severity seen.
    unknown: Vec<(RuleCode, Severity)>,
    results: Spool,
    any_result: bool,
    tally: Tally,
}

impl<'w> SarifSink<'w, 'static> {
    /// A sink writing to `out`, describing every rule of the registry. `tool_version` is
    /// oomdoc's version (`tool.driver.version`).
    pub fn new(tool_version: &str, out: &'w mut dyn Write) -> Self {
        Self::with_registry(tool_version, RULES, out)
    }
}

impl<'w, 'r> SarifSink<'w, 'r> {
    pub(crate) fn with_registry(
        tool_version: &str,
        registry: &'r [Rule],
        out: &'w mut dyn Write,
    ) -> Self {
        SarifSink {
            out,
            tool_version: tool_version.to_string(),
            registry,
            index: registry
                .iter()
                .enumerate()
                .map(|(i, r)| (r.code, i))
                .collect(),
            unknown: Vec::new(),
            results: Spool::default(),
            any_result: false,
            tally: Tally::default(),
        }
    }

    fn spool_results(&mut self, findings: &[Finding]) -> io::Result<()> {
        for f in findings {
            let i = match self.index.get(&f.code) {
                Some(&i) => i,
                None => match self.unknown.iter().position(|u| u.0 == f.code) {
                    Some(k) => self.registry.len() + k,
                    None => {
                        self.unknown.push((f.code, f.severity));
                        self.registry.len() + self.unknown.len() - 1
                    }
                },
            };
            write_element(
                &mut self.results,
                RESULT_LEVEL,
                !self.any_result,
                &result(f, i),
            )?;
            self.any_result = true;
        }
        Ok(())
    }
}

impl ReportSink for SarifSink<'_, '_> {
    fn begin(&mut self, _assumptions: &oomdoc_audit::Assumptions) -> io::Result<()> {
        Ok(())
    }

    fn workload(&mut self, w: &WorkloadSummary, findings: &[Finding]) -> io::Result<()> {
        self.tally.workload(w, findings);
        self.spool_results(findings)
    }

    fn finish(
        &mut self,
        images: &[ImageSummary],
        findings: &[Finding],
        errors: &InputErrors,
    ) -> io::Result<()> {
        self.tally.finish(images, findings, errors);
        self.spool_results(findings)?;
        let mut rules: Vec<Descriptor<'_>> = self.registry.iter().map(descriptor).collect();
        // A code the registry does not know: still described, so `ruleIndex` is valid.
        rules.extend(self.unknown.iter().map(|&(code, severity)| Descriptor {
            id: code.as_str(),
            name: None,
            short_description: None,
            full_description: None,
            help: None,
            default_configuration: Configuration {
                level: level(severity),
            },
        }));
        let log = Log {
            schema: SCHEMA_URI,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "oomdoc",
                        version: &self.tool_version,
                        information_uri: INFORMATION_URI,
                        rules,
                    },
                },
                invocations: [Invocation {
                    execution_successful: errors.is_empty(),
                    tool_execution_notifications: errors
                        .listed()
                        .map(|e| notification(&e))
                        .collect(),
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
                results: Vec::new(),
            }],
        };
        // Everything but the results, which are the run's last field: print the log with none,
        // then put the spooled ones between the brackets of its `"results": []`.
        let mut head = serde_json::to_vec_pretty(&log)?;
        let at = head
            .windows(RESULTS_EMPTY.len())
            .rposition(|w| w == RESULTS_EMPTY)
            .ok_or_else(|| io::Error::other("SARIF results array not found"))?;
        let close = at + RESULTS_EMPTY.len() - 1;
        let tail = head.split_off(close);
        self.out.write_all(&head)?;
        self.results.drain_to(self.out)?;
        close_array(self.out, RESULT_LEVEL, self.any_result)?;
        self.out.write_all(&tail[1..])?;
        writeln!(self.out)
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

/// How an empty results array prints.
const RESULTS_EMPTY: &[u8] = b"\"results\": []";
