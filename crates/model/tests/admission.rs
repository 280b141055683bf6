//! `admit`: API defaulting (`pkg/apis/core/v1/defaults.go`) and LimitRange admission
//! (`plugin/pkg/admission/limitranger/admission.go`), checked value by value with sources.
//!
//! The three sub-cases of Kubernetes' `TestMergePodResourceRequirements` (limitranger
//! `admission_test.go`) are ported at the end; the rest are oomdoc's cases built from the source.

mod common;

use common::*;
use oomdoc_model::admission::{admit, round_up_milli, ContainerKind, EffectiveResources, Source};
use oomdoc_model::oom_score::{oom_score_adj, ContainerRef};
use oomdoc_model::pod::{LimitRange, ResourceList};
use oomdoc_model::qos::{pod_qos, QosClass};
use oomdoc_model::span::Spanned;

fn empty() -> ResourceList {
    rl("", "")
}

/// The admitted resources of `containers[0]`.
fn only(pod: &oomdoc_model::pod::PodSpec, ranges: &[&LimitRange]) -> EffectiveResources {
    admit(pod, ranges).containers[0].resources.clone()
}

#[test]
fn limit_only_container_gets_request_equal_to_limit() {
    let pod = spec(vec![mc("app", rs(empty(), rl("1", "1Gi")))], vec![]);
    let admitted = admit(&pod, &[]);
    let r = &admitted.containers[0].resources;
    assert_eq!(qty(&r.requests.cpu), Some(q("1")));
    assert_eq!(qty(&r.requests.memory), Some(q("1Gi")));
    assert_eq!(source(&r.requests.memory), Some(Source::Limit));
    assert_eq!(r.requests.memory.as_ref().unwrap().pos, None);
    // The limit itself stays as written, with its position.
    assert_eq!(source(&r.limits.memory), Some(Source::Manifest));
    assert_eq!(r.limits.memory.as_ref().unwrap().pos, Some(AT));
    // Stored, such a pod is Guaranteed (built directly, without defaulting, it would be Burstable).
    assert_eq!(pod_qos(&admitted), QosClass::Guaranteed);
}

#[test]
fn limit_copies_only_the_missing_request() {
    let pod = spec(vec![mc("app", rs(rl("", "256Mi"), rl("2", "1Gi")))], vec![]);
    let r = only(&pod, &[]);
    assert_eq!(qty(&r.requests.memory), Some(q("256Mi")));
    assert_eq!(source(&r.requests.memory), Some(Source::Manifest));
    assert_eq!(qty(&r.requests.cpu), Some(q("2")));
    assert_eq!(source(&r.requests.cpu), Some(Source::Limit));
}

#[test]
fn limit_range_default_and_default_request_apply() {
    let lr = limit_range(
        "defaults",
        vec![item(
            rl("500m", "512Mi"),
            rl("100m", "256Mi"),
            empty(),
            empty(),
        )],
    );
    let pod = spec(vec![mc("app", rs(empty(), empty()))], vec![]);
    let r = only(&pod, &[&lr]);
    assert_eq!(qty(&r.limits.memory), Some(q("512Mi")));
    assert_eq!(qty(&r.requests.memory), Some(q("256Mi")));
    assert_eq!(qty(&r.limits.cpu), Some(q("500m")));
    assert_eq!(qty(&r.requests.cpu), Some(q("100m")));
    for v in [
        &r.limits.memory,
        &r.requests.memory,
        &r.limits.cpu,
        &r.requests.cpu,
    ] {
        let v = v.as_ref().unwrap();
        assert_eq!(v.source, Source::LimitRange);
        assert_eq!(v.limit_range.as_deref(), Some("test/defaults"));
        assert_eq!(v.pos, None);
    }
}

#[test]
fn default_request_falls_back_to_default() {
    let lr = limit_range("lr", vec![item(rl("", "1Gi"), empty(), empty(), empty())]);
    let r = only(&spec(vec![mc("app", rs(empty(), empty()))], vec![]), &[&lr]);
    assert_eq!(qty(&r.requests.memory), Some(q("1Gi")));
    assert_eq!(qty(&r.limits.memory), Some(q("1Gi")));
}

