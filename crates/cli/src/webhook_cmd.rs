//! `oomdoc webhook`: the audit at admission, as a validating admission webhook over HTTPS.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use oomdoc_audit::{Assumptions, Severity};
use oomdoc_cluster::limit_ranges::{follow_limit_ranges, SharedLimitRanges};
use oomdoc_jvm::JdkVersion;
use oomdoc_model::cgroup::CgroupVersion;
use oomdoc_model::pod::LimitRange;
use oomdoc_webhook::DecideOptions;
use oomdoc_webhook_server::{run, Config, LimitRanges, LogSink, Say, Unknown};

use crate::args::{cgroup_parser, parse_bytes};
use crate::scan_cmd::{parse_duration, ConnArgs};

/// Examples shown by `oomdoc webhook --help`.
pub const EXAMPLES: &str = "\
Examples:
  oomdoc webhook --tls-cert /tls/tls.crt --tls-key /tls/tls.key
                                        as deployed by deploy/webhook.yaml (cert-manager's Secret)
  oomdoc webhook --tls-cert c.pem --tls-key k.pem --deny error --config .oomdoc.yaml
                                        refuse objects with an error finding, under a policy file
  oomdoc webhook --listen 127.0.0.1:8443 --tls-cert c.pem --tls-key k.pem --offline
                                        by hand, without the API server

Answers AdmissionReview v1 on POST /validate (GET /healthz, /readyz, /metrics) for Pods and
every kind with a pod template, with the findings of `oomdoc audit` as warnings (`kubectl apply`
prints them): `OOM003: ...`, one per finding, within the API server's limits. With --deny,
findings at or above that severity refuse the object with a message listing them - never an
object a controller owns, such as a ReplicaSet's pods (refusing those would stop rollouts and
drains), nor an update that leaves the spec alone or touches an object being deleted. Deletes,
kinds without pods and objects it cannot read are allowed (the last with a warning): never block
a cluster on oomdoc's own bug. Pod templates get their namespace's LimitRanges, read from the API
server (list, watch on limitranges: deploy/webhook.yaml); without them a warning says the figures
assume none. The certificate files are read again when they change (cert-manager renewals).
One JSON line per review on standard output: uid, kind, namespace, name, owner, operation,
dry_run, decision, findings, latency_ms.
Exit status: 0 stopped (SIGTERM, Ctrl-C), 2 could not start (certificate, address in use,
policy file).";

/// Severity at or above which objects are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DenyAt {
    /// Never refuse; warn only.
    Never,
    /// Refuse on any finding.
    Info,
    /// Refuse on warnings and errors.
    Warning,
    /// Refuse on errors only.
    Error,
}

impl DenyAt {
    fn severity(self) -> Option<Severity> {
        match self {
            DenyAt::Never => None,
            DenyAt::Info => Some(Severity::Info),
            DenyAt::Warning => Some(Severity::Warning),
            DenyAt::Error => Some(Severity::Error),
        }
    }
}

/// `oomdoc webhook`.
#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// Where to serve HTTPS.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    listen: SocketAddr,
    /// The serving certificate chain (PEM), read again when it changes.
    #[arg(long, value_name = "FILE")]
    tls_cert: PathBuf,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE")]
    tls_key: PathBuf,
    /// Refuse objects with a finding at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = DenyAt::Never)]
    deny: DenyAt,
    /// The audit's policy file (rules, exemptions, memory-limit range, node figures).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also serve /metrics and /healthz over plain HTTP here (for a Prometheus scrape).
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    /// Do not read LimitRanges from the API server (figures then assume none).
    #[arg(long)]
    offline: bool,
    /// How often to look at the certificate files for a renewal.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    cert_check: Duration,
    /// Node memory capacity assumed (as `oomdoc audit`; default 16Gi or the policy file's).
    #[arg(long, value_name = "QTY", value_parser = parse_bytes)]
    node_memory: Option<i64>,
    /// Node CPUs assumed (default 4 or the policy file's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    node_cpus: Option<u32>,
    /// The nodes' cgroup version (default v2 or the policy file's).
    #[arg(long, value_name = "VERSION", value_parser = cgroup_parser())]
    cgroup: Option<CgroupVersion>,
    /// The JDK assumed for a JVM whose image does not say.
    #[arg(long, value_name = "VERSION", default_value = "17")]
    jdk: String,
    #[command(flatten)]
    conn: ConnArgs,
}

