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
        // Which names are names is the core's test (`oomdoc_cluster_core::names`); here: the
        // check refuses with the flag's name and accepts a real one.
        let e = check("--pod", "a?watch=true").unwrap_err().to_string();
        assert!(e.contains("--pod") && e.contains("a?watch=true"), "{e}");
        assert!(check("--pod", "ip-10-0-3-17.ec2.internal").is_ok());
    }
}
