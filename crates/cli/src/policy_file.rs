//! The policy file of `oomdoc audit`: `--config FILE`, or `.oomdoc.yaml` found in the current
//! directory or a parent (the search stops at the filesystem root or at a directory holding
//! `.git`). Read with the one document reader (`oomdoc-document`), so that every error names the
//! file, line and column; all errors are reported, and none is a reason to guess. The audit gets
//! the result as an `oomdoc_audit::Policy` value; the schema editors complete it with is
//! `schemas/oomdoc-policy.schema.json`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use oomdoc_audit::policy::{Exemption, Glob, MemoryRange, RuleSetting};
use oomdoc_audit::registry::rule_by_code_or_name;
use oomdoc_audit::{Policy, RuleCode, Severity};
use oomdoc_document::yaml11::{self, Value};
use oomdoc_document::{Mode, NodeId, NodeKind, Tree};
use oomdoc_model::cgroup::CgroupVersion;
use oomdoc_model::Pos;

use crate::args::{parse_bytes, AuditArgs, FailOn};

/// The name searched for.
pub(crate) const FILE_NAME: &str = ".oomdoc.yaml";
/// A policy file is a few hundred bytes; anything above this is not one.
const MAX_BYTES: u64 = 1 << 20;
/// The keys of the file, of an `exempt:` entry and of `memory-limit:`.
const KEYS: &[&str] = &[
    "fail-on",
    "node-memory",
    "node-cpus",
    "cgroup",
    "rules",
    "exempt",
    "memory-limit",
    "max-limit-to-request-ratio",
];
const EXEMPT_KEYS: &[&str] = &["namespace", "kind", "name", "container", "rules"];
const RANGE_KEYS: &[&str] = &["min", "max"];

/// What a policy file says.
#[derive(Debug, Default)]
pub(crate) struct PolicyFile {
    /// `fail-on`.
    pub(crate) fail_on: Option<FailOn>,
    /// `node-memory`, in bytes.
    pub(crate) node_memory: Option<i64>,
    /// `node-cpus`.
    pub(crate) node_cpus: Option<u32>,
    /// `cgroup`.
    pub(crate) cgroup: Option<CgroupVersion>,
    /// The rest: what the audit applies.
    pub(crate) policy: Policy,
}

/// The audit's flags with a policy file's values for those not given on the command line, the
/// file's name as reports give it (none: no file), and its policy.
pub(crate) struct Resolved {
    pub(crate) args: AuditArgs,
    pub(crate) config: Option<String>,
    pub(crate) policy: Policy,
}

/// The policy file of the directory `start`: `.oomdoc.yaml` there or in the nearest parent,
/// not above a directory that holds `.git` (the repository's root).
pub(crate) fn find(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let file = dir.join(FILE_NAME);
        if file.is_file() {
            return Some(file);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Reads the policy (`--config`, else the one found from the current directory) and merges it
/// into `args`. `Ok(None)`: the file has errors, written to standard error (exit 2, no audit).
pub(crate) fn resolve(args: &AuditArgs) -> anyhow::Result<Option<Resolved>> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => find(&std::env::current_dir()?),
    };
    let mut resolved = Resolved {
        args: args.clone(),
        config: None,
        policy: Policy::default(),
    };
    let Some(path) = path else {
        return Ok(Some(resolved));
    };
    let Some(file) = load(&path)? else {
        return Ok(None);
    };
    let name = path.display().to_string();
    let (a, given) = (&mut resolved.args, args.given);
    if !given.fail_on {
        a.fail_on = file.fail_on.unwrap_or(a.fail_on);
    }
    if !given.node_memory {
        a.node_memory = file.node_memory.unwrap_or(a.node_memory);
    }
    if !given.node_cpus {
        a.node_cpus = file.node_cpus.unwrap_or(a.node_cpus);
    }
    if !given.cgroup {
        a.cgroup = file.cgroup.unwrap_or(a.cgroup);
    }
    resolved.config = Some(name);
    resolved.policy = file.policy;
    Ok(Some(resolved))
}

