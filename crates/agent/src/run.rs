//! The agent's loop: a sampling thread, a kernel-log thread and the HTTP server, sharing the
//! metrics; stopped by a flag (the CLI sets it on SIGTERM/SIGINT).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oomdoc_evidence::memcg_path::MemcgLevel;

use crate::components;
use crate::discover::{discover_under, kubepods_roots, Hierarchy};
use crate::jvm_probe::{node_from_proc, probe_pids, Node};
use crate::kills::{each_kill, kill_time, Kill};
use crate::kmsg::{follow, Counts, Kmsg};
use crate::metrics::{Metrics, Who};
use crate::open_files::{file_budget, OpenCgroups};
use crate::serve::{serve, State};

/// How the agent runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where cgroups are mounted (`/sys/fs/cgroup`).
    pub cgroup_root: PathBuf,
    /// The kubelet's `kubepods` directories, when they are not found by looking under the root.
    pub kubepods: Vec<PathBuf>,
    /// The host's `/proc`, for JVM command lines; `None`: no JVM heap figures.
    pub proc_root: Option<PathBuf>,
    /// The kernel log device (`/dev/kmsg`).
    pub kmsg: PathBuf,
    /// Read the ring buffer from its start instead of from now.
    pub since_boot: bool,
    /// Time between sampling passes.
    pub interval: Duration,
    /// This node's name (`$NODE_NAME`), for the JSON lines.
    pub node: Option<String>,
    /// Where `/metrics` is served.
    pub listen: SocketAddr,
}

/// Who a pod UID and container id belong to.
pub trait Names: Send + Sync {
    /// The labels for a cgroup or a kill; UID and id as given, names where known.
    fn who(&self, pod_uid: Option<&str>, container_id: Option<&str>) -> Who;
}

/// No API access: series are labelled by pod UID and container id only.
pub struct ByUid;

impl Names for ByUid {
    fn who(&self, pod_uid: Option<&str>, container_id: Option<&str>) -> Who {
        Who {
            pod_uid: pod_uid.unwrap_or_default().to_string(),
            container_id: container_id.unwrap_or_default().to_string(),
            ..Who::default()
        }
    }
}

/// Creates a Kubernetes Event for a kill of a named pod: (who, message, Unix seconds); an
/// error is logged and the agent goes on.
pub type EventSink = Box<dyn FnMut(&Who, &str, i64) -> Result<(), String> + Send>;

/// Where the agent writes: one JSON line per kill, its own log, and (`--events`) Events.
pub struct Outputs {
    /// Kill lines (standard output).
    pub kills: Box<dyn Write + Send>,
    /// Log lines (standard error).
    pub log: Box<dyn Write + Send>,
    /// Events on pods, when asked for.
    pub events: Option<EventSink>,
}

struct Shared {
    cfg: Config,
    names: Arc<dyn Names>,
    metrics: Arc<Mutex<Metrics>>,
    out: Mutex<Outputs>,
    stop: Arc<AtomicBool>,
}

impl Shared {
    fn log(&self, msg: &str) {
        if let Ok(mut o) = self.out.lock() {
            let _ = writeln!(o.log, "oomdoc agent: {msg}");
        }
    }

