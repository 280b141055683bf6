//! CSV exports, streamed row by row: a time column and one or more value columns, as Grafana
//! ("Inspect > Data > Download CSV", series joined by time: `"Time","{__name__=""x"", ...}"`,
//! epoch milliseconds or `2024-05-01 10:00:00`, `,` or the locale's `;`, CRLF, an optional Excel
//! `sep=,` line, formatted values like `1.20 GiB`), Datadog (timestamp + one column per query),
//! spreadsheets and `oomdoc trend --record` write them. Also the long form (`series,time,value`).
//!
//! Units come from the header (`rss (MiB)`, `cache [GB]`), else `--unit`, else bytes.

use std::io::BufRead;

use crate::collect::{Collector, Slot};
use crate::names::{classify, split_metric, Role};
use crate::timestamp::parse_timestamp;
use crate::units::{parse_value, split_header_unit};
use crate::Error;

/// A record longer than this (an unterminated quote) is an error, not a memory hog.
const MAX_RECORD: usize = 1 << 20;

/// The longest line read: 1 MiB. The widest real row (Grafana joining a few hundred series by
/// time, about 20 bytes a cell) is tens of KB; a longer "line" is no CSV (a binary or JSON file
/// without newlines, `/dev/zero`) and is refused when the cap is passed, never read whole.
pub const MAX_LINE: usize = 1 << 20;

/// Options for CSV files.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvOptions {
    /// Bytes per unit for value columns whose header names no unit (`--unit MiB`).
    pub unit_factor: Option<f64>,
}

struct Column {
    title: String,
    /// `None` until the first row names it (Datadog's csv_exporter: the metric is a column).
    slot: Option<Slot>,
    factor: f64,
    good: u64,
    bad: u64,
}

enum Layout {
    /// One time column, one column per series; `metric`: a column naming the metric of all
    /// value columns, whose titles are then scopes (Datadog's csv_exporter:
    /// `,date,metric,<scope>...`, pandas' row index first).
    Wide {
        time: usize,
        metric: Option<usize>,
        columns: Vec<Option<Column>>,
    },
    /// `series,time,value` rows.
    Long {
        series: usize,
        time: usize,
        value: usize,
        factor: f64,
    },
}

/// Reads one CSV stream into `c`. `what` names it in messages.
pub fn read_csv<R: BufRead>(
    mut r: R,
    what: &str,
    opts: &CsvOptions,
    c: &mut Collector,
) -> Result<(), Error> {
    let mut rec = String::new();
    let mut fields: Vec<String> = Vec::new();
    let mut line = 0u64;
    let mut delim = None;
    let mut layout: Option<Layout> = None;
    let mut bad_rows = 0u64;
    while let Some(start) = next_record(&mut r, &mut rec, &mut line)? {
        let text = rec
            .trim_start_matches('\u{feff}')
            .trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() || text.starts_with('#') {
            continue;
        }
        if layout.is_none() {
            if let Some(d) = text.strip_prefix("sep=") {
                delim = d.chars().next().map(|c| c as u8);
                continue;
            }
        }
        let d = *delim.get_or_insert_with(|| guess_delimiter(text));
        split_fields(text, d, &mut fields);
        let Some(lay) = &mut layout else {
            let (l, is_data) = make_layout(&fields, opts, c);
            layout = Some(l);
            if !is_data {
                continue;
            }
            // No header: this first row is data; fall through with the new layout.
            let lay = layout.as_mut().expect("just set");
            row(lay, &fields, start, what, c, &mut bad_rows);
            continue;
        };
        row(lay, &fields, start, what, c, &mut bad_rows);
    }
    if let Some(Layout::Wide { columns, .. }) = &layout {
        for col in columns.iter().flatten() {
            if col.good == 0 && col.bad > 0 {
                c.warn(format!(
                    "{what}: column `{}` has no numbers; ignored",
                    col.title
                ));
            } else if col.bad > 0 {
                c.warn(format!(
                    "{what}: column `{}`: {} values that are not numbers skipped",
                    col.title, col.bad
                ));
            }
        }
    }
    if bad_rows > 0 {
        c.warn(format!(
            "{what}: {bad_rows} rows without a readable time skipped"
        ));
    }
    if layout.is_none() {
        return Err(Error::NoData(format!("{what} is empty")));
    }
    Ok(())
}

