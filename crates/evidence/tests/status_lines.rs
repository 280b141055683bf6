//! Container terminations read line by line (`oomdoc_evidence::status_lines`), one shape per
//! test.

use oomdoc_evidence::pod_names::command_line_pod;
use oomdoc_evidence::status_lines::{status_records, StatusRecord};

fn one(t: &str) -> StatusRecord {
    let r = status_records(t);
    assert_eq!(r.len(), 1, "{r:?}");
    r.into_iter().next().unwrap()
}

#[test]
fn describe_lines_alone() {
    let r = one(
        "    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n",
    );
    assert_eq!(r.reason.as_ref().map(|r| r.as_str()), Some("OOMKilled"));
    assert_eq!(r.exit_code, Some(137));
    assert_eq!(r.cited.unwrap().line, 2);
}

#[test]
fn compact_json_and_go_maps() {
    let r = one(
        r#"{"terminated":{"containerID":"containerd://0123456789abcdef","exitCode":137,"reason":"OOMKilled"}}"#,
    );
    assert_eq!(
        (r.reason.as_ref().map(|r| r.as_str()), r.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(r.container_id.as_deref(), Some("0123456789abcdef"));
    let r =
        one("map[terminated:map[exitCode:137 finishedAt:2020-01-01T00:00:00Z reason:OOMKilled]]");
    assert_eq!(r.reason.as_ref().map(|r| r.as_str()), Some("OOMKilled"));
}

#[test]
fn state_then_last_state_are_two_records() {
    let t = "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n";
    let r = status_records(t);
    assert_eq!(r.len(), 2);
    assert!(!r[0].is_death() && r[1].is_death());
}

#[test]
fn the_pod_of_a_command_line() {
    let c = |l: &str| command_line_pod(l);
    assert_eq!(
        c("$ kubectl describe pod -n shop web-1"),
        Some((Some("shop".into()), "web-1".into()))
    );
    assert_eq!(
        c("kubectl get po web-1 -o yaml | grep -A5 lastState"),
        Some((None, "web-1".into()))
    );
    assert_eq!(
        c("oc logs --previous pod/web-1 -c app"),
        Some((None, "web-1".into()))
    );
    assert_eq!(c("kubectl describe node worker-1"), None);
    assert_eq!(c("kubectl get pods"), None);
    let r = one("$ kubectl describe pod -n shop web-1\n...\n    Last State:     Terminated\n      Reason:       OOMKilled\n");
    assert_eq!(
        (r.namespace.as_deref(), r.pod.as_deref()),
        (Some("shop"), Some("web-1"))
    );
}

#[test]
fn get_pods_rows_and_docker() {
    let r = one("NAME READY STATUS RESTARTS AGE\nweb-1   0/1     OOMKilled   3 (20s ago)   5m\nweb-1   0/1     OOMKilled   4   6m\n");
    assert_eq!(r.pod.as_deref(), Some("web-1"));
    let r = one("2020-01-01T00:00:00Z container oom 3f4e5d6c7b8a9f0e1d2c (image=x, name=y)\n2020-01-01T00:00:00Z container die 3f4e5d6c7b8a9f0e1d2c (exitCode=137, image=x)\n");
    assert_eq!(
        (r.reason.as_ref().map(|r| r.as_str()), r.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    let r = one("            \"OOMKilled\": false,\n            \"Dead\": false,\n            \"Pid\": 0,\n            \"ExitCode\": 137,\n");
    assert_eq!(
        r.reason.as_ref().map(|r| r.as_str()),
        Some("OOMKilled: false")
    );
    assert_eq!(r.exit_code, Some(137));
}
