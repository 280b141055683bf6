//! The file readers on realistic exports (fixtures/), read as `oomdoc trend FILE` reads them:
//! detected by content, streamed, into an `Input`.

use std::fs::File;
use std::io::BufReader;

use oomdoc_metrics::csv::CsvOptions;
use oomdoc_metrics::{read_any, Collector, Error, Format, Loaded};
use oomdoc_series::Component;

const MI: f64 = 1048576.0;

fn load(name: &str, opts: CsvOptions) -> (Format, Loaded) {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let f = File::open(&path).expect("fixture");
    let mut c = Collector::new();
    let format = read_any(BufReader::new(f), name, &opts, &mut c).expect("readable");
    (format, c.finish(name).expect("samples"))
}

#[test]
fn grafana_series_joined_by_time_epoch_ms() {
    let (format, l) = load("grafana_joined_ms.csv", CsvOptions::default());
    assert_eq!(format, Format::Csv);
    let comps: Vec<Component> = l.input.series.iter().map(|s| s.component).collect();
    assert_eq!(
        comps,
        vec![Component::WorkingSet, Component::Rss, Component::Cache]
    );
    let rss = &l.input.series[1];
    assert_eq!(
        rss.name,
        r#"container_memory_rss{pod="admin-7d9",container="admin"}"#
    );
    assert_eq!(rss.samples.len(), 120);
    assert_eq!(rss.samples[0].t, 1714557600.0, "milliseconds read as such");
    assert_eq!(rss.samples[119].t - rss.samples[0].t, 119.0 * 60.0);
    // 400 MiB + 2 MiB per row, within the +-1 MiB noise the fixture adds.
    assert!((rss.samples[119].v - (400.0 + 238.0) * MI).abs() <= MI);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn grafana_formatted_for_excel_semicolons_units_and_gaps() {
    let (_, l) = load("grafana_formatted_excel.csv", CsvOptions::default());
    assert_eq!(l.input.series.len(), 2);
    let ws = &l.input.series[0];
    assert_eq!(ws.name, "admin working set");
    assert_eq!(ws.component, Component::WorkingSet);
    assert_eq!(ws.samples.len(), 59, "the empty cell is a gap");
    assert_eq!(ws.samples[0].v, 300.0 * MI);
    assert_eq!(
        ws.samples[0].t, 1714557600.0,
        "2024-05-01 10:00:00 read as UTC"
    );
    assert_eq!(l.input.series[1].component, Component::Rss);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn datadog_query_api_json() {
    let (format, l) = load("datadog_query.json", CsvOptions::default());
    assert_eq!(format, Format::DatadogJson);
    assert_eq!(l.input.series.len(), 1);
    let rss = &l.input.series[0];
    assert_eq!(rss.component, Component::Rss);
    assert_eq!(rss.name, "avg:container.memory.rss{kube_deployment:admin}");
    assert_eq!(rss.samples.len(), 49, "the null point is a gap");
    assert_eq!(rss.samples[0].t, 1714557600.0);
    let limit = l.input.limit_series.expect("container.memory.limit");
    assert_eq!(limit.samples[0].v, 2147483648.0);
}

#[test]
fn prometheus_query_range_with_restart_limit_restarts_oomkilled_and_jvm_pools() {
    let (format, l) = load("prometheus_query_range.json", CsvOptions::default());
    assert_eq!(format, Format::PrometheusJson);
    let i = &l.input;
    let names: Vec<(&str, Component)> = i
        .series
        .iter()
        .map(|s| (s.name.as_str(), s.component))
        .collect();
    assert_eq!(
        names,
        vec![
            (
                r#"container_memory_working_set_bytes{pod="admin-7d9",container="admin"}"#,
                Component::WorkingSet
            ),
            (
                r#"jvm_memory_used_bytes{pod="admin-7d9",area="nonheap"}"#,
                Component::Other
            ),
            (
                r#"jvm_memory_used_bytes{pod="admin-7d9",area="heap"}"#,
                Component::Heap
            ),
        ]
    );
    // The two cAdvisor ids of the restarted container are one series with the drop in it.
    let ws = &i.series[0];
    assert_eq!(ws.samples.len(), 60);
    assert!(ws.samples[30].v < ws.samples[29].v);
    // The heap is the sum of its pools at each time.
    let heap = &i.series[2];
    assert_eq!(heap.samples.len(), 60);
    assert_eq!(heap.samples[0].v, 122.0 * MI);
    assert_eq!(heap.samples[59].v, (122.0 + 3.0 * 59.0) * MI);
    // Undefined pool maxima (-1) are left out: G1's max heap is the old gen's.
    assert_eq!(i.jvm_max_heap_bytes, Some(768.0 * MI));
    assert_eq!(i.limit_series.as_ref().unwrap().samples.len(), 60);
    assert_eq!(i.restarts.as_ref().unwrap().samples.last().unwrap().v, 4.0);
    assert_eq!(i.terminations.len(), 1);
    assert_eq!(i.terminations[0].reason, "OOMKilled");
    assert_eq!(i.terminations[0].t, 1714557600.0 + 30.0 * 60.0);
}

#[test]
fn prometheus_error_body_is_reported() {
    let path = format!(
        "{}/tests/fixtures/prometheus_error.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut c = Collector::new();
    let e = read_any(
        BufReader::new(File::open(path).unwrap()),
        "e.json",
        &CsvOptions::default(),
        &mut c,
    )
    .expect_err("an error response");
    match e {
        Error::Prometheus { error_type, error } => {
            assert_eq!(error_type, "bad_data");
            assert!(error.contains("parse error"), "{error}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn spreadsheet_with_units_in_headers_and_tabs() {
    let (_, l) = load(
        "spreadsheet_units.tsv",
        CsvOptions {
            unit_factor: Some(1e9),
        },
    );
    let s = &l.input.series;
    assert_eq!(s.len(), 3);
    assert_eq!(
        (s[0].component, s[0].samples[0].v),
        (Component::Rss, 200.0 * MI)
    );
    assert_eq!(
        (s[1].component, s[1].samples[0].v),
        (Component::Cache, 80.0 * MI)
    );
    assert_eq!(
        (s[2].component, s[2].samples[1].v),
        (Component::Kernel, 20500.0 * 1024.0)
    );
}

#[test]
fn unit_flag_applies_where_the_header_has_none() {
    let text = "time,rss\n2024-05-01T10:00:00Z,1.5\n";
    let mut c = Collector::new();
    oomdoc_metrics::csv::read_csv(
        text.as_bytes(),
        "x",
        &CsvOptions {
            unit_factor: Some(1073741824.0),
        },
        &mut c,
    )
    .unwrap();
    assert_eq!(
        c.finish("x").unwrap().input.series[0].samples[0].v,
        1.5 * 1073741824.0
    );
}

#[test]
fn not_a_series_is_a_clear_error() {
    for (text, want) in [
        ("", "empty"),
        ("just some words\nand more\n", "no memory series"),
        ("{\"kind\": \"Pod\"}", "no `data`"),
        ("{ not json", "not a Prometheus API response"),
    ] {
        let mut c = Collector::new();
        let r = read_any(text.as_bytes(), "f", &CsvOptions::default(), &mut c)
            .and_then(|_| c.finish("f").map(|_| Format::Csv));
        let e = r.expect_err(text).to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
}

#[test]
fn datadog_csv_exporter() {
    let (_, l) = load("datadog_csv_exporter.csv", CsvOptions::default());
    let s = &l.input.series;
    assert_eq!(s.len(), 2, "the pandas index column is no series: {s:?}");
    assert_eq!(
        s[0].name,
        "container.memory.rss (avg){kube_deployment:admin}"
    );
    assert_eq!(s[0].component, Component::Rss);
    assert_eq!(s[0].samples.len(), 29, "the empty cell is a gap");
    assert_eq!(s[0].samples[0].t, 1714557600.0);
    assert_eq!(
        s[1].name,
        "container.memory.rss (avg){kube_deployment:worker}"
    );
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}