fn row(
    lay: &mut Layout,
    fields: &[String],
    line: u64,
    what: &str,
    c: &mut Collector,
    bad_rows: &mut u64,
) {
    match lay {
        Layout::Wide {
            time,
            metric,
            columns,
        } => {
            let Some(t) = fields.get(*time).and_then(|f| parse_timestamp(f)) else {
                if *bad_rows == 0 {
                    let f = fields.get(*time).map_or("", String::as_str);
                    c.warn(format!("{what}:{line}: `{}` is not a time", truncate(f)));
                }
                *bad_rows += 1;
                return;
            };
            for (i, col) in columns.iter_mut().enumerate() {
                let Some(col) = col else { continue };
                let cell = fields.get(i).map_or("", |s| s.trim());
                if cell.is_empty()
                    || cell.eq_ignore_ascii_case("null")
                    || cell.eq_ignore_ascii_case("nan")
                {
                    continue;
                }
                match parse_value(cell, col.factor) {
                    Some(v) => {
                        col.good += 1;
                        let slot = *col.slot.get_or_insert_with(|| {
                            let m = metric.and_then(|m| fields.get(m)).map_or("", |m| m.trim());
                            let name = format!("{m}{{{}}}", col.title);
                            c.slot_with_role(&name, classify(&name), None)
                        });
                        c.push(slot, t, v);
                    }
                    None => col.bad += 1,
                }
            }
        }
        Layout::Long {
            series,
            time,
            value,
            factor,
        } => {
            let (Some(name), Some(t), Some(v)) = (
                fields.get(*series),
                fields.get(*time).and_then(|f| parse_timestamp(f)),
                fields.get(*value).and_then(|f| parse_value(f, *factor)),
            ) else {
                if *bad_rows == 0 {
                    c.warn(format!(
                        "{what}:{line}: row without a series, time and value"
                    ));
                }
                *bad_rows += 1;
                return;
            };
            let slot = slot_for(name, c);
            c.push(slot, t, v);
        }
    }
}

fn slot_for(title: &str, c: &mut Collector) -> Slot {
    let (name, _) = split_header_unit(title);
    let m = split_metric(name);
    let role = classify(name);
    c.slot_for_metric(&m, role, name)
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

const TIME_TITLES: [&str; 9] = [
    "time",
    "timestamp",
    "date",
    "datetime",
    "ts",
    "@timestamp",
    "created_at",
    "time (utc)",
    "_time",
];

/// The layout from the first record; `true` when that record is data, not a header.
fn make_layout(fields: &[String], opts: &CsvOptions, c: &mut Collector) -> (Layout, bool) {
    let default_factor = opts.unit_factor.unwrap_or(1.0);
    let lower: Vec<String> = fields
        .iter()
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    let is_data = fields.first().is_some_and(|f| parse_timestamp(f).is_some())
        && fields.iter().skip(1).any(|f| parse_value(f, 1.0).is_some());
    if is_data {
        let columns = (0..fields.len())
            .map(|i| {
                (i > 0).then(|| {
                    let title = format!("column {}", i + 1);
                    Column {
                        slot: Some(c.slot_with_role(
                            &title,
                            Role::Memory(oomdoc_series::Component::Other),
                            None,
                        )),
                        title,
                        factor: default_factor,
                        good: 0,
                        bad: 0,
                    }
                })
            })
            .collect();
        return (
            Layout::Wide {
                time: 0,
                metric: None,
                columns,
            },
            true,
        );
    }
    let time = lower
        .iter()
        .position(|t| TIME_TITLES.contains(&t.as_str()))
        .unwrap_or(0);
    let series = lower
        .iter()
        .position(|t| matches!(t.as_str(), "series" | "metric" | "name"));
    let value = lower
        .iter()
        .position(|t| matches!(split_header_unit(t).0, "value" | "val"));
    if let (Some(series), Some(value)) = (series, value) {
        let factor = split_header_unit(&fields[value])
            .1
            .unwrap_or(default_factor);
        return (
            Layout::Long {
                series,
                time,
                value,
                factor,
            },
            false,
        );
    }
    let has_metric = lower.iter().any(|t| t == "metric");
    let columns = fields
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let (name, unit) = split_header_unit(title);
            let name = name.trim();
            // An untitled column is a row index (pandas' `to_csv`), not a series.
            if i == time || (name.eq_ignore_ascii_case("metric")) || name.is_empty() {
                return None;
            }
            let title = name.to_string();
            let slot = (!has_metric).then(|| slot_for(&title, c));
            // Counters and flags are counts, not sizes.
            let factor = match slot {
                Some(Slot::Restarts | Slot::Terminated(_)) => 1.0,
                _ => unit.unwrap_or(default_factor),
            };
            Some(Column {
                title,
                slot,
                factor,
                good: 0,
                bad: 0,
            })
        })
        .collect();
    (
        Layout::Wide {
            time,
            metric: lower.iter().position(|t| t == "metric"),
            columns,
        },
        false,
    )
}

