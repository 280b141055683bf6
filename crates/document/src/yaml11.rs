//! Scalar resolution as Kubernetes does it.
//!
//! Kubernetes never reads YAML directly: `sigs.k8s.io/yaml` decodes it with go-yaml v2 (YAML 1.1
//! rules: `yes` is a bool, `010` is octal, `1_000` is an int) into Go values, encodes those as JSON
//! with `encoding/json`, and the API types decode that JSON. So a plain `memory: 1e3` reaches
//! `resource.Quantity` as the JSON text `1000`, and a plain `value: 8080` in an env var is a type
//! error ("cannot unmarshal number into Go struct field EnvVar.value of type string").
//!
//! [`resolve`] reproduces go-yaml v2's `resolve()` (goyaml.v2/resolve.go) and [`json_number`]
//! reproduces the JSON text `encoding/json` writes for the resolved number.

use saphyr_parser::ScalarStyle;

/// A scalar's explicit tag, reduced to what resolution needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    /// No tag: plain scalars are resolved, quoted and block scalars are strings.
    None,
    /// `!!str` or `!!binary`: always a string.
    Str,
    /// `!!int`, `!!float`, `!!bool`, `!!null`, `!!timestamp`: resolved, then checked.
    Int,
    Float,
    Bool,
    Null,
    Timestamp,
    /// Any other tag (`!foo`, `!`): go-yaml keeps the text as a string.
    Other,
}

impl TagKind {
    /// Classifies a saphyr tag (the `!!` handle arrives expanded to `tag:yaml.org,2002:`).
    pub fn from_tag(tag: Option<&saphyr_parser::Tag>) -> TagKind {
        let Some(tag) = tag else { return TagKind::None };
        if !tag.is_yaml_core_schema() {
            return TagKind::Other;
        }
        match tag.suffix.as_str() {
            "str" | "binary" => TagKind::Str,
            "int" => TagKind::Int,
            "float" => TagKind::Float,
            "bool" => TagKind::Bool,
            "null" => TagKind::Null,
            "timestamp" => TagKind::Timestamp,
            _ => TagKind::Other,
        }
    }
}

/// A resolved scalar, as the Go value go-yaml v2 produces.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// A string (quoted scalars, block scalars, and plain text that is nothing else).
    Str(&'a str),
    /// A timestamp. go-yaml v2 keeps the text of a timestamp decoded into `interface{}` (as
    /// Kubernetes decodes), so it reaches JSON as the string it was.
    Timestamp(&'a str),
    /// `null`, `~`, `Null`, `NULL` or nothing.
    Null,
    /// YAML 1.1 booleans: `y`, `yes`, `on`, `true`, `n`, `no`, `off`, `false` (and case variants).
    Bool(bool),
    /// An integer, as the decimal text `encoding/json` writes for it.
    Int(String),
    /// A float.
    Float(f64),
    /// A tag that does not fit the text (`!!int abc`): go-yaml fails the whole document.
    BadTag(&'static str),
}

impl Value<'_> {
    /// A short noun for error messages: "a string", "a boolean", ...
    pub fn noun(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::Timestamp(_) => "a string",
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::BadTag(_) => "a mistagged value",
        }
    }
}

/// Resolves a scalar the way go-yaml v2 does (`decode.go` `scalar()` and `resolve.go`).
pub fn resolve(text: &str, style: ScalarStyle, tag: TagKind) -> Value<'_> {
    let implicit = style == ScalarStyle::Plain;
    match tag {
        TagKind::Str | TagKind::Other => return Value::Str(text),
        TagKind::None if !implicit => return Value::Str(text),
        _ => {}
    }
    let v = resolve_plain(text, tag == TagKind::None || tag == TagKind::Timestamp);
    // An explicit core tag must agree with what the text resolves to (an int may become a float).
    let ok = match (tag, &v) {
        (TagKind::None, _) => true,
        (TagKind::Int, Value::Int(_)) => true,
        (TagKind::Float, Value::Float(_)) => true,
        (TagKind::Float, Value::Int(s)) => return s.parse::<f64>().map_or(v.clone(), Value::Float),
        (TagKind::Bool, Value::Bool(_)) => true,
        (TagKind::Null, Value::Null) => true,
        (TagKind::Timestamp, Value::Timestamp(_)) => true,
        _ => false,
    };
    if ok {
        v
    } else {
        Value::BadTag(match tag {
            TagKind::Int => "!!int",
            TagKind::Float => "!!float",
            TagKind::Bool => "!!bool",
            TagKind::Null => "!!null",
            _ => "!!timestamp",
        })
    }
}

