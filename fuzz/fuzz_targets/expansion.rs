//! Arbitrary bytes as a container's environment (`$(VAR)` expansion, the kubelet's rules) and as
//! a Dockerfile (`ENV`/`ARG` substitution, `${X:-...}` nesting): nothing may panic, overflow the
//! stack or build a value past the budgets (1 MiB per env value, 64 KiB per Dockerfile word).
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use oomdoc_jvm::detect::{resolve_env, MAX_EXPANDED};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Each line `NAME=value` is one env entry, in order (so values may refer to earlier ones).
    let env: Vec<(String, Option<String>)> = text
        .lines()
        .take(256)
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (l.to_string(), None),
        })
        .collect();
    for (_, v) in resolve_env(&env) {
        assert!(v.is_none_or(|v| v.len() <= MAX_EXPANDED));
    }
    let file: Arc<str> = "Dockerfile".into();
    let _ = oomdoc_manifest::parse_dockerfile(&file, &text, &[]);
});
