//! The fake API server of `oomdoc-testkit` (see its `fake_api` module), and the binary under
//! test.

#![allow(dead_code)]

pub use oomdoc_testkit::fake_api::*;

/// Runs the `oomdoc` binary of the including test crate (the CLI's) with `args`; `KUBECONFIG`
/// is unset so only the kubeconfig a test writes is read.
pub fn oomdoc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run oomdoc")
}
