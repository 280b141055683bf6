//! What is drawn over the data: restart markers, the limit and JVM max heap lines and their
//! labels, the fitted trend of each segment, and the forecast of the primary series to the
//! limit with the band its slope interval gives.

use std::fmt::Write as _;

use oomdoc_model::bytes::{per_hour, short_f64};
use oomdoc_series::{Analysis, Input};

use super::label::text_width;
use super::svg::{colour, Frame, FONT};
use super::{datetime, duration, escape};

pub(super) fn restarts(s: &mut String, f: &Frame, a: &Analysis) {
    // Restarts closer than 3 px would draw one thick smear: keep the first of each cluster.
    let mut last_px = f64::NEG_INFINITY;
    for r in &a.restarts {
        let px = f.x(r.t);
        if px - last_px < 3.0 {
            continue;
        }
        last_px = px;
        let what = r.reason.as_deref().unwrap_or("restart");
        let _ = writeln!(
            s,
            "<g class=\"restart\" data-x=\"{px:.1}\"><title>{} at {}</title><line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#777777\" stroke-opacity=\"0.8\" stroke-dasharray=\"3 3\"/><path d=\"M{:.1} {:.1}h9l-4.5 8z\" fill=\"#333333\"/></g>",
            escape(what),
            datetime(r.t),
            f.top,
            f.bottom(),
            px - 4.5,
            f.top
        );
    }
}

pub(super) fn guide_lines(s: &mut String, f: &Frame, a: &Analysis) {
    if let Some(l) = a.limit_bytes {
        let py = f.y(l);
        let _ = writeln!(
            s,
            "<line class=\"limit\" data-bytes=\"{l}\" x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#000000\" stroke-width=\"2\" stroke-dasharray=\"9 4\"/>",
            f.left,
            f.right()
        );
    }
    if let Some(h) = a.jvm_max_heap_bytes {
        let py = f.y(h);
        let _ = writeln!(
            s,
            "<line class=\"heap\" data-bytes=\"{h}\" x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#666666\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>",
            f.left,
            f.right()
        );
    }
}

/// Labels drawn over everything, with a white halo so lines under them do not hide them.
pub(super) fn guide_labels(s: &mut String, f: &Frame, a: &Analysis, hit: Option<f64>) {
    const HALO: &str =
        "paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\"";
    // The limit and heap labels sit at the left end, above their lines (below the heap line
    // when the two lines are too close for both); the forecast label sits above the limit
    // line next to where the forecast meets it, where the forecast line (below) cannot cross it.
    if let Some(l) = a.limit_bytes {
        let _ = writeln!(
            s,
            "<text class=\"limit-label\" x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\" {HALO}>limit {}</text>",
            f.left + 6.0,
            f.y(l) - 6.0,
            short_f64(l)
        );
    }
    if let Some(h) = a.jvm_max_heap_bytes {
        let close = a
            .limit_bytes
            .is_some_and(|l| (f.y(l) - f.y(h)).abs() < 18.0);
        let dy = if close { 15.0 } else { -6.0 };
        let _ = writeln!(
            s,
            "<text class=\"heap-label\" x=\"{:.1}\" y=\"{:.1}\" fill=\"#444444\" {HALO}>JVM max heap {}</text>",
            f.left + 6.0,
            f.y(h) + dy,
            short_f64(h)
        );
    }
    if let (Some(t), Some(l), Some(e)) = (hit, a.limit_bytes, a.time_to_limit_seconds) {
        let beyond = t > f.x1;
        // When, too: within a day the clock time, further out the date.
        let (date, secs) = super::axis::civil(t);
        let when = if e.value < 86_400.0 {
            format!("{:02}:{:02} UTC", secs / 3600, secs / 60 % 60)
        } else {
            date
        };
        let arrow = if beyond { " →" } else { "" };
        let label = format!("reached in ~{} ({when}){arrow}", duration(e.value));
        let px = f.x(t).min(f.right());
        let w = text_width(&label, FONT);
        let (x, anchor) = if !beyond && px + 8.0 + w <= f.right() {
            (px + 8.0, "start")
        } else {
            (px - 8.0, "end")
        };
        let _ = writeln!(
            s,
            "<text class=\"forecast-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" {HALO}>{}</text>",
            f.y(l) - 6.0,
            escape(&label)
        );
    }
}