fn resolve_plain(s: &str, timestamps: bool) -> Value<'_> {
    let Some(&first) = s.as_bytes().first() else {
        return Value::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            lookup(s).unwrap_or(Value::Str(s))
        }
        b'.' => {
            if let Some(v) = lookup(s) {
                return v;
            }
            // strconv.ParseFloat on the text as is (underscores are not removed here).
            if is_yaml_float(s) {
                if let Some(f) = parse_finite(s) {
                    return Value::Float(f);
                }
            }
            Value::Str(s)
        }
        b'+' | b'-' | b'0'..=b'9' => {
            if let Some(v) = lookup(s) {
                return v;
            }
            if timestamps && is_timestamp(s) {
                return Value::Timestamp(s);
            }
            let plain: std::borrow::Cow<str> = if s.contains('_') {
                s.replace('_', "").into()
            } else {
                s.into()
            };
            match go_parse_int(&plain) {
                IntParse::Ok(t) => return Value::Int(t),
                IntParse::Range | IntParse::Syntax => {}
            }
            if is_yaml_float(&plain) {
                if let Some(f) = parse_finite(&plain) {
                    return Value::Float(f);
                }
            }
            // go-yaml then retries `0b…` (already covered by base 0) and, when ParseUint failed
            // with a range error (so: no sign), big.Int, which prints the decimal value.
            if let Some(t) = big_int(&plain) {
                return Value::Int(t);
            }
            Value::Str(s)
        }
        _ => Value::Str(s),
    }
}

