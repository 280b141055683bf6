//! Reading the kubeconfig with the limits kube does not have: files it names must be regular
//! and small (a `tokenFile: /dev/zero` or a kubeconfig on a FIFO hung the read), the legacy
//! `gcp` and `azure` auth-providers are refused as kubectl 1.26+ refuses them (kube still runs
//! the `gcp` provider's `cmd-path`), an exec credential plugin runs under a deadline (through
//! [`crate::exec_deadline`]), and CA data that holds no certificate is an error, not silently
//! no CA.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{AuthInfo, ExecInteractiveMode, KubeConfigOptions, Kubeconfig};
use kube::Config;

use crate::api_error::ClusterError;

/// The largest kubeconfig read (one with the CA data of a hundred clusters is under 1 MiB).
pub const MAX_KUBECONFIG: u64 = 16 << 20;

/// The largest token, certificate, key or CA file a kubeconfig may name.
pub const MAX_CREDENTIAL_FILE: u64 = 1 << 20;

/// How long an interactive credential plugin (a browser login) may take, at least.
pub const INTERACTIVE_DEADLINE: Duration = Duration::from_secs(300);

/// Refuses what is not a regular file of at most `max` bytes (`what` names it in the message).
pub fn check_file(path: &Path, max: u64, what: &str) -> Result<(), ClusterError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ClusterError::Config(format!("{}: {e} (the {what})", path.display())))?;
    if !meta.is_file() {
        return Err(ClusterError::Config(format!(
            "{what} {} is not a regular file",
            path.display()
        )));
    }
    if meta.len() > max {
        return Err(ClusterError::Config(format!(
            "{what} {} is {} bytes, more than the {} a {what} may have",
            path.display(),
            meta.len(),
            oomdoc_model::bytes::exact(max)
        )));
    }
    Ok(())
}

/// The kubeconfig files to read: `--kubeconfig`, else every path of `$KUBECONFIG`, else
/// `~/.kube/config` when it exists; empty means the in-cluster service account.
pub fn sources(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    if let Some(v) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            return paths;
        }
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".kube").join("config"))
        .filter(|p| p.exists())
        .into_iter()
        .collect()
}

/// Reads and merges `paths` (first value wins, as kubectl merges), each checked first.
pub fn read(paths: &[PathBuf]) -> Result<Kubeconfig, ClusterError> {
    let mut merged = Kubeconfig::default();
    for p in paths {
        check_file(p, MAX_KUBECONFIG, "kubeconfig")?;
        let kc = Kubeconfig::read_from(p)
            .map_err(|e| ClusterError::Config(format!("{}: {e}", p.display())))?;
        merged = merged
            .merge(kc)
            .map_err(|e| ClusterError::Config(format!("{}: {e}", p.display())))?;
    }
    Ok(merged)
}

/// How a credential plugin is run: its deadline, and whether it may talk to the user.
#[derive(Clone, Copy, Debug)]
pub struct ExecPolicy {
    /// The deadline of a plugin that cannot be interactive (`--request-timeout`).
    pub deadline: Duration,
    /// Whether stdin is a terminal (a plugin may then ask the user).
    pub terminal: bool,
}

/// Checks the chosen context's user and cluster and wraps its exec plugin; then builds kube's
/// [`Config`].
pub async fn config(
    mut kc: Kubeconfig,
    opts: &KubeConfigOptions,
    exec: ExecPolicy,
    source: &str,
) -> Result<Config, ClusterError> {
    prepare(&mut kc, opts.context.as_deref(), exec, source)?;
    let cfg = Config::from_custom_kubeconfig(kc, opts)
        .await
        .map_err(|e| ClusterError::Config(format!("{source}: {e}")))?;
    if cfg.root_cert.as_ref().is_some_and(|c| c.is_empty()) {
        return Err(ClusterError::Config(format!(
            "{source}: the cluster's certificate-authority(-data) holds no PEM CERTIFICATE block"
        )));
    }
    Ok(cfg)
}

