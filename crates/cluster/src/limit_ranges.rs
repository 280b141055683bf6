//! The cluster's LimitRanges for `oomdoc webhook`: a read-only list and watch of every
//! namespace's LimitRanges, kept in an index the webhook reads at each review.
//!
//! Runs on its own thread. Until the first list is in (and whenever the server refuses it, as
//! without `list`/`watch` on `limitranges`), the LimitRanges are unknown and the webhook says
//! its figures assume none; once listed, a failing watch keeps what it had while it retries
//! (with [`crate::live_watch`]'s backoff).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::LimitRange;
use kube::runtime::{watcher, WatchStreamExt};
use kube::Api;
use oomdoc_cluster_core::limit_ranges::LimitRangeIndex;

use crate::api_error::ClusterError;
use crate::client::{connect_with, runtime, Target};
use crate::live_watch::Escalating;

/// What the watch has learnt so far.
#[derive(Debug, Default)]
pub struct Known {
    /// The LimitRanges, `None` until listed.
    pub index: Option<LimitRangeIndex>,
    /// The first list is in, or the server refused it (or could not be reached) once: either
    /// way the webhook can answer without waiting (its readiness).
    pub settled: bool,
}

/// The LimitRanges known, shared with the webhook.
pub type SharedLimitRanges = Arc<RwLock<Known>>;

/// Watches all LimitRanges into `known` until `stop` is set; `log` gets one line for each
/// change between working and failing. Returns once connected (or with why it cannot).
pub fn follow_limit_ranges(
    target: &Target,
    known: SharedLimitRanges,
    stop: Arc<AtomicBool>,
    log: Box<dyn Fn(&str) + Send>,
) -> Result<std::thread::JoinHandle<()>, ClusterError> {
    let rt = runtime()?;
    // A watch request lasts up to the server's timeout (290 s here) plus the guard's margin.
    let conn = rt.block_on(connect_with(target, Duration::from_secs(330)))?;
    let api: Api<LimitRange> = Api::all(conn.client.clone());
    let cfg = watcher::Config::default().timeout(290);
    let url = conn.url.clone();
    Ok(std::thread::spawn(move || {
        rt.block_on(async move {
            let mut stream = watcher(api, cfg).backoff(Escalating::default()).boxed();
            let mut failing = false;
            let mut fresh = LimitRangeIndex::default();
            let set = |f: &dyn Fn(&mut Known)| {
                f(&mut known.write().unwrap_or_else(|p| p.into_inner()));
            };
            while !stop.load(Ordering::Relaxed) {
                let next = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
                let ev = match next {
                    Err(_) => continue,
                    Ok(None) => break,
                    Ok(Some(ev)) => ev,
                };
                match ev {
                    Ok(watcher::Event::Apply(l)) => {
                        set(&|k| k.index.get_or_insert_with(Default::default).apply(&l))
                    }
                    Ok(watcher::Event::Delete(l)) => set(&|k| {
                        if let Some(k) = &mut k.index {
                            k.delete(&l)
                        }
                    }),
                    Ok(watcher::Event::Init) => fresh = LimitRangeIndex::default(),
                    Ok(watcher::Event::InitApply(l)) => fresh.apply(&l),
                    Ok(watcher::Event::InitDone) => {
                        let n = fresh.len();
                        let listed = std::mem::take(&mut fresh);
                        let mut k = known.write().unwrap_or_else(|p| p.into_inner());
                        k.index = Some(listed);
                        k.settled = true;
                        log(&format!("{n} LimitRanges, from {url}"));
                        failing = false;
                    }
                    Err(e) => {
                        set(&|k| k.settled = true);
                        if !failing {
                            log(&format!(
                                "LimitRanges from {url}: {e}; retrying (until listed, figures assume none)"
                            ));
                        }
                        failing = true;
                    }
                }
            }
        });
    }))
}