#[test]
fn default_request_falls_back_to_min_only_without_default_or_max() {
    let lr = limit_range("lr", vec![item(empty(), empty(), empty(), rl("", "64Mi"))]);
    let r = only(&spec(vec![mc("app", rs(empty(), empty()))], vec![]), &[&lr]);
    assert_eq!(qty(&r.requests.memory), Some(q("64Mi")));
    assert_eq!(qty(&r.limits.memory), None);
    // With a max, the default limit is the max and the default request follows the default limit,
    // not the min (SetDefaults_LimitRangeItem: Max -> Default -> DefaultRequest, then Min).
    let lr = limit_range(
        "lr",
        vec![item(empty(), empty(), rl("", "2Gi"), rl("", "64Mi"))],
    );
    let r = only(&spec(vec![mc("app", rs(empty(), empty()))], vec![]), &[&lr]);
    assert_eq!(qty(&r.limits.memory), Some(q("2Gi")));
    assert_eq!(qty(&r.requests.memory), Some(q("2Gi")));
}

#[test]
fn max_is_the_default_limit() {
    let lr = limit_range(
        "lr",
        vec![item(empty(), rl("", "128Mi"), rl("", "1Gi"), empty())],
    );
    let r = only(&spec(vec![mc("app", rs(empty(), empty()))], vec![]), &[&lr]);
    assert_eq!(qty(&r.limits.memory), Some(q("1Gi")));
    assert_eq!(qty(&r.requests.memory), Some(q("128Mi")));
}

#[test]
fn request_only_container_gets_a_default_limit() {
    let lr = limit_range(
        "lr",
        vec![item(rl("", "512Mi"), rl("", "256Mi"), empty(), empty())],
    );
    let r = only(
        &spec(vec![mc("app", rs(rl("", "300Mi"), empty()))], vec![]),
        &[&lr],
    );
    assert_eq!(qty(&r.requests.memory), Some(q("300Mi")));
    assert_eq!(source(&r.requests.memory), Some(Source::Manifest));
    assert_eq!(qty(&r.limits.memory), Some(q("512Mi")));
    assert_eq!(source(&r.limits.memory), Some(Source::LimitRange));
}

#[test]
fn limit_only_container_keeps_its_limit_as_request_under_a_limit_range() {
    // Defaulting runs when the request is decoded, before admission: the LimitRange's default
    // request never reaches a container that has a limit.
    let lr = limit_range(
        "lr",
        vec![item(rl("", "512Mi"), rl("", "128Mi"), empty(), empty())],
    );
    let r = only(
        &spec(vec![mc("app", rs(empty(), rl("", "1Gi")))], vec![]),
        &[&lr],
    );
    assert_eq!(qty(&r.requests.memory), Some(q("1Gi")));
    assert_eq!(source(&r.requests.memory), Some(Source::Limit));
    assert_eq!(qty(&r.limits.memory), Some(q("1Gi")));
}

#[test]
fn init_containers_and_sidecars_get_limit_range_defaults() {
    let lr = limit_range(
        "lr",
        vec![item(rl("", "512Mi"), rl("", "256Mi"), empty(), empty())],
    );
    let pod = spec(
        vec![mc("app", rs(empty(), empty()))],
        vec![
            mc("migrate", rs(empty(), empty())),
            msidecar("proxy", rs(empty(), rl("", "64Mi"))),
        ],
    );
    let admitted = admit(&pod, &[&lr]);
    let migrate = &admitted.init_containers[0];
    assert_eq!(migrate.kind, ContainerKind::Init);
    assert_eq!(qty(&migrate.resources.requests.memory), Some(q("256Mi")));
    assert_eq!(qty(&migrate.resources.limits.memory), Some(q("512Mi")));
    let proxy = &admitted.init_containers[1];
    assert_eq!(proxy.kind, ContainerKind::Sidecar);
    assert_eq!(qty(&proxy.resources.requests.memory), Some(q("64Mi")));
    assert_eq!(
        source(&proxy.resources.requests.memory),
        Some(Source::Limit)
    );
    assert_eq!(qty(&proxy.resources.limits.memory), Some(q("64Mi")));
}

