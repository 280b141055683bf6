//! Which lines of a large paste any line reader could care about, found in one pass.
//!
//! The line recognisers ([`crate::status_lines`], [`crate::event_lines`]) look for dozens of
//! keys and phrases; running each on every line of a 16 MiB log costs dozens of passes. One
//! Aho-Corasick pass over the whole text marks the lines holding any trigger word, and the
//! recognisers read only those (a trigger is a necessary part of everything they recognise).

use aho_corasick::AhoCorasick;

/// A set of 1-based line numbers, as a bitmap over the text's lines.
pub struct Lines {
    bits: Vec<u64>,
}

impl Lines {
    /// Whether line `n` (1-based) holds a trigger.
    pub fn has(&self, n: u32) -> bool {
        let i = n as usize;
        self.bits
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }
}

/// The lines of `text` holding any of `words`; `None` (read every line) for texts under 64 KiB,
/// where the pass would cost more than it saves.
pub fn lines_with(text: &str, words: &[&str]) -> Option<Lines> {
    if text.len() < 64 << 10 {
        return None;
    }
    // A DFA: built once per text (a few hundred patterns), the fastest to search with.
    let ac = AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(words)
        .ok()?;
    let nl = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 2;
    let mut bits = vec![0u64; nl / 64 + 1];
    let bytes = text.as_bytes();
    let mut line = 1usize;
    let mut pos = 0usize;
    for m in ac.find_iter(text) {
        if m.start() < pos {
            // Same line as an earlier match.
            continue;
        }
        line += memchr::memchr_iter(b'\n', &bytes[pos..m.start()]).count();
        pos = m.start();
        bits[line / 64] |= 1 << (line % 64);
        // Skip to the next line: one mark per line.
        match memchr::memchr(b'\n', &bytes[pos..]) {
            Some(e) => {
                pos += e;
            }
            None => break,
        }
    }
    Some(Lines { bits })
}

#[cfg(test)]
mod tests {
    #[test]
    fn marks_the_lines_with_a_word() {
        let mut t = String::new();
        for i in 0..5000 {
            t.push_str(if i % 1000 == 7 {
                "x OOMKilled y\n"
            } else {
                "nothing here at all\n"
            });
        }
        let l = super::lines_with(&t, &["OOMKilled"]).unwrap();
        let hits: Vec<u32> = (1..=5000).filter(|&n| l.has(n)).collect();
        assert_eq!(hits, vec![8, 1008, 2008, 3008, 4008]);
    }
}
