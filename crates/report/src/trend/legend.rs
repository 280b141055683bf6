//! The legend under the plot: one entry per series, then the guides that are drawn, laid out
//! in rows that wrap at the plot's width.

use std::fmt::Write as _;

use oomdoc_series::{Analysis, Input};

use super::escape;
use super::label::{text_width, truncate};
use super::svg::{colour, FONT};

/// Height of a legend row, pixels.
pub(super) const LEGEND_ROW: f64 = 20.0;

/// One legend entry: how its swatch is drawn and its label.
pub(super) enum Swatch {
    Line {
        colour: &'static str,
        dash: &'static str,
        width: f64,
    },
    Marker,
}

pub(super) fn legend_entries(input: &Input, a: &Analysis) -> Vec<(Swatch, String)> {
    let mut v = Vec::new();
    for (i, x) in input.series.iter().enumerate() {
        let (colour, dash) = colour(i);
        let label = if x.name == x.component.as_str() {
            truncate(&x.name, 48)
        } else {
            format!("{} ({})", truncate(&x.name, 48), x.component.as_str())
        };
        v.push((
            Swatch::Line {
                colour,
                dash,
                width: 2.0,
            },
            label,
        ));
    }
    if a.series.iter().any(|x| !x.fits.is_empty()) {
        v.push((
            Swatch::Line {
                colour: "#555555",
                dash: " stroke-dasharray=\"6 3\"",
                width: 2.0,
            },
            "fitted trend per segment".into(),
        ));
    }
    if a.time_to_limit_seconds.is_some() && a.limit_bytes.is_some() {
        v.push((
            Swatch::Line {
                colour: "#555555",
                dash: " stroke-dasharray=\"2 3\"",
                width: 2.0,
            },
            "forecast to the limit".into(),
        ));
    }
    if a.limit_bytes.is_some() {
        v.push((
            Swatch::Line {
                colour: "#000000",
                dash: " stroke-dasharray=\"9 4\"",
                width: 2.0,
            },
            "memory limit".into(),
        ));
    }
    if a.jvm_max_heap_bytes.is_some() {
        v.push((
            Swatch::Line {
                colour: "#666666",
                dash: " stroke-dasharray=\"2 3\"",
                width: 1.5,
            },
            "JVM max heap".into(),
        ));
    }
    if !a.restarts.is_empty() {
        v.push((Swatch::Marker, "restart".into()));
    }
    v
}

/// Row and x offset of each legend entry, wrapping at `width`.
pub(super) fn legend_layout(entries: &[(Swatch, String)], width: f64) -> Vec<(usize, f64)> {
    let mut out = Vec::with_capacity(entries.len());
    let (mut row, mut x) = (0, 0.0);
    for (_, label) in entries {
        let w = 30.0 + text_width(label, FONT) + 18.0;
        if x > 0.0 && x + w > width {
            row += 1;
            x = 0.0;
        }
        out.push((row, x));
        x += w;
    }
    out
}

pub(super) fn draw_legend(
    s: &mut String,
    entries: &[(Swatch, String)],
    left: f64,
    top: f64,
    width: f64,
) {
    let _ = writeln!(s, "<g class=\"legend\">");
    for ((swatch, label), (row, x)) in entries.iter().zip(legend_layout(entries, width)) {
        let (x, y) = (left + x, top + row as f64 * LEGEND_ROW);
        match swatch {
            Swatch::Line {
                colour,
                dash,
                width,
            } => {
                let _ = write!(
                    s,
                    "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash}/>",
                    x + 24.0
                );
            }
            Swatch::Marker => {
                let _ = write!(
                    s,
                    "<path d=\"M{:.1} {:.1}h9l-4.5 8z\" fill=\"#333333\"/>",
                    x + 7.5,
                    y - 5.0
                );
            }
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 30.0,
            y + 4.0,
            escape(label)
        );
    }
    let _ = writeln!(s, "</g>");
}
