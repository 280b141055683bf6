//! Flags (and a memory request/limit) that make the whole process fit its limit with a stated
//! margin.
//!
//! The method is Paketo's memory calculator's, explained: budget every non-heap pool
//! ([`crate::budget`]), keep a safety margin, and give the heap what is left, so that
//! heap + non-heap + margin ≤ limit. The heap is then expressed as `-XX:MaxRAMPercentage`
//! (it follows the limit when the limit changes) unless that flag cannot work (a JDK that does
//! not see the container, an explicit `-Xmx` that would win, or a limit so small that the
//! `MinRAMPercentage` rule applies instead), in which case it is `-Xmx`. Every recommendation is
//! re-run through [`crate::ergonomics()`] to check that the JVM really lands where intended.

use oomdoc_model::bytes::approx;

use crate::budget::{budget, gc_overhead, other_native, Budget, Workload};
use crate::ergonomics::{ergonomics, Environment, DEFAULT_MAX_HEAP_SIZE};
use crate::flags::{split_options, FlagSource, JvmFlags, Setting};
use crate::version::JdkVersion;

const M: u64 = 1 << 20;

/// How much room to leave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margin {
    /// Fraction of the limit kept free, in percent (default 10).
    pub percent: f64,
    /// At least this many bytes (default 32 MiB).
    pub min_bytes: u64,
}

impl Default for Margin {
    fn default() -> Self {
        Margin {
            percent: 10.0,
            min_bytes: 32 * M,
        }
    }
}

impl Margin {
    /// The margin for `limit`.
    pub fn for_limit(&self, limit: u64) -> u64 {
        (((limit as f64) * self.percent / 100.0) as u64).max(self.min_bytes)
    }
}

/// The recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Options to add (replacing any option of the same name), in order.
    pub flags: Vec<String>,
    /// Options that do not change the sizes but make an out-of-memory visible.
    pub also: Vec<String>,
    /// The memory limit to set (the given one when it is enough).
    pub limit: u64,
    /// The memory request to set: equal to the limit, so the node cannot be overcommitted by
    /// this container and the pod can reach Guaranteed QoS.
    pub request: u64,
    /// The margin kept free.
    pub margin: u64,
    /// The max heap the JVM will pick with these flags.
    pub max_heap: u64,
    /// The budget with these flags at this limit.
    pub budget: Budget,
    /// Why, one sentence per decision.
    pub why: Vec<String>,
}

/// `sources` with `extra` appended to the command line.
fn with_options(
    sources: &[(FlagSource, Vec<String>)],
    extra: &[String],
) -> Vec<(FlagSource, Vec<String>)> {
    let mut s = sources.to_vec();
    s.push((FlagSource::CommandLine, extra.to_vec()));
    s
}

/// The limit to set and the heap to aim for: the largest heap (whole MiB) whose total
/// (`needed`) fits the limit less the margin; with no room for a 64 MiB heap, or no limit, a
/// limit raised (to whole 64 MiB) to hold the heap, the non-heap pools and the margin.
fn limit_and_heap(
    env: &Environment,
    margin: Margin,
    current_heap: u64,
    fixed: u64,
    needed: &dyn Fn(u64) -> u64,
    why: &mut Vec<String>,
) -> (u64, u64) {
    match env.memory_limit {
        Some(limit) => {
            let m = margin.for_limit(limit);
            let room = limit.saturating_sub(m);
            // The largest heap (whole MiB) whose total fits.
            let (mut lo, mut hi) = (0u64, room / M);
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                if needed(mid * M) <= room {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            let heap = lo * M;
            if heap >= 64 * M {
                (limit, heap)
            } else {
                let heap = current_heap.max(64 * M);
                let total = needed(heap);
                let new_limit = (total as f64 / (1.0 - margin.percent / 100.0)) as u64;
                let new_limit = (new_limit.max(total + margin.min_bytes)).div_ceil(64 * M) * 64 * M;
                why.push(format!(
                    "the limit {} cannot hold the non-heap pools ({}) plus a useful heap and the margin: raise it to {}",
                    approx(limit),
                    approx(fixed),
                    approx(new_limit)
                ));
                (
                    new_limit,
                    heap.min(new_limit - margin.for_limit(new_limit) - (total - heap)),
                )
            }
        }
        None => {
            let heap = current_heap;
            let total = needed(heap);
            let new_limit = ((total as f64 / (1.0 - margin.percent / 100.0)) as u64)
                .max(total + margin.min_bytes);
            let new_limit = new_limit.div_ceil(64 * M) * 64 * M;
            why.push(format!(
                "no memory limit: the JVM sizes itself from the node ({}); set a limit of {} (the current heap {} plus non-heap {} plus the margin) so a leak kills this container, not the node",
                approx(env.host_memory),
                approx(new_limit),
                approx(heap),
                approx(total - heap)
            ));
            (new_limit, heap)
        }
    }
}

/// Where a heap option is tried: the JDK, the options with the flags chosen so far, the
/// recommended limit.
struct Trial<'a> {
    jdk: &'a JdkVersion,
    sources: &'a [(FlagSource, Vec<String>)],
    flags_out: &'a [String],
    env_at: &'a Environment,
}

