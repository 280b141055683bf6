//! `oomdoc webhook`'s server: the listeners, the certificate watch and the stop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use oomdoc_webhook::DecideOptions;

use crate::handler::{LimitRanges, LogSink, State};
use crate::metrics::Metrics;
use crate::serve::serve;
use crate::tls::{server_config, CertFiles, Reload};

/// How the server runs.
pub struct Config {
    /// Where the HTTPS server listens (`--listen`).
    pub listen: SocketAddr,
    /// The PEM certificate chain (`--tls-cert`).
    pub cert: PathBuf,
    /// The PEM private key (`--tls-key`).
    pub key: PathBuf,
    /// A plain-HTTP port for `/metrics` and `/healthz` (`--metrics-listen`).
    pub metrics_listen: Option<SocketAddr>,
    /// How often the certificate files are looked at.
    pub reload_every: Duration,
    /// How to decide.
    pub opts: DecideOptions,
}

/// Where the server's own messages go (one line each, without newline).
pub type Say = Arc<dyn Fn(&str) + Send + Sync>;

/// Time given to open connections to finish once stopping.
const DRAIN: Duration = Duration::from_secs(3);

/// Runs until `stop` is set; an `Err` is a server that could not start (a port, a
/// certificate), with its reason.
pub fn run(
    cfg: Config,
    ranges: Arc<dyn LimitRanges>,
    log: LogSink,
    say: Say,
    stop: Arc<AtomicBool>,
) -> Result<(), String> {
    let files = Arc::new(CertFiles::open(&cfg.cert, &cfg.key).map_err(|e| e.to_string())?);
    let tls = TlsAcceptor::from(Arc::new(
        server_config(files.clone()).map_err(|e| e.to_string())?,
    ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    rt.block_on(async move {
        let listener = TcpListener::bind(cfg.listen)
            .await
            .map_err(|e| format!("listening on {}: {e}", cfg.listen))?;
        let plain = match cfg.metrics_listen {
            Some(a) => Some(
                TcpListener::bind(a)
                    .await
                    .map_err(|e| format!("listening on {a}: {e}"))?,
            ),
            None => None,
        };
        let state = Arc::new(State::new(cfg.opts, ranges, Metrics::new(), log));
        let (halt, halted) = watch::channel(false);
        let at = listener.local_addr().map_err(|e| e.to_string())?;
        say(&format!("serving https://{at}/validate"));
        tokio::spawn(serve(listener, Some(tls), state.clone(), halted.clone()));
        if let Some(p) = plain {
            let at = p.local_addr().map_err(|e| e.to_string())?;
            say(&format!("serving http://{at}/metrics"));
            tokio::spawn(serve(p, None, state.clone(), halted));
        }
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let mut since_check = Duration::ZERO;
        let mut failing = None;
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            since_check += Duration::from_millis(100);
            if since_check >= cfg.reload_every {
                since_check = Duration::ZERO;
                watch_certificate(&files, &state.metrics, &say, &mut failing);
            }
        }
        let _ = halt.send(true);
        let deadline = tokio::time::Instant::now() + DRAIN;
        while state.metrics.connections().get() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        say("stopped");
        Ok(())
    })
}

/// Looks at the files; a failure is said (and counted) once until it changes or mends.
fn watch_certificate(
    files: &CertFiles,
    metrics: &Metrics,
    say: &Say,
    failing: &mut Option<String>,
) {
    match files.check() {
        Reload::Unchanged => {}
        Reload::Reloaded => {
            *failing = None;
            metrics.cert_reload(true);
            say("certificate reloaded");
        }
        Reload::Failed(why) if failing.as_deref() != Some(why.as_str()) => {
            metrics.cert_reload(false);
            say(&format!(
                "certificate files changed but do not load ({why}); serving the previous one"
            ));
            *failing = Some(why);
        }
        Reload::Failed(_) => {}
    }
}
