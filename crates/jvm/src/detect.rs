//! Is this container a JVM, which JDK, and which options reach it from where.
//!
//! Pure: the caller passes the image, command, args and env as plain strings (from a manifest or
//! a Dockerfile); nothing is read or run.
//!
//! - `$(VAR)` in command and args is expanded exactly as the kubelet does
//!   (`third_party/forked/golang/expansion`): `$$` is a literal `$`, an undefined variable stays
//!   as written, env values may refer to variables defined before them.
//! - The JVM is found as the program (`java`, `/usr/bin/java`, `exec java`) of the command or
//!   of a `sh -c` / `bash -c` script, or, when the command is the image's own entrypoint, from
//!   the image name (JDK images and well-known JVM applications).
//! - Options come from the `java` arguments (up to the main class or `-jar`), from
//!   `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `_JAVA_OPTIONS`, and from variables that start
//!   scripts put on the command line (`JAVA_OPTS`, `CATALINA_OPTS`, `ES_JAVA_OPTS` …; see
//!   [`SCRIPT_VARIABLES`]), expanded when a shell script names them (`$JAVA_OPTS`).

use crate::flags::FlagSource;
use crate::version::JdkVersion;

mod launch;
use launch::Launch;

/// A container as the manifest (or Dockerfile) writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerInput {
    /// `image`, e.g. `eclipse-temurin:17-jre`.
    pub image: String,
    /// `command` (the entrypoint); empty means the image's own.
    pub command: Vec<String>,
    /// `args`; empty means the image's CMD (when `command` is empty too).
    pub args: Vec<String>,
    /// `env` in order: name and value; `None` for a value from a secret, config map or field
    /// reference, which cannot be known from the manifest.
    pub env: Vec<(String, Option<String>)>,
}

/// Which JVM implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// OpenJDK HotSpot (Temurin, Corretto, Zulu, Liberica, Microsoft, Red Hat …): modelled.
    HotSpot,
    /// Eclipse OpenJ9 (IBM Semeru): other heap defaults, not modelled here.
    OpenJ9,
}

/// What detection found.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// A JVM runs in this container.
    pub is_jvm: bool,
    /// Why it is thought to be (or not to be) a JVM, one line per clue.
    pub evidence: Vec<String>,
    /// HotSpot or OpenJ9.
    pub runtime: Runtime,
    /// The JDK version, when the image tag says it.
    pub jdk: Option<JdkVersion>,
    /// Where the version came from, or why it is unknown.
    pub jdk_evidence: String,
    /// Option lists by source, in the order found (see [`crate::flags::JvmFlags::parse`]).
    pub sources: Vec<(FlagSource, Vec<String>)>,
    /// Things the model cannot see or had to assume.
    pub notes: Vec<String>,
}

/// Variables that well-known start scripts put on the `java` command line, and who reads them.
/// The JVM itself never reads these.
pub const SCRIPT_VARIABLES: &[(&str, &str)] = &[
    ("JAVA_OPTS", "a convention of many start scripts (Tomcat catalina.sh, Jenkins, WildFly, Keycloak, Spring Boot launch scripts)"),
    ("CATALINA_OPTS", "Tomcat's catalina.sh"),
    ("ES_JAVA_OPTS", "Elasticsearch's start script"),
    ("LS_JAVA_OPTS", "Logstash's start script"),
    ("KAFKA_HEAP_OPTS", "Kafka's kafka-run-class.sh (kafka-server-start.sh defaults it to -Xmx1G -Xms1G when unset)"),
    ("KAFKA_OPTS", "Kafka's kafka-run-class.sh"),
    ("KAFKA_JVM_PERFORMANCE_OPTS", "Kafka's kafka-run-class.sh"),
    ("JVM_OPTS", "Cassandra's cassandra-env.sh"),
    ("SOLR_JAVA_MEM", "Solr's bin/solr (default -Xms512m -Xmx512m)"),
    ("SERVER_JVMFLAGS", "ZooKeeper's zkServer.sh"),
    ("JVMFLAGS", "ZooKeeper's zkEnv.sh"),
    ("JAVA_OPTS_APPEND", "Red Hat / Keycloak images' run-java.sh"),
    ("HADOOP_OPTS", "Hadoop's scripts"),
    ("SPARK_DAEMON_JAVA_OPTS", "Spark's daemon scripts"),
    ("FLINK_ENV_JAVA_OPTS", "Flink's config.sh"),
    ("SONAR_WEB_JAVAOPTS", "SonarQube's web process"),
];

