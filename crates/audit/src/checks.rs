//! The checks behind the Kubernetes rules in [`crate::rules_k8s`]. Each check is a pure function
//! of one admitted workload; positions point at the offending value, or at the nearest enclosing
//! key when the value is missing.

use oomdoc_model::admission::{EffectiveContainer, Source, Sourced};
use oomdoc_model::bytes::exact;
use oomdoc_model::oom_score::{oom_score_adj, ContainerRef};
use oomdoc_model::pod::Container;
use oomdoc_model::qos::QosClass;
use oomdoc_model::span::Pos;

use crate::audit::Admitted;
use crate::finding::Finding;
use crate::registry::{rule_by_code_or_name, RuleCode};
use crate::rules_k8s::*;

/// Runs every check over one admitted workload.
pub fn run_all(w: &Admitted<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    best_effort(w, &mut out);
    for c in containers(w) {
        missing_values(w, &c, &mut out);
        limit_below_request(w, &c, &mut out);
        request_vs_limit(w, &c, &mut out);
        tiny_values(w, &c, &mut out);
        limit_out_of_range(w, &c, &mut out);
    }
    memory_volumes(w, &mut out);
    unknown_ignored_rules(w, &mut out);
    // Within a workload, report in the order a reader meets the lines.
    out.sort_by_key(|f| f.pos);
    out
}

/// A container as written and as admitted, side by side.
pub(crate) struct Pair<'a> {
    pub(crate) written: &'a Container,
    pub(crate) admitted: &'a EffectiveContainer,
    pub(crate) which: ContainerRef,
}

pub(crate) fn containers<'a>(w: &'a Admitted<'_>) -> Vec<Pair<'a>> {
    let spec = &w.workload.pod;
    let regular = spec
        .containers
        .iter()
        .zip(&w.pod.containers)
        .enumerate()
        .map(|(i, (written, admitted))| Pair {
            written,
            admitted,
            which: ContainerRef::Regular(i),
        });
    let init = spec
        .init_containers
        .iter()
        .zip(&w.pod.init_containers)
        .enumerate()
        .map(|(i, (written, admitted))| Pair {
            written,
            admitted,
            which: ContainerRef::Init(i),
        });
    regular.chain(init).collect()
}

pub(crate) fn finding(
    w: &Admitted<'_>,
    code: RuleCode,
    pos: Pos,
    container: Option<&str>,
    message: String,
    help: String,
) -> Finding {
    let severity = code.severity();
    Finding {
        code,
        severity,
        file: w.workload.file.clone(),
        pos,
        workload: w.workload.id(),
        container: container.map(str::to_string),
        message,
        help,
        source: w.workload.source.clone(),
        template: w.workload.template.clone(),
        fix: None,
    }
}

/// Where to point when a value is missing: the `limits:`/`requests:` mapping, else `resources:`,
/// else the container's name.
fn anchor_missing(c: &Container, limits: bool) -> Pos {
    let list = if limits {
        &c.resources.limits
    } else {
        &c.resources.requests
    };
    list.pos.or(c.resources.pos).unwrap_or(c.name.pos)
}

fn describe(s: &Sourced) -> String {
    let bytes = s
        .quantity
        .value()
        .map(exact)
        .unwrap_or_else(|| s.quantity.to_string());
    match s.source {
        Source::Manifest => bytes,
        Source::Limit => format!("{bytes} (defaulted from the limit)"),
        Source::LimitRange => format!(
            "{bytes} (from LimitRange {})",
            s.limit_range.as_deref().unwrap_or("?")
        ),
        Source::Defaulted => format!("{bytes} (defaulted)"),
    }
}

fn best_effort(w: &Admitted<'_>, out: &mut Vec<Finding>) {
    if w.qos != QosClass::BestEffort || w.pod.containers.is_empty() {
        return;
    }
    let pos = w
        .workload
        .pod
        .containers
        .first()
        .map(|c| c.pos)
        .unwrap_or(w.workload.pod.pos);
    out.push(finding(
        w,
        RuleCode::BestEffortPod,
        pos,
        None,
        format!(
            "pod of {} is BestEffort: no container sets a cpu or memory request or limit, so its processes get oom_score_adj 1000 and are killed and evicted first",
            w.workload.id()
        ),
        "set memory and cpu requests and limits on every container; equal requests and limits make the pod Guaranteed".into(),
    ));
}

