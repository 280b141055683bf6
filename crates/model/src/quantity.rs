//! `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource), exactly.
//!
//! PROVISIONAL: the parser below is a first cut; the exact implementation and the apimachinery
//! test table replace it.

use std::cmp::Ordering;
use std::fmt;

/// How a quantity was written, which decides how it is printed back (`Quantity.Format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Format {
    /// Binary suffixes: Ki, Mi, Gi, Ti, Pi, Ei.
    BinarySI,
    /// Decimal suffixes: n, u, m, "", k, M, G, T, P, E.
    DecimalSI,
    /// An `e`/`E` exponent: `1e3`.
    DecimalExponent,
}

/// Why a quantity string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuantityError {
    /// The empty string.
    Empty,
    /// Not a number followed by a suffix (`ErrFormatWrong`).
    FormatWrong,
    /// The suffix is not one Kubernetes knows (`ErrSuffix`).
    Suffix(String),
    /// The value is valid for Kubernetes but too large for oomdoc's exact arithmetic.
    OutOfRange,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::Empty => f.write_str("empty quantity"),
            QuantityError::FormatWrong => f.write_str(
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            ),
            QuantityError::Suffix(s) => write!(f, "unable to parse quantity's suffix {s:?}"),
            QuantityError::OutOfRange => f.write_str("quantity is out of the supported range"),
        }
    }
}

impl std::error::Error for QuantityError {}

/// A parsed quantity: its exact value (in units of 10^-9, rounded away from zero as apimachinery
/// does) and the format it was written in.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

impl Quantity {
    /// Parses a quantity exactly as `resource.ParseQuantity` does.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::Empty);
        }
        let (neg, rest) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, suffix) = rest.split_at(num_end);
        if num.matches('.').count() > 1 {
            return Err(QuantityError::FormatWrong);
        }
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        let (base2, exp10, format) = match suffix {
            "Ki" => (10, 0, Format::BinarySI),
            "Mi" => (20, 0, Format::BinarySI),
            "Gi" => (30, 0, Format::BinarySI),
            "Ti" => (40, 0, Format::BinarySI),
            "Pi" => (50, 0, Format::BinarySI),
            "Ei" => (60, 0, Format::BinarySI),
            "n" => (0, -9, Format::DecimalSI),
            "u" => (0, -6, Format::DecimalSI),
            "m" => (0, -3, Format::DecimalSI),
            "" => (0, 0, Format::DecimalSI),
            "k" => (0, 3, Format::DecimalSI),
            "M" => (0, 6, Format::DecimalSI),
            "G" => (0, 9, Format::DecimalSI),
            "T" => (0, 12, Format::DecimalSI),
            "P" => (0, 15, Format::DecimalSI),
            "E" => (0, 18, Format::DecimalSI),
            other => {
                let exp = other
                    .strip_prefix(['e', 'E'])
                    .and_then(|e| e.parse::<i32>().ok())
                    .ok_or_else(|| QuantityError::Suffix(other.to_string()))?;
                (0, exp, Format::DecimalExponent)
            }
        };
        let digits: String = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        let mut mantissa: i128 = 0;
        for b in digits.bytes() {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(QuantityError::OutOfRange)?;
        }
        let scale = exp10 + 9 - frac_part.len() as i32;
        let mut value = mantissa.checked_mul(1i128 << base2).ok_or(QuantityError::OutOfRange)?;
        if scale >= 0 {
            value = value
                .checked_mul(10i128.checked_pow(scale as u32).ok_or(QuantityError::OutOfRange)?)
                .ok_or(QuantityError::OutOfRange)?;
        } else {
            let div = 10i128.checked_pow((-scale) as u32).unwrap_or(i128::MAX);
            value = value / div + i128::from(value % div != 0);
        }
        if format == Format::BinarySI {
            value = value.min(i128::from(i64::MAX) * 1_000_000_000);
        }
        Ok(Quantity { nanos: if neg { -value } else { value }, format })
    }

    /// A whole number of bytes (or units), as `resource.NewQuantity(n, BinarySI)`.
    pub fn from_int(n: i64, format: Format) -> Quantity {
        Quantity { nanos: i128::from(n) * 1_000_000_000, format }
    }

    /// `Value()`: the value rounded up (away from zero) to an integer; `None` when it does not fit
    /// an i64.
    pub fn value(&self) -> Option<i64> {
        scaled_ceil(self.nanos, 1_000_000_000)
    }

    /// `MilliValue()`: the value times 1000, rounded up (away from zero).
    pub fn milli_value(&self) -> Option<i64> {
        scaled_ceil(self.nanos, 1_000_000)
    }

    /// True when the value is exactly zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// The format the quantity was written in.
    pub fn format(&self) -> Format {
        self.format
    }
}

fn scaled_ceil(nanos: i128, div: i128) -> Option<i64> {
    let q = nanos / div;
    let q = if nanos % div != 0 { q + nanos.signum() } else { q };
    i64::try_from(q).ok()
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}
impl Eq for Quantity {}
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    /// Compares by value, as `Quantity.Cmp` does.
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl fmt::Display for Quantity {
    /// Canonical form (`Quantity.String()`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos % 1_000_000_000 == 0 {
            write!(f, "{}", self.nanos / 1_000_000_000)
        } else {
            write!(f, "{}n", self.nanos)
        }
    }
}
