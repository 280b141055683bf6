//! Terse builders shared by the QoS, oom_score_adj and admission tests.
//!
//! Resource arguments follow the Kubernetes tests' `getResourceList(cpu, memory)`: an empty string
//! means the entry is absent.

#![allow(dead_code)]

use oomdoc_model::admission::{
    ContainerKind, EffectiveContainer, EffectiveList, EffectivePod, EffectiveResources, Source,
    Sourced,
};
use oomdoc_model::pod::{Container, LimitRange, LimitRangeItem, PodSpec, ResourceList, Resources};
use oomdoc_model::span::{Pos, Spanned};
use oomdoc_model::Quantity;

/// Parses a quantity that must be valid.
pub fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("bad quantity {s:?}: {e}"))
}

fn sourced(s: &str) -> Option<Sourced> {
    (!s.is_empty()).then(|| Sourced {
        quantity: q(s),
        source: Source::Manifest,
        pos: None,
        limit_range: None,
    })
}

/// `getResourceList(cpu, memory)` as an effective list.
pub fn el(cpu: &str, memory: &str) -> EffectiveList {
    EffectiveList {
        cpu: sourced(cpu),
        memory: sourced(memory),
    }
}

/// `getResourceRequirements(requests, limits)`.
pub fn er(requests: EffectiveList, limits: EffectiveList) -> EffectiveResources {
    EffectiveResources { requests, limits }
}

/// Requests only.
pub fn req(cpu: &str, memory: &str) -> EffectiveResources {
    er(el(cpu, memory), el("", ""))
}

/// No requests or limits.
pub fn none() -> EffectiveResources {
    EffectiveResources::default()
}

/// A regular container.
pub fn ctr(name: &str, resources: EffectiveResources) -> EffectiveContainer {
    EffectiveContainer {
        name: name.to_string(),
        kind: ContainerKind::Regular,
        resources,
    }
}

/// An init container (no `restartPolicy`).
pub fn init(name: &str, resources: EffectiveResources) -> EffectiveContainer {
    EffectiveContainer {
        name: name.to_string(),
        kind: ContainerKind::Init,
        resources,
    }
}

/// A sidecar (init container with `restartPolicy: Always`).
pub fn sidecar(name: &str, resources: EffectiveResources) -> EffectiveContainer {
    EffectiveContainer {
        name: name.to_string(),
        kind: ContainerKind::Sidecar,
        resources,
    }
}

/// A pod with these containers and init containers, nothing else set.
pub fn epod(
    containers: Vec<EffectiveContainer>,
    init_containers: Vec<EffectiveContainer>,
) -> EffectivePod {
    EffectivePod {
        containers,
        init_containers,
        ..EffectivePod::default()
    }
}

/// [`epod`] with pod-level resources.
pub fn epod_plr(
    containers: Vec<EffectiveContainer>,
    init_containers: Vec<EffectiveContainer>,
    pod_resources: EffectiveResources,
) -> EffectivePod {
    EffectivePod {
        pod_resources: Some(pod_resources),
        ..epod(containers, init_containers)
    }
}

// ---- manifest side, for `admit` ----

/// Where every manifest value in these tests is "written": line 1, column 1.
pub const AT: Pos = Pos::new(1, 1);

fn spanned(s: &str) -> Option<Spanned<Quantity>> {
    (!s.is_empty()).then(|| Spanned::new(q(s), AT))
}

/// `getResourceList(cpu, memory)` as written in a manifest.
pub fn rl(cpu: &str, memory: &str) -> ResourceList {
    ResourceList {
        pos: None,
        cpu: spanned(cpu),
        memory: spanned(memory),
    }
}

/// A `resources:` block.
pub fn rs(requests: ResourceList, limits: ResourceList) -> Resources {
    Resources {
        pos: None,
        requests,
        limits,
    }
}

/// A manifest container.
pub fn mc(name: &str, resources: Resources) -> Container {
    let mut c = Container::named(name);
    c.resources = resources;
    c
}

/// A manifest init container with `restartPolicy: Always`.
pub fn msidecar(name: &str, resources: Resources) -> Container {
    let mut c = mc(name, resources);
    c.restart_policy = Some(Spanned::new("Always".to_string(), AT));
    c
}

/// A manifest pod spec.
pub fn spec(containers: Vec<Container>, init_containers: Vec<Container>) -> PodSpec {
    PodSpec {
        containers,
        init_containers,
        ..PodSpec::default()
    }
}

/// One `type: Container` LimitRange item: `default`, `defaultRequest`, `max`, `min`.
pub fn item(
    default: ResourceList,
    default_request: ResourceList,
    max: ResourceList,
    min: ResourceList,
) -> LimitRangeItem {
    LimitRangeItem {
        default,
        default_request,
        max,
        min,
    }
}

/// A LimitRange `name` in namespace `test` with these `type: Container` items.
pub fn limit_range(name: &str, items: Vec<LimitRangeItem>) -> LimitRange {
    LimitRange {
        file: "limitrange.yaml".into(),
        pos: AT,
        namespace: Some("test".to_string()),
        name: Some(name.to_string()),
        container_items: items,
    }
}

/// The quantity of an effective value, for assertions.
pub fn qty(s: &Option<Sourced>) -> Option<Quantity> {
    s.as_ref().map(|s| s.quantity)
}

/// The source of an effective value, for assertions.
pub fn source(s: &Option<Sourced>) -> Option<Source> {
    s.as_ref().map(|s| s.source)
}
