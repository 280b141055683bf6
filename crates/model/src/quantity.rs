//! `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource), exactly.
//!
//! [`Quantity::parse`] is a port of `ParseQuantity` (`quantity.go`, `suffix.go`, `amount.go`):
//! the same scanner, the same errors, the same rounding, the same cap and the same format rules.
//! The ported apimachinery test tables and a part of the v1.37.0 decode corpus are in
//! `tests/quantity_table.rs`.
//!
//! # Grammar
//!
//! An optional sign, a number (`1`, `1.5`, `1.`, `.5`), then a suffix: binary `Ki Mi Gi Ti Pi Ei`
//! (2^10 … 2^60), decimal `n u m "" k M G T P E` (10^-9 … 10^18), or `e`/`E` followed by a signed
//! integer. Suffixes are case-sensitive (`K`, `ki`, `Gb` are errors) and no whitespace is allowed.
//! Like apimachinery's hand-written scanner this is more lenient than the grammar it documents: a
//! number without digits is zero (`.`, `-.`, `+`, `Gi`, `k`, `e3`), leading zeros are ignored
//! (`01Gi` is `1Gi`) and `1.` and `1.G` are accepted.
//!
//! A character outside the grammar gives [`QuantityError::FormatWrong`] (`ErrFormatWrong`); a run
//! of suffix characters that is not a suffix gives [`QuantityError::Suffix`] (`ErrSuffix`: `i`,
//! `mi`, `K`, `e-`, `Ei3`); a number without digits on apimachinery's big-decimal path gives
//! [`QuantityError::Numeric`] (`ErrNumeric`: `Pi`, `Ei`, `e-10`).
//!
//! # Value
//!
//! The value is exact, except that:
//! - a non-zero magnitude that is not a multiple of 10^-9 is rounded up, away from zero, to the
//!   next nano (`0.1n` is `1n`, `-.484785E-7466` is `-1n`);
//! - a binary-suffixed magnitude above 2^63-1 is capped at 2^63-1 (`8Ei`, `9223372036854775807Ki`);
//!   decimal values are not capped (`12E` keeps 1.2e19);
//! - a binary-suffixed value with 0 < |v| < 1 becomes [`Format::DecimalSI`].
//!
//! # Version notes, and where this differs from apimachinery
//!
//! The reference is the v1.37.0 release, whose decodes master keeps frozen (an object stored by
//! one release must decode the same in the next):
//! - An exponent is read as an int64 (out of range: `ErrSuffix`) and then truncated to int32, so
//!   `1e4294967297` is `1e1` = 10 and `1e4294967296` is 1. (A 1.38 pre-release rejected these, and
//!   #142395 restored the truncation.)
//! - For numbers of at most 18 digits, the int32 `exponent - fraction digits` wraps:
//!   `0.1e-2147483648` is 10^2147483647. Master rejects exponents that truncate to -2^31
//!   with `ErrSuffix` (a TODO before 1.38); this follows 1.37.
//! - Where v1.37.0 never returns (its big-decimal rounding builds 10^(2^31): `1e-2147483647`,
//!   `1234567890123456789012e2147483000`), this returns the exact value, as the newest
//!   apimachinery does for the sub-nano cases (`1e-2147483647` is `1n`).
//! - [`Quantity::value`] and [`Quantity::milli_value`] round negative values away from zero, as
//!   1.38 does (#138510) and as 1.37 did for values it kept as int64; 1.37 rounded negative
//!   big-decimal values toward +inf (`-.484785E-7466` gave Value() 1, here -1).
//! - [`QuantityError::OutOfRange`] is returned for the one class apimachinery accepts that this
//!   does not represent: a value whose significant digits (after rounding to nano, trailing zeros
//!   aside) do not fit an i128, about 39 digits (`1234567890123456789012345678901234567891`).
//!   No memory size is anywhere near that.
//! - `Display` is the canonical form of `Quantity.String()`: the largest suffix that loses no
//!   precision, no fraction digits (`1.5Gi` is `1536Mi`, `.001Ki` is `1024m`, `.001e12` is
//!   `1e9`). apimachinery's `String()` echoes some inputs verbatim instead (`01`, `+1`, `1.`,
//!   `1E3`: its parse caches the input when it looks canonical, #141166); this always prints the
//!   canonical form. DecimalSI above `E` prints as an exponent (`1000E` is `1e21`), as the newest
//!   apimachinery does (#140459; older releases printed `1`). An exponent above 2^31-2 is printed
//!   with the excess as mantissa zeros (`1e2147483650` prints as `10000e2147483646`), so that
//!   every printed value parses back to the same value; apimachinery's exponent wraps there.
//! - Like `String()`, printing is not idempotent when the format changes on the way back: a
//!   BinarySI 2000 prints `2000`, which parses as DecimalSI and prints `2k`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// How a quantity was written, which decides how it is printed back (`Quantity.Format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Binary suffixes: Ki, Mi, Gi, Ti, Pi, Ei.
    BinarySI,
    /// Decimal suffixes: n, u, m, "", k, M, G, T, P, E.
    DecimalSI,
    /// An `e`/`E` exponent: `1e3`.
    DecimalExponent,
}

