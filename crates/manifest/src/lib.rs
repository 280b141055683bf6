//! Readers for Kubernetes manifests (YAML/JSON streams, Lists, directories) into the oomdoc
//! model, with positions.
//!
//! # What is read
//! - YAML and JSON, multi-document streams (`---`, `...`), `kind: List` and typed lists
//!   (`PodList`, `DeploymentList`, …) as `kubectl get -o yaml|json` prints them (items of a
//!   typed list get their kind from the list: `PodList` → `Pod`).
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

mod compat;
mod document;
mod extract;
mod json;
mod podspec;
mod prescan;
mod split;
mod stream;
mod tree;
mod values;
mod yaml11;

use std::path::PathBuf;

use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::InputError;

/// One thing read from the input, in input order.
// Workloads are the common case, so boxing them would only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// An object that runs pods.
    Workload(Workload),
    /// A `LimitRange` (only its `type: Container` items).
    LimitRange(LimitRange),
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
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_bytes: u64::MAX,
            max_document_bytes: 256 << 20,
            max_alias_expansions: 100_000,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
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

/// Reads `paths` — files (whatever their extension), directories (walked recursively for
/// `.yaml`, `.yml` and `.json` files in sorted order; `.git` is not entered), and `-` for stdin —
/// streaming and in parallel, handing items to `sink` in input order (paths in the order given,
/// files of a directory in sorted order, then document order). The order does not depend on
/// `threads`. Workloads read from stdin carry their document's text in `source`.
pub fn read_inputs(paths: &[PathBuf], opts: &ReadOptions, sink: &mut dyn FnMut(Item)) -> ReadStats {
    stream::read_inputs(paths, opts, sink)
}
