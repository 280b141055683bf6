//! Connecting: the user's kubeconfig (`--kubeconfig`, `--context`, `$KUBECONFIG`,
//! `~/.kube/config`) or the pod's service account, with connect and read timeouts, and which
//! namespace(s) to read.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::api_error::ClusterError;

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
    /// Connect timeout, and read timeout of one request (not of a watch).
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

/// Loads the configuration: the given kubeconfig and context, else `Config::infer` (kubeconfig,
/// then the in-cluster service account).
pub async fn config(t: &Target) -> Result<Config, ClusterError> {
    let opts = KubeConfigOptions {
        context: t.context.clone(),
        ..KubeConfigOptions::default()
    };
    let cfg = match (&t.kubeconfig, &t.context) {
        (Some(path), _) => {
            let kc = Kubeconfig::read_from(path)
                .map_err(|e| ClusterError::Config(format!("{}: {e}", path.display())))?;
            Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map_err(|e| ClusterError::Config(format!("{}: {e}", path.display())))?
        }
        (None, Some(_)) => Config::from_kubeconfig(&opts)
            .await
            .map_err(|e| ClusterError::Config(e.to_string()))?,
        (None, None) => Config::infer()
            .await
            .map_err(|e| ClusterError::Config(e.to_string()))?,
    };
    Ok(cfg)
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
    let client = kube::client::ClientBuilder::try_from(cfg)
        .map_err(|e| ClusterError::Config(e.to_string()))?
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