/// Why a quantity string was rejected. `Display` gives apimachinery's wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuantityError {
    /// Not a number followed by suffix characters (`ErrFormatWrong`); also the empty string.
    FormatWrong,
    /// The suffix characters are not a suffix Kubernetes knows (`ErrSuffix`). Holds the suffix.
    Suffix(String),
    /// A number without digits where apimachinery needs its big-decimal parser (`ErrNumeric`):
    /// `Pi`, `.Ei`, `e-10`.
    Numeric,
    /// Valid for Kubernetes, but the significant digits do not fit oomdoc's exact arithmetic
    /// (an i128, about 39 digits).
    OutOfRange,
}

/// `ErrFormatWrong`'s message, quoting `splitREString`.
pub const ERR_FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// `ErrSuffix`'s message.
pub const ERR_SUFFIX: &str = "unable to parse quantity's suffix";
/// `ErrNumeric`'s message.
pub const ERR_NUMERIC: &str = "unable to parse numeric part of quantity";

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::FormatWrong => f.write_str(ERR_FORMAT_WRONG),
            QuantityError::Suffix(_) => f.write_str(ERR_SUFFIX),
            QuantityError::Numeric => f.write_str(ERR_NUMERIC),
            QuantityError::OutOfRange => f.write_str(
                "quantity has more significant digits than oomdoc's exact arithmetic holds (about 39)",
            ),
        }
    }
}

impl std::error::Error for QuantityError {}

/// A parsed quantity: its exact value `mant × 10^exp` and the format it was written in.
///
/// The pair is normalized (`mant` has no trailing decimal zero; zero is `0 × 10^0`), so equal
/// values have equal fields. Values made by [`Quantity::parse`] have `exp >= -9`.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    mant: i128,
    exp: i64,
    format: Format,
}

/// 2^63-1 in nanos: the cap of a binary-suffixed magnitude.
const MAX_BINARY_NANOS: u128 = (i64::MAX as u128) * 1_000_000_000;
/// The largest exponent `Display` prints: a multiple of 3 that parses without int32 truncation.
const MAX_PRINTED_EXP: i64 = 2_147_483_646;

mod scan;

use scan::*;

