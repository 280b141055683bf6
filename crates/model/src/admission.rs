//! What the API server stores for a pod spec: API defaulting, then LimitRange admission. Every
//! resulting value says where it came from.
//!
//! The steps, in the order the API server runs them (Kubernetes `pkg/apis/core/v1/defaults.go`,
//! `zz_generated.defaults.go` and `plugin/pkg/admission/limitranger/admission.go`):
//!
//! 1. `SetDefaults_Pod`, containers: a missing request of a container, init container or sidecar
//!    takes its limit ([`Source::Limit`]).
//! 2. `SetDefaults_Pod`, pod level (`defaultPodRequests`, PodLevelResources): only when
//!    `spec.resources.limits` is set, a missing pod-level request takes the aggregated container
//!    requests when some container requests that resource ([`Source::Defaulted`]), else the
//!    pod-level limit ([`Source::Limit`]). The aggregation sees the container requests of step 1,
//!    not the LimitRange defaults of step 4.
//! 3. `SetDefaults_ResourceList`: every quantity is rounded up to a multiple of 1m.
//! 4. LimitRanger (`PodMutateLimitFunc`): for each LimitRange of the namespace in turn, its
//!    `type: Container` items give default limits (`default`) and default requests
//!    (`defaultRequest`); within one LimitRange a later item overwrites an earlier one, key by key
//!    (`defaultContainerResourceRequirements`). Each LimitRange fills only what is still missing
//!    (`mergeContainerResources`), so across LimitRanges the first one that sets a value wins.
//!    Regular containers, init containers and sidecars all get these defaults; the pod-level
//!    resources do not. The LimitRange items are first defaulted as the API server stores them
//!    (`SetDefaults_LimitRangeItem`): `default` falls back to `max`, then `defaultRequest` falls
//!    back to `default`, then to `min`.

use crate::pod::{Container, LimitRange, LimitRangeItem, PodSpec, ResourceList, Resources};
use crate::quantity::Quantity;
use crate::span::{Pos, Spanned};

/// Where an effective request or limit came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Written in the manifest.
    Manifest,
    /// A request the API server copied from the limit (`SetDefaults_Pod`), for a container or for
    /// the pod-level resources.
    Limit,
    /// Set by a LimitRange of the namespace at admission.
    LimitRange,
    /// A pod-level request defaulted from the aggregated requests of the containers
    /// (`defaultPodRequests`).
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

impl EffectiveList {
    /// True when neither cpu nor memory is set.
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
///
/// Ephemeral containers are not modelled: Kubernetes leaves them out of QoS, of `PodRequests` and
/// of LimitRange defaulting.
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
    Sourced {
        quantity: v.value,
        source: Source::Manifest,
        pos: Some(v.pos),
        limit_range: None,
    }
}

fn list_from(l: &ResourceList) -> EffectiveList {
    EffectiveList {
        cpu: l.cpu.as_ref().map(manifest),
        memory: l.memory.as_ref().map(manifest),
    }
}

fn resources_from(r: &Resources) -> EffectiveResources {
    EffectiveResources {
        requests: list_from(&r.requests),
        limits: list_from(&r.limits),
    }
}

/// `SetDefaults_Pod` for one resource: a missing request takes the limit.
fn default_request(req: &mut Option<Sourced>, lim: &Option<Sourced>) {
    if req.is_none() {
        if let Some(l) = lim {
            *req = Some(Sourced {
                source: Source::Limit,
                pos: None,
                limit_range: None,
                ..l.clone()
            });
        }
    }
}

fn default_requests_from_limits(r: &mut EffectiveResources) {
    default_request(&mut r.requests.cpu, &r.limits.cpu);
    default_request(&mut r.requests.memory, &r.limits.memory);
}

/// A quantity from a value in thousandths, or `None` when it is too large to write.
fn quantity_from_milli(milli: i128) -> Option<Quantity> {
    let text = if milli % 1000 == 0 {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    };
    Quantity::parse(&text).ok()
}

/// `SetDefaults_ResourceList`: `val.RoundUp(-3)`, rounding away from zero to a multiple of 1m.
/// A quantity already at that precision is returned as it is, format included.
pub fn round_up_milli(q: Quantity) -> Quantity {
    match q
        .milli_value()
        .and_then(|m| quantity_from_milli(i128::from(m)))
    {
        Some(rounded) if rounded != q => rounded,
        _ => q,
    }
}

