//! `java -XX:+PrintFlagsFinal -version` output, JDK 9+ (`   size_t MaxHeapSize = 1073741824 {product} {ergonomic}`)
//! and JDK 8 (`    uintx MaxHeapSize := 1073741824 {product}`, `:=` marking a value not left at its default).

use crate::Cited;

/// One flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JvmFlag {
    /// The type (`bool`, `size_t`, `uintx`, `double`, `ccstr`, ...).
    pub ty: String,
    /// The name.
    pub name: String,
    /// The value as printed (empty for unset strings).
    pub value: String,
    /// The origin/kind annotations (`product`, `ergonomic`, `default`, `command line`, ...).
    pub origin: Vec<String>,
    /// JDK 8's `:=`, or a JDK 9+ origin other than `default`.
    pub changed: bool,
    /// The line.
    pub cited: Cited,
}

impl JvmFlag {
    /// The value as an unsigned integer.
    pub fn as_u64(&self) -> Option<u64> {
        self.value.parse().ok()
    }
}

/// Reads PrintFlagsFinal output; other lines are skipped.
pub fn parse_flags_final(text: &str) -> Vec<JvmFlag> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        let (lhs, rhs, colon) = match (l.find(" := "), l.find(" = ")) {
            (Some(c), _) => (&l[..c], &l[c + 4..], true),
            (None, Some(e)) => (&l[..e], &l[e + 3..], false),
            _ => continue,
        };
        let mut it = lhs.split_whitespace();
        let (Some(ty), Some(name), None) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let brace = rhs.find('{').unwrap_or(rhs.len());
        let origin: Vec<String> = rhs[brace..]
            .split('}')
            .map(|s| s.trim().trim_start_matches('{').trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if origin.is_empty() {
            continue;
        }
        let changed = colon || origin.iter().skip(1).any(|o| o != "default");
        out.push(JvmFlag {
            ty: ty.into(),
            name: name.into(),
            value: rhs[..brace].trim().to_string(),
            origin,
            changed,
            cited: Cited::new(i as u32 + 1, raw),
        });
    }
    out
}

/// A flag by name.
pub fn flag<'a>(flags: &'a [JvmFlag], name: &str) -> Option<&'a JvmFlag> {
    flags.iter().find(|f| f.name == name)
}
