//! The kernel-log reader on its own: `kernel-parse-only FILE [THREADS]` streams FILE through
//! `oomdoc explain`'s reader ([`oomdoc::kernel_stream`], [`oomdoc_evidence::KernelReader`]s on
//! THREADS workers, default all cores) and prints the OOM reports and kill lines found, MB/s and
//! the time, for comparison with `grep -c 'Killed process' FILE` (benches/run.sh).

use std::fs::File;
use std::time::Instant;

use oomdoc_evidence::KernelEvent;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: kernel-parse-only FILE");
    let threads = std::env::args()
        .nth(2)
        .map(|t| t.parse().expect("THREADS is a number"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let file = File::open(&path).expect("readable file");
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = Instant::now();
    let (mut reports, mut kills, mut tasks) = (0u64, 0u64, 0u64);
    oomdoc::kernel_stream::read_kernel_log(
        file,
        threads,
        oomdoc::kernel_stream::BLOCK,
        &mut |ev| match ev {
            KernelEvent::Incident(i) => {
                reports += 1;
                kills += i.killed.len() as u64;
                tasks += i.tasks.len() as u64;
            }
            KernelEvent::ReadError(e) => panic!("read error: {e}"),
        },
    );
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{path} ({threads} threads): {reports} reports, {kills} kill lines, {tasks} task rows, {:.1} MB in {secs:.3} s = {:.1} MB/s",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs
    );
}
