//! What the API server stores for a pod spec: API defaulting (`SetDefaults_Pod`: a missing request
//! takes its limit) and LimitRange admission (`default` / `defaultRequest` for containers that lack
//! them). Every resulting value says where it came from.

use crate::pod::{Container, LimitRange, LimitRangeItem, PodSpec, ResourceList, Resources};
use crate::quantity::Quantity;
use crate::span::{Pos, Spanned};

/// Where an effective request or limit came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Written in the manifest.
    Manifest,
    /// A request the API server copied from the limit (`SetDefaults_Pod`).
    Limit,
    /// Set by a LimitRange of the namespace at admission.
    #[serde(rename = "limitrange")]
    LimitRange,
    /// A pod-level request defaulted from the containers' requests or the pod-level limit.
    Defaulted,
}

/// An effective quantity with its source and, for manifest values, its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Sourced {
    /// The value.
    pub quantity: Quantity,
    /// Where it came from.
    pub source: Source,
    /// Where it was written (manifest values) or `None`.
    pub pos: Option<Pos>,
    /// The LimitRange that set it, as `namespace/name`, for [`Source::LimitRange`].
    pub limit_range: Option<String>,
}

/// cpu and memory after defaulting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EffectiveList {
    /// cpu.
    pub cpu: Option<Sourced>,
    /// memory.
    pub memory: Option<Sourced>,
}

/// requests and limits after defaulting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EffectiveResources {
    /// requests.
    pub requests: EffectiveList,
    /// limits.
    pub limits: EffectiveList,
}

/// What kind of container this is, which changes QoS aggregation and oom_score_adj.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerKind {
    /// `containers[]`.
    Regular,
    /// `initContainers[]` without `restartPolicy: Always`.
    Init,
    /// `initContainers[]` with `restartPolicy: Always` (a restartable sidecar).
    Sidecar,
}

/// A container as stored by the API server.
#[derive(Clone, Debug, PartialEq)]
pub struct EffectiveContainer {
    /// `name`.
    pub name: String,
    /// Regular, init or sidecar.
    pub kind: ContainerKind,
    /// Resources after defaulting.
    pub resources: EffectiveResources,
}

/// A pod spec as stored by the API server: the input the kubelet's QoS and OOM rules see.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EffectivePod {
    /// `containers`.
    pub containers: Vec<EffectiveContainer>,
    /// `initContainers`, sidecars included, in declaration order.
    pub init_containers: Vec<EffectiveContainer>,
    /// Pod-level resources (`Some` even when empty).
    pub pod_resources: Option<EffectiveResources>,
    /// `overhead.memory`.
    pub overhead_memory: Option<Quantity>,
    /// `priorityClassName`.
    pub priority_class_name: Option<String>,
    /// `priority`.
    pub priority: Option<i32>,
    /// Static or mirror pod.
    pub static_or_mirror: bool,
    /// `status.qosClass`, when read from the API.
    pub status_qos_class: Option<String>,
}

fn manifest(v: &Spanned<Quantity>) -> Sourced {
    Sourced { quantity: v.value, source: Source::Manifest, pos: Some(v.pos), limit_range: None }
}

fn list_from(l: &ResourceList) -> EffectiveList {
    EffectiveList { cpu: l.cpu.as_ref().map(manifest), memory: l.memory.as_ref().map(manifest) }
}

/// `SetDefaults_Pod` for one resource: a missing request takes the limit.
fn default_request(req: &mut Option<Sourced>, lim: &Option<Sourced>) {
    if req.is_none() {
        if let Some(l) = lim {
            *req = Some(Sourced { source: Source::Limit, pos: None, limit_range: None, ..l.clone() });
        }
    }
}

/// `SetDefaults_LimitRangeItem`: default limits fall back to `max`, default requests to the
/// default limit, then to `min`.
fn defaulted_item(item: &LimitRangeItem) -> (ResourceList, ResourceList) {
    let mut default = item.default.clone();
    let mut request = item.default_request.clone();
    default.cpu = default.cpu.or_else(|| item.max.cpu.clone());
    default.memory = default.memory.or_else(|| item.max.memory.clone());
    request.cpu = request.cpu.or_else(|| default.cpu.clone()).or_else(|| item.min.cpu.clone());
    request.memory =
        request.memory.or_else(|| default.memory.clone()).or_else(|| item.min.memory.clone());
    (default, request)
}

fn from_limit_range(v: &Option<Spanned<Quantity>>, lr: &str) -> Option<Sourced> {
    v.as_ref().map(|q| Sourced {
        quantity: q.value,
        source: Source::LimitRange,
        pos: None,
        limit_range: Some(lr.to_string()),
    })
}

fn admit_container(c: &Container, kind: ContainerKind, ranges: &[&LimitRange]) -> EffectiveContainer {
    let mut r = EffectiveResources {
        requests: list_from(&c.resources.requests),
        limits: list_from(&c.resources.limits),
    };
    // Defaulting runs when the request is decoded, before admission.
    default_request(&mut r.requests.cpu, &r.limits.cpu);
    default_request(&mut r.requests.memory, &r.limits.memory);
    // LimitRanger's mergeContainerResources: fill only what is still missing; with several
    // LimitRanges the first one that sets a value wins.
    for lr in ranges {
        let id = format!("{}/{}", lr.namespace.as_deref().unwrap_or("default"), lr.name.as_deref().unwrap_or(""));
        for item in &lr.container_items {
            let (default, request) = defaulted_item(item);
            if r.limits.cpu.is_none() {
                r.limits.cpu = from_limit_range(&default.cpu, &id);
            }
            if r.limits.memory.is_none() {
                r.limits.memory = from_limit_range(&default.memory, &id);
            }
            if r.requests.cpu.is_none() {
                r.requests.cpu = from_limit_range(&request.cpu, &id);
            }
            if r.requests.memory.is_none() {
                r.requests.memory = from_limit_range(&request.memory, &id);
            }
        }
    }
    EffectiveContainer { name: c.name.value.clone(), kind, resources: r }
}

fn admit_pod_resources(r: &Resources) -> EffectiveResources {
    let mut e = EffectiveResources { requests: list_from(&r.requests), limits: list_from(&r.limits) };
    default_request(&mut e.requests.cpu, &e.limits.cpu);
    default_request(&mut e.requests.memory, &e.limits.memory);
    e
}

/// The pod spec the API server would store: defaulting, then the LimitRanges of the pod's
/// namespace (pass only those).
pub fn admit(pod: &PodSpec, limit_ranges: &[&LimitRange]) -> EffectivePod {
    let containers =
        pod.containers.iter().map(|c| admit_container(c, ContainerKind::Regular, limit_ranges)).collect();
    let init_containers = pod
        .init_containers
        .iter()
        .map(|c| {
            let kind = if c.is_restartable() { ContainerKind::Sidecar } else { ContainerKind::Init };
            admit_container(c, kind, limit_ranges)
        })
        .collect();
    EffectivePod {
        containers,
        init_containers,
        pod_resources: pod.resources.as_ref().map(admit_pod_resources),
        overhead_memory: pod.overhead_memory.as_ref().map(|q| q.value),
        priority_class_name: pod.priority_class_name.as_ref().map(|p| p.value.clone()),
        priority: pod.priority,
        static_or_mirror: pod.static_or_mirror,
        status_qos_class: pod.status_qos_class.clone(),
    }
}
