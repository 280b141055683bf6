//! The slice of the Kubernetes object model that decides a workload's memory behaviour, as read
//! from a manifest (before API defaulting and admission; see [`crate::admission`]).
//!
//! Only fields that matter to memory are kept, so a workload costs a few hundred bytes however
//! large its YAML was.

use std::sync::Arc;

use crate::quantity::Quantity;
use crate::span::{Pos, Spanned};

/// `requests` or `limits`: only cpu and memory matter to QoS and OOM behaviour.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceList {
    /// Where the `requests:`/`limits:` mapping starts, when present.
    pub pos: Option<Pos>,
    /// `cpu`.
    pub cpu: Option<Spanned<Quantity>>,
    /// `memory`.
    pub memory: Option<Spanned<Quantity>>,
}

impl ResourceList {
    /// True when neither cpu nor memory is set.
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }
}

/// `resources:` of a container, or the pod-level `spec.resources`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resources {
    /// Where the `resources:` mapping starts, when present.
    pub pos: Option<Pos>,
    /// `requests`.
    pub requests: ResourceList,
    /// `limits`.
    pub limits: ResourceList,
}

/// One `env` entry with a literal `value` (entries with `valueFrom` keep `value: None`).
#[derive(Clone, Debug, PartialEq)]
pub struct EnvVar {
    /// `name`.
    pub name: String,
    /// `value`, when literal.
    pub value: Option<Spanned<String>>,
    /// Where the entry starts.
    pub pos: Pos,
}

/// One `volumeMounts` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeMount {
    /// `name` of the pod volume.
    pub name: String,
    /// `mountPath`.
    pub mount_path: String,
}

/// A container, init container or sidecar (an init container with `restartPolicy: Always`).
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    /// `name`.
    pub name: Spanned<String>,
    /// Where the list item starts.
    pub pos: Pos,
    /// `image`.
    pub image: Option<Spanned<String>>,
    /// `command`.
    pub command: Vec<Spanned<String>>,
    /// `args`.
    pub args: Vec<Spanned<String>>,
    /// `env`.
    pub env: Vec<EnvVar>,
    /// `restartPolicy` (only init containers may set it; `Always` makes a sidecar).
    pub restart_policy: Option<Spanned<String>>,
    /// `resources`.
    pub resources: Resources,
    /// `volumeMounts`.
    pub volume_mounts: Vec<VolumeMount>,
}

impl Container {
    /// A container with this name and nothing else, for tests and builders.
    pub fn named(name: &str) -> Container {
        Container {
            name: Spanned::new(name.to_string(), Pos::default()),
            pos: Pos::default(),
            image: None,
            command: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            restart_policy: None,
            resources: Resources::default(),
            volume_mounts: Vec::new(),
        }
    }

    /// True for an init container that keeps running beside the app (`restartPolicy: Always`).
    pub fn is_restartable(&self) -> bool {
        self.restart_policy
            .as_ref()
            .is_some_and(|p| p.value == "Always")
    }
}

/// An `emptyDir` volume source.
#[derive(Clone, Debug, PartialEq)]
pub struct EmptyDir {
    /// Where the `emptyDir:` value starts.
    pub pos: Pos,
    /// `medium` (`Memory` means tmpfs, whose pages are charged to the container's memory cgroup).
    pub medium: Option<Spanned<String>>,
    /// `sizeLimit`.
    pub size_limit: Option<Spanned<Quantity>>,
}

/// A pod volume; only `emptyDir` matters to memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Volume {
    /// `name`.
    pub name: String,
    /// Where the list item starts.
    pub pos: Pos,
    /// `emptyDir`, when this volume is one.
    pub empty_dir: Option<EmptyDir>,
}

