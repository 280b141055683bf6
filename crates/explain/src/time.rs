//! Times of facts on one clock, for joining a kernel report to the container it killed when no
//! key (pod UID, container id) ties them: kernel wall-clock stamps (`dmesg -T`, syslog,
//! journalctl; taken as UTC, as node clocks usually are, and as the year of the other fact when
//! syslog leaves it out) against the kubelet's `finishedAt` (RFC 3339).

use oomdoc_evidence::kernel_line::WallClock;
use oomdoc_model::calendar::{civil_from_days, days_from_civil};

/// Kernel kills and container ends at most this far apart may be the same death: the kubelet
/// notices a dead container within a sync period or two.
pub const JOIN_WINDOW_SECS: i64 = 120;

fn epoch(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
    days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s
}

/// `2026-11-28T01:02:03Z` (fractions and offsets allowed) → (seconds since the epoch, its UTC
/// year), through the model's one parser.
pub fn parse_rfc3339(s: &str) -> Option<(i64, i32)> {
    let t = oomdoc_model::calendar::parse_iso8601(s)?.floor() as i64;
    let (y, _, _) = civil_from_days(t.div_euclid(86_400));
    Some((t, i32::try_from(y).ok()?))
}

/// `Mon, 31 Aug 2020 16:33:08 -0500`: how `kubectl describe` prints `Started` and `Finished`
/// (Go's RFC 1123 with a numeric zone) → (seconds since the epoch, year).
pub fn parse_rfc1123z(s: &str) -> Option<(i64, i32)> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let s = s.split_once(", ").map_or(s, |(_, r)| r);
    let mut it = s.split_ascii_whitespace();
    let d: i64 = it.next()?.parse().ok()?;
    let month = it.next()?;
    let mo = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let y: i64 = it.next()?.parse().ok()?;
    let hms = it.next()?;
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (t.next()??, t.next()??, t.next()??);
    let zone = it.next().unwrap_or("+0000");
    let offset = match zone.as_bytes() {
        [sign @ (b'+' | b'-'), rest @ ..]
            if rest.len() == 4 && rest.iter().all(u8::is_ascii_digit) =>
        {
            let v = zone[1..3].parse::<i64>().ok()? * 3600 + zone[3..5].parse::<i64>().ok()? * 60;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => 0,
    };
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some((epoch(y, mo, d, h, mi, sec) - offset, y as i32))
}

/// A time as the API (RFC 3339) or `kubectl describe` (RFC 1123 with a zone) writes it.
pub fn parse_time(s: &str) -> Option<(i64, i32)> {
    parse_rfc3339(s).or_else(|| parse_rfc1123z(s))
}

/// A kernel wall-clock stamp in seconds since the epoch, taking `year` when the stamp has none.
pub fn wall_epoch(w: &WallClock, year: i32) -> i64 {
    epoch(
        i64::from(w.year.unwrap_or(year)),
        i64::from(w.month),
        i64::from(w.day),
        i64::from(w.hour),
        i64::from(w.minute),
        i64::from(w.second),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_epochs() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 1970)));
        assert_eq!(
            parse_rfc3339("2026-11-28T01:02:03Z"),
            Some((1_795_827_723, 2026))
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T23:59:59.123+01:00"),
            Some((1_709_247_599, 2024))
        );
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-11-28T01:02:03é"), None);
    }

    #[test]
    fn describe_times_are_read() {
        assert_eq!(
            parse_time("Mon, 31 Aug 2020 16:33:08 -0500"),
            parse_rfc3339("2020-08-31T21:33:08Z")
        );
        assert_eq!(
            parse_time("Sat, 28 Nov 2026 01:02:03 +0000"),
            Some((1_795_827_723, 2026))
        );
        assert_eq!(parse_time("Mon, 31 Foo 2020 16:33:08 -0500"), None);
    }

    #[test]
    fn syslog_stamps_take_the_year_given() {
        let w = WallClock {
            year: None,
            month: 11,
            day: 28,
            hour: 1,
            minute: 2,
            second: 3,
            micros: 0,
        };
        assert_eq!(wall_epoch(&w, 2026), 1_795_827_723);
    }
}
