//! What `oomdoc audit`'s first pass costs: reading PATHS for LimitRanges and Dockerfiles only
//! (`Only::LimitRangesAndDockerfiles`), the pass that lets every workload be audited and written
//! as soon as it is read. `oomdoc-prepass-only PATH...` prints what was found and the time, to
//! set beside the whole audit's.

use std::path::PathBuf;
use std::time::Instant;

use oomdoc_manifest::{read_inputs, Item, Only, ReadOptions};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    assert!(!paths.is_empty(), "usage: oomdoc-prepass-only PATH...");
    let opts = ReadOptions {
        only: Only::LimitRangesAndDockerfiles,
        ..ReadOptions::default()
    };
    let start = Instant::now();
    let (mut limit_ranges, mut dockerfiles) = (0usize, 0usize);
    let stats = read_inputs(&paths, &opts, &mut |item| match item {
        Item::LimitRange(_) => limit_ranges += 1,
        Item::Dockerfile(_) => dockerfiles += 1,
        Item::Workload(_) | Item::Error(_) => {}
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "first pass: {} files, {:.1} MB, {limit_ranges} LimitRanges, {dockerfiles} Dockerfiles in {secs:.3} s",
        stats.files,
        stats.bytes as f64 / 1e6
    );
}
