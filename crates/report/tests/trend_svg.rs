//! The `oomdoc trend --svg` chart: structure, positions, units, escaping and size, scanned from
//! the SVG text. Set `OOMDOC_TREND_DUMP=DIR` to also write every chart there for a look.

mod trend_fixtures;

use oomdoc_report::trend::{
    render_trend_html, render_trend_svg, render_trend_svg_with, ChartOptions,
};
use oomdoc_series::{Analysis, Input};
use trend_fixtures::*;

fn dump(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("OOMDOC_TREND_DUMP") {
        std::fs::write(format!("{dir}/{name}.svg"), svg).unwrap();
    }
}

fn all() -> Vec<(&'static str, (Input, Analysis))> {
    vec![
        ("sawtooth", sawtooth()),
        ("leak", leak()),
        ("warm_up", warm_up()),
        ("steady", steady()),
        ("eight", eight()),
        ("empty", empty()),
        ("one_sample", one_sample()),
        ("busy_week", busy_week()),
    ]
}

#[test]
fn every_fixture_renders() {
    for (name, (input, a)) in all() {
        let svg = render_trend_svg(&input, &a);
        dump(name, &svg);
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{name}"
        );
        assert!(svg.ends_with("</svg>\n"), "{name}");
        assert!(
            !svg.contains("NaN") && !svg.contains("inf"),
            "{name}: {svg}"
        );
        well_formed(&svg);
        if name == "sawtooth" {
            if let Ok(dir) = std::env::var("OOMDOC_TREND_DUMP") {
                std::fs::write(format!("{dir}/report.html"), render_trend_html(&input, &a))
                    .unwrap();
            }
        }
    }
    let (input, a) = huge(1_000_000);
    dump("huge", &render_trend_svg(&input, &a));
    let small = ChartOptions {
        width: 480,
        height: 300,
        title: None,
    };
    dump(
        "sawtooth_small",
        &render_trend_svg_with(&sawtooth().0, &sawtooth().1, &small),
    );
}

/// A small well-formedness check: tags balance, attribute values are quoted, and text holds no
/// raw `<` or a `&` that does not start an entity.
fn well_formed(svg: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open]);
        let close = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "raw < inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap());
        }
        // Every attribute value is in double quotes, so the quote count is even.
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        check_text(tag);
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn check_text(t: &str) {
    for (i, _) in t.match_indices('&') {
        let ent = &t[i..t.len().min(i + 8)];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| ent.starts_with(e)),
            "bare & in {t:?}"
        );
    }
}

/// `(value of attribute, rest after it)` for the first `name="..."` in `s`.
fn attr<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let i = s.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&s[i..i + s[i..].find('"')?])
}

fn num(s: &str, name: &str) -> f64 {
    attr(s, name)
        .unwrap_or_else(|| panic!("{name} in {s}"))
        .parse()
        .unwrap()
}

/// Every element whose opening tag contains `marker`, as the text of that tag.
fn tags<'a>(svg: &'a str, marker: &str) -> Vec<&'a str> {
    svg.match_indices(marker)
        .map(|(i, _)| {
            let start = svg[..i + 1].rfind('<').unwrap();
            &svg[start..i + svg[i..].find('>').unwrap()]
        })
        .collect()
}

/// The y of the tick labelled `label` (the label's baseline is 4 px below the tick).
fn y_tick(svg: &str, label: &str) -> f64 {
    tags(svg, "class=\"tick-y\"")
        .into_iter()
        .find(|t| svg[svg.find(t).unwrap()..].starts_with(&format!("{t}>{label}<")))
        .map(|t| num(t, "y") - 4.0)
        .unwrap_or_else(|| panic!("no y tick {label}"))
}

/// `(x, label, date line)` of every x tick.
fn x_ticks(svg: &str) -> Vec<(f64, String)> {
    svg.match_indices("<text class=\"tick-x\"")
        .map(|(i, _)| {
            let tag_end = i + svg[i..].find('>').unwrap();
            let text_end = tag_end + svg[tag_end..].find('<').unwrap();
            (
                num(&svg[i..tag_end], "x"),
                svg[tag_end + 1..text_end].to_string(),
            )
        })
        .collect()
}

