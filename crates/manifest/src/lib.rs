//! Readers for Kubernetes manifests (YAML/JSON streams, Lists, directories) into the oomdoc
//! model, with positions.
//!
//! # What is read
//! - YAML and JSON, multi-document streams (`---`, `...`), `kind: List` and typed lists
//!   (`PodList`, `DeploymentList`, …) as `kubectl get -o yaml|json` prints them (items of a
//!   typed list get their kind from the list: `PodList` → `Pod`).
//! - Dockerfiles (`Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`): the image
//!   their final stage builds, as a [`DockerImageSpec`] (see [`parse_dockerfile`] for what is
//!   read).
//! - Workloads: `Pod` (`spec`), `PodTemplate` (`template.spec`), `CronJob`
//!   (`spec.jobTemplate.spec.template.spec`) and every other object with a pod template at
//!   `spec.template.spec` (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
//!   Job, Argo Rollout, OpenShift DeploymentConfig, …). `LimitRange` objects (their
//!   `type: Container` items). Everything else is skipped silently and counted.
//! - Values as Kubernetes reads them: YAML 1.1 scalar rules (`010` is 8, `1e3` is 1000,
//!   `yes` is a boolean), quantities parsed from the JSON text Kubernetes' YAML-to-JSON step
//!   produces, numbers or booleans in string fields reported as the type errors they are.
//!   Unknown fields are ignored, as `kubectl apply` does without `--validate=strict`.
//!
//! # Positions
//! 1-based line and column (in characters). An object (and a List item) is at its first key, a
//! container or env entry at the first key of its list item, a scalar (quantity, string) at its
//! value, `resources` / `requests` / `limits` (and LimitRange `default`, …) at their key, a pod
//! spec and an `emptyDir` at their value. A value reached through an alias keeps the position it
//! was written at (the anchor).
//!
//! # Bad input
//! Nothing panics and one bad input never stops the others. Each problem is an
//! [`Item::Error`] with file and position: malformed YAML (the next document of the same file is
//! still read), unrendered Helm templates, binary files, oversized documents, alias bombs,
//! unreadable paths, invalid quantities and fields of the wrong type (the rest of the document is
//! still read). Empty files and comment-only documents yield nothing.
//!
//! # Memory and speed
//! Inputs are streamed: a file is cut into pieces of whole documents at `---` lines without being
//! read whole, pieces are parsed on [`ReadOptions::threads`] worker threads, and results are
//! delivered in input order. Memory is bounded by a few pieces plus the largest document, not by
//! the input size. Documents whose top-level `kind` cannot hold a pod template (CRDs, ConfigMaps,
//! …) are only syntax-checked; no tree is built for them.

mod dockerfile;
mod document;
mod extract;
mod podspec;
mod prescan;
mod split;
mod stream;
mod values;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use oomdoc_model::dockerfile::DockerImageSpec;
use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::InputError;

pub use dockerfile::parse_dockerfile;

/// One thing read from the input, in input order.
// Workloads are the common case, so boxing them would only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// An object that runs pods.
    Workload(Workload),
    /// A `LimitRange` (only its `type: Container` items).
    LimitRange(LimitRange),
    /// The image a Dockerfile builds.
    Dockerfile(DockerImageSpec),
    /// A problem with the input; reading went on after it.
    Error(InputError),
}

/// Limits and parallelism for reading.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Bytes read from one input at most; past it the input is cut at its last complete document
    /// and an error says so. Default: no limit (`u64::MAX`), since inputs are streamed and memory
    /// does not grow with input size; set it to protect against endless inputs.
    pub max_file_bytes: u64,
    /// Size of one document at most (bytes). A larger document is skipped with an error, and is
    /// not held in memory beyond this size. A `kubectl get -o json` List is one document, hence
    /// the generous default: 256 MiB.
    pub max_document_bytes: usize,
    /// Nodes that aliases may expand to in one document (what a full expansion would copy). Past
    /// it the document is refused as an alias bomb, as go-yaml refuses "excessive aliasing".
    /// Aliases are never expanded by the reader itself. Default: 100,000.
    pub max_alias_expansions: usize,
    /// Worker threads for [`read_inputs`]; 1 reads on the calling thread. Default: the available
    /// parallelism.
    pub threads: usize,
    /// What to read. Default: everything.
    pub only: Only,
}

/// What [`read_inputs`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Only {
    /// Everything: workloads, LimitRanges, Dockerfiles, and every input error.
    #[default]
    Everything,
    /// LimitRanges and Dockerfiles only, the objects that must be known before any workload is
    /// audited (admission applies every LimitRange of a namespace, wherever it is written). Pieces
    /// of text and documents that cannot spell `LimitRange` (the word is absent and no escape
    /// sequence could produce it) are skipped unparsed, so a pass costs little more than reading
    /// the bytes; no workload is delivered, and the errors delivered are incomplete (a later full
    /// pass reports them).
    LimitRangesAndDockerfiles,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_bytes: u64::MAX,
            max_document_bytes: 256 << 20,
            max_alias_expansions: 100_000,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            only: Only::Everything,
        }
    }
}

