//! `scan` against a live cluster: the metrics API (optional), then pods, nodes and OOM/eviction
//! events, each listed page by page (`limit` + `continue`) and fed to [`Scan`] as it arrives, so
//! memory holds one page, not the cluster.

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::{Api, ListParams};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use oomdoc_cluster_core::rows::bytes;
use oomdoc_cluster_core::scan::{Analyzer, PodResult, Scan, ScanReport, Usage};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::api_error::{classify, ClusterError};
use crate::client::{connect, runtime, Conn, Target};

/// Objects per page.
pub const PAGE: u32 = 500;

/// Progress of a scan: pods read so far, and the total when the server says
/// (`remainingItemCount`).
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

fn api<K>(c: &Conn) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    match &c.namespace {
        Some(ns) => Api::namespaced(c.client.clone(), ns),
        None => Api::all(c.client.clone()),
    }
}

/// Lists every object page by page, calling `page` with each page's items and the number the
/// server says remain.
///
/// A continue token expires (410 Gone, reason Expired) once etcd compacts past the list's
/// revision, after about five minutes: a slow scan of a big cluster meets it. The list then
/// starts again from the first page, up to [`MAX_RESTARTS`] times, and objects already handed
/// on (by UID) are skipped, so every object is seen once. Why not the server's "inconsistent
/// continue" token: kube's error type does not carry the Status's metadata.
///
/// A server that never ends a list (a continue token it already gave, or pages past
/// [`MAX_PAGES`]) is an error, not an endless loop.
pub async fn list_pages<K>(
    api: &Api<K>,
    lp: ListParams,
    resource: &str,
    url: &str,
    page: &mut dyn FnMut(Vec<K>, Option<i64>),
) -> Result<(), ClusterError>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut token: Option<String> = None;
    // UIDs handed on, hashed (8 bytes each: 100k pods take under 2 MiB).
    let mut seen: HashSet<u64> = HashSet::new();
    let mut restarts = 0;
    // Continue tokens given so far, hashed.
    let mut tokens: HashSet<u64> = HashSet::new();
    let mut pages = 0u32;
    loop {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(endless(
                resource,
                url,
                &format!("more than {MAX_PAGES} pages of {PAGE}"),
            ));
        }
        let mut p = lp.clone().limit(PAGE);
        if let Some(t) = &token {
            p = p.continue_token(t);
        }
        let list = match api.list(&p).await {
            Ok(list) => list,
            Err(kube::Error::Api(s))
                if s.code == 410 && token.is_some() && restarts < MAX_RESTARTS =>
            {
                restarts += 1;
                token = None;
                tokens.clear();
                // As client-go's pager: wait before starting over (1 s, 2 s, 4 s).
                tokio::time::sleep(std::time::Duration::from_secs(1 << (restarts - 1))).await;
                continue;
            }
            Err(e) => return Err(classify(&e, "list", resource, url)),
        };
        let remaining = list.metadata.remaining_item_count;
        token = list.metadata.continue_.filter(|t| !t.is_empty());
        if let Some(t) = &token {
            if !tokens.insert(uid_hash(t)) {
                return Err(endless(
                    resource,
                    url,
                    "the server gave a continue token it had given before",
                ));
            }
        }
        let items: Vec<K> = list
            .items
            .into_iter()
            .filter(|k| {
                k.meta()
                    .uid
                    .as_deref()
                    .is_none_or(|u| seen.insert(uid_hash(u)))
            })
            .collect();
        page(items, remaining);
        if token.is_none() {
            return Ok(());
        }
    }
}

/// Times a list starts over after its continue token expired.
pub const MAX_RESTARTS: u32 = 3;

/// Pages of one list: 10,000 pages of [`PAGE`] are 5 million objects, 30 times the 150,000
/// pods Kubernetes supports in one cluster (events selected by reason can need more pages than
/// objects found, since the server filters after paging, but not that many).
pub const MAX_PAGES: u32 = 10_000;

fn endless(resource: &str, url: &str, why: &str) -> ClusterError {
    ClusterError::EndlessList {
        url: url.into(),
        resource: resource.into(),
        why: why.into(),
    }
}

fn uid_hash(uid: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    uid.hash(&mut h);
    h.finish()
}

#[derive(Deserialize)]
struct MetricsList {
    #[serde(default)]
    items: Vec<PodMetrics>,
}

