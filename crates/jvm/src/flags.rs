//! JVM options: where they come from, how the JVM splits and orders them, and the ones that
//! decide memory.
//!
//! HotSpot reads its options in this order, and a later option overrides an earlier one
//! (`Arguments::parse_vm_init_args` in `arguments.cpp`):
//!
//! 1. `JAVA_TOOL_OPTIONS` (any JVM, also one started through JNI);
//! 2. the command line, which for the JDK 9+ `java` launcher starts with `JDK_JAVA_OPTIONS`
//!    (the launcher inserts it before the real arguments; JDK 8 ignores the variable);
//! 3. `_JAVA_OPTIONS`.
//!
//! Variables such as `JAVA_OPTS` are not read by the JVM at all: a start script puts them on the
//! command line. They are given [`FlagSource::ScriptVariable`], ranked with the command line.
//!
//! Every effective value keeps the option that set it ([`Setting`]), so a report can say
//! "heap 3 GiB from `-Xmx3g` in `JAVA_TOOL_OPTIONS`".

use crate::version::{FlagStatus, JdkVersion};
use std::fmt;

/// Where a JVM option came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlagSource {
    /// The `JAVA_TOOL_OPTIONS` environment variable.
    JavaToolOptions,
    /// The `JDK_JAVA_OPTIONS` environment variable (JDK 9+ `java` launcher).
    JdkJavaOptions,
    /// The `java` command line (container command/args, Dockerfile ENTRYPOINT/CMD).
    CommandLine,
    /// An environment variable that a start script passes on the command line (`JAVA_OPTS`,
    /// `CATALINA_OPTS`, `ES_JAVA_OPTS` …): the name of the variable.
    ScriptVariable(String),
    /// The `_JAVA_OPTIONS` environment variable, read last: it wins.
    UnderscoreJavaOptions,
}

impl FlagSource {
    /// Position in the JVM's reading order; equal ranks keep their given order.
    pub fn rank(&self) -> u8 {
        match self {
            FlagSource::JavaToolOptions => 0,
            FlagSource::JdkJavaOptions => 1,
            FlagSource::CommandLine | FlagSource::ScriptVariable(_) => 2,
            FlagSource::UnderscoreJavaOptions => 3,
        }
    }

    /// The label used in reports: `JAVA_TOOL_OPTIONS`, `command line`, `$JAVA_OPTS` …
    pub fn label(&self) -> String {
        match self {
            FlagSource::JavaToolOptions => "JAVA_TOOL_OPTIONS".into(),
            FlagSource::JdkJavaOptions => "JDK_JAVA_OPTIONS".into(),
            FlagSource::CommandLine => "command line".into(),
            FlagSource::ScriptVariable(name) => format!("${name}"),
            FlagSource::UnderscoreJavaOptions => "_JAVA_OPTIONS".into(),
        }
    }
}

impl fmt::Display for FlagSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// An effective value and the option that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The value, in bytes for sizes.
    pub value: T,
    /// Where the option came from.
    pub source: FlagSource,
    /// The option as written, e.g. `-Xmx3g`.
    pub option: String,
}

/// A garbage collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gc {
    Serial,
    Parallel,
    G1,
    Z,
    Shenandoah,
    /// Concurrent Mark Sweep (JDK 8–13).
    ConcMarkSweep,
    /// Epsilon, the no-op collector (experimental).
    Epsilon,
}

impl Gc {
    /// The name `-XX:+PrintFlagsFinal` uses without `Use`/`GC`: `Serial`, `G1`, `Z` …
    pub fn name(self) -> &'static str {
        match self {
            Gc::Serial => "Serial",
            Gc::Parallel => "Parallel",
            Gc::G1 => "G1",
            Gc::Z => "Z",
            Gc::Shenandoah => "Shenandoah",
            Gc::ConcMarkSweep => "ConcMarkSweep",
            Gc::Epsilon => "Epsilon",
        }
    }

    /// The selecting flag without `-XX:+`: `UseG1GC` …
    pub fn flag(self) -> &'static str {
        match self {
            Gc::Serial => "UseSerialGC",
            Gc::Parallel => "UseParallelGC",
            Gc::G1 => "UseG1GC",
            Gc::Z => "UseZGC",
            Gc::Shenandoah => "UseShenandoahGC",
            Gc::ConcMarkSweep => "UseConcMarkSweepGC",
            Gc::Epsilon => "UseEpsilonGC",
        }
    }

    const ALL: [Gc; 7] = [
        Gc::Serial,
        Gc::Parallel,
        Gc::G1,
        Gc::Z,
        Gc::Shenandoah,
        Gc::ConcMarkSweep,
        Gc::Epsilon,
    ];

    fn from_flag(name: &str) -> Option<Gc> {
        Gc::ALL.into_iter().find(|g| g.flag() == name)
    }
}

