//! Runs `read_inputs` over paths and prints counts and throughput (a benchmark hook).
//! Usage: `cargo run --release --example read -- [-j THREADS] [-v] PATH...`
use std::time::Instant;

use oomdoc_manifest::{read_inputs, Item, ReadOptions};

fn main() {
    let mut opts = ReadOptions::default();
    let mut paths = Vec::new();
    let mut verbose = false;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-j" => opts.threads = args.next().and_then(|n| n.parse().ok()).expect("-j N"),
            "-v" => verbose = true,
            _ => paths.push(a.into()),
        }
    }
    let t = Instant::now();
    let (mut limit_ranges, mut errors) = (0usize, 0usize);
    let stats = read_inputs(&paths, &opts, &mut |item| match item {
        Item::Workload(w) => *kinds.entry(w.kind).or_default() += 1,
        Item::LimitRange(_) => limit_ranges += 1,
        Item::Dockerfile(_) => *kinds.entry("Dockerfile".into()).or_default() += 1,
        Item::Error(e) => {
            errors += 1;
            if verbose {
                eprintln!("{e}");
            }
        }
    });
    let s = t.elapsed().as_secs_f64();
    if verbose {
        eprintln!("{kinds:?}");
    }
    println!(
        "{} files, {} documents, {} workloads, {} LimitRanges, {} errors, {} skipped; {:.1} MB in {:.3}s = {:.1} MB/s ({} threads)",
        stats.files,
        stats.documents,
        stats.workloads,
        limit_ranges,
        errors,
        stats.skipped_documents,
        stats.bytes as f64 / 1e6,
        s,
        stats.bytes as f64 / 1e6 / s,
        opts.threads
    );
}