/// Reads the policy file `path`. `Ok(None)`: it has errors, written to standard error.
pub(crate) fn load(path: &Path) -> anyhow::Result<Option<PolicyFile>> {
    let name = path.display().to_string();
    let text = read(path).map_err(|e| anyhow!("policy file {name}: {e}"))?;
    match parse(&name, &text) {
        Ok(f) => Ok(Some(f)),
        Err(errors) => {
            let mut err = crate::stderr();
            for e in errors {
                use std::io::Write;
                writeln!(err, "oomdoc: error: {e}")?;
            }
            Ok(None)
        }
    }
}

/// The file's text: a regular file, at most [`MAX_BYTES`], UTF-8.
fn read(path: &Path) -> anyhow::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        bail!("larger than {} bytes: not a policy file", MAX_BYTES);
    }
    String::from_utf8(bytes).map_err(|_| anyhow!("not UTF-8 text"))
}

/// Reads the text of the policy file `name`; the errors are `name:line:column: message`, all of
/// them, in the order of the file.
pub(crate) fn parse(name: &str, text: &str) -> Result<PolicyFile, Vec<String>> {
    let parsed = oomdoc_document::parse(text, 1, Mode::Build, 100_000);
    let mut r = Reader {
        name,
        tree: &Tree::default(),
        errors: Vec::new(),
    };
    if let Some(e) = &parsed.error {
        r.error(e.pos, &e.message);
        return Err(r.errors.into_iter().map(|(_, e)| e).collect());
    }
    let mut file = PolicyFile::default();
    if let Some(extra) = parsed.trees.get(1) {
        r.error(
            extra.pos(extra.root()),
            "one YAML document expected, found more",
        );
    }
    if let Some(tree) = parsed.trees.first() {
        r.tree = tree;
        r.top(tree.root(), &mut file);
    }
    if r.errors.is_empty() {
        Ok(file)
    } else {
        // In the order of the file (a key's problems are found before its value's).
        r.errors.sort_by_key(|(pos, _)| *pos);
        Err(r.errors.into_iter().map(|(_, e)| e).collect())
    }
}

/// Walks one tree, collecting errors.
struct Reader<'a> {
    name: &'a str,
    tree: &'a Tree,
    errors: Vec<(Pos, String)>,
}

