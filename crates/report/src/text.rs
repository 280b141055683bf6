//! The text report, like rustc and ruff: each finding with its rule code, `file:line:col`, the
//! offending source line, the workload and the fix; then input errors; then a summary.
//!
//! ```text
//! warning[OOM002]: container "app" has no memory request
//!   --> k8s/app.yaml:21:9
//!    |
//! 21 |         resources:
//!    |         ^^^^^^^^^
//!    |
//!    = workload: Deployment/default/app
//!    = help: set resources.requests.memory ...
//! ```

use std::io::{self, Write};

use annotate_snippets::renderer::{AnsiColor, Effects, Style, DEFAULT_LINE_NUM_STYLE};
use annotate_snippets::{Annotation, AnnotationKind, Group, Level, Renderer, Snippet};
use oomdoc_audit::{
    Assumptions, AuditReport, ContainerSummary, Finding, ImageSummary, JvmSummary, Severity,
    WorkloadSummary,
};
use oomdoc_jvm::{CgroupVersion, Runtime};
use oomdoc_model::admission::{ContainerKind, Source};
use oomdoc_model::bytes::{approx, exact};
use oomdoc_model::diagnostic::InputError;

use crate::sink::{InputErrors, ReportSink, Spool, Tally};
use crate::sources::{doc_line, SourceLines};
use crate::{clean, workload_id};

/// How the text report looks. The CLI decides `color` (TTY, `NO_COLOR`, `--color`).
#[derive(Clone, Debug, Default)]
pub struct TextOptions {
    /// Emit ANSI colours.
    pub color: bool,
    /// Print one summary line per workload (QoS class, requests, limits, sources,
    /// `oom_score_adj`, each JVM's heap) and per Dockerfile before the final line.
    pub verbose: bool,
}

/// Writes the text report: every finding, then every input error, then (when `verbose`) one line
/// per workload and per Dockerfile, then one line per Dockerfile no workload runs (always), then
/// the final summary line with the assumptions. The whole report through a [`TextSink`].
///
/// Source lines come from the finding's document text when it has one (stdin), else from
/// `sources`; when neither has the line, only `--> file:line:col` is printed.
pub fn write_text(
    report: &AuditReport,
    opts: &TextOptions,
    sources: &mut dyn SourceLines,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut sink = TextSink::new(opts, sources, out);
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

/// The text report written as the audit goes (see [`crate::sink`]): findings are printed as
/// they come; `--verbose` workload lines, which follow the input errors, wait in a spool.
pub struct TextSink<'w> {
    opts: TextOptions,
    renderer: Renderer,
    sources: &'w mut dyn SourceLines,
    out: &'w mut dyn Write,
    /// Where input errors go (standard error in the CLI); `None`: with the report.
    errors_out: Option<&'w mut dyn Write>,
    workload_lines: Spool,
    assumptions: Option<Assumptions>,
    tally: Tally,
}

impl<'w> TextSink<'w> {
    /// A sink writing to `out`, with source lines from `sources`.
    pub fn new(
        opts: &TextOptions,
        sources: &'w mut dyn SourceLines,
        out: &'w mut dyn Write,
    ) -> Self {
        TextSink {
            opts: opts.clone(),
            renderer: if opts.color {
                Renderer::styled()
            } else {
                Renderer::plain()
            },
            sources,
            out,
            errors_out: None,
            workload_lines: Spool::default(),
            assumptions: None,
            tally: Tally::default(),
        }
    }

    /// Writes the input errors to `err` instead of with the report (the CLI: standard error,
    /// as ruff and rustc do); the summary line still counts them.
    pub fn errors_to(mut self, err: &'w mut dyn Write) -> Self {
        self.errors_out = Some(err);
        self
    }

    fn findings(&mut self, findings: &[Finding]) -> io::Result<()> {
        for f in findings {
            let text = render_finding(&self.renderer, self.opts.color, f, self.sources);
            writeln!(self.out, "{text}\n")?;
        }
        Ok(())
    }
}

