//! Names that go into request paths and field selectors (`--pod`, `-n`, `simulate --live`)
//! must be names Kubernetes allows: lowercase letters, digits, `-` and `.` (DNS-1123), at most
//! 253 characters. kube puts a name into the path as it is, so `a?watch=true` turned a GET into
//! a watch, and a `,` in a node name added a field selector of its own.
//!
//! What a name is: `oomdoc_cluster_core::names::is_name` (pure); here it becomes an error.

use oomdoc_cluster_core::names::is_name;

use crate::api_error::ClusterError;

/// Checks `value`, given as `what` (`--pod`, `namespace`), is a Kubernetes object name.
pub fn check(what: &str, value: &str) -> Result<(), ClusterError> {
    if is_name(value) {
        Ok(())
    } else {
        Err(ClusterError::Config(format!(
            "{what} {value:?} is not a Kubernetes name (lowercase letters, digits, '-' and '.', at most 253)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn names_that_would_change_the_request_are_refused() {
        for bad in [
            "a?watch=true",
            "a/b",
            "node,metadata.name=x",
            "",
            "A",
            "a b",
            "%2e",
        ] {
            assert!(check("--pod", bad).is_err(), "{bad}");
        }
        for good in ["web-6b7f-q9zt2", "ip-10-0-3-17.ec2.internal", "kube-system"] {
            assert!(check("--pod", good).is_ok(), "{good}");
        }
        assert!(check("x", &"a".repeat(254)).is_err());
    }
}