pub(super) fn fits(s: &mut String, f: &Frame, input: &Input, a: &Analysis) {
    for (i, sa) in a.series.iter().enumerate() {
        // Colour by the input series of the same name, so the fit matches its line.
        let ci = input
            .series
            .iter()
            .position(|x| x.name == sa.name && x.component == sa.component)
            .unwrap_or(i);
        let (c, _) = colour(ci);
        for fit in &sa.fits {
            if fit.t1.partial_cmp(&fit.t0) != Some(std::cmp::Ordering::Greater)
                || !fit.slope.value.is_finite()
                || !fit.intercept.is_finite()
            {
                continue;
            }
            let v1 = fit.intercept + fit.slope.value * (fit.t1 - fit.t0);
            let (x0, y0, x1, y1) = (f.x(fit.t0), f.y(fit.intercept), f.x(fit.t1), f.y(v1));
            // Significant trends stand out; the others are drawn faintly so flat series
            // do not hide their own data behind a dashed line.
            let style = if fit.p_value < 0.05 {
                "stroke-width=\"2\" stroke-dasharray=\"6 4\""
            } else {
                "stroke-width=\"1\" stroke-dasharray=\"3 4\" stroke-opacity=\"0.6\""
            };
            let _ = writeln!(
                s,
                "<g class=\"fit\"><title>{}: {} (p = {:.2e})</title><line x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x1:.1}\" y2=\"{y1:.1}\" stroke=\"{c}\" {style}/></g>",
                escape(&sa.name),
                per_hour(fit.slope.value * 3600.0),
                fit.p_value
            );
        }
    }
}

/// The primary series' last fit continued to the limit, with the band its slope interval gives.
pub(super) fn forecast(s: &mut String, f: &Frame, a: &Analysis, hit: Option<f64>) {
    let (Some(hit), Some(limit), Some(e), Some(p)) =
        (hit, a.limit_bytes, a.time_to_limit_seconds, a.primary)
    else {
        return;
    };
    let Some(sa) = a.series.get(p) else { return };
    let Some(fit) = sa.fits.last() else { return };
    let start_t = hit - e.value;
    let start_v = fit.intercept + fit.slope.value * (start_t - fit.t0);
    let (c, _) = colour(p);
    // Where a line from the start reaching the limit after `secs` is at the chart's right edge.
    let at_edge = |secs: f64| -> (f64, f64) {
        let end = start_t + secs;
        if secs.is_finite() && end <= f.x1 {
            (f.x(end), f.y(limit))
        } else {
            let frac = if secs.is_finite() && secs > 0.0 {
                (f.x1 - start_t) / secs
            } else {
                0.0
            };
            (f.right(), f.y(start_v + (limit - start_v) * frac))
        }
    };
    let (sx, sy) = (f.x(start_t), f.y(start_v));
    let (lx, ly) = at_edge(e.low);
    let (hx, hy) = at_edge(e.high);
    let mut band = format!("M{sx:.1} {sy:.1}L{lx:.1} {ly:.1}");
    if (ly - f.y(limit)).abs() < 0.05 && (hy - f.y(limit)).abs() < 0.05 {
        let _ = write!(band, "L{hx:.1} {hy:.1}");
    } else {
        // One end leaves through the right edge: close along it.
        let _ = write!(band, "L{:.1} {:.1}L{hx:.1} {hy:.1}", f.right(), f.y(limit));
    }
    let (mx, my) = at_edge(e.value);
    let _ = writeln!(
        s,
        "<g class=\"forecast\"><title>forecast: limit reached in ~{} ({} to {})</title><path d=\"{band}Z\" fill=\"{c}\" fill-opacity=\"0.12\"/><line x1=\"{sx:.1}\" y1=\"{sy:.1}\" x2=\"{mx:.1}\" y2=\"{my:.1}\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"2 3\"/>{}</g>",
        duration(e.value),
        duration(e.low),
        duration(e.high),
        if hit <= f.x1 {
            format!("<circle cx=\"{mx:.1}\" cy=\"{my:.1}\" r=\"4\" fill=\"#ffffff\" stroke=\"{c}\" stroke-width=\"2\"/>")
        } else {
            String::new()
        }
    );
}