fn say_line(msg: &str) {
    let _ = crate::stderr().write_all(format!("oomdoc webhook: {msg}\n").as_bytes());
}

/// The decision options: flags first, then the policy file, then the audit's defaults.
/// `Ok(None)`: the policy file has errors (written to standard error).
fn decide_options(args: &WebhookArgs) -> anyhow::Result<Option<DecideOptions>> {
    let file = match &args.config {
        Some(p) => match crate::policy_file::load(p)? {
            Some(f) => Some(f),
            None => return Ok(None),
        },
        None => None,
    };
    let file = file.as_ref();
    let assumptions = Assumptions {
        node_memory_bytes: args
            .node_memory
            .or(file.and_then(|f| f.node_memory))
            .unwrap_or(16 << 30),
        node_cpus: args
            .node_cpus
            .or(file.and_then(|f| f.node_cpus))
            .unwrap_or(4),
        cgroup: args
            .cgroup
            .or(file.and_then(|f| f.cgroup))
            .unwrap_or(CgroupVersion::V2),
        default_jdk: JdkVersion::parse(&args.jdk)
            .map_err(|e| anyhow!("--jdk {:?}: {e}", args.jdk))?,
        config: args.config.as_ref().map(|p| p.display().to_string()),
    };
    Ok(Some(DecideOptions {
        deny: args.deny.severity(),
        policy: file.map(|f| f.policy.clone()),
        assumptions,
    }))
}

/// LimitRanges from the API server's watch; unknown until listed.
struct FromApi(SharedLimitRanges);

impl LimitRanges for FromApi {
    fn of(&self, namespace: &str) -> Option<Vec<LimitRange>> {
        let known = self.0.read().unwrap_or_else(|p| p.into_inner());
        known.index.as_ref().map(|idx| idx.of(namespace))
    }

    fn settled(&self) -> bool {
        self.0.read().unwrap_or_else(|p| p.into_inner()).settled
    }
}

fn limit_ranges(args: &WebhookArgs, stop: Arc<AtomicBool>) -> Arc<dyn LimitRanges> {
    if args.offline {
        say_line("--offline: LimitRanges are not read; figures assume none");
        return Arc::new(Unknown);
    }
    let known = SharedLimitRanges::default();
    match follow_limit_ranges(
        &args.conn.target(None),
        known.clone(),
        stop,
        Box::new(say_line),
    ) {
        // The thread ends with the stop flag; it is not joined (a watch may be mid-request).
        Ok(_) => Arc::new(FromApi(known)),
        Err(e) => {
            say_line(&format!(
                "LimitRanges cannot be read ({e}); figures assume none"
            ));
            Arc::new(Unknown)
        }
    }
}

pub(crate) fn run_webhook(args: &WebhookArgs) -> anyhow::Result<u8> {
    let Some(opts) = decide_options(args)? else {
        return Ok(crate::EXIT_ERROR);
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let ranges = limit_ranges(args, stop.clone());
    let out = Mutex::new(std::io::stdout());
    // One write per line under a lock: lines from concurrent reviews never interleave.
    let log: LogSink = Box::new(move |line: &[u8]| {
        let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = o.write_all(line);
        let _ = o.flush();
    });
    let say: Say = Arc::new(say_line);
    let cfg = Config {
        listen: args.listen,
        cert: args.tls_cert.clone(),
        key: args.tls_key.clone(),
        metrics_listen: args.metrics_listen,
        reload_every: args.cert_check,
        opts,
    };
    match run(cfg, ranges, log, say, stop) {
        Ok(()) => Ok(0),
        Err(e) => {
            say_line(&format!("error: {e}"));
            Ok(crate::EXIT_ERROR)
        }
    }
}
