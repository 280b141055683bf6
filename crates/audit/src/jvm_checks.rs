//! The checks behind the JVM rules in [`crate::rules_jvm`]: pure functions of a container's JVM
//! view ([`crate::jvm_view`]) and the model's answer for it. Findings point at the option that
//! decides (an env value, a command-line item, a Dockerfile line), else at the memory limit or
//! the image, and give the figures and the exact fix.

use oomdoc_jvm::recommend::Recommendation;
use oomdoc_jvm::version::FlagStatus;
use oomdoc_jvm::{Runtime, Setting};
use oomdoc_model::admission::ContainerKind;
use oomdoc_model::bytes::{approx, exact};

use crate::audit::Assumptions;
use crate::finding::{Finding, JvmSummary};
use crate::jvm_view::{At, JvmView};
use crate::registry::{names_rule, RuleCode};
use crate::rules_jvm::*;

mod heap;
use heap::heap_checks;

struct Cx<'v, 'a> {
    view: &'v JvmView<'a>,
    s: &'v JvmSummary,
    out: Vec<Finding>,
}

impl Cx<'_, '_> {
    fn push(&mut self, code: RuleCode, at: &At, message: String, help: String) {
        self.out.extend(finding(self.view, code, at, message, help));
    }

    /// Attaches `fix` to the finding just pushed, when it is one of `code` (not ignored).
    fn fix_last(&mut self, code: RuleCode, fix: Option<crate::fix::Fix>) {
        if let Some(f) = self.out.last_mut().filter(|f| f.code == code) {
            f.fix = fix;
        }
    }

    /// The recommendation written as a fix (see [`crate::fix::heap_options`]).
    fn heap_fix(&self, rec: &Recommendation, limit: u64) -> Option<crate::fix::Fix> {
        let o = crate::fix::heap_options(self.s, rec, limit)?;
        let what = format!(
            "write {} (max heap {}, the whole process {} of the {} limit)",
            o.options.join(" "),
            approx(rec.max_heap),
            approx(rec.budget.footprint),
            exact(limit)
        );
        crate::fix::jvm_fix(self.view, self.s, what, &o)
    }

    fn setting_at<T>(&self, s: &Setting<T>) -> &At {
        self.view
            .option_at(&s.source, &s.option)
            .unwrap_or_else(|| self.view.java_or_limit())
    }

    /// `-Xmx4g in JAVA_TOOL_OPTIONS`, `-XX:MaxRAMPercentage=75.0 on the command line`, or the
    /// default rule with its percentage of the limit.
    fn heap_origin(&self, limit: Option<u64>) -> String {
        let f = &self.s.analysis.flags;
        let heap = self.s.analysis.ergonomics.max_heap.value;
        if let Some(s) = &f.max_heap_size {
            return format!("{} in {}", s.option, s.source);
        }
        if let Some(s) = &f.max_ram_percentage {
            return format!("{} in {}", s.option, s.source);
        }
        if let Some(s) = f.max_ram_fraction.as_ref().or(f.max_ram.as_ref()) {
            return format!("{} in {}", s.option, s.source);
        }
        match limit {
            Some(l) => format!(
                "{:.0}% of the {} limit, the JDK {} default",
                heap as f64 * 100.0 / l as f64,
                exact(l),
                self.s.jdk
            ),
            None => format!("the JDK {} default", self.s.jdk),
        }
    }

