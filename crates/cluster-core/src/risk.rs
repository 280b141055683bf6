//! The risk score `scan` ranks containers by. Points add up; each reason is printed:
//!
//! | what | points |
//! |---|---|
//! | OOM kill in the last 24 h (before the scan's "now") | 1000 |
//! | OOM kill earlier, or at an unknown time | 500 |
//! | pod evicted | 400 |
//! | OOM/eviction events naming the pod | 100 each, at most 300 |
//! | restarts | 10 each, at most 500 |
//! | worst audit finding: error / warning / info | 200 / 80 / 10 |
//! | headroom (limit − working set, else − JVM footprint) / limit: < 0 / < 10% / < 25% | 300 / 200 / 100 |
//!
//! Ties go to more restarts, then to `namespace/pod/container` in order. A kill that happened
//! outranks every other signal (a certain cause beats a likely one); restarts alone, which have
//! many causes, can reach half of a kill. Live scans take "now" from the clock; offline scans
//! from the latest time in the dump, so the ranking of a dump never changes.

use oomdoc_audit::Severity;

use crate::rows::ContainerRow;

/// Seconds in the window for a "recent" OOM kill.
pub const RECENT: i64 = 24 * 3600;

/// A container's risk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Risk {
    /// The sum of the points.
    pub score: u32,
    /// One reason per component that scored, biggest first.
    pub reasons: Vec<String>,
}

/// Points for a pod evicted.
const EVICTED: u32 = 400;
/// Points for a recent OOM kill, and for an older one (or one at an unknown time).
const KILL_RECENT: u32 = 1000;
const KILL_OLD: u32 = 500;

/// Points for `n` OOM/eviction events naming the pod.
fn event_points(n: u32) -> u32 {
    n.min(3) * 100
}

/// Points for the components no later item of the scan changes: restarts, findings, headroom.
fn fixed_parts(row: &ContainerRow, parts: &mut Vec<(u32, String)>, reasons: bool) {
    let text = |s: &dyn Fn() -> String| if reasons { s() } else { String::new() };
    if row.restarts > 0 {
        let p = (row.restarts.min(50) as u32) * 10;
        parts.push((p, text(&|| format!("{} restart(s)", row.restarts))));
    }
    if let Some(worst) = row.worst_severity {
        let points = match worst {
            Severity::Error => 200,
            Severity::Warning => 80,
            Severity::Info => 10,
        };
        let codes = || {
            let codes: Vec<&str> = row.findings.iter().map(|c| c.as_str()).collect();
            codes.join(",")
        };
        parts.push((
            points,
            text(&|| format!("findings {} (worst: {})", codes(), worst.as_str())),
        ));
    }
    if let Some(h) = row.headroom() {
        let what = if row.usage_bytes.is_some() {
            "working set"
        } else {
            "JVM footprint"
        };
        let pct = (h * 100.0).round();
        if h < 0.0 {
            parts.push((
                300,
                text(&|| format!("{what} over the limit ({pct}% headroom)")),
            ));
        } else if h < 0.10 {
            parts.push((200, text(&|| format!("{pct}% headroom ({what})"))));
        } else if h < 0.25 {
            parts.push((100, text(&|| format!("{pct}% headroom ({what})"))));
        }
    }
}

/// Scores one row at time `now` (seconds since the epoch).
pub fn risk(row: &ContainerRow, now: Option<i64>) -> Risk {
    let mut parts: Vec<(u32, String)> = Vec::new();
    if row.oom_kills > 0 {
        let age = match (now, row.last_oom_kill_epoch) {
            (Some(n), Some(t)) => Some(n.saturating_sub(t)),
            _ => None,
        };
        match age {
            Some(a) if a <= RECENT => {
                parts.push((KILL_RECENT, format!("OOM-killed {} ago", ago(a))))
            }
            Some(a) => parts.push((KILL_OLD, format!("OOM-killed {} ago", ago(a)))),
            None => parts.push((KILL_OLD, "OOM-killed".into())),
        }
    }
    if row.evicted {
        parts.push((EVICTED, "evicted".into()));
    }
    if row.oom_events > 0 {
        let p = event_points(row.oom_events);
        parts.push((p, format!("{} OOM/eviction event(s)", row.oom_events)));
    }
    fixed_parts(row, &mut parts, true);
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    Risk {
        score: parts.iter().map(|p| p.0).sum(),
        reasons: parts.into_iter().map(|p| p.1).collect(),
    }
}

