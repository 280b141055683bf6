//! Durations as users write them on the command line (`30s`, `5m`, `1h30m`, `7d`, `250ms`, or
//! bare seconds): one parser for every flag, bounded at [`MAX_SECS`] so that no value can panic
//! in `std::time::Duration` arithmetic later (2^64 s did, in eight flags).
//!
//! The units are Prometheus's (`ms`, `s`, `m`, `h`, `d`, `w`, `y` = 365 days), combined in
//! descending order or not, as Prometheus accepts them.

use std::time::Duration;

/// The longest duration any flag takes: 100 years. No range, timeout or sampling period needs
/// more.
pub const MAX_SECS: f64 = 100.0 * 365.0 * 86400.0;

/// `s` in seconds (zero allowed), at most [`MAX_SECS`].
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    let v = unbounded(s)?;
    if v > MAX_SECS {
        return Err(format!("`{}` is longer than 100 years", s.trim()));
    }
    Ok(v)
}

/// `s` as a positive [`Duration`] (a timeout, a period): zero is an error.
pub fn parse_positive(s: &str) -> Result<Duration, String> {
    let v = parse_seconds(s)?;
    if v <= 0.0 {
        return Err(format!("`{}` must be longer than zero", s.trim()));
    }
    Ok(Duration::from_secs_f64(v))
}

fn unbounded(s: &str) -> Result<f64, String> {
    let s = s.trim();
    if let Ok(v) = s.parse::<f64>() {
        if v.is_finite() && v >= 0.0 {
            return Ok(v);
        }
    }
    let bad = || format!("`{s}` is not a duration (like 30s, 5m, 1h30m, 7d)");
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if n_end == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..n_end].parse().map_err(|_| bad())?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 604800.0,
            "y" => 365.0 * 86400.0,
            _ => return Err(bad()),
        };
        total += n * unit;
        rest = &rest[u_end..];
    }
    if !total.is_finite() {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_combinations_and_bare_seconds() {
        assert_eq!(parse_seconds("7d"), Ok(604800.0));
        assert_eq!(parse_seconds("1h30m"), Ok(5400.0));
        assert_eq!(parse_seconds("250ms"), Ok(0.25));
        assert_eq!(parse_seconds("90"), Ok(90.0));
        assert_eq!(parse_seconds(" 2w "), Ok(1_209_600.0));
        assert_eq!(parse_seconds("0"), Ok(0.0));
        for bad in ["", "5x", "m", "1h30", "-5s", "s5"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn past_100_years_is_an_error_not_a_panic() {
        assert!(parse_seconds("18446744073709551616s").is_err());
        assert!(parse_seconds("18446744073709551616").is_err());
        assert!(parse_seconds("1e400").is_err());
        assert_eq!(parse_seconds("100y"), Ok(MAX_SECS));
        assert!(parse_positive("101y").is_err());
    }

    #[test]
    fn positive_durations() {
        assert_eq!(parse_positive("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_positive("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_positive("0s").is_err());
        assert!(parse_positive("0").is_err());
    }
}
