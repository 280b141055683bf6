//! Axis scales for the chart: a byte axis in the unit the data range calls for (B, KiB, MiB,
//! GiB, TiB) with round ticks, and a UTC time axis whose ticks and labels follow the span
//! (`HH:MM:SS` for minutes, `HH:MM` with the date under the first tick of each day for hours,
//! dates for days and longer).

/// The date (`YYYY-MM-DD`) and the seconds into that UTC day of a Unix time.
pub(crate) fn civil(t: f64) -> (String, u64) {
    let (y, m, d, secs) = civil_parts(t);
    (format!("{y:04}-{m:02}-{d:02}"), secs)
}

/// Year, month, day and seconds into the day.
fn civil_parts(t: f64) -> (i64, u32, u32, u64) {
    // Clamped so absurd inputs cannot overflow; 1e13 s is well past year 300000.
    let s = if t.is_finite() {
        t.clamp(-1e13, 1e13).floor() as i64
    } else {
        0
    };
    let days = s.div_euclid(86_400);
    let secs = s.rem_euclid(86_400) as u64;
    let (y, m, d) = oomdoc_model::calendar::civil_from_days(days);
    (y, m, d, secs)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A byte axis from zero: its unit, the bytes per unit, the top of the axis and its ticks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ByteAxis {
    /// `B`, `KiB`, `MiB`, `GiB` or `TiB`.
    pub unit: &'static str,
    /// The top of the axis, bytes (a whole number of ticks).
    pub top: f64,
    /// Tick positions in bytes with their labels in `unit`.
    pub ticks: Vec<(f64, String)>,
}

/// A byte axis from 0 covering `max_bytes` with about `target` ticks.
pub(crate) fn byte_axis(max_bytes: f64, target: usize) -> ByteAxis {
    const UNITS: [(&str, f64); 5] = [
        ("B", 1.0),
        ("KiB", 1024.0),
        ("MiB", 1_048_576.0),
        ("GiB", 1_073_741_824.0),
        ("TiB", 1_099_511_627_776.0),
    ];
    // An empty or flat-at-zero chart still gets a readable axis.
    let max = if max_bytes.is_finite() && max_bytes > 0.0 {
        max_bytes
    } else {
        1_048_576.0
    };
    let (unit, per) = UNITS
        .iter()
        .rev()
        .find(|(_, per)| max >= *per)
        .copied()
        .unwrap_or(UNITS[0]);
    let in_unit = max / per;
    let raw = in_unit / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    // Bytes are whole: below one unit per tick in B the step is 1.
    let step = if unit == "B" { step.max(1.0) } else { step };
    let n = (in_unit / step).ceil().max(1.0) as usize;
    let decimals = decimals_for(step);
    let ticks = (0..=n)
        .map(|i| {
            let v = i as f64 * step;
            (v * per, format!("{v:.decimals$}"))
        })
        .collect();
    ByteAxis {
        unit,
        top: n as f64 * step * per,
        ticks,
    }
}

/// Decimal places needed to print multiples of `step` exactly (0.25 → 2, 0.5 → 1, 5 → 0).
fn decimals_for(step: f64) -> usize {
    (0..6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6)
}

/// A tick on the time axis: where, the main label, and a second line (the date or year) under
/// the first tick and wherever it changes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeTick {
    pub t: f64,
    pub label: String,
    pub sub: Option<String>,
}

