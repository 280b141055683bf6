//! The shared corpus of real manifests (`corpus/manifests` in the shared folder, see
//! `oomdoc_testkit::shared_dir`): read without an input error, and the same bytes out whatever
//! the thread count.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::*;

/// `oomdoc audit -f json --threads 1` and `--threads 2` on `paths`: asserts they are
/// byte-identical and have no input error; returns the workload count and the slower
/// run's time.
fn deterministic(bin: &Path, paths: &[PathBuf]) -> (usize, Duration) {
    let run = |threads: &str| {
        let o = TestCommand::new(bin)
            .args([
                "audit",
                "-f",
                "json",
                "--fail-on",
                "never",
                "--threads",
                threads,
            ])
            .args(paths)
            .timeout(Duration::from_secs(300))
            .run();
        o.code(0);
        o
    };
    let one = run("1");
    let two = run("2");
    assert!(
        one.stdout == two.stdout,
        "--threads 1 and --threads 2 differ on {paths:?}"
    );
    let v = one.json();
    assert_eq!(errors(&v), [], "input errors on the corpus");
    (
        v["workloads"].as_array().unwrap().len(),
        one.elapsed.max(two.elapsed),
    )
}

/// Bytes and files under `dir`.
fn size(dir: &Path) -> (u64, u32) {
    let mut total = (0, 0);
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let m = e.metadata().unwrap();
        let (b, f) = if m.is_dir() {
            size(&e.path())
        } else {
            (m.len(), 1)
        };
        total = (total.0 + b, total.1 + f);
    }
    total
}

#[test]
fn corpus_is_deterministic_across_threads_and_reads_cleanly() {
    let Some(corpus) = oomdoc_testkit::shared_or_skip("corpus determinism", "corpus/manifests")
    else {
        return;
    };
    let bin = fast_bin();
    // The release build reads the whole corpus in ~0.2 s; an unoptimised debug reader has taken
    // ~20 s (~12 ms a file). Read the five smallest projects first, and the whole only when the
    // same pace would take less than 5 s.
    let mut projects: Vec<((u64, u32), PathBuf)> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| (size(&e.path()), e.path()))
        .collect();
    projects.sort();
    let small: Vec<PathBuf> = projects.iter().take(5).map(|p| p.1.clone()).collect();
    let small_files: u32 = projects.iter().take(5).map(|p| p.0 .1).sum();
    let all_files: u32 = projects.iter().map(|p| p.0 .1).sum();
    let (n, took) = deterministic(&bin, &small);
    assert!(n > 0, "no workload in {small:?}");
    eprintln!(
        "corpus: {} projects, {small_files} files, {n} workloads, {took:?}",
        small.len()
    );
    let estimate = took * all_files / small_files.max(1);
    // Under OOMDOC_REQUIRE_REAL the whole corpus is read whatever it takes.
    if estimate > Duration::from_secs(5) && !oomdoc_testkit::require_real() {
        oomdoc_testkit::skip(
            "the rest of the corpus",
            &format!("this binary would take about {estimate:?} for {all_files} files; `cargo test --release`, or opt-level = 3 for oomdoc-manifest in the dev profile, runs it"),
        );
        oomdoc_testkit::real(
            "corpus",
            &format!(
                "oomdoc audit on {small_files} files of the 5 smallest projects, --threads 1 and 2"
            ),
        );
        return;
    }
    let (n, took) = deterministic(&bin, &[corpus]);
    // 1,363 files from 20 projects; 607 workloads among them.
    assert!(n > 500, "only {n} workloads");
    eprintln!("corpus: all, {n} workloads, {took:?}");
    oomdoc_testkit::real(
        "corpus",
        &format!("oomdoc audit on all {all_files} files ({n} workloads), --threads 1 and 2"),
    );
}