/// A pod spec, wherever it was found (a Pod, or a template inside a controller).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodSpec {
    /// Where the pod spec mapping starts.
    pub pos: Pos,
    /// `containers`.
    pub containers: Vec<Container>,
    /// `initContainers` (sidecars included).
    pub init_containers: Vec<Container>,
    /// Pod-level `resources` (PodLevelResources); `Some` even when empty, as the kubelet checks
    /// for presence.
    pub resources: Option<Resources>,
    /// `overhead` (set by RuntimeClass admission; present in `kubectl get` output).
    pub overhead_memory: Option<Spanned<Quantity>>,
    /// `priorityClassName`.
    pub priority_class_name: Option<Spanned<String>>,
    /// `priority` (set by admission from the priority class; present in `kubectl get` output).
    pub priority: Option<i32>,
    /// `volumes`.
    pub volumes: Vec<Volume>,
    /// `status.qosClass` of a Pod read from the API (the kubelet trusts it when set).
    pub status_qos_class: Option<String>,
    /// True for static and mirror pods (annotations `kubernetes.io/config.source` other than `api`,
    /// or `kubernetes.io/config.mirror`), which the kubelet treats as critical.
    pub static_or_mirror: bool,
    /// `spec.nodeName`: the node a Pod read from the API was scheduled to.
    pub node_name: Option<String>,
    /// `status.phase` of a Pod read from the API (`Running`, `Succeeded`, `Failed`, ...).
    pub phase: Option<String>,
}

/// The text of one YAML document, kept only where the file cannot be read again (stdin), so the
/// text report can still quote the offending line.
#[derive(Clone, Debug, PartialEq)]
pub struct DocSource {
    /// The 1-based line of the document's first line in its input.
    pub first_line: u32,
    /// The document's text.
    pub text: String,
}

/// An object that runs pods: a Pod, or any controller with a pod template.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The input it came from (a path, or `-` for stdin).
    pub file: Arc<str>,
    /// Where the object starts (its first key).
    pub pos: Pos,
    /// `kind`.
    pub kind: String,
    /// `apiVersion`.
    pub api_version: Option<String>,
    /// `metadata.namespace`; `None` means the `default` namespace.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`).
    pub name: Option<String>,
    /// Rule codes (or names) listed in the `oomdoc.dev/ignore` annotation (object or pod
    /// template), each where its annotation's value is written.
    pub ignore: Vec<Spanned<String>>,
    /// The pod spec.
    pub pod: PodSpec,
    /// The document text, for stdin only.
    pub source: Option<Arc<DocSource>>,
    /// The template that rendered the object, from the `# Source: chart/templates/x.yaml` comment
    /// `helm template` writes before each document.
    pub template: Option<Arc<str>>,
    /// The reader reported an input error inside this object (an invalid quantity, a value of the
    /// wrong type): the API server would reject it as written, so it is not audited.
    pub rejected: bool,
}

impl Workload {
    /// The namespace, with Kubernetes' default applied.
    pub fn namespace_or_default(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    /// `Kind/namespace/name`, the workload's identity in reports.
    pub fn id(&self) -> String {
        object_id(
            &self.kind,
            self.namespace_or_default(),
            self.name.as_deref(),
        )
    }
}

/// `Kind/namespace/name`, how reports name an object (`<unnamed>` when it has no name).
pub fn object_id(kind: &str, namespace: &str, name: Option<&str>) -> String {
    format!("{kind}/{namespace}/{}", name.unwrap_or("<unnamed>"))
}

/// A `LimitRange` object: its `type: Container` defaults apply to containers of its namespace at
/// admission.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitRange {
    /// The input it came from.
    pub file: Arc<str>,
    /// Where the object starts.
    pub pos: Pos,
    /// `metadata.namespace`; `None` means `default`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
    /// Items of `type: Container`.
    pub container_items: Vec<LimitRangeItem>,
}

/// One `spec.limits` item of `type: Container`, before defaulting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LimitRangeItem {
    /// `default` (default limits).
    pub default: ResourceList,
    /// `defaultRequest`.
    pub default_request: ResourceList,
    /// `max`.
    pub max: ResourceList,
    /// `min`.
    pub min: ResourceList,
}
