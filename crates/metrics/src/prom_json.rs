//! Prometheus HTTP API responses (`/api/v1/query_range`, `/api/v1/query`): what `curl` saves,
//! also several responses in one file one after another, and `{"status":"error",...}` bodies.
//! The same code reads the client's pages.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;

use crate::collect::Collector;
use crate::names::{classify_name, split_metric, Role};
use crate::points::{Point, Points};
use crate::Error;

/// The most a JSON file of samples may hold: 64 MiB. A file is parsed one response at a time,
/// each held whole while it is read (about as many bytes of memory as of text), so this is the
/// memory bound too. A query_range page is at most 11,000 points per series (about 26 bytes a
/// point, 290 KB); 64 MiB is 2.5 million points, some 230 full pages of one workload's series,
/// more than any export `trend` is for; a larger file is refused when the cap is passed (not
/// read to its end), with the advice to split it or export CSV (read line by line).
pub const MAX_JSON: u64 = 64 << 20;

/// Runs `read` on at most [`MAX_JSON`] bytes of `r`: an input longer than that is
/// [`Error::JsonTooLong`], whatever `read` made of its cut end.
pub(crate) fn capped<R: Read>(
    r: R,
    read: impl FnOnce(&mut std::io::Take<R>) -> Result<(), Error>,
) -> Result<(), Error> {
    capped_at(MAX_JSON, r, read)
}

