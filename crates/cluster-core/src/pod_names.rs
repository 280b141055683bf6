//! The names the node agent labels a pod's series with: namespace, name, and each container's
//! name by container id, keyed by pod UID (read from the pod objects of its node's watch).

use k8s_openapi::api::core::v1::Pod;

/// A pod's names, and its containers' names by container id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodNames {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// (container id without the runtime's `scheme://`, container name), from the statuses of
    /// init, regular and ephemeral containers.
    pub containers: Vec<(String, String)>,
}

/// The names in `pod`, keyed by its UID.
pub fn pod_names(pod: &Pod) -> Option<(String, PodNames)> {
    let uid = pod.metadata.uid.clone()?;
    let containers = crate::statuses::all_statuses(pod)
        .filter_map(|c| {
            let id = c.container_id.as_deref()?;
            let id = id.split_once("://").map_or(id, |(_, hex)| hex);
            Some((id.to_string(), c.name.clone()))
        })
        .collect();
    Some((
        uid,
        PodNames {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            containers,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_metadata_and_every_kind_of_container_status() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "admin-7d9", "namespace": "shop", "uid": "u-1"},
            "status": {
                "initContainerStatuses": [{"name": "init", "containerID": "containerd://aaa", "image": "", "imageID": "", "ready": true, "restartCount": 0}],
                "containerStatuses": [
                    {"name": "app", "containerID": "cri-o://bbb", "image": "", "imageID": "", "ready": true, "restartCount": 0},
                    {"name": "starting", "image": "", "imageID": "", "ready": false, "restartCount": 0}
                ]
            }
        }))
        .unwrap();
        let (uid, n) = pod_names(&pod).unwrap();
        assert_eq!(uid, "u-1");
        assert_eq!(
            (n.namespace.as_str(), n.name.as_str()),
            ("shop", "admin-7d9")
        );
        assert_eq!(
            n.containers,
            vec![("aaa".into(), "init".into()), ("bbb".into(), "app".into())]
        );
        let no_uid: Pod =
            serde_json::from_value(serde_json::json!({"metadata": {"name": "x"}})).unwrap();
        assert!(pod_names(&no_uid).is_none());
    }
}
