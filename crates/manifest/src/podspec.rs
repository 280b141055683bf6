//! Reading a pod spec (`PodSpec`) and its containers from a [`oomdoc_document::tree::Tree`].

use oomdoc_model::pod::{Container, EmptyDir, EnvVar, PodSpec, Resources, Volume, VolumeMount};
use oomdoc_model::Spanned;

use crate::values::Cx;
use oomdoc_document::tree::NodeId;

impl Cx<'_> {
    /// The pod spec at `spec` (a mapping), whose path from the object root is `path` (for
    /// messages, e.g. `spec.template.spec`).
    pub(crate) fn pod_spec(&mut self, spec: NodeId, path: &str) -> PodSpec {
        let mut pod = PodSpec {
            pos: self.tree.pos(spec),
            ..PodSpec::default()
        };
        if let Some(v) = self.field(spec, "containers") {
            pod.containers = self.containers(v, path, "containers", "container");
        }
        if let Some(v) = self.field(spec, "initContainers") {
            pod.init_containers = self.containers(v, path, "initContainers", "init container");
        }
        if let Some(kv) = self.keyed(spec, "resources") {
            // Present (even empty) matters: the kubelet checks for pod-level resources' presence.
            let r = self.resources(kv, &format!("{path}.resources"), "");
            if r.pos.is_some() {
                pod.resources = Some(r);
            }
        }
        if let Some(v) = self.field(spec, "overhead") {
            if self.is_map(v, &|| format!("{path}.overhead")) {
                if let Some(m) = self.field_or_null(v, "memory") {
                    pod.overhead_memory = self.quantity(m, &|| format!("{path}.overhead.memory"));
                }
            }
        }
        pod.priority_class_name = self.string_at(spec, "priorityClassName", &|| {
            format!("{path}.priorityClassName")
        });
        if let Some(v) = self.field(spec, "priority") {
            pod.priority = self.int32(v, &|| format!("{path}.priority"));
        }
        if let Some(v) = self.field(spec, "volumes") {
            pod.volumes = self.volumes(v, path);
        }
        pod.node_name = self
            .string_at(spec, "nodeName", &|| format!("{path}.nodeName"))
            .map(|n| n.value);
        pod
    }

    fn containers(&mut self, list: NodeId, path: &str, key: &str, role: &str) -> Vec<Container> {
        if !self.is_seq(list, &|| format!("{path}.{key}")) {
            return Vec::new();
        }
        let items = self.tree.items(list);
        let mut out = Vec::with_capacity(items.len());
        for (i, &item) in items.iter().enumerate() {
            if !self.is_map(item, &|| format!("{path}.{key}[{i}]")) {
                continue;
            }
            out.push(self.container(item, &format!("{path}.{key}[{i}]"), role));
        }
        out
    }

    fn container(&mut self, c: NodeId, at: &str, role: &str) -> Container {
        let item_pos = self.tree.pos(c);
        let name = self.string_at(c, "name", &|| format!("{at}.name"));
        // Messages name the container as people know it: `… of container "app"`.
        let of = match &name {
            Some(n) => format!(" of {role} {:?}", n.value),
            None => format!(" of {at}"),
        };
        let mut out = Container {
            name: name.unwrap_or_else(|| Spanned::new(String::new(), item_pos)),
            pos: item_pos,
            image: self.string_at(c, "image", &|| format!("image{of}")),
            command: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            restart_policy: self.string_at(c, "restartPolicy", &|| format!("restartPolicy{of}")),
            resources: Resources::default(),
            volume_mounts: Vec::new(),
        };
        if let Some(v) = self.field(c, "command") {
            out.command = self.strings(v, "command", &of);
        }
        if let Some(v) = self.field(c, "args") {
            out.args = self.strings(v, "args", &of);
        }
        if let Some(v) = self.field(c, "env") {
            out.env = self.env(v, &of);
        }
        if let Some(kv) = self.keyed(c, "resources") {
            out.resources = self.resources(kv, "resources", &of);
        }
        if let Some(v) = self.field(c, "volumeMounts") {
            out.volume_mounts = self.volume_mounts(v, &of);
        }
        out
    }

    fn env(&mut self, list: NodeId, of: &str) -> Vec<EnvVar> {
        if !self.is_seq(list, &|| format!("env{of}")) {
            return Vec::new();
        }
        let items = self.tree.items(list);
        let mut out = Vec::with_capacity(items.len());
        for (i, &e) in items.iter().enumerate() {
            if !self.is_map(e, &|| format!("env[{i}]{of}")) {
                continue;
            }
            let name = self.string_at(e, "name", &|| format!("env[{i}].name{of}"));
            let label = name
                .as_ref()
                .map_or_else(|| format!("env[{i}]"), |n| format!("env {:?}", n.value));
            let value = self.string_at(e, "value", &|| format!("value of {label}{of}"));
            out.push(EnvVar {
                name: name.map(|n| n.value).unwrap_or_default(),
                value,
                pos: self.tree.pos(e),
            });
        }
        out
    }

    fn volume_mounts(&mut self, list: NodeId, of: &str) -> Vec<VolumeMount> {
        if !self.is_seq(list, &|| format!("volumeMounts{of}")) {
            return Vec::new();
        }
        let items = self.tree.items(list);
        let mut out = Vec::with_capacity(items.len());
        for (i, &m) in items.iter().enumerate() {
            if !self.is_map(m, &|| format!("volumeMounts[{i}]{of}")) {
                continue;
            }
            let name = self.string_at(m, "name", &|| format!("volumeMounts[{i}].name{of}"));
            let path = self.string_at(m, "mountPath", &|| {
                format!("volumeMounts[{i}].mountPath{of}")
            });
            out.push(VolumeMount {
                name: name.map(|n| n.value).unwrap_or_default(),
                mount_path: path.map(|p| p.value).unwrap_or_default(),
            });
        }
        out
    }

    fn volumes(&mut self, list: NodeId, path: &str) -> Vec<Volume> {
        if !self.is_seq(list, &|| format!("{path}.volumes")) {
            return Vec::new();
        }
        let items = self.tree.items(list);
        let mut out = Vec::with_capacity(items.len());
        for (i, &v) in items.iter().enumerate() {
            let at = || format!("{path}.volumes[{i}]");
            if !self.is_map(v, &at) {
                continue;
            }
            let name = self.string_at(v, "name", &|| format!("{}.name", at()));
            let mut empty_dir = None;
            if let Some(ed) = self.field(v, "emptyDir") {
                if self.is_map(ed, &|| format!("{}.emptyDir", at())) {
                    let medium =
                        self.string_at(ed, "medium", &|| format!("{}.emptyDir.medium", at()));
                    let size_limit = match self.field_or_null(ed, "sizeLimit") {
                        Some(q) if !self.tree.is_null(q) => {
                            self.quantity(q, &|| format!("{}.emptyDir.sizeLimit", at()))
                        }
                        // sizeLimit is a pointer: null means no limit.
                        _ => None,
                    };
                    empty_dir = Some(EmptyDir {
                        pos: self.tree.pos(ed),
                        medium,
                        size_limit,
                    });
                }
            }
            out.push(Volume {
                name: name.map(|n| n.value).unwrap_or_default(),
                pos: self.tree.pos(v),
                empty_dir,
            });
        }
        out
    }
}