#[test]
fn one_path_per_series_with_legend_and_units() {
    let (input, a) = sawtooth();
    let svg = render_trend_svg(&input, &a);
    let series = tags(&svg, "<g class=\"series\"");
    assert_eq!(series.len(), 4);
    for (g, s) in series.iter().zip(&input.series) {
        assert_eq!(attr(g, "data-series"), Some(s.name.as_str()));
    }
    for s in &input.series {
        let at = svg.find(&format!("data-series=\"{}\"", s.name)).unwrap();
        let g = &svg[at..at + svg[at..].find("</g>").unwrap()];
        assert_eq!(g.matches("<path d=\"M").count(), 1, "{}", s.name);
        // Sampled once a minute for 3 days: drawn from at most 2 points per pixel column.
        assert!(g.matches('L').count() <= 2 * 960, "{}", s.name);
    }
    assert!(svg.contains(">memory (GiB)</text>"));
    assert!(svg.contains(">time (UTC)</text>"));
    let legend = &svg[svg.find("<g class=\"legend\">").unwrap()..];
    for s in &input.series {
        assert!(legend.contains(&format!(">{} ({})</text>", s.name, s.component.as_str())));
    }
    for entry in [
        "memory limit",
        "JVM max heap",
        "restart",
        "forecast to the limit",
        "fitted trend per segment",
    ] {
        assert!(legend.contains(&format!(">{entry}</text>")), "{entry}");
    }
    assert_eq!(
        tags(&svg, "<g class=\"fit\"").len(),
        a.series.iter().map(|s| s.fits.len()).sum::<usize>()
    );
}

#[test]
fn limit_and_heap_lines_sit_at_their_values() {
    let (input, a) = sawtooth();
    let svg = render_trend_svg(&input, &a);
    let limit = tags(&svg, "<line class=\"limit\"");
    assert_eq!(limit.len(), 1);
    assert!((num(limit[0], "y1") - y_tick(&svg, "4")).abs() < 0.11);
    assert_eq!(num(limit[0], "y1"), num(limit[0], "y2"));
    let heap = tags(&svg, "<line class=\"heap\"");
    assert!((num(heap[0], "y1") - y_tick(&svg, "1")).abs() < 0.11);
    assert!(svg.contains(">limit 4Gi</text>"));
    assert!(svg.contains(">JVM max heap 1Gi</text>"));
}

#[test]
fn restart_markers_sit_at_their_times() {
    let (input, a) = sawtooth();
    let svg = render_trend_svg(&input, &a);
    // Ticks every 12 hours from 2026-11-25 00:00 UTC (T0).
    let ticks = x_ticks(&svg);
    assert_eq!(ticks[0].1, "00:00");
    assert_eq!(ticks[1].1, "12:00");
    let px_per_s = (ticks[1].0 - ticks[0].0) / 43_200.0;
    let markers = tags(&svg, "<g class=\"restart\"");
    assert_eq!(markers.len(), a.restarts.len());
    for (m, r) in markers.iter().zip(&a.restarts) {
        let want = ticks[0].0 + (r.t - T0) * px_per_s;
        assert!((num(m, "data-x") - want).abs() < 0.2, "{m} vs {want}");
    }
    // The date sits under the first tick of each day.
    assert!(svg.contains(">Nov 25, 2026</text>"));
    assert!(svg.contains(">Nov 26</text>"));
}

#[test]
fn time_labels_follow_the_span() {
    let svg = render_trend_svg(&leak().0, &leak().1);
    assert!(
        x_ticks(&svg)
            .iter()
            .all(|(_, l)| l.len() == 5 && l.as_bytes()[2] == b':'),
        "HH:MM for hours"
    );
    let (input, a) = huge(1_000_000); // 11.6 days
    let svg = render_trend_svg(&input, &a);
    let ticks = x_ticks(&svg);
    assert!(
        ticks
            .iter()
            .all(|(_, l)| l.starts_with("Nov ") || l.starts_with("Dec ")),
        "{ticks:?}"
    );
}

