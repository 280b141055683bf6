//! Byte counts for people: one type, [`Bytes`], with three displays, all spelled with the
//! suffixes of a Kubernetes quantity (binary `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`; a bare number is
//! bytes), because that is how users write memory in their manifests.
//!
//! - [`Bytes::exact`]: the quantity that parses back to the same value (`3531Mi`, `1Gi`, `500M`,
//!   `1073741825`). For values the user wrote or must paste back (limits, flags, recommendations).
//! - [`Bytes::approx`]: for derived figures in sentences: exact when that reads well (whole
//!   mebibytes, whole megabytes, or below 1Mi), else one decimal after a `~` (`~2.9Gi`).
//! - [`Bytes::short`]: for tables: whole binary units when exact (`4Gi`), else three
//!   significant digits (`3.96Gi`, `11.7Mi`, `150Mi`).
//!
//! [`exact`], [`approx`] and [`short`] are the same displays of an `i64` or `u64`. Rates are the
//! short display, signed, per hour: [`per_hour`] (`+150Mi/h`). Figures measured
//! as `f64` (samples, slopes) use [`short_f64`] and [`exact_f64`], `?` when not a number.
//!
//! Readers keep their own parsers (each input dialect - Quantity, HotSpot `-Xmx`, NMT, GC logs -
//! is read where it is read) and build a [`Bytes`] from the number they get.

use std::fmt;

use crate::quantity::Quantity;

const BINARY: [(&str, u32); 6] = [
    ("Ei", 60),
    ("Pi", 50),
    ("Ti", 40),
    ("Gi", 30),
    ("Mi", 20),
    ("Ki", 10),
];

const DECIMAL: [(&str, u128); 6] = [
    ("E", 1_000_000_000_000_000_000),
    ("P", 1_000_000_000_000_000),
    ("T", 1_000_000_000_000),
    ("G", 1_000_000_000),
    ("M", 1_000_000),
    ("k", 1_000),
];

const MI: u128 = 1 << 20;

/// A signed byte count, wide enough for every `i64` and `u64` the readers produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(i128);

impl From<i64> for Bytes {
    fn from(n: i64) -> Self {
        Bytes(n.into())
    }
}

impl From<u64> for Bytes {
    fn from(n: u64) -> Self {
        Bytes(n.into())
    }
}

impl Bytes {
    /// The value in bytes.
    pub fn get(self) -> i128 {
        self.0
    }

    /// A measured or derived figure (a sample, a slope times an hour), rounded to the byte;
    /// `None` when it is not a number.
    pub fn from_f64(v: f64) -> Option<Self> {
        v.is_finite().then(|| Bytes(v.round() as i128))
    }

    /// A Kubernetes quantity (`resources.limits.memory`) in bytes, rounded up as the API server
    /// rounds it; `None` when it does not fit an `i64`.
    pub fn from_quantity(q: &Quantity) -> Option<Self> {
        q.value().map(Bytes::from)
    }

    fn sign(self) -> &'static str {
        if self.0 < 0 {
            "-"
        } else {
            ""
        }
    }

    /// The Kubernetes quantity for exactly this value: the largest binary suffix that divides it
    /// (`4Gi`, `1536Mi`), else the largest decimal suffix that does (`500M`, `1k`), else plain
    /// bytes (`1073741825`). Zero is `0`; a negative value keeps its sign.
    pub fn exact(self) -> String {
        let a = self.0.unsigned_abs();
        if a == 0 {
            return "0".into();
        }
        let sign = self.sign();
        if let Some((suffix, shift)) = BINARY.iter().find(|(_, s)| a.is_multiple_of(1 << s)) {
            return format!("{sign}{}{suffix}", a >> shift);
        }
        if let Some((suffix, unit)) = DECIMAL.iter().find(|(_, u)| a.is_multiple_of(*u)) {
            return format!("{sign}{}{suffix}", a / unit);
        }
        format!("{sign}{a}")
    }

    /// For figures in sentences: [`exact`](Self::exact) when the value is below 1Mi or a whole
    /// number of mebibytes or megabytes (`512Mi`, `500M`, `1000`), else the largest binary unit
    /// of at least 1Mi with one decimal after a `~` (`~2.9Gi`, `~124.8Mi`).
    pub fn approx(self) -> String {
        let a = self.0.unsigned_abs();
        if a < MI || a.is_multiple_of(MI) || a.is_multiple_of(1_000_000) {
            return self.exact();
        }
        let (suffix, shift) = unit_of(a);
        let mut v = a as f64 / (1u128 << shift) as f64;
        let mut suffix = suffix;
        // `~1024.0Mi` is `~1.0Gi`.
        if v >= 1023.95 && shift < 60 {
            v /= 1024.0;
            suffix = BINARY
                .iter()
                .find(|(_, s)| *s == shift + 10)
                .map_or(suffix, |u| u.0);
        }
        format!("~{}{v:.1}{suffix}", self.sign())
    }

    /// For tables: below 1Ki plain bytes (`512`, `0`); else the largest binary unit, whole when
    /// it divides the value (`4Gi`), else three significant digits (`3.96Gi`, `11.7Mi`,
    /// `150Mi`). A negative value keeps its sign.
    pub fn short(self) -> String {
        let a = self.0.unsigned_abs();
        let sign = self.sign();
        if a < 1 << 10 {
            return format!("{sign}{a}");
        }
        let (suffix, shift) = unit_of(a);
        if a.is_multiple_of(1 << shift) {
            return format!("{sign}{}{suffix}", a >> shift);
        }
        let v = a as f64 / (1u128 << shift) as f64;
        let digits = if v >= 100.0 {
            0
        } else if v >= 10.0 {
            1
        } else {
            2
        };
        format!("{sign}{v:.digits$}{suffix}")
    }
}

