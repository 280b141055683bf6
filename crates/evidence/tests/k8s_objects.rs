//! Pod objects, events and `kubectl describe pod` text.

use oomdoc_evidence::describe::parse_describe;
use oomdoc_evidence::events::{parse_events, parse_eviction, EventMeaning, Probe};
use oomdoc_evidence::pod_status::{parse_pods, ContainerState};
use oomdoc_model::qos::QosClass;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/k8s/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn pod_yaml_oomkilled_last_state() {
    let text = fixture("pod_oomkilled.yaml");
    let pods = parse_pods(&text).unwrap();
    assert_eq!(pods.len(), 1);
    let p = &pods[0];
    assert_eq!(
        (p.namespace.as_deref(), p.name.as_deref()),
        (Some("backoffice"), Some("admin-7d9f8b6c5-x2x9k"))
    );
    assert_eq!(
        p.uid.as_deref(),
        Some("94eb36cd-29e1-478b-b365-4cb5dfc7d6fb")
    );
    assert_eq!(p.node_name.as_deref(), Some("ip-10-0-1-23.ec2.internal"));
    assert_eq!(p.qos_class, Some(QosClass::Burstable));
    assert_eq!(p.containers.len(), 2);
    let c = &p.containers[0];
    assert_eq!(
        (c.name.as_str(), c.runtime.as_deref(), c.restart_count),
        ("admin", Some("containerd"), Some(3))
    );
    assert_eq!(
        c.container_id.as_deref(),
        Some("46b3e0a4df44b752b841aecca454e6e78995d567912a84950390bae6f6777a63")
    );
    assert_eq!(
        (c.memory_limit_bytes, c.memory_request_bytes),
        (Some(4 << 30), Some(2 << 30))
    );
    let t = c.last_state.as_ref().unwrap().terminated().unwrap();
    assert_eq!(
        (t.reason.as_ref().map(|r| r.as_str()), t.exit_code, t.signal),
        (Some("OOMKilled"), Some(137), None)
    );
    assert_eq!(
        (t.started_at.as_deref(), t.finished_at.as_deref()),
        (Some("2026-11-28T00:10:12Z"), Some("2026-11-28T01:02:03Z"))
    );
    assert_eq!(
        t.container_id.as_deref(),
        Some("0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d")
    );
    assert_eq!(t.cited.line, 39);
    assert_eq!(t.cited.text.trim(), "reason: OOMKilled");
    assert!(matches!(c.state, Some(ContainerState::Running { .. })));
    assert_eq!(p.containers[1].memory_limit_bytes, Some(1 << 30));
    assert!(p.containers[1].last_state.is_none());
}

#[test]
fn pod_list_json_error_137_and_eviction() {
    let pods = parse_pods(&fixture("podlist.json")).unwrap();
    assert_eq!(pods.len(), 2);
    let w = &pods[0].containers[0];
    assert_eq!(
        (w.runtime.as_deref(), w.restart_count),
        (Some("cri-o"), Some(7))
    );
    let t = w.last_state.as_ref().unwrap().terminated().unwrap();
    assert_eq!(
        (t.reason.as_ref().map(|r| r.as_str()), t.exit_code),
        (Some("Error"), Some(137))
    );
    assert!(
        matches!(&w.state, Some(ContainerState::Waiting { reason: Some(r) }) if r == "CrashLoopBackOff")
    );
    assert_eq!(pods[0].qos_class, Some(QosClass::BestEffort));
    let e = &pods[1];
    assert_eq!(
        (e.phase.as_deref(), e.reason.as_ref().map(|r| r.as_str())),
        (Some("Failed"), Some("Evicted"))
    );
    let ev = e.eviction.as_ref().unwrap();
    assert_eq!(
        (
            ev.resource.as_str(),
            ev.threshold.as_deref(),
            ev.available.as_deref()
        ),
        ("memory", Some("100Mi"), Some("51200Ki"))
    );
    assert_eq!(
        ev.containers,
        [(
            "redis".to_string(),
            "1843Mi".to_string(),
            "256Mi".to_string()
        )]
    );
    assert_eq!(e.containers[0].memory_request_bytes, Some(256 << 20));
    assert_eq!(
        e.containers[0]
            .state
            .as_ref()
            .unwrap()
            .terminated()
            .unwrap()
            .reason
            .as_ref()
            .map(|r| r.as_str()),
        Some("ContainerStatusUnknown")
    );
}

#[test]
fn eviction_wordings() {
    let old = parse_eviction("The node was low on resource: memory. Container app was using 1Gi, which exceeds its request of 512Mi. ").unwrap();
    assert_eq!(
        old.containers,
        [("app".into(), "1Gi".into(), "512Mi".into())]
    );
    assert_eq!(old.threshold, None);
    let new = parse_eviction("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container app was using 1Gi, request is 512Mi, has larger consumption of memory. Container side was using 300Mi, request is 0, has larger consumption of memory. ").unwrap();
    assert_eq!(new.containers.len(), 2);
    assert_eq!(
        (new.threshold.as_deref(), new.available.as_deref()),
        (Some("100Mi"), Some("50Mi"))
    );
    assert_eq!(
        new.containers[1],
        ("side".into(), "300Mi".into(), "0".into())
    );
    let es = parse_eviction("The node was low on resource: ephemeral-storage. Threshold quantity: 2Gi, available: 1Gi. ").unwrap();
    assert_eq!(es.resource, "ephemeral-storage");
    assert!(parse_eviction("Pod was rejected").is_none());
}

