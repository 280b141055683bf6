//! Arbitrary text as a JVM options variable (`JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`,
//! `_JAVA_OPTIONS`, a start script's `JAVA_OPTS`), through `oomdoc_jvm::flags::split_options`
//! and then the flag parser, the ergonomics and the budget. What must hold for any input:
//! - the options are the ones HotSpot's `Arguments::parse_options_buffer` makes of the same
//!   text (`hotspot_split` below is a byte-for-byte port of it; an unmatched quote, which stops
//!   the JVM with "Unmatched quote in JAVA_TOOL_OPTIONS", and a NUL, which no environment
//!   variable holds, are not compared);
//! - each option quoted back and joined with spaces splits into the same options;
//! - `JvmFlags::parse` from every source and for JDK 8 (before and after 8u191), 11, 17, 21 and
//!   25, then `ergonomics` (two machines) and `budget`, do not panic, and every setting and
//!   problem names an option that was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomdoc_jvm::budget::budget;
use oomdoc_jvm::flags::split_options;
use oomdoc_jvm::{
    ergonomics, CgroupVersion, Cpus, Environment, FlagSource, JdkVersion, JvmFlags, Setting,
    Workload,
};

/// HotSpot's `Arguments::parse_options_buffer` (`arguments.cpp`), on bytes: options are
/// separated by `isspace` characters (C locale: space, `\t`, `\n`, `\v`, `\f`, `\r`); a `'` or
/// `"` starts a quoted part, copied without its quotes up to the same quote, spaces included;
/// no escapes. `None` for an unmatched quote (the JVM does not start).
fn hotspot_split(buf: &[u8]) -> Option<Vec<String>> {
    let isspace = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut out = Vec::new();
    let mut rd = 0;
    while rd < buf.len() {
        while rd < buf.len() && isspace(buf[rd]) {
            rd += 1;
        }
        if rd >= buf.len() {
            break;
        }
        let mut opt = Vec::new();
        while rd < buf.len() && !isspace(buf[rd]) {
            if buf[rd] == b'\'' || buf[rd] == b'"' {
                let quote = buf[rd];
                rd += 1;
                while rd < buf.len() && buf[rd] != quote {
                    opt.push(buf[rd]);
                    rd += 1;
                }
                if rd < buf.len() {
                    rd += 1;
                } else {
                    return None;
                }
            } else {
                opt.push(buf[rd]);
                rd += 1;
            }
        }
        // Cut at ASCII bytes only, so a valid UTF-8 text gives valid UTF-8 options.
        out.push(String::from_utf8(opt).expect("cut at ASCII bytes"));
        rd += 1;
    }
    Some(out)
}

/// `o` written so that the splitter gives it back: in double quotes, each `"` in single ones.
fn quote(o: &str) -> String {
    format!("\"{}\"", o.replace('"', "\"'\"'\""))
}

/// Every option a setting names.
fn named(f: &JvmFlags) -> Vec<&str> {
    fn o<T>(s: &Option<Setting<T>>) -> Option<&str> {
        s.as_ref().map(|s| s.option.as_str())
    }
    let mut v: Vec<&str> = [
        o(&f.max_heap_size),
        o(&f.initial_heap_size),
        o(&f.min_heap_size),
        o(&f.new_size),
        o(&f.max_ram),
        o(&f.max_ram_percentage),
        o(&f.min_ram_percentage),
        o(&f.initial_ram_percentage),
        o(&f.max_ram_fraction),
        o(&f.min_ram_fraction),
        o(&f.initial_ram_fraction),
        o(&f.use_container_support),
        o(&f.use_cgroup_memory_limit_for_heap),
        o(&f.unlock_experimental),
        o(&f.active_processor_count),
        o(&f.use_compressed_oops),
        o(&f.g1_heap_region_size),
        o(&f.max_metaspace_size),
        o(&f.compressed_class_space_size),
        o(&f.reserved_code_cache_size),
        o(&f.max_direct_memory_size),
        o(&f.thread_stack_size),
        o(&f.tiered_compilation),
        o(&f.exit_on_out_of_memory_error),
        o(&f.crash_on_out_of_memory_error),
        o(&f.heap_dump_on_out_of_memory_error),
        o(&f.on_out_of_memory_error),
        o(&f.always_pre_touch),
    ]
    .into_iter()
    .flatten()
    .collect();
    v.extend(f.gc_flags.iter().map(|(_, s)| s.option.as_str()));
    v.extend(f.unfollowed.iter().map(|s| s.option.as_str()));
    v
}

const GI: u64 = 1 << 30;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = split_options(&text);
    if !text.contains('\0') {
        if let Some(reference) = hotspot_split(text.as_bytes()) {
            assert_eq!(opts, reference, "split differently from HotSpot: {text:?}");
        }
    }
    let quoted: Vec<String> = opts.iter().map(|o| quote(o)).collect();
    assert_eq!(
        split_options(&quoted.join(" ")),
        opts,
        "quoted back: {quoted:?}"
    );

    // A 1 GiB container on a big node (cgroup v2, CPU limit), and a small node without limits.
    let envs = [
        Environment {
            host_memory: 16 * GI,
            host_cpus: 8,
            memory_limit: Some(GI),
            cgroup: CgroupVersion::V2,
            cpus: Cpus::Kubernetes {
                limit_millis: Some(2000),
                request_millis: Some(500),
            },
        },
        Environment {
            host_memory: GI / 2,
            host_cpus: 1,
            memory_limit: None,
            cgroup: CgroupVersion::V1,
            cpus: Cpus::Host,
        },
    ];
    let sources = [
        FlagSource::JavaToolOptions,
        FlagSource::JdkJavaOptions,
        FlagSource::CommandLine,
        FlagSource::ScriptVariable("JAVA_OPTS".into()),
        FlagSource::UnderscoreJavaOptions,
    ];
    for jdk in [
        JdkVersion::new(8, 181),
        JdkVersion::new(8, 372),
        JdkVersion::new(11, 13),
        JdkVersion::new(17, 15),
        JdkVersion::new(21, 8),
        JdkVersion::new(25, 0),
    ] {
        for source in &sources {
            let flags = JvmFlags::parse(&[(source.clone(), opts.clone())], &jdk);
            for o in named(&flags) {
                assert!(opts.iter().any(|x| x == o), "{o:?} was not given");
            }
            let ignored = (*source == FlagSource::JdkJavaOptions && !jdk.reads_jdk_java_options())
                .then(|| opts.join(" "));
            for p in &flags.problems {
                assert!(
                    opts.contains(&p.option) || ignored.as_ref() == Some(&p.option),
                    "problem {p:?} names no option given"
                );
            }
            for env in &envs {
                let e = ergonomics(&jdk, &flags, env);
                let _ = budget(&e, &flags, Workload::default(), env.memory_limit);
            }
        }
    }
});
