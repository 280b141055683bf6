//! The scanner and the exact arithmetic behind [`super::Quantity::parse`]: apimachinery's
//! `parseQuantityString`, suffix tables and magnitude rules, kept apart from the public type.

use super::{QuantityError, MAX_BINARY_NANOS};

/// 10^0 ..= 10^38.
pub(super) const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// 10^n for n <= 38, as u128.
pub(super) fn pow10(n: u64) -> Option<u128> {
    POW10.get(usize::try_from(n).ok()?).copied()
}

/// What the suffix means (`quantitySuffixer.interpret`).
#[derive(Clone, Copy)]
pub(super) enum Unit {
    /// Power of ten, from a decimal SI suffix.
    Decimal(i32),
    /// Power of two, from a binary SI suffix.
    Binary(u32),
    /// Power of ten, from `e`/`E`, after apimachinery's int32 truncation.
    Exponent(i32),
}

pub(super) fn interpret(s: &[u8]) -> Option<Unit> {
    Some(match s {
        b"" => Unit::Decimal(0),
        b"n" => Unit::Decimal(-9),
        b"u" => Unit::Decimal(-6),
        b"m" => Unit::Decimal(-3),
        b"k" => Unit::Decimal(3),
        b"M" => Unit::Decimal(6),
        b"G" => Unit::Decimal(9),
        b"T" => Unit::Decimal(12),
        b"P" => Unit::Decimal(15),
        b"E" => Unit::Decimal(18),
        b"Ki" => Unit::Binary(10),
        b"Mi" => Unit::Binary(20),
        b"Gi" => Unit::Binary(30),
        b"Ti" => Unit::Binary(40),
        b"Pi" => Unit::Binary(50),
        b"Ei" => Unit::Binary(60),
        [b'e' | b'E', rest @ ..] if !rest.is_empty() => {
            // strconv.ParseInt(s[1:], 10, 64), then int32(parsed): truncation, as Go converts.
            Unit::Exponent(parse_go_int64(rest)? as i32)
        }
        _ => return None,
    })
}

/// `strconv.ParseInt(s, 10, 64)`: an optional sign and at least one digit, in int64 range.
pub(super) fn parse_go_int64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut mag: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        mag = mag.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if mag <= i64::MAX as u64 {
            Some(-(mag as i64))
        } else if mag == i64::MAX as u64 + 1 {
            Some(i64::MIN)
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// The pieces `parseQuantityString` finds.
pub(super) struct Scanned<'a> {
    pub(super) negative: bool,
    /// Integer digits after the leading zeros (apimachinery's `num`, empty for "0").
    pub(super) int: &'a [u8],
    /// Digits after the `.` (`denom`).
    pub(super) frac: &'a [u8],
    /// The number part has no digit at all (`.`, `-`, `+.`): `inf.Dec.SetString` fails on it.
    pub(super) digitless: bool,
    pub(super) suffix: &'a [u8],
}

pub(super) const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

/// `parseQuantityString`, byte for byte.
pub(super) fn scan(b: &[u8]) -> Result<Scanned<'_>, QuantityError> {
    let end = b.len();
    let mut pos = 0;
    let mut negative = false;
    match b.first() {
        Some(b'-') => {
            negative = true;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    let number_start = pos;
    // Leading zeros. A string that ends here is "0" (apimachinery returns num = value = "0").
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    let done = |int, frac| Scanned {
        negative,
        int,
        frac,
        digitless: false,
        suffix: &[],
    };
    if pos == end {
        return Ok(done(&[], &[]));
    }
    let int_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    let int = &b[int_start..pos];
    if pos == end {
        return Ok(done(int, &[]));
    }
    let mut frac: &[u8] = &[];
    if b[pos] == b'.' {
        pos += 1;
        let frac_start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        frac = &b[frac_start..pos];
        if pos == end {
            return Ok(done(int, frac));
        }
    }
    let digitless = int_start == number_start && int.is_empty() && frac.is_empty();
    let suffix_start = pos;
    while pos < end && SUFFIX_CHARS.contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(QuantityError::FormatWrong);
    }
    Ok(Scanned {
        negative,
        int,
        frac,
        digitless,
        suffix: &b[suffix_start..],
    })
}

/// The digits of `int` then `frac`, as values 0..=9.
pub(super) fn digits<'a>(int: &'a [u8], frac: &'a [u8]) -> impl Iterator<Item = u8> + 'a {
    int.iter().chain(frac).map(|&c| c - b'0')
}