#[test]
fn forecast_meets_the_limit() {
    let (input, a) = leak();
    let svg = render_trend_svg(&input, &a);
    let f = &svg[svg.find("<g class=\"forecast\"").unwrap()..];
    let circle = tags(f, "<circle")[0];
    assert!((num(circle, "cy") - y_tick(&svg, "4")).abs() < 0.11);
    // 7h 12m after the last sample (11:59): about 19:11, left of the 20:00 gridline.
    assert!(svg.contains(">reached in ~7h 12m (19:11 UTC)</text>"));
    let ticks = x_ticks(&svg);
    let px_per_h = ticks[1].0 - ticks[0].0;
    let hit = ticks[0].0 + (11.0 + 59.0 / 60.0 + 7.2) * px_per_h / 2.0;
    assert!(
        (num(circle, "cx") - hit).abs() < 2.0,
        "{} vs {hit}",
        num(circle, "cx")
    );
}

#[test]
fn names_from_user_data_are_escaped() {
    let (input, a) = eight();
    let opts = ChartOptions {
        title: Some("<b>&amp; \"t\"".into()),
        ..ChartOptions::default()
    };
    let svg = render_trend_svg_with(&input, &a, &opts);
    well_formed(&svg);
    assert!(!svg.contains("a<b"));
    assert!(svg.contains("data-series=\"a&lt;b&amp;&quot;c&quot;\""));
    assert!(svg.contains(">a&lt;b&amp;&quot;c&quot; (working_set)</text>"));
    assert!(svg.contains("<title>&lt;b&gt;&amp;amp; &quot;t&quot;</title>"));
    assert_eq!(tags(&svg, "<g class=\"series\"").len(), 8);
    // Eight distinct colours.
    let mut colours: Vec<&str> = tags(&svg, "<g class=\"series\"")
        .iter()
        .map(|g| {
            let at = svg.find(g).unwrap();
            attr(&svg[at..], "stroke").unwrap()
        })
        .collect();
    colours.sort_unstable();
    colours.dedup();
    assert_eq!(colours.len(), 8);
}

#[test]
fn size_is_bounded_by_the_width_not_the_samples() {
    let (small_in, small_a) = huge(10_000);
    let (big_in, big_a) = huge(1_000_000);
    let small = render_trend_svg(&small_in, &small_a);
    let big = render_trend_svg(&big_in, &big_a);
    assert!(big.len() < 64 * 1024, "{} bytes", big.len());
    assert!(
        big.len() < small.len() * 2,
        "{} vs {}",
        big.len(),
        small.len()
    );
    well_formed(&big);
}

#[test]
fn degenerate_inputs_draw_a_chart() {
    let (input, a) = empty();
    let svg = render_trend_svg(&input, &a);
    assert!(svg.contains(">no samples to draw</text>"));
    assert!(svg.contains(">memory (MiB)</text>"));
    let (input, a) = one_sample();
    let svg = render_trend_svg(&input, &a);
    // One dot per single-point series; no forecast without a fitted segment.
    assert_eq!(svg.matches("<circle").count(), 2);
    assert!(!x_ticks(&svg).is_empty());
    let tiny = ChartOptions {
        width: 1,
        height: 1,
        title: None,
    };
    let svg = render_trend_svg_with(&sawtooth().0, &sawtooth().1, &tiny);
    assert!(svg.contains("width=\"320\""));
    well_formed(&svg);
}

#[test]
fn numbers_that_are_not_numbers_never_reach_the_output() {
    let (input, mut a) = sawtooth();
    a.limit_bytes = Some(f64::INFINITY);
    a.jvm_max_heap_bytes = Some(f64::NAN);
    a.time_to_limit_seconds = Some(oomdoc_series::Estimate {
        value: f64::NAN,
        low: f64::NEG_INFINITY,
        high: f64::INFINITY,
    });
    a.restarts[0].t = f64::NAN;
    a.series[0].fits[0].intercept = f64::NAN;
    a.series[1].slope_bytes_per_hour = f64::INFINITY;
    a.peak_bytes = Some(f64::NAN);
    let svg = render_trend_svg(&input, &a);
    well_formed(&svg);
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    // The data still sets the axis.
    assert!(svg.contains(">memory (GiB)</text>"));
    let mut text = Vec::new();
    oomdoc_report::trend::write_trend_text(&input, &a, oomdoc_report::Style::PLAIN, &mut text)
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    let mut json = Vec::new();
    oomdoc_report::trend::write_trend_json(&input, &a, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(v["limit_bytes"].is_null());
    assert!(v["time_to_limit_seconds"].is_null());
    let html = render_trend_html(&input, &a);
    assert!(!html.contains("NaN"));
}
