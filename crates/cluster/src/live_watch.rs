//! `watch` against a live cluster: pods and events through `kube::runtime::watcher` (list, then
//! watch from the list's resourceVersion with bookmarks; on 410 Gone it lists again), each new OOM
//! kill or eviction reported once with its verdict. What the first list shows is the baseline,
//! not news; what a later re-list shows that was not seen is news (it happened in the gap).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures::stream::{self, BoxStream};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::runtime::utils::Backoff;
use kube::runtime::{watcher, WatchStreamExt};
use kube::Api;
use oomdoc_cluster_core::facts::{event_concerns, pod_facts};
use oomdoc_cluster_core::kills::{event_kill, pod_kills, Kill, Seen};
use oomdoc_cluster_core::scan::is_oom_event;
use oomdoc_explain::{explain, Explanation};

use crate::api_error::{classify, ClusterError};
use crate::client::{connect_with, runtime, Conn, Target};
use crate::live_scan::PAGE;

/// When to stop.
#[derive(Clone, Debug, Default)]
pub struct WatchOptions {
    /// Stop after reporting this many.
    pub max_events: Option<u64>,
    /// Stop after this long.
    pub timeout: Option<Duration>,
}

/// Why the watch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchEnd {
    /// Ctrl-C.
    Interrupted,
    /// `--for` passed.
    TimedOut,
    /// `--max-events` reported.
    MaxEvents,
    /// The streams ended (does not happen with a live server).
    StreamsEnded,
}

/// A watch's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchSummary {
    /// Why it ended.
    pub end: WatchEnd,
    /// Kills and evictions reported.
    pub reported: u64,
    /// Lists made (1 per watcher at start, one more after each 410 Gone or reconnect).
    pub lists: u64,
}

// Pods are large and events small; the message lives only between two awaits.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Pod(Result<watcher::Event<Pod>, watcher::Error>),
    Ev(Result<watcher::Event<Event>, watcher::Error>),
}

/// Recent OOM events and the last state of pods that had kills, for the verdicts; bounded.
struct Memory {
    events: VecDeque<Event>,
    pods: HashMap<String, Pod>,
    pod_order: VecDeque<String>,
}

const REMEMBER: usize = 1000;

impl Memory {
    fn event(&mut self, e: &Event) {
        if self.events.len() == REMEMBER {
            self.events.pop_front();
        }
        self.events.push_back(e.clone());
    }
    fn pod(&mut self, p: &Pod) {
        let uid = p.metadata.uid.clone().unwrap_or_default();
        if !self.pods.contains_key(&uid) {
            if self.pod_order.len() == REMEMBER {
                if let Some(old) = self.pod_order.pop_front() {
                    self.pods.remove(&old);
                }
            }
            self.pod_order.push_back(uid.clone());
        }
        self.pods.insert(uid, p.clone());
    }
    fn explain_pod(&self, p: &Pod) -> Explanation {
        let ev: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| event_concerns(e, p))
            .collect();
        explain(&pod_facts(p, &ev, &[]))
    }
    fn explain_event(&self, k: &Kill, e: &Event) -> Explanation {
        let pod = self.pods.values().find(|p| {
            k.pod.is_some() && p.metadata.name == k.pod && p.metadata.namespace == k.namespace
        });
        match pod {
            Some(p) => self.explain_pod(p),
            None => {
                let mut facts = oomdoc_explain::Facts::new();
                let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [e]});
                let text = serde_json::to_string_pretty(&list).unwrap_or_default();
                facts.add_kind("event", &text, oomdoc_evidence::Kind::Events);
                explain(&facts)
            }
        }
    }
}

/// Watches until Ctrl-C, `timeout` or `max_events`, calling `report` with each new kill and its
/// verdict and `note` with what the watch went through (re-lists, reconnects).
pub fn watch_live(
    t: &Target,
    opts: &WatchOptions,
    report: &mut dyn FnMut(&Kill, &Explanation) -> std::io::Result<()>,
    note: &mut dyn FnMut(&str),
) -> Result<WatchSummary, ClusterError> {
    runtime()?.block_on(async {
        // A watch response lasts up to the server-side timeout (290 s): read longer than that.
        let c = connect_with(t, Duration::from_secs(300)).await?;
        run(&c, opts, report, note).await
    })
}