impl Quantity {
    /// Parses a quantity exactly as `resource.ParseQuantity` does (see the module docs for the
    /// few documented differences).
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        let p = scan(s.as_bytes())?;
        let suffix = interpret(p.suffix)
            .ok_or_else(|| QuantityError::Suffix(String::from_utf8_lossy(p.suffix).into_owned()))?;
        // apimachinery's "num" is "0" when no integer digit is left after the zeros.
        let num_len = p.int.len().max(1);
        let (magnitude, exp, format) = match suffix {
            Unit::Binary(k) => {
                // The int64 fast path: no fraction and few enough digits (its `precision`).
                let precision = 15 - num_len as i64 - i64::from(k) * 3 / 10 - 1;
                let fast = p.frac.is_empty() && precision >= 0;
                if p.digitless && !fast {
                    return Err(QuantityError::Numeric);
                }
                let (m, e) = binary_magnitude(p.int, p.frac, k);
                // 0 < |v| < 1, that is m < 10^-e.
                let below_one = m != 0 && e < 0 && m < POW10[e.unsigned_abs().min(38) as usize];
                let format = if below_one {
                    Format::DecimalSI
                } else {
                    Format::BinarySI
                };
                (m, e, format)
            }
            Unit::Decimal(e) | Unit::Exponent(e) => {
                let format = match suffix {
                    Unit::Exponent(_) => Format::DecimalExponent,
                    _ => Format::DecimalSI,
                };
                // The int64 fast path keeps `exponent - len(denom)` in an int32, which wraps.
                let fast_scale = e.wrapping_sub(p.frac.len() as i32);
                let fast = num_len + p.frac.len() <= 18 && fast_scale >= -9;
                if p.digitless && !fast {
                    return Err(QuantityError::Numeric);
                }
                let q = if fast {
                    i64::from(fast_scale)
                } else {
                    i64::from(e) - p.frac.len() as i64
                };
                let (m, e) =
                    decimal_magnitude(p.int, p.frac, q).ok_or(QuantityError::OutOfRange)?;
                (m, e, format)
            }
        };
        let mant = magnitude as i128; // both paths keep the magnitude within i128
        Ok(Quantity {
            mant: if p.negative { -mant } else { mant },
            exp,
            format,
        })
    }

    /// A whole number (of bytes, or cores), as `resource.NewQuantity(n, format)`.
    pub fn from_int(n: i64, format: Format) -> Quantity {
        let (m, exp) = normalize(u128::from(n.unsigned_abs()), 0);
        let mant = if n < 0 { -(m as i128) } else { m as i128 };
        Quantity { mant, exp, format }
    }

    /// `Value()`: the value rounded up, away from zero, to an integer; `None` when that does not
    /// fit an i64 (where apimachinery silently overflows).
    pub fn value(&self) -> Option<i64> {
        self.scaled_value(0)
    }

    /// `MilliValue()`: the value times 1000, rounded up away from zero; `None` when that does not
    /// fit an i64.
    pub fn milli_value(&self) -> Option<i64> {
        self.scaled_value(-3)
    }

    /// `ScaledValue(scale)`: the value divided by 10^scale, rounded up away from zero; `None`
    /// when that does not fit an i64.
    pub fn scaled_value(&self, scale: i32) -> Option<i64> {
        if self.mant == 0 {
            return Some(0);
        }
        let d = self.exp - i64::from(scale);
        let mag = self.mant.unsigned_abs();
        let r = if d >= 0 {
            mag.checked_mul(pow10(d as u64)?)?
        } else {
            match (u64::try_from(mag), d) {
                // u64 division is an instruction, u128 division a library call.
                (Ok(m), -19..=-1) => {
                    let div = 10u64.pow(d.unsigned_abs() as u32);
                    u128::from(m / div + u64::from(m % div != 0))
                }
                _ => match pow10(d.unsigned_abs()) {
                    Some(div) => mag / div + u128::from(!mag.is_multiple_of(div)),
                    None => 1, // |value| below 10^-38 of the unit: rounds to 1
                },
            }
        };
        let r = i128::try_from(r).ok()?;
        i64::try_from(if self.mant < 0 { -r } else { r }).ok()
    }

    /// The exact value in units of 10^-9, when it fits an i128 (it always does for a parsed
    /// quantity below about 1.7e20).
    pub fn as_nanos(&self) -> Option<i128> {
        let d = self.exp + 9;
        if d >= 0 {
            self.mant
                .checked_mul(i128::try_from(pow10(d as u64)?).ok()?)
        } else {
            let div = i128::try_from(pow10(d.unsigned_abs())?).ok()?;
            (self.mant % div == 0).then(|| self.mant / div)
        }
    }

    /// The exact value as `(mantissa, exponent)`, value = mantissa × 10^exponent, normalized:
    /// the mantissa has no trailing zero, and zero is `(0, 0)`.
    pub fn decimal_parts(&self) -> (i128, i64) {
        (self.mant, self.exp)
    }

    /// True when the value is exactly zero.
    pub fn is_zero(&self) -> bool {
        self.mant == 0
    }

    /// True when the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.mant < 0
    }

    /// The format the quantity was written in (after the BinarySI-below-1 switch).
    pub fn format(&self) -> Format {
        self.format
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl PartialEq for Quantity {
    /// By value, as `Quantity.Cmp(y) == 0`: the format does not count.
    fn eq(&self, other: &Self) -> bool {
        self.mant == other.mant && self.exp == other.exp
    }
}
impl Eq for Quantity {}
impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.mant.hash(state);
        self.exp.hash(state);
    }
}
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    /// Compares by value, as `Quantity.Cmp` does.
    fn cmp(&self, other: &Self) -> Ordering {
        let by_sign = self.mant.signum().cmp(&other.mant.signum());
        if by_sign != Ordering::Equal || self.mant == 0 {
            return by_sign;
        }
        let (a, b) = (self.mant.unsigned_abs(), other.mant.unsigned_abs());
        let by_magnitude = if self.exp == other.exp {
            a.cmp(&b)
        } else {
            cmp_magnitude(a, self.exp, b, other.exp)
        };
        if self.mant > 0 {
            by_magnitude
        } else {
            by_magnitude.reverse()
        }
    }
}

/// Compares `a × 10^ea` with `b × 10^eb`, both non-zero.
fn cmp_magnitude(a: u128, ea: i64, b: u128, eb: i64) -> Ordering {
    // The position of the leading digit decides, unless it is the same.
    let lead_a = i64::from(a.ilog10()) + ea;
    let lead_b = i64::from(b.ilog10()) + eb;
    if lead_a != lead_b {
        return lead_a.cmp(&lead_b);
    }
    // Same leading position, so the exponents differ by at most 38 digits.
    if ea >= eb {
        match pow10((ea - eb) as u64).and_then(|p| a.checked_mul(p)) {
            Some(a) => a.cmp(&b),
            None => Ordering::Greater,
        }
    } else {
        match pow10((eb - ea) as u64).and_then(|p| b.checked_mul(p)) {
            Some(b) => a.cmp(&b),
            None => Ordering::Less,
        }
    }
}

