//! The JVM rules (`OOM1xx`): every rule has a container that triggers it and one that does not;
//! positions, figures and fixes are asserted where they matter. How Dockerfiles are matched and
//! merged is tested in `dockerfiles.rs`.

mod common;

use common::*;
use oomdoc_audit::Assumptions;
use oomdoc_jvm::CgroupVersion;

#[test]
fn oom101_heap_exceeds_limit() {
    let r = run(&pod(
        TEMURIN17,
        &format!("{}{}", env("JAVA_TOOL_OPTIONS", "-Xmx4g"), limit("4Gi")),
    ));
    let f = only(&r, "OOM101");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(
        (f[0].pos.line, f[0].pos.column),
        (11, 14),
        "points at the env value"
    );
    assert!(
        f[0].message.contains(
            "JVM max heap 4Gi (-Xmx4g in JAVA_TOOL_OPTIONS) is not below the 4Gi memory limit"
        ),
        "{}",
        f[0].message
    );
    assert!(
        f[0].help.contains("-Xmx"),
        "an explicit -Xmx is replaced by an -Xmx: {}",
        f[0].help
    );
    assert!(!codes(&r).contains(&"OOM102"), "reported once");
    let r = run(&pod(
        TEMURIN17,
        &format!("{}{}", env("JAVA_TOOL_OPTIONS", "-Xmx2g"), limit("4Gi")),
    ));
    assert!(!codes(&r).contains(&"OOM101"), "{:?}", codes(&r));
}

#[test]
fn oom102_heap_plus_non_heap_exceeds_limit() {
    let yaml = pod(
        "eclipse-temurin:21-jre",
        &format!(
            "{}{}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=85.0"),
            limit("1Gi")
        ),
    );
    let r = run(&yaml);
    let f = only(&r, "OOM102");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(f[0].pos.line, 11);
    assert!(
        f[0].message
            .contains("(-XX:MaxRAMPercentage=85.0 in JAVA_TOOL_OPTIONS) plus"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("no OutOfMemoryError is logged"),
        "{}",
        f[0].message
    );
    assert!(f[0].help.contains("-XX:MaxRAMPercentage="), "{}", f[0].help);
    assert!(!codes(&r).contains(&"OOM107"), "85 is not above 90");
    let r = run(&pod(
        "eclipse-temurin:21-jre",
        &format!(
            "{}{}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=40.0"),
            limit("2Gi")
        ),
    ));
    assert!(!codes(&r).contains(&"OOM102"), "{:?}", codes(&r));
}

#[test]
fn oom103_default_heap_is_the_seed_case() {
    let r = run(&pod(TEMURIN17, &format!("{JAR}{}", limit("4Gi"))));
    let f = only(&r, "OOM103");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(
        f[0].message,
        "container \"app\": JVM max heap 1Gi (25% of the 4Gi limit, the JDK 17 default MaxRAMPercentage=25): 3Gi of the limit is never used by the heap"
    );
    assert!(
        f[0].help.starts_with(
            "add -XX:MaxRAMPercentage=66.3 to the java command in the container's command"
        ),
        "{}",
        f[0].help
    );
    assert_eq!(f[0].pos.line, 9, "points at the java command");
    let c = &r.workloads[0].containers[0];
    let jvm = c.jvm.as_ref().expect("a JVM");
    assert_eq!(jvm.analysis.ergonomics.max_heap.value, 1 << 30);
    assert_eq!(jvm.analysis.ergonomics.gc.name(), "G1");
    assert_eq!(
        jvm.recommendation.as_ref().unwrap().flags.last().unwrap(),
        "-XX:MaxRAMPercentage=66.3"
    );

    // With the recommended flag there is nothing to say about the heap.
    let fixed = pod(
        TEMURIN17,
        &format!(
            "    command: [java, -XX:MaxRAMPercentage=66.3, -jar, /app/app.jar]\n{}",
            limit("4Gi")
        ),
    );
    let c = codes(&run(&fixed));
    assert!(!c.contains(&"OOM103") && !c.contains(&"OOM102"), "{c:?}");
    // A small limit: the default 50% is not "most of the limit unused" when nothing more fits.
    assert!(!codes(&run(&pod(TEMURIN17, &format!("{JAR}{}", limit("256Mi"))))).contains(&"OOM103"));
}

