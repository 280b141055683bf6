//! Writers for `oomdoc trend`: what a memory series shows (leak, warm-up, sawtooth of restarts,
//! steady), as text, JSON, an SVG chart and a self-contained HTML report.
//!
//! - [`write_trend_text`]: for people; the verdict first, then per-series growth, restarts and
//!   their period, time to the limit, peak and recommendation, next steps.
//! - [`write_trend_json`]: the stable schema documented on [`json`].
//! - [`render_trend_svg`]: a chart of every series over time with the limit, the JVM max heap,
//!   restart markers, the fitted trend of each segment and the forecast to the limit. Drawn
//!   from at most two points per pixel column, so its size does not grow with the input.
//! - [`render_trend_html`]: one HTML file with the chart inlined and the findings; no external
//!   scripts, fonts or stylesheets, so it can be attached to an incident ticket as is.
//!
//! All of them take the [`Input`] (the samples, for drawing) and its [`Analysis`]; none of them
//! prints on its own. Text from the input (series names, termination reasons) is cleaned of
//! control characters for terminals and escaped for SVG and HTML.

mod axis;
mod downsample;
pub mod html;
pub mod json;
mod label;
mod legend;
mod overlay;
pub mod svg;
pub mod text;

pub use html::{render_trend_html, render_trend_html_with};
pub use json::{trend_json, write_trend_json, TrendDoc};
pub use svg::{render_trend_svg, render_trend_svg_with, ChartOptions};
pub use text::write_trend_text;

use oomdoc_series::{Analysis, Input};

/// A duration the way people say it: the two largest units (`5h 12m`, `2d 3h`, `45s`).
pub(crate) fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "unbounded".into();
    }
    let s = seconds.max(0.0).round() as u64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) if sec == 0 => format!("{m}m"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, 0) => format!("{h}h"),
        (0, _, _) => format!("{h}h {m}m"),
        (_, 0, _) => format!("{d}d"),
        _ => format!("{d}d {h}h"),
    }
}

/// `YYYY-MM-DD HH:MM UTC` for seconds since the Unix epoch.
pub(crate) fn datetime(t: f64) -> String {
    let (date, secs) = axis::civil(t);
    format!("{date} {:02}:{:02} UTC", secs / 3600, secs / 60 % 60)
}

/// First and last sample time over all series, and the number of samples.
pub(crate) fn data_span(input: &Input) -> Option<(f64, f64, usize)> {
    let mut r: Option<(f64, f64, usize)> = None;
    for s in &input.series {
        if let (Some(f), Some(l)) = (s.samples.first(), s.samples.last()) {
            let (t0, t1, n) = r.unwrap_or((f.t, l.t, 0));
            r = Some((t0.min(f.t), t1.max(l.t), n + s.samples.len()));
        }
    }
    r
}

/// The headline of a verdict, shared by every format.
pub(crate) fn headline(a: &Analysis) -> &'static str {
    use oomdoc_series::Verdict::*;
    match a.verdict {
        Leak => "memory grows steadily and does not level off",
        WarmingUp => "memory grows, then levels off (warm-up, not a leak)",
        Steady => "no significant growth",
        SawtoothRestarts => "memory climbs to the limit, the container restarts, and again",
        InsufficientData => "too few samples or too short a span to say",
    }
}

/// The verdict as a title (`Leak`, `Restart sawtooth`).
pub(crate) fn verdict_title(a: &Analysis) -> &'static str {
    use oomdoc_series::Verdict::*;
    match a.verdict {
        Leak => "Leak",
        WarmingUp => "Warming up",
        Steady => "Steady",
        SawtoothRestarts => "Restart sawtooth",
        InsufficientData => "Insufficient data",
    }
}

/// Escapes text for XML and HTML content and attribute values. Characters XML 1.0 cannot carry
/// at all (control characters other than tab, newline and carriage return) become U+FFFD,
/// because an SVG with one of them is not well-formed and would not render.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(duration(45.0), "45s");
        assert_eq!(duration(5.0 * 3600.0 + 12.0 * 60.0), "5h 12m");
        assert_eq!(duration(2.0 * 86400.0 + 3.0 * 3600.0 + 59.0), "2d 3h");
        assert_eq!(duration(f64::INFINITY), "unbounded");
        assert_eq!(datetime(0.0), "1970-01-01 00:00 UTC");
        assert_eq!(
            datetime(1_764_288_000.0 + 3600.0 * 14.5),
            "2025-11-28 14:30 UTC"
        );
    }

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b&\"c\"'"), "a&lt;b&amp;&quot;c&quot;&#39;");
        assert_eq!(escape("x\u{1b}[31m"), "x\u{FFFD}[31m");
    }
}