impl fmt::Display for Gc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An option the JVM would reject or ignore.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagProblem {
    /// The option as written.
    pub option: String,
    /// Where it came from.
    pub source: FlagSource,
    /// What the JVM does.
    pub status: FlagStatus,
    /// Why, in a sentence.
    pub message: String,
}

/// The memory-relevant effective options after all sources are applied in the JVM's order.
/// `None` means "not given": the JVM's default or ergonomics decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JvmFlags {
    /// `-Xmx`, `-XX:MaxHeapSize`.
    pub max_heap_size: Option<Setting<u64>>,
    /// `-Xms`, `-XX:InitialHeapSize`.
    pub initial_heap_size: Option<Setting<u64>>,
    /// `-Xms`, `-XX:MinHeapSize` (JDK 13+; on older JDKs `-Xms` sets the internal minimum).
    pub min_heap_size: Option<Setting<u64>>,
    /// `-Xmn`, `-XX:NewSize`.
    pub new_size: Option<Setting<u64>>,
    /// `-XX:MaxRAM`.
    pub max_ram: Option<Setting<u64>>,
    pub max_ram_percentage: Option<Setting<f64>>,
    pub min_ram_percentage: Option<Setting<f64>>,
    pub initial_ram_percentage: Option<Setting<f64>>,
    pub max_ram_fraction: Option<Setting<u64>>,
    pub min_ram_fraction: Option<Setting<u64>>,
    pub initial_ram_fraction: Option<Setting<u64>>,
    /// `-XX:±UseContainerSupport`.
    pub use_container_support: Option<Setting<bool>>,
    /// `-XX:±UseCGroupMemoryLimitForHeap` (experimental, 8u131–10).
    pub use_cgroup_memory_limit_for_heap: Option<Setting<bool>>,
    /// `-XX:±UnlockExperimentalVMOptions`.
    pub unlock_experimental: Option<Setting<bool>>,
    /// `-XX:ActiveProcessorCount`.
    pub active_processor_count: Option<Setting<u32>>,
    /// Every `-XX:±Use*GC` given, last value per collector.
    pub gc_flags: Vec<(Gc, Setting<bool>)>,
    /// `-XX:±UseCompressedOops`.
    pub use_compressed_oops: Option<Setting<bool>>,
    /// `-XX:G1HeapRegionSize`.
    pub g1_heap_region_size: Option<Setting<u64>>,
    /// `-XX:MaxMetaspaceSize`.
    pub max_metaspace_size: Option<Setting<u64>>,
    /// `-XX:CompressedClassSpaceSize`.
    pub compressed_class_space_size: Option<Setting<u64>>,
    /// `-XX:ReservedCodeCacheSize`.
    pub reserved_code_cache_size: Option<Setting<u64>>,
    /// `-XX:MaxDirectMemorySize`.
    pub max_direct_memory_size: Option<Setting<u64>>,
    /// Java thread stack size in bytes (`-Xss`, `-XX:ThreadStackSize` which counts KiB).
    pub thread_stack_size: Option<Setting<u64>>,
    /// `-XX:±TieredCompilation`.
    pub tiered_compilation: Option<Setting<bool>>,
    pub exit_on_out_of_memory_error: Option<Setting<bool>>,
    pub crash_on_out_of_memory_error: Option<Setting<bool>>,
    pub heap_dump_on_out_of_memory_error: Option<Setting<bool>>,
    /// `-XX:OnOutOfMemoryError=…` (often `kill -9 %p`).
    pub on_out_of_memory_error: Option<Setting<String>>,
    /// `-XX:+AlwaysPreTouch`: the whole initial heap is touched (committed) at startup.
    pub always_pre_touch: Option<Setting<bool>>,
    /// Options the JVM rejects or ignores.
    pub problems: Vec<FlagProblem>,
    /// Options that read more options from elsewhere (`@argfile`, `-XX:Flags=`,
    /// `-XX:VMOptionsFile=`), which this model cannot see.
    pub unfollowed: Vec<Setting<()>>,
}

