use super::*;

fn v17() -> JdkVersion {
    JdkVersion::new(17, 15)
}

fn parse(sources: &[(FlagSource, &str)], jdk: &JdkVersion) -> JvmFlags {
    let s: Vec<(FlagSource, Vec<String>)> = sources
        .iter()
        .map(|(s, o)| (s.clone(), split_options(o)))
        .collect();
    JvmFlags::parse(&s, jdk)
}

#[test]
fn sizes() {
    let cases = [
        ("0", Some(0)),
        ("512", Some(512)),
        ("64k", Some(64 << 10)),
        ("64K", Some(64 << 10)),
        ("1m", Some(1 << 20)),
        ("3G", Some(3 << 30)),
        ("1t", Some(1 << 40)),
        ("0x100", Some(256)),
        ("1.5g", None),
        ("1gb", None),
        ("1Mi", None),
        ("", None),
        ("m", None),
        ("-1m", None),
        ("99999999999999999999", None),
        ("17179869184g", None),
    ];
    for (s, want) in cases {
        assert_eq!(parse_size(s), want, "{s}");
    }
}

#[test]
fn splitting() {
    assert_eq!(
        split_options("  -Xmx1g   -Xss512k "),
        vec!["-Xmx1g", "-Xss512k"]
    );
    assert_eq!(
        split_options("-Dx=\"a b\" -Dy='c d'"),
        vec!["-Dx=a b", "-Dy=c d"]
    );
    assert_eq!(split_options("-Dx=\"\""), vec!["-Dx="]);
    assert_eq!(split_options("\"\""), vec![""]);
    assert!(split_options("").is_empty());
    assert_eq!(split_options("a\tb\nc"), vec!["a", "b", "c"]);
}

/// Found by the `jvm_options` fuzz target against a port of HotSpot's splitter: the JVM splits
/// at C's `isspace` characters only, so a no-break space (as pasted from a web page) or an
/// ideographic space is part of the option, and `-Xmx1g\u{a0}-Xms1g` is one (invalid) option.
#[test]
fn only_ascii_whitespace_separates_options() {
    assert_eq!(
        split_options("-Xmx1g\u{a0}-Xms1g -Dname=caf\u{e9}\u{3000}-XX:+UseG1GC"),
        vec!["-Xmx1g\u{a0}-Xms1g", "-Dname=caf\u{e9}\u{3000}-XX:+UseG1GC"]
    );
    assert_eq!(
        split_options("a\x0bb\x0cc\rd\u{85}e\u{2028}f"),
        vec!["a", "b", "c", "d\u{85}e\u{2028}f"]
    );
    let f = parse(
        &[(FlagSource::JavaToolOptions, "-Xmx1g\u{a0}-Xms1g")],
        &v17(),
    );
    assert_eq!(f.max_heap_size, None);
    assert!(f.refuses_to_start(), "{:?}", f.problems);
}

#[test]
fn later_sources_win() {
    let f = parse(
        &[
            (FlagSource::UnderscoreJavaOptions, "-Xmx3g"),
            (FlagSource::CommandLine, "-Xmx2g -XX:MaxRAMPercentage=60"),
            (
                FlagSource::JavaToolOptions,
                "-Xmx1g -XX:MaxRAMPercentage=50",
            ),
        ],
        &v17(),
    );
    let mx = f.max_heap_size.unwrap();
    assert_eq!(mx.value, 3 << 30);
    assert_eq!(mx.source, FlagSource::UnderscoreJavaOptions);
    let p = f.max_ram_percentage.unwrap();
    assert_eq!(p.value, 60.0);
    assert_eq!(p.source, FlagSource::CommandLine);
}

#[test]
fn jdk_java_options_before_command_line_and_not_on_8() {
    let s = [
        (FlagSource::CommandLine, "-Xmx2g"),
        (FlagSource::JdkJavaOptions, "-Xmx1g -Xss512k"),
    ];
    let f = parse(&s, &v17());
    assert_eq!(f.max_heap_size.unwrap().value, 2 << 30);
    assert_eq!(
        f.thread_stack_size.unwrap().source,
        FlagSource::JdkJavaOptions
    );
    let f8 = parse(&s, &JdkVersion::new(8, 372));
    assert!(f8.thread_stack_size.is_none());
    assert_eq!(f8.problems.len(), 1);
}

#[test]
fn xms_sets_initial_and_min_and_order_matters() {
    let f = parse(
        &[(FlagSource::CommandLine, "-Xms512m -XX:InitialHeapSize=1g")],
        &v17(),
    );
    assert_eq!(f.initial_heap_size.unwrap().value, 1 << 30);
    assert_eq!(f.min_heap_size.unwrap().value, 512 << 20);
    let f = parse(
        &[(FlagSource::CommandLine, "-XX:InitialHeapSize=1g -Xms512m")],
        &v17(),
    );
    assert_eq!(f.initial_heap_size.unwrap().value, 512 << 20);
}

