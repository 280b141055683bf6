//! API and connection errors as one line each, saying what to do: the RBAC verb and resource a
//! 403 lacks (with the ClusterRole that grants it), expired credentials on 401, what was not
//! found on 404, and how the server could not be reached.

/// What went wrong talking to the cluster.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClusterError {
    /// No kubeconfig or in-cluster service account could be used.
    #[error("no usable cluster configuration: {0} (pass --kubeconfig FILE or --context NAME, or run in a pod with a service account)")]
    Config(String),
    /// The server could not be reached (refused, DNS, TLS, timeout).
    #[error("cannot reach the API server at {url}: {cause} (is the cluster up, and --context right? try `kubectl cluster-info`)")]
    Unreachable {
        /// The server.
        url: String,
        /// Why, from the innermost error.
        cause: String,
    },
    /// 401.
    #[error("401 Unauthorized from {url}: the API server refused the kubeconfig's credentials (expired token or certificate?); log in again and retry")]
    Unauthorized {
        /// The server.
        url: String,
    },
    /// 403.
    #[error("403 Forbidden: cannot {verb} {resource}: {message} (oomdoc needs get/list/watch on pods, pods/log, events and nodes; apply deploy/rbac.yaml, ClusterRole oomdoc-reader)")]
    Forbidden {
        /// The verb that was refused.
        verb: String,
        /// The resource.
        resource: String,
        /// The server's message.
        message: String,
    },
    /// 404.
    #[error("404 Not Found: {what}: {message}")]
    NotFound {
        /// What was looked for.
        what: String,
        /// The server's message.
        message: String,
    },
    /// 410 on a paginated list or a watch.
    #[error("410 Gone: {message} (the list changed too much while it was read; run again)")]
    Gone {
        /// The server's message.
        message: String,
    },
    /// A paginated list the server never ends (a repeated continue token, too many pages).
    #[error(
        "the API server at {url} never ends the list of {resource}: {why}; stopped reading it"
    )]
    EndlessList {
        /// The server.
        url: String,
        /// The resource listed.
        resource: String,
        /// What gave it away.
        why: String,
    },
    /// Writing what was found failed.
    #[error("writing output: {0}")]
    Output(String),
    /// Any other API error.
    #[error("{code} {reason} from the API server while trying to {verb} {resource}: {message}")]
    Api {
        /// HTTP status.
        code: u16,
        /// Status reason.
        reason: String,
        /// The verb.
        verb: String,
        /// The resource.
        resource: String,
        /// The message.
        message: String,
    },
}

impl ClusterError {
    /// The HTTP status, for API errors.
    pub fn code(&self) -> Option<u16> {
        match self {
            ClusterError::Unauthorized { .. } => Some(401),
            ClusterError::Forbidden { .. } => Some(403),
            ClusterError::NotFound { .. } => Some(404),
            ClusterError::Gone { .. } => Some(410),
            ClusterError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Turns a kube error from `verb resource` against `url` into a [`ClusterError`].
pub fn classify(e: &kube::Error, verb: &str, resource: &str, url: &str) -> ClusterError {
    match e {
        kube::Error::Api(s) => from_status(s.code, &s.reason, &s.message, verb, resource, url),
        other => ClusterError::Unreachable {
            url: url.to_string(),
            cause: root_cause(other),
        },
    }
}

/// A Status (code, reason, message) as a [`ClusterError`].
pub fn from_status(
    code: u16,
    reason: &str,
    message: &str,
    verb: &str,
    resource: &str,
    url: &str,
) -> ClusterError {
    let message = message.trim().trim_matches('"').to_string();
    match code {
        401 => ClusterError::Unauthorized {
            url: url.to_string(),
        },
        403 => ClusterError::Forbidden {
            verb: verb.to_string(),
            resource: resource.to_string(),
            message,
        },
        404 => ClusterError::NotFound {
            what: resource.to_string(),
            message,
        },
        410 => ClusterError::Gone { message },
        _ => ClusterError::Api {
            code,
            reason: reason.to_string(),
            verb: verb.to_string(),
            resource: resource.to_string(),
            message,
        },
    }
}

/// The innermost error's text (`Connection refused (os error 111)`), or "timed out".
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    let mut text = cur.to_string();
    while let Some(next) = cur.source() {
        cur = next;
        text = cur.to_string();
    }
    if text.contains("elapsed") || text.to_ascii_lowercase().contains("timed out") {
        return format!("timed out ({text})");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_the_verb_resource_and_the_fix() {
        let e = from_status(
            403,
            "Forbidden",
            "pods is forbidden: User \"x\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
            "list",
            "pods",
            "https://k",
        );
        let s = e.to_string();
        assert!(
            s.starts_with("403 Forbidden: cannot list pods: pods is forbidden: User \"x\""),
            "{s}"
        );
        assert!(s.contains("deploy/rbac.yaml"));
        assert!(!s.contains('\n'));
    }
}