/// The largest binary unit not above `a` (at least `Ki`).
fn unit_of(a: u128) -> (&'static str, u32) {
    BINARY
        .iter()
        .copied()
        .find(|(_, s)| a >= 1 << s)
        .unwrap_or(BINARY[5])
}

/// The exact display.
impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.exact())
    }
}

/// [`Bytes::exact`] of a byte count (`i64` or `u64`).
pub fn exact(b: impl Into<Bytes>) -> String {
    b.into().exact()
}

/// [`Bytes::approx`] of a byte count (`i64` or `u64`).
pub fn approx(b: impl Into<Bytes>) -> String {
    b.into().approx()
}

/// [`Bytes::short`] of a byte count (`i64` or `u64`), for table cells.
pub fn short(b: impl Into<Bytes>) -> String {
    b.into().short()
}

/// [`Bytes::exact`] of a figure computed as `f64` (a recommendation rounded up to a whole
/// unit), rounded to the byte; `?` when it is not a number.
pub fn exact_f64(v: f64) -> String {
    Bytes::from_f64(v).map_or_else(|| "?".into(), Bytes::exact)
}

/// [`Bytes::short`] of a measured or derived figure (a sample, a peak, a median), rounded to the
/// byte; `?` when it is not a number.
pub fn short_f64(v: f64) -> String {
    Bytes::from_f64(v).map_or_else(|| "?".into(), Bytes::short)
}

/// A growth rate in bytes per hour: the short display, always signed (`+150Mi/h`, `-1Ki/h`,
/// `0/h`); `?/h` when it is not a number.
pub fn per_hour(bytes_per_hour: f64) -> String {
    match Bytes::from_f64(bytes_per_hour) {
        None => "?/h".into(),
        Some(b) if b.get() > 0 => format!("+{}/h", b.short()),
        Some(b) => format!("{}/h", b.short()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(n: i64) -> Bytes {
        Bytes::from(n)
    }

    #[test]
    fn exact_is_the_quantity_that_parses_back() {
        let cases = [
            (0, "0"),
            (1, "1"),
            (999, "999"),
            (1000, "1k"),
            (1024, "1Ki"),
            (1536, "1536"),
            (1_500_000, "1500k"),
            (1536 << 20, "1536Mi"),
            (3531 << 20, "3531Mi"),
            (4 << 30, "4Gi"),
            (500_000_000, "500M"),
            (1_000_000_000, "1G"),
            (1_073_741_825, "1073741825"),
            (1 << 40, "1Ti"),
            (3 << 50, "3Pi"),
            (1 << 60, "1Ei"),
            (i64::MAX, "9223372036854775807"),
            (-(2 << 30), "-2Gi"),
            (-1000, "-1k"),
        ];
        for (n, want) in cases {
            assert_eq!(b(n).exact(), want, "{n}");
            assert_eq!(b(n).to_string(), want, "{n}");
            if n != 0 {
                let q = Quantity::parse(want).unwrap();
                assert_eq!(Bytes::from_quantity(&q), Some(b(n)), "{want}");
            }
        }
        assert_eq!(Bytes::from(u64::MAX).exact(), "18446744073709551615");
        assert_eq!(Bytes::from(u64::MAX - 1023).exact(), "18014398509481983Ki");
    }

    #[test]
    fn approx_rounds_only_what_is_unreadable() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1k"),
            (1536, "1536"),
            (768 << 10, "768Ki"),
            (512 << 20, "512Mi"),
            (500_000_000, "500M"),
            (1536 << 10, "~1.5Mi"),
            (1_500_001, "~1.4Mi"),
            (130_862_080, "~124.8Mi"),
            (1_073_741_825, "~1.0Gi"),
            ((1 << 30) - 1, "~1.0Gi"),
            (15_242_288 << 10, "~14.5Gi"),
            (-(3 << 30) - 1, "~-3.0Gi"),
        ];
        for (n, want) in cases {
            assert_eq!(b(n).approx(), want, "{n}");
        }
        assert_eq!(Bytes::from(u64::MAX).approx(), "~16.0Ei");
    }

    #[test]
    fn short_fits_a_table_cell() {
        let cases = [
            (0, "0"),
            (512, "512"),
            (1024, "1Ki"),
            (1536, "1.50Ki"),
            (4 << 30, "4Gi"),
            (4_252_017_623, "3.96Gi"),
            (12_268_339, "11.7Mi"),
            (157_300_000, "150Mi"),
            (-2048, "-2Ki"),
        ];
        for (n, want) in cases {
            assert_eq!(b(n).short(), want, "{n}");
        }
        assert_eq!(short(1u64 << 60), "1Ei");
        assert_eq!(exact(3531u64 << 20), "3531Mi");
        assert_eq!(approx(-1i64), "-1");
        assert_eq!(Bytes::from_f64(f64::NAN), None);
        assert_eq!(Bytes::from_f64(-0.4), Some(b(0)));
        assert_eq!(short_f64(3.61 * (1u64 << 30) as f64), "3.61Gi");
        assert_eq!(short_f64(-2048.0), "-2Ki");
        assert_eq!(short_f64(f64::NAN), "?");
        assert_eq!(exact_f64(3531.0 * 1048576.0), "3531Mi");
        assert_eq!(exact_f64(f64::INFINITY), "?");
    }

    #[test]
    fn rates_are_signed_per_hour() {
        assert_eq!(per_hour(150.0 * 1048576.0), "+150Mi/h");
        assert_eq!(per_hour(12.3 * 1048576.0), "+12.3Mi/h");
        assert_eq!(per_hour(0.2), "0/h");
        assert_eq!(per_hour(-1024.0), "-1Ki/h");
        assert_eq!(per_hour(f64::INFINITY), "?/h");
    }
}
