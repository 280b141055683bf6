//! `oomdoc trend` as text, JSON and HTML, on the hand-built fixtures.

mod trend_fixtures;

use oomdoc_report::trend::{render_trend_html, write_trend_json, write_trend_text};
use oomdoc_series::{Analysis, Input};
use serde_json::Value;
use trend_fixtures::*;

fn text(f: (Input, Analysis)) -> String {
    let mut out = Vec::new();
    write_trend_text(&f.0, &f.1, oomdoc_report::Style::PLAIN, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn json(f: &(Input, Analysis)) -> (String, Value) {
    let mut out = Vec::new();
    write_trend_json(&f.0, &f.1, &mut out).unwrap();
    let s = String::from_utf8(out).unwrap();
    let v = serde_json::from_str(&s).expect("valid JSON");
    (s, v)
}

#[test]
fn text_sawtooth() {
    insta::assert_snapshot!("trend_text_sawtooth", text(sawtooth()));
}

#[test]
fn text_leak() {
    insta::assert_snapshot!("trend_text_leak", text(leak()));
}

#[test]
fn text_warm_up() {
    insta::assert_snapshot!("trend_text_warm_up", text(warm_up()));
}

#[test]
fn text_steady_and_degenerate() {
    insta::assert_snapshot!("trend_text_steady", text(steady()));
    insta::assert_snapshot!("trend_text_empty", text(empty()));
    insta::assert_snapshot!("trend_text_one_sample", text(one_sample()));
}

#[test]
fn json_sawtooth_snapshot() {
    let (s, _) = json(&sawtooth());
    insta::assert_snapshot!("trend_json_sawtooth", s);
}

#[test]
fn json_keys_in_the_documented_order() {
    let (s, v) = json(&sawtooth());
    let keys = [
        "verdict",
        "reason",
        "primary",
        "growing_component",
        "series",
        "restarts",
        "restart_period_seconds",
        "time_to_limit_seconds",
        "time_to_limit_interval_seconds",
        "limit_bytes",
        "jvm_max_heap_bytes",
        "peak_bytes",
        "recommendation",
        "next_steps",
    ];
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    let mut top_sorted = top.clone();
    top_sorted.sort_unstable();
    assert_eq!(top_sorted, sorted, "exactly the documented keys");
    // Order is part of the contract: check it on the raw text, top level (two spaces in).
    let mut at = 0;
    for k in keys {
        let i = s[at..]
            .find(&format!("\n  \"{k}\":"))
            .unwrap_or_else(|| panic!("{k} missing or out of order"));
        at += i + 1;
    }
    let series = &v["series"][0];
    for k in [
        "name",
        "component",
        "samples",
        "first_bytes",
        "last_bytes",
        "min_bytes",
        "max_bytes",
        "slope_bytes_per_hour",
        "slope_ci_bytes_per_hour",
        "p_value",
        "levels_off",
        "segments",
    ] {
        assert!(series.get(k).is_some(), "series.{k}");
    }
    assert_eq!(series["component"], "working_set");
    assert_eq!(v["verdict"], "sawtooth_restarts");
    assert_eq!(v["growing_component"], "kernel");
    assert_eq!(v["limit_bytes"], 4_294_967_296_i64);
    assert_eq!(v["jvm_max_heap_bytes"], 1_073_741_824_i64);
    assert!(v["time_to_limit_seconds"].as_f64().unwrap() > 0.0);
    let interval = v["time_to_limit_interval_seconds"].as_array().unwrap();
    assert!(interval[0].as_f64().unwrap() < interval[1].as_f64().unwrap());
    let r = &v["restarts"][0];
    assert_eq!(r["source"], "termination");
    assert_eq!(r["reason"], "OOMKilled");
    assert!(r["time"].as_str().unwrap().starts_with("2026-11-25T"));
    assert_eq!(v["recommendation"]["meaningful"], false);
    assert_eq!(v["recommendation"]["limit_bytes"], 5 * 1_073_741_824_i64);
    // Segments: one per stretch between restarts.
    let restarts = v["restarts"].as_array().unwrap().len();
    assert_eq!(series["segments"].as_array().unwrap().len(), restarts + 1);
    assert!(s.ends_with("}\n"));
}

#[test]
fn json_degenerate_inputs() {
    let (_, v) = json(&empty());
    assert_eq!(v["verdict"], "insufficient_data");
    assert_eq!(v["series"], serde_json::json!([]));
    assert!(v["time_to_limit_seconds"].is_null());
    assert!(v["time_to_limit_interval_seconds"].is_null());
    assert!(v["recommendation"].is_null());
    let (_, v) = json(&one_sample());
    // An unbounded interval end is null: JSON has no infinity.
    assert_eq!(
        v["time_to_limit_interval_seconds"],
        serde_json::json!([0.0, null])
    );
    assert!(v["series"][0]["p_value"].is_null());
    assert_eq!(v["series"][0]["samples"], 1);
}

#[test]
fn html_is_self_contained_and_has_the_findings() {
    let (input, mut a) = sawtooth();
    a.next_steps
        .push("check <script>alert(1)</script> & \"quotes\"".into());
    let html = render_trend_html(&input, &a);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.ends_with("</html>\n"));
    for bad in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "@import",
        "url(http",
        "<script",
        "<link",
    ] {
        assert!(!html.contains(bad), "{bad}");
    }
    // The one URL allowed is the SVG namespace, which is a name, not a fetch.
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(
        urls,
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert_eq!(html.matches("<svg ").count(), 1);
    assert!(html.contains("class=\"verdict v-sawtooth_restarts\">sawtooth_restarts</span>"));
    assert!(html.contains("OOMKilled"));
    assert!(
        html.contains("kernel (+243Mi/h)") || html.contains("<dt>Growing component</dt><dd>kernel")
    );
    assert!(html.contains("check &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
    assert!(html.contains("No limit fixes a leak"));
}

/// Any float a source can hold, infinities and NaN included.
fn wild_f64() -> impl proptest::strategy::Strategy<Value = f64> {
    use proptest::prelude::*;
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MAX),
        -1e12f64..1e12,
        any::<f64>(),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

    /// The JSON writer takes any analysis: numbers that are not finite become `null`. (The
    /// series crate checked this on its own types when they serialised themselves.)
    #[test]
    fn json_is_written_for_any_analysis(
        pts in proptest::collection::vec((wild_f64(), wild_f64()), 0..40),
        limit in proptest::option::of(wild_f64()),
        heap in proptest::option::of(wild_f64()),
    ) {
        use oomdoc_series::{analyze, Component, Options, Sample, Series, Termination};
        let samples = pts.iter().map(|&(t, v)| Sample { t, v }).collect();
        let input = Input {
            series: vec![Series { name: "wild".into(), component: Component::Usage, samples }],
            limit_bytes: limit,
            terminations: pts.iter().take(2).map(|&(t, _)| Termination { t, reason: "OOMKilled".into() }).collect(),
            jvm_max_heap_bytes: heap,
            ..Input::default()
        };
        let a = analyze(&input, &Options::default());
        let (s, v) = json(&(input, a));
        proptest::prop_assert!(v.is_object());
        proptest::prop_assert!(s.ends_with("}\n"), "{}", s);
    }
}
