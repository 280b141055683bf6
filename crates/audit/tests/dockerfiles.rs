//! Dockerfiles in the audit: how a Dockerfile is matched to the containers that run its image,
//! merged with them exactly as Kubernetes does (command, args, env, `$(VAR)`), and audited on its
//! own when no container runs it.

mod common;

use common::*;
use oomdoc_audit::{Assumptions, AuditReport, Finding, ImageBinding, MatchedBy};

const SEED_DOCKERFILE: &str = "FROM eclipse-temurin:17-jre\nCOPY admin.jar /app/admin.jar\nENTRYPOINT [\"java\", \"-jar\", \"/app/admin.jar\"]\n";

fn deployment(image: &str, container_rest: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: admin-server, namespace: shop}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: admin\n        image: {image}\n{container_rest}        resources:\n          limits: {{memory: 4Gi}}\n"
    )
}

#[test]
fn dockerfile_matched_by_image_name_gives_jdk_and_entrypoint() {
    let df = dockerfile("admin-server/Dockerfile", "admin-server", SEED_DOCKERFILE);
    let r = run_with(
        &deployment("registry.example.com/shop/admin-server:1.4", ""),
        &[df],
        &[],
        Assumptions::default(),
    );
    let f = only(&r, "OOM103");
    assert_eq!(f.len(), 1, "{:?}", codes(&r));
    assert_eq!(&*f[0].file, "admin-server/Dockerfile");
    assert_eq!(
        (f[0].pos.line, f[0].pos.column),
        (3, 13),
        "the ENTRYPOINT's java"
    );
    assert_eq!(f[0].workload, "Deployment/shop/admin-server");
    assert!(
        f[0].help
            .contains("the Dockerfile's ENTRYPOINT (admin-server/Dockerfile:3)"),
        "{}",
        f[0].help
    );
    let jvm = r.workloads[0].containers[0].jvm.as_ref().unwrap();
    assert!(
        !jvm.jdk_assumed,
        "the base image gives the JDK: {}",
        jvm.jdk_source
    );
    assert_eq!(
        jvm.dockerfile.as_ref().unwrap().matched_by,
        MatchedBy::ImageName
    );
    assert_eq!(r.images.len(), 1);
    assert_eq!(
        r.images[0].used_by,
        [(
            "Deployment/shop/admin-server".to_string(),
            "admin".to_string(),
            MatchedBy::ImageName
        )]
    );
    assert!(r.images[0].jvm.is_none());
    // Without the Dockerfile the custom image shows no JVM at all.
    let r = run(&deployment(
        "registry.example.com/shop/admin-server:1.4",
        "",
    ));
    assert!(r.workloads[0].containers[0].jvm.is_none());
}

