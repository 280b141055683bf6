use super::*;

fn parse(text: &str) -> (DockerImageSpec, Vec<InputError>) {
    let (spec, errors) = parse_dockerfile(&Arc::from("Dockerfile"), text, &["app".to_string()]);
    (spec.expect("has a FROM"), errors)
}

fn ok(text: &str) -> DockerImageSpec {
    let (spec, errors) = parse(text);
    assert!(errors.is_empty(), "{errors:?}");
    spec
}

fn env(spec: &DockerImageSpec) -> Vec<(&str, &str)> {
    spec.env
        .iter()
        .map(|e| (e.name.as_str(), e.value.value.as_str()))
        .collect()
}

fn argv(c: &Option<ImageCommand>) -> Vec<&str> {
    c.as_ref()
        .map(|c| c.argv.iter().map(|a| a.value.as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn the_seed_before_its_fix() {
    let spec = ok("FROM eclipse-temurin:17-jre\nCOPY admin.jar /app/admin.jar\nENTRYPOINT [\"java\", \"-jar\", \"/app/admin.jar\"]\n");
    assert_eq!(
        spec.base_image.as_ref().unwrap().value,
        "eclipse-temurin:17-jre"
    );
    assert_eq!(spec.base_image.as_ref().unwrap().pos, Pos::new(1, 6));
    assert_eq!(spec.pos, Pos::new(1, 1));
    let e = spec.entrypoint.as_ref().unwrap();
    assert_eq!(e.form, CommandForm::Exec);
    assert_eq!(argv(&spec.entrypoint), ["java", "-jar", "/app/admin.jar"]);
    assert_eq!(e.pos, Pos::new(3, 1));
    assert_eq!(
        e.argv[1].pos,
        Pos::new(3, 21),
        "each string at its opening quote"
    );
    assert!(spec.cmd.is_none());
    assert_eq!(spec.names, ["app"]);
}

#[test]
fn env_forms_and_positions() {
    let spec = ok("FROM x\nENV A=1 B=\"two words\" C='$A'\nENV LEGACY some value here\nENV D=${A}x E=$B\nENV A=replaced\n");
    assert_eq!(
        env(&spec),
        [
            ("B", "two words"),
            ("C", "$A"),
            ("LEGACY", "some value here"),
            ("D", "1x"),
            ("E", "two words"),
            ("A", "replaced")
        ]
    );
    let b = spec.env_var("B").unwrap();
    assert_eq!((b.pos, b.value.pos), (Pos::new(2, 9), Pos::new(2, 11)));
    assert_eq!(spec.env_var("LEGACY").unwrap().value.pos, Pos::new(3, 12));
}

#[test]
fn arg_defaults_and_substitution() {
    let text = "\
ARG JDK=17
ARG BASE=eclipse-temurin
FROM ${BASE}:${JDK}-jre AS run
ARG JDK
ARG HEAP
ENV JAVA_TOOL_OPTIONS=\"-Xmx${HEAP:-512m} -Djdk=$JDK\" OTHER=${UNSET:+x}y
";
    let spec = ok(text);
    assert_eq!(
        spec.base_image.as_ref().unwrap().value,
        "eclipse-temurin:17-jre"
    );
    assert_eq!(spec.stage.as_deref(), Some("run"));
    assert_eq!(
        env(&spec),
        [("JAVA_TOOL_OPTIONS", "-Xmx512m -Djdk=17"), ("OTHER", "y")]
    );
    // A build argument without a default: the image stays as written.
    let spec = ok("ARG BASE\nFROM ${BASE}\n");
    assert_eq!(spec.base_image.unwrap().value, "${BASE}");
    // Variables the Dockerfile does not define may come from the base image: kept as written.
    let spec = ok(
        "FROM x\nARG EMPTY\nENV PATH=/opt/bin:$PATH JH=${JAVA_HOME}/bin U=${NOPE:-d} E=[$EMPTY]\n",
    );
    assert_eq!(
        env(&spec),
        [
            ("PATH", "/opt/bin:$PATH"),
            ("JH", "${JAVA_HOME}/bin"),
            ("U", "d"),
            ("E", "[]")
        ]
    );
}

#[test]
fn continuations_comments_and_escape_directive() {
    let text = "\
FROM eclipse-temurin:21
ENTRYPOINT java \\
  # a comment inside the instruction is dropped

  -XX:MaxRAMPercentage=75.0 \\   
  -jar app.jar
";
    let spec = ok(text);
    let e = spec.entrypoint.as_ref().unwrap();
    assert_eq!(e.form, CommandForm::Shell);
    assert_eq!(
        argv(&spec.entrypoint),
        [
            "/bin/sh",
            "-c",
            "java   -XX:MaxRAMPercentage=75.0   -jar app.jar"
        ]
    );
    assert_eq!(e.argv[2].pos, Pos::new(2, 12));

    let text = "# escape=`\nFROM mcr.microsoft.com/openjdk/jdk:17-windowsservercore\nENV A=C:\\path `\n    B=2\n";
    assert_eq!(env(&ok(text)), [("A", "C:\\path"), ("B", "2")]);
    let text = "# escape=`\nFROM x\nENV P=C:\\dir\\sub\n";
    assert_eq!(
        env(&ok(text)),
        [("P", "C:\\dir\\sub")],
        "backslash is plain text after escape=`"
    );
}

#[test]
fn heredocs_are_skipped() {
    let text = "\
FROM eclipse-temurin:17
RUN <<EOF cat <<-'END'
ENV NOT=this
EOF
\tENTRYPOINT [\"nope\"]
\tEND
COPY <<\"X\" /etc/x
CMD [\"nope\"]
X
CMD [\"java\", \"-jar\", \"a.jar\"]
";
    let spec = ok(text);
    assert!(spec.env.is_empty());
    assert!(spec.entrypoint.is_none());
    assert_eq!(argv(&spec.cmd), ["java", "-jar", "a.jar"]);
    let (_, errors) = parse("FROM x\nRUN <<EOF\necho\n");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.contains("not terminated"),
        "{}",
        errors[0].message
    );
}

#[test]
fn final_stage_inherits_from_earlier_stages() {
    let text = "\
FROM maven:3-eclipse-temurin-17 AS build
RUN mvn package
FROM eclipse-temurin:17-jre AS base
ENV JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=60.0
CMD [\"java\", \"-jar\", \"/app.jar\"]
FROM base
COPY --from=build /target/app.jar /app.jar
ENV EXTRA=1
";
    let spec = ok(text);
    assert_eq!(
        spec.base_image.as_ref().unwrap().value,
        "eclipse-temurin:17-jre"
    );
    assert_eq!(spec.from_stages, ["base"]);
    assert_eq!(spec.pos, Pos::new(6, 1));
    assert_eq!(
        env(&spec),
        [
            ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=60.0"),
            ("EXTRA", "1")
        ]
    );
    assert_eq!(argv(&spec.cmd), ["java", "-jar", "/app.jar"]);

    // ENTRYPOINT in the child drops the inherited CMD, as Docker does.
    let spec = ok(&format!("{text}ENTRYPOINT [\"/run.sh\"]\n"));
    assert!(spec.cmd.is_none());
    let spec = ok(&format!("{text}CMD [\"x\"]\nENTRYPOINT [\"/run.sh\"]\n"));
    assert_eq!(argv(&spec.cmd), ["x"], "a CMD set in the same stage stays");
}

#[test]
fn shell_and_exec_forms() {
    let spec = ok("FROM x\nSHELL [\"/bin/bash\", \"-c\"]\nCMD exec java $JAVA_OPTS -jar app.jar\n");
    assert_eq!(
        argv(&spec.cmd),
        ["/bin/bash", "-c", "exec java $JAVA_OPTS -jar app.jar"]
    );
    // Not valid JSON: shell form, like BuildKit.
    let spec = ok("FROM x\nCMD [java, -jar]\n");
    assert_eq!(argv(&spec.cmd), ["/bin/sh", "-c", "[java, -jar]"]);
    let spec = ok("FROM x\nENTRYPOINT [\"a\\u00e9\\\"b\"]\nCMD []\n");
    assert_eq!(argv(&spec.entrypoint), ["aé\"b"]);
    assert_eq!(spec.cmd.as_ref().unwrap().argv.len(), 0);
}

#[test]
fn labels_give_a_name_and_comments_give_ignores() {
    let text = "FROM x\n# oomdoc.dev/ignore: OOM109, oom110\nLABEL org.opencontainers.image.title=\"Admin-Server\" other=1\n";
    let spec = ok(text);
    assert_eq!(spec.names, ["app", "admin-server"]);
    let keys: Vec<(&str, u32)> = spec
        .ignore
        .iter()
        .map(|k| (k.value.as_str(), k.pos.line))
        .collect();
    assert_eq!(
        keys,
        [("OOM109", 2), ("OOM110", 2)],
        "each key at its comment"
    );
    assert!(spec.matches_image_name("registry.example.com/shop/admin-server:1.4"));
    assert!(!spec.matches_image_name("registry.example.com/shop/admin:1.4"));
}

#[test]
fn bad_input_is_reported_and_reading_goes_on() {
    let (spec, errors) = parse(
        "RUN x\nFROM eclipse-temurin:17\nFROBNICATE\nENV\nENV NAME\nSHELL /bin/bash\nENV OK=1\n",
    );
    let lines: Vec<u32> = errors.iter().map(|e| e.pos.unwrap().line).collect();
    assert_eq!(lines, [1, 3, 4, 5, 6], "{errors:?}");
    assert!(errors[1]
        .message
        .contains("unknown instruction: FROBNICATE"));
    assert_eq!(env(&spec), [("OK", "1")]);
    let (none, errors) = parse_dockerfile(&Arc::from("Dockerfile"), "# just a comment\n", &[]);
    assert!(none.is_none());
    assert!(errors[0].message.contains("no FROM"));
    let (_, errors) = parse_dockerfile(&Arc::from("D"), "# escape=x\nFROM a\n", &[]);
    assert!(errors[0].message.contains("escape"), "{errors:?}");
}

#[test]
fn nothing_panics_on_odd_input() {
    for text in [
        "FROM",
        "FROM a AS",
        "FROM a b",
        "FROM x\nENV A=${",
        "FROM x\nENV A=${B:-${C}",
        "FROM x\nENV A=\"unterminated",
        "FROM x\nENV A=\\",
        "FROM x\nCMD [\"\\ud800\"]",
        "FROM x\nCMD [\"\\u12\"]",
        "FROM x\nRUN <<",
        "FROM x\nRUN <<'",
        "FROM x\nENTRYPOINT \\",
        "\u{feff}FROM x\r\nENV A=1\r\n",
        "FROM x\nENV A=$",
        "FROM x\nENV é=ü ü=${é}",
    ] {
        let _ = parse_dockerfile(&Arc::from("D"), text, &[]);
    }
    let spec = ok("\u{feff}FROM x\r\nENV A=1\r\n");
    assert_eq!(env(&spec), [("A", "1")]);
}
