//! Byte units as exports write them: in CSV headers (`rss (MiB)`), in Grafana's formatted values
//! (`1.20 GiB`), in `--unit`. Binary (KiB, Ki) and decimal (KB, kB, K) prefixes both occur; the
//! names follow Grafana's `bytes(IEC)`/`bytes(SI)` and Kubernetes quantities.

use oomdoc_model::Quantity;

/// Bytes per unit, for a unit name (case-insensitive except where K8s and SI disagree).
pub fn unit_factor(unit: &str) -> Option<f64> {
    let u = unit.trim();
    let f = match u {
        "" => return None,
        // Kubernetes suffixes are case-sensitive: `M` is 10^6, `Mi` 2^20; `m` (milli) is no size.
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "K" | "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => match u.to_ascii_lowercase().as_str() {
            "b" | "byte" | "bytes" => 1.0,
            "kib" | "kibibyte" | "kibibytes" => 1024.0,
            "mib" | "mebibyte" | "mebibytes" => 1024.0 * 1024.0,
            "gib" | "gibibyte" | "gibibytes" => 1024.0 * 1024.0 * 1024.0,
            "tib" | "tebibyte" | "tebibytes" => 1024f64.powi(4),
            "kb" | "kilobyte" | "kilobytes" => 1e3,
            "mb" | "megabyte" | "megabytes" => 1e6,
            "gb" | "gigabyte" | "gigabytes" => 1e9,
            "tb" | "terabyte" | "terabytes" => 1e12,
            _ => return None,
        },
    };
    Some(f)
}

/// Splits a column header into its name and the unit written after it: `rss (MiB)`,
/// `rss [MiB]`, `rss_mib` is not read as a unit (too ambiguous with metric names).
pub fn split_header_unit(header: &str) -> (&str, Option<f64>) {
    let h = header.trim();
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(body) = h.strip_suffix(close) {
            if let Some(i) = body.rfind(open) {
                if let Some(f) = unit_factor(&body[i + 1..]) {
                    return (body[..i].trim_end(), Some(f));
                }
            }
        }
    }
    (h, None)
}

/// A number, possibly followed by a unit (`123`, `1.5e9`, `1.20 GiB`, `512MiB`), in units of the
/// number's own unit times `default_factor` when none is written. `NaN`, `null`, empty: none.
pub fn parse_value(s: &str, default_factor: f64) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(v) = s.parse::<f64>() {
        return v.is_finite().then_some(v * default_factor);
    }
    // Split at the first character that cannot continue a number.
    let end = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+')
                    && (i == 0 || matches!(s.as_bytes()[i - 1], b'e' | b'E')))
                || ((c == 'e' || c == 'E')
                    && i > 0
                    && s[i + 1..]
                        .starts_with(|d: char| d.is_ascii_digit() || d == '-' || d == '+')))
        })
        .map_or(s.len(), |(i, _)| i);
    let (num, unit) = s.split_at(end);
    let v: f64 = num.parse().ok()?;
    let f = unit_factor(unit)?;
    v.is_finite().then_some(v * f)
}

/// Bytes in a Kubernetes quantity (`4Gi`, `512M`, `1.5Gi`), as given to `--limit`.
pub fn quantity_bytes(q: &Quantity) -> Option<f64> {
    // milli_value keeps fractions of a byte exact enough; fall back to value for huge sizes.
    q.milli_value()
        .map(|m| m as f64 / 1000.0)
        .or_else(|| q.value().map(|v| v as f64))
}

/// `--unit` values: a Kubernetes-style or SI/IEC unit name.
pub fn parse_unit_flag(s: &str) -> Result<f64, String> {
    unit_factor(s).ok_or_else(|| {
        format!("unknown unit `{s}` (use B, KiB, MiB, GiB, KB, MB, GB, Ki, Mi, Gi, K, M, G)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_units() {
        assert_eq!(split_header_unit("rss (MiB)"), ("rss", Some(1048576.0)));
        assert_eq!(split_header_unit("cache [GB]"), ("cache", Some(1e9)));
        assert_eq!(split_header_unit("usage (bytes)"), ("usage", Some(1.0)));
        assert_eq!(split_header_unit("f(x)"), ("f(x)", None));
        assert_eq!(split_header_unit("Time"), ("Time", None));
    }

    #[test]
    fn values() {
        assert_eq!(parse_value("123", 1.0), Some(123.0));
        assert_eq!(parse_value("1.5", 1048576.0), Some(1572864.0));
        assert_eq!(parse_value("1.25 GiB", 1.0), Some(1.25 * 1073741824.0));
        assert_eq!(parse_value("512MiB", 1.0), Some(536870912.0));
        assert_eq!(parse_value("1.2e3", 1.0), Some(1200.0));
        assert_eq!(parse_value("-1e-3", 1.0), Some(-0.001));
        assert_eq!(parse_value("NaN", 1.0), None);
        assert_eq!(parse_value("", 1.0), None);
        assert_eq!(parse_value("12 apples", 1.0), None);
        assert_eq!(parse_value("e5", 1.0), None);
    }

    #[test]
    fn quantities() {
        let q = Quantity::parse("4Gi").unwrap();
        assert_eq!(quantity_bytes(&q), Some(4.0 * 1073741824.0));
        let q = Quantity::parse("1.5Gi").unwrap();
        assert_eq!(quantity_bytes(&q), Some(1.5 * 1073741824.0));
        assert_eq!(parse_unit_flag("MiB"), Ok(1048576.0));
        assert!(parse_unit_flag("furlong").is_err());
    }
}