/// `digits × 10^q` (`q` is the exponent of the last digit), rounded up to a multiple of 10^-9,
/// as a normalized (magnitude, exponent). `None` when the magnitude does not fit an i128.
pub(super) fn decimal_magnitude(int: &[u8], frac: &[u8], q: i64) -> Option<(u128, i64)> {
    let n = int.len() + frac.len();
    if n <= 19 && q >= -9 {
        // The common case: a u64 and nothing to round.
        let acc = digits(int, frac).fold(0u64, |acc, d| acc * 10 + u64::from(d));
        return Some(normalize(u128::from(acc), q));
    }
    // Digits whose exponent is below -9 only decide whether to round up.
    let tail = if q < -9 {
        usize::try_from(-9 - q).unwrap_or(usize::MAX).min(n)
    } else {
        0
    };
    let head = n - tail;
    let mut acc: u128 = 0;
    let mut zeros: u64 = 0; // trailing zeros not yet multiplied into acc
    for d in digits(int, frac).take(head) {
        if d == 0 {
            if acc != 0 {
                zeros += 1;
            }
        } else {
            acc = acc
                .checked_mul(pow10(zeros + 1)?)?
                .checked_add(u128::from(d))?;
            zeros = 0;
        }
    }
    let round_up = tail > 0 && digits(int, frac).skip(head).any(|d| d != 0);
    if acc == 0 {
        return Some(if round_up { (1, -9) } else { (0, 0) });
    }
    // Exponent of the last head digit: -9 when there is a tail.
    let last = q + tail as i64;
    let (m, e) = if round_up {
        (acc.checked_mul(pow10(zeros)?)?.checked_add(1)?, last)
    } else {
        (acc, last + zeros as i64)
    };
    let (m, e) = normalize(m, e);
    (m <= i128::MAX as u128).then_some((m, e))
}

/// `digits × 2^k` (`frac.len()` of the digits after the point), rounded up to a nano and capped
/// at 2^63-1, as a normalized (magnitude, exponent).
pub(super) fn binary_magnitude(int: &[u8], frac: &[u8], k: u32) -> (u128, i64) {
    if frac.len() <= 9 {
        // Exact: N × 2^k × 10^-D needs no rounding. Saturating is exact here because anything
        // that saturates is far above the cap.
        let m = if int.len() + frac.len() <= 19 {
            // Below 2^64 × 2^60: a shift cannot overflow.
            u128::from(digits(int, frac).fold(0u64, |acc, d| acc * 10 + u64::from(d))) << k
        } else {
            digits(int, frac)
                .fold(0u128, |acc, d| {
                    acc.saturating_mul(10).saturating_add(u128::from(d))
                })
                .saturating_mul(1u128 << k)
        };
        let cap = (i64::MAX as u128) * POW10[frac.len()];
        if m > cap {
            return (i64::MAX as u128, 0);
        }
        return normalize(m, -(frac.len() as i64));
    }
    normalize(binary_nanos(int, frac, k), -9)
}

/// `digits × 2^k` in nanos, rounded up, capped at 2^63-1 units.
pub(super) fn binary_nanos(int: &[u8], frac: &[u8], k: u32) -> u128 {
    let mul = 1u128 << k;
    // Digits down to the nano position; saturating is exact here because anything that
    // saturates is far above the cap.
    let nano_frac = frac.len().min(9);
    let mut acc: u128 = 0;
    for d in digits(int, &frac[..nano_frac]) {
        acc = acc.saturating_mul(10).saturating_add(u128::from(d));
    }
    let mut nanos = acc
        .saturating_mul(mul)
        .saturating_mul(10u128.pow((9 - nano_frac) as u32));
    // The digits below a nano, T/10^t: add ceil(T × 2^k / 10^t), by long multiplication from
    // the last digit (the carry out is the quotient; a non-zero digit left behind a remainder).
    let mut carry: u128 = 0;
    let mut remainder = false;
    for &c in frac[nano_frac..].iter().rev() {
        let v = u128::from(c - b'0') * mul + carry;
        remainder |= !v.is_multiple_of(10);
        carry = v / 10;
    }
    nanos = nanos
        .saturating_add(carry)
        .saturating_add(u128::from(remainder));
    nanos.min(MAX_BINARY_NANOS)
}

/// Moves trailing decimal zeros of `m` into the exponent.
pub(super) fn normalize(m: u128, e: i64) -> (u128, i64) {
    match u64::try_from(m) {
        Ok(x) => {
            let (x, e) = normalize_u64(x, e);
            (u128::from(x), e)
        }
        Err(_) => normalize_wide(m, e),
    }
}

pub(super) fn normalize_u64(mut x: u64, mut e: i64) -> (u64, i64) {
    if x == 0 {
        return (0, 0);
    }
    while x.is_multiple_of(10) {
        x /= 10;
        e += 1;
    }
    (x, e)
}

/// `normalize` above u64: u128 division is a library call, so kept out of the common path
/// (LLVM otherwise hoists a speculative `u128 % 10^9` into it).
#[inline(never)]
pub(super) fn normalize_wide(mut m: u128, mut e: i64) -> (u128, i64) {
    while m > u128::from(u64::MAX) && m.is_multiple_of(1_000_000_000) {
        m /= 1_000_000_000;
        e += 9;
    }
    if let Ok(x) = u64::try_from(m) {
        let (x, e) = normalize_u64(x, e);
        return (u128::from(x), e);
    }
    while m.is_multiple_of(10) {
        m /= 10;
        e += 1;
    }
    (m, e)
}
