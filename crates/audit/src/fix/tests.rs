//! The planner on small texts: each kind of edit, in block and flow style, and what it refuses.

use std::sync::Arc;

use oomdoc_model::span::Pos;

use super::{apply, plan, Action, Anchor, Change, NewValue};

fn fixed(text: &str, actions: Vec<Action>) -> Result<String, String> {
    let changes: Vec<Change> = actions
        .into_iter()
        .map(|action| Change {
            file: Arc::from("f"),
            action,
        })
        .collect();
    let refs: Vec<&Change> = changes.iter().collect();
    plan(text, &refs)
        .map(|e| apply(text, &e))
        .map_err(|e| e.to_string())
}

fn keys(anchor: Anchor, path: &[&str], value: &str) -> Action {
    Action::AddKeys {
        anchor,
        path: path.iter().map(|s| s.to_string()).collect(),
        value: NewValue::Scalar(value.into()),
    }
}

#[test]
fn a_requests_block_added_under_resources_after_its_last_key() {
    let text = "c:\n  resources:   # r\n    limits:\n      memory: 1Gi\n\n    # end\n  image: x\n";
    let got = fixed(
        text,
        vec![keys(
            Anchor::Key(Pos::new(2, 3)),
            &["requests", "memory"],
            "1Gi",
        )],
    );
    assert_eq!(
        got.unwrap(),
        "c:\n  resources:   # r\n    limits:\n      memory: 1Gi\n    requests:\n      memory: 1Gi\n\n    # end\n  image: x\n"
    );
}

#[test]
fn a_resources_block_added_to_a_container_item() {
    let text = "- name: app\n  image: x\n- name: b\n";
    let got = fixed(
        text,
        vec![keys(
            Anchor::Node(Pos::new(1, 3)),
            &["resources", "requests", "memory"],
            "512Mi",
        )],
    );
    assert_eq!(
        got.unwrap(),
        "- name: app\n  image: x\n  resources:\n    requests:\n      memory: 512Mi\n- name: b\n"
    );
}

#[test]
fn flow_mappings_get_a_quoted_key_first() {
    let text = "r: {limits: {memory: 1Gi}}\n";
    let got = fixed(
        text,
        vec![keys(
            Anchor::Key(Pos::new(1, 1)),
            &["requests", "memory"],
            "1Gi",
        )],
    );
    assert_eq!(
        got.unwrap(),
        "r: {\"requests\": {\"memory\": \"1Gi\"}, limits: {memory: 1Gi}}\n"
    );
    let empty = fixed(
        "e: {}\n",
        vec![keys(Anchor::Key(Pos::new(1, 1)), &["sizeLimit"], "1Gi")],
    );
    assert_eq!(empty.unwrap(), "e: {\"sizeLimit\": \"1Gi\"}\n");
}

#[test]
fn a_key_already_written_is_refused() {
    let text = "r:\n  requests: {}\n  limits:\n    memory: 1Gi\n";
    let got = fixed(
        text,
        vec![keys(
            Anchor::Key(Pos::new(1, 1)),
            &["requests", "memory"],
            "1Gi",
        )],
    );
    assert!(got.unwrap_err().contains("`requests` is already written"));
}

#[test]
fn scalars_keep_their_quotes_and_comments_and_crlf_stays() {
    let text = "a: '256m' # c\r\nb: \"x\"\r\nc: 7\r\n";
    let set = |line, col, v: &str| Action::SetScalar {
        at: Pos::new(line, col),
        value: v.into(),
    };
    let got = fixed(
        text,
        vec![set(1, 4, "256Mi"), set(2, 4, "y"), set(3, 4, "8")],
    );
    assert_eq!(got.unwrap(), "a: '256Mi' # c\r\nb: \"y\"\r\nc: 8\r\n");
    let block = fixed("a: |\n  x\n", vec![set(1, 4, "y")]);
    assert!(block.unwrap_err().contains("block scalar"));
    let folded = fixed("a: x\n  y\n", vec![set(1, 4, "z")]);
    assert!(folded.unwrap_err().contains("several lines"));
}

fn option(line: u32, col: u32, o: &str, after: Option<&str>, docker: bool) -> Action {
    Action::AddOption {
        at: Pos::new(line, col),
        option: o.into(),
        replaces: None,
        after: after.map(str::to_string),
        argv_item: false,
        dockerfile: docker,
    }
}

#[test]
fn dockerfile_env_values_in_every_form() {
    let o = "-XX:+ExitOnOutOfMemoryError";
    let eq = fixed(
        "ENV JAVA_TOOL_OPTIONS=-Xss1m\n",
        vec![option(1, 23, o, None, true)],
    );
    assert_eq!(
        eq.unwrap(),
        format!("ENV JAVA_TOOL_OPTIONS=\"-Xss1m {o}\"\n")
    );
    let legacy = fixed(
        "ENV JAVA_OPTS -Xss1m -Xmx1g\n",
        vec![option(1, 15, o, None, true)],
    );
    assert_eq!(
        legacy.unwrap(),
        format!("ENV JAVA_OPTS -Xss1m -Xmx1g {o}\n")
    );
    let shell = fixed(
        "CMD java -jar app.jar\n",
        vec![option(1, 5, o, Some("java"), true)],
    );
    assert_eq!(shell.unwrap(), format!("CMD java {o} -jar app.jar\n"));
    let added = fixed(
        "FROM eclipse-temurin:17\nCMD [\"java\"]",
        vec![Action::DockerEnv {
            after_line: 1,
            name: "JAVA_TOOL_OPTIONS".into(),
            value: o.into(),
        }],
    );
    assert_eq!(
        added.unwrap(),
        format!("FROM eclipse-temurin:17\nENV JAVA_TOOL_OPTIONS=\"{o}\"\nCMD [\"java\"]")
    );
}

#[test]
fn options_for_one_string_and_one_container_become_one_edit() {
    let text = "env:\n- name: A\n  value: x\n";
    let env = |v: &str| Action::AddEnv {
        container: Pos::new(1, 1),
        first: Some(Pos::new(2, 3)),
        name: "JAVA_TOOL_OPTIONS".into(),
        value: v.into(),
    };
    let got = fixed(
        text,
        vec![
            env("-XX:+ExitOnOutOfMemoryError"),
            env("-XX:MaxRAMPercentage=60.0"),
        ],
    );
    assert_eq!(
        got.unwrap(),
        "env:\n- name: JAVA_TOOL_OPTIONS\n  value: \"-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=60.0\"\n- name: A\n  value: x\n"
    );
    let same = fixed(
        "v: -Xmx1g\n",
        vec![
            option(1, 4, "-Xmx2g", None, false),
            option(1, 4, "-Xss1m", None, false),
        ],
    );
    assert_eq!(same.unwrap(), "v: -Xmx2g -Xss1m\n");
}
