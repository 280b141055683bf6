//! `oomdoc agent --events`: a Kubernetes Event on the pod for each OOM kill the agent explains,
//! so that `kubectl describe pod` and `kubectl get events` show the verdict next to the
//! kubelet's `OOMKilled`. Off by default; needs `create` on `events` (deploy/agent-events-rbac.yaml).

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::api::PostParams;
use kube::Api;

use crate::api_error::ClusterError;
use crate::client::{connect, runtime, Conn, Target};

/// The Event's `reason`: what kubectl shows in its REASON column.
pub const REASON: &str = "OOMKillExplained";
/// The Event's `source.component` and `reportingComponent`.
pub const COMPONENT: &str = "oomdoc-agent";

/// The pod an Event is about.
#[derive(Clone, Copy, Debug)]
pub struct PodRef<'a> {
    /// `metadata.namespace`.
    pub namespace: &'a str,
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.uid`.
    pub uid: &'a str,
}

/// Creates Events; one client, its own runtime, each request under the target's timeout.
pub struct EventPoster {
    rt: tokio::runtime::Runtime,
    conn: Conn,
    node: String,
}

impl EventPoster {
    /// A poster for events from `node`.
    pub fn connect(target: &Target, node: &str) -> Result<EventPoster, ClusterError> {
        crate::names::check("node", node)?;
        let rt = runtime()?;
        let conn = rt.block_on(connect(target))?;
        Ok(EventPoster {
            rt,
            conn,
            node: node.to_string(),
        })
    }

    /// Creates the Event for a kill of `pod` with `message`, at `unix_seconds`.
    pub fn post(
        &self,
        pod: PodRef<'_>,
        message: &str,
        unix_seconds: i64,
    ) -> Result<(), ClusterError> {
        crate::names::check("namespace", pod.namespace)?;
        let ev = event(pod, message, &self.node, unix_seconds);
        let api: Api<Event> = Api::namespaced(self.conn.client.clone(), pod.namespace);
        let params = PostParams::default();
        let req = api.create(&params, &ev);
        let r = self
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(30), req).await });
        match r {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(crate::api_error::classify(
                &e,
                "create",
                "events",
                &self.conn.url,
            )),
            Err(_) => Err(ClusterError::Config(
                "creating the event timed out after 30 s".into(),
            )),
        }
    }
}

/// `unix_seconds` as the API's time type.
fn chrono_time(unix_seconds: i64) -> k8s_openapi::chrono::DateTime<k8s_openapi::chrono::Utc> {
    k8s_openapi::chrono::DateTime::from_timestamp(unix_seconds, 0).unwrap_or_default()
}

/// The Event object (core/v1, as the kubelet writes its own).
pub fn event(pod: PodRef<'_>, message: &str, node: &str, unix_seconds: i64) -> Event {
    let now = chrono_time(unix_seconds);
    Event {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}.oomdoc-", pod.name)),
            namespace: Some(pod.namespace.to_string()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("Pod".into()),
            name: Some(pod.name.to_string()),
            namespace: Some(pod.namespace.to_string()),
            uid: Some(pod.uid.to_string()),
            ..ObjectReference::default()
        },
        reason: Some(REASON.into()),
        message: Some(message.to_string()),
        type_: Some("Warning".into()),
        count: Some(1),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        event_time: Some(MicroTime(now)),
        source: Some(EventSource {
            component: Some(COMPONENT.into()),
            host: Some(node.to_string()),
        }),
        reporting_component: Some(COMPONENT.into()),
        reporting_instance: Some(node.to_string()),
        action: Some("Explained".into()),
        ..Event::default()
    }
}
