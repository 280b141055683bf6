//! Pure time-series analysis behind `oomdoc trend`: restarts, robust slopes, significance,
//! verdicts, forecasts. No I/O, no clock, no threads; deterministic.
//!
//! - [`SeriesBuilder`] collects samples as readers stream them, in bounded memory.
//! - [`analyze()`] turns an [`Input`] into an [`Analysis`] with [`Options`].
//! - [`theil_sen()`] and [`mann_kendall()`] are the estimators, exact and `O(n log n)`;
//!   [`theil_sen()`] gives the same numbers as `scipy.stats.theilslopes`.
//!
//! ```
//! use oomdoc_series::{analyze, Component, Input, Options, SeriesBuilder, Verdict};
//!
//! const MIB: f64 = 1024.0 * 1024.0;
//! // A working set of 1 GiB growing by 20 MiB an hour, one sample a minute for six hours.
//! let mut b = SeriesBuilder::new("container_memory_working_set_bytes", Component::WorkingSet);
//! for i in 0..360 {
//!     b.push(1.7e9 + 60.0 * i as f64, 1024.0 * MIB + 20.0 * MIB * i as f64 / 60.0);
//! }
//! let input = Input { series: vec![b.finish()], limit_bytes: Some(2048.0 * MIB), ..Input::default() };
//! let a = analyze(&input, &Options::default());
//! assert_eq!(a.verdict, Verdict::Leak);
//! assert!((a.series[0].slope_bytes_per_hour - 20.0 * MIB).abs() < 1.0);
//! // 1 GiB - 119.7 MiB to go at 20 MiB/h: about 45 hours.
//! let ttl = a.time_to_limit_seconds.unwrap();
//! assert!((ttl.value / 3600.0 - (1024.0 - 119.67) / 20.0).abs() < 0.01);
//! ```

pub mod analyze;
pub mod builder;
pub mod forecast;
pub mod mann_kendall;
pub mod next_steps;
pub mod pairwise;
pub mod recommend;
pub mod restarts;
pub mod segments;
pub mod stats;
pub mod theil_sen;
pub mod types;
pub mod units;
mod verdict;

pub use analyze::{analyze, Options};
pub use builder::SeriesBuilder;
pub use mann_kendall::{mann_kendall, MannKendall};
pub use theil_sen::{theil_sen, TheilSen};

pub use types::*;
