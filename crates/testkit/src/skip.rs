//! The one way a test says it cannot run here, the one way it says what it ran for real, and
//! the one place that finds the shared corpus (`../shared` next to the checkout).
//!
//! A test that needs something the machine may lack (root, cgroup v1, a JDK, Prometheus, the
//! corpus) calls [`skip`] and returns when it is missing. In a developer's clone that prints
//! `SKIP <test>: <why>` on stderr and the test passes; with `OOMDOC_REQUIRE_REAL=1` (what
//! `.ci/run` sets) it panics instead, so a suite cannot pass by skipping. See DEVELOPERS.md.

use std::ffi::OsString;
use std::path::PathBuf;

/// The variable that turns every [`skip`] into a failure (`1`; unset, empty or `0`: skip).
pub const REQUIRE_REAL: &str = "OOMDOC_REQUIRE_REAL";

/// The variable that names the shared folder (the corpus is its `corpus/`), overriding the
/// `shared` folder next to the repository checkout.
pub const SHARED: &str = "OOMDOC_SHARED";

/// Whether skipping is forbidden ([`REQUIRE_REAL`] set to anything but empty or `0`).
pub fn require_real() -> bool {
    std::env::var_os(REQUIRE_REAL).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Says that `test` cannot run here because of `why`: prints `SKIP <test>: <why>` on stderr,
/// or panics with `cannot run for real: ...` when [`REQUIRE_REAL`] is set. The caller returns
/// (or leaves out the part that cannot run) after it.
#[track_caller]
pub fn skip(test: &str, why: &str) {
    if require_real() {
        panic!("cannot run for real: {test}: {why} ({REQUIRE_REAL} is set; see DEVELOPERS.md)");
    }
    line(&format!("SKIP {test}: {why}\n"));
}

/// Says what a real-system suite ran for real: `REAL <suite>: <what>` on stderr (`.ci/run`
/// collects these lines).
pub fn real(suite: &str, what: &str) {
    line(&format!("REAL {suite}: {what}\n"));
}

/// Writes `text` to stderr (captured like `eprintln!`) in one piece: `eprintln!` with arguments
/// writes each piece on its own, and the harness's `test ... ok` lines on stdout, when both go
/// to one pipe, land between them.
fn line(text: &str) {
    eprint!("{text}");
}

/// The shared folder: [`SHARED`] when set, else `shared` next to the repository checkout
/// (`<workspace>/../shared`); `None` when that is not a directory.
pub fn shared_dir() -> Option<PathBuf> {
    locate(std::env::var_os(SHARED))
}

/// `shared` next to the checkout: this crate is `<checkout>/crates/testkit`.
fn default_shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// The shared folder given the value of [`SHARED`].
fn locate(var: Option<OsString>) -> Option<PathBuf> {
    let dir = match var {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => default_shared(),
    };
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// `rel` inside the shared folder (`corpus/manifests`), or `None` after a [`skip`] of `test`
/// saying what is missing.
#[track_caller]
pub fn shared_or_skip(test: &str, rel: &str) -> Option<PathBuf> {
    let Some(dir) = shared_dir() else {
        skip(
            test,
            &format!("no shared folder (../shared next to the checkout; or set {SHARED})"),
        );
        return None;
    };
    let path = dir.join(rel);
    if path.exists() {
        Some(path)
    } else {
        skip(test, &format!("{} is absent", path.display()));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Runs [`skip_child`] in a child test process with [`REQUIRE_REAL`] set to `value` (or
    /// removed); returns whether it passed, and its stderr.
    fn child(value: Option<&str>) -> (bool, String) {
        let mut c = Command::new(std::env::current_exe().expect("test binary"));
        c.args([
            "--exact",
            "skip::tests::skip_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ]);
        match value {
            Some(v) => c.env(REQUIRE_REAL, v),
            None => c.env_remove(REQUIRE_REAL),
        };
        let o = c.output().expect("run the test binary");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// Run only by [`skip_prints_without_the_variable_and_panics_with_it`], in a child process.
    #[test]
    #[ignore = "run in a child process by the test below"]
    fn skip_child() {
        skip("the child", "nothing here");
        eprintln!("after the skip");
    }

    #[test]
    fn skip_prints_without_the_variable_and_panics_with_it() {
        for off in [None, Some(""), Some("0")] {
            let (ok, err) = child(off);
            assert!(ok, "{off:?}: {err}");
            assert!(
                err.lines().any(|l| l == "SKIP the child: nothing here"),
                "{off:?}: {err}"
            );
            assert!(err.contains("after the skip"), "{off:?}: {err}");
        }
        let (ok, err) = child(Some("1"));
        assert!(!ok, "{err}");
        assert!(
            err.contains("cannot run for real: the child: nothing here"),
            "{err}"
        );
        assert!(!err.contains("SKIP the child"), "{err}");
        assert!(!err.contains("after the skip"), "{err}");
    }

    #[test]
    fn the_shared_folder_is_next_to_the_checkout_or_where_the_variable_says() {
        let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .unwrap();
        assert!(checkout.join("Cargo.lock").is_file() && checkout.join("crates").is_dir());
        let default = default_shared();
        assert_eq!(default.file_name().unwrap(), "shared");
        assert_eq!(
            default.parent().unwrap().canonicalize().unwrap(),
            checkout.parent().unwrap()
        );
        assert_eq!(
            locate(None),
            default.is_dir().then(|| default.canonicalize().unwrap())
        );
        assert_eq!(locate(Some("".into())), locate(None));
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            locate(Some(here.clone().into_os_string())),
            Some(here.canonicalize().unwrap())
        );
        assert_eq!(locate(Some("/nonexistent/oomdoc-shared".into())), None);
    }
}
