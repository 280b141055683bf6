//! Connecting: the user's kubeconfig (`--kubeconfig`, `--context`, `$KUBECONFIG`,
//! `~/.kube/config`) or the pod's service account, with connect and read timeouts, and which
//! namespace(s) to read.

use std::path::PathBuf;
use std::time::Duration;

use std::io::IsTerminal;

use kube::config::KubeConfigOptions;
use kube::{Client, Config};

use crate::api_error::ClusterError;
use crate::kubeconfig::{self, ExecPolicy};

/// Where and what to read.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `-n/--namespace`.
    pub namespace: Option<String>,
    /// `-A/--all-namespaces`.
    pub all_namespaces: bool,
    /// Connect timeout, and the deadline of one request (headers and body; not of a watch),
    /// and of a credential plugin.
    pub timeout: Option<Duration>,
}

/// A connected client and what it reads.
#[derive(Clone)]
pub struct Conn {
    /// The client.
    pub client: Client,
    /// The server URL, for messages.
    pub url: String,
    /// The namespace to read; None for all namespaces.
    pub namespace: Option<String>,
}

/// Default connect/read timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Loads the configuration: the given kubeconfig (or `$KUBECONFIG`'s files, or
/// `~/.kube/config`) and context through [`crate::kubeconfig`]'s checks, else the in-cluster
/// service account.
pub async fn config(t: &Target) -> Result<Config, ClusterError> {
    let opts = KubeConfigOptions {
        context: t.context.clone(),
        ..KubeConfigOptions::default()
    };
    let paths = kubeconfig::sources(t.kubeconfig.as_deref());
    if paths.is_empty() {
        if t.context.is_some() {
            return Err(ClusterError::Config(
                "--context needs a kubeconfig, and none was found ($KUBECONFIG, ~/.kube/config)"
                    .into(),
            ));
        }
        return Config::incluster().map_err(|e| {
            ClusterError::Config(format!(
                "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a pod: {e}"
            ))
        });
    }
    let source = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    let kc = kubeconfig::read(&paths)?;
    let exec = ExecPolicy {
        deadline: t.timeout.unwrap_or(DEFAULT_TIMEOUT),
        terminal: std::io::stdin().is_terminal(),
    };
    kubeconfig::config(kc, &opts, exec, &source).await
}

/// Connects for requests that end (lists, gets, logs).
pub async fn connect(t: &Target) -> Result<Conn, ClusterError> {
    connect_with(t, t.timeout.unwrap_or(DEFAULT_TIMEOUT)).await
}

/// Connects with `read_timeout` for each response (a watch needs more than its server-side
/// timeout).
pub async fn connect_with(t: &Target, read_timeout: Duration) -> Result<Conn, ClusterError> {
    let mut cfg = config(t).await?;
    let timeout = t.timeout.unwrap_or(DEFAULT_TIMEOUT);
    cfg.connect_timeout = Some(timeout);
    cfg.read_timeout = Some(read_timeout);
    cfg.write_timeout = Some(timeout);
    let url = cfg
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let namespace = if t.all_namespaces {
        None
    } else {
        Some(
            t.namespace
                .clone()
                .unwrap_or_else(|| cfg.default_namespace.clone()),
        )
    };
    if let Some(ns) = &namespace {
        crate::names::check("namespace", ns)?;
    }
    let client = kube::client::ClientBuilder::try_from(cfg)
        .map_err(|e| ClusterError::Config(e.to_string()))?
        .with_layer(&crate::guard::Guard::new(timeout))
        .with_layer(&crate::pace::PaceWatches::new())
        .build();
    Ok(Conn {
        client,
        url,
        namespace,
    })
}

/// A current-thread runtime for the blocking entry points.
pub fn runtime() -> Result<tokio::runtime::Runtime, ClusterError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ClusterError::Config(format!("cannot start the I/O runtime: {e}")))
}