#[test]
fn stacks_and_units() {
    let f = parse(&[(FlagSource::CommandLine, "-Xss1001k")], &v17());
    assert_eq!(f.thread_stack_size.unwrap().value, 251 * 4096); // up to the 4 KiB page
    let f = parse(
        &[(FlagSource::CommandLine, "-XX:ThreadStackSize=512")],
        &v17(),
    );
    assert_eq!(f.thread_stack_size.unwrap().value, 512 << 10);
    let f = parse(
        &[(FlagSource::CommandLine, "-XX:ThreadStackSize=1m")],
        &v17(),
    );
    assert_eq!(f.thread_stack_size.unwrap().value, 1 << 30);
}

/// Found by the `jvm_options` fuzz target: aligning an `-Xss` within a page of `u64::MAX` up to
/// the page overflowed. No JVM takes such a stack ("Invalid thread stack size").
#[test]
fn a_stack_size_that_cannot_be_aligned_is_invalid() {
    for xss in ["-Xss18446744073709551615", "-Xss18446744073709547521"] {
        let f = parse(&[(FlagSource::CommandLine, xss)], &v17());
        assert_eq!(f.thread_stack_size, None, "{xss}");
        assert_eq!(f.problems[0].message, "Invalid thread stack size", "{xss}");
        assert!(f.refuses_to_start(), "{xss}");
    }
    // The last page that fits still aligns.
    let f = parse(
        &[(FlagSource::CommandLine, "-Xss18446744073709547520")],
        &v17(),
    );
    assert_eq!(f.thread_stack_size.unwrap().value, u64::MAX - 4095);
}

#[test]
fn booleans_gcs_and_conflicts() {
    let f = parse(
        &[(
            FlagSource::CommandLine,
            "-XX:+UseSerialGC -XX:-UseSerialGC -XX:+UseG1GC -XX:-UseContainerSupport",
        )],
        &v17(),
    );
    assert_eq!(f.selected_gc(), Ok(Some(Gc::G1)));
    assert!(!f.use_container_support.unwrap().value);
    let f = parse(
        &[
            (FlagSource::JavaToolOptions, "-XX:+UseSerialGC"),
            (FlagSource::CommandLine, "-XX:+UseParallelGC"),
        ],
        &v17(),
    );
    assert_eq!(f.selected_gc(), Err(vec![Gc::Serial, Gc::Parallel]));
}

#[test]
fn percentages_by_version() {
    let f = parse(
        &[(FlagSource::CommandLine, "-XX:MaxRAMPercentage=75")],
        &v17(),
    );
    assert_eq!(f.max_ram_percentage.unwrap().value, 75.0);
    let f8 = parse(
        &[(FlagSource::CommandLine, "-XX:MaxRAMPercentage=75")],
        &JdkVersion::new(8, 372),
    );
    assert!(f8.max_ram_percentage.is_none() && f8.refuses_to_start());
    let f8 = parse(
        &[(FlagSource::CommandLine, "-XX:MaxRAMPercentage=75.0")],
        &JdkVersion::new(8, 372),
    );
    assert_eq!(f8.max_ram_percentage.unwrap().value, 75.0);
    let old = parse(
        &[(FlagSource::CommandLine, "-XX:MaxRAMPercentage=75.0")],
        &JdkVersion::new(8, 181),
    );
    assert!(old.refuses_to_start());
    let f = parse(
        &[(FlagSource::CommandLine, "-XX:MaxRAMPercentage=101")],
        &v17(),
    );
    assert!(f.refuses_to_start());
}

#[test]
fn removed_flags_are_problems() {
    let f = parse(
        &[(
            FlagSource::CommandLine,
            "-XX:+UseConcMarkSweepGC -XX:MaxPermSize=256m",
        )],
        &v17(),
    );
    assert_eq!(f.problems.len(), 2);
    assert!(f.refuses_to_start());
    let f = parse(
        &[(FlagSource::CommandLine, "-XX:MaxPermSize=256m")],
        &JdkVersion::new(8, 372),
    );
    assert!(!f.refuses_to_start());
    assert_eq!(f.problems[0].status, FlagStatus::IgnoredWithWarning);
}

#[test]
fn unfollowed_and_unknown() {
    let f = parse(
        &[(
            FlagSource::CommandLine,
            "@/etc/jvm.args -XX:Flags=.hotspotrc -Dfoo=bar -verbose:gc",
        )],
        &v17(),
    );
    assert_eq!(f.unfollowed.len(), 2);
    assert!(f.problems.is_empty());
}