/// The longest value `$(VAR)` expansion builds: 1 MiB. Kubernetes itself bounds an object to
/// about 1.5 MB, but expansion can double it at every variable (`A1=$(A0)$(A0)`, 39 times is
/// 2^39 bytes from a 2 KB manifest); a value past this is not evaluated (unknown) rather than
/// built.
pub const MAX_EXPANDED: usize = 1 << 20;

/// `$(VAR)` expansion exactly as Kubernetes does it (`expansion.Expand`): `lookup` gives a
/// variable's value, `None` leaves `$(NAME)` as written. A result past [`MAX_EXPANDED`] is not
/// built: the input is returned as written (see [`expand_bounded`]).
pub fn expand(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    expand_bounded(input, lookup).unwrap_or_else(|| input.to_string())
}

/// [`expand`], or `None` when the result would be longer than [`MAX_EXPANDED`].
pub fn expand_bounded(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let b = input.as_bytes();
    let mut out = String::with_capacity(input.len().min(MAX_EXPANDED));
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            out.push_str(&input[checkpoint..cursor]);
            let (read, is_var, advance) = try_read_variable_name(&input[cursor + 1..]);
            if is_var {
                match lookup(&read) {
                    Some(v) if out.len() + v.len() > MAX_EXPANDED => return None,
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push_str("$(");
                        out.push_str(&read);
                        out.push(')');
                    }
                }
            } else {
                out.push_str(&read);
            }
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.push_str(&input[checkpoint..]);
    (out.len() <= MAX_EXPANDED).then_some(out)
}

/// `tryReadVariableName`: (text to write or the name, is a variable name, bytes consumed after
/// the operator).
fn try_read_variable_name(input: &str) -> (String, bool, usize) {
    match input.as_bytes()[0] {
        // An escaped operator: `$$` writes one `$`.
        b'$' => ("$".into(), false, 1),
        b'(' => match input[1..].find(')') {
            Some(i) => (input[1..i + 1].to_string(), true, i + 2),
            // Incomplete reference: `$(` is written and scanning goes on after the `$`.
            None => ("$(".into(), false, 1),
        },
        _ => {
            // Not an expression: the operator and the next character are written. (Go turns the
            // next byte into a rune, which garbles a non-ASCII character; this keeps it whole.)
            let n = input.chars().next().map_or(1, char::len_utf8);
            (format!("${}", &input[..n]), false, n)
        }
    }
}

/// The container's environment with each value expanded against the variables defined before
/// it, as the kubelet does (`makeEnvironmentVariables`). `None` stays unknown.
pub fn resolve_env(env: &[(String, Option<String>)]) -> Vec<(String, Option<String>)> {
    // A redefined name moves to the end (its earlier slot is emptied); the map gives each
    // name's live slot, so a pod with thousands of variables is not quadratic.
    let mut done: Vec<Option<(String, Option<String>)>> = Vec::with_capacity(env.len());
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (name, value) in env {
        // A value too large to build is unknown, as an unset one is.
        let v = value.as_ref().and_then(|v| {
            let lookup = |n: &str| {
                at.get(n)
                    .and_then(|&i| done[i].as_ref())
                    .and_then(|(_, v)| v.clone())
            };
            expand_bounded(v, &lookup)
        });
        if let Some(old) = at.insert(name, done.len()) {
            done[old] = None;
        }
        done.push(Some((name.clone(), v)));
    }
    done.into_iter().flatten().collect()
}

/// What an image reference says about the JVM inside.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageInfo {
    /// The image is a JDK/JRE or a well-known JVM application.
    pub jvm: Option<&'static str>,
    /// The JDK version its tag or name gives.
    pub jdk: Option<JdkVersion>,
    /// OpenJ9 rather than HotSpot.
    pub openj9: bool,
}

const JDK_IMAGES: &[(&str, &str)] = &[
    ("eclipse-temurin", "Eclipse Temurin"),
    ("amazoncorretto", "Amazon Corretto"),
    ("ibm-semeru-runtimes", "IBM Semeru (OpenJ9)"),
    ("liberica", "BellSoft Liberica"),
    ("zulu", "Azul Zulu"),
    ("sapmachine", "SapMachine"),
    ("adoptopenjdk", "AdoptOpenJDK"),
    ("mcr.microsoft.com/openjdk", "Microsoft Build of OpenJDK"),
    ("ubi8/openjdk", "Red Hat OpenJDK"),
    ("ubi9/openjdk", "Red Hat OpenJDK"),
    ("distroless/java", "distroless Java"),
    ("bitnami/java", "Bitnami Java"),
    (
        "paketobuildpacks",
        "Paketo (memory calculator sets -Xmx at startup)",
    ),
    // Last: vendor names above contain "openjdk" too.
    ("openjdk", "OpenJDK"),
];