impl Trial<'_> {
    /// The max heap HotSpot picks with `heap_flags` added.
    fn heap_with(&self, heap_flags: &[String]) -> u64 {
        let extra = [self.flags_out, heap_flags].concat();
        try_flags(self.jdk, &with_options(self.sources, &extra), self.env_at)
    }

    /// The largest `-Xmx` in whole MiB whose heap is at most `target` (at least 2m), after an
    /// `-Xms` of the same size when `lower_xms`: an initial heap above the maximum would
    /// otherwise raise the maximum to it (and HotSpot refuses such options when both are given).
    fn xmx(&self, target: u64, lower_xms: bool) -> Vec<String> {
        let mut h = target / M;
        loop {
            // The heap flag last: consumers (the audit's help and fixes) read it there.
            let mut flags = Vec::new();
            if lower_xms {
                flags.push(format!("-Xms{h}m"));
            }
            flags.push(format!("-Xmx{h}m"));
            if self.heap_with(&flags) <= target || h <= 2 {
                return flags;
            }
            h -= 1;
        }
    }

    /// The largest MaxRAMPercentage in tenths of a percent (at least 1.0) whose heap is at most
    /// `target`, and that heap: the figure the recommendation states, everywhere.
    fn ram_percentage(&self, target: u64, limit: u64) -> (String, u64) {
        let mut tenths = (target as f64 / limit as f64 * 1000.0).floor() as u64;
        loop {
            let heap_flag = format!("-XX:MaxRAMPercentage={}.{}", tenths / 10, tenths % 10);
            let r = self.heap_with(std::slice::from_ref(&heap_flag));
            if r <= target || tenths <= 10 {
                return (heap_flag, r);
            }
            tenths -= 1;
        }
    }

    /// The heap options: `-Xmx` (with `-Xms` when `xms_over`) for the reason `why_xmx`, else a
    /// `MaxRAMPercentage` a tenth of a percent below what fits; each with its sentence in `why`.
    fn heap_flags(
        &self,
        target: u64,
        limit: u64,
        margin: Margin,
        why_xmx: Option<&str>,
        xms_over: Option<&Setting<u64>>,
        why: &mut Vec<String>,
    ) -> Vec<String> {
        if let Some(reason) = why_xmx {
            let heap_flags = self.xmx(target, xms_over.is_some());
            if let Some(xms) = xms_over {
                why.push(format!(
                    "{}: {} ({}) is above the new maximum; HotSpot refuses an initial heap larger than the maximum heap, so it comes down with it",
                    heap_flags[0], xms.option, xms.source
                ));
            }
            why.push(format!("{}: {reason}", heap_flags[heap_flags.len() - 1]));
            return heap_flags;
        }
        let (heap_flag, heap) = self.ram_percentage(target, limit);
        let margin_bytes = margin.for_limit(limit);
        why.push(format!(
            "{heap_flag}: heap {} of the {} limit, leaving {} for non-heap pools and {} ({}%, at least {}) as margin; written with a decimal point, which JDK 8 requires",
            approx(heap),
            approx(limit),
            approx(limit.saturating_sub(heap + margin_bytes)),
            approx(margin_bytes),
            margin.percent,
            approx(margin.min_bytes)
        ));
        vec![heap_flag]
    }
}

/// The options that make an out-of-memory visible, unless the current options decide them.
fn oom_visibility(current_flags: &JvmFlags, why: &mut Vec<String>) -> Vec<String> {
    let mut also = Vec::new();
    if current_flags.exit_on_out_of_memory_error.is_none()
        && current_flags.crash_on_out_of_memory_error.is_none()
    {
        also.push("-XX:+ExitOnOutOfMemoryError".into());
        why.push("-XX:+ExitOnOutOfMemoryError: after an OutOfMemoryError a JVM limps on half-broken; exiting (status 3) lets Kubernetes restart it and shows the cause".into());
    }
    if current_flags.heap_dump_on_out_of_memory_error.is_none() {
        also.push("-XX:+HeapDumpOnOutOfMemoryError".into());
        why.push("-XX:+HeapDumpOnOutOfMemoryError: a heap dump (to a mounted volume, -XX:HeapDumpPath) shows what filled the heap".into());
    }
    also
}

