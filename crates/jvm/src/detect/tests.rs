use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// `doExpansionTest` from kubernetes/kubernetes `third_party/forked/golang/expansion/expand_test.go`.
#[test]
fn kubernetes_expansion_table() {
    let context = [
        ("VAR_A", "A"),
        ("VAR_B", "B"),
        ("VAR_C", "C"),
        ("VAR_REF", "$(VAR_A)"),
        ("VAR_EMPTY", ""),
    ];
    let lookup = |n: &str| {
        context
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.to_string())
    };
    let cases = [
        ("whole string", "$(VAR_A)", "A"),
        ("repeat", "$(VAR_A)-$(VAR_A)", "A-A"),
        ("beginning", "$(VAR_A)-1", "A-1"),
        ("middle", "___$(VAR_B)___", "___B___"),
        ("end", "___$(VAR_C)", "___C"),
        ("compound", "$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
        ("escape & expand", "$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
        (
            "compound escape",
            "$$(VAR_A)_$$(VAR_B)",
            "$(VAR_A)_$(VAR_B)",
        ),
        ("mixed in escapes", "f000-$$VAR_A", "f000-$VAR_A"),
        ("backslash escape ignored", "foo\\$(VAR_C)bar", "foo\\Cbar"),
        (
            "backslash escape ignored",
            "foo\\\\$(VAR_C)bar",
            "foo\\\\Cbar",
        ),
        (
            "lots of backslashes",
            "foo\\\\\\\\$(VAR_A)bar",
            "foo\\\\\\\\Abar",
        ),
        (
            "nested var references",
            "$(VAR_A$(VAR_B))",
            "$(VAR_A$(VAR_B))",
        ),
        (
            "nested var references second type",
            "$(VAR_A$(VAR_B)",
            "$(VAR_A$(VAR_B)",
        ),
        ("value is a reference", "$(VAR_REF)", "$(VAR_A)"),
        (
            "value is a reference x 2",
            "%%$(VAR_REF)--$(VAR_REF)%%",
            "%%$(VAR_A)--$(VAR_A)%%",
        ),
        ("empty var", "foo$(VAR_EMPTY)bar", "foobar"),
        (
            "unterminated expression",
            "foo$(VAR_Awhoops!",
            "foo$(VAR_Awhoops!",
        ),
        (
            "expression without operator",
            "f00__(VAR_A)__",
            "f00__(VAR_A)__",
        ),
        ("shell special vars pass through", "$?_boo_$!", "$?_boo_$!"),
        ("bare operators are ignored", "$VAR_A", "$VAR_A"),
        (
            "undefined vars are passed through",
            "$(VAR_DNE)",
            "$(VAR_DNE)",
        ),
        (
            "multiple (even) operators, var undefined",
            "$$$$$$(BIG_MONEY)",
            "$$$(BIG_MONEY)",
        ),
        (
            "multiple (even) operators, var defined",
            "$$$$$$(VAR_A)",
            "$$$(VAR_A)",
        ),
        (
            "multiple (odd) operators, var undefined",
            "$$$$$$$(GOOD_ODDS)",
            "$$$$(GOOD_ODDS)",
        ),
        (
            "multiple (odd) operators, var defined",
            "$$$$$$$(VAR_A)",
            "$$$A",
        ),
        ("missing open expression", "$VAR_A)", "$VAR_A)"),
        ("shell syntax ignored", "${VAR_A}", "${VAR_A}"),
        (
            "trailing incomplete expression not consumed",
            "$(VAR_B)_______$(A",
            "B_______$(A",
        ),
        (
            "trailing incomplete expression, no content, is not consumed",
            "$(VAR_C)_______$(",
            "C_______$(",
        ),
        (
            "operator at end of input string is preserved",
            "$(VAR_A)foobarzab$",
            "Afoobarzab$",
        ),
        (
            "shell escaped incomplete expr",
            "foo-\\$(VAR_A",
            "foo-\\$(VAR_A",
        ),
        ("lots of $( in middle", "--$($($($($--", "--$($($($($--"),
        (
            "lots of $( in beginning",
            "$($($($($--foo$(",
            "$($($($($--foo$(",
        ),
        ("lots of $( at end", "foo0--$($($($(", "foo0--$($($($("),
        (
            "escaped operators in variable names are not escaped",
            "$(foo$$var)",
            "$(foo$$var)",
        ),
        ("newline not expanded", "\n", "\n"),
    ];
    for (name, input, want) in cases {
        assert_eq!(expand(input, &lookup), want, "{name}");
    }
}

/// `TestMapReference`: env values refer to earlier ones.
#[test]
fn env_refers_to_earlier_env() {
    let env = vec![
        ("FOO".to_string(), Some("bar".to_string())),
        ("ZOO".to_string(), Some("$(FOO)-1".to_string())),
        ("BLU".to_string(), Some("$(ZOO)-2".to_string())),
        ("LATER".to_string(), Some("$(NEXT)".to_string())),
        ("NEXT".to_string(), Some("x".to_string())),
    ];
    let r = resolve_env(&env);
    let get = |k: &str| r.iter().find(|(n, _)| n == k).unwrap().1.clone().unwrap();
    assert_eq!(get("ZOO"), "bar-1");
    assert_eq!(get("BLU"), "bar-1-2");
    assert_eq!(get("LATER"), "$(NEXT)");
}

#[test]
fn images() {
    let v = |s: &str| JdkVersion::parse(s).unwrap();
    let cases: &[(&str, Option<&str>, Option<JdkVersion>, bool)] = &[
        (
            "openjdk:8u181-jre",
            Some("OpenJDK"),
            Some(v("8u181")),
            false,
        ),
        (
            "openjdk:11.0.16-jre-slim",
            Some("OpenJDK"),
            Some(v("11.0.16")),
            false,
        ),
        ("openjdk:17-jdk-slim", Some("OpenJDK"), Some(v("17")), false),
        (
            "docker.io/library/openjdk:8-jre-alpine",
            Some("OpenJDK"),
            Some(v("8")),
            false,
        ),
        (
            "eclipse-temurin:17-jre",
            Some("Eclipse Temurin"),
            Some(v("17")),
            false,
        ),
        (
            "eclipse-temurin:17.0.9_9-jre-jammy",
            Some("Eclipse Temurin"),
            Some(v("17.0.9")),
            false,
        ),
        (
            "eclipse-temurin:8u372-b07-jre",
            Some("Eclipse Temurin"),
            Some(v("8u372")),
            false,
        ),
        (
            "eclipse-temurin:21",
            Some("Eclipse Temurin"),
            Some(v("21")),
            false,
        ),
        ("eclipse-temurin", Some("Eclipse Temurin"), None, false),
        (
            "amazoncorretto:11.0.16",
            Some("Amazon Corretto"),
            Some(v("11.0.16")),
            false,
        ),
        (
            "public.ecr.aws/amazoncorretto/amazoncorretto:17-al2023",
            Some("Amazon Corretto"),
            Some(v("17")),
            false,
        ),
        (
            "ibm-semeru-runtimes:open-17-jre",
            Some("IBM Semeru (OpenJ9)"),
            Some(v("17")),
            true,
        ),
        (
            "ibm-semeru-runtimes:open-11.0.20_8-jdk-focal",
            Some("IBM Semeru (OpenJ9)"),
            Some(v("11.0.20")),
            true,
        ),
        (
            "bellsoft/liberica-openjdk-debian:17",
            Some("BellSoft Liberica"),
            Some(v("17")),
            false,
        ),
        (
            "bellsoft/liberica-openjre-alpine:11.0.20",
            Some("BellSoft Liberica"),
            Some(v("11.0.20")),
            false,
        ),
        (
            "azul/zulu-openjdk:17",
            Some("Azul Zulu"),
            Some(v("17")),
            false,
        ),
        (
            "azul/zulu-openjdk-alpine:11.0.20-jre",
            Some("Azul Zulu"),
            Some(v("11.0.20")),
            false,
        ),
        (
            "gcr.io/distroless/java17-debian12",
            Some("distroless Java"),
            Some(v("17")),
            false,
        ),
        (
            "gcr.io/distroless/java17-debian12:nonroot",
            Some("distroless Java"),
            Some(v("17")),
            false,
        ),
        (
            "gcr.io/distroless/java:11",
            Some("distroless Java"),
            Some(v("11")),
            false,
        ),
        (
            "bitnami/java:17.0.9-debian-11-r1",
            Some("Bitnami Java"),
            Some(v("17.0.9")),
            false,
        ),
        (
            "adoptopenjdk/openjdk11-openj9:alpine",
            Some("AdoptOpenJDK"),
            Some(v("11")),
            true,
        ),
        (
            "mcr.microsoft.com/openjdk/jdk:17-ubuntu",
            Some("Microsoft Build of OpenJDK"),
            Some(v("17")),
            false,
        ),
        (
            "tomcat:10.1-jdk21-temurin",
            Some("tomcat"),
            Some(v("21")),
            false,
        ),
        (
            "jenkins/jenkins:lts-jdk17",
            Some("jenkins"),
            Some(v("17")),
            false,
        ),
        (
            "maven:3.9-eclipse-temurin-17",
            Some("maven"),
            Some(v("17")),
            false,
        ),
        (
            "docker.elastic.co/elasticsearch/elasticsearch:8.11.1",
            Some("elasticsearch"),
            None,
            false,
        ),
        ("bitnami/kafka:3.6", Some("kafka"), None, false),
        ("confluentinc/cp-kafka:7.5.0", Some("cp-kafka"), None, false),
        (
            "quay.io/keycloak/keycloak:23.0",
            Some("keycloak"),
            None,
            false,
        ),
        ("nginx:1.25", None, None, false),
        ("python:3.12-slim", None, None, false),
        (
            "registry.local:5000/team/api@sha256:abcd",
            None,
            None,
            false,
        ),
    ];
    for (image, jvm, jdk, openj9) in cases {
        let info = image_info(image);
        assert_eq!(info.jvm, *jvm, "{image}");
        assert_eq!(&info.jdk, jdk, "{image}");
        assert_eq!(info.openj9, *openj9, "{image}");
    }
}

#[test]
fn java_in_command_and_shell() {
    let d = detect(&ContainerInput {
        image: "registry/app:1.0".into(),
        command: s(&["java"]),
        args: s(&[
            "-Xmx$(HEAP)",
            "-XX:+UseG1GC",
            "-cp",
            "/app",
            "-Dx=$$(HOME)",
            "com.example.Main",
            "-Xmx9g",
        ]),
        env: vec![("HEAP".into(), Some("2g".into()))],
    });
    assert!(d.is_jvm);
    assert_eq!(
        d.sources,
        vec![(
            FlagSource::CommandLine,
            s(&["-Xmx2g", "-XX:+UseG1GC", "-Dx=$(HOME)"])
        )]
    );

    let d = detect(&ContainerInput {
        image: "eclipse-temurin:17-jre".into(),
        command: s(&["sh", "-c"]),
        args: s(&["exec java $JAVA_OPTS -Xss512k -jar /app.jar --spring.profiles.active=prod"]),
        env: vec![(
            "JAVA_OPTS".into(),
            Some("-XX:MaxRAMPercentage=75.0 -Xms1g".into()),
        )],
    });
    assert!(d.is_jvm);
    assert_eq!(d.jdk, Some(JdkVersion::latest(17)));
    assert!(d.sources.contains(&(
        FlagSource::ScriptVariable("JAVA_OPTS".into()),
        s(&["-XX:MaxRAMPercentage=75.0", "-Xms1g"])
    )));
    assert!(d
        .sources
        .contains(&(FlagSource::CommandLine, s(&["-Xss512k"]))));
}

#[test]
fn env_sources_and_unread_java_opts() {
    let d = detect(&ContainerInput {
        image: "openjdk:8u181-jre".into(),
        command: s(&["java", "-jar", "/app.jar"]),
        args: vec![],
        env: vec![
            (
                "JAVA_TOOL_OPTIONS".into(),
                Some("-XX:+UseContainerSupport".into()),
            ),
            ("JAVA_OPTS".into(), Some("-Xmx2g".into())),
            ("_JAVA_OPTIONS".into(), None),
        ],
    });
    assert!(d.is_jvm);
    assert_eq!(d.jdk, Some(JdkVersion::new(8, 181)));
    assert!(d.sources.contains(&(
        FlagSource::JavaToolOptions,
        s(&["-XX:+UseContainerSupport"])
    )));
    assert!(!d
        .sources
        .iter()
        .any(|(src, _)| matches!(src, FlagSource::ScriptVariable(_))));
    assert!(d
        .notes
        .iter()
        .any(|n| n.contains("JAVA_OPTS is set but `java` is started directly")));
    assert!(d
        .notes
        .iter()
        .any(|n| n.contains("_JAVA_OPTIONS comes from a secret")));
}

#[test]
fn image_entrypoint_and_app_variables() {
    let d = detect(&ContainerInput {
        image: "docker.elastic.co/elasticsearch/elasticsearch:8.11.1".into(),
        command: vec![],
        args: vec![],
        env: vec![("ES_JAVA_OPTS".into(), Some("-Xms2g -Xmx2g".into()))],
    });
    assert!(d.is_jvm);
    assert!(d.sources.contains(&(
        FlagSource::ScriptVariable("ES_JAVA_OPTS".into()),
        s(&["-Xms2g", "-Xmx2g"])
    )));
    assert!(d.jdk.is_none());

    let d = detect(&ContainerInput {
        image: "nginx:1.25".into(),
        command: s(&["nginx", "-g", "daemon off;"]),
        ..Default::default()
    });
    assert!(!d.is_jvm);
    assert!(d.sources.is_empty());

    let d = detect(&ContainerInput {
        image: "ibm-semeru-runtimes:open-17-jre".into(),
        ..Default::default()
    });
    assert!(d.is_jvm && d.runtime == Runtime::OpenJ9);
    assert!(d.notes.iter().any(|n| n.contains("not modelled")));
}

#[test]
fn java_options_stop_at_main_class() {
    let argv = s(&[
        "-server",
        "--add-opens",
        "java.base/java.lang=ALL-UNNAMED",
        "-Xmx1g",
        "-jar",
        "app.jar",
        "-Xmx2g",
    ]);
    assert_eq!(java_options(&argv), s(&["-server", "-Xmx1g"]));
    assert_eq!(
        java_options(&s(&["-m", "mod/main", "-Xmx1g"])),
        Vec::<String>::new()
    );
}

proptest::proptest! {
    /// Expansion never panics and text without `$` is unchanged.
    #[test]
    fn expansion_total(input in "[a-z$()\\\\ é]{0,24}") {
        let lookup = |n: &str| if n == "a" { Some("X".to_string()) } else { None };
        let out = expand(&input, &lookup);
        if !input.contains('$') {
            proptest::prop_assert_eq!(out, input);
        }
    }

    /// Undefined variables and escapes round-trip: `$$` halves, `$(x)` stays.
    #[test]
    fn undefined_is_literal(name in "[A-Z_]{1,8}") {
        let lookup = |_: &str| None;
        let text = format!("$({name})");
        proptest::prop_assert_eq!(expand(&text, &lookup), text.clone());
        proptest::prop_assert_eq!(expand(&format!("${text}"), &lookup), text);
    }
}

#[test]
fn a_doubling_chain_of_variables_stops_at_the_budget() {
    let mut env: Vec<(String, Option<String>)> = vec![("A0".into(), Some("x".repeat(32)))];
    for i in 1..40 {
        env.push((format!("A{i}"), Some(format!("$(A{})$(A{})", i - 1, i - 1))));
    }
    let resolved = resolve_env(&env);
    // 32 * 2^15 = 1 MiB is the last value built; the next one is unknown (and a reference to
    // an unknown value stays as written, as Kubernetes leaves it): nothing grows past the budget.
    assert_eq!(resolved[15].1.as_ref().map(String::len), Some(MAX_EXPANDED));
    assert_eq!(resolved[16].1, None);
    assert_eq!(resolved[17].1.as_deref(), Some("$(A16)$(A16)"));
    assert!(resolved
        .iter()
        .filter_map(|(_, v)| v.as_ref())
        .all(|v| v.len() <= MAX_EXPANDED));
}

#[test]
fn a_redefined_variable_moves_to_the_end_and_later_values_see_the_new_one() {
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    };
    assert_eq!(
        resolve_env(&env(&[
            ("A", "1"),
            ("B", "$(A)"),
            ("A", "2"),
            ("C", "$(A)")
        ])),
        env(&[("B", "1"), ("A", "2"), ("C", "2")])
    );
    // Thousands of variables, each naming the one before (the lookups were linear scans once).
    let many: Vec<(String, String)> = (0..50_000)
        .map(|i| (format!("V{i}"), format!("$(V{})", i.max(1) - 1)))
        .collect();
    let pairs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = resolve_env(&env(&pairs));
    assert_eq!(out.len(), 50_000);
    assert_eq!(out[2].1.as_deref(), Some("$(V0)"));
}