impl ReportSink for TextSink<'_> {
    fn begin(&mut self, assumptions: &Assumptions) -> io::Result<()> {
        self.assumptions = Some(assumptions.clone());
        Ok(())
    }

    fn workload(&mut self, w: &WorkloadSummary, findings: &[Finding]) -> io::Result<()> {
        self.tally.workload(w, findings);
        self.findings(findings)?;
        if self.opts.verbose {
            writeln!(self.workload_lines, "{}", workload_line(w))?;
        }
        Ok(())
    }

    fn finish(
        &mut self,
        images: &[ImageSummary],
        findings: &[Finding],
        errors: &InputErrors,
    ) -> io::Result<()> {
        self.tally.finish(images, findings, errors);
        self.findings(findings)?;
        if self.errors_out.is_some() {
            // On one terminal, the errors come after the findings.
            self.out.flush()?;
        }
        for e in errors.listed() {
            let text = render_error(&self.renderer, self.opts.color, &e, self.sources);
            match self.errors_out.as_deref_mut() {
                Some(err) => writeln!(err, "{text}\n")?,
                None => writeln!(self.out, "{text}\n")?,
            }
        }
        if let Some(err) = self.errors_out.as_deref_mut() {
            err.flush()?;
        }
        if self.opts.verbose {
            self.workload_lines.drain_to(self.out)?;
            if self.tally.workloads > 0 {
                writeln!(self.out)?;
            }
        }
        let a = self.assumptions.clone().unwrap_or_default();
        let images: Vec<&ImageSummary> = images
            .iter()
            .filter(|i| self.opts.verbose || i.used_by.is_empty())
            .collect();
        for i in &images {
            writeln!(self.out, "{}", image_line(i, &a))?;
        }
        if !images.is_empty() {
            writeln!(self.out)?;
        }
        if self.errors_out.is_some()
            && self.tally.workloads == 0
            && self.tally.images == 0
            && self.tally.input_errors > 0
        {
            // Nothing could be read: the errors (on their own stream) say it all.
            return Ok(());
        }
        writeln!(self.out, "{}", summary_line(&self.tally, &a, &self.opts))
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

/// How a file is named in the text report: stdin (`-`) is `<stdin>`.
fn display_path(file: &str) -> String {
    if file == "-" {
        "<stdin>".to_string()
    } else {
        clean(file).into_owned()
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn render_finding(
    renderer: &Renderer,
    color: bool,
    f: &Finding,
    sources: &mut dyn SourceLines,
) -> String {
    let (line, col) = (f.pos.line, f.pos.column);
    let text = f
        .source
        .as_deref()
        .and_then(|doc| doc_line(doc, line))
        .or_else(|| sources.line(&f.file, line));
    let title = level(f.severity)
        .primary_title(clean(&f.message).into_owned())
        .id(f.code.as_str());
    let workload = match &f.template {
        Some(t) => format!("{} (rendered from {})", clean(&f.workload), clean(t)),
        None => clean(&f.workload).into_owned(),
    };
    match snippet(&f.file, line, col, text) {
        Some(snippet) => renderer.render(&[Group::with_title(title)
            .element(snippet)
            .element(Level::NOTE.with_name("workload").message(workload))
            .element(Level::HELP.message(f.help.clone()))]),
        None => {
            let mut s = renderer.render(&[Group::with_title(title)]);
            s.push_str(&bare_location(color, &f.file, Some((line, col))));
            s.push_str(&note(color, line, "workload", &workload));
            s.push_str(&note(color, line, "help", &f.help));
            s.truncate(s.trim_end().len());
            s
        }
    }
}

fn render_error(
    renderer: &Renderer,
    color: bool,
    e: &InputError,
    sources: &mut dyn SourceLines,
) -> String {
    let title = Level::ERROR.primary_title(clean(&e.message).into_owned());
    let text = e.pos.and_then(|p| sources.line(&e.file, p.line));
    let pos = e.pos.map(|p| (p.line, p.column));
    match pos.and_then(|(line, col)| snippet(&e.file, line, col, text)) {
        Some(snippet) => renderer.render(&[Group::with_title(title).element(snippet)]),
        None => {
            let mut s = renderer.render(&[Group::with_title(title)]);
            s.push_str(&bare_location(color, &e.file, pos));
            s.truncate(s.trim_end().len());
            s
        }
    }
}

/// The offending line with its token underlined, when the line is known.
fn snippet(
    file: &str,
    line: u32,
    col: u32,
    text: Option<String>,
) -> Option<Snippet<'static, Annotation<'static>>> {
    let text = clean(&text?).into_owned();
    if line == 0 {
        return None;
    }
    let span = token_span(&text, col);
    Some(
        Snippet::source(text)
            .line_start(line as usize)
            .path(display_path(file))
            .annotation(AnnotationKind::Primary.span(span)),
    )
}

/// The gutter width rustc would use for `line`: its digits.
fn gutter(line: u32) -> usize {
    line.max(1).to_string().len()
}

/// `  --> file:line:col` when there is no source line to show, indented as with a snippet.
fn bare_location(color: bool, file: &str, pos: Option<(u32, u32)>) -> String {
    let arrow = paint(color, DEFAULT_LINE_NUM_STYLE, "-->");
    let path = display_path(file);
    match pos {
        Some((line, col)) if line > 0 => {
            format!(
                "\n{:w$}{arrow} {path}:{line}:{}",
                "",
                col.max(1),
                w = gutter(line)
            )
        }
        _ => format!("\n{:w$}{arrow} {path}", "", w = gutter(1)),
    }
}

/// `   = name: text`, aligned under a snippet's gutter.
fn note(color: bool, line: u32, name: &str, text: &str) -> String {
    let eq = paint(color, DEFAULT_LINE_NUM_STYLE, "=");
    let name = paint(color, Style::new().effects(Effects::BOLD), name);
    format!("\n{:w$}{eq} {name}: {text}", "", w = gutter(line) + 1)
}

/// The byte range to underline: the YAML/JSON token that starts at the 1-based character
/// `column` (a key up to its `:`, a plain value up to a comment, a quoted string with its
/// quotes). A column past the end underlines the line's text.
pub(crate) fn token_span(line: &str, column: u32) -> std::ops::Range<usize> {
    let first = line.len() - line.trim_start().len();
    let last = line.trim_end().len();
    let start = match line.char_indices().nth(column.saturating_sub(1) as usize) {
        Some((i, _)) if i < last => i,
        _ => {
            return if first < last {
                first..last
            } else {
                0..line.len()
            }
        }
    };
    let rest = &line[start..last];
    let len = match rest.as_bytes()[0] {
        q @ (b'"' | b'\'') => closing_quote(rest, q).unwrap_or(rest.len()),
        _ => {
            let flow = line[..start].contains(['{', '[']);
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                let next = rest[i + c.len_utf8()..].chars().next();
                let stop = match c {
                    ':' => next.is_none_or(char::is_whitespace),
                    '#' => i > 0 && rest[..i].ends_with(char::is_whitespace),
                    ',' | '}' | ']' => flow,
                    _ => false,
                };
                if stop {
                    end = i;
                    break;
                }
            }
            rest[..end]
                .trim_end()
                .len()
                .max(rest.chars().next().map_or(0, char::len_utf8))
        }
    };
    start..start + len
}

/// The length through the closing quote of a quoted scalar starting at `s[0]`.
fn closing_quote(s: &str, q: u8) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        if q == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// `app: request 2Gi (manifest) limit 4Gi (manifest) oom_score_adj 875`.
fn container_part(c: &ContainerSummary) -> String {
    let kind = match c.kind {
        ContainerKind::Regular => "",
        ContainerKind::Init => "init ",
        ContainerKind::Sidecar => "sidecar ",
    };
    let jvm = c
        .jvm
        .as_ref()
        .map_or(String::new(), |j| format!(" {}", jvm_part(j)));
    format!(
        "{kind}{}: request {} limit {} oom_score_adj {}{jvm}",
        clean(&c.name),
        sourced(c.memory_request_bytes, c.memory_request_source),
        sourced(c.memory_limit_bytes, c.memory_limit_source),
        c.oom_score_adj
    )
}

/// `jvm JDK 17 G1 max heap 1Gi, whole process ~1.7Gi`.
fn jvm_part(j: &JvmSummary) -> String {
    let e = &j.analysis.ergonomics;
    let jdk = if j.jdk_assumed {
        format!("JDK {} (assumed)", j.jdk)
    } else {
        format!("JDK {}", j.jdk)
    };
    if j.runtime == Runtime::OpenJ9 {
        return format!("jvm OpenJ9 {jdk} (not modelled)");
    }
    if !j.heap_modelled {
        return format!("jvm {jdk} {} heap set outside the JVM's view", e.gc.name());
    }
    let mut s = format!(
        "jvm {jdk} {} max heap {}, whole process {}",
        e.gc.name(),
        approx(e.max_heap.value),
        approx(j.analysis.budget.footprint)
    );
    if let Some(d) = &j.dockerfile {
        s.push_str(&format!(" (with {}:{})", display_path(&d.file), d.line));
    }
    s
}

/// `k8s/app/Dockerfile:1  image app (eclipse-temurin:17-jre)  run by Deployment/default/app
/// container app (image name)`, or what the image does on its own when nothing runs it.
fn image_line(i: &ImageSummary, assumptions: &Assumptions) -> String {
    let base = i
        .base_image
        .as_deref()
        .map_or(String::new(), |b| format!(" ({})", clean(b)));
    let head = format!(
        "{}:{}  image {}{base}",
        display_path(&i.file),
        i.line,
        clean(&i.name)
    );
    if !i.used_by.is_empty() {
        let users: Vec<String> = i
            .used_by
            .iter()
            .map(|(w, c, by)| format!("{} container {} ({})", clean(w), clean(c), by.as_str()))
            .collect();
        return format!("{head}  run by {}", users.join(", "));
    }
    let alone = match &i.jvm {
        Some(j) if j.runtime == Runtime::HotSpot && j.heap_modelled => format!(
            "; on its own: {}, from a {} node",
            jvm_part(j),
            exact(assumptions.node_memory_bytes)
        ),
        Some(j) => format!("; on its own: {}", jvm_part(j)),
        None => String::new(),
    };
    format!("{head}  run by no workload of the input (name it with --image IMAGE=PATH){alone}")
}

fn sourced(bytes: Option<i64>, source: Option<Source>) -> String {
    match (bytes, source) {
        (Some(b), Some(s)) => format!("{} ({})", exact(b), source_label(s)),
        (Some(b), None) => exact(b),
        (None, _) => "none".to_string(),
    }
}

/// Where a value came from, in words.
fn source_label(s: Source) -> &'static str {
    match s {
        Source::Manifest => "manifest",
        Source::Limit => "from limit",
        Source::LimitRange => "LimitRange",
        Source::Defaulted => "defaulted",
    }
}

/// `k8s/app.yaml:1  Deployment/default/app  Burstable  app: request ...; sidecar proxy: ...`.
fn workload_line(w: &WorkloadSummary) -> String {
    let containers: Vec<String> = w.containers.iter().map(container_part).collect();
    format!(
        "{}:{}  {}  {}  {}",
        display_path(&w.file),
        w.line,
        clean(&workload_id(w)),
        w.qos_class.as_str(),
        if containers.is_empty() {
            "no containers".to_string()
        } else {
            containers.join("; ")
        }
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn paint(color: bool, style: Style, text: &str) -> String {
    crate::Style::new(color).paint(style, text).to_string()
}

/// `Found 3 errors, 5 warnings, 2 infos in 12 workloads from 9 files; 1 input error. Assumed node
/// memory 16Gi (set with --node-memory).`
fn summary_line(tally: &Tally, a: &Assumptions, opts: &TextOptions) -> String {
    let bold = Style::new().effects(Effects::BOLD);
    let counts: Vec<String> = [
        (Severity::Error, "error", "errors", AnsiColor::BrightRed),
        (Severity::Warning, "warning", "warnings", AnsiColor::Yellow),
        (Severity::Info, "info", "infos", AnsiColor::BrightBlue),
    ]
    .into_iter()
    .filter_map(|(s, one, many, c)| {
        let n = tally.of(s);
        (n > 0).then(|| {
            paint(
                opts.color,
                c.on_default().effects(Effects::BOLD),
                &plural(n, one, many),
            )
        })
    })
    .collect();
    let mut line = if counts.is_empty() {
        paint(opts.color, bold, "No findings")
    } else {
        format!("{} {}", paint(opts.color, bold, "Found"), counts.join(", "))
    };
    line.push_str(&format!(
        " in {}",
        plural(tally.workloads, "workload", "workloads")
    ));
    if tally.files() > 0 {
        line.push_str(&format!(" from {}", plural(tally.files(), "file", "files")));
    }
    if tally.images > 0 {
        line.push_str(&format!(
            " ({})",
            plural(tally.images, "Dockerfile", "Dockerfiles")
        ));
    }
    if tally.input_errors > 0 {
        let errors = plural(tally.input_errors, "input error", "input errors");
        line.push_str(&format!(
            "; {}",
            paint(opts.color, AnsiColor::BrightRed.on_default(), &errors)
        ));
    }
    line.push('.');
    if tally.jvms {
        let cgroup = match a.cgroup {
            CgroupVersion::V1 => "v1",
            CgroupVersion::V2 => "v2",
        };
        line.push_str(&format!(
            " For JVMs assumed {} CPUs per node (--node-cpus), cgroup {cgroup} (--cgroup)",
            a.node_cpus
        ));
        if tally.jdk_assumed {
            line.push_str(&format!(
                ", JDK {} where the image does not say (--jdk)",
                a.default_jdk
            ));
        }
        line.push('.');
    }
    line.push_str(&format!(
        " Assumed node memory {} (set with --node-memory).",
        exact(a.node_memory_bytes)
    ));
    if let Some(config) = &a.config {
        line.push_str(&format!(" Policy file: {config}."));
    }
    line
}
