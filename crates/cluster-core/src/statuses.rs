//! A pod's container statuses in the order the readers want them: init containers, then the
//! regular ones (ephemeral containers on request). One place, because several readers walk them
//! (kills, `explain --pod`'s previous logs, the agent's container names).

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

/// The statuses of `pod`'s init and regular containers.
pub fn statuses(pod: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    let status = pod.status.as_ref();
    status
        .and_then(|s| s.init_container_statuses.as_ref())
        .into_iter()
        .flatten()
        .chain(
            status
                .and_then(|s| s.container_statuses.as_ref())
                .into_iter()
                .flatten(),
        )
}

/// [`statuses`] and then the ephemeral containers' (`kubectl debug`).
pub fn all_statuses(pod: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    statuses(pod).chain(
        pod.status
            .as_ref()
            .and_then(|s| s.ephemeral_container_statuses.as_ref())
            .into_iter()
            .flatten(),
    )
}