#[test]
fn only_restart_policy_always_makes_a_sidecar() {
    let mut on_failure = mc("job", rs(empty(), empty()));
    on_failure.restart_policy = Some(Spanned::new("OnFailure".to_string(), AT));
    let pod = spec(
        vec![mc("app", rs(empty(), empty()))],
        vec![on_failure, msidecar("proxy", rs(empty(), empty()))],
    );
    let admitted = admit(&pod, &[]);
    assert_eq!(admitted.containers[0].kind, ContainerKind::Regular);
    assert_eq!(admitted.init_containers[0].kind, ContainerKind::Init);
    assert_eq!(admitted.init_containers[1].kind, ContainerKind::Sidecar);
}

#[test]
fn within_one_limit_range_the_last_item_wins() {
    let lr = limit_range(
        "lr",
        vec![
            item(rl("1", "1Gi"), rl("500m", "512Mi"), empty(), empty()),
            item(rl("", "2Gi"), empty(), empty(), empty()),
        ],
    );
    let r = only(&spec(vec![mc("app", rs(empty(), empty()))], vec![]), &[&lr]);
    // The second item overwrites memory: default 2Gi, and its defaulted defaultRequest (= 2Gi).
    assert_eq!(qty(&r.limits.memory), Some(q("2Gi")));
    assert_eq!(qty(&r.requests.memory), Some(q("2Gi")));
    // cpu is only in the first item.
    assert_eq!(qty(&r.limits.cpu), Some(q("1")));
    assert_eq!(qty(&r.requests.cpu), Some(q("500m")));
}

#[test]
fn across_limit_ranges_the_first_that_sets_a_value_wins() {
    let first = limit_range(
        "first",
        vec![item(rl("", "1Gi"), rl("", "256Mi"), empty(), empty())],
    );
    let second = limit_range(
        "second",
        vec![item(rl("2", "4Gi"), rl("1", "2Gi"), empty(), empty())],
    );
    let r = only(
        &spec(vec![mc("app", rs(empty(), empty()))], vec![]),
        &[&first, &second],
    );
    assert_eq!(qty(&r.limits.memory), Some(q("1Gi")));
    assert_eq!(
        r.limits.memory.as_ref().unwrap().limit_range.as_deref(),
        Some("test/first")
    );
    assert_eq!(qty(&r.requests.memory), Some(q("256Mi")));
    // cpu is only in the second one.
    assert_eq!(qty(&r.limits.cpu), Some(q("2")));
    assert_eq!(
        r.limits.cpu.as_ref().unwrap().limit_range.as_deref(),
        Some("test/second")
    );
    assert_eq!(qty(&r.requests.cpu), Some(q("1")));
    // The other order.
    let r = only(
        &spec(vec![mc("app", rs(empty(), empty()))], vec![]),
        &[&second, &first],
    );
    assert_eq!(qty(&r.limits.memory), Some(q("4Gi")));
    assert_eq!(qty(&r.requests.memory), Some(q("2Gi")));
}

#[test]
fn pod_level_requests_default_from_pod_level_limits() {
    let mut pod = spec(vec![mc("app", rs(empty(), empty()))], vec![]);
    pod.resources = Some(rs(empty(), rl("2", "1Gi")));
    let admitted = admit(&pod, &[]);
    let r = admitted.pod_resources.as_ref().unwrap();
    assert_eq!(qty(&r.requests.cpu), Some(q("2")));
    assert_eq!(qty(&r.requests.memory), Some(q("1Gi")));
    assert_eq!(source(&r.requests.memory), Some(Source::Limit));
    // Containers are untouched.
    assert_eq!(
        admitted.containers[0].resources,
        EffectiveResources::default()
    );
    assert_eq!(pod_qos(&admitted), QosClass::Guaranteed);
}

