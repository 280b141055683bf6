//! The terminal boundary: control characters from the input reach the screen only as text.

use std::io::Write;

use proptest::prelude::*;

use crate::terminal_safe::{Controls, TerminalSafe, MAX_SGR};

/// What `chunks` written one after another (with a flush after each) come out as.
fn through(mode: Controls, chunks: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = TerminalSafe::new(&mut out, mode);
    for c in chunks {
        w.write_all(c).unwrap();
        w.flush().unwrap();
    }
    w.finish().unwrap();
    drop(w);
    out
}

fn safe(mode: Controls, s: &str) -> String {
    String::from_utf8(through(mode, &[s.as_bytes()])).unwrap()
}

#[test]
fn controls_become_visible_text() {
    let evil = "java\x1b]52;c;aGVsbG8=\x07x\x1b[2J\r\x08\x7f\u{9b}31m\u{85}.\n\tend";
    let want = r"java\x1b]52;c;aGVsbG8=\x07x\x1b[2J\r\x08\x7f\u{9b}31m\u{85}.";
    assert_eq!(safe(Controls::Escape, evil), format!("{want}\n\tend"));
    // Colour mode: the same, as none of them is an SGR sequence.
    assert_eq!(safe(Controls::AllowSgr, evil), format!("{want}\n\tend"));
    assert_eq!(safe(Controls::Escape, "\0\x01\x1f"), r"\x00\x01\x1f");
}

#[test]
fn colour_mode_lets_through_sgr_and_nothing_else() {
    let sgr = "\x1b[1m\x1b[38;5;12mblue\x1b[0m \x1b[m\x1b[38;2;255;255;255mw\x1b[0m";
    assert_eq!(safe(Controls::AllowSgr, sgr), sgr);
    assert_eq!(
        safe(Controls::Escape, "\x1b[1mb\x1b[0m"),
        r"\x1b[1mb\x1b[0m"
    );
    for (input, want) in [
        ("\x1b[2J", r"\x1b[2J"),
        ("\x1b[31", r"\x1b[31"),
        ("\x1b[", r"\x1b["),
        ("\x1b", r"\x1b"),
        ("\x1bm", r"\x1bm"),
        ("\x1b[1;\x1b[0m", "\\x1b[1;\x1b[0m"),
        ("\x1b]0;title\x07", r"\x1b]0;title\x07"),
        ("\x1b[?25l", r"\x1b[?25l"),
        ("\x1b[1\rm", r"\x1b[1\rm"),
        ("\x1b\x1b[1m", "\\x1b\x1b[1m"),
    ] {
        assert_eq!(safe(Controls::AllowSgr, input), want, "{input:?}");
    }
    // A parameter list longer than any colour is no colour.
    let long = format!("\x1b[{}m", "1;".repeat(MAX_SGR));
    assert_eq!(
        safe(Controls::AllowSgr, &long),
        format!(r"\x1b{}", &long[1..])
    );
}

#[test]
fn a_sequence_cut_between_writes_is_still_seen() {
    // U+009B is C2 9B in UTF-8: each half alone is harmless, together a CSI.
    assert_eq!(
        through(Controls::Escape, &[b"a\xc2", b"\x9b2J"]),
        br"a\u{9b}2J"
    );
    // C2 before a byte that is no C1 control (U+00A9 is C2 A9) is written as it was.
    assert_eq!(
        through(Controls::Escape, &[b"\xc2", b"\xa9"]),
        "\u{a9}".as_bytes()
    );
    let colour = b"x\x1b[38;5;12my\x1b[0m";
    for cut in 0..=colour.len() {
        let (a, b) = colour.split_at(cut);
        assert_eq!(through(Controls::AllowSgr, &[a, b]), colour, "cut at {cut}");
    }
    // What is held at the end is written escaped (an unfinished sequence is no colour).
    assert_eq!(through(Controls::AllowSgr, &[b"\x1b[1"]), br"\x1b[1");
}

#[test]
fn machine_formats_pass_unchanged() {
    let bytes = b"{\"a\": \"\x1b[2J\xc2\x9b\"}\r\n";
    assert_eq!(through(Controls::Pass, &[bytes]), bytes);
}

/// The output is safe for a terminal: no control but `\n`/`\t`, no DEL, no C1 control, and an
/// `ESC` only where it starts an SGR sequence, in colour mode.
fn assert_safe(out: &[u8], colour: bool) {
    let mut i = 0;
    while i < out.len() {
        let b = out[i];
        if b == 0x1b {
            assert!(colour, "ESC in plain output at {i}: {out:?}");
            let rest = &out[i + 1..];
            assert_eq!(rest.first(), Some(&b'['), "ESC not an SGR at {i}: {out:?}");
            let n = rest[1..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == b';')
                .count();
            assert_eq!(
                rest.get(1 + n),
                Some(&b'm'),
                "ESC not an SGR at {i}: {out:?}"
            );
        } else {
            assert!(
                !(b < 0x20 && b != b'\n' && b != b'\t') && b != 0x7f,
                "control {b:#x} at {i}: {out:?}"
            );
            assert!(
                !(b == 0xc2 && out.get(i + 1).is_some_and(|c| (0x80..=0x9f).contains(c))),
                "C1 control at {i}: {out:?}"
            );
        }
        i += 1;
    }
}

/// Bytes rich in what the adapter looks at.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        any::<u8>(),
        Just(0x1b),
        Just(b'['),
        Just(b'm'),
        Just(b';'),
        b'0'..=b'9',
        Just(0xc2),
        0x80u8..0xa0,
        Just(b'\r'),
        Just(b'\n'),
        Just(0x7f),
    ];
    proptest::collection::vec(byte, 0..200)
}

/// Cuts `bytes` at the given points (taken modulo its length).
fn cut(bytes: &[u8], points: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
    at.push(0);
    at.push(bytes.len());
    at.sort_unstable();
    at.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
}

proptest! {
    #[test]
    fn output_is_safe_and_independent_of_writes(
        bytes in hostile_bytes(),
        points in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let chunks = cut(&bytes, &points);
        let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        for (mode, colour) in [(Controls::Escape, false), (Controls::AllowSgr, true)] {
            let whole = through(mode, &[&bytes]);
            assert_safe(&whole, colour);
            prop_assert_eq!(&through(mode, &chunks), &whole);
        }
    }

    #[test]
    fn text_without_controls_is_unchanged(
        s in "[\\PC\n\t]{0,80}",
        points in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let chunks = cut(s.as_bytes(), &points);
        let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        for mode in [Controls::Escape, Controls::AllowSgr, Controls::Pass] {
            prop_assert_eq!(through(mode, &chunks), s.as_bytes());
        }
    }
}
