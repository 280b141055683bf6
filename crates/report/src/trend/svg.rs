//! The `--svg` chart: memory per series over time, the limit, the JVM max heap, restart markers,
//! the fitted trend of each segment between restarts and the forecast of the primary series to
//! the limit, with axes in units chosen from the data and a legend under the plot.
//!
//! Written by hand rather than with a chart crate: the output must not depend on system fonts
//! (text is left to the viewer as `<text>`), must be byte-for-byte deterministic for tests,
//! must downsample millions of samples to a few per pixel column, and must escape names taken
//! from user data. That is a few hundred lines of plain string building.
//!
//! Elements carry classes (`series`, `fit`, `forecast`, `limit`, `heap`, `restart`, `tick-x`,
//! `tick-y`, `axis-title`, `legend`) so that tests and stylesheets can find them.

use std::fmt::Write as _;

use oomdoc_model::bytes::per_hour;
use oomdoc_series::{Analysis, Input, Sample, Verdict};

use super::axis::{byte_axis, time_ticks};
use super::downsample::min_max_columns;
use super::label::{truncate, wrap};
use super::legend::{draw_legend, legend_entries, legend_layout, LEGEND_ROW};
use super::overlay::{fits, forecast, guide_labels, guide_lines, restarts};
use super::{duration, escape, headline, verdict_title};

/// Size and title of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartOptions {
    /// Width in pixels (at least 320).
    pub width: u32,
    /// Height in pixels (at least 240); grows when the legend needs more rows.
    pub height: u32,
    /// The title; by default the verdict and its headline.
    pub title: Option<String>,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            width: 960,
            height: 540,
            title: None,
        }
    }
}

/// Okabe & Ito's colour-blind-safe palette without its yellow (too pale on white), then Tol's
/// wine; past eight series the colours repeat with a dash pattern.
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255",
];
pub(super) const FONT: f64 = 12.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 56.0;

pub(super) fn colour(i: usize) -> (&'static str, &'static str) {
    let dash = match (i / PALETTE.len()) % 3 {
        0 => "",
        1 => " stroke-dasharray=\"7 3\"",
        _ => " stroke-dasharray=\"2 2\"",
    };
    (PALETTE[i % PALETTE.len()], dash)
}

/// Maps data to pixels.
pub(super) struct Frame {
    pub x0: f64,
    pub x1: f64,
    pub top_bytes: f64,
    pub left: f64,
    pub top: f64,
    pub w: f64,
    pub h: f64,
}

impl Frame {
    pub(super) fn x(&self, t: f64) -> f64 {
        let r = (t - self.x0) / (self.x1 - self.x0);
        let r = if r.is_nan() { 0.0 } else { r.clamp(-1.0, 2.0) };
        self.left + r * self.w
    }
    /// Values off the chart are pinned just outside it (the plot is clipped); a value that is
    /// not a number, which the analysis should never give, lands on the axis rather than
    /// writing `NaN` into the SVG.
    pub(super) fn y(&self, v: f64) -> f64 {
        let r = v / self.top_bytes;
        let r = if r.is_nan() {
            0.0
        } else {
            r.clamp(-0.05, 1.05)
        };
        self.top + self.h - r * self.h
    }
    pub(super) fn right(&self) -> f64 {
        self.left + self.w
    }
    pub(super) fn bottom(&self) -> f64 {
        self.top + self.h
    }
}

/// Renders the chart with the default size and title.
pub fn render_trend_svg(input: &Input, a: &Analysis) -> String {
    render_trend_svg_with(input, a, &ChartOptions::default())
}

