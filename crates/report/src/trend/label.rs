//! Label text for the chart, measured and fitted without a font: the SVG leaves the face to
//! the viewer, so widths are an upper estimate and long text is cut or wrapped to fit.

/// Pixels a string of `chars` characters takes at `size`: an upper estimate for sans-serif
/// faces, since the real font is the viewer's.
pub(super) fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.6
}

/// Cuts `s` to `max` characters with an ellipsis.
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Splits `s` into at most `lines` lines of at most `max` characters at spaces; the last line
/// is cut with an ellipsis if the text does not fit.
pub(super) fn wrap(s: &str, max: usize, lines: usize) -> Vec<String> {
    let max = max.max(8);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > max {
            if out.len() + 1 == lines {
                cur.push(' ');
                cur.push_str(word);
                break;
            }
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        let consumed: usize = out
            .iter()
            .map(|l| l.split_whitespace().count())
            .sum::<usize>()
            + cur.split_whitespace().count();
        let rest = s.split_whitespace().count() > consumed;
        let last = if rest { format!("{cur} …") } else { cur };
        out.push(truncate(&last, max));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_and_wraps() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(
            wrap("one two three four", 9, 2),
            vec!["one two", "three fo…"]
        );
        assert_eq!(wrap("one two three", 9, 2), vec!["one two", "three"]);
        assert_eq!(wrap("", 9, 2), Vec::<String>::new());
        assert_eq!(wrap("averyveryverylongword", 9, 1), vec!["averyver…"]);
        assert!(text_width("abcd", 10.0) >= 20.0);
    }
}