impl JvmFlags {
    /// Applies option lists in the JVM's order: sources are stable-sorted by
    /// [`FlagSource::rank`], then read front to back, a later value replacing an earlier one.
    /// `JDK_JAVA_OPTIONS` is skipped (with a note in `problems`) for JDK 8.
    pub fn parse(sources: &[(FlagSource, Vec<String>)], jdk: &JdkVersion) -> JvmFlags {
        let mut ordered: Vec<&(FlagSource, Vec<String>)> = sources.iter().collect();
        ordered.sort_by_key(|(s, _)| s.rank());
        let mut flags = JvmFlags::default();
        for (source, options) in ordered {
            if *source == FlagSource::JdkJavaOptions && !jdk.reads_jdk_java_options() {
                if !options.is_empty() {
                    flags.problems.push(FlagProblem {
                        option: options.join(" "),
                        source: source.clone(),
                        status: FlagStatus::IgnoredWithWarning,
                        message: format!(
                            "JDK {} does not read JDK_JAVA_OPTIONS (JDK 9+ launcher only)",
                            jdk.feature
                        ),
                    });
                }
                continue;
            }
            for option in options {
                flags.apply(option, source, jdk);
            }
        }
        flags
    }

    /// The collector selected on the command line, if exactly one `-XX:+Use*GC` is in effect.
    /// `Err` lists them when more than one is (the JVM stops: "Conflicting collector
    /// combinations in option list").
    pub fn selected_gc(&self) -> Result<Option<Gc>, Vec<Gc>> {
        let on: Vec<Gc> = self
            .gc_flags
            .iter()
            .filter(|(_, s)| s.value)
            .map(|(g, _)| *g)
            .collect();
        match on.len() {
            0 => Ok(None),
            1 => Ok(Some(on[0])),
            _ => Err(on),
        }
    }

    /// The `-XX:+Use*GC` setting that selected `gc`.
    pub fn gc_setting(&self, gc: Gc) -> Option<&Setting<bool>> {
        self.gc_flags.iter().find(|(g, _)| *g == gc).map(|(_, s)| s)
    }

    /// True when the JVM refuses to start with these options.
    pub fn refuses_to_start(&self) -> bool {
        self.problems
            .iter()
            .any(|p| p.status == FlagStatus::RefusesToStart)
    }

    /// One option (`Arguments::parse_each_vm_init_arg`): `@argfile`, `-X` sizes, `-XX:` flags.
    fn apply(&mut self, option: &str, source: &FlagSource, jdk: &JdkVersion) {
        if option.starts_with('@') {
            self.unfollowed.push(Setting {
                value: (),
                source: source.clone(),
                option: option.to_string(),
            });
            return;
        }
        if self.parse_x_size(option, source) {
            return;
        }
        let Some(xx) = option.strip_prefix("-XX:") else {
            return;
        };
        if let Some(name) = xx.strip_prefix('+').or_else(|| xx.strip_prefix('-')) {
            self.set_bool_flag(name, xx.starts_with('+'), option, source, jdk);
            return;
        }
        let Some((name, value)) = xx.split_once('=') else {
            return;
        };
        if let Some(removed) = jdk.removed_flag(name) {
            self.problem(option, source, removed.status, removed.note.to_string());
            return;
        }
        if self.set_numeric_flag(name, value, option, source)
            || self.set_fp_numeric_flag(name, value, option, source, jdk)
        {
            return;
        }
        match name {
            "OnOutOfMemoryError" => {
                self.on_out_of_memory_error = Some(Setting {
                    value: value.to_string(),
                    source: source.clone(),
                    option: option.to_string(),
                })
            }
            "Flags" | "VMOptionsFile" => self.unfollowed.push(Setting {
                value: (),
                source: source.clone(),
                option: option.to_string(),
            }),
            _ => {}
        }
    }

    fn problem(&mut self, option: &str, source: &FlagSource, status: FlagStatus, message: String) {
        self.problems.push(FlagProblem {
            option: option.to_string(),
            source: source.clone(),
            status,
            message,
        })
    }

    fn refuse(&mut self, option: &str, source: &FlagSource, message: String) {
        self.problem(option, source, FlagStatus::RefusesToStart, message)
    }

