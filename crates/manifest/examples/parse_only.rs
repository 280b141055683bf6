//! Baseline: saphyr-parser's own parse-only speed (events discarded) on a file, for comparison
//! with `read_inputs`. Usage: `cargo run --release --example parse_only -- FILE`.
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_only FILE");
    let text = std::fs::read_to_string(&path).expect("read");
    let t = Instant::now();
    let mut parser = saphyr_parser::Parser::new_from_str(&text);
    let mut events = 0u64;
    let mut errors = 0u64;
    while let Some(ev) = parser.next_event() {
        match ev {
            Ok(_) => events += 1,
            Err(e) => {
                errors += 1;
                eprintln!("error: {e}");
                break;
            }
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{events} events, {errors} errors, {:.1} MB in {s:.3}s = {:.1} MB/s",
        text.len() as f64 / 1e6,
        text.len() as f64 / 1e6 / s
    );
}