impl fmt::Display for Quantity {
    /// Canonical form (`Quantity.String()` after `CanonicalizeBytes`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mant == 0 {
            return f.write_str("0");
        }
        if self.mant < 0 {
            f.write_str("-")?;
        }
        let mag = self.mant.unsigned_abs();
        if self.format == Format::BinarySI {
            if let Some(n) = binary_integer(mag, self.exp) {
                // Remove factors of 1024 (`AsCanonicalBase1024Bytes`).
                let power = (n.trailing_zeros() / 10) as usize;
                let n = n >> (10 * power);
                const BINARY: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
                if let Some(suffix) = BINARY.get(power) {
                    return match u64::try_from(n) {
                        Ok(n) => write!(f, "{n}{suffix}"),
                        Err(_) => write!(f, "{n}{suffix}"),
                    };
                }
                // Past Ei (only arithmetic makes one): the exact decimal form (#140459).
                return write_decimal(f, mag, self.exp, Format::DecimalExponent);
            }
            // Below 1024 or fractional: shown as DecimalSI, so nothing is lost.
            return write_decimal(f, mag, self.exp, Format::DecimalSI);
        }
        write_decimal(f, mag, self.exp, self.format)
    }
}

/// The integer value of a binary-format magnitude of at least 1024, or `None` when it is below
/// 1024 or not an integer (then apimachinery prints it as DecimalSI).
fn binary_integer(mag: u128, exp: i64) -> Option<u128> {
    if exp < 0 {
        return None; // normalized, so not an integer
    }
    let n = mag.checked_mul(pow10(exp as u64)?)?;
    (n >= 1024).then_some(n)
}

/// `AsCanonicalBytes` and the decimal suffix: the exponent lowered to a multiple of 3.
fn write_decimal(f: &mut fmt::Formatter<'_>, mag: u128, exp: i64, format: Format) -> fmt::Result {
    let mut zeros = exp.rem_euclid(3);
    let mut e3 = exp - zeros;
    if e3 > MAX_PRINTED_EXP {
        zeros += e3 - MAX_PRINTED_EXP;
        e3 = MAX_PRINTED_EXP;
    }
    match u64::try_from(mag) {
        Ok(m) => write!(f, "{m}")?,
        Err(_) => write!(f, "{mag}")?,
    }
    for _ in 0..zeros {
        f.write_str("0")?;
    }
    let si = match (format, e3) {
        (Format::DecimalExponent, 0) => Some(""),
        (Format::DecimalExponent, _) => None,
        (_, -9) => Some("n"),
        (_, -6) => Some("u"),
        (_, -3) => Some("m"),
        (_, 0) => Some(""),
        (_, 3) => Some("k"),
        (_, 6) => Some("M"),
        (_, 9) => Some("G"),
        (_, 12) => Some("T"),
        (_, 15) => Some("P"),
        (_, 18) => Some("E"),
        _ => None, // no SI suffix: exponent notation
    };
    match si {
        Some(s) => f.write_str(s),
        None => write!(f, "e{e3}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn common_memory_sizes() {
        assert_eq!(q("512Mi").value(), Some(512 << 20));
        assert_eq!(q("1Gi").value(), Some(1 << 30));
        assert_eq!(q("1G").value(), Some(1_000_000_000));
        assert_eq!(q("100m").value(), Some(1));
        assert_eq!(q("100m").milli_value(), Some(100));
        assert_eq!(q("1536Mi").to_string(), "1536Mi");
        assert_eq!(q("1.5Gi").to_string(), "1536Mi");
    }

    #[test]
    fn errors_use_apimachinery_wording() {
        assert_eq!(
            Quantity::parse("").unwrap_err().to_string(),
            ERR_FORMAT_WRONG
        );
        assert_eq!(Quantity::parse("1K").unwrap_err().to_string(), ERR_SUFFIX);
        assert_eq!(
            Quantity::parse("1KB").unwrap_err(),
            QuantityError::FormatWrong
        );
        assert_eq!(Quantity::parse("Pi").unwrap_err().to_string(), ERR_NUMERIC);
    }

    #[test]
    fn ordering_is_by_value() {
        assert!(q("1Gi") > q("1G"));
        assert!(q("-1Gi") < q("-1G"));
        assert_eq!(q("1024Mi"), q("1Gi"));
        assert_eq!(q("1000m").cmp(&q("1")), Ordering::Equal);
        assert!(q("1e2147483647") > q("99999999999999999999999999999999999999"));
    }
}