/// The least and the most `row` can score once the scan is finished, when `events` OOM/eviction
/// events naming its pod were read so far (`evicted`: one of them an eviction): later events
/// only add to both (up to 3 counted, and an eviction), and the age of an OOM kill at a known
/// time is measured from a "now" known only at the end.
pub fn score_bounds(row: &ContainerRow, events: u32, evicted: bool) -> (u32, u32) {
    let mut parts = Vec::new();
    fixed_parts(row, &mut parts, false);
    let fixed: u32 = parts.iter().map(|p| p.0).sum();
    let (kill_lo, kill_hi) = match (row.oom_kills > 0, row.last_oom_kill_epoch) {
        (false, _) => (0, 0),
        (true, None) => (KILL_OLD, KILL_OLD),
        (true, Some(_)) => (KILL_OLD, KILL_RECENT),
    };
    let evicted_lo = if row.evicted || evicted { EVICTED } else { 0 };
    let lo = fixed + kill_lo + evicted_lo + event_points(events.max(row.oom_events));
    let hi = fixed + kill_hi + EVICTED + event_points(u32::MAX);
    (lo, hi)
}

/// Scores and sorts rows, riskiest first.
pub fn rank(rows: &mut [ContainerRow], now: Option<i64>) {
    for r in rows.iter_mut() {
        r.risk = risk(r, now);
    }
    rows.sort_by(|a, b| {
        b.risk
            .score
            .cmp(&a.risk.score)
            .then(b.restarts.cmp(&a.restarts))
            .then_with(|| a.namespace.cmp(&b.namespace))
            .then_with(|| a.pod.cmp(&b.pod))
            .then_with(|| a.container.cmp(&b.container))
    });
}

/// `3m`, `5h`, `2d`.
pub fn ago(secs: i64) -> String {
    let s = secs.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 2 * 86400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> ContainerRow {
        ContainerRow {
            namespace: "ns".into(),
            pod: name.into(),
            container: "c".into(),
            ..ContainerRow::default()
        }
    }

    #[test]
    fn a_recent_kill_outranks_many_restarts_and_an_old_kill() {
        let now = 1_000_000;
        let mut recent = row("recent");
        recent.oom_kills = 1;
        recent.restarts = 1;
        recent.last_oom_kill_epoch = Some(now - 600);
        let mut old = row("old");
        old.oom_kills = 1;
        old.restarts = 1;
        old.last_oom_kill_epoch = Some(now - 3 * 86400);
        let mut restarts = row("restarts");
        restarts.restarts = 80;
        let mut rows = vec![restarts, old, recent];
        rank(&mut rows, Some(now));
        let order: Vec<_> = rows.iter().map(|r| r.pod.as_str()).collect();
        assert_eq!(order, ["recent", "old", "restarts"]);
        assert_eq!(rows[0].risk.score, 1010);
        assert_eq!(rows[0].risk.reasons[0], "OOM-killed 10m ago");
        assert_eq!(rows[1].risk.score, 510);
        assert_eq!(rows[2].risk.score, 500);
    }

    #[test]
    fn headroom_uses_usage_before_the_jvm_model() {
        let mut r = row("a");
        r.memory_limit_bytes = Some(1000);
        r.jvm_footprint_bytes = Some(950);
        assert_eq!(risk(&r, None).score, 200);
        r.usage_bytes = Some(1100);
        let k = risk(&r, None);
        assert_eq!(k.score, 300);
        assert!(
            k.reasons[0].starts_with("working set over the limit"),
            "{k:?}"
        );
        r.memory_limit_bytes = None;
        assert_eq!(risk(&r, None).score, 0);
    }

    #[test]
    fn ties_break_on_restarts_then_name() {
        let mut a = row("b");
        a.evicted = true;
        let mut b = row("a");
        b.evicted = true;
        let mut rows = vec![a, b];
        rank(&mut rows, None);
        assert_eq!(rows[0].pod, "a");
    }
}
