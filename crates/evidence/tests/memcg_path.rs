//! memcg path decoding, table-driven: every kubelet cgroup layout.

use oomdoc_evidence::memcg_path::{decode_memcg_path, MemcgLevel as L, Runtime as R};
use oomdoc_model::qos::QosClass as Q;

const UID: &str = "94eb36cd-29e1-478b-b365-4cb5dfc7d6fb";
const ID: &str = "46b3e0a4df44b752b841aecca454e6e78995d567912a84950390bae6f6777a63";

/// (path, level, pod uid, qos, container id, runtime)
type Row = (
    String,
    L,
    Option<&'static str>,
    Option<Q>,
    Option<&'static str>,
    Option<R>,
);

#[test]
fn table() {
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        // cgroupfs driver (v1 and v2 look the same)
        (format!("/kubepods/burstable/pod{UID}/{ID}"), L::Container, Some(UID), Some(Q::Burstable), Some(ID), None),
        (format!("/kubepods/besteffort/pod{UID}/{ID}"), L::Container, Some(UID), Some(Q::BestEffort), Some(ID), None),
        (format!("/kubepods/pod{UID}/{ID}"), L::Container, Some(UID), Some(Q::Guaranteed), Some(ID), None),
        (format!("/kubepods/pod{UID}"), L::Pod, Some(UID), Some(Q::Guaranteed), None, None),
        (format!("/kubepods/burstable/pod{UID}"), L::Pod, Some(UID), Some(Q::Burstable), None, None),
        ("/kubepods/burstable".into(), L::QosParent, None, Some(Q::Burstable), None, None),
        ("/kubepods".into(), L::Kubepods, None, None, None, None),
        // systemd driver
        (format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{ID}.scope", UID.replace('-', "_")), L::Container, Some(UID), Some(Q::Burstable), Some(ID), Some(R::Containerd)),
        (format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{}.slice/crio-{ID}.scope", UID.replace('-', "_")), L::Container, Some(UID), Some(Q::BestEffort), Some(ID), Some(R::CriO)),
        (format!("/kubepods.slice/kubepods-pod{}.slice/docker-{ID}.scope", UID.replace('-', "_")), L::Container, Some(UID), Some(Q::Guaranteed), Some(ID), Some(R::Docker)),
        (format!("/kubepods.slice/kubepods-pod{}.slice", UID.replace('-', "_")), L::Pod, Some(UID), Some(Q::Guaranteed), None, None),
        (format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice", UID.replace('-', "_")), L::Pod, Some(UID), Some(Q::Burstable), None, None),
        ("/kubepods.slice/kubepods-burstable.slice".into(), L::QosParent, None, Some(Q::Burstable), None, None),
        ("/kubepods.slice".into(), L::Kubepods, None, None, None, None),
        (format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/crio-conmon-{ID}.scope", UID.replace('-', "_")), L::Container, Some(UID), Some(Q::Burstable), Some(ID), Some(R::CriO)),
        // nested under another prefix (kind / k3s-in-docker, lxc)
        (format!("/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/kubepods/burstable/pod{UID}/{ID}"), L::Container, Some(UID), Some(Q::Burstable), Some(ID), None),
        (format!("/lxc.payload.node1/kubepods.slice/kubepods-pod{}.slice/cri-containerd-{ID}.scope", UID.replace('-', "_")), L::Container, Some(UID), Some(Q::Guaranteed), Some(ID), Some(R::Containerd)),
        // v1 hierarchy path as read from /proc/PID/cgroup (controller prefix already split off)
        (format!("kubepods/besteffort/pod{UID}/{ID}"), L::Container, Some(UID), Some(Q::BestEffort), Some(ID), None),
        // outside kubepods
        ("/".into(), L::Outside, None, None, None, None),
        ("/system.slice/containerd.service".into(), L::Outside, None, None, None, None),
        (format!("cri-containerd-{ID}.scope"), L::Outside, None, None, Some(ID), Some(R::Containerd)),
        ("/user.slice/user-1000.slice/session-3.scope".into(), L::Outside, None, None, None, None),
    ];
    assert!(rows.len() >= 15);
    for (path, level, uid, qos, id, rt) in rows {
        let p = decode_memcg_path(&path);
        assert_eq!(
            (
                p.level,
                p.pod_uid.as_deref(),
                p.qos,
                p.container_id.as_deref(),
                p.runtime
            ),
            (level, uid, qos, id, rt),
            "{path}"
        );
    }
}

#[test]
fn conmon_and_systemd_flags() {
    let p = decode_memcg_path(&format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/crio-conmon-{ID}.scope", UID.replace('-', "_")));
    assert!(p.conmon && p.systemd);
    assert!(!decode_memcg_path(&format!("/kubepods/pod{UID}/{ID}")).systemd);
}