const JVM_APPS: &[&str] = &[
    "tomcat",
    "jetty",
    "elasticsearch",
    "logstash",
    "kafka",
    "cp-kafka",
    "cp-server",
    "zookeeper",
    "cp-zookeeper",
    "cassandra",
    "solr",
    "jenkins",
    "sonarqube",
    "keycloak",
    "neo4j",
    "flink",
    "spark",
    "hadoop",
    "wildfly",
    "jboss",
    "nexus3",
    "maven",
    "gradle",
    "sbt",
    "open-liberty",
    "websphere-liberty",
    "payara",
    "glassfish",
    "tomee",
    "activemq",
    "artemis",
    "nifi",
    "trino",
    "presto",
    "hivemq",
    "opensearch",
    "graylog",
    "jira",
    "confluence",
    "bitbucket",
    "teamcity-server",
    "youtrack",
    "druid",
    "pinot",
    "ignite",
    "hazelcast",
    "geode",
    "camunda",
    "metabase",
];

/// Reads what an image reference tells: vendor, JVM application, version, OpenJ9.
pub fn image_info(image: &str) -> ImageInfo {
    let image = image
        .split('@')
        .next()
        .unwrap_or(image)
        .to_ascii_lowercase();
    let (repo, tag) = match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => (&image[..i], &image[i + 1..]),
        _ => (image.as_str(), ""),
    };
    let name = repo.rsplit('/').next().unwrap_or(repo);
    let openj9 = repo.contains("semeru")
        || repo.contains("openj9")
        || tag.contains("openj9")
        || name == "open-liberty"
        || name == "websphere-liberty";
    let vendor = JDK_IMAGES.iter().find(|(key, _)| {
        if key.contains('/') {
            repo.contains(key)
        } else {
            name.contains(key) || repo.split('/').any(|p| p.contains(key))
        }
    });
    let mut jdk = None;
    if let Some((key, _)) = vendor {
        // The version leads the tag (17-jre, 8u181-jre, 17.0.9_9-jre-jammy, open-17-jre) or sits
        // in the name (distroless java17-debian12, openjdk11-openj9).
        let t = tag
            .strip_prefix("open-")
            .or_else(|| tag.strip_prefix("jre-"))
            .or_else(|| tag.strip_prefix("jdk-"))
            .unwrap_or(tag);
        jdk = leading_version(t);
        if jdk.is_none() {
            jdk = embedded_version(name).filter(|_| *key != "openjdk" || name != "openjdk");
        }
    }
    if jdk.is_none() {
        // tomcat:10.1-jdk21-temurin, jenkins/jenkins:lts-jdk17, maven:3.9-eclipse-temurin-17, gradle:8-jdk17
        jdk = embedded_version(tag);
    }
    let app = if vendor.is_none() {
        JVM_APPS
            .iter()
            .find(|a| name == **a || name.starts_with(&format!("{a}-")))
            .copied()
    } else {
        None
    };
    ImageInfo {
        jvm: vendor.map(|(_, v)| *v).or(app),
        jdk,
        openj9,
    }
}

/// True when `image` is a well-known JVM application (Tomcat, Kafka, Elasticsearch …) rather
/// than a JDK image: its start script, not the JVM's defaults, may size the heap.
pub fn is_jvm_application_image(image: &str) -> bool {
    image_info(image).jvm.is_some_and(|j| JVM_APPS.contains(&j))
}

fn leading_version(t: &str) -> Option<JdkVersion> {
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    JdkVersion::parse(t).ok().filter(|v| v.feature >= 6)
}