/// Counters of a [`read_inputs`] run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Inputs opened (files and stdin).
    pub files: usize,
    /// Non-empty YAML documents (a List counts once; empty and comment-only ones not at all).
    pub documents: usize,
    /// Workloads found (List items included).
    pub workloads: usize,
    /// Documents and List items that are neither a workload nor a LimitRange.
    pub skipped_documents: usize,
    /// Bytes read.
    pub bytes: u64,
}

/// Parses one in-memory input (tests, fuzzing) with default limits, on the calling thread.
/// `file` names it in results; `"-"` (stdin) attaches each document's text to its workloads.
pub fn read_str(file: &str, text: &str) -> Vec<Item> {
    stream::read_str(
        file,
        text,
        &ReadOptions {
            threads: 1,
            ..ReadOptions::default()
        },
    )
}

/// [`read_str`] with explicit limits (`threads` is ignored).
pub fn read_str_with(file: &str, text: &str, opts: &ReadOptions) -> Vec<Item> {
    stream::read_str(file, text, opts)
}

/// Reads `paths` — files (whatever their extension; a file named like a Dockerfile, see
/// [`is_dockerfile`], is read as one), directories (walked recursively for `.yaml`, `.yml` and
/// `.json` files and Dockerfiles in sorted order; `.git` is not entered), and `-` for stdin —
/// streaming and in parallel, handing items to `sink` in input order (paths in the order given,
/// files of a directory in sorted order, then document order). The order does not depend on
/// `threads`. Workloads read from stdin carry their document's text in `source`.
pub fn read_inputs(paths: &[PathBuf], opts: &ReadOptions, sink: &mut dyn FnMut(Item)) -> ReadStats {
    stream::read_inputs(paths, opts, &mut |item| {
        sink(item);
        ControlFlow::Continue(())
    })
}

/// [`read_inputs`] that stops early when `sink` returns [`ControlFlow::Break`]: no further item
/// is delivered, reading stops and the worker threads are joined before it returns (the
/// counters then cover what was read).
pub fn read_inputs_until(
    paths: &[PathBuf],
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> ReadStats {
    stream::read_inputs(paths, opts, sink)
}

/// `src` as the reader decodes it: without a UTF-8 byte order mark, and UTF-16 (with a byte
/// order mark) as UTF-8. Reading the result gives the same items at the same positions as
/// reading `src`; a copy of stdin made through it (to read it twice) is a UTF-8 file, whose lines
/// the text report can quote.
pub fn decoded<R: std::io::Read>(src: R) -> impl std::io::Read {
    split::Decoded::new(src)
}

/// Reads one in-memory Dockerfile (tests, fuzzing): the image, if the text has a `FROM`, then
/// the problems found. `names` are what the image may be known by (see [`dockerfile_names`]).
pub fn read_dockerfile_str(file: &str, text: &str, names: &[String]) -> Vec<Item> {
    let (spec, errors) = parse_dockerfile(&file.into(), text, names);
    spec.map(Item::Dockerfile)
        .into_iter()
        .chain(errors.into_iter().map(Item::Error))
        .collect()
}

/// Suffixes of files named like `Dockerfile.*` that are not Dockerfiles (templates, backups,
/// BuildKit's per-Dockerfile ignore file); skipped when walking a directory.
const NOT_DOCKERFILES: &[&str] = &[
    ".dockerignore",
    ".j2",
    ".jinja",
    ".jinja2",
    ".tmpl",
    ".tpl",
    ".template",
    ".orig",
    ".bak",
    ".md",
    ".swp",
    "~",
];

/// True when `path`'s file name makes it a Dockerfile: `Dockerfile` or `Containerfile` (any
/// case), `NAME.Dockerfile`, `NAME.Containerfile`, `Dockerfile.NAME`, `Containerfile.NAME`.
/// With `explicit` false (walking a directory), `Dockerfile.*` names of templates, backups and
/// ignore files (`.j2`, `.tmpl`, `.bak`, `.dockerignore`, …) are not.
pub fn is_dockerfile(path: &Path, explicit: bool) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    if NOT_DOCKERFILES.iter().any(|s| name.ends_with(s)) && !explicit {
        return false;
    }
    ["dockerfile", "containerfile"].iter().any(|d| {
        name == *d
            || name
                .strip_prefix(d)
                .is_some_and(|r| r.len() > 1 && r.starts_with('.'))
            || name
                .strip_suffix(d)
                .is_some_and(|r| r.len() > 1 && r.ends_with('.'))
    })
}

/// The names a Dockerfile's image may be known by, from its path: its directory's name
/// (`services/admin-server/Dockerfile` → `admin-server`; a relative `Dockerfile` → the current
/// directory's name), and for `NAME.Dockerfile` also `NAME` (first). Lower case.
pub fn dockerfile_names(path: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let file = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    for suffix in [".dockerfile", ".containerfile"] {
        if let Some(stem) = file.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            names.push(stem.to_string());
        }
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = match parent.file_name() {
        Some(d)
            if parent
                .components()
                .next_back()
                .is_some_and(|c| matches!(c, std::path::Component::Normal(_))) =>
        {
            Some(d.to_owned())
        }
        _ => std::fs::canonicalize(parent)
            .ok()
            .and_then(|p| p.file_name().map(|d| d.to_owned())),
    };
    if let Some(d) = dir.and_then(|d| d.to_str().map(str::to_ascii_lowercase)) {
        if !names.contains(&d) {
            names.push(d);
        }
    }
    names
}
