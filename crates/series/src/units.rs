//! Bytes and durations in words, for the one-sentence reasons and the rules the analysis
//! states. (Writers in `oomdoc-report` format the numbers themselves; these are only for the
//! text the analysis produces.)

/// `1536.0` -> `"1.5 KiB"`; binary units, one decimal; non-finite values as `"?"`.
pub fn bytes(v: f64) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut x = v.abs();
    let mut i = 0;
    while x >= 1024.0 && i + 1 < units.len() {
        x /= 1024.0;
        i += 1;
    }
    let sign = if v < 0.0 { "-" } else { "" };
    if i == 0 {
        format!("{sign}{x:.0} B")
    } else {
        format!("{sign}{x:.1} {}", units[i])
    }
}

/// Seconds in the largest sensible unit: `"45 s"`, `"12.5 min"`, `"3.2 h"`, `"4.1 d"`.
pub fn duration(s: f64) -> String {
    if !s.is_finite() {
        return "?".into();
    }
    let a = s.abs();
    if a < 120.0 {
        format!("{s:.0} s")
    } else if a < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if a < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}

/// A p-value the way papers print it: `"p < 0.001"` or `"p = 0.03"`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(4.0 * 1024.0 * 1024.0 * 1024.0), "4.0 GiB");
        assert_eq!(bytes(-2048.0), "-2.0 KiB");
        assert_eq!(bytes(f64::NAN), "?");
        assert!(bytes(f64::MAX).ends_with(" EiB"));
        assert_eq!(duration(30.0), "30 s");
        assert_eq!(duration(900.0), "15.0 min");
        assert_eq!(duration(3.0 * 3600.0), "3.0 h");
        assert_eq!(duration(3.0 * 86400.0), "3.0 d");
        assert_eq!(p_value(0.0001), "p < 0.001");
        assert_eq!(p_value(0.03), "p = 0.030");
    }
}