#[test]
fn oom104_jdk_not_container_aware() {
    let r = run(&pod("openjdk:8u181-jre", &format!("{JAR}{}", limit("2Gi"))));
    let f = only(&r, "OOM104");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(
        (f[0].pos.line, f[0].pos.column),
        (8, 12),
        "points at the image"
    );
    assert!(
        f[0].message
            .contains("JDK 8u181 predates container support"),
        "{}",
        f[0].message
    );
    assert!(f[0].message.contains("max heap 4Gi"), "{}", f[0].message);
    assert!(
        codes(&r).contains(&"OOM101"),
        "4Gi of a 16Gi node is not below the 2Gi limit"
    );
    let r = run(&pod("openjdk:8u372-jre", &format!("{JAR}{}", limit("2Gi"))));
    assert!(!codes(&r).contains(&"OOM104"), "{:?}", codes(&r));
    // Switched off on a modern JDK: points at the flag.
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "    command: [java, -XX:-UseContainerSupport, -jar, a.jar]\n{}",
            limit("8Gi")
        ),
    ));
    let f = only(&r, "OOM104");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert!(
        f[0].message
            .contains("-XX:-UseContainerSupport (command line) switches container support off"),
        "{}",
        f[0].message
    );
}

#[test]
fn oom105_cgroup_v2_unaware_jdk() {
    let yaml = pod(
        "eclipse-temurin:11.0.14_9-jre",
        &format!("{JAR}{}", limit("2Gi")),
    );
    let r = run(&yaml);
    let f = only(&r, "OOM105");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert!(
        f[0].message.contains("JDK 11.0.14 does not read cgroup v2"),
        "{}",
        f[0].message
    );
    let v1 = Assumptions {
        cgroup: CgroupVersion::V1,
        ..Assumptions::default()
    };
    assert!(!codes(&run_with(&yaml, &[], &[], v1)).contains(&"OOM105"));
    let r = run(&pod(
        "eclipse-temurin:11.0.16_8-jre",
        &format!("{JAR}{}", limit("2Gi")),
    ));
    assert!(!codes(&r).contains(&"OOM105"), "{:?}", codes(&r));
}

#[test]
fn oom106_xmx_without_memory_limit() {
    let yaml = pod(
        TEMURIN17,
        "    command: [java, -Xmx2g, -jar, a.jar]\n    resources:\n      requests: {memory: 2Gi}\n",
    );
    let r = run(&yaml);
    let f = only(&r, "OOM106");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(
        (f[0].pos.line, f[0].pos.column),
        (9, 21),
        "points at -Xmx2g"
    );
    assert!(
        f[0].help
            .contains("set resources.limits.memory and requests.memory to"),
        "{}",
        f[0].help
    );
    assert!(codes(&r).contains(&"OOM001"));
    let r = run(&pod(
        TEMURIN17,
        &format!("    command: [java, -Xmx2g, -jar, a.jar]\n{}", limit("3Gi")),
    ));
    assert!(!codes(&r).contains(&"OOM106"), "{:?}", codes(&r));
}