#[test]
fn pod_level_requests_default_from_aggregated_container_requests() {
    // cpu: containers request it -> aggregated (100m + 200m); memory: no container requests it ->
    // the pod-level limit.
    let mut pod = spec(
        vec![
            mc("a", rs(rl("100m", ""), empty())),
            mc("b", rs(rl("200m", ""), empty())),
        ],
        vec![],
    );
    pod.resources = Some(rs(empty(), rl("1", "1Gi")));
    let admitted = admit(&pod, &[]);
    let r = admitted.pod_resources.as_ref().unwrap();
    assert_eq!(qty(&r.requests.cpu), Some(q("300m")));
    assert_eq!(source(&r.requests.cpu), Some(Source::Defaulted));
    assert_eq!(qty(&r.requests.memory), Some(q("1Gi")));
    assert_eq!(source(&r.requests.memory), Some(Source::Limit));
    assert_eq!(pod_qos(&admitted), QosClass::Burstable);
}

#[test]
fn pod_level_aggregation_uses_requests_defaulted_from_container_limits() {
    let mut pod = spec(
        vec![
            mc("a", rs(empty(), rl("", "300Mi"))),
            mc("b", rs(rl("", "200Mi"), empty())),
        ],
        vec![],
    );
    pod.resources = Some(rs(empty(), rl("", "1Gi")));
    let r = admit(&pod, &[]).pod_resources.unwrap();
    assert_eq!(qty(&r.requests.memory), Some(q("500Mi")));
}

#[test]
fn pod_level_aggregation_follows_the_sidecar_formula() {
    // Regular 100Mi + sidecar 50Mi = 150Mi; init phase: 400Mi (no sidecar before it) -> 400Mi.
    let mut pod = spec(
        vec![mc("app", rs(rl("", "100Mi"), empty()))],
        vec![
            mc("migrate", rs(rl("", "400Mi"), empty())),
            msidecar("proxy", rs(rl("", "50Mi"), empty())),
        ],
    );
    pod.resources = Some(rs(empty(), rl("", "1Gi")));
    assert_eq!(
        qty(&admit(&pod, &[]).pod_resources.unwrap().requests.memory),
        Some(q("400Mi"))
    );
    // Sidecar declared first: the init container needs 400Mi + 50Mi.
    pod.init_containers.reverse();
    assert_eq!(
        qty(&admit(&pod, &[]).pod_resources.unwrap().requests.memory),
        Some(q("450Mi"))
    );
    // A 600Mi sidecar declared first: the init container needs 400Mi + 600Mi, more than
    // app + proxy (700Mi).
    pod.init_containers[0].resources.requests = rl("", "600Mi");
    assert_eq!(
        qty(&admit(&pod, &[]).pod_resources.unwrap().requests.memory),
        Some(q("1000Mi"))
    );
}

#[test]
fn pod_level_requests_are_not_defaulted_without_pod_level_limits() {
    let mut pod = spec(vec![mc("a", rs(rl("100m", "100Mi"), empty()))], vec![]);
    pod.resources = Some(rs(rl("1", ""), empty()));
    let r = admit(&pod, &[]).pod_resources.unwrap();
    assert_eq!(qty(&r.requests.cpu), Some(q("1")));
    assert_eq!(qty(&r.requests.memory), None);
    assert_eq!(r.limits, Default::default());
}

#[test]
fn pod_level_requests_set_are_kept() {
    let mut pod = spec(vec![mc("a", rs(rl("", "100Mi"), empty()))], vec![]);
    pod.resources = Some(rs(rl("", "512Mi"), rl("", "1Gi")));
    let r = admit(&pod, &[]).pod_resources.unwrap();
    assert_eq!(qty(&r.requests.memory), Some(q("512Mi")));
    assert_eq!(source(&r.requests.memory), Some(Source::Manifest));
}