/// Ticks for `[t0, t1]` (Unix seconds), at most `max_ticks`, on round UTC times.
pub(crate) fn time_ticks(t0: f64, t1: f64, max_ticks: usize) -> Vec<TimeTick> {
    const STEPS: [f64; 26] = [
        1.0,
        2.0,
        5.0,
        10.0,
        15.0,
        30.0,
        60.0,
        120.0,
        300.0,
        600.0,
        900.0,
        1800.0,
        3600.0,
        7200.0,
        10_800.0,
        21_600.0,
        43_200.0,
        86_400.0,
        172_800.0,
        604_800.0,
        1_209_600.0,
        2_592_000.0,
        5_184_000.0,
        7_776_000.0,
        15_552_000.0,
        31_536_000.0,
    ];
    if !(t0.is_finite() && t1.is_finite()) || t1 <= t0 {
        return Vec::new();
    }
    let span = t1 - t0;
    let max_ticks = max_ticks.max(2) as f64;
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= max_ticks)
        .unwrap_or_else(|| (span / max_ticks / 31_536_000.0).ceil() * 31_536_000.0);
    let mut ticks = Vec::new();
    let mut t = (t0 / step).ceil() * step;
    let mut prev: Option<(i64, u32, u32)> = None;
    while t <= t1 + 1e-9 && ticks.len() < 64 {
        let (y, m, d, secs) = civil_parts(t);
        let month = MONTHS[(m as usize).saturating_sub(1) % 12];
        let (label, sub) = if step >= 86_400.0 {
            let changed = prev.is_none_or(|p| p.0 != y);
            (format!("{month} {d}"), changed.then(|| y.to_string()))
        } else {
            let changed = prev.is_none_or(|p| (p.0, p.1, p.2) != (y, m, d));
            // The year only where it is new, so neighbouring dates stay narrow.
            let new_year = prev.is_none_or(|p| p.0 != y);
            let hm = if step < 60.0 {
                format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
            } else {
                format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
            };
            let date = if new_year {
                format!("{month} {d}, {y}")
            } else {
                format!("{month} {d}")
            };
            (hm, changed.then_some(date))
        };
        ticks.push(TimeTick { t, label, sub });
        prev = Some((y, m, d));
        t += step;
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0.0), ("1970-01-01".into(), 0));
        assert_eq!(civil(1_795_824_000.0 + 61.0), ("2026-11-28".into(), 61));
        assert_eq!(civil(951_782_400.0), ("2000-02-29".into(), 0));
        assert_eq!(civil(-1.0), ("1969-12-31".into(), 86_399));
    }

    #[test]
    fn byte_axis_picks_the_unit_from_the_range() {
        let gi = 1_073_741_824.0;
        let a = byte_axis(4.2 * gi, 6);
        assert_eq!(a.unit, "GiB");
        assert!(a.top >= 4.2 * gi && a.top <= 6.0 * gi);
        assert_eq!(a.ticks[0].1, "0");
        assert!(a.ticks.iter().any(|(_, l)| l == "1"));
        let m = byte_axis(300.0 * 1_048_576.0, 6);
        assert_eq!(m.unit, "MiB");
        assert_eq!(m.ticks[1].1, "50");
        let half = byte_axis(0.6 * gi, 6);
        assert_eq!(half.unit, "MiB");
        let zero = byte_axis(0.0, 6);
        assert_eq!(zero.unit, "MiB");
        assert_eq!(byte_axis(3.0, 6).unit, "B");
        assert!(byte_axis(3.0, 6).ticks.len() <= 5);
    }

    #[test]
    fn time_ticks_follow_the_span() {
        let t0 = 1_795_824_000.0; // 2026-11-28 00:00 UTC
        let hours = time_ticks(t0 + 600.0, t0 + 6.0 * 3600.0, 10);
        assert_eq!(hours[0].label, "01:00");
        assert_eq!(hours[0].sub.as_deref(), Some("Nov 28, 2026"));
        assert!(hours[1].sub.is_none());
        let days = time_ticks(t0, t0 + 10.0 * 86_400.0, 10);
        assert_eq!(days[0].label, "Nov 28");
        assert_eq!(days[1].label, "Nov 29");
        let minutes = time_ticks(t0, t0 + 90.0, 8);
        assert_eq!(minutes[1].label, "00:00:15");
        let across = time_ticks(t0 - 7200.0, t0 + 7200.0, 5);
        assert_eq!(across[0].sub.as_deref(), Some("Nov 27, 2026"));
        assert!(across.iter().any(|t| t.sub.as_deref() == Some("Nov 28")));
        // A new year is named again.
        let new_year = time_ticks(1_798_761_600.0 - 7200.0, 1_798_761_600.0 + 7200.0, 5);
        assert!(new_year
            .iter()
            .any(|t| t.sub.as_deref() == Some("Jan 1, 2027")));
        assert!(time_ticks(t0, t0, 5).is_empty());
        assert!(time_ticks(0.0, 1e12, 8).len() <= 9);
    }
}