/// [`capped`] at `cap` bytes.
fn capped_at<R: Read>(
    cap: u64,
    r: R,
    read: impl FnOnce(&mut std::io::Take<R>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut t = r.take(cap + 1);
    let res = read(&mut t);
    if t.limit() == 0 {
        return Err(Error::JsonTooLong { cap });
    }
    res
}

/// One response body.
#[derive(Deserialize)]
pub struct Response {
    /// `success` or `error`.
    #[serde(default)]
    pub status: Option<String>,
    /// The data, on success.
    #[serde(default)]
    pub data: Option<Data>,
    /// `bad_data`, `execution`, `timeout`, ... on error.
    #[serde(default, rename = "errorType")]
    pub error_type: Option<String>,
    /// The error message.
    #[serde(default)]
    pub error: Option<String>,
    /// Warnings (e.g. from a Thanos or Mimir query frontend).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The `data` object.
#[derive(Deserialize)]
pub struct Data {
    /// `matrix` or `vector`.
    #[serde(default, rename = "resultType")]
    pub result_type: Option<String>,
    /// The series.
    #[serde(default)]
    pub result: Vec<ResultSeries>,
}

/// One series of a result.
#[derive(Deserialize)]
pub struct ResultSeries {
    /// Its labels, with `__name__` unless the query aggregated it away.
    #[serde(default)]
    pub metric: BTreeMap<String, String>,
    /// Range query samples.
    #[serde(default)]
    pub values: Points,
    /// Instant query sample.
    #[serde(default)]
    pub value: Option<Point>,
}

impl Response {
    /// The series, or the error Prometheus reported.
    pub fn into_result(self) -> Result<(Vec<ResultSeries>, Vec<String>), Error> {
        if self.status.as_deref() == Some("error") || self.error.is_some() {
            return Err(Error::Prometheus {
                error_type: self.error_type.unwrap_or_else(|| "unknown".into()),
                error: self.error.unwrap_or_default(),
            });
        }
        let data = self
            .data
            .ok_or_else(|| Error::Json("no `data` in the response".into()))?;
        if let Some(t) = data.result_type.as_deref() {
            if t != "matrix" && t != "vector" {
                return Err(Error::Json(format!(
                    "resultType `{t}` is not a series (matrix or vector)"
                )));
            }
        }
        Ok((data.result, self.warnings))
    }
}

/// Adds result series to `c`. `metric` names them when the query aggregated `__name__` away;
/// `fallback` (a raw query's text) names results that have neither.
pub fn collect_results(
    results: Vec<ResultSeries>,
    metric: Option<&str>,
    fallback: &str,
    c: &mut Collector,
) {
    for mut r in results {
        // The query's own name and labels (`jvm_memory_used_bytes{area="heap"}`), then the result's.
        let mut m = metric.map(split_metric).unwrap_or_default();
        if m.name.is_empty() {
            m.name = r
                .metric
                .remove("__name__")
                .unwrap_or_else(|| fallback.to_string());
        }
        for (k, v) in r.metric {
            if k != "__name__" && m.label(&k).is_none() {
                m.labels.push((k, v));
            }
        }
        let role = if m.name.is_empty() {
            Role::Memory(oomdoc_series::Component::Other)
        } else {
            classify_name(
                &m.name.to_ascii_lowercase(),
                m.label("area").map(str::to_ascii_lowercase).as_deref(),
            )
        };
        let fallback = if m.labels.is_empty() {
            "series".to_string()
        } else {
            let l: Vec<String> = m
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect();
            format!("{{{}}}", l.join(","))
        };
        let slot = c.slot_for_metric(&m, role, &fallback);
        for s in r.values.0.into_iter().chain(r.value.and_then(|p| p.0)) {
            c.push(slot, s.t, s.v);
        }
    }
}

/// Reads a file of one or more responses (at most [`MAX_JSON`] bytes).
pub fn read_prom_json<R: Read>(r: R, what: &str, c: &mut Collector) -> Result<(), Error> {
    capped(r, |r| read_responses(r, what, c))
}

fn read_responses<R: Read>(r: R, what: &str, c: &mut Collector) -> Result<(), Error> {
    let mut n = 0;
    for resp in serde_json::Deserializer::from_reader(r).into_iter::<Response>() {
        let resp =
            resp.map_err(|e| Error::Json(format!("{what}: not a Prometheus API response: {e}")))?;
        let (results, warnings) = resp.into_result()?;
        for w in warnings {
            c.warn(format!("{what}: Prometheus warning: {w}"));
        }
        collect_results(results, None, "", c);
        n += 1;
    }
    if n == 0 {
        return Err(Error::NoData(format!("{what} is empty")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oomdoc_series::Component;

    #[test]
    fn matrix_with_restarted_container_is_one_series() {
        let j = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"container_memory_rss","container":"app","pod":"p","id":"/a"},"values":[[1714557600,"100"],[1714557660,"200"]]},
          {"metric":{"__name__":"container_memory_rss","container":"app","pod":"p","id":"/b"},"values":[[1714557720,"50"],[1714557780,"NaN"]]},
          {"metric":{"__name__":"container_spec_memory_limit_bytes","container":"app","pod":"p"},"values":[[1714557600,"1000"]]}]}}"#;
        let mut c = Collector::new();
        read_prom_json(j.as_bytes(), "f", &mut c).unwrap();
        let l = c.finish("f").unwrap();
        assert_eq!(l.input.series.len(), 1);
        assert_eq!(
            l.input.series[0].name,
            r#"container_memory_rss{pod="p",container="app"}"#
        );
        assert_eq!(l.input.series[0].component, Component::Rss);
        assert_eq!(l.input.series[0].samples.len(), 3, "NaN dropped");
        assert_eq!(l.input.limit_series.unwrap().samples[0].v, 1000.0);
    }

    #[test]
    fn error_body() {
        let j = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"}"#;
        let mut c = Collector::new();
        match read_prom_json(j.as_bytes(), "f", &mut c) {
            Err(Error::Prometheus { error_type, error }) => {
                assert_eq!(error_type, "bad_data");
                assert!(error.contains("parse error"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn concatenated_responses_and_vectors() {
        let j = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"container_memory_working_set_bytes"},"value":[1714557600.5,"7"]}]}}
{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"container_memory_working_set_bytes"},"values":[[1714557601,"8"]]}]}}"#;
        let mut c = Collector::new();
        read_prom_json(j.as_bytes(), "f", &mut c).unwrap();
        let l = c.finish("f").unwrap();
        assert_eq!(l.input.series[0].samples.len(), 2);
        assert_eq!(l.input.series[0].samples[0].t, 1714557600.5);
    }

    #[test]
    fn scalar_is_refused() {
        let j = r#"{"status":"success","data":{"resultType":"scalar","result":[1714557600,"1"]}}"#;
        let mut c = Collector::new();
        assert!(read_prom_json(j.as_bytes(), "f", &mut c).is_err());
    }

    /// The readers stop at the cap (here 1 MiB, to be quick in a debug build; the CLI's tests
    /// pipe a stream past the real one) with the error, not at the end of the stream.
    #[test]
    fn a_document_past_the_cap_is_an_error_before_it_is_read_whole() {
        use crate::csv::tests::Endless;
        const CAP: u64 = 1 << 20;
        let prom = |r: &mut dyn Read| read_responses(r, "f", &mut Collector::new());
        let datadog =
            |r: &mut dyn Read| crate::datadog::read_responses(r, "f", &mut Collector::new());
        type Reader<'a> = &'a dyn Fn(&mut dyn Read) -> Result<(), Error>;
        let cases: [(&[u8], u8, Reader); 3] = [
            (br#"{"status":"success","data":"#, b' ', &prom),
            (
                br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,""#,
                b'9',
                &prom,
            ),
            (br#"{"status":"ok","res_type":"time_series","series":["#, b' ', &datadog),
        ];
        for (head, fill, read) in cases {
            let mut input = Endless {
                head: head.to_vec(),
                fill,
                read: 0,
            };
            let r = std::io::BufReader::new(&mut input);
            let e = capped_at(CAP, r, |r| read(r)).unwrap_err();
            assert!(matches!(e, Error::JsonTooLong { cap: CAP }), "{e:?}");
            assert!(e.to_string().starts_with("longer than 1Mi:"), "{e}");
            assert!(input.read <= CAP + 64 * 1024, "{}", input.read);
        }
        // At the cap, a whole document is read.
        let doc = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        let len = doc.len() as u64;
        assert!(capped_at(len, &doc[..], |r| prom(r)).is_ok());
        let e = capped_at(len - 1, &doc[..], |r| prom(r));
        assert!(matches!(e, Err(Error::JsonTooLong { .. })), "{e:?}");
    }
}
