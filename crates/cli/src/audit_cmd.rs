//! `oomdoc audit`: read manifests and Dockerfiles, audit and write each workload as it is read
//! (memory does not grow with the input; see [`crate::audit_passes`]), pick the exit code from
//! the counts kept on the way.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use oomdoc_audit::{Assumptions, AuditSession, ImageBinding, Severity};
use oomdoc_jvm::JdkVersion;
use oomdoc_manifest::{is_dockerfile, read_inputs_until, Item, ReadOptions};
use oomdoc_model::dockerfile::DockerImageSpec;
use oomdoc_report::{
    Controls, InputErrors, JsonSink, JunitSink, ReportSink, SarifSink, Tally, TerminalSafe,
    TextSink,
};

use crate::args::{AuditArgs, FailOn, Format};
use crate::audit_passes::{count_repositories, prepass, spool_inputs, Names};
use crate::{EXIT_ERROR, EXIT_FINDINGS};

/// `--image IMAGE=PATH`: the image and the Dockerfile's canonical path (a directory means its
/// `Dockerfile` or `Containerfile`).
fn parse_image_flag(kv: &str) -> anyhow::Result<(String, PathBuf)> {
    let (image, path) = kv
        .split_once('=')
        .ok_or_else(|| anyhow!("--image {kv:?}: expected IMAGE=PATH"))?;
    if image.is_empty() || path.is_empty() {
        bail!("--image {kv:?}: expected IMAGE=PATH");
    }
    let mut path = PathBuf::from(path);
    if path.is_dir() {
        path = ["Dockerfile", "Containerfile"]
            .iter()
            .map(|n| path.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                anyhow!(
                    "--image {kv:?}: no Dockerfile or Containerfile in {}",
                    path.display()
                )
            })?;
    }
    if !is_dockerfile(&path, true) {
        bail!("--image {kv:?}: {} is not named like a Dockerfile (Dockerfile, Containerfile, NAME.Dockerfile, Dockerfile.NAME)", path.display());
    }
    let canonical = std::fs::canonicalize(&path)
        .map_err(|e| anyhow!("--image {kv:?}: cannot read {}: {e}", path.display()))?;
    Ok((image.to_string(), canonical))
}

/// True when `file` (canonical) is one of `paths` or inside one of them.
fn covered(file: &Path, paths: &[PathBuf]) -> bool {
    paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .any(|p| file == p || (p.is_dir() && file.starts_with(&p)))
}

/// `--image` flags: (image, canonical Dockerfile path).
type ImageFlags = Vec<(String, PathBuf)>;

/// The `--image` flags, and the paths to read: the given ones plus each `--image` Dockerfile
/// they do not cover.
fn image_flags_and_paths(args: &AuditArgs) -> anyhow::Result<(ImageFlags, Vec<PathBuf>)> {
    let image_flags = args
        .images
        .iter()
        .map(|kv| parse_image_flag(kv))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut paths = args.paths.clone();
    for (_, file) in &image_flags {
        if !covered(file, &paths) {
            paths.push(file.clone());
        }
    }
    Ok((image_flags, paths))
}

/// Each `--image` bound to the Dockerfile read from its path (by index in `dockerfiles`).
fn image_bindings(
    image_flags: &[(String, PathBuf)],
    dockerfiles: &[DockerImageSpec],
) -> Vec<ImageBinding> {
    let canonical: Vec<Option<PathBuf>> = dockerfiles
        .iter()
        .map(|d| std::fs::canonicalize(&*d.file).ok())
        .collect();
    image_flags
        .iter()
        .filter_map(|(image, file)| {
            let i = canonical
                .iter()
                .position(|c| c.as_deref() == Some(file.as_path()))?;
            Some(ImageBinding {
                image: image.clone(),
                dockerfile: i,
            })
        })
        .collect()
}

/// The second pass: audits and writes each workload as it is read, keeping the input errors;
/// stops at the first write error (a closed pipe: reading on would be wasted).
fn stream_workloads(
    read_paths: &[PathBuf],
    opts: &ReadOptions,
    names: &Names,
    session: &mut AuditSession<'_>,
    sink: &mut dyn ReportSink,
    errors: &mut InputErrors,
) -> io::Result<()> {
    let mut write_error = None;
    read_inputs_until(read_paths, opts, &mut |item| {
        match item {
            Item::Workload(mut w) => {
                names.fix(&mut w.file);
                let (summary, findings) = session.workload(&w);
                if let Err(e) = sink.workload(&summary, &findings) {
                    write_error = Some(e);
                    return ControlFlow::Break(());
                }
            }
            Item::Error(mut e) => {
                names.fix(&mut e.file);
                errors.push(e);
            }
            // Known from the first pass.
            Item::LimitRange(_) | Item::Dockerfile(_) => {}
        }
        ControlFlow::Continue(())
    });
    write_error.map_or(Ok(()), Err)
}