#[derive(Deserialize)]
struct PodMetrics {
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Deserialize)]
struct ContainerMetrics {
    name: String,
    #[serde(default)]
    usage:
        std::collections::BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
}

/// Working sets from `metrics.k8s.io/v1beta1` (metrics-server). Ok(None) when the API is absent
/// (404) or not allowed (403): usage is then unknown, which the report notes.
pub async fn pod_usage(c: &Conn) -> Result<Result<Usage, String>, ClusterError> {
    let path = match &c.namespace {
        Some(ns) => format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"),
        None => "/apis/metrics.k8s.io/v1beta1/pods".to_string(),
    };
    let req = http::Request::get(&path)
        .body(Vec::new())
        .map_err(|e| ClusterError::Config(e.to_string()))?;
    match c.client.request::<MetricsList>(req).await {
        Ok(list) => {
            let mut usage = Usage::new();
            for p in list.items {
                let ns = p.metadata.namespace.unwrap_or_default();
                let name = p.metadata.name.unwrap_or_default();
                for ct in p.containers {
                    if let Some(b) = ct.usage.get("memory").and_then(bytes) {
                        usage.insert(format!("{ns}/{name}/{}", ct.name), b.max(0) as u64);
                    }
                }
            }
            Ok(Ok(usage))
        }
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 503 => Ok(Err(format!(
            "the metrics API (metrics.k8s.io) is not installed ({}): no measured usage; headroom comes from the JVM model only",
            s.code
        ))),
        Err(kube::Error::Api(s)) if s.code == 403 => Ok(Err(
            "not allowed to list pods.metrics.k8s.io (403): no measured usage (deploy/rbac.yaml grants it)".into(),
        )),
        Err(e) => Err(classify(&e, "list", "pods.metrics.k8s.io", &c.url)),
    }
}

/// Audits a page of pods on `workers` threads (the audit of each pod's spec is the CPU-bound
/// part of a scan), results in page order so the report is the same as on one thread.
fn analyze_page(a: &Analyzer, pods: &[Pod], workers: usize) -> Vec<PodResult> {
    if workers <= 1 || pods.len() < 2 {
        return pods.iter().map(|p| a.pod(p, None)).collect();
    }
    let chunk = pods.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = pods
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(|p| a.pod(p, None)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a pod's analysis panicked"))
            .collect()
    })
}

/// Scans the cluster (blocking).
pub fn scan_live(
    t: &Target,
    mut scan: Scan,
    progress: Progress<'_>,
) -> Result<ScanReport, ClusterError> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    runtime()?.block_on(async {
        let c = connect(t).await?;
        match pod_usage(&c).await? {
            Ok(u) => scan.set_usage(u),
            Err(note) => scan.note(note),
        }
        let mut done = 0u64;
        list_pages(
            &api::<Pod>(&c),
            ListParams::default(),
            "pods",
            &c.url,
            &mut |pods, remaining| {
                let (analyzer, tally) = scan.split();
                for r in analyze_page(analyzer, &pods, workers) {
                    tally.merge(r);
                }
                done += pods.len() as u64;
                progress(done, remaining.map(|r| done + r.max(0) as u64));
            },
        )
        .await?;
        let nodes: Api<Node> = Api::all(c.client.clone());
        let r = list_pages(
            &nodes,
            ListParams::default(),
            "nodes",
            &c.url,
            &mut |ns, _| ns.iter().for_each(|n| scan.add_node(n)),
        )
        .await;
        match r {
            Ok(()) => {}
            Err(e @ ClusterError::Forbidden { .. }) => scan.note(format!(
                "{e}; without nodes there is no allocatable memory and no overcommit ratio"
            )),
            Err(e) => return Err(e),
        }
        for reason in ["OOMKilling", "SystemOOM", "Evicted", "EvictionThresholdMet"] {
            let lp = ListParams::default().fields(&format!("reason={reason}"));
            let r = list_pages(&api::<Event>(&c), lp, "events", &c.url, &mut |es, _| {
                es.iter().for_each(|e| scan.add_event(e))
            })
            .await;
            match r {
                Ok(()) => {}
                Err(e @ ClusterError::Forbidden { .. }) => {
                    scan.note(format!("{e}; events are not counted"));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        let now = k8s_openapi::chrono::Utc::now().timestamp();
        Ok(scan.finish(Some(now)))
    })
}