#[test]
fn command_replaces_entrypoint_and_cmd_args_replace_cmd() {
    let df_text = "FROM eclipse-temurin:17-jre\nENTRYPOINT [\"java\", \"-Xmx3g\", \"-jar\"]\nCMD [\"a.jar\"]\n";
    let df = || dockerfile("app/Dockerfile", "app", df_text);
    let heap = |r: &AuditReport| {
        r.workloads[0].containers[0]
            .jvm
            .as_ref()
            .unwrap()
            .analysis
            .ergonomics
            .max_heap
            .value
    };
    // Neither: ENTRYPOINT + CMD.
    let r = run_with(
        &deployment("app:1", ""),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(heap(&r), 3 << 30);
    // args only: ENTRYPOINT kept.
    let r = run_with(
        &deployment("app:1", "        args: [b.jar]\n"),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(heap(&r), 3 << 30);
    // command: ENTRYPOINT and CMD both gone.
    let r = run_with(
        &deployment("app:1", "        command: [java, -jar, b.jar]\n"),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(heap(&r), 1 << 30);
    assert!(codes(&r).contains(&"OOM103"));
}

#[test]
fn pod_env_overrides_image_env_and_dollar_paren_sees_only_pod_env() {
    let df = || {
        dockerfile(
            "app/Dockerfile",
            "app",
            "FROM eclipse-temurin:17-jre\nENV JAVA_TOOL_OPTIONS=\"-Xmx3g\" HEAP=-Xmx2g\nENTRYPOINT [\"java\", \"-jar\", \"a.jar\"]\n",
        )
    };
    let heap = |r: &AuditReport| {
        r.workloads[0].containers[0]
            .jvm
            .as_ref()
            .unwrap()
            .analysis
            .ergonomics
            .max_heap
            .value
    };
    let r = run_with(
        &deployment("app:1", ""),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(heap(&r), 3 << 30, "the image's JAVA_TOOL_OPTIONS");
    let pod_env = "        env:\n        - name: JAVA_TOOL_OPTIONS\n          value: -Xmx1g\n";
    let r = run_with(
        &deployment("app:1", pod_env),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(heap(&r), 1 << 30, "the container's env wins");
    // $(HEAP) in command: the kubelet expands from the container's env only.
    let cmd = "        command: [java, $(HEAP), -jar, a.jar]\n        env:\n        - name: JAVA_TOOL_OPTIONS\n          value: -Dx=1\n";
    let r = run_with(
        &deployment("app:1", cmd),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(
        heap(&r),
        1 << 30,
        "$(HEAP) stays unexpanded: the image's ENV is not visible to it"
    );
    let cmd = "        command: [java, $(HEAP), -jar, a.jar]\n        env:\n        - name: HEAP\n          value: -Xmx2g\n";
    let r = run_with(
        &deployment("app:1", cmd),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(heap(&r), 2 << 30);
    // A finding about an option from the image's ENV points into the Dockerfile.
    let df = dockerfile(
        "app/Dockerfile",
        "app",
        "FROM eclipse-temurin:17-jre\nENV JAVA_TOOL_OPTIONS=-Xmx4g\n",
    );
    let r = run_with(
        &deployment("app:1", JAR.replace("    ", "        ").as_str()),
        &[df],
        &[],
        Assumptions::default(),
    );
    let f = only(&r, "OOM101");
    assert_eq!(
        (&*f[0].file, f[0].pos.line, f[0].pos.column),
        ("app/Dockerfile", 2, 23)
    );
}

#[test]
fn image_flag_and_the_only_one_rule() {
    let df = || dockerfile("build/Dockerfile", "build", SEED_DOCKERFILE);
    let r = run_with(
        &deployment("ghcr.io/acme/admin:2.0", ""),
        &[df()],
        &[ImageBinding {
            image: "ghcr.io/acme/admin".into(),
            dockerfile: 0,
        }],
        Assumptions::default(),
    );
    assert_eq!(r.images[0].used_by[0].2, MatchedBy::ImageFlag);
    // One Dockerfile, one image: they go together.
    let r = run_with(
        &deployment("ghcr.io/acme/admin:2.0", ""),
        &[df()],
        &[],
        Assumptions::default(),
    );
    assert_eq!(r.images[0].used_by[0].2, MatchedBy::OnlyOne);
    // Two images: no guess; the Dockerfile is audited on its own.
    let two = format!(
        "{}---\n{}",
        deployment("ghcr.io/acme/admin:2.0", ""),
        pod("nginx:1", "")
    );
    let r = run_with(&two, &[df()], &[], Assumptions::default());
    assert!(r.images[0].used_by.is_empty());
    let alone = r.images[0].jvm.as_ref().expect("audited on its own");
    assert_eq!(
        alone.analysis.ergonomics.max_heap.value,
        4 << 30,
        "25% of the 16Gi node: no limit"
    );
    let mine: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.workload == "Dockerfile/build")
        .collect();
    let c: Vec<&str> = mine.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        c,
        ["OOM109", "OOM110"],
        "only the checks that need no limit"
    );
    assert!(mine[0].container.is_none());
}

#[test]
fn image_on_its_own_reports_an_old_jdk_and_honours_ignore_comments() {
    let df = dockerfile(
        "legacy/Dockerfile",
        "legacy",
        "FROM openjdk:8u181-jre\n# oomdoc.dev/ignore: OOM110\nENTRYPOINT java -jar /app.jar\n",
    );
    let r = run_with("", &[df], &[], Assumptions::default());
    assert_eq!(codes(&r), ["OOM104", "OOM109"]);
    assert_eq!(
        (r.findings[0].pos.line, r.findings[0].pos.column),
        (1, 6),
        "the FROM image"
    );
    assert!(
        r.findings[0].message.contains("image \"legacy\""),
        "{}",
        r.findings[0].message
    );
    assert_eq!(r.findings[1].pos.line, 3, "the shell-form ENTRYPOINT");
    // Rule names work as codes do.
    let df = dockerfile(
        "legacy/Dockerfile",
        "legacy",
        "FROM openjdk:8u181-jre\n# oomdoc.dev/ignore: jvm-no-heap-dump-on-out-of-memory Jvm-Not-Container-Aware\nENTRYPOINT java -jar /app.jar\n",
    );
    let r = run_with("", &[df], &[], Assumptions::default());
    assert_eq!(codes(&r), ["OOM109"]);
    // A key that names no rule silences nothing and is said once, at its comment (OOM011).
    let df = dockerfile(
        "legacy/Dockerfile",
        "legacy",
        "FROM openjdk:8u181-jre\n# oomdoc.dev/ignore: OOM110, OOM9\nENTRYPOINT java -jar /app.jar\n",
    );
    let r = run_with("", &[df], &[], Assumptions::default());
    let unknown: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "OOM011")
        .collect();
    assert_eq!(unknown.len(), 1, "{:?}", codes(&r));
    assert_eq!(unknown[0].pos.line, 2);
    assert_eq!(
        unknown[0].message,
        "the # oomdoc.dev/ignore comment names \"OOM9\", which is no rule (did you mean OOM009?): it silences nothing"
    );
}
