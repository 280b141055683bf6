//! `[[t, v], ...]` arrays as Prometheus (`[1714557600.123, "1234"]`) and Datadog
//! (`[1714557600000.0, 1234.0]`, `null` for a gap) write them, deserialized straight into samples:
//! no string or JSON value is kept per point.

use std::fmt;

use oomdoc_series::Sample;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::timestamp::epoch_seconds;

/// A number written as a JSON number or string (`"NaN"`, `"+Inf"` included), or null.
struct Num(Option<f64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a string holding one, or null")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num(v.trim().parse::<f64>().ok()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
                Ok(Num(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Num, E> {
                Ok(Num(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `[t, v]` pair; `None` when either is missing or not finite.
pub struct Point(pub Option<Sample>);

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Point;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a [time, value] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Point, A::Error> {
                let t: Option<Num> = s.next_element()?;
                let v: Option<Num> = s.next_element()?;
                // Tolerate extra elements (some exporters add a count or a flag).
                while s.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Point(match (t.and_then(|n| n.0), v.and_then(|n| n.0)) {
                    (Some(t), Some(v)) if t.is_finite() && v.is_finite() => Some(Sample {
                        t: epoch_seconds(t),
                        v,
                    }),
                    _ => None,
                }))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A list of `[t, v]` pairs, gaps and non-numbers dropped.
#[derive(Default)]
pub struct Points(pub Vec<Sample>);

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of [time, value] pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Points, A::Error> {
                let mut out = Vec::with_capacity(s.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(Point(p)) = s.next_element()? {
                    out.extend(p);
                }
                Ok(Points(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Points, E> {
                Ok(Points(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}