/// Renders the chart. The SVG is standalone (it has its `xmlns`) and can be inlined in HTML as
/// is; it carries no XML declaration for that reason.
pub fn render_trend_svg_with(input: &Input, a: &Analysis, opts: &ChartOptions) -> String {
    let a = &drawable(input, a);
    let width = f64::from(opts.width.max(320));
    let plot_w = (width - LEFT - RIGHT).floor();
    // The subtitle takes up to two lines; the plot starts under it.
    let sub = wrap(
        &subtitle(a),
        ((width - LEFT - 8.0) / (FONT * 0.6)) as usize,
        2,
    );
    let top = TOP + (sub.len().max(1) - 1) as f64 * 15.0;

    let legend = legend_entries(input, a);
    let legend_rows = legend_layout(&legend, plot_w)
        .last()
        .map_or(0, |(row, _)| row + 1);
    // Below the plot: two lines of tick labels, the axis title, then the legend.
    let bottom = 62.0 + legend_rows as f64 * LEGEND_ROW;
    let height = f64::from(opts.height.max(240)).max(top + 160.0 + bottom);
    let plot_h = height - top - bottom;

    let (x0, x1, forecast_hit) = time_domain(input, a);
    let mut top_value = data_max(input).max(0.0);
    for v in [a.limit_bytes, a.jvm_max_heap_bytes].into_iter().flatten() {
        top_value = top_value.max(v);
    }
    let y_axis = byte_axis(top_value * 1.06, ((plot_h / 48.0) as usize).clamp(3, 10));
    let f = Frame {
        x0,
        x1,
        top_bytes: y_axis.top,
        left: LEFT,
        top,
        w: plot_w,
        h: plot_h,
    };

    let mut s = String::with_capacity(16 * 1024);
    let title = opts
        .title
        .clone()
        .unwrap_or_else(|| format!("{}: {}", verdict_title(a), headline(a)));
    write_heading(&mut s, width, height, &title, &sub);

    axes(&mut s, &f, &y_axis);
    let _ = writeln!(
        s,
        "<clipPath id=\"oomdoc-plot\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/></clipPath>",
        f.left, f.top - 2.0, f.w, f.h + 4.0
    );
    let _ = writeln!(s, "<g clip-path=\"url(#oomdoc-plot)\">");
    restarts(&mut s, &f, a);
    guide_lines(&mut s, &f, a);
    let columns = plot_w as usize;
    for (i, series) in input.series.iter().enumerate() {
        series_path(
            &mut s,
            &f,
            i,
            &series.name,
            series.component.as_str(),
            &series.samples,
            columns,
        );
    }
    fits(&mut s, &f, input, a);
    forecast(&mut s, &f, a, forecast_hit);
    let _ = writeln!(s, "</g>");
    guide_labels(&mut s, &f, a, forecast_hit);
    if input.series.iter().all(|x| x.samples.is_empty()) {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666666\">no samples to draw</text>",
            f.left + f.w / 2.0,
            f.top + f.h / 2.0
        );
    }
    draw_legend(&mut s, &legend, f.left, f.bottom() + 62.0, plot_w);
    s.push_str("</svg>\n");
    s
}

/// The `<svg>` element's start, the title (as `<title>` and drawn, cut to the width) and the
/// subtitle's lines.
fn write_heading(s: &mut String, width: f64, height: f64, title: &str, sub: &[String]) {
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"{FONT}\" role=\"img\">"
    );
    let _ = writeln!(s, "<title>{}</title>", escape(title));
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>",
        escape(&truncate(
            title,
            ((width - LEFT - 8.0) / (16.0 * 0.62)) as usize
        ))
    );
    for (i, line) in sub.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text class=\"subtitle\" x=\"{LEFT}\" y=\"{}\" fill=\"#444444\">{}</text>",
            40 + 15 * i,
            escape(line)
        );
    }
}

fn subtitle(a: &Analysis) -> String {
    let mut parts = Vec::new();
    if let Some(c) = a.growing_component {
        let slope = a
            .series
            .iter()
            .filter(|x| x.component == c)
            .map(|x| x.slope_bytes_per_hour)
            .fold(f64::NEG_INFINITY, f64::max);
        let levels = a.series.iter().any(|x| x.component == c && x.levels_off);
        let then = if levels { ", then levels off" } else { "" };
        parts.push(format!("{} grows {}{then}", c.as_str(), per_hour(slope)));
    } else if let Some(p) = a.primary.and_then(|p| a.series.get(p)).filter(|_| {
        // Without a growing component, the primary series' growth is the story.
        matches!(a.verdict, Verdict::Leak | Verdict::SawtoothRestarts)
    }) {
        parts.push(format!(
            "{} grows {}",
            p.component.as_str(),
            per_hour(p.slope_bytes_per_hour)
        ));
    }
    if !a.restarts.is_empty() {
        let mut r = format!("{} restarts", a.restarts.len());
        if let Some(p) = a.restart_period_seconds {
            let _ = write!(r, " every ~{}", duration(p));
        }
        parts.push(r);
    }
    if let Some(t) = &a.time_to_limit_seconds {
        parts.push(format!("limit reached in ~{}", duration(t.value)));
    }
    if parts.is_empty() {
        a.reason.clone()
    } else {
        parts.join("; ")
    }
}

/// The analysis as drawn: the limit and JVM max heap taken from the input when the analysis
/// does not repeat them, and without what cannot be drawn (a limit, heap or forecast that is
/// not a finite number, restarts at no finite time), which the analysis should never give but
/// which must not become `NaN` coordinates or an axis to infinity. It holds no samples, so
/// the copy is cheap.
fn drawable(input: &Input, a: &Analysis) -> Analysis {
    let mut a = a.clone();
    let input_limit = input.limit_bytes.or_else(|| {
        let l = input.limit_series.as_ref()?;
        l.samples.last().map(|s| s.v)
    });
    a.limit_bytes = a.limit_bytes.or(input_limit).filter(|v| v.is_finite());
    a.jvm_max_heap_bytes = a
        .jvm_max_heap_bytes
        .or(input.jvm_max_heap_bytes)
        .filter(|v| v.is_finite());
    a.time_to_limit_seconds = a.time_to_limit_seconds.filter(|e| e.value.is_finite());
    a.restarts.retain(|r| r.t.is_finite());
    a
}