/// Reads one record (lines joined while a quote is open) into `rec`; returns its first line.
fn next_record<R: BufRead>(
    r: &mut R,
    rec: &mut String,
    line: &mut u64,
) -> Result<Option<u64>, Error> {
    rec.clear();
    let start = *line + 1;
    loop {
        let n = read_line_lossy(r, rec, *line + 1)?;
        if n == 0 {
            return Ok((!rec.is_empty()).then_some(start));
        }
        *line += 1;
        if rec.bytes().filter(|&b| b == b'"').count() % 2 == 0 {
            return Ok(Some(start));
        }
        if rec.len() > MAX_RECORD {
            return Err(Error::Syntax {
                line: start,
                message: "unterminated quote".into(),
            });
        }
    }
}

/// `read_line` that accepts bytes that are not UTF-8 (replaced), so that a binary file is an
/// error about its content, not an I/O error; line number `line` longer than [`MAX_LINE`] is an
/// error as soon as the cap is passed.
fn read_line_lossy<R: BufRead>(r: &mut R, out: &mut String, line: u64) -> Result<usize, Error> {
    let mut buf = std::mem::take(out).into_bytes();
    let start = buf.len();
    let n = read_until_capped(r, &mut buf, MAX_LINE).map_err(|e| match e {
        Capped::Io(e) => Error::Io(e),
        Capped::Over => Error::LineTooLong {
            line,
            cap: MAX_LINE as u64,
        },
    })?;
    *out = match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => {
            let b = e.into_bytes();
            let mut s = String::from_utf8_lossy(&b[..start]).into_owned();
            s.push_str(&String::from_utf8_lossy(&b[start..]));
            s
        }
    };
    Ok(n)
}

enum Capped {
    Io(std::io::Error),
    Over,
}

/// `read_until(b'\n')` that stops with [`Capped::Over`] once the line (without its newline) is
/// longer than `cap` bytes, having buffered at most `cap + 1` of them.
fn read_until_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> Result<usize, Capped> {
    let start = buf.len();
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Capped::Io(e)),
        };
        if avail.is_empty() {
            return Ok(buf.len() - start);
        }
        let newline = avail.iter().position(|&b| b == b'\n');
        let len = newline.map_or(avail.len(), |i| i + 1);
        let content = buf.len() - start + newline.unwrap_or(len);
        if content > cap {
            return Err(Capped::Over);
        }
        buf.extend_from_slice(&avail[..len]);
        r.consume(len);
        if newline.is_some() {
            return Ok(buf.len() - start);
        }
    }
}

/// The separator used most in the header line, outside quotes.
pub fn guess_delimiter(line: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

/// Splits a record, RFC 4180 quoting (`""` inside quotes is one `"`). Reuses `out`'s strings.
pub fn split_fields(rec: &str, delim: u8, out: &mut Vec<String>) {
    let mut n = 0;
    let mut next = |out: &mut Vec<String>| -> usize {
        if n == out.len() {
            out.push(String::new());
        }
        out[n].clear();
        n += 1;
        n - 1
    };
    if !rec.contains('"') {
        for f in rec.split(char::from(delim)) {
            let i = next(out);
            out[i].push_str(f);
        }
        out.truncate(n);
        return;
    }
    let mut i = next(out);
    let mut quoted = false;
    let mut chars = rec.chars().peekable();
    while let Some(ch) = chars.next() {
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    out[i].push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                out[i].push(ch);
            }
        } else if ch == '"' {
            quoted = true;
        } else if ch as u32 == u32::from(delim) {
            i = next(out);
        } else {
            out[i].push(ch);
        }
    }
    out.truncate(n);
}

#[cfg(test)]
pub(crate) mod tests;
