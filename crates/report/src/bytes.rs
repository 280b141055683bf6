//! Byte counts printed the way a Kubernetes manifest writes them.

/// Formats a byte count as a Kubernetes quantity that parses back to exactly the same value.
///
/// The rule: the largest binary suffix that divides the value exactly (`4Gi`, `1536Mi`, `1Ki`);
/// otherwise the largest decimal suffix that divides it exactly (`500M`, `1k`); otherwise plain
/// bytes (`1073741825`). Zero is `0`; negative values keep their sign. Binary suffixes win because
/// memory is almost always written in them; a value is never rounded, so every figure printed can
/// be pasted back into a manifest.
pub fn fmt_bytes(bytes: i64) -> String {
    const BIN: [(&str, u32); 6] =
        [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
    const DEC: [(&str, i64); 6] = [
        ("E", 1_000_000_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("T", 1_000_000_000_000),
        ("G", 1_000_000_000),
        ("M", 1_000_000),
        ("k", 1_000),
    ];
    if bytes == 0 {
        return "0".to_string();
    }
    for (suffix, shift) in BIN {
        let unit = 1i64 << shift;
        if bytes % unit == 0 {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    for (suffix, unit) in DEC {
        if bytes % unit == 0 {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}
