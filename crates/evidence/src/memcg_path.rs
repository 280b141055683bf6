//! Decoding the memory cgroup paths the kubelet creates into pod UID, QoS class, container id and
//! container runtime.
//!
//! Shapes (cgroup v1 and v2 alike; `kubepods` may sit under another prefix such as
//! `/docker/<id>/`, `/lxc.payload.<name>/` or a kubelet `--cgroup-root`):
//!
//! | driver | Guaranteed | Burstable / BestEffort | container leaf |
//! |---|---|---|---|
//! | cgroupfs | `/kubepods/pod<uid>/` | `/kubepods/burstable/pod<uid>/` | `<64-hex id>` |
//! | systemd | `/kubepods.slice/kubepods-pod<uid_>.slice/` | `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/` | `cri-containerd-<id>.scope`, `docker-<id>.scope`, `crio-<id>.scope` |
//!
//! Guaranteed pods have **no** QoS segment: a path with `pod<uid>` directly under `kubepods` is
//! Guaranteed, not unknown.

use oomdoc_model::qos::QosClass;

/// The container runtime named by a systemd scope prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// `cri-containerd-<id>.scope`.
    Containerd,
    /// `crio-<id>.scope` (and `crio-conmon-<id>.scope`, the monitor).
    CriO,
    /// `docker-<id>.scope`.
    Docker,
}

/// How deep in the kubelet's hierarchy a path ends: which limit an OOM at that path enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemcgLevel {
    /// `/kubepods` (or `kubepods.slice`): node allocatable.
    Kubepods,
    /// A QoS parent (`burstable`, `besteffort`).
    QosParent,
    /// A pod cgroup: the pod-level limit.
    Pod,
    /// A container leaf: the container's own limit.
    Container,
    /// Not under `kubepods` (e.g. `/`, `system.slice`).
    Outside,
}

/// What a memcg path says about the pod and container it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemcgPath {
    /// The path as written.
    pub raw: String,
    /// The level the path ends at.
    pub level: MemcgLevel,
    /// Pod UID with dashes (`_` turned back into `-` for the systemd driver).
    pub pod_uid: Option<String>,
    /// QoS class; Guaranteed when the pod sits directly under `kubepods`.
    pub qos: Option<QosClass>,
    /// Container id (the hex id, without a runtime prefix).
    pub container_id: Option<String>,
    /// Runtime, when the path names it (systemd driver only).
    pub runtime: Option<Runtime>,
    /// True for the systemd cgroup driver (`.slice` / `.scope` names).
    pub systemd: bool,
    /// True for the CRI-O monitor scope `crio-conmon-<id>.scope`.
    pub conmon: bool,
}

fn qos_from(seg: &str) -> Option<QosClass> {
    match seg {
        "burstable" => Some(QosClass::Burstable),
        "besteffort" => Some(QosClass::BestEffort),
        _ => None,
    }
}

fn is_hex_id(s: &str) -> bool {
    s.len() >= 12 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Decodes a memcg path. Never fails: parts that cannot be read are `None`.
pub fn decode_memcg_path(path: &str) -> MemcgPath {
    let raw = path.trim().to_string();
    let mut out = MemcgPath {
        raw: raw.clone(),
        level: MemcgLevel::Outside,
        pod_uid: None,
        qos: None,
        container_id: None,
        runtime: None,
        systemd: false,
        conmon: false,
    };
    let segs: Vec<&str> = raw.split('/').filter(|s| !s.is_empty()).collect();
    let Some(start) = segs
        .iter()
        // `kubelet-kubepods.slice` with a `--cgroup-root` (kind, nested kubelets).
        .position(|s| *s == "kubepods" || *s == "kubepods.slice" || s.ends_with("-kubepods.slice"))
    else {
        // A bare leaf scope (cpuset= with the systemd driver) still names a container.
        if let Some(last) = segs.last() {
            leaf(&mut out, last);
        }
        return out;
    };
    out.systemd = segs[start].ends_with(".slice");
    out.level = MemcgLevel::Kubepods;
    let mut qos_seen = false;
    for seg in &segs[start + 1..] {
        if out.systemd {
            if let Some(name) = seg.strip_suffix(".slice") {
                // kubepods-burstable.slice, kubepods-burstable-pod<uid>.slice, kubepods-pod<uid>.slice
                let rest = name.rsplit_once("kubepods-").map_or(name, |(_, r)| r);
                if let Some(i) = rest.find("pod") {
                    let q = rest[..i].trim_end_matches('-');
                    if !q.is_empty() {
                        out.qos = qos_from(q);
                    }
                    out.pod_uid = Some(rest[i + 3..].replace('_', "-"));
                    out.level = MemcgLevel::Pod;
                } else if let Some(q) = qos_from(rest) {
                    out.qos = Some(q);
                    qos_seen = true;
                    out.level = MemcgLevel::QosParent;
                }
            } else if seg.ends_with(".scope") {
                leaf(&mut out, seg);
            }
        } else if let Some(q) = qos_from(seg) {
            out.qos = Some(q);
            qos_seen = true;
            out.level = MemcgLevel::QosParent;
        } else if let Some(uid) = seg.strip_prefix("pod") {
            out.pod_uid = Some(uid.replace('_', "-"));
            out.level = MemcgLevel::Pod;
        } else if out.pod_uid.is_some() {
            leaf(&mut out, seg);
        }
    }
    if out.pod_uid.is_some() && out.qos.is_none() && !qos_seen {
        out.qos = Some(QosClass::Guaranteed);
    }
    out
}

fn leaf(out: &mut MemcgPath, seg: &str) {
    // A path cut inside `.scope` (a pager, a page's width) still ends at a scope.
    let cut_scope = [".s", ".sc", ".sco", ".scop"]
        .iter()
        .find_map(|c| seg.strip_suffix(c))
        .filter(|n| n.contains('-'));
    let (name, scope) = match seg.strip_suffix(".scope").or(cut_scope) {
        Some(n) => (n, true),
        None => (seg, false),
    };
    let (runtime, id, conmon) = if let Some(id) = name.strip_prefix("cri-containerd-") {
        (Some(Runtime::Containerd), id, false)
    } else if let Some(id) = name.strip_prefix("crio-conmon-") {
        (Some(Runtime::CriO), id, true)
    } else if let Some(id) = name.strip_prefix("crio-") {
        (Some(Runtime::CriO), id, false)
    } else if let Some(id) = name.strip_prefix("docker-") {
        (Some(Runtime::Docker), id, false)
    } else {
        (None, name, false)
    };
    if scope && runtime.is_some() && !is_hex_id(id) {
        // A runtime's container scope whose id is not shown as hex (redacted, cut): still a
        // container's cgroup.
        if out.level != MemcgLevel::Outside {
            out.level = MemcgLevel::Container;
        }
        out.runtime = runtime;
        out.systemd = true;
        return;
    }
    if is_hex_id(id) && (scope || runtime.is_none()) {
        out.container_id = Some(id.to_string());
        out.runtime = runtime;
        out.conmon = conmon;
        if out.level != MemcgLevel::Outside {
            out.level = MemcgLevel::Container;
        }
        if scope {
            out.systemd = true;
        }
    }
}
