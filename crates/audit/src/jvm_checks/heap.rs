//! OOM101 to OOM106: the checks of a modelled HotSpot heap against the memory limit, in the
//! order a reader needs them (awareness first: it explains the heap figure of the others).

use oomdoc_jvm::ergonomics::DEFAULT_MAX_HEAP_SIZE;
use oomdoc_jvm::CgroupVersion;
use oomdoc_model::bytes::{approx, exact};

use super::Cx;
use crate::audit::Assumptions;
use crate::registry::RuleCode;

/// OOM101 to OOM106 for a modelled HotSpot heap; true when the heap or the budget is over the
/// limit.
pub(super) fn heap_checks(cx: &mut Cx<'_, '_>, a: &Assumptions) -> bool {
    container_awareness(cx, a);
    let Some(limit) = cx.view.limit else {
        xmx_without_limit(cx);
        return false;
    };
    if heap_or_budget_over_limit(cx, limit) {
        return true;
    }
    default_heap(cx, limit);
    false
}

/// The node's memory in bytes (the assumption when no node is read).
fn node_bytes(a: &Assumptions) -> u64 {
    u64::try_from(a.node_memory_bytes).unwrap_or(0)
}

/// RuleCode::NotContainerAware (no container support, or it is switched off) or RuleCode::CgroupV2Unaware
/// (container support without cgroup v2 on a v2 node): the JVM sizes itself from the node.
fn container_awareness(cx: &mut Cx<'_, '_>, a: &Assumptions) {
    let e = &cx.s.analysis.ergonomics;
    let f = &cx.s.analysis.flags;
    let heap = e.max_heap.value;
    let node = node_bytes(a);
    let in_k8s = cx.view.kind.is_some();
    let limit = cx.view.limit;
    let aware_off = f.use_container_support.as_ref().filter(|s| !s.value);
    let old_jdk = !cx.s.jdk.container_support();
    if (old_jdk || aware_off.is_some()) && !e.container_aware.value && (limit.is_some() || !in_k8s)
    {
        let at = aware_off.map_or_else(|| cx.view.image_at().clone(), |s| cx.setting_at(s).clone());
        let why = match aware_off {
            Some(s) if !old_jdk => {
                format!("{} ({}) switches container support off", s.option, s.source)
            }
            _ => format!(
                "JDK {} predates container support (8u191, JDK 10)",
                cx.s.jdk
            ),
        };
        let cpus = cx.s.analysis.ergonomics.active_processors.value;
        let effect = match (&f.max_heap_size, limit) {
            (Some(x), _) => format!(
                "the heap is fixed by {} ({}), but the JVM still sees the node's {} and {cpus} CPUs (GC threads, direct memory, other pools follow them)",
                x.option,
                x.source,
                exact(node)
            ),
            (None, Some(l)) => format!(
                "max heap {} ({}) of the {} node, ignoring the {} memory limit",
                approx(heap),
                cx.heap_origin(None),
                exact(node),
                exact(l)
            ),
            (None, None) => format!(
                "in a container with a memory limit it still takes its heap from the node's memory (max heap {} on a {} node)",
                approx(heap),
                exact(node)
            ),
        };
        let fix = if aware_off.is_some() && !old_jdk {
            "remove -XX:-UseContainerSupport".to_string()
        } else {
            "use a JDK with container support (8u372+, 11.0.16+, 17, 21); until then set -Xmx explicitly below the limit".to_string()
        };
        cx.push(
            RuleCode::NotContainerAware,
            &at,
            format!(
                "{}: {why}, so it sizes itself from the node: {effect}",
                cx.view.subject
            ),
            fix,
        );
    } else if a.cgroup == CgroupVersion::V2
        && cx.s.jdk.container_support()
        && !cx.s.jdk.supports_cgroup_v2()
        && aware_off.is_none()
        && (limit.is_some() || !in_k8s)
    {
        cgroup_v2_unaware(cx, heap, node);
    }
}

/// RuleCode::CgroupV2Unaware: a JDK with container support for cgroup v1 only, on a v2 node.
fn cgroup_v2_unaware(cx: &mut Cx<'_, '_>, heap: u64, node: u64) {
    let effect = match cx.view.limit {
        Some(l) => format!(
            "max heap {} from the {} node instead of a share of the {} limit",
            approx(heap),
            exact(node),
            exact(l)
        ),
        None => format!(
            "its heap comes from the node's memory ({} on a {} node) whatever the limit",
            approx(heap),
            exact(node)
        ),
    };
    let at = cx.view.image_at().clone();
    cx.push(
        RuleCode::CgroupV2Unaware,
        &at,
        format!("{}: JDK {} does not read cgroup v2 (support came in 15, 11.0.16 and 8u372): on a cgroup v2 node (assumed; --cgroup v1 if yours are not) it sees no memory limit: {effect}", cx.view.subject, cx.s.jdk),
        "update the JDK to 8u372+, 11.0.16+ or 17+; until then set -Xmx explicitly below the limit".into(),
    );
}