    fn metrics(&self) -> std::sync::MutexGuard<'_, Metrics> {
        self.metrics.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs until `stop` is set. Errors that keep the agent from starting are returned; errors
/// after it started are logged and the rest keeps running.
pub fn run(
    cfg: Config,
    names: Arc<dyn Names>,
    out: Outputs,
    stop: Arc<AtomicBool>,
) -> Result<(), String> {
    let hierarchy = Hierarchy::find(&cfg.cgroup_root)?;
    let kmsg = Kmsg::open(&cfg.kmsg, cfg.since_boot).map_err(|e| {
        format!(
            "cannot read {}: {e} (the agent needs CAP_SYSLOG, or root)",
            cfg.kmsg.display()
        )
    })?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP server's runtime: {e}"))?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(cfg.listen))
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let shared = Arc::new(Shared {
        cfg,
        names,
        metrics: Arc::new(Mutex::new(Metrics::new())),
        out: Mutex::new(out),
        stop,
    });
    let ready = Arc::new(AtomicBool::new(false));
    shared.log(&format!(
        "serving /metrics on {}, sampling {} every {:?}",
        listener.local_addr().map_or(shared.cfg.listen, |a| a),
        hierarchy.root.display(),
        shared.cfg.interval
    ));
    let sampler = {
        let (s, r) = (shared.clone(), ready.clone());
        std::thread::spawn(move || sample_loop(&s, &hierarchy, &r))
    };
    let follower = {
        let s = shared.clone();
        std::thread::spawn(move || kmsg_loop(&s, kmsg))
    };
    let state = Arc::new(State {
        registry: shared.metrics().registry(),
        ready,
    });
    let notify = Arc::new(tokio::sync::Notify::new());
    rt.block_on(async {
        let server = tokio::spawn(serve(listener, state, notify.clone()));
        while !shared.stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        notify.notify_waiters();
        notify.notify_one();
        let _ = server.await;
    });
    let _ = sampler.join();
    let _ = follower.join();
    shared.log("stopped");
    Ok(())
}

/// Sleeps `d` in short steps, returning early once `stop` is set.
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
    }
}

fn sample_loop(s: &Shared, h: &Hierarchy, ready: &AtomicBool) {
    let cgroup = h.layout;
    let node = s
        .cfg
        .proc_root
        .as_deref()
        .map(|p| node_from_proc(p, cgroup));
    let mut heaps = HeapCache::default();
    let mut files = OpenCgroups::new(h.layout, file_budget());
    let given = !s.cfg.kubepods.is_empty();
    let mut roots = if given {
        s.cfg.kubepods.clone()
    } else {
        kubepods_roots(h)
    };
    while !s.stop.load(Ordering::Relaxed) {
        // The kubelet's hierarchy is looked for again only while it is missing or gone (a
        // kubelet started after the agent, a restart with another cgroup driver).
        if !given && (roots.is_empty() || !roots.iter().all(|r| r.is_dir())) {
            roots = kubepods_roots(h);
        }
        sample_pass(s, h, &roots, node, &mut heaps, &mut files);
        ready.store(true, Ordering::Relaxed);
        sleep_unless_stopped(s.cfg.interval, &s.stop);
    }
}

/// Passes between looks at a container's processes for a JVM (a minute at the default
/// interval): JVMs are started with their containers, and the look costs a read per container.
const PROBE_EVERY: u64 = 4;

/// JVM heap figures by cgroup directory and the pids seen there: a JVM's figure is computed
/// once, not every pass.
#[derive(Default)]
struct HeapCache {
    by_dir: HashMap<PathBuf, (String, Option<u64>)>,
    pass: u64,
}

impl HeapCache {
    fn get(&mut self, dir: &Path, proc_root: &Path, limit: Option<u64>, node: Node) -> Option<u64> {
        if !self.pass.is_multiple_of(PROBE_EVERY) {
            if let Some((_, v)) = self.by_dir.get(dir) {
                return *v;
            }
        }
        let procs = crate::discover::read_small(&dir.join("cgroup.procs")).unwrap_or_default();
        let key = format!("{procs}|{limit:?}");
        if let Some((k, v)) = self.by_dir.get(dir) {
            if *k == key {
                return *v;
            }
        }
        let v = probe_pids(&procs, proc_root, limit, node);
        self.by_dir.insert(dir.to_path_buf(), (key, v));
        v
    }
}

