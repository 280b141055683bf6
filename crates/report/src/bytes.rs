//! Byte counts printed the way a Kubernetes manifest writes them.

/// Formats a byte count as a Kubernetes quantity that parses back to exactly the same value.
///
/// The rule: the largest binary suffix that divides the value exactly (`4Gi`, `1536Mi`, `1Ki`);
/// otherwise the largest decimal suffix that divides it exactly (`500M`, `1k`); otherwise plain
/// bytes (`1073741825`). Zero is `0`; negative values keep their sign. Binary suffixes win because
/// memory is almost always written in them; a value is never rounded, so every figure printed can
/// be pasted back into a manifest.
///
/// This is [`oomdoc_model::bytes::human`], the function the audit's messages use, so the summary
/// and the findings always print a value the same way.
pub fn fmt_bytes(bytes: i64) -> String {
    oomdoc_model::bytes::human(bytes)
}
