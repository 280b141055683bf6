//! Integration tests of the `oomdoc` and `kubectl-oomdoc` binaries: each test runs the real built
//! binary (`CARGO_BIN_EXE_*`) on inputs written to a temporary directory or piped to stdin.
//! One test binary with modules (as ripgrep does), so the suite links once; the modules live in
//! `tests/cli/` (named with `#[path]`, as a crate root looks beside itself).

#[path = "cli/util.rs"]
mod util;

#[path = "cli/bad_input.rs"]
mod bad_input;
#[path = "cli/color.rs"]
mod color;
#[path = "cli/corpus.rs"]
mod corpus;
#[path = "cli/examples.rs"]
mod examples;
#[path = "cli/exit_codes.rs"]
mod exit_codes;
#[path = "cli/fix.rs"]
mod fix;
#[path = "cli/inputs.rs"]
mod inputs;
#[path = "cli/json.rs"]
mod json;
#[path = "cli/limits.rs"]
mod limits;
#[path = "cli/output_files.rs"]
mod output_files;
#[path = "cli/packaging.rs"]
mod packaging;
#[path = "cli/policy.rs"]
mod policy;
#[path = "cli/readme.rs"]
mod readme;
#[path = "cli/rules.rs"]
mod rules;