fn sample_pass(
    s: &Shared,
    h: &Hierarchy,
    roots: &[PathBuf],
    node: Option<Node>,
    heaps: &mut HeapCache,
    open: &mut OpenCgroups,
) {
    let start = Instant::now();
    let found = discover_under(h, roots);
    let mut rows = Vec::with_capacity(found.found.len());
    for f in &found.found {
        let Some(files) = open.read(&f.dir, f.path.level == MemcgLevel::Container) else {
            continue; // gone while walked
        };
        let sample = components::sample(h.layout, &files);
        let who = s
            .names
            .who(f.path.pod_uid.as_deref(), f.path.container_id.as_deref());
        let heap = match (&s.cfg.proc_root, node) {
            (Some(p), Some(n)) if f.path.level == MemcgLevel::Container => {
                heaps.get(&f.dir, p, sample.limit, n)
            }
            _ => None,
        };
        rows.push((who, sample, heap));
    }
    let live: HashSet<&Path> = found.found.iter().map(|f| f.dir.as_path()).collect();
    heaps.by_dir.retain(|d, _| live.contains(d.as_path()));
    open.retain(&live);
    heaps.pass += 1;
    let mut m = s.metrics();
    let mut seen = HashSet::with_capacity(rows.len());
    for (who, sample, heap) in &rows {
        m.set_sample(who, sample, *heap);
        seen.insert(who.clone());
    }
    m.retain(&seen);
    m.cgroups.set(rows.len() as i64);
    m.sample_seconds.set(start.elapsed().as_secs_f64());
}

/// The wall clock, in Unix seconds.
fn wall_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The wall-clock time of the kernel's zero, for the stamps of `/dev/kmsg` records (a character
/// device); `None` for a file of records, which may come from another boot.
fn kernel_boot(kmsg: &std::path::Path) -> Option<f64> {
    use std::os::unix::fs::FileTypeExt;
    let device = std::fs::metadata(kmsg).is_ok_and(|m| m.file_type().is_char_device());
    let mono = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    device.then(|| wall_now() - (mono.tv_sec as f64 + mono.tv_nsec as f64 / 1e9))
}

fn kmsg_loop(s: &Shared, mut kmsg: Kmsg) {
    let mut counted = Counts::default();
    let stop = || s.stop.load(Ordering::Relaxed);
    let source = s.cfg.kmsg.display().to_string();
    let (start, boot) = (wall_now(), kernel_boot(&s.cfg.kmsg));
    let result = follow(&mut kmsg, &stop, &mut |burst, counts| {
        let now = wall_now();
        let failures = each_kill(&source, &burst, &mut |k| {
            let at = kill_time(k.monotonic_us, now, start, boot);
            let who = s.names.who(k.pod_uid.as_deref(), k.container_id.as_deref());
            s.metrics().record_kill(&who, &k, at);
            // Written with the metrics released: a slow reader of standard output holds up
            // nothing but this thread.
            write_line(s, &who, &k, at as i64);
        });
        let m = s.metrics();
        m.kmsg_records.inc_by(counts.records - counted.records);
        m.kmsg_lost.inc_by(counts.lost - counted.lost);
        m.parse_failures.inc_by(failures);
        counted = counts;
    });
    if let Err(e) = result {
        s.log(&format!("stopped reading {}: {e}", s.cfg.kmsg.display()));
    }
}

fn write_line(s: &Shared, who: &Who, k: &Kill, unix_seconds: i64) {
    let line = oomdoc_report::KillLine {
        unix_seconds,
        node: s.cfg.node.as_deref(),
        namespace: &who.namespace,
        pod: &who.pod,
        container: &who.container,
        pod_uid: &who.pod_uid,
        container_id: &who.container_id,
        qos: k.qos,
        scope: k.scope.as_str(),
        explanation: &k.explanation,
        kernel_report: &k.report,
    };
    if let Ok(mut o) = s.out.lock() {
        let _ = oomdoc_report::write_kill_line(&line, &mut o.kills);
        let _ = o.kills.flush();
        let o = &mut *o;
        if let (Some(post), false) = (o.events.as_mut(), who.pod.is_empty()) {
            let message = oomdoc_report::kill_event_message(&line);
            if let Err(e) = post(who, &message, unix_seconds) {
                let _ = writeln!(
                    o.log,
                    "oomdoc agent: no event for {}/{}: {e}",
                    who.namespace, who.pod
                );
            }
        }
    }
}
