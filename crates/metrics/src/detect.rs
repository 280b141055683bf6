//! Which reader a file needs, from its first bytes: Prometheus API JSON, Datadog query JSON,
//! else CSV.

/// A file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A Prometheus `/api/v1/query_range` (or `/query`) response.
    PrometheusJson,
    /// A Datadog `/api/v1/query` response.
    DatadogJson,
    /// CSV (or TSV, or `;`-separated).
    Csv,
}

/// The format of a file starting with `head`.
pub fn detect(head: &[u8]) -> Format {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if t.contains("\"pointlist\"") || t.contains("\"res_type\"") {
            Format::DatadogJson
        } else {
            Format::PrometheusJson
        }
    } else {
        Format::Csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content() {
        assert_eq!(
            detect(br#"{"status":"success","data":{"resultType":"matrix"}}"#),
            Format::PrometheusJson
        );
        assert_eq!(
            detect(b"\xef\xbb\xbf  {\"status\":\"ok\",\"res_type\":\"time_series\"}"),
            Format::DatadogJson
        );
        assert_eq!(detect(b"\"Time\",\"x\"\r\n1,2"), Format::Csv);
        assert_eq!(detect(b"sep=,\r\n"), Format::Csv);
    }
}
