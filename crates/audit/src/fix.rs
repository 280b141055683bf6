//! Fixes the audit can write into its input (`oomdoc audit --fix`, `--diff`).
//!
//! A check that knows the right value attaches a [`Fix`] to its finding: what to change, as
//! positions of the model (a scalar to replace, keys to add to a mapping, a JVM option to add to
//! a string, an env entry to add to a container, an `ENV` line to add to a Dockerfile). It says
//! nothing about bytes: [`plan`] turns the fixes of one file into byte edits on that file's text
//! (only the bytes of changed values and inserted lines change: comments, order, quoting and
//! indentation stay), and [`apply`] applies them. Both are pure; the CLI reads and writes files.
//!
//! What is fixed, and to what:
//! - OOM004 (limit below request): the memory request is set to the limit (the API server
//!   rejects limit < request; lowering the request keeps the limit, which is what bounds the
//!   container).
//! - OOM009 (`256m` for memory): the unit the user meant, `256Mi` (as the finding's help says).
//! - OOM007 (tmpfs emptyDir without sizeLimit): `sizeLimit` at half the memory limit of the
//!   containers that mount it (the smallest), or of the pod's containers together when none
//!   does, in whole MiB: the other half is left to the process that writes it.
//! - OOM109 (no `-XX:+ExitOnOutOfMemoryError`) and the heap rules OOM101, OOM102, OOM103, OOM107
//!   when the recommendation keeps the memory limit: the JVM options are written where the JVM
//!   of that container reads them (see `fix/jvm.rs`).
//!
//! What needs a number only the user knows (a limit where there is none, a BestEffort pod, a
//! request below the limit by choice) has no fix; its help says what to decide.

use std::sync::Arc;

use oomdoc_model::pod::Container;
use oomdoc_model::span::Pos;

mod jvm;
mod plan;
mod plan_keys;
mod plan_options;
mod text;

pub(crate) use jvm::{heap_options, jvm_fix, Options};
pub use plan::{apply, plan, Edit, PlanError};

/// One fix: what it does and the changes that do it (each in one file).
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// What the fix does, in words (`set the memory request to the limit 1Gi`).
    pub what: String,
    /// The changes.
    pub changes: Vec<Change>,
}

/// A change to one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The file (a manifest or a Dockerfile).
    pub file: Arc<str>,
    /// What to do there.
    pub action: Action,
}

/// Where a mapping is, for keys to add to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anchor {
    /// The mapping is the value of the key written here (`resources:`, `requests:`).
    Key(Pos),
    /// The mapping starts here (its first key, or its `{`).
    Node(Pos),
}

/// A value to write under a new key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewValue {
    /// A scalar (a quantity).
    Scalar(String),
    /// A list with one env entry: `- name: NAME` / `value: VALUE`.
    Env {
        /// `name`.
        name: String,
        /// `value`.
        value: String,
    },
}

/// What to change in a file.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Replace the scalar written at `at` with `value`, keeping its quoting.
    SetScalar {
        /// Where the scalar starts.
        at: Pos,
        /// The new value.
        value: String,
    },
    /// Add `path[0]: {path[1]: {…: value}}` to a mapping (none of the keys is written there).
    AddKeys {
        /// The mapping.
        anchor: Anchor,
        /// The keys, outermost first.
        path: Vec<String>,
        /// The value of the innermost key.
        value: NewValue,
    },
    /// Add a JVM option to the string written at `at` (a YAML scalar or a Dockerfile value):
    /// in place of `replaces` or of an option of the same name when one is written there, else
    /// after the word `after`, else at the end.
    AddOption {
        /// Where the string starts.
        at: Pos,
        /// The option.
        option: String,
        /// The option it replaces, if any.
        replaces: Option<String>,
        /// The word it goes after (`java`, or the last option there), if any.
        after: Option<String>,
        /// The string is one word of an argv (`["java", …]`, `- java`): an option is added as a
        /// new item after it, not inside it.
        argv_item: bool,
        /// The file is a Dockerfile.
        dockerfile: bool,
    },
    /// Add an env entry to a container that has an `env` list starting at `first` (its first
    /// entry), else to the container's mapping at `container`.
    AddEnv {
        /// The container's mapping.
        container: Pos,
        /// The first env entry, when the container has one.
        first: Option<Pos>,
        /// The variable.
        name: String,
        /// Its value.
        value: String,
    },
    /// Add `ENV NAME="value"` on a new line after `after_line` of a Dockerfile.
    DockerEnv {
        /// The line after which to add it (the final `FROM`).
        after_line: u32,
        /// The variable.
        name: String,
        /// Its value.
        value: String,
    },
}

impl Fix {
    /// A fix of one change.
    pub fn one(what: String, file: Arc<str>, action: Action) -> Fix {
        Fix {
            what,
            changes: vec![Change { file, action }],
        }
    }
}

/// OOM004: the memory request set to the limit, replacing the written request or, when the
/// request comes from a LimitRange, adding one to the container.
pub(crate) fn request_to_limit(
    file: &Arc<str>,
    c: &Container,
    request_at: Option<Pos>,
    limit: &str,
) -> Fix {
    let what = format!("set the memory request to the limit {limit}");
    let action = match request_at {
        Some(at) => Action::SetScalar {
            at,
            value: limit.to_string(),
        },
        None => add_resource(c, "requests", limit),
    };
    Fix::one(what, file.clone(), action)
}

/// `resources.<list>.memory: value` added to a container whose list has no memory.
fn add_resource(c: &Container, list: &str, value: &str) -> Action {
    let r = &c.resources;
    let l = if list == "requests" {
        &r.requests
    } else {
        &r.limits
    };
    let value = NewValue::Scalar(value.to_string());
    let (anchor, path) = match (l.pos, r.pos) {
        (Some(p), _) => (Anchor::Key(p), vec!["memory"]),
        (None, Some(p)) => (Anchor::Key(p), vec![list, "memory"]),
        (None, None) => (Anchor::Node(c.pos), vec!["resources", list, "memory"]),
    };
    Action::AddKeys {
        anchor,
        path: path.into_iter().map(str::to_string).collect(),
        value,
    }
}

/// OOM009: the unit meant (`256m` → `256Mi`), when the value is a number with no unit or with
/// `m` (milli).
pub(crate) fn tiny_unit(file: &Arc<str>, at: Pos, written: &str, meant: &str) -> Option<Fix> {
    let number = written.strip_suffix('m').unwrap_or(written);
    let plain_number = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.');
    plain_number.then(|| {
        Fix::one(
            format!("write {meant} for {written} (memory is counted in bytes; m is milli)"),
            file.clone(),
            Action::SetScalar {
                at,
                value: meant.to_string(),
            },
        )
    })
}

/// OOM007: `sizeLimit` at half of `bound` (the writer's memory limit), in whole MiB.
pub(crate) fn tmpfs_size(file: &Arc<str>, empty_dir: Pos, bound: i64, who: &str) -> Option<Fix> {
    const MI: i64 = 1 << 20;
    let half = (bound / 2) / MI * MI;
    if half <= 0 {
        return None;
    }
    let size = oomdoc_model::bytes::exact(half);
    Some(Fix::one(
        format!(
            "set sizeLimit to {size}, half of the {} memory limit of {who}",
            oomdoc_model::bytes::exact(bound)
        ),
        file.clone(),
        Action::AddKeys {
            anchor: Anchor::Node(empty_dir),
            path: vec!["sizeLimit".into()],
            value: NewValue::Scalar(size),
        },
    ))
}

#[cfg(test)]
mod tests;
