//! Durations and p-values in words, for the one-sentence reasons and the rules the analysis
//! states. (Writers in `oomdoc-report` format the numbers themselves; these are only for the
//! text the analysis produces. Bytes are `oomdoc_model::bytes`'s short display and rates.)

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
        assert_eq!(duration(30.0), "30 s");
        assert_eq!(duration(900.0), "15.0 min");
        assert_eq!(duration(3.0 * 3600.0), "3.0 h");
        assert_eq!(duration(3.0 * 86400.0), "3.0 d");
        assert_eq!(p_value(0.0001), "p < 0.001");
        assert_eq!(p_value(0.03), "p = 0.030");
    }
}
