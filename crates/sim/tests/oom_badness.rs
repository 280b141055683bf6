//! `oom_badness` and the victim choice against hand-computed cases.
//!
//! Source: Linux `mm/oom_kill.c`, the 5.9+ form (the upstream patch "mm, oom: make the
//! calculation of oom badness more accurate", which made `oom_badness` return `long` and
//! `LONG_MIN` for tasks never chosen); the formula is the same in 6.x:
//! `points = rss + swapents + pgtables_bytes / PAGE_SIZE; adj *= totalpages / 1000; points += adj`,
//! and `oom_evaluate_task` skips `points == LONG_MIN || points < chosen_points`.
//! `/proc/PID/oom_score` is `(1000 + badness * 1000 / totalpages) * 2 / 3` (fs/proc/base.c).

use oomdoc_sim::oom_kill::{badness, kill_order, oom_score, pages, victim, Task};

/// 16 GiB of RAM, no swap, 4 KiB pages.
const TOTAL_16G: i64 = (16 << 30) / 4096; // 4194304; totalpages / 1000 = 4194

fn task(rss_pages: i64, oom_score_adj: i64) -> Task {
    Task {
        rss_pages,
        swap_pages: 0,
        pgtable_pages: 0,
        oom_score_adj,
    }
}

#[test]
fn badness_by_hand() {
    assert_eq!(TOTAL_16G / 1000, 4194);
    // BestEffort (adj 1000) using 100Mi: 25600 + 1000 * 4194.
    assert_eq!(
        badness(&task(pages(100 << 20), 1000), TOTAL_16G),
        Some(4_219_600)
    );
    // Burstable asking 4Gi of 16Gi (adj 1000 - 250 = 750) using 6Gi: 1572864 + 750 * 4194.
    assert_eq!(
        badness(&task(pages(6 << 30), 750), TOTAL_16G),
        Some(4_718_364)
    );
    // Guaranteed (-997) using 8Gi: 2097152 - 997 * 4194.
    assert_eq!(
        badness(&task(pages(8 << 30), -997), TOTAL_16G),
        Some(-2_084_266)
    );
    // The kubelet itself (-999) using 200Mi: 51200 - 999 * 4194.
    assert_eq!(
        badness(&task(pages(200 << 20), -999), TOTAL_16G),
        Some(-4_138_606)
    );
    // OOM_SCORE_ADJ_MIN: never.
    assert_eq!(badness(&task(pages(8 << 30), -1000), TOTAL_16G), None);
    // Swap entries and page tables count like resident pages.
    let t = Task {
        rss_pages: 1000,
        swap_pages: 500,
        pgtable_pages: 3,
        oom_score_adj: 0,
    };
    assert_eq!(badness(&t, TOTAL_16G), Some(1503));
    // totalpages / 1000 is integer division first: below 1000 pages the adj counts for nothing.
    assert_eq!(badness(&task(5, 1000), 999), Some(5));
}

#[test]
fn victim_order_by_hand() {
    let tasks = [
        task(pages(100 << 20), 1000), // 4219600
        task(pages(6 << 30), 750),    // 4718364
        task(pages(8 << 30), -997),   // -2084266
        task(pages(200 << 20), -999), // -4138606
        task(pages(8 << 30), -1000),  // never
    ];
    // The Burstable container using 6Gi goes before the BestEffort one using 100Mi: adj is a
    // quantity of memory (750/1000 of RAM), not a rank.
    assert_eq!(victim(&tasks, TOTAL_16G), Some(1));
    assert_eq!(kill_order(&tasks, TOTAL_16G), vec![1, 0, 2, 3]);
    // A Guaranteed task is still chosen when it is the only candidate left (only -1000 is immune).
    assert_eq!(victim(&tasks[2..], TOTAL_16G), Some(0));
}

#[test]
fn ties_and_proc_oom_score() {
    // `points < chosen_points` skips only lower scores: on a tie the later task wins.
    assert_eq!(
        victim(&[task(10, 0), task(10, 0), task(9, 0)], 1000),
        Some(1)
    );
    // 4219600 * 1000 / 4194304 = 1006; (1000 + 1006) * 2 / 3 = 1337.
    assert_eq!(oom_score(&task(pages(100 << 20), 1000), TOTAL_16G), 1337);
    // -2084266 * 1000 / 4194304 = -496 (C truncates toward zero); (1000 - 496) * 2 / 3 = 336.
    assert_eq!(oom_score(&task(pages(8 << 30), -997), TOTAL_16G), 336);
    assert_eq!(oom_score(&task(pages(8 << 30), -1000), TOTAL_16G), 0);
}
