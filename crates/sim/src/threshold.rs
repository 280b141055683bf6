//! Eviction thresholds as the kubelet parses and applies them (`pkg/kubelet/eviction/helpers.go`:
//! `ParseThresholdConfig`, `parseThresholdStatement`, `parsePercentage`, `GetThresholdQuantity`).
//!
//! - A statement is `SIGNAL<VALUE`; statements are separated by commas; `<` is the only operator.
//! - A signal may appear once per list. Only `memory.available` matters here; the other known
//!   signals (`nodefs.available`, `imagefs.inodesFree`, `pid.available`, ...) are accepted and
//!   set aside, as they never fire from memory growth.
//! - A percentage is parsed as a float32 and divided by 100 in float32; its byte value is
//!   `int64(float64(capacity) * float64(percentage))`, truncating (20% of 1000Mi is 209715203).
//!   `0%` and `100%` are ignored; other values outside (0, 100) are refused.
//! - A quantity must be positive.
//! - A threshold is met when the threshold is *greater* than `memory.available` (strict).
//! - The default hard threshold on Linux is `memory.available<100Mi` (`defaults_linux.go`).
//! - A soft threshold needs a grace period (`--eviction-soft-grace-period memory.available=1m30s`).

/// The kubelet's default hard memory threshold on Linux.
pub const DEFAULT_HARD: &str = "memory.available<100Mi";

/// The signals the kubelet knows (`evictionapi` signal names a user may write).
const KNOWN_SIGNALS: &[&str] = &[
    "memory.available",
    "nodefs.available",
    "nodefs.inodesFree",
    "imagefs.available",
    "imagefs.inodesFree",
    "containerfs.available",
    "containerfs.inodesFree",
    "pid.available",
];

/// The value of a threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ThresholdValue {
    /// An absolute quantity, in bytes.
    Bytes(i64),
    /// A fraction of capacity, as the kubelet holds it (float32, already divided by 100).
    Fraction(f32),
}

/// Hard (evict at once, no grace) or soft (evict after the grace period).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `--eviction-hard`.
    Hard,
    /// `--eviction-soft`.
    Soft,
}

impl Kind {
    /// `hard` or `soft`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hard => "hard",
            Kind::Soft => "soft",
        }
    }
}

/// One `memory.available` threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// Hard or soft.
    pub kind: Kind,
    /// The value.
    pub value: ThresholdValue,
    /// The statement as written (`memory.available<10%`).
    pub text: String,
    /// The grace period as written, for a soft threshold.
    pub grace_period: Option<String>,
}

impl Threshold {
    /// The threshold in bytes for a node of `capacity` bytes (`GetThresholdQuantity`).
    pub fn bytes(&self, capacity: i64) -> i64 {
        match self.value {
            ThresholdValue::Bytes(b) => b,
            ThresholdValue::Fraction(f) => (capacity as f64 * f64::from(f)) as i64,
        }
    }

    /// Whether the threshold is met at `available` bytes: threshold > available.
    pub fn met(&self, capacity: i64, available: i64) -> bool {
        self.bytes(capacity) > available
    }
}

/// What a threshold list holds: the memory thresholds and the other signals set aside.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// `memory.available` thresholds (at most one per list).
    pub memory: Vec<Threshold>,
    /// Statements of other signals, as written.
    pub other: Vec<String>,
}

/// `parsePercentage`: float32 parse, then float32 division by 100.
fn parse_percentage(s: &str) -> Result<f32, String> {
    let v: f32 = s
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("invalid percentage `{s}`"))?;
    Ok(v / 100.0)
}