/// go-yaml v2's `resolveMap`.
fn lookup(s: &str) -> Option<Value<'static>> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// strconv.ParseFloat fails with ErrRange where Rust returns an infinity.
fn parse_finite(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

enum IntParse {
    Ok(String),
    Range,
    Syntax,
}

/// `strconv.ParseInt(s, 0, 64)`, then `strconv.ParseUint(s, 0, 64)` (which takes no sign).
fn go_parse_int(s: &str) -> IntParse {
    let (neg, signed, body) = match s.as_bytes().first() {
        Some(b'-') => (true, true, &s[1..]),
        Some(b'+') => (false, true, &s[1..]),
        _ => (false, false, s),
    };
    let Some(mag) = parse_base0(body) else {
        return IntParse::Syntax;
    };
    match mag {
        Some(m) if neg && m <= 1u128 << 63 => {
            IntParse::Ok(if m == 0 { "0".into() } else { format!("-{m}") })
        }
        Some(m) if !neg && m <= i64::MAX as u128 => IntParse::Ok(m.to_string()),
        Some(m) if !signed && m <= u64::MAX as u128 => IntParse::Ok(m.to_string()),
        _ => IntParse::Range,
    }
}

/// The digits of a Go base-0 integer literal (no sign, no underscores): `Some(None)` when it is
/// well formed but does not fit in 128 bits.
fn parse_base0(s: &str) -> Option<Option<u128>> {
    let b = s.as_bytes();
    let (base, digits): (u32, &[u8]) = match b {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        [b'0', b'o' | b'O', rest @ ..] => (8, rest),
        [b'0', b'b' | b'B', rest @ ..] => (2, rest),
        [b'0', rest @ ..] if !rest.is_empty() => (8, rest),
        _ => (10, b),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: Option<u128> = Some(0);
    for &c in digits {
        let d = (c as char).to_digit(base)?;
        v = v
            .and_then(|v| v.checked_mul(base as u128))
            .and_then(|v| v.checked_add(d as u128));
    }
    Some(v)
}

/// go-yaml's last resort for unsigned integers beyond 64 bits: `big.Int.SetString(plain, 0)`.
/// Values beyond 128 bits stay strings here (a quantity that large is out of range anyway).
fn big_int(s: &str) -> Option<String> {
    parse_base0(s)?.map(|m| m.to_string())
}

/// The JSON text `encoding/json` writes for a float64 (`'f'` format, or `'e'` below 1e-6 and from
/// 1e21 on, shortest round-trip digits, `e-07` shortened to `e-7`). `None` for NaN and infinities,
/// which `json.Marshal` refuses ("json: unsupported value").
pub fn json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` prints shortest digits as `1.5e-7` / `1e21`; Go writes `1.5e-7` / `1e+21`.
        let s = format!("{f:e}");
        return Some(match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        });
    }
    // Rust's Display is the shortest round-trip decimal without exponent, as Go's 'f', -1.
    Some(format!("{f}"))
}

/// The JSON text for a resolved number, as `Quantity.UnmarshalJSON` receives it.
pub fn json_number(v: &Value<'_>) -> Option<String> {
    match v {
        Value::Int(s) => Some(s.clone()),
        Value::Float(f) => json_float(*f),
        _ => None,
    }
}

/// go-yaml v2 `parseTimestamp`: one of the layouts `2006-1-2T15:4:5.999999999Z07:00`, the same
/// with `t`, `2006-1-2 15:4:5.999999999` and `2006-1-2`, as Go's `time.Parse` reads them.
pub fn is_timestamp(s: &str) -> bool {
    timestamp(s).is_some()
}

fn timestamp(s: &str) -> Option<()> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { b, i: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = p.num(1, 2)?;
    p.lit(b'-')?;
    let day = p.num(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in(year, month) {
        return None;
    }
    if p.i == b.len() {
        return Some(());
    }
    let sep = b[p.i];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return None;
    }
    p.i += 1;
    let hour = p.num(1, 2)?;
    p.lit(b':')?;
    let min = p.num(1, 2)?;
    p.lit(b':')?;
    let sec = p.num(1, 2)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    // Fractional seconds are accepted after the seconds whatever the layout says.
    if p.i < b.len() && (b[p.i] == b'.' || b[p.i] == b',') {
        p.i += 1;
        p.num(1, usize::MAX)?;
    }
    if sep == b' ' {
        // This layout has no zone.
        return (p.i == b.len()).then_some(());
    }
    match b.get(p.i)? {
        b'Z' => p.i += 1,
        b'+' | b'-' => {
            p.i += 1;
            p.num(2, 2)?;
            p.lit(b':')?;
            p.num(2, 2)?;
        }
        _ => return None,
    }
    (p.i == b.len()).then_some(())
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
    fn lit(&mut self, c: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `strings.TrimSpace` as applied by `Quantity.UnmarshalJSON` to the raw JSON text: only
/// characters that `encoding/json` leaves unescaped can be there, i.e. spaces and non-ASCII
/// Unicode spaces.
pub fn trim_json_space(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace() && (c == ' ' || !c.is_ascii()) && c != '\u{2028}' && c != '\u{2029}'
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Value<'_> {
        resolve(s, ScalarStyle::Plain, TagKind::None)
    }

    #[test]
    fn go_yaml_v2_resolution() {
        let int = |s: &str| Value::Int(s.to_string());
        assert_eq!(plain("0b1010"), int("10"));
        assert_eq!(plain("-0b1010"), int("-10"));
        assert_eq!(plain("0x_1F"), int("31"));
        assert_eq!(plain("+0x10"), int("16"));
        assert_eq!(plain("1__0"), int("10"));
        assert_eq!(plain("0777"), int("511"));
        assert_eq!(plain("0o"), Value::Str("0o"));
        assert_eq!(plain("18446744073709551615"), int("18446744073709551615"));
        assert_eq!(plain("-9223372036854775808"), int("-9223372036854775808"));
        // Past 64 bits: a float when the text is decimal, big.Int for prefixed unsigned text.
        assert_eq!(
            plain("18446744073709551616"),
            Value::Float(18446744073709551616.0)
        );
        assert_eq!(plain("0xFFFFFFFFFFFFFFFFFF"), int("4722366482869645213695"));
        assert_eq!(
            plain("+0xFFFFFFFFFFFFFFFFFF"),
            Value::Str("+0xFFFFFFFFFFFFFFFFFF")
        );
        assert_eq!(plain("._5"), Value::Str("._5"));
        assert_eq!(plain("1_000.5"), Value::Float(1000.5));
        assert_eq!(plain("Off"), Value::Bool(false));
        assert_eq!(plain("y"), Value::Bool(true));
        assert_eq!(plain("yES"), Value::Str("yES"));
        assert_eq!(plain("<<"), Value::Str("<<"));
        assert_eq!(
            resolve("yes", ScalarStyle::SingleQuoted, TagKind::None),
            Value::Str("yes")
        );
        assert_eq!(
            resolve("12", ScalarStyle::Plain, TagKind::Float),
            Value::Float(12.0)
        );
        assert_eq!(
            resolve("x", ScalarStyle::Plain, TagKind::Int),
            Value::BadTag("!!int")
        );
        assert_eq!(
            resolve("yes", ScalarStyle::Plain, TagKind::Other),
            Value::Str("yes")
        );
    }

    #[test]
    fn encoding_json_float_text() {
        let f = |x: f64| json_float(x).unwrap();
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(1.5e-7), "1.5e-7");
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(1.25e-10), "1.25e-10");
        assert_eq!(f(0.000001), "0.000001");
        assert_eq!(f(1e20), "100000000000000000000");
        assert_eq!(f(18446744073709551616.0), "18446744073709552000");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(1.5e9), "1500000000");
        assert_eq!(f(0.1), "0.1");
        assert_eq!(json_float(f64::NAN), None);
    }

    #[test]
    fn timestamps_stay_strings() {
        for t in [
            "2002-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10",
            "2001-2-3T4:5:6Z",
        ] {
            assert!(is_timestamp(t), "{t}");
            assert_eq!(plain(t), Value::Timestamp(t));
        }
        for t in [
            "2001-02-30",
            "2001-12-14T21:59:43",
            "1.2.3",
            "2001-12-14 21:59:43Z",
        ] {
            assert!(!is_timestamp(t), "{t}");
        }
        assert_eq!(
            resolve("x", ScalarStyle::Plain, TagKind::Timestamp),
            Value::BadTag("!!timestamp")
        );
    }
}