#[test]
fn oom107_max_ram_percentage_above_90() {
    let no_limit = "    resources:\n      requests: {memory: 1Gi}\n";
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "{}{no_limit}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=95.0")
        ),
    ));
    let f = only(&r, "OOM107");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(f[0].pos.line, 11);
    assert!(
        f[0].message
            .contains("gives the heap 95% of the memory, leaving 5% of the memory limit"),
        "{}",
        f[0].message
    );
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "{}{no_limit}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMFraction=1")
        ),
    ));
    assert_eq!(only(&r, "OOM107").len(), 1, "MaxRAMFraction=1 is 100%");
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "{}{no_limit}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0")
        ),
    ));
    assert!(!codes(&r).contains(&"OOM107"), "{:?}", codes(&r));
    // With a limit, the budget finding says it with the figures instead.
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "{}{}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=95.0"),
            limit("2Gi")
        ),
    ));
    assert!(
        codes(&r).contains(&"OOM102") && !codes(&r).contains(&"OOM107"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn oom108_jvm_refuses_to_start() {
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "{}{}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxPermSize=256m"),
            limit("1Gi")
        ),
    ));
    assert_eq!(
        codes(&r),
        ["OOM108"],
        "nothing else matters when the JVM does not start"
    );
    let f = only(&r, "OOM108");
    assert_eq!(f[0].pos.line, 11);
    assert!(
        f[0].message
            .contains("-XX:MaxPermSize=256m (JAVA_TOOL_OPTIONS)"),
        "{}",
        f[0].message
    );
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "    command: [java, -Xms2g, -Xmx1g, -jar, a.jar]\n{}",
            limit("4Gi")
        ),
    ));
    let f = only(&r, "OOM108");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert!(
        f[0].message
            .contains("Initial heap size set to a larger value than the maximum heap size"),
        "{}",
        f[0].message
    );
    // When the image does not say its JDK, a failure only some JDKs have is a note, not a finding.
    let opts = "-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap";
    let r = run(&pod(
        "acme/app:1",
        &format!("{JAR}{}{}", env("JAVA_TOOL_OPTIONS", opts), limit("1Gi")),
    ));
    assert!(!codes(&r).contains(&"OOM108"), "{:?}", codes(&r));
    let jvm = r.workloads[0].containers[0].jvm.as_ref().unwrap();
    assert!(jvm.jdk_assumed && jvm.start_depends_on_jdk);
    assert!(
        jvm.notes.iter().any(|n| n.contains("would not start")),
        "{:?}",
        jvm.notes
    );
    let r = run(&pod(
        TEMURIN17,
        &format!("{JAR}{}{}", env("JAVA_TOOL_OPTIONS", opts), limit("1Gi")),
    ));
    assert_eq!(codes(&r), ["OOM108"]);
    // JDK 8 only warns about MaxPermSize: ignored, not fatal.
    let r = run(&pod(
        "eclipse-temurin:8u442-b06-jre",
        &format!(
            "{}{}",
            env("JAVA_TOOL_OPTIONS", "-XX:MaxPermSize=256m"),
            limit("1Gi")
        ),
    ));
    assert!(
        !codes(&r).contains(&"OOM108") && codes(&r).contains(&"OOM112"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn oom109_no_exit_on_out_of_memory_error() {
    let r = run(&pod(TEMURIN17, &format!("{JAR}{}", limit("4Gi"))));
    let f = only(&r, "OOM109");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].pos.line, 9, "the java command");
    assert!(f[0].help.contains("-XX:+ExitOnOutOfMemoryError"));
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "{JAR}{}{}",
            env("JAVA_TOOL_OPTIONS", OOM_FLAGS),
            limit("4Gi")
        ),
    ));
    assert!(!codes(&r).contains(&"OOM109"), "{:?}", codes(&r));
    // CrashOnOutOfMemoryError and OnOutOfMemoryError also end the JVM.
    for opt in [
        "-XX:+CrashOnOutOfMemoryError",
        "-XX:OnOutOfMemoryError=kill",
    ] {
        let r = run(&pod(
            TEMURIN17,
            &format!("{JAR}{}{}", env("JAVA_TOOL_OPTIONS", opt), limit("4Gi")),
        ));
        assert!(!codes(&r).contains(&"OOM109"), "{opt}");
    }
    // Init containers run to completion: not reported.
    assert!(!codes(&run(INIT)).contains(&"OOM109"));
}

#[test]
fn oom110_no_heap_dump_on_out_of_memory_error() {
    let r = run(&pod(TEMURIN17, &format!("{JAR}{}", limit("4Gi"))));
    let f = only(&r, "OOM110");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].help
            .contains("-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps"),
        "{}",
        f[0].help
    );
    let r = run(&pod(
        TEMURIN17,
        &format!(
            "{JAR}{}{}",
            env("JAVA_TOOL_OPTIONS", OOM_FLAGS),
            limit("4Gi")
        ),
    ));
    assert!(!codes(&r).contains(&"OOM110"), "{:?}", codes(&r));
    assert!(!codes(&run(INIT)).contains(&"OOM110"));
}

const INIT: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - name: migrate\n    image: flyway/flyway:10\n    command: [java, -jar, flyway.jar]\n    resources: {limits: {memory: 1Gi}}\n  containers:\n  - name: app\n    image: nginx\n";

#[test]
fn oom111_openj9_is_not_modelled() {
    let r = run(&pod(
        "ibm-semeru-runtimes:open-17-jre",
        &format!("{JAR}{}", limit("4Gi")),
    ));
    assert_eq!(codes(&r), ["OOM111"], "no HotSpot checks for OpenJ9");
    assert_eq!(r.findings[0].pos.line, 8);
    assert!(
        !r.workloads[0].containers[0]
            .jvm
            .as_ref()
            .unwrap()
            .heap_modelled
    );
    let r = run(&pod(TEMURIN17, &format!("{JAR}{}", limit("4Gi"))));
    assert!(!codes(&r).contains(&"OOM111"));
}

