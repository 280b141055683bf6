//! Turning one document's tree into [`Item`]s: workloads (any object with a pod template),
//! LimitRanges, and the items of `List` / `*List` objects.

use oomdoc_model::pod::{LimitRange, LimitRangeItem, Workload};
use oomdoc_model::Spanned;

use crate::values::Cx;
use crate::Item;
use oomdoc_document::tree::{NodeId, NodeKind};

/// How deep `List`s may nest (a List inside a List is legal, if odd).
const MAX_LIST_DEPTH: u32 = 4;

/// Kinds whose pod template is known to be a pod spec, even when partial (a kustomize patch).
pub(crate) fn is_workload_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Pod"
            | "PodTemplate"
            | "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job"
            | "CronJob"
    )
}

/// `metadata` fields that matter.
#[derive(Default)]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
    ignore: Vec<Spanned<String>>,
    static_or_mirror: bool,
}

impl Cx<'_> {
    /// Reads a whole document.
    pub(crate) fn document(&mut self) {
        let root = self.tree.root();
        if self.tree.kind(root) != NodeKind::Map {
            // A scalar or a list is not a Kubernetes object (e.g. a stray values file).
            self.counts.skipped += 1;
            return;
        }
        self.object(root, None, None, 0);
    }

    /// Reads one object. `inherited_kind` / `inherited_api` come from a typed list (`PodList`
    /// items carry no `kind`). The object's errors come first, in document order, then the object.
    fn object(
        &mut self,
        obj: NodeId,
        inherited_kind: Option<&str>,
        inherited_api: Option<&str>,
        depth: u32,
    ) {
        let mark = self.out.len();
        let item = self.object_item(obj, inherited_kind, inherited_api, depth);
        if item.is_some() || self.out.len() > mark {
            // Only this object's errors follow `mark` (a List has returned its items already).
            let errs = &mut self.out[mark..];
            if errs.iter().all(|i| matches!(i, Item::Error(_))) {
                errs.sort_by_key(|i| match i {
                    Item::Error(e) => e.pos,
                    _ => None,
                });
            }
        }
        if let Some(item) = item {
            self.out.push(item);
        }
    }

    fn object_item(
        &mut self,
        obj: NodeId,
        inherited_kind: Option<&str>,
        inherited_api: Option<&str>,
        depth: u32,
    ) -> Option<Item> {
        let errors_before = self.counts.errors;
        let kind = self
            .string_at(obj, "kind", &|| "kind".to_string())
            .map(|k| k.value);
        let Some(kind) = kind.or_else(|| inherited_kind.map(str::to_string)) else {
            self.counts.skipped += 1;
            return None;
        };
        let api_version = self
            .string_at(obj, "apiVersion", &|| "apiVersion".to_string())
            .map(|a| a.value)
            .or_else(|| inherited_api.map(str::to_string));

        if kind.ends_with("List") && depth < MAX_LIST_DEPTH {
            if let Some(items) = self.field(obj, "items") {
                self.list_items(items, &kind, api_version.as_deref(), depth);
                return None;
            }
        }
        if kind == "LimitRange" {
            return Some(self.limit_range(obj));
        }

        let known = is_workload_kind(&kind);
        let (template, spec_path) = self.pod_template(obj, &kind, known);
        let spec = match (kind.as_str(), template) {
            ("Pod", _) => self.map_at(obj, "spec", "spec", true),
            (_, Some(t)) => self.map_at(t, "spec", spec_path, known),
            _ => None,
        };
        let Some(spec) = spec else {
            self.counts.skipped += 1;
            return None;
        };
        // Other kinds put other things at `spec.template.spec` (an Argo CD ApplicationSet holds an
        // Application spec there): only a spec with containers is a pod spec.
        if !known && self.tree.get(spec, "containers").is_none() {
            self.counts.skipped += 1;
            return None;
        }

        let mut meta = self.meta(obj, kind == "Pod");
        if let Some(tmeta) =
            template.and_then(|t| self.map_at(t, "metadata", "template metadata", true))
        {
            for code in self.ignore_codes(tmeta) {
                if !meta.ignore.iter().any(|c| c.value == code.value) {
                    meta.ignore.push(code);
                }
            }
        }
        let mut pod = self.pod_spec(spec, spec_path);
        pod.static_or_mirror = meta.static_or_mirror;
        if kind == "Pod" {
            self.pod_status(obj, &mut pod);
        }
        let w = Workload {
            file: self.file.clone(),
            pos: self.tree.first_key_pos(obj),
            kind,
            api_version,
            namespace: meta.namespace,
            name: meta.name,
            ignore: meta.ignore,
            pod,
            source: self.source.cloned(),
            template: self.template.cloned(),
            rejected: self.counts.errors > errors_before,
        };
        self.counts.workloads += 1;
        Some(Item::Workload(w))
    }

    /// The items of a `*List` (`kind: List`, `PodList`, ...), each read as an object of the
    /// list's item kind unless it says its own.
    fn list_items(&mut self, items: NodeId, kind: &str, api_version: Option<&str>, depth: u32) {
        if !self.is_seq(items, &|| "items".to_string()) {
            return;
        }
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        for &item in self.tree.items(items) {
            if self.tree.kind(item) == NodeKind::Map {
                self.object(item, item_kind, api_version, depth + 1);
            } else {
                self.counts.skipped += 1;
            }
        }
    }

    /// Where the pod template is, by kind, and the path of its pod spec; any other kind with
    /// `spec.template.spec` counts too. Type errors on the way are reported for the known kinds
    /// only (`known`): a custom resource may hold anything at these paths.
    fn pod_template(
        &mut self,
        obj: NodeId,
        kind: &str,
        known: bool,
    ) -> (Option<NodeId>, &'static str) {
        match kind {
            "Pod" => (None, "spec"),
            "PodTemplate" => (
                self.map_at(obj, "template", "template", known),
                "template.spec",
            ),
            "CronJob" => {
                let t = self
                    .map_at(obj, "spec", "spec", known)
                    .and_then(|s| self.map_at(s, "jobTemplate", "spec.jobTemplate", known))
                    .and_then(|j| self.map_at(j, "spec", "spec.jobTemplate.spec", known))
                    .and_then(|s| {
                        self.map_at(s, "template", "spec.jobTemplate.spec.template", known)
                    });
                (t, "spec.jobTemplate.spec.template.spec")
            }
            _ => {
                let t = self
                    .map_at(obj, "spec", "spec", known)
                    .and_then(|s| self.map_at(s, "template", "spec.template", known));
                (t, "spec.template.spec")
            }
        }
    }

    /// What a Pod's `status` says of its QoS class and phase.
    fn pod_status(&mut self, obj: NodeId, pod: &mut oomdoc_model::pod::PodSpec) {
        let status = self.map_at(obj, "status", "status", true);
        pod.status_qos_class = status
            .and_then(|s| self.string_at(s, "qosClass", &|| "status.qosClass".to_string()))
            .map(|q| q.value);
        pod.phase = status
            .and_then(|s| self.string_at(s, "phase", &|| "status.phase".to_string()))
            .map(|q| q.value);
    }

    /// `key` of `map` when it is a mapping; anything else but null is reported as `path` when
    /// `report` is set.
    fn map_at(&mut self, map: NodeId, key: &str, path: &str, report: bool) -> Option<NodeId> {
        let v = self.field(map, key)?;
        if self.tree.kind(v) == NodeKind::Map {
            return Some(v);
        }
        if report {
            self.is_map(v, &|| path.to_string());
        }
        None
    }

    fn meta(&mut self, obj: NodeId, is_pod: bool) -> Meta {
        let mut m = Meta::default();
        let Some(md) = self.map_at(obj, "metadata", "metadata", true) else {
            return m;
        };
        m.name = self
            .string_at(md, "name", &|| "metadata.name".to_string())
            .or_else(|| self.string_at(md, "generateName", &|| "metadata.generateName".to_string()))
            .map(|n| n.value);
        m.namespace = self
            .string_at(md, "namespace", &|| "metadata.namespace".to_string())
            .map(|n| n.value);
        m.ignore = self.ignore_codes(md);
        if is_pod {
            if let Some(ann) = self
                .field(md, "annotations")
                .filter(|&a| self.tree.kind(a) == NodeKind::Map)
            {
                let mirror = self.tree.get(ann, "kubernetes.io/config.mirror").is_some();
                let source = self.string_at(ann, "kubernetes.io/config.source", &|| {
                    "metadata.annotations[kubernetes.io/config.source]".to_string()
                });
                m.static_or_mirror = mirror || source.is_some_and(|s| s.value != "api");
            }
        }
        m
    }

    /// Rule codes in the `oomdoc.dev/ignore` annotation of a `metadata` mapping, each at the
    /// annotation value's position.
    fn ignore_codes(&mut self, md: NodeId) -> Vec<Spanned<String>> {
        let Some(ann) = self.map_at(md, "annotations", "metadata.annotations", true) else {
            return Vec::new();
        };
        let Some(v) = self.string_at(ann, "oomdoc.dev/ignore", &|| {
            "metadata.annotations[oomdoc.dev/ignore]".to_string()
        }) else {
            return Vec::new();
        };
        let mut codes: Vec<Spanned<String>> = Vec::new();
        for c in v
            .value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
        {
            if !codes.iter().any(|x| x.value == c) {
                codes.push(Spanned::new(c.to_string(), v.pos));
            }
        }
        codes
    }

    fn limit_range(&mut self, obj: NodeId) -> Item {
        let meta = self.meta(obj, false);
        let mut lr = LimitRange {
            file: self.file.clone(),
            pos: self.tree.first_key_pos(obj),
            namespace: meta.namespace,
            name: meta.name,
            container_items: Vec::new(),
        };
        let limits = self.map_at(obj, "spec", "spec", true);
        if let Some(list) = limits.and_then(|s| self.field(s, "limits")) {
            if self.is_seq(list, &|| "spec.limits".to_string()) {
                for (i, &item) in self.tree.items(list).iter().enumerate() {
                    let at = format!("spec.limits[{i}]");
                    if !self.is_map(item, &|| at.clone()) {
                        continue;
                    }
                    let ty = self.string_at(item, "type", &|| format!("{at}.type"));
                    if ty.is_none_or(|t| t.value != "Container") {
                        continue;
                    }
                    let mut li = LimitRangeItem::default();
                    for (key, slot) in [
                        ("default", &mut li.default),
                        ("defaultRequest", &mut li.default_request),
                        ("max", &mut li.max),
                        ("min", &mut li.min),
                    ] {
                        if let Some(kv) = self.keyed(item, key) {
                            *slot = self.resource_list(kv, &format!("{at}.{key}"), "");
                        }
                    }
                    lr.container_items.push(li);
                }
            }
        }
        Item::LimitRange(lr)
    }
}