/// Recommends flags for `jdk` with the current option `sources` in `env` (whose
/// `memory_limit` is the limit to fit; `None` asks for a limit too).
pub fn recommend(
    jdk: &JdkVersion,
    sources: &[(FlagSource, Vec<String>)],
    env: &Environment,
    workload: Workload,
    margin: Margin,
) -> Recommendation {
    let mut why = Vec::new();
    let mut flags_out: Vec<String> = Vec::new();
    let current_flags = JvmFlags::parse(sources, jdk);
    let current = ergonomics(jdk, &current_flags, env);

    // Bound direct memory so it is a real pool, not "up to the heap again".
    if current_flags.max_direct_memory_size.is_none() {
        flags_out.push("-XX:MaxDirectMemorySize=64m".into());
        why.push("-XX:MaxDirectMemorySize=64m: unset, direct buffers may grow as large as the heap; a bound turns a silent kill into an OutOfMemoryError (raise it for Netty/gRPC-heavy apps)".into());
    }
    let probe_flags = JvmFlags::parse(&with_options(sources, &flags_out), jdk);
    let probe_budget = budget(&current, &probe_flags, workload, env.memory_limit);
    let cpus = current.active_processors.value;
    let fixed = probe_budget.non_heap()
        - probe_budget.pool("gc_overhead").map_or(0, |p| p.bytes)
        - probe_budget.pool("other_native").map_or(0, |p| p.bytes)
        + other_native(cpus).0;
    let gc = current.gc;
    let needed = |heap: u64| heap + fixed + gc_overhead(gc, heap, cpus).0;
    let (limit, target) = limit_and_heap(
        env,
        margin,
        current.max_heap.value,
        fixed,
        &needed,
        &mut why,
    );
    let margin_bytes = margin.for_limit(limit);
    let env_at = Environment {
        memory_limit: Some(limit),
        ..env.clone()
    };
    let aware = current.container_aware.value;
    let small = (limit as f64 * 0.5) < DEFAULT_MAX_HEAP_SIZE as f64;
    let xmx_given = current_flags.max_heap_size.is_some();
    // An -Xms above the heap to aim for must come down with the maximum (Kafka's scripts set
    // `-Xmx1G -Xms1G`): only -Xmx/-Xms pairs can say that.
    let xms_over = current_flags
        .initial_heap_size
        .as_ref()
        .filter(|s| s.value > target);
    let use_xmx =
        !aware || small || xmx_given || xms_over.is_some() || !jdk.has_ram_percentage_flags();
    let trial = Trial {
        jdk,
        sources,
        flags_out: &flags_out,
        env_at: &env_at,
    };
    let why_xmx = use_xmx.then(|| {
        if !aware {
            "this JVM does not size its heap from the container, so only an explicit -Xmx bounds it"
        } else if xmx_given {
            "-Xmx is already set and would override a percentage"
        } else if small {
            "below ~250Mi, MinRAMPercentage decides the heap and MaxRAMPercentage is ignored"
        } else if xms_over.is_some() {
            "an explicit -Xms above the heap is lowered with an explicit -Xmx"
        } else {
            "percentage flags do not exist before 8u191"
        }
    });
    let heap_flags = trial.heap_flags(target, limit, margin, why_xmx, xms_over, &mut why);
    flags_out.extend(heap_flags);
    let final_sources = with_options(sources, &flags_out);
    let final_flags = JvmFlags::parse(&final_sources, jdk);
    let final_ergo = ergonomics(jdk, &final_flags, &env_at);
    let final_budget = budget(&final_ergo, &final_flags, workload, Some(limit));
    let also = oom_visibility(&current_flags, &mut why);
    why.push(format!(
        "memory request = limit = {}: the container cannot be overcommitted on its node (Guaranteed QoS when CPU is set the same way)",
        approx(limit)
    ));
    Recommendation {
        flags: flags_out,
        also,
        limit,
        request: limit,
        margin: margin_bytes,
        max_heap: final_ergo.max_heap.value,
        budget: final_budget,
        why,
    }
}