#[test]
fn events_json_every_reason() {
    let ev = parse_events(&fixture("events.json")).unwrap();
    assert_eq!(ev.len(), 6);
    match &ev[0].meaning {
        EventMeaning::OomKilling(Some(k)) => assert_eq!(
            (k.pid, k.comm.as_str(), k.anon_rss_kb),
            (48213, "java", Some(4_153_648))
        ),
        m => panic!("{m:?}"),
    }
    assert_eq!(ev[0].source.as_deref(), Some("kernel-monitor"));
    assert_eq!(
        ev[1].meaning,
        EventMeaning::SystemOom {
            victim: Some("java".into()),
            pid: Some(48213)
        }
    );
    assert_eq!(
        (ev[1].count, ev[1].last_timestamp.as_deref()),
        (Some(2), Some("2026-11-28T01:09:00Z"))
    );
    assert!(
        matches!(&ev[2].meaning, EventMeaning::Evicted(Some(e)) if e.containers[0].2 == "256Mi")
    );
    assert_eq!(
        ev[2].object_uid.as_deref(),
        Some("0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d")
    );
    assert_eq!(
        ev[3].meaning,
        EventMeaning::ProbeKill {
            container: "app".into(),
            probe: Some(Probe::Liveness)
        }
    );
    assert_eq!(ev[3].field_path.as_deref(), Some("spec.containers{app}"));
    assert_eq!(
        ev[4].meaning,
        EventMeaning::Unhealthy(Some(Probe::Liveness))
    );
    assert_eq!(
        ev[5].meaning,
        EventMeaning::BackOff {
            container: Some("worker".into())
        }
    );
    assert!(ev[0].cited.text.contains("\"reason\": \"OOMKilling\""));
}

#[test]
fn events_yaml_old_systemoom_and_old_probe_wording() {
    let ev = parse_events(&fixture("events.yaml")).unwrap();
    assert_eq!(ev.len(), 3);
    assert_eq!(
        ev[0].meaning,
        EventMeaning::SystemOom {
            victim: None,
            pid: None
        }
    );
    assert_eq!(ev[1].meaning, EventMeaning::NodeMemoryPressure);
    assert_eq!(
        ev[2].meaning,
        EventMeaning::ProbeKill {
            container: "api".into(),
            probe: None
        }
    );
    assert_eq!(ev[2].cited.text.trim(), "reason: Killing");
}

#[test]
fn describe_pod_oomkilled_with_events() {
    let (pods, events) = parse_describe(&fixture("describe_pod.txt"));
    assert_eq!(pods.len(), 1);
    let p = &pods[0];
    assert_eq!(
        (p.namespace.as_deref(), p.node_name.as_deref(), p.qos_class),
        (
            Some("backoffice"),
            Some("ip-10-0-1-23.ec2.internal"),
            Some(QosClass::Burstable)
        )
    );
    let c = &p.containers[0];
    assert_eq!(
        (
            c.name.as_str(),
            c.restart_count,
            c.memory_limit_bytes,
            c.memory_request_bytes
        ),
        ("admin", Some(3), Some(4 << 30), Some(2 << 30))
    );
    assert_eq!(
        c.container_id.as_deref(),
        Some("46b3e0a4df44b752b841aecca454e6e78995d567912a84950390bae6f6777a63")
    );
    let t = c.last_state.as_ref().unwrap().terminated().unwrap();
    assert_eq!(
        (
            t.reason.as_ref().map(|r| r.as_str()),
            t.exit_code,
            t.finished_at.as_deref()
        ),
        (
            Some("OOMKilled"),
            Some(137),
            Some("Sat, 28 Nov 2026 01:02:03 +0000")
        )
    );
    assert_eq!(t.cited.line, 25);
    assert_eq!(events.len(), 5);
    assert_eq!((events[0].count, events[2].count), (Some(4), Some(10)));
    assert_eq!(
        events[2].meaning,
        EventMeaning::BackOff {
            container: Some("admin".into())
        }
    );
    assert_eq!(
        events[3].meaning,
        EventMeaning::Unhealthy(Some(Probe::Liveness))
    );
    assert_eq!(
        events[4].meaning,
        EventMeaning::ProbeKill {
            container: "admin".into(),
            probe: Some(Probe::Liveness)
        }
    );
    assert_eq!(events[4].source.as_deref(), Some("kubelet"));
}

#[test]
fn describe_evicted_pod() {
    let (pods, events) = parse_describe(&fixture("describe_evicted.txt"));
    let p = &pods[0];
    assert_eq!(
        (p.phase.as_deref(), p.reason.as_ref().map(|r| r.as_str())),
        (Some("Failed"), Some("Evicted"))
    );
    assert_eq!(p.eviction.as_ref().unwrap().containers[0].1, "1843Mi");
    let t = p.containers[0]
        .state
        .as_ref()
        .unwrap()
        .terminated()
        .unwrap();
    assert_eq!(
        (t.reason.as_ref().map(|r| r.as_str()), t.exit_code),
        (Some("ContainerStatusUnknown"), Some(137))
    );
    assert_eq!(p.containers[0].memory_request_bytes, Some(256 << 20));
    assert!(matches!(&events[0].meaning, EventMeaning::Evicted(Some(_))));
    assert_eq!(
        events[1].meaning,
        EventMeaning::Killing {
            container: Some("redis".into())
        }
    );
}

#[test]
fn yaml_syntax_error_has_a_line() {
    let e = parse_pods("kind: Pod\nmetadata: [\n").unwrap_err();
    assert!(e.line().is_some_and(|l| l >= 2), "{e:?}");
}
