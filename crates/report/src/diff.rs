//! Unified diffs of the files `oomdoc audit --diff` would change, as `diff -u` and `git diff`
//! print them (`--- a/PATH`, `+++ b/PATH`, three lines of context), so `git apply` or
//! `patch -p1` can apply them. The line diff is the `similar` crate's (Myers), already in the
//! workspace through `insta`.

use std::io::{self, Write};

use similar::TextDiff;

/// Writes the unified diff from `old` to `new` of the file `path`; nothing when they are equal.
/// A file that ends without a line break gets `\ No newline at end of file`, as `diff` writes it.
pub fn write_unified_diff(out: &mut dyn Write, path: &str, old: &str, new: &str) -> io::Result<()> {
    if old == new {
        return Ok(());
    }
    let diff = TextDiff::from_lines(old, new);
    let a = format!("a/{path}");
    let b = format!("b/{path}");
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(&a, &b)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(old: &str, new: &str) -> String {
        let mut out = Vec::new();
        write_unified_diff(&mut out, "k8s/app.yaml", old, new).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn equal_texts_print_nothing() {
        assert_eq!(diff("a\nb\n", "a\nb\n"), "");
    }

    #[test]
    fn a_changed_line_with_context() {
        let old = "1\n2\n3\n4\nmemory: 256m\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nmemory: 256Mi\n6\n7\n8\n9\n";
        assert_eq!(
            diff(old, new),
            "--- a/k8s/app.yaml\n+++ b/k8s/app.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-memory: 256m\n+memory: 256Mi\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn an_inserted_line() {
        let old = "limits:\n  memory: 1Gi\n";
        let new = "limits:\n  memory: 1Gi\nrequests:\n  memory: 1Gi\n";
        assert_eq!(
            diff(old, new),
            "--- a/k8s/app.yaml\n+++ b/k8s/app.yaml\n@@ -1,2 +1,4 @@\n limits:\n   memory: 1Gi\n+requests:\n+  memory: 1Gi\n"
        );
    }

    #[test]
    fn no_newline_at_the_end() {
        let d = diff("a: 1", "a: 2");
        assert!(
            d.contains(
                "-a: 1\n\\ No newline at end of file\n+a: 2\n\\ No newline at end of file\n"
            ),
            "{d}"
        );
    }
}
