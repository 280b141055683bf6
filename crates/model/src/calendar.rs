//! The proleptic Gregorian calendar in days since 1970-01-01 (Howard Hinnant's algorithms), and
//! the one ISO 8601 / RFC 3339 parser and formatter, for the readers and writers that turn
//! timestamps into seconds and back without a date crate.

/// Days from 1970-01-01 to year `y`, month `m` (1-12), day `d`.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month (1-12) and day of the day `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(s: &[u8], n: usize) -> Option<i64> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s[..n].iter().fold(0, |a, &d| a * 10 + i64::from(d - b'0')))
}

/// ISO 8601 / RFC 3339 as logs, exports and the API write it (`2024-05-01T10:00:00Z`,
/// `2024-05-01 10:00:00`, `2024-05-01 10:00:00 UTC`, `+02:00` or `-0500` offsets, fractions,
/// `2024-05-01 10:00`, a bare date) → seconds since the epoch; no zone is UTC. The one parser of
/// wall-clock times (kernel log prefixes are found by the evidence reader, then read here).
pub fn parse_iso8601(s: &str) -> Option<f64> {
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
    fn round_trips_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(20_785), (2026, 11, 28));
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
    }
}