/// The lowest severity `--fail-on` fails on (`never`: none).
fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

/// The exit code: input errors first, then findings at or above `--fail-on` (counted while
/// streaming: nothing written is kept).
fn exit_code(fail_on: FailOn, tally: &Tally, errors: &InputErrors) -> u8 {
    let threshold = threshold(fail_on);
    let failed = threshold.is_some_and(|t| tally.at_or_above(t) > 0);
    if !errors.is_empty() {
        EXIT_ERROR
    } else if failed {
        EXIT_FINDINGS
    } else {
        0
    }
}

pub(crate) fn run(args: &AuditArgs, style: oomdoc_report::Style) -> anyhow::Result<u8> {
    // The policy file's values for the flags not given; its errors end the run before the audit.
    let Some(resolved) = crate::policy_file::resolve(args)? else {
        return Ok(EXIT_ERROR);
    };
    let args = &resolved.args;
    let default_jdk =
        JdkVersion::parse(&args.jdk).map_err(|e| anyhow!("--jdk {:?}: {e}", args.jdk))?;
    let (image_flags, paths) = image_flags_and_paths(args)?;
    let mut opts = ReadOptions::default();
    if let Some(t) = args.threads {
        opts.threads = t.max(1);
    }
    let (read_paths, spools) = spool_inputs(&paths)?;
    let names = Names::new(&spools);

    let (limit_ranges, dockerfiles) = prepass(&read_paths, &opts, &names);
    let image_bindings = image_bindings(&image_flags, &dockerfiles);
    let assumptions = Assumptions {
        node_memory_bytes: args.node_memory,
        node_cpus: args.node_cpus,
        cgroup: args.cgroup,
        default_jdk,
        config: resolved.config.clone(),
    };
    let repositories = if dockerfiles.len() == 1 {
        count_repositories(&read_paths, &opts)
    } else {
        0
    };
    let mut session = AuditSession::new(
        &limit_ranges,
        &dockerfiles,
        &image_bindings,
        assumptions,
        repositories,
    )
    .with_policy(resolved.policy.clone());
    // `--diff` prints the fixes instead of the report; `--fix` writes them, then audits again.
    if args.fix || args.diff {
        let code = crate::fix_cmd::run(args, &read_paths, &opts, &names, &spools, session)?;
        if args.diff {
            return Ok(code);
        }
        let mut again = args.clone();
        again.fix = false;
        return run(&again, style);
    }

    let mut sources = oomdoc_report::FileSources::default();
    for s in &spools {
        sources.alias(s.name(), s.path());
    }
    let text_opts = oomdoc_report::TextOptions {
        color: style.color(),
        verbose: args.verbose,
    };
    // Text quotes the input: its control characters reach the terminal escaped (colours pass).
    let controls = match (args.format, text_opts.color) {
        (Format::Text, true) => Controls::AllowSgr,
        (Format::Text, false) => Controls::Escape,
        (Format::Json | Format::Sarif | Format::Junit, _) => Controls::Pass,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(TerminalSafe::new(stdout.lock(), controls));
    // Input errors of the text report go to standard error (JSON, SARIF and JUnit carry them).
    let mut err = TerminalSafe::new(io::stderr().lock(), controls);
    let mut sink: Box<dyn ReportSink + '_> = match args.format {
        Format::Text => {
            Box::new(TextSink::new(&text_opts, &mut sources, &mut out).errors_to(&mut err))
        }
        Format::Json => Box::new(JsonSink::new(&mut out)),
        Format::Sarif => Box::new(SarifSink::new(env!("CARGO_PKG_VERSION"), &mut out)),
        Format::Junit => Box::new(JunitSink::new(threshold(args.fail_on), &mut out)),
    };
    sink.begin(session.assumptions())?;
    let mut errors = InputErrors::new();
    stream_workloads(
        &read_paths,
        &opts,
        &names,
        &mut session,
        sink.as_mut(),
        &mut errors,
    )?;
    for e in spools.iter().filter_map(|s| s.error.clone()) {
        errors.push(e);
    }
    let (images, image_findings) = session.finish();
    sink.finish(&images, &image_findings, &errors)?;
    let code = exit_code(args.fail_on, sink.tally(), &errors);
    drop(sink);
    out.flush()?;
    Ok(code)
}
