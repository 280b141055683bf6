//! The kubelet's eviction order under memory pressure: `rankMemoryPressure` in
//! `pkg/kubelet/eviction/helpers.go`, `orderedBy(exceedMemoryRequests(stats), priority,
//! memory(stats))`. The first comparator that tells two pods apart decides:
//!
//! 1. `exceedMemoryRequests`: a pod whose working set is *greater* than its memory request
//!    (`GetResourceRequestQuantity`: `PodRequests` plus overhead) goes first.
//! 2. `priority`: lower `spec.priority` first (unset is 0).
//! 3. `memory`: larger working set minus request first.
//!
//! In 1 and 3 a pod without stats goes before a pod with stats (`cmpBool(!p1Found, !p2Found)`).
//! Go's `sort.Sort` is not stable, so the kubelet leaves pods that tie on all three in no
//! defined order; here they keep their input order.
//!
//! The kubelet evicts the first pod of the ranking it can: `evictPod` refuses critical pods
//! (static, mirror, or priority at least 2000000000), and it tries the next. At most one pod
//! is evicted per monitoring interval (`--housekeeping-interval`, 10 s).

use std::cmp::Ordering;

use oomdoc_model::bytes::approx;

/// What ranking needs to know about one pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// `spec.priority` (0 when unset).
    pub priority: i32,
    /// The pod's memory request, bytes.
    pub request: i64,
    /// The pod's working set, bytes; `None` when the kubelet has no stats for it.
    pub usage: Option<i64>,
}

/// `cmpBool`: `true` before `false`.
fn cmp_bool(a: bool, b: bool) -> Ordering {
    match (a, b) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// `exceedMemoryRequests`.
pub fn exceed_memory_requests(a: &Candidate, b: &Candidate) -> Ordering {
    match (a.usage, b.usage) {
        (Some(ua), Some(ub)) => cmp_bool(ua > a.request, ub > b.request),
        _ => cmp_bool(a.usage.is_none(), b.usage.is_none()),
    }
}

/// `priority`: lower first.
pub fn priority(a: &Candidate, b: &Candidate) -> Ordering {
    a.priority.cmp(&b.priority)
}

/// `memory`: larger usage above request first.
pub fn memory(a: &Candidate, b: &Candidate) -> Ordering {
    match (a.usage, b.usage) {
        (Some(ua), Some(ub)) => {
            let da = i128::from(ua) - i128::from(a.request);
            let db = i128::from(ub) - i128::from(b.request);
            db.cmp(&da)
        }
        _ => cmp_bool(a.usage.is_none(), b.usage.is_none()),
    }
}

/// `orderedBy(exceedMemoryRequests, priority, memory)` as one comparison.
pub fn compare(a: &Candidate, b: &Candidate) -> Ordering {
    exceed_memory_requests(a, b)
        .then_with(|| priority(a, b))
        .then_with(|| memory(a, b))
}

/// Sorts indices of `pods` with the given comparators in turn (`orderedBy(cmp...)`), ties in
/// input order.
pub fn ordered_by(
    pods: &[Candidate],
    cmps: &[fn(&Candidate, &Candidate) -> Ordering],
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pods.len()).collect();
    idx.sort_by(|&i, &j| {
        cmps.iter()
            .map(|c| c(&pods[i], &pods[j]))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    idx
}

/// `rankMemoryPressure`: indices of `pods`, the first to be evicted first.
pub fn rank_memory_pressure(pods: &[Candidate]) -> Vec<usize> {
    ordered_by(pods, &[exceed_memory_requests, priority, memory])
}

/// Why a pod ranks where it does, in words.
pub fn reason(c: &Candidate) -> String {
    let Some(u) = c.usage else {
        return "no usage stats (ranked first)".to_string();
    };
    let diff = i128::from(u) - i128::from(c.request);
    let rel = if u > c.request {
        format!("usage exceeds its request by {}", approx(diff as i64))
    } else {
        format!(
            "usage within its request ({} below)",
            approx((-diff) as i64)
        )
    };
    rel
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(priority: i32, request: i64, usage: Option<i64>) -> Candidate {
        Candidate {
            priority,
            request,
            usage,
        }
    }

    #[test]
    fn pods_without_stats_lead() {
        let pods = [c(0, 0, Some(10)), c(5, 100, None)];
        assert_eq!(rank_memory_pressure(&pods), vec![1, 0]);
    }

    #[test]
    fn equal_usage_and_request_does_not_exceed() {
        let pods = [c(0, 100, Some(100)), c(0, 100, Some(101))];
        assert_eq!(rank_memory_pressure(&pods), vec![1, 0]);
    }
}
