//! The kernel OOM killer's victim choice: `oom_badness()` and `oom_evaluate_task()` in
//! `mm/oom_kill.c`, Linux 5.9 and later (read as the upstream patch "mm, oom: make the
//! calculation of oom badness more accurate", which made the function return `long` with
//! `LONG_MIN` for tasks never chosen; the formula is unchanged through 6.x):
//!
//! ```c
//! adj = (long)p->signal->oom_score_adj;
//! if (adj == OOM_SCORE_ADJ_MIN || ...) return LONG_MIN;
//! points = get_mm_rss(p->mm) + get_mm_counter(p->mm, MM_SWAPENTS) +
//!          mm_pgtables_bytes(p->mm) / PAGE_SIZE;
//! adj *= totalpages / 1000;
//! points += adj;
//! ```
//!
//! `oom_evaluate_task` skips a task when `points == LONG_MIN || points < oc->chosen_points`, so
//! the highest score wins and, on a tie, the task scanned later replaces the earlier one.
//! `totalpages` is RAM + swap pages for a global OOM, the cgroup's limit in pages for a memcg
//! (container limit) OOM.

/// Page size assumed (x86-64, arm64 with 4K pages).
pub const PAGE_SIZE: i64 = 4096;
/// `OOM_SCORE_ADJ_MIN`: a task with this adj is never chosen.
pub const OOM_SCORE_ADJ_MIN: i64 = -1000;

/// One task as the OOM killer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    /// Resident pages (`get_mm_rss`: anon + file + shmem).
    pub rss_pages: i64,
    /// Swap entries.
    pub swap_pages: i64,
    /// Page-table bytes / PAGE_SIZE.
    pub pgtable_pages: i64,
    /// `oom_score_adj`, -1000..=1000.
    pub oom_score_adj: i64,
}

/// `oom_badness`: `None` for a task never chosen (`LONG_MIN`).
pub fn badness(t: &Task, totalpages: i64) -> Option<i64> {
    if t.oom_score_adj == OOM_SCORE_ADJ_MIN {
        return None;
    }
    let points = t.rss_pages + t.swap_pages + t.pgtable_pages;
    Some(points + t.oom_score_adj * (totalpages / 1000))
}

/// `/proc/PID/oom_score` (5.9+): `(1000 + badness * 1000 / totalpages) * 2 / 3`, 0 when never
/// chosen.
pub fn oom_score(t: &Task, totalpages: i64) -> i64 {
    match badness(t, totalpages) {
        Some(b) if totalpages > 0 => {
            ((1000 + i128::from(b) * 1000 / i128::from(totalpages)) * 2 / 3) as i64
        }
        _ => 0,
    }
}

/// `select_bad_process` over `tasks` in scan order: the index chosen, if any.
pub fn victim(tasks: &[Task], totalpages: i64) -> Option<usize> {
    let mut chosen: Option<(usize, i64)> = None;
    for (i, t) in tasks.iter().enumerate() {
        let Some(points) = badness(t, totalpages) else {
            continue;
        };
        if chosen.is_some_and(|(_, best)| points < best) {
            continue;
        }
        chosen = Some((i, points));
    }
    chosen.map(|(i, _)| i)
}

/// The order in which repeated OOM kills would take `tasks` (each kill frees the victim and the
/// next OOM picks again): the first victim first. Never-chosen tasks are left out.
pub fn kill_order(tasks: &[Task], totalpages: i64) -> Vec<usize> {
    let mut left: Vec<usize> = (0..tasks.len()).collect();
    let mut out = Vec::new();
    loop {
        let view: Vec<Task> = left.iter().map(|&i| tasks[i]).collect();
        let Some(v) = victim(&view, totalpages) else {
            return out;
        };
        out.push(left.remove(v));
    }
}

/// Pages in `bytes`, rounded down.
pub fn pages(bytes: i64) -> i64 {
    bytes.max(0) / PAGE_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rss_pages: i64, oom_score_adj: i64) -> Task {
        Task {
            rss_pages,
            swap_pages: 0,
            pgtable_pages: 0,
            oom_score_adj,
        }
    }

    #[test]
    fn min_adj_is_never_chosen() {
        assert_eq!(badness(&t(1 << 30, -1000), 1000), None);
        assert_eq!(victim(&[t(1 << 30, -1000)], 1000), None);
        assert_eq!(oom_score(&t(5, -1000), 1000), 0);
    }

    #[test]
    fn ties_go_to_the_later_task() {
        assert_eq!(victim(&[t(10, 0), t(10, 0)], 1000), Some(1));
        assert_eq!(
            kill_order(&[t(10, 0), t(10, 0), t(20, 0)], 1000),
            vec![2, 1, 0]
        );
    }
}