/// kube's default backoff, client-go's reflector's (0.8 s doubling to 30 s with jitter, back
/// to the start once 2 minutes pass without a wait), except that a success does not reset it:
/// kube's `StreamBackoff` resets on every `Ok`, so a server that answers each list and ends
/// each watch with a 410 got a list about every second, forever.
#[derive(Default)]
pub(crate) struct Escalating(watcher::DefaultBackoff);

impl Iterator for Escalating {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        self.0.next()
    }
}

impl Backoff for Escalating {
    fn reset(&mut self) {}
}

fn api<K>(c: &Conn) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    match &c.namespace {
        Some(ns) => Api::namespaced(c.client.clone(), ns),
        None => Api::all(c.client.clone()),
    }
}

/// Both watchers, merged: pods and events, each listed then watched, with bookmarks. After an
/// error (a 410 in the stream, an object without a resourceVersion, a lost connection) each
/// watcher waits before it lists or watches again (see [`Escalating`]). A watch the server ends
/// at once is no error: pace.rs spaces those.
fn watchers(c: &Conn) -> stream::Select<BoxStream<'static, Msg>, BoxStream<'static, Msg>> {
    let cfg = watcher::Config::default().page_size(PAGE);
    let pods = watcher(api::<Pod>(c), cfg.clone())
        .backoff(Escalating::default())
        .map(Msg::Pod)
        .boxed();
    let events = watcher(api::<Event>(c), cfg)
        .backoff(Escalating::default())
        .map(Msg::Ev)
        .boxed();
    stream::select(pods, events)
}

/// A kill and its verdict, to report.
type News = Vec<(Kill, Explanation)>;

/// What the watch has seen, remembers and reported.
struct Watch {
    seen: Seen,
    mem: Memory,
    /// The first list of each resource is the baseline: nothing in it is news.
    pods_listed: bool,
    events_listed: bool,
    sum: WatchSummary,
}

impl Watch {
    fn new() -> Watch {
        Watch {
            seen: Seen::new(100_000),
            mem: Memory {
                events: VecDeque::new(),
                pods: HashMap::new(),
                pod_order: VecDeque::new(),
            },
            pods_listed: false,
            events_listed: false,
            sum: WatchSummary {
                end: WatchEnd::StreamsEnded,
                reported: 0,
                lists: 0,
            },
        }
    }

