//! The serving certificate: read from PEM files, and read again when they change.
//!
//! cert-manager renews a Certificate into its Secret; the kubelet then swaps the mounted files
//! (an atomic `..data` symlink flip), within about a minute. The server keeps answering with
//! the certificate it has and checks the files at every [`CertFiles::check`] call (the server
//! calls it every `--cert-check`, 2 s by default): when either file's size, modification time
//! or inode changed, both are read again; a pair that does not load (half-written, key and
//! certificate not matching) is ignored and the old one kept, so a rotation never leaves the
//! server without a certificate.

use std::fmt;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::ring::default_provider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// What tells a file changed: (inode, size, mtime seconds, mtime nanoseconds).
type Stamp = (u64, u64, i64, i64);

fn stamp(path: &Path) -> io::Result<Stamp> {
    // `metadata` follows symlinks: a kubelet-swapped `..data` link shows as a new inode.
    let m = std::fs::metadata(path)?;
    Ok((m.ino(), m.size(), m.mtime(), m.mtime_nsec()))
}

/// Why a certificate and key could not be loaded.
#[derive(Debug)]
pub struct TlsError(pub String);

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

/// Reads a PEM certificate chain and private key into what rustls serves, checking that the key
/// is the certificate's.
pub fn load(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(TlsError(format!(
            "{}: no PEM CERTIFICATE block",
            cert.display()
        )));
    }
    let der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| TlsError(format!("{}: {e}", key.display())))?;
    CertifiedKey::from_der(chain, der, &default_provider())
        .map_err(|e| TlsError(format!("{} and {}: {e}", cert.display(), key.display())))
}

/// The certificate and key files, and what the server serves from them.
pub struct CertFiles {
    cert: PathBuf,
    key: PathBuf,
    seen: RwLock<(Option<Stamp>, Option<Stamp>)>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for CertFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertFiles")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// What a [`CertFiles::check`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    /// Neither file changed.
    Unchanged,
    /// The files changed and the new pair is served.
    Reloaded,
    /// The files changed but do not load; the old pair is still served.
    Failed(String),
}

impl CertFiles {
    /// Loads the pair once; an error here stops the server from starting.
    pub fn open(cert: &Path, key: &Path) -> Result<CertFiles, TlsError> {
        let seen = (stamp(cert).ok(), stamp(key).ok());
        let loaded = load(cert, key)?;
        Ok(CertFiles {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            seen: RwLock::new(seen),
            current: RwLock::new(Arc::new(loaded)),
        })
    }

    /// Reads the files again if they changed since the last look.
    pub fn check(&self) -> Reload {
        let now = (stamp(&self.cert).ok(), stamp(&self.key).ok());
        if *self.seen.read().unwrap_or_else(|p| p.into_inner()) == now {
            return Reload::Unchanged;
        }
        match load(&self.cert, &self.key) {
            Ok(k) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(k);
                *self.seen.write().unwrap_or_else(|p| p.into_inner()) = now;
                Reload::Reloaded
            }
            // Not marked seen: the next look tries again (the other file may still be coming).
            Err(e) => Reload::Failed(e.0),
        }
    }

    /// The pair served now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl ResolvesServerCert for CertFiles {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The server's TLS configuration: TLS 1.2 and 1.3 with ring, HTTP/1.1 by ALPN, the
/// certificate from `files` at each handshake.
pub fn server_config(files: Arc<CertFiles>) -> Result<rustls::ServerConfig, TlsError> {
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(files);
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}
