//! The writers on what `oomdoc_series::analyze` really says about generated series: the seed
//! incident (OOM-killed again and again while kernel memory grows), a leak, a warm-up and a
//! steady series, plus the degenerate inputs. Set `OOMDOC_TREND_DUMP=DIR` to keep the charts.

mod trend_fixtures;

use oomdoc_report::trend::{
    render_trend_html, render_trend_svg, write_trend_json, write_trend_text,
};
use oomdoc_series::{analyze, Analysis, Component, Input, Options, Termination, Verdict};
use trend_fixtures::*;

struct Rendered {
    a: Analysis,
    text: String,
    json: serde_json::Value,
    svg: String,
    html: String,
}

fn render(name: &str, input: &Input) -> Rendered {
    let a = analyze(input, &Options::default());
    let mut text = Vec::new();
    write_trend_text(input, &a, oomdoc_report::Style::PLAIN, &mut text).unwrap();
    let mut json = Vec::new();
    write_trend_json(input, &a, &mut json).unwrap();
    let svg = render_trend_svg(input, &a);
    let html = render_trend_html(input, &a);
    if let Ok(dir) = std::env::var("OOMDOC_TREND_DUMP") {
        std::fs::write(format!("{dir}/analyzed_{name}.svg"), &svg).unwrap();
        std::fs::write(format!("{dir}/analyzed_{name}.html"), &html).unwrap();
        std::fs::write(format!("{dir}/analyzed_{name}.txt"), &text).unwrap();
    }
    let text = String::from_utf8(text).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    // Whatever the analysis says, every format says the same verdict.
    assert!(
        text.starts_with(&format!("verdict: {}:", a.verdict.as_str())),
        "{name}: {text}"
    );
    assert_eq!(json["verdict"], a.verdict.as_str(), "{name}");
    assert!(html.contains(&format!(
        "v-{}\">{}</span>",
        a.verdict.as_str(),
        a.verdict.as_str()
    )));
    assert!(!svg.contains("NaN") && !svg.contains("inf\""), "{name}");
    assert_eq!(
        svg.matches("<g class=\"series\"").count(),
        input.series.len(),
        "{name}"
    );
    assert!(svg.matches("<g class=\"restart\"").count() <= a.restarts.len());
    Rendered {
        a,
        text,
        json,
        svg,
        html,
    }
}

/// The seed incident with its OOM kills reported as terminations.
fn seed_input() -> Input {
    let (mut input, a) = sawtooth();
    input.terminations = a
        .restarts
        .iter()
        .map(|r| Termination {
            t: r.t,
            reason: "OOMKilled".into(),
        })
        .collect();
    input
}

#[test]
fn seed_incident() {
    let r = render("sawtooth", &seed_input());
    assert_eq!(r.a.verdict, Verdict::SawtoothRestarts, "{}", r.text);
    assert_eq!(r.a.growing_component, Some(Component::Kernel), "{}", r.text);
    assert!(r.a.restarts.len() >= 5);
    assert_eq!(
        r.svg.matches("<g class=\"restart\"").count(),
        r.a.restarts.len()
    );
    assert!(r.text.contains("growing component: kernel"));
    assert!(r.text.contains("OOMKilled"));
    assert_eq!(r.json["growing_component"], "kernel");
    assert!(r.json["restart_period_seconds"].as_f64().unwrap() > 10.0 * 3600.0);
    assert!(r.html.contains("<h2>Restarts</h2>"));
}

#[test]
fn leak_before_the_first_kill() {
    let r = render("leak", &leak().0);
    assert_eq!(r.a.verdict, Verdict::Leak, "{}", r.text);
    let ttl = r.json["time_to_limit_seconds"]
        .as_f64()
        .expect("a time to the limit");
    // 2.94Gi at 150Mi/h towards 4Gi: about 7 hours.
    assert!((6.0 * 3600.0..8.5 * 3600.0).contains(&ttl), "{ttl}");
    assert!(r.svg.contains("<g class=\"forecast\""));
    assert!(r.svg.contains(">reached in ~"));
}

#[test]
fn warm_up_is_not_a_leak() {
    let r = render("warm_up", &warm_up().0);
    assert_eq!(r.a.verdict, Verdict::WarmingUp, "{}", r.text);
    assert!(r.json["time_to_limit_seconds"].is_null());
    assert!(!r.svg.contains("<g class=\"forecast\""));
    assert!(r.svg.contains(">JVM max heap 1Gi</text>"));
}

#[test]
fn steady_series() {
    let r = render("steady", &steady().0);
    assert_eq!(r.a.verdict, Verdict::Steady, "{}", r.text);
    assert!(r.text.contains("restarts: none seen"));
}

#[test]
fn many_series_huge_series_and_nothing_at_all() {
    let r = render("eight", &eight().0);
    assert_eq!(r.json["series"].as_array().unwrap().len(), 8);
    let r = render("huge", &huge(20_000).0);
    assert!(r.svg.len() < 64 * 1024, "{}", r.svg.len());
    let r = render("empty", &empty().0);
    assert_eq!(r.a.verdict, Verdict::InsufficientData);
    assert!(r.svg.contains(">no samples to draw</text>"));
    let r = render("one_sample", &one_sample().0);
    assert_eq!(r.a.verdict, Verdict::InsufficientData);
}