/// RuleCode::XmxWithoutLimit: a heap cap in Kubernetes with no memory limit to hold the rest.
fn xmx_without_limit(cx: &mut Cx<'_, '_>) {
    let f = &cx.s.analysis.flags;
    let heap = cx.s.analysis.ergonomics.max_heap.value;
    let rec = &cx.s.recommendation;
    if let (Some(x), true) = (&f.max_heap_size, cx.view.kind.is_some()) {
        let at = cx.setting_at(x).clone();
        let non_heap = cx.s.analysis.budget.non_heap();
        let fix = match rec {
            Some(r) => format!("set resources.limits.memory and requests.memory to {} (the heap, {} of non-heap memory and a {} margin)", exact(r.limit), approx(non_heap), approx(r.margin)),
            None => "set resources.limits.memory to the heap plus the non-heap memory plus a margin".into(),
        };
        cx.push(
            RuleCode::XmxWithoutLimit,
            &at,
            format!("{}: {} ({}) caps the heap at {}, but the container has no memory limit: the rest of the JVM ({} by oomdoc's budget) and any native leak are bounded only by the node", cx.view.subject, x.option, x.source, approx(heap), approx(non_heap)),
            fix,
        );
    }
}

/// RuleCode::HeapOverLimit, else RuleCode::BudgetOverLimit (heap plus oomdoc's non-heap budget); true when
/// either is reported.
fn heap_or_budget_over_limit(cx: &mut Cx<'_, '_>, limit: u64) -> bool {
    let f = &cx.s.analysis.flags;
    let heap = cx.s.analysis.ergonomics.max_heap.value;
    let rec = cx.s.recommendation.clone();
    let heap_at = f
        .max_heap_size
        .as_ref()
        .map(|s| cx.setting_at(s).clone())
        .or_else(|| {
            f.max_ram_percentage
                .as_ref()
                .map(|s| cx.setting_at(s).clone())
        })
        .unwrap_or_else(|| cx.view.limit_or_fallback().clone());
    let help = |cx: &Cx<'_, '_>| {
        rec.as_ref().map_or_else(
            || "lower the heap or raise the limit".to_string(),
            |r| cx.rec_help(r, limit),
        )
    };
    if heap >= limit {
        let msg = format!(
            "{}: JVM max heap {} ({}) is not below the {} memory limit: the heap alone can fill the container, and the kernel OOM-kills the JVM (exit 137) before any OutOfMemoryError",
            cx.view.subject,
            approx(heap),
            cx.heap_origin(Some(limit)),
            exact(limit)
        );
        let h = help(cx);
        cx.push(RuleCode::HeapOverLimit, &heap_at, msg, h);
        let fix = rec.as_ref().and_then(|r| cx.heap_fix(r, limit));
        cx.fix_last(RuleCode::HeapOverLimit, fix);
        return true;
    }
    let budget = &cx.s.analysis.budget;
    if budget.headroom.is_some_and(|h| h < 0) {
        let msg = format!(
            "{}: JVM max heap {} ({}) plus {} of non-heap memory by oomdoc's budget ({}) is {}, {} over the {} memory limit: under load the kernel OOM-kills the JVM (exit 137) and no OutOfMemoryError is logged",
            cx.view.subject,
            approx(heap),
            cx.heap_origin(Some(limit)),
            approx(budget.non_heap()),
            cx.non_heap_list(),
            approx(budget.footprint),
            approx(budget.footprint - limit),
            exact(limit)
        );
        let h = help(cx);
        cx.push(RuleCode::BudgetOverLimit, &heap_at, msg, h);
        let fix = rec.as_ref().and_then(|r| cx.heap_fix(r, limit));
        cx.fix_last(RuleCode::BudgetOverLimit, fix);
        return true;
    }
    false
}

/// RuleCode::DefaultHeap: no heap option, so HotSpot's default percentage leaves much of the limit
/// unused by the heap (the recommendation gives at least a quarter more).
fn default_heap(cx: &mut Cx<'_, '_>, limit: u64) {
    let e = &cx.s.analysis.ergonomics;
    let f = &cx.s.analysis.flags;
    let heap = e.max_heap.value;
    let rec = cx.s.recommendation.clone();
    let default_heap = f.max_heap_size.is_none()
        && f.max_ram_percentage.is_none()
        && f.min_ram_percentage.is_none()
        && f.max_ram_fraction.is_none()
        && f.min_ram_fraction.is_none()
        && f.max_ram.is_none();
    if let (true, true, Some(r)) = (default_heap, e.container_aware.value, &rec) {
        if r.limit == limit && r.max_heap as f64 >= heap as f64 * 1.25 {
            let small = (limit as f64 * 0.5) < DEFAULT_MAX_HEAP_SIZE as f64;
            let rule = if small {
                "MinRAMPercentage=50 for small limits"
            } else {
                "MaxRAMPercentage=25"
            };
            let at = cx
                .view
                .java_item()
                .map_or_else(|| cx.view.limit_or_fallback().clone(), |l| l.at.clone());
            cx.push(
                RuleCode::DefaultHeap,
                &at,
                format!(
                    "{}: JVM max heap {} ({:.0}% of the {} limit, the JDK {} default {rule}): {} of the limit is never used by the heap",
                    cx.view.subject,
                    approx(heap),
                    heap as f64 * 100.0 / limit as f64,
                    exact(limit),
                    cx.s.jdk,
                    approx(limit - heap)
                ),
                cx.rec_help(r, limit),
            );
            let fix = cx.heap_fix(r, limit);
            cx.fix_last(RuleCode::DefaultHeap, fix);
        }
    }
}
