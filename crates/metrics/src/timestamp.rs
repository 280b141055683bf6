//! Timestamps as exports write them: epoch seconds, milliseconds (Grafana, Datadog),
//! microseconds or nanoseconds, and ISO 8601 / RFC 3339 (`2024-05-01T10:00:00Z`,
//! `2024-05-01 10:00:00`, `2024-05-01 10:00:00 UTC`, `+02:00` offsets). A time without a zone
//! is read as UTC (Grafana writes local time in formatted exports; the slope does not care).

pub use oomdoc_model::calendar::format_rfc3339;
use oomdoc_model::calendar::parse_iso8601;

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
    parse_iso8601(s)
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