impl Reader<'_> {
    fn error(&mut self, pos: Pos, message: &str) {
        let e = format!("{}:{}:{}: {message}", self.name, pos.line, pos.column);
        self.errors.push((pos, e));
    }

    /// The entries of the mapping `map` whose keys are among `known`, each key once; errors for
    /// the others. `what` names the mapping in messages.
    fn entries(&mut self, map: NodeId, what: &str, known: &[&str]) -> Vec<(String, NodeId)> {
        if self.tree.is_null(map) {
            return Vec::new();
        }
        if self.tree.kind(map) != NodeKind::Map {
            let found = self.tree.noun(map);
            self.error(
                self.tree.pos(map),
                &format!("{what} must be a mapping, found {found}"),
            );
            return Vec::new();
        }
        let mut out: Vec<(String, NodeId)> = Vec::new();
        for (k, v) in self.tree.entries(map) {
            let Some(key) = self.tree.scalar(k).map(|s| s.text.to_string()) else {
                self.error(self.tree.pos(k), &format!("a key of {what} must be a name"));
                continue;
            };
            if !known.is_empty() && !known.contains(&key.as_str()) {
                let known = known.join(", ");
                self.error(
                    self.tree.pos(k),
                    &format!("unknown key {key:?} in {what} (known: {known})"),
                );
            } else if out.iter().any(|(seen, _)| *seen == key) {
                self.error(self.tree.pos(k), &format!("repeated key {key:?} in {what}"));
            } else {
                out.push((key, v));
            }
        }
        out
    }

    /// The text of a scalar value of `key`; an error for a missing value or a collection.
    fn text(&mut self, v: NodeId, key: &str) -> Option<String> {
        match self.tree.scalar(v) {
            Some(_) if self.tree.is_null(v) => {
                self.error(self.tree.pos(v), &format!("{key}: a value is needed"));
                None
            }
            Some(s) => Some(s.text.to_string()),
            None => {
                let found = self.tree.noun(v);
                self.error(
                    self.tree.pos(v),
                    &format!("{key}: expected a single value, found {found}"),
                );
                None
            }
        }
    }

    /// The scalar `v` of `key` read by `read`, whose error message is reported at `v`.
    fn value<T>(
        &mut self,
        v: NodeId,
        key: &str,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.text(v, key)?;
        match read(&text) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(self.tree.pos(v), &format!("{key}: {e}"));
                None
            }
        }
    }

    fn top(&mut self, root: NodeId, file: &mut PolicyFile) {
        for (key, v) in self.entries(root, "the policy file", KEYS) {
            let k = key.as_str();
            match k {
                "fail-on" => file.fail_on = self.value(v, k, fail_on),
                "node-memory" => file.node_memory = self.value(v, k, parse_bytes),
                "node-cpus" => file.node_cpus = self.integer(v, k),
                "cgroup" => file.cgroup = self.value(v, k, cgroup),
                "rules" => file.policy.rules = self.rules(v),
                "exempt" => file.policy.exempt = self.exempt(v),
                "memory-limit" => file.policy.memory_limit = self.range(v),
                _ => file.policy.max_limit_to_request_ratio = self.ratio(v, k),
            }
        }
    }

    /// A positive integer written as one (not quoted).
    fn integer(&mut self, v: NodeId, key: &str) -> Option<u32> {
        let is_int = self
            .tree
            .scalar(v)
            .is_some_and(|s| matches!(yaml11::resolve(s.text, s.style, s.tag), Value::Int(_)));
        self.value(v, key, |t| match t.parse::<u32>() {
            Ok(n) if n >= 1 && is_int => Ok(n),
            Ok(_) if !is_int => Err(format!(
                "{t:?} is a string: write the number without quotes"
            )),
            _ => Err(format!("{t:?} is not a whole number of at least 1")),
        })
    }

    /// `max-limit-to-request-ratio`: a number of at least 1.
    fn ratio(&mut self, v: NodeId, key: &str) -> Option<f64> {
        let is_number = self.tree.scalar(v).is_some_and(|s| {
            matches!(
                yaml11::resolve(s.text, s.style, s.tag),
                Value::Int(_) | Value::Float(_)
            )
        });
        self.value(v, key, |t| match t.parse::<f64>() {
            Ok(r) if is_number && r.is_finite() && r >= 1.0 => Ok(r),
            _ => Err(format!(
                "{t:?} is not a number of at least 1 (a limit at most this many times the request)"
            )),
        })
    }

    /// `rules: {CODE-or-name: off|error|warning|info}`.
    fn rules(&mut self, map: NodeId) -> Vec<(RuleCode, RuleSetting)> {
        let mut out = Vec::new();
        for (key, v) in self.entries(map, "rules", &[]) {
            let Some(rule) = rule_by_code_or_name(&key) else {
                let k = self.key_node(map, &key);
                self.error(
                    k,
                    &format!("unknown rule {key:?} (`oomdoc rules` lists them)"),
                );
                continue;
            };
            if let Some(s) = self.value(v, &key, setting) {
                out.push((rule.code, s));
            }
        }
        out
    }

    /// Where the key `key` of `map` is written (its first occurrence).
    fn key_node(&self, map: NodeId, key: &str) -> Pos {
        self.tree
            .entries(map)
            .find(|&(k, _)| self.tree.scalar(k).is_some_and(|s| s.text == key))
            .map_or(self.tree.pos(map), |(k, _)| self.tree.pos(k))
    }

    /// `exempt: [{namespace, kind, name, container, rules}]`.
    fn exempt(&mut self, list: NodeId) -> Vec<Exemption> {
        if self.tree.is_null(list) {
            return Vec::new();
        }
        if self.tree.kind(list) != NodeKind::Seq {
            let found = self.tree.noun(list);
            self.error(
                self.tree.pos(list),
                &format!("exempt must be a list of entries, found {found}"),
            );
            return Vec::new();
        }
        let tree = self.tree;
        tree.items(list)
            .iter()
            .filter_map(|&item| self.exemption(item))
            .collect()
    }

    fn exemption(&mut self, item: NodeId) -> Option<Exemption> {
        let empty = self.tree.is_null(item)
            || (self.tree.kind(item) == NodeKind::Map && self.tree.entries(item).next().is_none());
        if empty {
            self.error(
                self.tree.pos(item),
                "an empty exempt entry would exempt every finding: name a namespace, kind, name, container or rules",
            );
            return None;
        }
        let entries = self.entries(item, "an exempt entry", EXEMPT_KEYS);
        let mut e = Exemption::default();
        for (key, v) in entries {
            let k = key.as_str();
            match k {
                "namespace" => e.namespace = self.value(v, k, Glob::new),
                "kind" => e.kind = self.value(v, k, Glob::new),
                "name" => e.name = self.value(v, k, Glob::new),
                "container" => e.container = self.value(v, k, Glob::new),
                _ => e.rules = self.rule_list(v),
            }
        }
        Some(e)
    }

    /// `rules: [OOM005, best-effort-pod]` in an exempt entry.
    fn rule_list(&mut self, list: NodeId) -> Option<Vec<RuleCode>> {
        if self.tree.kind(list) != NodeKind::Seq {
            let found = self.tree.noun(list);
            self.error(
                self.tree.pos(list),
                &format!("rules must be a list of rule codes or names, found {found}"),
            );
            return None;
        }
        let tree = self.tree;
        let codes = tree.items(list).iter().filter_map(|&i| {
            self.value(i, "rules", |t| {
                rule_by_code_or_name(t)
                    .map(|r| r.code)
                    .ok_or_else(|| format!("unknown rule {t:?} (`oomdoc rules` lists them)"))
            })
        });
        Some(codes.collect())
    }

    /// `memory-limit: {min: QTY, max: QTY}`.
    fn range(&mut self, map: NodeId) -> Option<MemoryRange> {
        let mut range = MemoryRange::default();
        for (key, v) in self.entries(map, "memory-limit", RANGE_KEYS) {
            let q = self.value(v, &format!("memory-limit.{key}"), parse_bytes);
            if key == "min" {
                range.min = q;
            } else {
                range.max = q;
            }
        }
        if let (Some(min), Some(max)) = (range.min, range.max) {
            if min > max {
                self.error(
                    self.tree.pos(map),
                    "memory-limit: min is above max: no limit could be allowed",
                );
            }
        }
        (range != MemoryRange::default()).then_some(range)
    }
}

fn fail_on(t: &str) -> Result<FailOn, String> {
    match t {
        "error" => Ok(FailOn::Error),
        "warning" => Ok(FailOn::Warning),
        "info" => Ok(FailOn::Info),
        "never" => Ok(FailOn::Never),
        _ => Err(format!("{t:?} is not one of error, warning, info, never")),
    }
}

fn cgroup(t: &str) -> Result<CgroupVersion, String> {
    CgroupVersion::from_token(t).ok_or_else(|| format!("{t:?} is not v1 or v2"))
}

fn setting(t: &str) -> Result<RuleSetting, String> {
    match t {
        "off" => Ok(RuleSetting::Off),
        "error" => Ok(RuleSetting::Severity(Severity::Error)),
        "warning" => Ok(RuleSetting::Severity(Severity::Warning)),
        "info" => Ok(RuleSetting::Severity(Severity::Info)),
        _ => Err(format!("{t:?} is not one of off, error, warning, info")),
    }
}