#[test]
fn pod_level_defaulting_runs_before_the_limit_range() {
    // The container's memory request comes from the LimitRange, after SetDefaults_Pod: the
    // pod-level request defaults to the pod-level limit, not to the LimitRange's 256Mi.
    let lr = limit_range("lr", vec![item(empty(), rl("", "256Mi"), empty(), empty())]);
    let mut pod = spec(vec![mc("app", rs(empty(), empty()))], vec![]);
    pod.resources = Some(rs(empty(), rl("", "1Gi")));
    let admitted = admit(&pod, &[&lr]);
    assert_eq!(
        qty(&admitted.pod_resources.as_ref().unwrap().requests.memory),
        Some(q("1Gi"))
    );
    assert_eq!(
        qty(&admitted.containers[0].resources.requests.memory),
        Some(q("256Mi"))
    );
    assert_eq!(
        source(&admitted.containers[0].resources.requests.memory),
        Some(Source::LimitRange)
    );
}

#[test]
fn the_limit_range_does_not_default_pod_level_resources() {
    let lr = limit_range("lr", vec![item(rl("1", "1Gi"), empty(), empty(), empty())]);
    let mut pod = spec(vec![mc("app", rs(empty(), empty()))], vec![]);
    pod.resources = Some(rs(rl("500m", ""), empty()));
    let admitted = admit(&pod, &[&lr]);
    let r = admitted.pod_resources.as_ref().unwrap();
    assert_eq!(qty(&r.limits.memory), None);
    assert_eq!(qty(&r.requests.memory), None);
}

#[test]
fn quantities_are_rounded_up_to_milli() {
    // SetDefaults_ResourceList: 100.1m and 100.2m both become 101m, so the container is Guaranteed.
    let pod = spec(
        vec![mc("app", rs(rl("100.1m", "1Gi"), rl("100.2m", "1Gi")))],
        vec![],
    );
    let admitted = admit(&pod, &[]);
    let r = &admitted.containers[0].resources;
    assert_eq!(qty(&r.requests.cpu), Some(q("101m")));
    assert_eq!(qty(&r.limits.cpu), Some(q("101m")));
    assert_eq!(source(&r.requests.cpu), Some(Source::Manifest));
    assert_eq!(pod_qos(&admitted), QosClass::Guaranteed);
    assert_eq!(round_up_milli(q("0.0001")), q("1m"));
    assert_eq!(round_up_milli(q("1Gi")), q("1Gi"));
    assert_eq!(round_up_milli(q("1.5")), q("1500m"));
}

#[test]
fn admission_then_oom_score_for_a_limit_range_default() {
    // A container with no resources in a namespace whose LimitRange sets a 1Gi request and a 2Gi
    // limit is Burstable with 1000 - 1000*1Gi/16Gi = 938.
    let lr = limit_range(
        "lr",
        vec![item(rl("", "2Gi"), rl("", "1Gi"), empty(), empty())],
    );
    let admitted = admit(&spec(vec![mc("app", rs(empty(), empty()))], vec![]), &[&lr]);
    let qos = pod_qos(&admitted);
    assert_eq!(qos, QosClass::Burstable);
    assert_eq!(
        oom_score_adj(&admitted, qos, ContainerRef::Regular(0), 16 << 30),
        938
    );
}

#[test]
fn pod_fields_pass_through() {
    let mut pod = spec(vec![mc("app", rs(empty(), empty()))], vec![]);
    pod.priority = Some(7);
    pod.priority_class_name = Some(Spanned::new("high".to_string(), AT));
    pod.static_or_mirror = true;
    pod.status_qos_class = Some("Burstable".to_string());
    pod.overhead_memory = Some(Spanned::new(q("120Mi"), AT));
    let admitted = admit(&pod, &[]);
    assert_eq!(admitted.priority, Some(7));
    assert_eq!(admitted.priority_class_name.as_deref(), Some("high"));
    assert!(admitted.static_or_mirror);
    assert_eq!(admitted.status_qos_class.as_deref(), Some("Burstable"));
    assert_eq!(admitted.overhead_memory, Some(q("120Mi")));
    assert_eq!(admitted.pod_resources, None);
}