fn round_sourced(s: &mut Option<Sourced>) {
    if let Some(s) = s {
        s.quantity = round_up_milli(s.quantity);
    }
}

fn round_resources(r: &mut EffectiveResources) {
    round_sourced(&mut r.requests.cpu);
    round_sourced(&mut r.requests.memory);
    round_sourced(&mut r.limits.cpu);
    round_sourced(&mut r.limits.memory);
}

/// cpu or memory of a resource list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resource {
    Cpu,
    Memory,
}

impl Resource {
    fn of(self, l: &EffectiveList) -> Option<&Sourced> {
        match self {
            Resource::Cpu => l.cpu.as_ref(),
            Resource::Memory => l.memory.as_ref(),
        }
    }

    fn of_mut(self, l: &mut EffectiveList) -> &mut Option<Sourced> {
        match self {
            Resource::Cpu => &mut l.cpu,
            Resource::Memory => &mut l.memory,
        }
    }
}

/// `AggregateContainerRequests` (k8s.io/component-helpers/resource) for one resource, in
/// thousandths: the larger of (regular containers + sidecars) and the peak of the init phase,
/// where the i-th init container needs its own request plus the sidecars declared before it (a
/// sidecar's phase is the sum of the sidecars up to and including itself). `None` when no
/// container, init container or sidecar sets the resource (the key is absent from the result).
pub(crate) fn aggregate_requests_milli(
    containers: &[EffectiveContainer],
    init_containers: &[EffectiveContainer],
    resource: Resource,
) -> Option<i128> {
    let milli = |c: &EffectiveContainer| {
        resource.of(&c.resources.requests).map(|s| {
            s.quantity
                .milli_value()
                .map_or(i128::from(i64::MAX), i128::from)
        })
    };
    let mut present = false;
    let mut total = 0i128;
    for c in containers {
        if let Some(m) = milli(c) {
            present = true;
            total += m;
        }
    }
    let mut sidecars = 0i128;
    let mut init_peak = 0i128;
    for c in init_containers {
        let m = milli(c);
        present |= m.is_some();
        let m = m.unwrap_or(0);
        if c.kind == ContainerKind::Sidecar {
            total += m;
            sidecars += m;
            init_peak = init_peak.max(sidecars);
        } else {
            init_peak = init_peak.max(m + sidecars);
        }
    }
    present.then_some(total.max(init_peak))
}

/// `defaultPodRequests`: runs only when pod-level limits are set. A missing pod-level request
/// takes the aggregated container requests when some container requests that resource, else the
/// pod-level limit.
fn default_pod_requests(
    pod: &mut EffectiveResources,
    containers: &[EffectiveContainer],
    init_containers: &[EffectiveContainer],
) {
    if pod.limits.is_empty() {
        return;
    }
    for resource in [Resource::Cpu, Resource::Memory] {
        if resource.of(&pod.requests).is_some() {
            continue;
        }
        let aggregated = aggregate_requests_milli(containers, init_containers, resource)
            .and_then(quantity_from_milli)
            .map(|quantity| Sourced {
                quantity,
                source: Source::Defaulted,
                pos: None,
                limit_range: None,
            });
        let from_limit = resource.of(&pod.limits).map(|l| Sourced {
            source: Source::Limit,
            pos: None,
            limit_range: None,
            ..l.clone()
        });
        *resource.of_mut(&mut pod.requests) = aggregated.or(from_limit);
    }
}

/// `SetDefaults_LimitRangeItem`: a missing default limit takes `max`; then a missing default
/// request takes the default limit, then `min`. Returns `(default limits, default requests)`.
fn defaulted_item(item: &LimitRangeItem) -> (ResourceList, ResourceList) {
    let mut default = item.default.clone();
    let mut request = item.default_request.clone();
    default.cpu = default.cpu.or_else(|| item.max.cpu.clone());
    default.memory = default.memory.or_else(|| item.max.memory.clone());
    request.cpu = request
        .cpu
        .or_else(|| default.cpu.clone())
        .or_else(|| item.min.cpu.clone());
    request.memory = request
        .memory
        .or_else(|| default.memory.clone())
        .or_else(|| item.min.memory.clone());
    (default, request)
}