fn pod_level_memory(w: &Admitted<'_>, limits: bool) -> bool {
    w.pod.pod_resources.as_ref().is_some_and(|r| {
        if limits {
            r.limits.memory.is_some()
        } else {
            r.requests.memory.is_some()
        }
    })
}

fn missing_values(w: &Admitted<'_>, c: &Pair<'_>, out: &mut Vec<Finding>) {
    // A BestEffort pod is reported once by OOM003 rather than once per container and value.
    if w.qos == QosClass::BestEffort {
        return;
    }
    let name = c.admitted.name.as_str();
    let r = &c.admitted.resources;
    if r.limits.memory.is_none() && !pod_level_memory(w, true) {
        out.push(finding(
            w,
            RuleCode::NoMemoryLimit,
            anchor_missing(c.written, true),
            Some(name),
            format!("container \"{name}\" has no memory limit: it can grow until the node runs out of memory"),
            "set resources.limits.memory to the peak working set plus a margin".into(),
        ));
    }
    if r.requests.memory.is_none() && !pod_level_memory(w, false) {
        out.push(finding(
            w,
            RuleCode::NoMemoryRequest,
            anchor_missing(c.written, false),
            Some(name),
            format!("container \"{name}\" has no memory request: the scheduler reserves no memory for it"),
            "set resources.requests.memory to the typical working set".into(),
        ));
    }
}

fn limit_below_request(w: &Admitted<'_>, c: &Pair<'_>, out: &mut Vec<Finding>) {
    let name = c.admitted.name.as_str();
    let r = &c.admitted.resources;
    for (resource, req, lim) in [
        ("memory", &r.requests.memory, &r.limits.memory),
        ("cpu", &r.requests.cpu, &r.limits.cpu),
    ] {
        let (Some(req), Some(lim)) = (req, lim) else {
            continue;
        };
        if req.quantity <= lim.quantity {
            continue;
        }
        let pos = lim.pos.or(req.pos).unwrap_or(c.written.name.pos);
        out.push(finding(
            w,
            RuleCode::LimitBelowRequest,
            pos,
            Some(name),
            format!(
                "container \"{name}\": {resource} limit {} is below the request {}: the API server rejects this pod",
                describe_any(lim, resource),
                describe_any(req, resource)
            ),
            format!("raise resources.limits.{resource} to at least the request, or lower the request"),
        ).with_fix((resource == "memory").then(|| {
            let request_at = (req.source == Source::Manifest).then_some(req.pos).flatten();
            crate::fix::request_to_limit(&w.workload.file, c.written, request_at, &lim.quantity.to_string())
        })));
    }
}

fn describe_any(s: &Sourced, resource: &str) -> String {
    if resource == "memory" {
        describe(s)
    } else {
        s.quantity.to_string()
    }
}

fn request_vs_limit(w: &Admitted<'_>, c: &Pair<'_>, out: &mut Vec<Finding>) {
    let name = c.admitted.name.as_str();
    let r = &c.admitted.resources;
    let (Some(req), Some(lim)) = (&r.requests.memory, &r.limits.memory) else {
        return;
    };
    let (Some(req_b), Some(lim_b)) = (req.quantity.value(), lim.quantity.value()) else {
        return;
    };
    // A request of a few bytes is a unit mistake (OOM009); ratios built on it would only add noise.
    if req_b >= lim_b || (req_b > 0 && req_b < TINY_MEMORY_BYTES) {
        return;
    }
    let pos = req.pos.or(lim.pos).unwrap_or(c.written.name.pos);
    let adj = oom_score_adj(&w.pod, w.qos, c.which, w.node_memory_bytes);
    out.push(finding(
        w,
        RuleCode::BurstableMemory,
        pos,
        Some(name),
        format!(
            "container \"{name}\" requests {} but may use up to {}: Burstable, evicted before Guaranteed pods, oom_score_adj {adj} on a {} node",
            describe(req),
            describe(lim),
            exact(w.node_memory_bytes)
        ),
        "set the memory request equal to the limit for a service that must not be killed".into(),
    ));
    let max_ratio = w.policy.limit_request_ratio();
    if req_b > 0 && lim_b as f64 / req_b as f64 > max_ratio {
        out.push(finding(
            w,
            RuleCode::LargeLimitRatio,
            lim.pos.or(req.pos).unwrap_or(c.written.name.pos),
            Some(name),
            format!(
                "container \"{name}\": memory limit {} is {:.1}x the request {}: the node can be overcommitted by {}",
                describe(lim),
                lim_b as f64 / req_b as f64,
                describe(req),
                exact(lim_b - req_b)
            ),
            format!("raise the request towards the limit (at least {})", exact((lim_b as f64 / max_ratio).ceil() as i64)),
        ));
    }
}

