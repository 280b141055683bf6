//! Timestamps as exports write them: epoch seconds, milliseconds (Grafana, Datadog),
//! microseconds or nanoseconds, and ISO 8601 / RFC 3339 (`2024-05-01T10:00:00Z`,
//! `2024-05-01 10:00:00`, `2024-05-01 10:00:00 UTC`, `+02:00` offsets). A time without a zone
//! is read as UTC (Grafana writes local time in formatted exports; the slope does not care).

use oomdoc_model::calendar::{civil_from_days, days_from_civil};

/// Seconds since the Unix epoch, or `None` when `s` is no timestamp.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.as_bytes()[0].is_ascii_digit() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let v: f64 = s.parse().ok()?;
        return Some(epoch_seconds(v));
    }
    parse_iso(s)
}

/// An epoch number in seconds, read by magnitude: after 1973 in milliseconds is above 1e11,
/// which in seconds would be the year 5138.
pub fn epoch_seconds(v: f64) -> f64 {
    if v > 1e17 {
        v / 1e9
    } else if v > 1e14 {
        v / 1e6
    } else if v > 1e11 {
        v / 1e3
    } else {
        v
    }
}

fn digits(s: &[u8], n: usize) -> Option<i64> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s[..n].iter().fold(0, |a, &d| a * 10 + i64::from(d - b'0')))
}

fn parse_iso(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let y = digits(b, 4)?;
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let mo = digits(&b[5..], 2)?;
    if b.get(7) != Some(&b'-') {
        return None;
    }
    let d = digits(&b[8..], 2)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) as f64 * 86400.0;
    let mut rest = &s[10..];
    if rest.is_empty() {
        return Some(secs);
    }
    rest = rest.strip_prefix(['T', 't', ' '])?;
    let r = rest.as_bytes();
    let h = digits(r, 2)?;
    if r.get(2) != Some(&b':') {
        return None;
    }
    let mi = digits(&r[3..], 2)?;
    let mut i = 5;
    let mut sec = 0.0;
    if r.get(5) == Some(&b':') {
        let whole = digits(&r[6..], 2)?;
        i = 8;
        let mut frac = String::from("0");
        if matches!(r.get(8), Some(b'.' | b',')) {
            frac.push('.');
            i = 9;
            while let Some(c) = r.get(i).filter(|c| c.is_ascii_digit()) {
                frac.push(*c as char);
                i += 1;
            }
        }
        sec = whole as f64 + frac.parse::<f64>().ok()?;
    }
    if h > 24 || mi > 59 || sec >= 61.0 {
        return None;
    }
    secs += (h * 3600 + mi * 60) as f64 + sec;
    let zone = rest[i..].trim();
    let offset = match zone {
        "" | "Z" | "z" | "UTC" | "GMT" | "+00:00" | "+0000" => 0,
        z => {
            let sign = match z.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zb = &z.as_bytes()[1..];
            let oh = digits(zb, 2)?;
            let om = match zb.get(2) {
                Some(b':') => digits(&zb[3..], 2)?,
                Some(_) => digits(&zb[2..], 2)?,
                None => 0,
            };
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(secs - offset as f64)
}

/// Seconds since the epoch as RFC 3339 UTC with milliseconds (for messages and records).
pub fn format_rfc3339(t: f64) -> String {
    let ms = (t * 1000.0).round() as i64;
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_by_magnitude() {
        assert_eq!(parse_timestamp("1714557600"), Some(1714557600.0));
        assert_eq!(parse_timestamp("1714557600000"), Some(1714557600.0));
        assert_eq!(parse_timestamp("1714557600.5"), Some(1714557600.5));
        assert_eq!(parse_timestamp("1714557600000000"), Some(1714557600.0));
        assert_eq!(parse_timestamp("1714557600000000000"), Some(1714557600.0));
    }

    #[test]
    fn iso_forms() {
        let t = 1714557600.0; // 2024-05-01T10:00:00Z
        assert_eq!(parse_timestamp("2024-05-01T10:00:00Z"), Some(t));
        assert_eq!(parse_timestamp("2024-05-01 10:00:00"), Some(t));
        assert_eq!(parse_timestamp("2024-05-01 10:00:00 UTC"), Some(t));
        assert_eq!(parse_timestamp("2024-05-01T12:00:00+02:00"), Some(t));
        assert_eq!(parse_timestamp("2024-05-01T05:00:00-0500"), Some(t));
        assert_eq!(parse_timestamp("2024-05-01T10:00:00.250Z"), Some(t + 0.25));
        assert_eq!(parse_timestamp("2024-05-01 10:00"), Some(t));
        assert_eq!(parse_timestamp("2024-05-01"), Some(t - 36000.0));
        assert_eq!(parse_timestamp("Time"), None);
        assert_eq!(parse_timestamp("2024-13-01"), None);
        assert_eq!(parse_timestamp("2024-05-01X"), None);
    }

    #[test]
    fn round_trip() {
        for t in [0.0, 1714557600.25, 951782400.0, 4102444800.0] {
            assert_eq!(
                parse_timestamp(&format_rfc3339(t)),
                Some(t),
                "{}",
                format_rfc3339(t)
            );
        }
    }
}