#[test]
fn oom112_options_that_never_reach_the_jvm() {
    let yaml = pod(
        TEMURIN17,
        &format!("{JAR}{}{}", env("JAVA_OPTS", "-Xmx3g"), limit("4Gi")),
    );
    let r = run(&yaml);
    let f = only(&r, "OOM112");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(f[0].pos.line, 12, "points at the JAVA_OPTS value");
    assert!(
        f[0].message
            .contains("JAVA_OPTS is set to `-Xmx3g`, but the command starts `java` directly"),
        "{}",
        f[0].message
    );
    assert!(
        codes(&r).contains(&"OOM103"),
        "the heap is the default, not 3g"
    );
    // Through a shell that expands it, it works.
    let shell = pod(
        TEMURIN17,
        &format!(
            "    command: [sh, -c, 'exec java $JAVA_OPTS -jar a.jar']\n{}{}",
            env("JAVA_OPTS", "-Xmx3g"),
            limit("4Gi")
        ),
    );
    let r = run(&shell);
    assert!(!codes(&r).contains(&"OOM112"), "{:?}", codes(&r));
    assert_eq!(
        r.workloads[0].containers[0]
            .jvm
            .as_ref()
            .unwrap()
            .analysis
            .ergonomics
            .max_heap
            .value,
        3 << 30
    );
}

#[test]
fn non_jvm_containers_get_no_jvm_findings_and_null_jvm() {
    let r = run(&pod("redis:7", &limit("1Gi")));
    assert!(r.findings.is_empty(), "{:?}", codes(&r));
    assert!(r.workloads[0].containers[0].jvm.is_none());
}

#[test]
fn ignore_annotation_covers_jvm_rules() {
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    oomdoc.dev/ignore: OOM109,OOM110\nspec:\n  containers:\n  - name: app\n    image: {TEMURIN17}\n{JAR}{}",
        limit("4Gi")
    );
    assert_eq!(codes(&run(&yaml)), ["OOM103"]);
    let by_name = yaml.replace(
        "OOM109,OOM110",
        "jvm-no-exit-on-out-of-memory, JVM-No-Heap-Dump-On-Out-Of-Memory",
    );
    assert_eq!(codes(&run(&by_name)), ["OOM103"], "names, in any case");
}

#[test]
fn application_images_leave_the_heap_to_their_start_scripts() {
    // Elasticsearch sizes its own heap and sets its out-of-memory options in jvm.options.
    let r = run(&pod(
        "docker.elastic.co/elasticsearch/elasticsearch:8.13.0",
        &limit("4Gi"),
    ));
    assert!(r.findings.is_empty(), "{:?}", codes(&r));
    let jvm = r.workloads[0].containers[0].jvm.as_ref().expect("a JVM");
    assert!(!jvm.heap_modelled);
    assert!(
        jvm.notes.iter().any(|n| n.contains("its own script")),
        "{:?}",
        jvm.notes
    );
    // A heap option the script passes on is seen, and checked.
    let r = run(&pod(
        "docker.elastic.co/elasticsearch/elasticsearch:8.13.0",
        &format!("{}{}", env("ES_JAVA_OPTS", "-Xms4g -Xmx4g"), limit("4Gi")),
    ));
    assert!(codes(&r).contains(&"OOM101"), "{:?}", codes(&r));
}

/// `env` entries `A0` (a 64-byte value) to `A{n}`, each `$(A{i-1})$(A{i-1})`, then `last`.
fn doubling_env(n: usize, last: &str) -> String {
    let mut s = format!(
        "    env:\n    - name: A0\n      value: \"{}\"\n",
        "x".repeat(64)
    );
    for i in 1..=n {
        s.push_str(&format!(
            "    - name: A{i}\n      value: \"$(A{p})$(A{p})\"\n",
            p = i - 1
        ));
    }
    s.push_str(&format!(
        "    - name: JAVA_TOOL_OPTIONS\n      value: \"{last}\"\n"
    ));
    s
}

#[test]
fn oom113_env_too_large_to_evaluate() {
    // 64 B doubled 40 times asks for 64 TiB; the first value past 1 MiB is A15 (2 MiB). It is
    // unknown, so A16 keeps `$(A15)$(A15)` as written (as the kubelet keeps a reference it
    // cannot resolve), and that doubles past 1 MiB again at A33.
    let yaml = pod(
        TEMURIN17,
        &format!("{}{}", doubling_env(40, "$(A40)"), limit("1Gi")),
    );
    let r = run(&yaml);
    let f = only(&r, "OOM113");
    assert_eq!(f.len(), 2, "A15 and A33: {:?}", codes(&r));
    assert!(f[1].message.contains("env A33 "), "{}", f[1].message);
    assert!(
        f[0].message
            .contains("env A15 expands to more than 1Mi ($(VAR) references repeated)"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].pos.line, 11 + 2 * 15, "points at A15's value");
    // Under the cap every value is built: A14 is 1 MiB exactly.
    let r = run(&pod(
        TEMURIN17,
        &format!("{}{}", doubling_env(14, "-Xmx512m"), limit("1Gi")),
    ));
    assert!(!codes(&r).contains(&"OOM113"), "{:?}", codes(&r));
}