fn tiny_values(w: &Admitted<'_>, c: &Pair<'_>, out: &mut Vec<Finding>) {
    let name = c.admitted.name.as_str();
    let r = &c.written.resources;
    for (what, v) in [("request", &r.requests.memory), ("limit", &r.limits.memory)] {
        let Some(v) = v else { continue };
        let Some(bytes) = v.value.value() else {
            continue;
        };
        if bytes == 0 || bytes >= TINY_MEMORY_BYTES {
            continue;
        }
        let meant = guess_unit(&v.value.to_string());
        let fix = crate::fix::tiny_unit(&w.workload.file, v.pos, &v.value.to_string(), &meant);
        out.push(finding(
            w,
            RuleCode::TinyMemory,
            v.pos,
            Some(name),
            format!("container \"{name}\": memory {what} {} is {bytes} bytes; memory quantities are bytes", v.value),
            format!("did you mean {meant}?"),
        ).with_fix(fix));
    }
}

/// What a user who wrote a tiny memory value most likely meant.
fn guess_unit(written: &str) -> String {
    let digits: String = written
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n = if digits.is_empty() {
        "128"
    } else {
        digits.as_str()
    };
    format!("{n}Mi")
}

/// The memory limit a tmpfs volume's files count against: the smallest limit of the containers
/// that mount it, or the pod's containers' limits together when none does (the limit then bounds
/// nothing in particular); and who that is, in words.
fn tmpfs_bound(pairs: &[Pair<'_>], volume: &str) -> Option<(i64, String)> {
    let mounting: Vec<&Pair<'_>> = pairs
        .iter()
        .filter(|c| c.written.volume_mounts.iter().any(|m| m.name == volume))
        .collect();
    let limit_of = |c: &Pair<'_>| {
        c.admitted
            .resources
            .limits
            .memory
            .as_ref()
            .and_then(|q| q.quantity.value())
    };
    if mounting.is_empty() {
        let limits: Option<Vec<i64>> = pairs
            .iter()
            .filter(|c| c.which_is_regular())
            .map(limit_of)
            .collect();
        match limits {
            Some(l) if !l.is_empty() => Some((
                l.iter().sum::<i64>(),
                "the pod's containers together".to_string(),
            )),
            _ => None,
        }
    } else {
        mounting
            .iter()
            .filter_map(|c| limit_of(c).map(|l| (l, c.admitted.name.clone())))
            .min()
            .map(|(l, name)| (l, format!("container \"{name}\" (which mounts it)")))
    }
}

