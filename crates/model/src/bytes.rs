//! Byte counts as people write them in manifests.

/// Formats bytes the way a Kubernetes user would write them: the largest binary suffix that is
/// exact (`4Gi`, `1536Mi`), else the largest exact decimal suffix (`500M`), else plain bytes.
pub fn human(bytes: i64) -> String {
    const BIN: [(&str, u32); 6] = [
        ("Ei", 60),
        ("Pi", 50),
        ("Ti", 40),
        ("Gi", 30),
        ("Mi", 20),
        ("Ki", 10),
    ];
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

/// Like [`human`], but inexact values larger than 1Mi are shown approximately in binary units
/// (`~1.2Gi`), which reads better in messages about derived figures.
pub fn approx(bytes: i64) -> String {
    let exact = human(bytes);
    if !exact.ends_with(|c: char| c.is_ascii_digit()) || bytes.abs() < (1 << 20) {
        return exact;
    }
    let (unit, suffix) = if bytes.abs() >= 1 << 30 {
        (1u64 << 30, "Gi")
    } else {
        (1 << 20, "Mi")
    };
    format!("~{:.1}{suffix}", bytes as f64 / unit as f64)
}

/// A byte count for people: exact with a binary suffix when it divides (`4Gi`, `512Mi`), else to
/// two decimals (`3.96Gi`, `11.7Mi`).
pub fn short(b: u64) -> String {
    const UNITS: [(&str, u32); 4] = [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
    for (u, shift) in UNITS {
        let unit = 1u64 << shift;
        if b >= unit {
            if b.is_multiple_of(unit) {
                return format!("{}{u}", b >> shift);
            }
            let v = b as f64 / unit as f64;
            return if v >= 100.0 {
                format!("{v:.0}{u}")
            } else if v >= 10.0 {
                format!("{v:.1}{u}")
            } else {
                format!("{v:.2}{u}")
            };
        }
    }
    format!("{b}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_manifests() {
        let cases = [
            (0, "0"),
            (1, "1"),
            (1024, "1Ki"),
            (1536 << 20, "1536Mi"),
            (4 << 30, "4Gi"),
            (500_000_000, "500M"),
            (1000, "1k"),
            (1_073_741_825, "1073741825"),
            (-(2 << 30), "-2Gi"),
        ];
        for (b, want) in cases {
            assert_eq!(human(b), want, "{b}");
        }
        assert_eq!(approx(1_073_741_825), "~1.0Gi");
        assert_eq!(approx(1_500_001), "~1.4Mi");
        assert_eq!(approx(1000), "1k");
        assert_eq!(approx(999), "999");
    }
}
