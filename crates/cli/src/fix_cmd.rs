//! `oomdoc audit --fix` and `--diff`: the audit run once more to collect the fixes its findings
//! carry (`oomdoc_audit::fix`), each file's fixes planned on its text as byte edits, then written
//! (temporary file and rename in the same directory, permissions kept: [`OutputFile`]) or printed
//! as a unified diff.
//!
//! Never changed, and said so on standard error: stdin and pipes (nothing to write back to),
//! files with an input error (what oomdoc read there is not all that is written), workloads
//! rendered by `helm template` (the fix belongs in the chart; their findings carry no fix), and a
//! file whose edits would not read back without a new input error.
//!
//! `--fix` then lets the audit run as usual over the changed files: the report and the exit
//! status are those of the findings that remain. `--diff` prints only the diff (so it can be
//! piped to `git apply`); its exit status is the audit's, as without `--diff`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oomdoc_audit::fix::{apply, plan, Change};
use oomdoc_audit::{AuditSession, Finding, Severity};
use oomdoc_manifest::{read_inputs_until, Item, ReadOptions};
use oomdoc_model::InputError;

use crate::args::{AuditArgs, FailOn};
use crate::audit_passes::{Names, Spool};
use crate::output_file::OutputFile;
use crate::{EXIT_ERROR, EXIT_FINDINGS};

/// What one audit of the inputs found: every finding, the input errors, the inputs read from
/// stdin or a pipe.
struct Collected {
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    spooled: BTreeSet<String>,
}

/// Runs the audit as `audit` does, keeping the findings instead of writing them.
fn collect(
    read_paths: &[PathBuf],
    opts: &ReadOptions,
    names: &Names<'_>,
    spools: &[Spool],
    mut session: AuditSession<'_>,
) -> Collected {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    read_inputs_until(read_paths, opts, &mut |item| {
        match item {
            Item::Workload(mut w) => {
                names.fix(&mut w.file);
                findings.extend(session.workload(&w).1);
            }
            Item::Error(mut e) => {
                names.fix(&mut e.file);
                errors.push(e);
            }
            Item::LimitRange(_) | Item::Dockerfile(_) => {}
        }
        ControlFlow::Continue(())
    });
    findings.extend(session.finish().1);
    errors.extend(spools.iter().filter_map(|s| s.error.clone()));
    let spooled = spools.iter().map(|s| s.name().to_string()).collect();
    Collected {
        findings,
        errors,
        spooled,
    }
}

/// The exit status of the audit that found `c` (as `audit_cmd::exit_code`).
fn exit_status(fail_on: FailOn, c: &Collected) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    if !c.errors.is_empty() {
        EXIT_ERROR
    } else if threshold.is_some_and(|t| c.findings.iter().any(|f| f.severity >= t)) {
        EXIT_FINDINGS
    } else {
        0
    }
}

/// One file's fixes: the changes, and what each finding's fix does (`FILE:LINE: CODE: what`).
#[derive(Default)]
struct FileFixes<'f> {
    changes: Vec<&'f Change>,
    fixed: Vec<String>,
}

/// The fixes by file; a finding whose fix touches a file that cannot be changed is left whole.
fn by_file<'f>(
    c: &'f Collected,
    err: &mut dyn Write,
) -> io::Result<BTreeMap<Arc<str>, FileFixes<'f>>> {
    let bad: BTreeSet<&str> = c.errors.iter().map(|e| &*e.file).collect();
    let mut said = BTreeSet::new();
    let mut out: BTreeMap<Arc<str>, FileFixes<'f>> = BTreeMap::new();
    for f in &c.findings {
        if let (None, Some(t)) = (&f.fix, &f.template) {
            if said.insert(f.file.to_string()) {
                writeln!(err, "oomdoc: {}: not changed: rendered by `helm template` from {t}; fix the chart's template instead", f.file)?;
            }
        }
        let Some(fix) = &f.fix else { continue };
        let refused = fix.changes.iter().find_map(|ch| {
            if c.spooled.contains(&*ch.file) {
                Some("read from stdin or a pipe, so there is no file to write back to: pass the files themselves")
            } else if bad.contains(&*ch.file) {
                Some("it has input errors (see the report); fix them first")
            } else {
                None
            }
            .map(|why| (ch.file.clone(), why))
        });
        if let Some((file, why)) = refused {
            if said.insert(file.to_string()) {
                writeln!(err, "oomdoc: {file}: not changed: {why}")?;
            }
            continue;
        }
        for ch in &fix.changes {
            let e = out.entry(ch.file.clone()).or_default();
            e.changes.push(ch);
        }
        if let Some(ch) = fix.changes.first() {
            let line = format!(
                "{}:{}: {}: {}",
                f.file,
                f.pos.line,
                f.code.as_str(),
                fix.what
            );
            out.entry(ch.file.clone()).or_default().fixed.push(line);
        }
    }
    Ok(out)
}

/// The file's new text, or why it is not changed.
fn fixed_text(file: &str, fixes: &FileFixes<'_>) -> Result<(String, String), String> {
    let old = std::fs::read_to_string(file).map_err(|e| format!("cannot read it: {e}"))?;
    let edits = plan(&old, &fixes.changes).map_err(|e| e.to_string())?;
    let new = apply(&old, &edits);
    // The fixed text must read back without a new input error.
    let is_dockerfile = oomdoc_manifest::is_dockerfile(Path::new(file), true)
        && !file.ends_with(".yaml")
        && !file.ends_with(".yml")
        && !file.ends_with(".json");
    if !is_dockerfile {
        let errors = |t: &str| {
            oomdoc_manifest::read_str(file, t)
                .iter()
                .filter(|i| matches!(i, Item::Error(_)))
                .count()
        };
        if errors(&new) > errors(&old) {
            return Err("the fixed text would not read back cleanly (please report this)".into());
        }
    }
    Ok((old, new))
}

/// `--fix` (writes the fixes) or `--diff` (prints them), with the inputs and the session
/// `audit` prepared; returns the audit's exit status (the caller audits again after `--fix`).
pub(crate) fn run(
    args: &AuditArgs,
    read_paths: &[PathBuf],
    opts: &ReadOptions,
    names: &Names<'_>,
    spools: &[Spool],
    session: AuditSession<'_>,
) -> anyhow::Result<u8> {
    let collected = collect(read_paths, opts, names, spools, session);
    let stderr = io::stderr();
    let mut err = stderr.lock();
    let files = by_file(&collected, &mut err)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let (mut changed, mut fixed) = (0, 0);
    for (file, fixes) in &files {
        let (old, new) = match fixed_text(file, fixes) {
            Ok(t) => t,
            Err(why) => {
                writeln!(err, "oomdoc: {file}: not changed: {why}")?;
                continue;
            }
        };
        if old == new {
            continue;
        }
        if args.diff {
            oomdoc_report::write_unified_diff(&mut out, file, &old, &new)?;
        } else {
            let mut w = OutputFile::create("--fix", Path::new(&**file), false, false)?;
            w.write_all(new.as_bytes())?;
            w.commit()?;
        }
        changed += 1;
        fixed += fixes.fixed.len();
        for line in &fixes.fixed {
            writeln!(err, "oomdoc: {line}")?;
        }
    }
    out.flush()?;
    let verb = if args.diff { "would fix" } else { "fixed" };
    writeln!(
        err,
        "oomdoc: {verb} {fixed} finding(s) in {changed} file(s)"
    )?;
    Ok(exit_status(args.fail_on, &collected))
}