fn memory_volumes(w: &Admitted<'_>, out: &mut Vec<Finding>) {
    let pairs = containers(w);
    for vol in &w.workload.pod.volumes {
        let Some(ed) = &vol.empty_dir else { continue };
        if ed.medium.as_ref().is_none_or(|m| m.value != "Memory") {
            continue;
        }
        // The tmpfs is charged to the writer.
        let bound = tmpfs_bound(&pairs, &vol.name);
        let Some(size) = &ed.size_limit else {
            let fix = bound
                .as_ref()
                .and_then(|(b, who)| crate::fix::tmpfs_size(&w.workload.file, ed.pos, *b, who));
            out.push(finding(
                w,
                RuleCode::TmpfsNoSizeLimit,
                ed.pos,
                None,
                format!(
                    "emptyDir volume \"{}\" is a tmpfs (medium: Memory) without sizeLimit: its files count against the memory limit of the container that writes them",
                    vol.name
                ),
                "set emptyDir.sizeLimit and budget it inside the writing container's memory limit".into(),
            ).with_fix(fix));
            continue;
        };
        let (Some(size_b), Some((bound, who))) = (size.value.value(), bound) else {
            continue;
        };
        if size_b > bound {
            out.push(finding(
                w,
                RuleCode::TmpfsOverLimit,
                size.pos,
                None,
                format!(
                    "emptyDir volume \"{}\" (medium: Memory) may hold {} but {} may use only {}: the writer is OOM-killed before the volume fills",
                    vol.name,
                    exact(size_b),
                    who,
                    exact(bound)
                ),
                format!("lower sizeLimit well below {}, or raise the memory limit above {} plus the process's own memory", exact(bound), exact(size_b)),
            ));
        }
    }
}

impl Pair<'_> {
    fn which_is_regular(&self) -> bool {
        matches!(self.which, ContainerRef::Regular(_))
    }
}

/// OOM010: the effective memory limit outside the policy's `memory-limit` range (off without
/// one). Values a unit mistake made tiny are OOM009's.
fn limit_out_of_range(w: &Admitted<'_>, c: &Pair<'_>, out: &mut Vec<Finding>) {
    let Some(range) = w.policy.memory_limit else {
        return;
    };
    let Some(lim) = &c.admitted.resources.limits.memory else {
        return;
    };
    let Some(bytes) = lim.quantity.value().filter(|&b| b >= TINY_MEMORY_BYTES) else {
        return;
    };
    let (what, bound) = match (range.min, range.max) {
        (Some(min), _) if bytes < min => ("below the policy's minimum", min),
        (_, Some(max)) if bytes > max => ("above the policy's maximum", max),
        _ => return,
    };
    let name = c.admitted.name.as_str();
    out.push(finding(
        w,
        RuleCode::MemoryLimitOutOfRange,
        lim.pos.unwrap_or_else(|| anchor_missing(c.written, true)),
        Some(name),
        format!(
            "container \"{name}\": memory limit {} is {what} {} (memory-limit in the policy file)",
            describe(lim),
            exact(bound)
        ),
        format!(
            "set resources.limits.memory to at {} {}, or exempt the workload in the policy file",
            if bytes < bound { "least" } else { "most" },
            exact(bound)
        ),
    ));
}

/// OOM011: keys of `oomdoc.dev/ignore` that name no rule.
fn unknown_ignored_rules(w: &Admitted<'_>, out: &mut Vec<Finding>) {
    for key in &w.workload.ignore {
        if let Some(message) = unknown_rule_message(&key.value, "oomdoc.dev/ignore") {
            out.push(finding(
                w,
                RuleCode::UnknownIgnoredRule,
                key.pos,
                None,
                message,
                UNKNOWN_RULE_HELP.into(),
            ));
        }
    }
}

/// OOM011's help.
pub(crate) const UNKNOWN_RULE_HELP: &str =
    "write a rule's code or name as `oomdoc rules` lists it, or remove the key";

/// OOM011's message for a key of `what` that names no rule (`None`: it names one). `OOM3` and
/// `oom03` suggest `OOM003`.
pub(crate) fn unknown_rule_message(key: &str, what: &str) -> Option<String> {
    if rule_by_code_or_name(key).is_some() {
        return None;
    }
    let suggestion = key
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("OOM"))
        .and_then(|_| key[3..].parse::<u16>().ok())
        .and_then(|n| rule_by_code_or_name(&format!("OOM{n:03}")))
        .map(|r| format!(" (did you mean {}?)", r.code));
    Some(format!(
        "{what} names \"{key}\", which is no rule{}: it silences nothing",
        suggestion.as_deref().unwrap_or("")
    ))
}