fn data_max(input: &Input) -> f64 {
    input
        .series
        .iter()
        .flat_map(|s| s.samples.iter())
        .map(|p| p.v)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// The time range drawn: the samples and restarts, extended to the forecast's crossing of the
/// limit when that comes within half the observed span (further out it is only labelled), and
/// an hour around a single instant. Also the crossing time when there is one.
fn time_domain(input: &Input, a: &Analysis) -> (f64, f64, Option<f64>) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in &input.series {
        if let (Some(first), Some(last)) = (s.samples.first(), s.samples.last()) {
            lo = lo.min(first.t);
            hi = hi.max(last.t);
        }
    }
    for r in &a.restarts {
        lo = lo.min(r.t);
        hi = hi.max(r.t);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 3600.0, None);
    }
    let last = hi;
    let (lo, hi) = if hi - lo < 1.0 {
        (lo - 1800.0, hi + 1800.0)
    } else {
        (lo, hi)
    };
    let span = hi - lo;
    let hit = a
        .time_to_limit_seconds
        .filter(|e| e.value.is_finite() && e.value >= 0.0)
        .map(|e| last + e.value);
    let end = match hit {
        Some(h) => hi.max((h + span * 0.04).min(hi + span)),
        None => hi,
    };
    (lo, end, hit)
}

fn axes(s: &mut String, f: &Frame, y: &super::axis::ByteAxis) {
    for (v, label) in &y.ticks {
        let py = f.y(*v);
        let _ = writeln!(
            s,
            "<line x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#e4e4e4\"/>",
            f.left,
            f.right()
        );
        let _ = writeln!(
            s,
            "<text class=\"tick-y\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            f.left - 6.0,
            py + 4.0
        );
    }
    let max_ticks = ((f.w / 84.0) as usize).max(2);
    for tick in time_ticks(f.x0, f.x1, max_ticks) {
        let px = f.x(tick.t);
        let _ = writeln!(
            s,
            "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#f0f0f0\"/>",
            f.top,
            f.bottom()
        );
        let _ = writeln!(
            s,
            "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#333333\"/>",
            f.bottom(),
            f.bottom() + 4.0
        );
        let _ = writeln!(
            s,
            "<text class=\"tick-x\" x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            f.bottom() + 18.0,
            escape(&tick.label)
        );
        if let Some(sub) = tick.sub {
            let _ = writeln!(
                s,
                "<text class=\"tick-x-date\" x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555555\">{}</text>",
                f.bottom() + 32.0,
                escape(&sub)
            );
        }
    }
    let _ = writeln!(
        s,
        "<path d=\"M{:.1} {:.1}V{:.1}H{:.1}\" fill=\"none\" stroke=\"#333333\"/>",
        f.left,
        f.top,
        f.bottom(),
        f.right()
    );
    let my = f.top + f.h / 2.0;
    let _ = writeln!(
        s,
        "<text class=\"axis-title\" x=\"16\" y=\"{my:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {my:.1})\">memory ({})</text>",
        y.unit
    );
    let _ = writeln!(
        s,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">time (UTC)</text>",
        f.left + f.w / 2.0,
        f.bottom() + 50.0
    );
}

fn series_path(
    s: &mut String,
    f: &Frame,
    i: usize,
    name: &str,
    component: &str,
    samples: &[Sample],
    columns: usize,
) {
    let (c, dash) = colour(i);
    let runs = min_max_columns(samples, f.x0, f.x1, columns);
    let mut d = String::with_capacity(runs.iter().map(|r| r.len() * 14).sum());
    let mut dots = String::new();
    for run in &runs {
        if let [only] = run.as_slice() {
            let _ = write!(
                dots,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{c}\"/>",
                f.x(only.t),
                f.y(only.v)
            );
            continue;
        }
        for (k, p) in run.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1} {:.1}",
                if k == 0 { 'M' } else { 'L' },
                f.x(p.t),
                f.y(p.v)
            );
        }
    }
    let _ = writeln!(
        s,
        "<g class=\"series\" data-series=\"{}\"><title>{} ({component})</title><path d=\"{d}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\" stroke-linejoin=\"round\"{dash}/>{dots}</g>",
        escape(name),
        escape(name)
    );
}