    /// One message of the watchers: the news it brings, or the watcher's error and its resource.
    fn on_message(&mut self, msg: Msg) -> (News, Option<(watcher::Error, &'static str)>) {
        match msg {
            Msg::Pod(Ok(ev)) => (self.on_pod(ev), None),
            Msg::Ev(Ok(ev)) => (self.on_event(ev), None),
            Msg::Pod(Err(e)) => (Vec::new(), Some((e, "pods"))),
            Msg::Ev(Err(e)) => (Vec::new(), Some((e, "events"))),
        }
    }

    /// A pod watcher event: a list starts (`Init`) or is complete (`InitDone`), or a pod is
    /// listed or changed (`InitApply`, `Apply`): its kills not seen before are news once the
    /// first list is done.
    fn on_pod(&mut self, ev: watcher::Event<Pod>) -> News {
        let mut news = Vec::new();
        match ev {
            watcher::Event::Init => self.sum.lists += 1,
            watcher::Event::InitDone => self.pods_listed = true,
            watcher::Event::Apply(p) | watcher::Event::InitApply(p) => {
                let kills = pod_kills(&p);
                if !kills.is_empty() {
                    self.mem.pod(&p);
                }
                for k in kills {
                    if self.seen.first(&k.key) && self.pods_listed {
                        let e = self.mem.explain_pod(&p);
                        news.push((k, e));
                    }
                }
            }
            watcher::Event::Delete(_) => {}
        }
        news
    }

    /// An event watcher event: as [`Watch::on_pod`], for OOM and eviction events.
    fn on_event(&mut self, ev: watcher::Event<Event>) -> News {
        let mut news = Vec::new();
        match ev {
            watcher::Event::Init => self.sum.lists += 1,
            watcher::Event::InitDone => self.events_listed = true,
            watcher::Event::Apply(e) | watcher::Event::InitApply(e) => {
                if is_oom_event(&e) {
                    self.mem.event(&e);
                    if let Some(k) = event_kill(&e) {
                        if self.seen.first(&k.key) && self.events_listed {
                            let x = self.mem.explain_event(&k, &e);
                            news.push((k, x));
                        }
                    }
                }
            }
            watcher::Event::Delete(_) => {}
        }
        news
    }

    /// Hands each kill to `report`. `true` when the watch is over: `--max-events` reached, or
    /// the reader went away (`| head`).
    fn report(
        &mut self,
        news: News,
        opts: &WatchOptions,
        report: &mut dyn FnMut(&Kill, &Explanation) -> std::io::Result<()>,
    ) -> Result<bool, ClusterError> {
        for (k, x) in news {
            match report(&k, &x) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(true),
                Err(e) => return Err(ClusterError::Output(e.to_string())),
            }
            self.sum.reported += 1;
            if opts.max_events.is_some_and(|m| self.sum.reported >= m) {
                self.sum.end = WatchEnd::MaxEvents;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether the first list of `resource` is done.
    fn listed(&self, resource: &str) -> bool {
        if resource == "pods" {
            self.pods_listed
        } else {
            self.events_listed
        }
    }
}

/// A watcher's error, as client-go's reflector treats it: 410 Gone lists again; 401/403/404
/// end the watch; a server never reached before the first list ends it; anything else is
/// retried (the watcher backs off). Returns the error that ends the watch.
fn on_watch_error(
    e: watcher::Error,
    resource: &str,
    listed: bool,
    url: &str,
    note: &mut dyn FnMut(&str),
) -> Result<(), ClusterError> {
    match e {
        watcher::Error::WatchError(s) if s.code == 410 => {
            note(&format!(
                "{resource}: resourceVersion expired (410 Gone: {}); listing again",
                s.message
            ));
        }
        watcher::Error::WatchError(s) => {
            let ce = crate::api_error::from_status(
                s.code, &s.reason, &s.message, "watch", resource, url,
            );
            if matches!(s.code, 401 | 403 | 404) {
                return Err(ce);
            }
            note(&format!("{ce}; watching again"));
        }
        watcher::Error::InitialListFailed(ke)
        | watcher::Error::WatchStartFailed(ke)
        | watcher::Error::WatchFailed(ke) => {
            let verb = if listed { "watch" } else { "list" };
            let ce = classify(&ke, verb, resource, url);
            // Refusals are final; so is a server never reached. A connection lost after
            // the first list is retried with backoff.
            let fatal = matches!(ce.code(), Some(401 | 403 | 404))
                || (!listed && matches!(ce, ClusterError::Unreachable { .. }));
            if fatal {
                return Err(ce);
            }
            note(&format!("{ce}; retrying"));
        }
        watcher::Error::NoResourceVersion => {
            note(&format!(
                "{resource}: the server sent no resourceVersion; listing again"
            ));
        }
    }
    Ok(())
}

async fn run(
    c: &Conn,
    opts: &WatchOptions,
    report: &mut dyn FnMut(&Kill, &Explanation) -> std::io::Result<()>,
    note: &mut dyn FnMut(&str),
) -> Result<WatchSummary, ClusterError> {
    let mut all = watchers(c);
    let mut w = Watch::new();
    let deadline = opts.timeout.map(|d| tokio::time::Instant::now() + d);
    let sleep_until = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(sleep_until);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let msg = tokio::select! {
            m = all.next() => m,
            _ = &mut ctrl_c => { w.sum.end = WatchEnd::Interrupted; return Ok(w.sum); }
            _ = &mut sleep_until => { w.sum.end = WatchEnd::TimedOut; return Ok(w.sum); }
        };
        let Some(msg) = msg else { return Ok(w.sum) };
        let (news, err) = w.on_message(msg);
        if w.report(news, opts, report)? {
            return Ok(w.sum);
        }
        if let Some((e, resource)) = err {
            on_watch_error(e, resource, w.listed(resource), &c.url, note)?;
        }
    }
}