/// Parses a comma-separated threshold list (`--eviction-hard`, `--eviction-soft`) as
/// `ParseThresholdConfig` does. Soft thresholds take their grace period from `grace` (a
/// `--eviction-soft-grace-period` list); a soft memory threshold without one is refused, as the
/// kubelet refuses it.
pub fn parse_list(list: &str, kind: Kind, grace: &str) -> Result<Parsed, String> {
    let graces = parse_grace_periods(grace)?;
    let mut out = Parsed::default();
    let mut seen: Vec<String> = Vec::new();
    for statement in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((signal, value)) = statement.split_once('<') else {
            return Err(format!(
                "`{statement}`: expected SIGNAL<VALUE (the kubelet supports only `<`)"
            ));
        };
        let (signal, value) = (signal.trim(), value.trim());
        if !KNOWN_SIGNALS.contains(&signal) {
            return Err(format!("`{statement}`: unknown eviction signal `{signal}`"));
        }
        if seen.iter().any(|s| s == signal) {
            return Err(format!(
                "`{statement}`: signal `{signal}` appears twice in one list"
            ));
        }
        seen.push(signal.to_string());
        let parsed = if value.ends_with('%') {
            let f = parse_percentage(value).map_err(|e| format!("`{statement}`: {e}"))?;
            if f == 0.0 || f == 1.0 {
                // `parseThresholdStatement` returns no threshold for 0% and 100%.
                None
            } else if !(0.0..1.0).contains(&f) {
                return Err(format!(
                    "`{statement}`: a percentage must be between 0% and 100%"
                ));
            } else {
                Some(ThresholdValue::Fraction(f))
            }
        } else {
            let q =
                oomdoc_model::Quantity::parse(value).map_err(|e| format!("`{statement}`: {e}"))?;
            if q.is_negative() || q.is_zero() {
                return Err(format!("`{statement}`: the threshold must be positive"));
            }
            Some(ThresholdValue::Bytes(q.value().unwrap_or(i64::MAX)))
        };
        if signal != "memory.available" {
            out.other.push(statement.to_string());
            continue;
        }
        let Some(value) = parsed else { continue };
        let grace_period = graces
            .iter()
            .find(|(s, _)| s == signal)
            .map(|(_, g)| g.clone());
        if kind == Kind::Soft && grace_period.is_none() {
            return Err(format!(
                "`{statement}`: a soft threshold needs a grace period (--eviction-soft-grace-period memory.available=1m30s)"
            ));
        }
        out.memory.push(Threshold {
            kind,
            value,
            text: statement.to_string(),
            grace_period: if kind == Kind::Soft {
                grace_period
            } else {
                None
            },
        });
    }
    Ok(out)
}

/// Parses `SIGNAL=DURATION,...` (`--eviction-soft-grace-period`); durations are kept as written
/// after a check that they look like Go durations and are not negative.
pub fn parse_grace_periods(list: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for statement in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((signal, d)) = statement.split_once('=') else {
            return Err(format!("`{statement}`: expected SIGNAL=DURATION"));
        };
        let d = d.trim();
        if d.starts_with('-') {
            return Err(format!(
                "`{statement}`: the grace period cannot be negative"
            ));
        }
        let go_duration = !d.is_empty()
            && d.chars().next().is_some_and(|c| c.is_ascii_digit())
            && d.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || "nsuµmh".contains(c));
        if !go_duration {
            return Err(format!(
                "`{statement}`: `{d}` is not a duration (write e.g. 30s, 1m30s)"
            ));
        }
        out.push((signal.trim().to_string(), d.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: i64 = 1 << 20;

    #[test]
    fn quantities_and_percentages() {
        let p = parse_list("memory.available<150Mi", Kind::Hard, "").unwrap();
        assert_eq!(p.memory[0].value, ThresholdValue::Bytes(150 * MI));
        let p = parse_list("memory.available<20%", Kind::Hard, "").unwrap();
        // float32 truncation as in GetThresholdQuantity.
        assert_eq!(p.memory[0].bytes(1000 * MI), 209_715_203);
        let p = parse_list("memory.available<10%", Kind::Hard, "").unwrap();
        assert_eq!(p.memory[0].value, ThresholdValue::Fraction(0.1));
    }

    #[test]
    fn strict_comparison() {
        let t = &parse_list(DEFAULT_HARD, Kind::Hard, "").unwrap().memory[0];
        assert!(!t.met(16 << 30, 100 * MI));
        assert!(t.met(16 << 30, 100 * MI - 1));
    }

    // The error cases of TestParseThresholdConfig (helpers_test.go) that concern this parser.
    #[test]
    fn refuses_what_the_kubelet_refuses() {
        for (hard, soft, grace) in [
            ("mem.available<150Mi", "", ""),
            ("memory.available<-150Mi", "", ""),
            ("memory.available<-15%", "", ""),
            ("memory.available<150Mi,memory.available<100Mi", "", ""),
            ("memory.available<150Mi,invalid.foo<150Mi", "", ""),
            ("", "memory.available<-150Mi", ""),
            ("", "memory.available<150Mi", ""),
            ("", "memory.available<150Mi", "memory.available=-30s"),
        ] {
            let r =
                parse_list(hard, Kind::Hard, "").and_then(|_| parse_list(soft, Kind::Soft, grace));
            assert!(r.is_err(), "{hard:?} {soft:?} {grace:?}");
        }
    }

    #[test]
    fn other_signals_are_set_aside_and_zero_percent_ignored() {
        let p = parse_list(
            "imagefs.available<15%,nodefs.available<10.5%,memory.available<0%",
            Kind::Hard,
            "",
        )
        .unwrap();
        assert!(p.memory.is_empty());
        assert_eq!(p.other.len(), 2);
        let p = parse_list("memory.available<300Mi", Kind::Soft, "memory.available=30s").unwrap();
        assert_eq!(p.memory[0].grace_period.as_deref(), Some("30s"));
    }
}
