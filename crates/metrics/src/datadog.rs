//! Datadog's metrics query API (`GET /api/v1/query`) response, as saved with `curl`:
//! `{"status":"ok","res_type":"time_series","series":[{"metric":"container.memory.rss",
//! "expression":"avg:container.memory.rss{...}","scope":"...","pointlist":[[ms, v], ...],
//! "unit":[{"family":"bytes","scale_factor":1.0,...}, null]}]}`. Points are milliseconds since
//! the epoch; a `null` value is a gap.

use std::io::Read;

use serde::Deserialize;

use crate::collect::Collector;
use crate::names::classify;
use crate::points::Points;
use crate::Error;

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
    #[serde(default)]
    series: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    expression: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    pointlist: Points,
    #[serde(default)]
    unit: Option<Vec<Option<Unit>>>,
}

#[derive(Deserialize)]
struct Unit {
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    scale_factor: Option<f64>,
}

/// Reads one or more Datadog query responses (at most [`crate::prom_json::MAX_JSON`] bytes).
pub fn read_datadog_json<R: Read>(r: R, what: &str, c: &mut Collector) -> Result<(), Error> {
    crate::prom_json::capped(r, |r| read_responses(r, what, c))
}

/// The responses of `r`, uncapped.
pub(crate) fn read_responses<R: Read>(r: R, what: &str, c: &mut Collector) -> Result<(), Error> {
    let mut n = 0;
    for resp in serde_json::Deserializer::from_reader(r).into_iter::<Response>() {
        let resp =
            resp.map_err(|e| Error::Json(format!("{what}: not a Datadog query response: {e}")))?;
        if resp.status.as_deref() == Some("error")
            || resp.error.is_some()
            || !resp.errors.is_empty()
        {
            let msg = resp.error.unwrap_or_else(|| resp.errors.join("; "));
            return Err(Error::Json(format!("{what}: Datadog error: {msg}")));
        }
        for s in resp.series {
            let metric = s.metric.unwrap_or_default();
            let title = match (&s.expression, &s.scope) {
                (Some(e), _) => e.clone(),
                (None, Some(scope)) => format!("{metric}{{{scope}}}"),
                (None, None) => metric.clone(),
            };
            // The metric's own unit (bytes family) scales to bytes; `unit[0]` is the numerator.
            let factor = s
                .unit
                .as_ref()
                .and_then(|u| u.first())
                .and_then(|u| u.as_ref())
                .filter(|u| u.family.as_deref() == Some("bytes"))
                .and_then(|u| u.scale_factor)
                .filter(|f| f.is_finite() && *f > 0.0)
                .unwrap_or(1.0);
            let role = classify(if metric.is_empty() { &title } else { &metric });
            let slot = c.slot_with_role(&title, role, None);
            for p in s.pointlist.0 {
                c.push(slot, p.t, p.v * factor);
            }
        }
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
    fn pointlist_in_ms_with_gaps() {
        let j = r#"{"status":"ok","res_type":"time_series","series":[{"metric":"container.memory.rss","display_name":"container.memory.rss","expression":"avg:container.memory.rss{kube_deployment:admin}","scope":"kube_deployment:admin","pointlist":[[1714557600000.0,100.0],[1714557660000.0,null],[1714557720000.0,300.0]],"unit":[{"family":"bytes","scale_factor":1.0,"name":"byte","short_name":"B","plural":"bytes","id":2},null]}],"from_date":1714557600000,"to_date":1714557720000,"query":"avg:container.memory.rss{kube_deployment:admin}"}"#;
        let mut c = Collector::new();
        read_datadog_json(j.as_bytes(), "dd.json", &mut c).unwrap();
        let l = c.finish("dd").unwrap();
        let s = &l.input.series[0];
        assert_eq!(s.component, Component::Rss);
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.samples[1].t, 1714557720.0);
    }
}