fn try_flags(jdk: &JdkVersion, sources: &[(FlagSource, Vec<String>)], env: &Environment) -> u64 {
    let f = JvmFlags::parse(sources, jdk);
    ergonomics(jdk, &f, env).max_heap.value
}

/// The recommendation as one `JAVA_TOOL_OPTIONS` value.
pub fn as_java_tool_options(r: &Recommendation) -> String {
    r.flags
        .iter()
        .chain(r.also.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits `JAVA_TOOL_OPTIONS`-style text; re-exported for callers building `sources`.
pub fn options(s: &str) -> Vec<String> {
    split_options(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ergonomics::{CgroupVersion, Cpus};

    fn env(limit: Option<u64>) -> Environment {
        Environment {
            host_memory: 64 << 30,
            host_cpus: 4,
            memory_limit: limit,
            cgroup: CgroupVersion::V2,
            cpus: Cpus::Count(2),
        }
    }

    #[test]
    fn fits_with_margin() {
        let jdk = JdkVersion::new(17, 15);
        let src = vec![(FlagSource::CommandLine, options("-XX:MaxRAMPercentage=90"))];
        let r = recommend(
            &jdk,
            &src,
            &env(Some(1 << 30)),
            Workload {
                threads: Some(300),
                classes: None,
            },
            Margin::default(),
        );
        assert_eq!(r.limit, 1 << 30);
        assert!(
            r.flags
                .iter()
                .any(|f| f.starts_with("-XX:MaxRAMPercentage=")),
            "{:?}",
            r.flags
        );
        assert!(
            r.budget.headroom.unwrap() >= r.margin as i64,
            "{:?}",
            r.budget
        );
        assert!(r.max_heap >= 64 << 20);
    }

    #[test]
    fn an_xms_above_the_new_heap_comes_down_with_it() {
        // Kafka's start script: KAFKA_HEAP_OPTS="-Xmx512M -Xms512M" under a 1Gi limit, where
        // 512Mi of heap does not fit with the rest of the JVM. Lowering -Xmx alone leaves the
        // initial heap above it, which raises the maximum back (it once gave "-Xmx2m").
        let jdk = JdkVersion::new(17, 15);
        let src = vec![(
            FlagSource::ScriptVariable("KAFKA_HEAP_OPTS".into()),
            options("-Xmx512M -Xms512M"),
        )];
        let r = recommend(
            &jdk,
            &src,
            &env(Some(1 << 30)),
            Workload::default(),
            Margin::default(),
        );
        assert_eq!(r.limit, 1 << 30, "{:?}", r.why);
        let xmx = r
            .flags
            .iter()
            .find(|f| f.starts_with("-Xmx"))
            .expect("-Xmx");
        let xms = r
            .flags
            .iter()
            .find(|f| f.starts_with("-Xms"))
            .expect("-Xms");
        assert_eq!(xmx[4..], xms[4..], "{:?}", r.flags);
        assert!(
            r.max_heap < 512 << 20 && r.max_heap >= 64 << 20,
            "{}",
            r.max_heap
        );
        assert_eq!(xmx, &format!("-Xmx{}m", r.max_heap >> 20));
        assert!(
            r.budget.headroom.unwrap() >= r.margin as i64,
            "{:?}",
            r.budget
        );
    }

    #[test]
    fn too_small_limit_is_raised() {
        let jdk = JdkVersion::new(17, 15);
        let r = recommend(
            &jdk,
            &[],
            &env(Some(256 << 20)),
            Workload::default(),
            Margin::default(),
        );
        assert!(r.limit > 256 << 20);
        assert_eq!(r.limit % (64 << 20), 0);
        assert!(r.budget.headroom.unwrap() >= 0, "{:?}", r);
    }

    #[test]
    fn no_limit_gets_one_and_xmx_for_unaware_jdk() {
        let jdk = JdkVersion::new(8, 181);
        let r = recommend(
            &jdk,
            &[],
            &env(Some(2 << 30)),
            Workload::default(),
            Margin::default(),
        );
        assert!(
            r.flags.iter().any(|f| f.starts_with("-Xmx")),
            "{:?}",
            r.flags
        );
        let jdk = JdkVersion::new(21, 5);
        let r = recommend(
            &jdk,
            &[],
            &env(None),
            Workload::default(),
            Margin::default(),
        );
        assert!(r.limit > 0 && r.request == r.limit);
        assert!(r.budget.headroom.unwrap() >= 0);
    }
}