fn prepare(
    kc: &mut Kubeconfig,
    context: Option<&str>,
    exec: ExecPolicy,
    source: &str,
) -> Result<(), ClusterError> {
    let Some(name) = context.or(kc.current_context.as_deref()) else {
        // kube names what is missing.
        return Ok(());
    };
    let Some(ctx) = kc
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.clone())
    else {
        return Ok(());
    };
    let cluster = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref());
    if let Some(ca) = cluster.and_then(|c| c.certificate_authority.as_deref()) {
        check_file(Path::new(ca), MAX_CREDENTIAL_FILE, "certificate-authority")?;
    }
    let Some(user) = ctx.user.as_deref() else {
        return Ok(());
    };
    let Some(auth) = kc
        .auth_infos
        .iter_mut()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_mut())
    else {
        return Ok(());
    };
    check_user(auth, user, exec, source)
}

fn check_user(
    auth: &mut AuthInfo,
    user: &str,
    exec: ExecPolicy,
    source: &str,
) -> Result<(), ClusterError> {
    if let Some(p) = &auth.auth_provider {
        let instead = match p.name.as_str() {
            "gcp" => Some("gke-gcloud-auth-plugin"),
            "azure" => Some("kubelogin"),
            _ => None,
        };
        if let Some(instead) = instead {
            return Err(ClusterError::Config(format!(
                "{source}: user {user}: the `{}` auth-provider was removed from Kubernetes clients (kubectl 1.26+ refuses it) and oomdoc does not run it; use the {instead} exec plugin",
                p.name
            )));
        }
    }
    for (file, what) in [
        (&auth.token_file, "tokenFile"),
        (&auth.client_certificate, "client-certificate"),
        (&auth.client_key, "client-key"),
    ] {
        if let Some(f) = file {
            check_file(Path::new(f), MAX_CREDENTIAL_FILE, what)?;
        }
    }
    if let Some(e) = auth.exec.as_mut() {
        let Some(command) = e.command.take() else {
            return Ok(());
        };
        let interactive = exec.terminal && e.interactive_mode != Some(ExecInteractiveMode::Never);
        let deadline = if interactive {
            exec.deadline.max(INTERACTIVE_DEADLINE)
        } else {
            exec.deadline
        };
        match std::env::current_exe() {
            Ok(me) => {
                let mut args = crate::exec_deadline::shim_args(deadline, interactive, &command);
                args.extend(e.args.take().unwrap_or_default());
                e.command = Some(me.to_string_lossy().into_owned());
                e.args = Some(args);
            }
            // Without our own path the plugin runs as kube runs it (no deadline).
            Err(_) => e.command = Some(command),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kc(user: &str) -> Kubeconfig {
        Kubeconfig::from_yaml(&format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\n\
             clusters:\n- name: k\n  cluster: {{server: 'https://127.0.0.1:6443'}}\nusers:\n- name: u\n  user:\n{user}"
        ))
        .unwrap()
    }

    const POLICY: ExecPolicy = ExecPolicy {
        deadline: Duration::from_secs(30),
        terminal: false,
    };

    #[test]
    fn legacy_auth_providers_are_refused() {
        let mut k = kc("    auth-provider:\n      name: gcp\n      config: {cmd-path: /bin/sh}\n");
        let e = prepare(&mut k, None, POLICY, "kc").unwrap_err().to_string();
        assert!(e.contains("gke-gcloud-auth-plugin"), "{e}");
        // oidc is still a provider kube supports.
        let mut k = kc("    auth-provider:\n      name: oidc\n      config: {}\n");
        assert!(prepare(&mut k, None, POLICY, "kc").is_ok());
    }

    #[test]
    fn an_exec_plugin_runs_under_the_deadline_shim() {
        let mut k =
            kc("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      args: [eks, get-token]\n");
        prepare(&mut k, None, POLICY, "kc").unwrap();
        let e = k.auth_infos[0]
            .auth_info
            .as_ref()
            .unwrap()
            .exec
            .clone()
            .unwrap();
        let args = e.args.unwrap();
        assert_eq!(args[0], crate::exec_deadline::SHIM);
        assert_eq!(&args[args.len() - 3..], ["aws", "eks", "get-token"]);
        assert!(args.contains(&"30000".to_string()), "{args:?}");
    }

    #[test]
    fn credential_files_must_be_small_regular_files() {
        let mut k = kc("    tokenFile: /dev/zero\n");
        let e = prepare(&mut k, None, POLICY, "kc").unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