    fn non_heap_list(&self) -> String {
        let mut pools: Vec<_> = self
            .s
            .analysis
            .budget
            .pools
            .iter()
            .filter(|p| p.name != "heap")
            .collect();
        pools.sort_by_key(|p| std::cmp::Reverse(p.bytes));
        pools
            .iter()
            .map(|p| format!("{} {}", p.name.replace('_', " "), approx(p.bytes)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The fix from the recommendation: the flags, where they go, and what they give.
    fn rec_help(&self, rec: &Recommendation, limit: u64) -> String {
        let heap_flag = rec.flags.last().cloned().unwrap_or_default();
        let others: Vec<&str> = rec
            .flags
            .iter()
            .filter(|f| **f != heap_flag)
            .map(String::as_str)
            .collect();
        let raise = if rec.limit != limit {
            format!(
                "raise the memory limit and request to {}, and ",
                exact(rec.limit)
            )
        } else {
            String::new()
        };
        // An option that sets the heap now is replaced where it is written; else the flag is added.
        let f = &self.s.analysis.flags;
        let current = f
            .max_heap_size
            .as_ref()
            .map(|s| (&s.option, &s.source))
            .or(f
                .max_ram_percentage
                .as_ref()
                .map(|s| (&s.option, &s.source)));
        let action = match current {
            Some((option, source)) => format!("replace {option} ({source}) with {heap_flag}"),
            None => format!("add {heap_flag} to {}", self.view.where_to_add()),
        };
        let mut help = format!(
            "{raise}{action}: max heap {}, the whole process {} of the {} limit with {} kept free",
            approx(rec.max_heap),
            approx(rec.budget.footprint),
            exact(rec.limit),
            approx(rec.margin),
        );
        // Each extra option with its reason: a bound on direct buffers, an initial heap that
        // must come down with the maximum.
        for o in others {
            help.push_str(&if o.starts_with("-XX:MaxDirectMemorySize=") {
                format!("; add {o} too, so direct buffers are a bounded pool")
            } else if o.starts_with("-Xms") {
                format!("; set {o} too, or the larger initial heap raises the maximum again")
            } else {
                format!("; add {o} too")
            });
        }
        help
    }
}

impl JvmView<'_> {
    fn java_or_limit(&self) -> &At {
        self.java_item()
            .map_or_else(|| self.limit_or_fallback(), |l| &l.at)
    }
}

/// A finding about `view`, unless its workload or Dockerfile ignores `code`.
fn finding(
    view: &JvmView<'_>,
    code: RuleCode,
    at: &At,
    message: String,
    help: String,
) -> Option<Finding> {
    if names_rule(&view.ignore, code) {
        return None;
    }
    let severity = code.severity();
    Some(Finding {
        code,
        severity,
        file: at.file.clone(),
        pos: at.pos,
        workload: view.workload.clone(),
        container: view.container.clone(),
        message,
        help,
        source: at.source.clone(),
        template: None,
        fix: None,
    })
}

/// OOM113, for every container (JVM or not: what the value holds is not known): env values too
/// large to expand.
pub(crate) fn unevaluated(view: &JvmView<'_>) -> Vec<Finding> {
    view.unevaluated
        .iter()
        .filter_map(|(name, at)| {
            finding(
                view,
                RuleCode::EnvTooLarge,
                at,
                format!(
                    "{}: env {name} expands to more than {} ($(VAR) references repeated): oomdoc did not evaluate it, and treats it as unknown",
                    view.subject,
                    exact(oomdoc_jvm::detect::MAX_EXPANDED as u64)
                ),
                format!("write {name}'s value out instead of repeating references; the kubelet would build it in full"),
            )
        })
        .collect()
}

/// Runs every JVM check for one container (or image) whose JVM is `s`.
pub(crate) fn check(view: &JvmView<'_>, s: &JvmSummary, a: &Assumptions) -> Vec<Finding> {
    let mut cx = Cx {
        view,
        s,
        out: Vec::new(),
    };
    if s.runtime == Runtime::OpenJ9 {
        let image = view
            .image
            .as_ref()
            .map_or("its image", |i| i.value.as_str());
        cx.push(
            RuleCode::Openj9,
            view.image_at(),
            format!("{} runs OpenJ9 ({image}): oomdoc models HotSpot only, so no heap figures or JVM sizing checks are given for it", view.subject),
            "check the heap with `java -verbose:sizes -version` in the image and size the limit for it plus OpenJ9's non-heap memory, or use a HotSpot image (Temurin, Corretto, Zulu)".into(),
        );
        return cx.out;
    }
    if refuses_to_start(&mut cx) {
        return cx.out;
    }
    ignored_options(&mut cx);
    let over = s.heap_modelled && heap_checks(&mut cx, a);
    if s.heap_modelled && !over {
        ram_percentage(&mut cx);
    }
    // When a start script, Paketo's calculator or an options file decides the heap, it may set
    // the out-of-memory options too (Elasticsearch's jvm.options does): unknown, not reported.
    if s.heap_modelled && view.kind != Some(ContainerKind::Init) {
        oom_behaviour(&mut cx);
    }
    cx.out
}

/// OOM108; true when the JVM will not start (the other checks are then moot).
fn refuses_to_start(cx: &mut Cx<'_, '_>) -> bool {
    let fails = &cx.s.analysis.ergonomics.fails_to_start;
    if fails.is_empty() || cx.s.start_depends_on_jdk {
        return false;
    }
    let problems: Vec<_> =
        cx.s.analysis
            .flags
            .problems
            .iter()
            .filter(|p| p.status == FlagStatus::RefusesToStart)
            .collect();
    for p in &problems {
        let at = cx
            .view
            .option_at(&p.source, &p.option)
            .unwrap_or_else(|| cx.view.java_or_limit())
            .clone();
        cx.push(
            RuleCode::RefusesToStart,
            &at,
            format!(
                "{}: the JVM (JDK {}) will not start: {} ({}): {}",
                cx.view.subject, cx.s.jdk, p.option, p.source, p.message
            ),
            format!("remove or correct {} for JDK {}", p.option, cx.s.jdk),
        );
    }
    let rest: Vec<&str> = fails
        .iter()
        .filter(|f| !problems.iter().any(|p| f.starts_with(&p.option)))
        .map(String::as_str)
        .collect();
    if !rest.is_empty() {
        let at =
            cx.s.analysis
                .flags
                .max_heap_size
                .as_ref()
                .map(|s| cx.setting_at(s).clone())
                .unwrap_or_else(|| cx.view.java_or_limit().clone());
        cx.push(
            RuleCode::RefusesToStart,
            &at,
            format!(
                "{}: the JVM (JDK {}) will not start: {}",
                cx.view.subject,
                cx.s.jdk,
                rest.join("; ")
            ),
            "correct the options named in the message".into(),
        );
    }
    true
}

/// OOM112: options the JVM ignores, and script variables nothing passes to it.
fn ignored_options(cx: &mut Cx<'_, '_>) {
    let problems: Vec<_> =
        cx.s.analysis
            .flags
            .problems
            .iter()
            .filter(|p| p.status == FlagStatus::IgnoredWithWarning)
            .cloned()
            .collect();
    for p in problems {
        let at = cx
            .view
            .option_at(&p.source, &p.option)
            .unwrap_or_else(|| cx.view.java_or_limit())
            .clone();
        cx.push(
            RuleCode::OptionIgnored,
            &at,
            format!(
                "{}: the JVM (JDK {}) ignores {} ({}): {}",
                cx.view.subject, cx.s.jdk, p.option, p.source, p.message
            ),
            format!(
                "remove {}, or set what it meant in a way JDK {} reads",
                p.option, cx.s.jdk
            ),
        );
    }
    if !cx.view.java_started_directly() {
        return;
    }
    for (name, _) in oomdoc_jvm::detect::SCRIPT_VARIABLES {
        let Some((_, Some(value), at)) = cx.view.env.iter().rev().find(|(k, _, _)| k == name)
        else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let at = at.clone();
        cx.push(
            RuleCode::OptionIgnored,
            &at,
            format!("{}: {name} is set to `{value}`, but the command starts `java` directly: nothing passes {name} to the JVM, so these options have no effect", cx.view.subject),
            format!("move the options to JAVA_TOOL_OPTIONS (which the JVM reads), or start java through a shell that expands ${name}"),
        );
    }
}

/// OOM107: MaxRAMPercentage (or MaxRAMFraction) above 90 deciding the heap.
fn ram_percentage(cx: &mut Cx<'_, '_>) {
    let f = &cx.s.analysis.flags;
    if f.max_heap_size.is_some() {
        return;
    }
    let (pct, setting_at, option) = match (&f.max_ram_percentage, &f.max_ram_fraction) {
        (Some(s), _) => (
            s.value,
            cx.setting_at(s).clone(),
            format!("{} ({})", s.option, s.source),
        ),
        (None, Some(s)) if s.value > 0 => (
            100.0 / s.value as f64,
            cx.setting_at(s).clone(),
            format!("{} ({})", s.option, s.source),
        ),
        _ => return,
    };
    if pct <= MAX_SANE_RAM_PERCENTAGE {
        return;
    }
    let non_heap = cx.s.analysis.budget.non_heap();
    let rest = match cx.view.limit {
        Some(l) => format!(
            "{:.0}% ({} of the {} limit)",
            100.0 - pct,
            approx((l as f64 * (100.0 - pct) / 100.0) as u64),
            exact(l)
        ),
        None => format!("{:.0}% of the memory limit", 100.0 - pct),
    };
    cx.push(
        RuleCode::RamPercentageTooHigh,
        &setting_at,
        format!("{}: {option} gives the heap {pct:.0}% of the memory, leaving {rest} for metaspace, code cache, thread stacks, GC and native memory, which need {} by oomdoc's budget", cx.view.subject, approx(non_heap)),
        match &cx.s.recommendation {
            Some(r) if cx.view.limit.is_some() => cx.rec_help(r, cx.view.limit.unwrap_or(r.limit)),
            _ => "use 60 to 75 for limits of 1 to 8 GiB; `oomdoc jvm --limit <limit> --recommend` computes it".into(),
        },
    );
    if let (Some(r), Some(l)) = (&cx.s.recommendation, cx.view.limit) {
        let fix = cx.heap_fix(r, l);
        cx.fix_last(RuleCode::RamPercentageTooHigh, fix);
    }
}

/// OOM109, OOM110: what happens at an OutOfMemoryError.
fn oom_behaviour(cx: &mut Cx<'_, '_>) {
    let f = &cx.s.analysis.flags;
    let on = |s: &Option<Setting<bool>>| s.as_ref().is_some_and(|s| s.value);
    let at = cx
        .view
        .java_item()
        .map_or_else(|| cx.view.fallback.clone(), |l| l.at.clone());
    let place = cx.view.where_to_add();
    if !on(&f.exit_on_out_of_memory_error)
        && !on(&f.crash_on_out_of_memory_error)
        && f.on_out_of_memory_error.is_none()
    {
        cx.push(
            RuleCode::NoExitOnOom,
            &at,
            format!("{}: no -XX:+ExitOnOutOfMemoryError: after an OutOfMemoryError the JVM keeps running half-broken, and Kubernetes has nothing to restart", cx.view.subject),
            format!("add -XX:+ExitOnOutOfMemoryError to {place}"),
        );
        let o = crate::fix::Options {
            options: vec!["-XX:+ExitOnOutOfMemoryError".into()],
            replaces: None,
        };
        let fix = crate::fix::jvm_fix(cx.view, cx.s, "add -XX:+ExitOnOutOfMemoryError".into(), &o);
        cx.fix_last(RuleCode::NoExitOnOom, fix);
    }
    if !on(&f.heap_dump_on_out_of_memory_error) {
        cx.push(
            RuleCode::NoHeapDump,
            &at,
            format!("{}: no -XX:+HeapDumpOnOutOfMemoryError: when the heap runs out, nothing records what filled it", cx.view.subject),
            format!("add -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps to {place}, with a volume mounted at /dumps"),
        );
    }
}
