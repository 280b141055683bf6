//! Time until the limit, with an interval.
//!
//! The level now is the fitted line at the last sample (robust to the last sample's noise);
//! the time is `(limit - level) / slope`. The interval comes from Sen's interval of the slope:
//! the fastest plausible growth gives the earliest time (`low`), the slowest the latest
//! (`high`), which is infinite when the slowest plausible growth is zero or negative (the JSON
//! report writes it as `null`). Linear extrapolation is what a leak does; it is wrong for growth
//! that levels off, which is why the analysis only forecasts for `leak` and
//! `sawtooth_restarts`.

use crate::types::{Estimate, Fit};

/// Seconds from `t_last` until the line of `fit` reaches `limit`; `None` when it does not grow.
pub fn time_to_limit(fit: &Fit, t_last: f64, limit: f64) -> Option<Estimate> {
    let slope = fit.slope.value;
    if slope.is_nan() || slope <= 0.0 || !limit.is_finite() || !t_last.is_finite() {
        return None;
    }
    let level = fit.intercept + slope * (t_last - fit.t0);
    let room = limit - level;
    if !room.is_finite() {
        return None;
    }
    if room <= 0.0 {
        return Some(Estimate {
            value: 0.0,
            low: 0.0,
            high: 0.0,
        });
    }
    let at = |s: f64| if s > 0.0 { room / s } else { f64::INFINITY };
    let value = at(slope);
    let low = at(fit.slope.high.max(slope));
    let high = at(fit.slope.low.min(slope));
    Some(Estimate { value, low, high })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(value: f64, low: f64, high: f64) -> Fit {
        Fit {
            t0: 1000.0,
            t1: 2000.0,
            intercept: 100.0,
            slope: Estimate { value, low, high },
            p_value: 0.0,
            samples: 10,
        }
    }

    #[test]
    fn forecasts() {
        // Level at t=2000 is 100 + 2*1000 = 2100; 7900 bytes to go at 2 B/s.
        let e = time_to_limit(&line(2.0, 1.0, 4.0), 2000.0, 10_000.0).unwrap();
        assert_eq!((e.value, e.low, e.high), (3950.0, 1975.0, 7900.0));
        let e = time_to_limit(&line(2.0, -1.0, 4.0), 2000.0, 10_000.0).unwrap();
        assert!(e.high.is_infinite());
        assert_eq!(
            time_to_limit(&line(2.0, 1.0, 4.0), 2000.0, 50.0)
                .unwrap()
                .value,
            0.0
        );
        assert!(time_to_limit(&line(0.0, -1.0, 1.0), 2000.0, 1e4).is_none());
        assert!(time_to_limit(&line(f64::NAN, 0.0, 1.0), 2000.0, 1e4).is_none());
    }
}