    /// `-Xmx`, `-Xms`, `-Xmn` and `-Xss` (`Arguments::parse_each_vm_init_arg`); false for any
    /// other option.
    fn parse_x_size(&mut self, option: &str, source: &FlagSource) -> bool {
        let size = |s: &str| parse_size(s);
        if let Some(v) = option.strip_prefix("-Xmx") {
            match size(v) {
                Some(b) => self.max_heap_size = st(b, source, option),
                None => self.refuse(option, source, "Invalid maximum heap size".into()),
            }
            return true;
        }
        if let Some(v) = option.strip_prefix("-Xms") {
            match size(v) {
                Some(b) => {
                    self.initial_heap_size = st(b, source, option);
                    self.min_heap_size = st(b, source, option);
                }
                None => self.refuse(option, source, "Invalid initial heap size".into()),
            }
            return true;
        }
        if let Some(v) = option.strip_prefix("-Xmn") {
            match size(v) {
                Some(b) => self.new_size = st(b, source, option),
                None => self.refuse(option, source, "Invalid young generation size".into()),
            }
            return true;
        }
        if let Some(v) = option.strip_prefix("-Xss") {
            // parse_xss: aligned up to the 4 KiB page, kept in KiB.
            match size(v)
                .filter(|&b| b >= 1024)
                .and_then(|b| b.checked_next_multiple_of(4096))
            {
                Some(b) => self.thread_stack_size = st(b, source, option),
                None => self.refuse(option, source, "Invalid thread stack size".into()),
            }
            return true;
        }
        false
    }

    /// `-XX:±Name` (`Arguments::set_bool_flag`), including the `-XX:±Use…GC` collectors.
    fn set_bool_flag(
        &mut self,
        name: &str,
        on: bool,
        option: &str,
        source: &FlagSource,
        jdk: &JdkVersion,
    ) {
        if let Some(removed) = jdk.removed_flag(name) {
            self.problem(option, source, removed.status, removed.note.to_string());
            return;
        }
        let target = match name {
            "UseContainerSupport" => &mut self.use_container_support,
            "UseCGroupMemoryLimitForHeap" => &mut self.use_cgroup_memory_limit_for_heap,
            "UnlockExperimentalVMOptions" => &mut self.unlock_experimental,
            "UseCompressedOops" => &mut self.use_compressed_oops,
            "TieredCompilation" => &mut self.tiered_compilation,
            "ExitOnOutOfMemoryError" => &mut self.exit_on_out_of_memory_error,
            "CrashOnOutOfMemoryError" => &mut self.crash_on_out_of_memory_error,
            "HeapDumpOnOutOfMemoryError" => &mut self.heap_dump_on_out_of_memory_error,
            "AlwaysPreTouch" => &mut self.always_pre_touch,
            _ => {
                if let Some(gc) = Gc::from_flag(name) {
                    let s = Setting {
                        value: on,
                        source: source.clone(),
                        option: option.to_string(),
                    };
                    match self.gc_flags.iter_mut().find(|(g, _)| *g == gc) {
                        Some(slot) => slot.1 = s,
                        None => self.gc_flags.push((gc, s)),
                    }
                }
                return;
            }
        };
        *target = st(on, source, option);
    }

    /// `-XX:Name=value` for the integer flags (`Arguments::set_numeric_flag`): sizes, the RAM
    /// fractions, `ThreadStackSize` (KiB) and `ActiveProcessorCount`. False for other names.
    fn set_numeric_flag(
        &mut self,
        name: &str,
        value: &str,
        option: &str,
        source: &FlagSource,
    ) -> bool {
        let improper = || format!("Improperly specified VM option '{}'", &option[4..]);
        let size_target = match name {
            "MaxHeapSize" => Some(&mut self.max_heap_size),
            "InitialHeapSize" => Some(&mut self.initial_heap_size),
            "MinHeapSize" => Some(&mut self.min_heap_size),
            "NewSize" => Some(&mut self.new_size),
            "MaxRAM" => Some(&mut self.max_ram),
            "G1HeapRegionSize" => Some(&mut self.g1_heap_region_size),
            "MaxMetaspaceSize" => Some(&mut self.max_metaspace_size),
            "CompressedClassSpaceSize" => Some(&mut self.compressed_class_space_size),
            "ReservedCodeCacheSize" => Some(&mut self.reserved_code_cache_size),
            "MaxDirectMemorySize" => Some(&mut self.max_direct_memory_size),
            _ => None,
        };
        if let Some(target) = size_target {
            match parse_size(value) {
                Some(b) => *target = st(b, source, option),
                None => self.refuse(option, source, improper()),
            }
            return true;
        }
        let frac_target = match name {
            "MaxRAMFraction" => Some(&mut self.max_ram_fraction),
            "MinRAMFraction" => Some(&mut self.min_ram_fraction),
            "InitialRAMFraction" => Some(&mut self.initial_ram_fraction),
            _ => None,
        };
        if let Some(target) = frac_target {
            match parse_size(value) {
                Some(n) if n > 0 => *target = st(n, source, option),
                _ => self.refuse(option, source, improper()),
            }
            return true;
        }
        match name {
            "ThreadStackSize" => match parse_size(value) {
                // The flag counts KiB: -XX:ThreadStackSize=1m is 1 GiB.
                Some(k) => self.thread_stack_size = st(k.saturating_mul(1024), source, option),
                None => self.refuse(option, source, improper()),
            },
            "ActiveProcessorCount" => match value.parse::<u32>() {
                Ok(n) => self.active_processor_count = st(n, source, option),
                Err(_) => self.refuse(option, source, improper()),
            },
            _ => return false,
        }
        true
    }