/// The identity of a LimitRange in [`Sourced::limit_range`]: `namespace/name`.
pub fn limit_range_id(lr: &LimitRange) -> String {
    format!(
        "{}/{}",
        lr.namespace.as_deref().unwrap_or("default"),
        lr.name.as_deref().unwrap_or("")
    )
}

/// `defaultContainerResourceRequirements` of one LimitRange: its `type: Container` items in order,
/// a later item overwriting an earlier one key by key (it writes into a map).
fn limit_range_defaults(lr: &LimitRange) -> EffectiveResources {
    let id = limit_range_id(lr);
    let from = |v: &Option<Spanned<Quantity>>| {
        v.as_ref().map(|q| Sourced {
            quantity: round_up_milli(q.value),
            source: Source::LimitRange,
            pos: None,
            limit_range: Some(id.clone()),
        })
    };
    let mut out = EffectiveResources::default();
    for item in &lr.container_items {
        let (default, request) = defaulted_item(item);
        let overwrite = |slot: &mut Option<Sourced>, v: Option<Sourced>| {
            if v.is_some() {
                *slot = v;
            }
        };
        overwrite(&mut out.limits.cpu, from(&default.cpu));
        overwrite(&mut out.limits.memory, from(&default.memory));
        overwrite(&mut out.requests.cpu, from(&request.cpu));
        overwrite(&mut out.requests.memory, from(&request.memory));
    }
    out
}

/// `mergeContainerResources`: fills only what is still missing.
fn merge_container_resources(r: &mut EffectiveResources, defaults: &EffectiveResources) {
    let fill = |slot: &mut Option<Sourced>, v: &Option<Sourced>| {
        if slot.is_none() {
            slot.clone_from(v);
        }
    };
    fill(&mut r.limits.cpu, &defaults.limits.cpu);
    fill(&mut r.limits.memory, &defaults.limits.memory);
    fill(&mut r.requests.cpu, &defaults.requests.cpu);
    fill(&mut r.requests.memory, &defaults.requests.memory);
}

fn container_from(c: &Container, kind: ContainerKind) -> EffectiveContainer {
    EffectiveContainer {
        name: c.name.value.clone(),
        kind,
        resources: resources_from(&c.resources),
    }
}

/// The pod spec the API server would store: defaulting, then the LimitRanges of the pod's
/// namespace (pass only those, in the order the API server would list them; with several
/// LimitRanges that set the same default the first one wins).
///
/// The PodLevelResources gate is taken as on (beta and on by default since 1.34).
pub fn admit(pod: &PodSpec, limit_ranges: &[&LimitRange]) -> EffectivePod {
    let mut containers: Vec<EffectiveContainer> = pod
        .containers
        .iter()
        .map(|c| container_from(c, ContainerKind::Regular))
        .collect();
    let mut init_containers: Vec<EffectiveContainer> = pod
        .init_containers
        .iter()
        .map(|c| {
            container_from(
                c,
                if c.is_restartable() {
                    ContainerKind::Sidecar
                } else {
                    ContainerKind::Init
                },
            )
        })
        .collect();

    // 1. SetDefaults_Pod, containers then init containers.
    for c in containers.iter_mut().chain(init_containers.iter_mut()) {
        default_requests_from_limits(&mut c.resources);
    }
    // 2. SetDefaults_Pod, pod level, after the container defaults.
    let mut pod_resources = pod.resources.as_ref().map(resources_from);
    if let Some(r) = pod_resources.as_mut() {
        default_pod_requests(r, &containers, &init_containers);
    }
    // 3. SetDefaults_ResourceList on every list.
    for c in containers.iter_mut().chain(init_containers.iter_mut()) {
        round_resources(&mut c.resources);
    }
    if let Some(r) = pod_resources.as_mut() {
        round_resources(r);
    }
    // 4. LimitRanger, one LimitRange after another.
    for lr in limit_ranges {
        let defaults = limit_range_defaults(lr);
        for c in containers.iter_mut().chain(init_containers.iter_mut()) {
            merge_container_resources(&mut c.resources, &defaults);
        }
    }

    EffectivePod {
        containers,
        init_containers,
        pod_resources,
        overhead_memory: pod
            .overhead_memory
            .as_ref()
            .map(|q| round_up_milli(q.value)),
        priority_class_name: pod.priority_class_name.as_ref().map(|p| p.value.clone()),
        priority: pod.priority,
        static_or_mirror: pod.static_or_mirror,
        status_qos_class: pod.status_qos_class.clone(),
    }
}
