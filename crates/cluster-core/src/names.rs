//! Kubernetes object names (DNS-1123 subdomains): lowercase letters, digits, `-` and `.`, at
//! most 253 characters. The shell refuses any other name before it goes into a request path or
//! a field selector (`oomdoc_cluster::names::check`).

/// The longest object name Kubernetes allows.
pub const MAX_NAME: usize = 253;

/// Whether `value` is a name Kubernetes allows.
pub fn is_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_NAME
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dns_1123_names() {
        for bad in [
            "a?watch=true",
            "a/b",
            "node,metadata.name=x",
            "",
            "A",
            "a b",
            "%2e",
        ] {
            assert!(!is_name(bad), "{bad}");
        }
        for good in ["web-6b7f-q9zt2", "ip-10-0-3-17.ec2.internal", "kube-system"] {
            assert!(is_name(good), "{good}");
        }
        assert!(is_name(&"a".repeat(MAX_NAME)));
        assert!(!is_name(&"a".repeat(MAX_NAME + 1)));
    }
}
