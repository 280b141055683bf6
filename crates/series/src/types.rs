//! The data `oomdoc trend` works on and the answer it gives. Readers (crate `oomdoc-metrics`)
//! build an [`Input`]; [`crate::analyze()`] turns it into an [`Analysis`]; writers (crate
//! `oomdoc-report`) print and draw both.

/// What a memory series measures. The names follow cAdvisor's metrics and the cgroup files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// Everything the cgroup is charged for (`memory.usage_in_bytes`, `memory.current`,
    /// `container_memory_usage_bytes`).
    Usage,
    /// Usage minus inactive file cache: what the kubelet evicts on
    /// (`container_memory_working_set_bytes`).
    WorkingSet,
    /// Anonymous memory (`container_memory_rss`, memory.stat `rss`/`anon`).
    Rss,
    /// Page cache (`container_memory_cache`, memory.stat `cache`/`file`).
    Cache,
    /// Kernel memory: slabs, sockets, page tables (`memory.kmem.usage_in_bytes`,
    /// `container_memory_kernel_usage`, v2 memory.stat `kernel`).
    Kernel,
    /// Shared memory and tmpfs (memory.stat `shmem`).
    Shmem,
    /// Swap (`container_memory_swap`).
    Swap,
    /// The JVM's heap in use (`jvm_memory_used_bytes{area="heap"}`).
    Heap,
    /// A series of unknown meaning (a CSV column or a raw `--query`).
    Other,
}

impl Component {
    /// The JSON / display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Usage => "usage",
            Component::WorkingSet => "working_set",
            Component::Rss => "rss",
            Component::Cache => "cache",
            Component::Kernel => "kernel",
            Component::Shmem => "shmem",
            Component::Swap => "swap",
            Component::Heap => "heap",
            Component::Other => "other",
        }
    }
}

/// One observation: `t` in seconds since the Unix epoch (fractions allowed), `v` in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Seconds since the Unix epoch.
    pub t: f64,
    /// Bytes (or a count, for a restart counter).
    pub v: f64,
}

/// One named series of samples in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The name the source gave it (a metric name, a CSV column, a cgroup file).
    pub name: String,
    /// What it measures.
    pub component: Component,
    /// Samples sorted by `t`, no NaN. From a [`crate::SeriesBuilder`]: every sample up to
    /// 131,072 in-order samples, past that a bounded subset of real samples that keeps the
    /// peak, the trough and every sudden drop (see the builder's docs).
    pub samples: Vec<Sample>,
}

/// Everything the analysis is given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Input {
    /// Memory series, one per component (several per component are allowed, e.g. one per
    /// container; the analysis treats each on its own).
    pub series: Vec<Series>,
    /// The memory limit over time (`container_spec_memory_limit_bytes`,
    /// `memory.limit_in_bytes`), if the source has one.
    pub limit_series: Option<Series>,
    /// The limit given by the user (`--limit`), which wins over `limit_series`.
    pub limit_bytes: Option<f64>,
    /// A restart counter (`kube_pod_container_status_restarts_total`), if the source has one.
    pub restarts: Option<Series>,
    /// Times at which the container was seen terminated, with the reason
    /// (`kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}`).
    pub terminations: Vec<Termination>,
    /// The JVM's maximum heap in bytes, if known (from `jvm_memory_max_bytes{area="heap"}`, or
    /// from the JVM model).
    pub jvm_max_heap_bytes: Option<f64>,
}

/// A termination the source reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Termination {
    /// When it was seen (seconds since the Unix epoch).
    pub t: f64,
    /// The reason (`OOMKilled`, `Error`, ...).
    pub reason: String,
}

/// What the series show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Steady growth that does not level off.
    Leak,
    /// Growth that levels off (a JVM heap filling up to its max before GC settles): not a leak.
    WarmingUp,
    /// No significant growth.
    Steady,
    /// Killed and restarted again and again: growth to the limit, a drop, and again.
    SawtoothRestarts,
    /// Too few samples or too short a span to say.
    InsufficientData,
}

impl Verdict {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Leak => "leak",
            Verdict::WarmingUp => "warming_up",
            Verdict::Steady => "steady",
            Verdict::SawtoothRestarts => "sawtooth_restarts",
            Verdict::InsufficientData => "insufficient_data",
        }
    }
}