/// `jdk21`, `jre-17`, `java17`, `temurin-17`, `openjdk11` inside a longer string.
fn embedded_version(s: &str) -> Option<JdkVersion> {
    for marker in [
        "jdk", "jre", "java", "temurin", "corretto", "zulu", "liberica", "semeru", "openjdk",
    ] {
        let mut from = 0;
        while let Some(i) = s[from..].find(marker) {
            let after = &s[from + i + marker.len()..];
            let after = after.strip_prefix(['-', '_']).unwrap_or(after);
            let end = after
                .find(|c: char| {
                    !(c.is_ascii_digit() || c == '.' || c == 'u' || c == '_' || c == '+')
                })
                .unwrap_or(after.len());
            if let Some(v) =
                leading_version(&after[..end]).filter(|v| (6..=40).contains(&v.feature))
            {
                return Some(v);
            }
            from += i + marker.len();
        }
    }
    None
}

fn is_java_program(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word);
    base == "java"
}

fn is_shell(word: &str) -> bool {
    matches!(
        word.rsplit('/').next().unwrap_or(word),
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh"
    )
}

/// The JVM options in a `java` argument list (after the program): everything up to the main
/// class, `-jar FILE`, `-m`/`--module`, or `--source`-launched file. Options that take a
/// separate value (`-cp X`, `--add-opens X` …) are skipped with it.
pub fn java_options(argv: &[String]) -> Vec<String> {
    const WITH_VALUE: &[&str] = &[
        "-cp",
        "-classpath",
        "--class-path",
        "-p",
        "--module-path",
        "--upgrade-module-path",
        "--add-modules",
        "--limit-modules",
        "--add-reads",
        "--add-exports",
        "--add-opens",
        "--patch-module",
        "--enable-native-access",
        "--source",
    ];
    let mut out = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        if a == "-jar" || a == "-m" || a == "--module" || !a.starts_with('-') {
            break;
        }
        if WITH_VALUE.contains(&a.as_str()) {
            i += 2;
            continue;
        }
        out.push(a.clone());
        i += 1;
    }
    out
}

/// What the image tag says of the JDK, for the report.
fn jdk_evidence(info: &ImageInfo, is_jvm: bool) -> String {
    match &info.jdk {
        Some(v) if v.update_assumed => format!(
            "the image tag gives JDK {} (update not given: the newest, {}.0.{}, assumed)",
            v.feature, v.feature, v.update
        ),
        Some(v) => format!("the image tag gives JDK {v}"),
        None if is_jvm => "the image does not say which JDK it holds".into(),
        None => String::new(),
    }
}

/// Detects the JVM in `c`.
pub fn detect(c: &ContainerInput) -> Detection {
    let env = resolve_env(&c.env);
    let lookup = |n: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == n)
            .and_then(|(_, v)| v.clone())
    };
    let command: Vec<String> = c.command.iter().map(|s| expand(s, &lookup)).collect();
    let args: Vec<String> = c.args.iter().map(|s| expand(s, &lookup)).collect();
    let argv: Vec<String> = command.iter().chain(args.iter()).cloned().collect();
    let info = image_info(&c.image);
    let mut launch = Launch::default();
    launch.command_line(&argv, &env);
    if !launch.java_found {
        if let Some(what) = info.jvm {
            launch.evidence.push(format!("the image is {what}"));
            if !argv.is_empty() {
                launch.notes.push("the command does not start `java` directly; assumed it (or the image's entrypoint) does".into());
            }
        }
    }
    launch.option_variables(&env);
    launch.script_variables(&env, &argv);
    let Launch {
        mut evidence,
        mut notes,
        sources,
        java_found,
        ..
    } = launch;
    let is_jvm = java_found
        || info.jvm.is_some()
        || sources
            .iter()
            .any(|(s, o)| *s != FlagSource::CommandLine && !o.is_empty());
    if is_jvm && !java_found && info.jvm.is_none() {
        evidence.push("JVM option variables are set".into());
    }
    let runtime = if info.openj9 {
        Runtime::OpenJ9
    } else {
        Runtime::HotSpot
    };
    if is_jvm && runtime == Runtime::OpenJ9 {
        notes.push("OpenJ9 (IBM Semeru) sizes its heap differently (e.g. 75% of a container limit above 2 GiB); its defaults are not modelled, so the HotSpot figures do not apply".into());
    }
    if info.jvm.is_some_and(|v| v.starts_with("Paketo")) {
        notes.push("Paketo's memory calculator computes -Xmx and other limits at container start from the limit; those options are not visible here".into());
    }
    let jdk_evidence = jdk_evidence(&info, is_jvm);
    Detection {
        is_jvm,
        evidence,
        runtime,
        jdk: info.jdk,
        jdk_evidence,
        sources,
        notes,
    }
}

#[cfg(test)]
mod tests;
