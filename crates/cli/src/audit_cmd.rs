//! `oomdoc audit`: read manifests and Dockerfiles, run the audit, write the report, pick the exit
//! code.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use oomdoc_audit::{audit, Assumptions, AuditInput, ImageBinding, Severity};
use oomdoc_jvm::{CgroupVersion, JdkVersion};
use oomdoc_manifest::{is_dockerfile, read_inputs, Item, ReadOptions};

use crate::args::{AuditArgs, Cgroup, ColorChoice, FailOn, Format, Global};
use crate::{EXIT_ERROR, EXIT_FINDINGS};

pub(crate) fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // no-color.org: NO_COLOR disables colour when present and not empty.
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// `--image IMAGE=PATH`: the image and the Dockerfile's canonical path (a directory means its
/// `Dockerfile` or `Containerfile`).
fn parse_image_flag(kv: &str) -> anyhow::Result<(String, PathBuf)> {
    let (image, path) = kv.split_once('=').ok_or_else(|| anyhow!("--image {kv:?}: expected IMAGE=PATH"))?;
    if image.is_empty() || path.is_empty() {
        bail!("--image {kv:?}: expected IMAGE=PATH");
    }
    let mut path = PathBuf::from(path);
    if path.is_dir() {
        path = ["Dockerfile", "Containerfile"]
            .iter()
            .map(|n| path.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| anyhow!("--image {kv:?}: no Dockerfile or Containerfile in {}", path.display()))?;
    }
    if !is_dockerfile(&path, true) {
        bail!("--image {kv:?}: {} is not named like a Dockerfile (Dockerfile, Containerfile, NAME.Dockerfile, Dockerfile.NAME)", path.display());
    }
    let canonical = std::fs::canonicalize(&path).map_err(|e| anyhow!("--image {kv:?}: cannot read {}: {e}", path.display()))?;
    Ok((image.to_string(), canonical))
}

/// True when `file` (canonical) is one of `paths` or inside one of them.
fn covered(file: &Path, paths: &[PathBuf]) -> bool {
    paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).any(|p| file == p || (p.is_dir() && file.starts_with(&p)))
}

pub(crate) fn run(args: &AuditArgs, global: &Global) -> anyhow::Result<u8> {
    let default_jdk = JdkVersion::parse(&args.jdk).map_err(|e| anyhow!("--jdk {:?}: {e}", args.jdk))?;
    let image_flags = args.images.iter().map(|kv| parse_image_flag(kv)).collect::<anyhow::Result<Vec<_>>>()?;
    let mut paths = args.paths.clone();
    for (_, file) in &image_flags {
        if !covered(file, &paths) {
            paths.push(file.clone());
        }
    }
    let mut opts = ReadOptions::default();
    if let Some(t) = args.threads {
        opts.threads = t.max(1);
    }
    let mut workloads = Vec::new();
    let mut limit_ranges = Vec::new();
    let mut dockerfiles = Vec::new();
    let mut errors = Vec::new();
    read_inputs(&paths, &opts, &mut |item| match item {
        Item::Workload(w) => workloads.push(w),
        Item::LimitRange(l) => limit_ranges.push(l),
        Item::Dockerfile(d) => dockerfiles.push(d),
        Item::Error(e) => errors.push(e),
    });
    let canonical: Vec<Option<PathBuf>> =
        dockerfiles.iter().map(|d| std::fs::canonicalize(&*d.file).ok()).collect();
    let image_bindings: Vec<ImageBinding> = image_flags
        .iter()
        .filter_map(|(image, file)| {
            let i = canonical.iter().position(|c| c.as_deref() == Some(file.as_path()))?;
            Some(ImageBinding { image: image.clone(), dockerfile: i })
        })
        .collect();
    let assumptions = Assumptions {
        node_memory_bytes: args.node_memory,
        node_cpus: args.node_cpus,
        cgroup: match args.cgroup {
            Cgroup::V1 => CgroupVersion::V1,
            Cgroup::V2 => CgroupVersion::V2,
        },
        default_jdk,
    };
    let input = AuditInput {
        workloads: &workloads,
        limit_ranges: &limit_ranges,
        dockerfiles: &dockerfiles,
        image_bindings: &image_bindings,
        assumptions,
    };
    let mut report = audit(&input);
    report.errors = errors;

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Text => {
            let opts = oomdoc_report::TextOptions { color: color_enabled(global.color), verbose: args.verbose };
            let mut sources = oomdoc_report::FileSources::default();
            oomdoc_report::write_text(&report, &opts, &mut sources, &mut out)?;
        }
        Format::Json => oomdoc_report::write_json(&report, &mut out)?,
        Format::Sarif => oomdoc_report::write_sarif(&report, env!("CARGO_PKG_VERSION"), &mut out)?,
    }
    out.flush()?;

    if !report.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failed { EXIT_FINDINGS } else { 0 })
}