// ---- Kubernetes `TestMergePodResourceRequirements` (limitranger admission_test.go) ----
//
// `validLimitRange()`: a `type: Pod` item (max 200m/4Gi, min 50m/2Mi; not modelled, it sets no
// container defaults) and a `type: Container` item with max 100m/2Gi, min 25m/1Mi, default 75m/10Mi,
// defaultRequest 50m/5Mi. The Go test calls mergePodResourceRequirements directly; `admit` also runs
// SetDefaults_Pod first, which changes nothing for these inputs (no container has a limit without
// the matching request).

fn valid_limit_range() -> LimitRange {
    limit_range(
        "abc",
        vec![item(
            rl("75m", "10Mi"),
            rl("50m", "5Mi"),
            rl("100m", "2Gi"),
            rl("25m", "1Mi"),
        )],
    )
}

#[test]
fn merge_pod_resource_requirements_empty_resources() {
    // "pod with no resources enumerated should get each resource from default request"
    let lr = valid_limit_range();
    let r = only(
        &spec(vec![mc("foo-0", rs(empty(), empty()))], vec![]),
        &[&lr],
    );
    assert_eq!(
        (
            qty(&r.requests.cpu),
            qty(&r.requests.memory),
            qty(&r.limits.cpu),
            qty(&r.limits.memory)
        ),
        (
            Some(q("50m")),
            Some(q("5Mi")),
            Some(q("75m")),
            Some(q("10Mi"))
        )
    );
}

#[test]
fn merge_pod_resource_requirements_limit_memory() {
    // "pod with some resources enumerated should only merge empty": requests memory 512Mi on the
    // container and on an init container; both get cpu request 50m and limits 75m/10Mi.
    let lr = valid_limit_range();
    let input = || rs(rl("", "512Mi"), empty());
    let admitted = admit(
        &spec(vec![mc("foo-0", input())], vec![mc("foo-0", input())]),
        &[&lr],
    );
    for c in admitted.containers.iter().chain(&admitted.init_containers) {
        let r = &c.resources;
        assert_eq!(
            (
                qty(&r.requests.cpu),
                qty(&r.requests.memory),
                qty(&r.limits.cpu),
                qty(&r.limits.memory)
            ),
            (
                Some(q("50m")),
                Some(q("512Mi")),
                Some(q("75m")),
                Some(q("10Mi"))
            ),
            "{}",
            c.name
        );
        assert_eq!(source(&r.requests.memory), Some(Source::Manifest));
        assert_eq!(source(&r.requests.cpu), Some(Source::LimitRange));
    }
}

#[test]
fn merge_pod_resource_requirements_all_enumerated() {
    // "pod with all resources enumerated should not merge anything"
    let lr = valid_limit_range();
    let admitted = admit(
        &spec(
            vec![mc("foo-0", rs(rl("100m", "512Mi"), rl("200m", "1G")))],
            vec![mc("foo-0", rs(rl("200m", "1G"), rl("400m", "2G")))],
        ),
        &[&lr],
    );
    let c = &admitted.containers[0].resources;
    assert_eq!(
        (
            qty(&c.requests.cpu),
            qty(&c.requests.memory),
            qty(&c.limits.cpu),
            qty(&c.limits.memory)
        ),
        (
            Some(q("100m")),
            Some(q("512Mi")),
            Some(q("200m")),
            Some(q("1G"))
        )
    );
    let i = &admitted.init_containers[0].resources;
    assert_eq!(
        (
            qty(&i.requests.cpu),
            qty(&i.requests.memory),
            qty(&i.limits.cpu),
            qty(&i.limits.memory)
        ),
        (
            Some(q("200m")),
            Some(q("1G")),
            Some(q("400m")),
            Some(q("2G"))
        )
    );
    for v in [
        &c.requests.cpu,
        &c.requests.memory,
        &c.limits.cpu,
        &c.limits.memory,
    ] {
        assert_eq!(source(v), Some(Source::Manifest));
    }
}