    /// The RAM percentages (`Arguments::set_fp_numeric_flag`), which exist since 8u191 and JDK
    /// 10; false for other names.
    fn set_fp_numeric_flag(
        &mut self,
        name: &str,
        value: &str,
        option: &str,
        source: &FlagSource,
        jdk: &JdkVersion,
    ) -> bool {
        let pct_target = match name {
            "MaxRAMPercentage" => Some(&mut self.max_ram_percentage),
            "MinRAMPercentage" => Some(&mut self.min_ram_percentage),
            "InitialRAMPercentage" => Some(&mut self.initial_ram_percentage),
            _ => None,
        };
        let Some(target) = pct_target else {
            return false;
        };
        if !jdk.has_ram_percentage_flags() {
            let message = format!("{name} does not exist before 8u191 and JDK 10");
            self.refuse(option, source, message);
            return true;
        }
        match parse_percentage(value, jdk) {
            Ok(p) => *target = st(p, source, option),
            Err(m) => self.refuse(option, source, m),
        }
        true
    }
}

fn st<T>(value: T, source: &FlagSource, option: &str) -> Option<Setting<T>> {
    Some(Setting {
        value,
        source: source.clone(),
        option: option.to_string(),
    })
}

/// Parses a HotSpot memory size (`atojulong`): decimal or `0x` hexadecimal digits, then at most
/// one of `k K m M g G t T`. `None` for anything else, including overflow.
pub fn parse_size(s: &str) -> Option<u64> {
    let (digits, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (s, 10),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let n = u64::from_str_radix(&digits[..end], radix).ok()?;
    let shift = match &digits[end..] {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        _ => return None,
    };
    n.checked_mul(1u64 << shift)
}

/// Parses a `*RAMPercentage` value: 0 to 100. JDK 8 rejects a value without a decimal point
/// ("Improperly specified VM option 'MaxRAMPercentage=75'"); JDK 10 and later accept both.
fn parse_percentage(value: &str, jdk: &JdkVersion) -> Result<f64, String> {
    let improper = || format!("Improperly specified VM option '{value}'");
    if jdk.feature <= 8 && !value.contains('.') {
        return Err(format!(
            "Improperly specified VM option: JDK 8 needs a decimal point in double flags (write {value}.0)"
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')
    {
        return Err(improper());
    }
    let p: f64 = value.parse().map_err(|_| improper())?;
    if !(0.0..=100.0).contains(&p) {
        return Err(format!(
            "{value} is outside the allowed range [ 0.000000 ... 100.000000 ]"
        ));
    }
    Ok(p)
}

/// Splits an options variable the way the JVM does (`Arguments::parse_options_buffer`):
/// whitespace separates options - C's `isspace`, so only space, `\t`, `\n`, `\v`, `\f` and `\r`,
/// not a no-break or ideographic space; a single- or double-quoted part is kept together with
/// the quotes removed (`-Dx="a b"` is one option, `-Dx=a b`). There are no escapes.
pub fn split_options(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_token = true;
            }
            None if matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r') => {
                if in_token {
                    out.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            None => {
                cur.push(c);
                in_token = true;
            }
        }
    }
    if in_token {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests;
