//! `oomdoc scan`: every container with OOM kills, evictions, restarts or memory risk, ranked, and
//! each node's overcommit - from a live cluster (read-only, page by page) or from a
//! `kubectl get pods,nodes,events -A -o json` dump (`--from`, streamed item by item).

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use oomdoc_audit::Assumptions;
use oomdoc_cluster::{dump, live_scan, Scan, ScanReport, Target};
use oomdoc_report::TerminalSafe;

use crate::args::{cgroup_parser, parse_bytes, OutputFormat};

/// Examples shown by `oomdoc scan --help`.
pub const EXAMPLES: &str = "\
Examples:
  kubectl oomdoc scan -A                          every namespace of the current context
  oomdoc scan -n shop --context prod --top 20     one namespace, another context
  oomdoc scan -A --format json > scan.json        every listed container, as JSON
  kubectl get pods,nodes,events -A -o json > dump.json; oomdoc scan --from dump.json
  kubectl get pods,nodes,events -A -o json | oomdoc scan --from -

Listed: containers OOM-killed (state or lastState), evicted pods, restarting containers, pods
named by OOMKilling/SystemOOM/Evicted events, and containers with an audit error or under 10%
memory headroom. Ranked by risk: OOM kill in the last 24 h 1000 (earlier 500), eviction 400,
OOM/eviction events 100 each (max 300), restarts 10 each (max 500), worst audit finding
200/80/10, headroom < 0 / 10% / 25% 300/200/100 (working set from the metrics API, else the JVM
model's footprint). Nodes: sum of pod memory limits / allocatable, and the pods' QoS mix.
Read-only: get/list/watch on pods, pods/log, events, nodes, pods.metrics.k8s.io (deploy/rbac.yaml).
Exit status: 0 no OOM kill or eviction found, 1 some found, 2 error.";

/// Where to find the cluster (shared by `scan`, `watch` and `explain --pod`).
#[derive(Debug, Args, Clone, Default)]
pub struct ConnArgs {
    /// The kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the pod's service
    /// account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: the current one).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Connect and per-request read timeout: 30s, 2m, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,
}

/// Which namespaces (shared by `scan` and `watch`).
#[derive(Debug, Args, Clone, Default)]
pub struct NamespaceArgs {
    /// The namespace (default: the context's).
    #[arg(
        long,
        short = 'n',
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Every namespace.
    #[arg(long, short = 'A')]
    pub all_namespaces: bool,
}

impl ConnArgs {
    /// The target for these flags.
    pub fn target(&self, ns: Option<&NamespaceArgs>) -> Target {
        Target {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: ns.and_then(|n| n.namespace.clone()),
            all_namespaces: ns.is_some_and(|n| n.all_namespaces),
            timeout: Some(self.request_timeout),
        }
    }
}

/// `oomdoc scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    conn: ConnArgs,
    #[command(flatten)]
    ns: NamespaceArgs,
    /// Read a `kubectl get pods,nodes,events -A -o json` dump instead of the cluster (`-`: stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["kubeconfig", "context", "namespace", "all_namespaces"])]
    from: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Containers shown, riskiest first (0: all). Default: 50 in text, all in JSON.
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// Node memory for the audit's Burstable oom_score_adj and for JVMs that do not see their
    /// container (an assumption).
    #[arg(long, value_name = "QTY", default_value = "16Gi", value_parser = parse_bytes)]
    node_memory: i64,
    /// The JDK assumed for a JVM whose image does not say.
    #[arg(long, value_name = "VERSION", default_value = "17")]
    jdk: String,
    /// The nodes' cgroup version.
    #[arg(long, value_name = "VERSION", default_value = "v2", value_parser = cgroup_parser())]
    cgroup: oomdoc_jvm::CgroupVersion,
}

/// A positive duration flag (`30s`, `5m`, `1h30m`, `500ms`, bare seconds): the one parser of
/// every command ([`oomdoc_model::duration`]).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    oomdoc_model::duration::parse_positive(s)
}

