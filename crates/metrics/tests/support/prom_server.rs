//! A real Prometheus for tests: an OpenMetrics file with cAdvisor- and kube-state-metrics-style
//! series is backfilled with `promtool tsdb create-blocks-from openmetrics`, then `prometheus`
//! serves it on a free loopback port until drop (killed and waited for, its directories
//! removed). Hold it in a local, never in a `static`: statics are never dropped.
//!
//! Shared by `oomdoc-metrics`' and the CLI's tests (`#[path]`-included).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const MI: f64 = 1048576.0;
/// Samples span [now - HOURS h, now - 5 min], one a minute.
pub const HOURS: i64 = 6;

pub struct PromServer {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
    /// Unix seconds of the first and last backfilled sample.
    pub first: i64,
    pub last: i64,
}

impl Drop for PromServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runnable(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A deterministic noise in [-1, 1] (no RNG crate needed).
fn noise(i: i64, salt: u64) -> f64 {
    let mut x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(salt.wrapping_mul(1442695040888963407));
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    (x % 2001) as f64 / 1000.0 - 1.0
}

/// The OpenMetrics text: pod shop/admin-7d9 whose RSS leaks 20 MiB/h (working set = rss +
/// cache + kernel), flat cache and kernel, a 1 GiB limit, a restart counter at 0; cAdvisor's
/// pod-level (`container=""`) and pause (`container="POD"`) rows, which must be left out; and
/// another pod whose cache grows, which must not be read.
/// A series' labels and its value at (sample index, time).
type Row<'a> = (&'a str, &'a dyn Fn(i64, i64) -> f64);

pub fn openmetrics(first: i64, last: i64) -> String {
    let mut out = String::new();
    let ts: Vec<i64> = (first..=last).step_by(60).collect();
    let hours = |t: i64| (t - first) as f64 / 3600.0;
    let rss = |i: i64, t: i64| 300.0 * MI + 20.0 * MI * hours(t) + 2.0 * MI * noise(i, 1);
    let cache = |i: i64| 50.0 * MI + 1.5 * MI * noise(i, 2);
    let kernel = |i: i64| 20.0 * MI + 0.5 * MI * noise(i, 3);
    let admin =
        r#"container="admin",id="/kubepods/burstable/pod1/aaa",namespace="shop",pod="admin-7d9""#;
    let mut family = |name: &str, kind: &str, rows: &[Row]| {
        let family_name = if kind == "counter" {
            name.trim_end_matches("_total")
        } else {
            name
        };
        let _ = writeln!(out, "# TYPE {family_name} {kind}");
        for (labels, f) in rows {
            for (i, &t) in ts.iter().enumerate() {
                let _ = writeln!(out, "{name}{{{labels}}} {} {t}", f(i as i64, t).round());
            }
        }
    };
    family(
        "container_memory_working_set_bytes",
        "gauge",
        &[
            (admin, &|i, t| rss(i, t) + cache(i) + kernel(i)),
            (
                r#"container="",id="/kubepods/burstable/pod1",namespace="shop",pod="admin-7d9""#,
                &|i, t| 3.0 * (rss(i, t) + cache(i)),
            ),
            (
                r#"container="POD",id="/kubepods/burstable/pod1/pause",namespace="shop",pod="admin-7d9""#,
                &|_, _| 900.0 * MI,
            ),
            (
                r#"container="other",id="/kubepods/pod2/ccc",namespace="shop",pod="other-1""#,
                &|_, t| 100.0 * MI + 80.0 * MI * hours(t),
            ),
        ],
    );
    family(
        "container_memory_rss",
        "gauge",
        &[(admin, &|i, t| rss(i, t))],
    );
    family(
        "container_memory_cache",
        "gauge",
        &[
            (admin, &|i, _| cache(i)),
            (
                r#"container="other",id="/kubepods/pod2/ccc",namespace="shop",pod="other-1""#,
                &|_, t| 80.0 * MI * hours(t),
            ),
        ],
    );
    family(
        "container_memory_kernel_usage",
        "gauge",
        &[(admin, &|i, _| kernel(i))],
    );
    family(
        "container_spec_memory_limit_bytes",
        "gauge",
        &[(admin, &|_, _| 1024.0 * MI)],
    );
    family(
        "kube_pod_container_status_restarts_total",
        "counter",
        &[(
            r#"container="admin",namespace="shop",pod="admin-7d9",uid="u1""#,
            &|_, _| 0.0,
        )],
    );
    out.push_str("# EOF\n");
    out
}

fn http_get_status(addr: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.split_whitespace().nth(1)?.parse().ok()
}

/// Backfills and starts Prometheus, or says why it cannot.
pub fn start() -> Result<PromServer, String> {
    for tool in ["prometheus", "promtool"] {
        if !runnable(tool) {
            return Err(format!(
                "{tool} not installed (Debian: apt-get install -y prometheus)"
            ));
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    // Whole minutes, in the past: blocks must not be in the future.
    let last = now / 60 * 60 - 300;
    let first = last - HOURS * 3600;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let om = dir.path().join("cadvisor.om.txt");
    std::fs::write(&om, openmetrics(first, last)).map_err(|e| e.to_string())?;
    let data = dir.path().join("data");
    let out = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&data)
        .output()
        .map_err(|e| format!("promtool: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "promtool failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    launch(dir, data, "global:\n  scrape_interval: 1m\n", first, last)
}

/// An empty Prometheus that scrapes `target` (`host:port`, path `/metrics`) every second, as
/// job `oomdoc-agent`.
pub fn start_scraping(target: &str) -> Result<PromServer, String> {
    for tool in ["prometheus", "promtool"] {
        if !runnable(tool) {
            return Err(format!(
                "{tool} not installed (Debian: apt-get install -y prometheus)"
            ));
        }
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data = dir.path().join("data");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: oomdoc-agent\n    static_configs:\n      - targets: ['{target}']\n"
    );
    launch(dir, data, &config, 0, 0)
}

/// Starts `prometheus` on a free loopback port with `config`, storing in `data` under `dir`.
fn launch(
    dir: tempfile::TempDir,
    data: std::path::PathBuf,
    config_text: &str,
    first: i64,
    last: i64,
) -> Result<PromServer, String> {
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, config_text).map_err(|e| e.to_string())?;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let log =
        std::fs::File::create(dir.path().join("prometheus.log")).map_err(|e| e.to_string())?;
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--storage.tsdb.retention.time=100y")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("prometheus: {e}"))?;
    // Drop stops the server. Should this test process die without unwinding (killed, aborted),
    // a watchdog stops it and removes its folder; it ends as soon as the server is gone.
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "while kill -0 {owner} && kill -0 {pid}; do sleep 0.2; done 2>/dev/null; \
             kill -0 {owner} 2>/dev/null || {{ kill -9 {pid}; rm -rf '{dir}'; }} 2>/dev/null",
            owner = std::process::id(),
            pid = child.id(),
            dir = dir.path().display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut server = PromServer {
        url: format!("http://{addr}"),
        child,
        _dir: dir,
        first,
        last,
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if http_get_status(&addr, "/-/ready") == Some(200) {
            return Ok(server);
        }
        if let Ok(Some(st)) = server.child.try_wait() {
            let log = std::fs::read_to_string(server._dir.path().join("prometheus.log"))
                .unwrap_or_default();
            return Err(format!("prometheus exited with {st}: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("prometheus not ready after 30 s".into())
}

/// Whether a path exists (for messages).
pub fn exists(p: &Path) -> bool {
    p.exists()
}
