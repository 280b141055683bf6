//! Streams a kernel log (path or stdin) and prints the number of OOM reports and kill lines:
//! `cargo run --release -p oomdoc-evidence --example kernel_scan -- big.log`.
//! Used to compare throughput with `grep -c 'Killed process'`:
//!
//! ```sh
//! # worst case: nothing but OOM reports (the kernel fixtures repeated to 1 GiB)
//! cat crates/evidence/tests/fixtures/kernel/*.txt > /tmp/big.log
//! while [ "$(stat -c%s /tmp/big.log)" -lt 1073741824 ]; do cat /tmp/big.log /tmp/big.log > /tmp/b2 && mv /tmp/b2 /tmp/big.log; done
//! time grep -c 'Killed process' /tmp/big.log
//! time target/release/examples/kernel_scan /tmp/big.log
//! ```

use std::io::{BufRead, BufReader};

use oomdoc_evidence::kernel::{KernelEvent, KernelReader};

fn main() {
    let input: Box<dyn BufRead> = match std::env::args().nth(1) {
        Some(p) if p != "-" => Box::new(BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(p).expect("open"),
        )),
        _ => Box::new(BufReader::with_capacity(1 << 20, std::io::stdin().lock())),
    };
    let (mut incidents, mut kills) = (0u64, 0u64);
    for ev in KernelReader::new(input) {
        match ev {
            KernelEvent::Incident(i) => {
                incidents += 1;
                kills += i.killed.len() as u64;
            }
            KernelEvent::ReadError(e) => eprintln!("read error: {e}"),
        }
    }
    println!("incidents={incidents} killed={kills}");
}