/// How a restart was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartSource {
    /// The restart counter went up.
    Counter,
    /// A memory series dropped suddenly (or a counter reset).
    Drop,
    /// The source reported a termination.
    Termination,
}

/// A restart.
#[derive(Clone, Debug, PartialEq)]
pub struct Restart {
    /// When (seconds since the Unix epoch).
    pub t: f64,
    /// How it was recognised.
    pub source: RestartSource,
    /// The termination reason, if known (`OOMKilled`).
    pub reason: Option<String>,
    /// The usage just before the restart, in bytes, if known.
    pub usage_before_bytes: Option<f64>,
}

/// A value with a confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower bound of the interval.
    pub low: f64,
    /// Upper bound of the interval.
    pub high: f64,
}

/// A straight line fitted to one stretch of one series: `v = intercept + slope * (t - t0)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Start of the stretch (seconds since the Unix epoch); also the line's origin.
    pub t0: f64,
    /// End of the stretch.
    pub t1: f64,
    /// Value of the line at `t0`, in bytes.
    pub intercept: f64,
    /// Slope in bytes per second (Theil-Sen), with its confidence interval.
    pub slope: Estimate,
    /// Two-sided p-value of the trend test (Mann-Kendall).
    pub p_value: f64,
    /// Samples in the stretch.
    pub samples: usize,
}

/// The analysis of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesAnalysis {
    /// The series' name.
    pub name: String,
    /// What it measures.
    pub component: Component,
    /// Samples analysed.
    pub samples: usize,
    /// First and last value, minimum, maximum, in bytes.
    pub first: f64,
    /// Last value.
    pub last: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Slope of the last segment (since the last restart; when that has fewer than
    /// `Options::min_samples` samples, the last one that has enough) in bytes per hour.
    pub slope_bytes_per_hour: f64,
    /// Its confidence interval, bytes per hour.
    pub slope_ci_bytes_per_hour: (f64, f64),
    /// Two-sided p-value of the trend test on the last segment.
    pub p_value: f64,
    /// Whether this series levels off (growth in the last part much slower than in the first).
    pub levels_off: bool,
    /// One fit per segment between restarts, oldest first.
    pub fits: Vec<Fit>,
}

/// A recommended request and limit, with the rule that produced them.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// Recommended memory request, bytes.
    pub request_bytes: f64,
    /// Recommended memory limit, bytes.
    pub limit_bytes: f64,
    /// The rule, in words (e.g. "limit = peak working set x 1.2 ...").
    pub rule: String,
    /// How it differs from VPA's and KRR's rules, in words.
    pub compared: String,
    /// False when the series leaks: no limit fixes a leak, and the text says so.
    pub meaningful: bool,
}

/// The answer of `oomdoc trend`.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The verdict.
    pub verdict: Verdict,
    /// One sentence saying why.
    pub reason: String,
    /// Per-series analysis, in the order of the input.
    pub series: Vec<SeriesAnalysis>,
    /// The series the verdict is about (working set, else usage, else the first), by index
    /// into `series`.
    pub primary: Option<usize>,
    /// Restarts found, oldest first.
    pub restarts: Vec<Restart>,
    /// The typical time between restarts (median), when there are at least two.
    pub restart_period_seconds: Option<f64>,
    /// The limit used, bytes.
    pub limit_bytes: Option<f64>,
    /// The JVM's max heap, bytes, if known.
    pub jvm_max_heap_bytes: Option<f64>,
    /// Time from the last sample until the primary series reaches the limit at its current
    /// slope, with an interval (seconds); none when it does not grow or there is no limit.
    /// Given for `leak` and `sawtooth_restarts` only; `high` is infinite (JSON `null`) when
    /// the slowest plausible growth (Sen's interval) is zero.
    pub time_to_limit_seconds: Option<Estimate>,
    /// The component that grows the most (bytes per hour), if any grows significantly.
    pub growing_component: Option<Component>,
    /// Highest value of the primary series, bytes.
    pub peak_bytes: Option<f64>,
    /// A request and limit.
    pub recommendation: Option<Recommendation>,
    /// What to run next to confirm the culprit.
    pub next_steps: Vec<String>,
}