fn assumptions(a: &ScanArgs) -> anyhow::Result<Assumptions> {
    let mut x = Assumptions::with_node_memory(a.node_memory);
    x.default_jdk = oomdoc_jvm::JdkVersion::parse(&a.jdk)
        .map_err(|e| anyhow::anyhow!("--jdk {}: {e}", a.jdk))?;
    x.cgroup = a.cgroup;
    Ok(x)
}

/// A progress bar on stderr, only when stderr is a terminal.
pub(crate) fn progress(what: &'static str) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {pos}/{len} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(what);
    pb.enable_steady_tick(Duration::from_millis(200));
    Some(pb)
}

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    pb: Option<indicatif::ProgressBar>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(pb) = &self.pb {
            pb.inc(n as u64);
        }
        Ok(n)
    }
}

fn scan_file(path: &PathBuf, mut scan: Scan) -> anyhow::Result<ScanReport> {
    let name = path.to_string_lossy().into_owned();
    let pb = progress("bytes");
    let reader: Box<dyn Read + Send> = if name == "-" {
        Box::new(io::stdin())
    } else {
        let f = File::open(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        if let (Some(pb), Ok(m)) = (&pb, f.metadata()) {
            pb.set_length(m.len());
        }
        Box::new(f)
    };
    let counting = Counting {
        inner: reader,
        pb: pb.clone(),
    };
    // The reader and the merge take little; the audit of each pod takes the rest.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    dump::scan_dump(
        BufReader::with_capacity(1 << 20, counting),
        &name,
        &mut scan,
        workers,
    );
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    Ok(scan.finish(None))
}

pub(crate) fn run(args: &ScanArgs, style: oomdoc_report::Style) -> anyhow::Result<u8> {
    let top = match (args.top, args.format) {
        (Some(n), _) => n,
        (None, OutputFormat::Text) => 50,
        (None, OutputFormat::Json) => 0,
    };
    let mut scan = Scan::new(assumptions(args)?);
    // Only the rows that can be among the `top` riskiest are held while reading.
    scan.keep_top(top);
    let report = match &args.from {
        Some(path) => scan_file(path, scan)?,
        None => {
            let target = args.conn.target(Some(&args.ns));
            let pb = progress("pods");
            let mut on_page = |done: u64, total: Option<u64>| {
                if let Some(pb) = &pb {
                    if let Some(t) = total {
                        pb.set_length(t);
                    }
                    pb.set_position(done);
                }
            };
            let r = live_scan::scan_live(&target, scan, &mut on_page);
            if let Some(pb) = &pb {
                pb.finish_and_clear();
            }
            match r {
                Ok(r) => r,
                Err(e) => {
                    writeln!(crate::stderr(), "oomdoc: error: {e}")?;
                    return Ok(crate::EXIT_ERROR);
                }
            }
        }
    };
    let mut report = report;
    let failed = !report.errors.is_empty();
    if failed {
        let mut err = crate::stderr();
        for e in &report.errors {
            writeln!(err, "oomdoc: error: {e}")?;
        }
        if report.pods + report.nodes_read + report.oom_events == 0 {
            // Nothing could be read: the errors alone, no report of an empty cluster.
            return Ok(crate::EXIT_ERROR);
        }
        if args.format == OutputFormat::Text {
            report.errors.clear();
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(TerminalSafe::new(
        stdout.lock(),
        args.format.controls_with(style),
    ));
    match args.format {
        OutputFormat::Text => oomdoc_report::write_scan_text(&report, top, style, &mut out)?,
        OutputFormat::Json => oomdoc_report::write_scan_json(&report, &mut out)?,
    }
    out.flush()?;
    Ok(if failed {
        crate::EXIT_ERROR
    } else if report.killed() > 0 {
        crate::EXIT_FINDINGS
    } else {
        0
    })
}
