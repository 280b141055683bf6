//! Colours: only on a terminal (or with `--color always`), never with `--color never` or NO_COLOR;
//! every command's text output is the plain output with SGR sequences added and nothing else.

use std::path::Path;
use std::process::Command;

use crate::util::*;

const ESC: &str = "\x1b[";

fn text(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = TestCommand::new(&oomdoc_bin());
    c.args(["audit", "examples"]).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.run();
    o.code(1);
    o.stdout
}

#[test]
fn no_colour_when_stdout_is_not_a_terminal() {
    assert!(!text(&[], &[]).contains(ESC));
    assert!(!text(&["--color", "auto"], &[("TERM", "xterm-256color")]).contains(ESC));
    assert!(!text(&["--color", "never"], &[]).contains(ESC));
}

#[test]
fn colour_always_forces_it_even_with_no_color() {
    let always = text(&["--color", "always"], &[]);
    assert!(always.contains("\x1b[1m"), "{always}");
    // Explicit flags beat the environment (no-color.org: NO_COLOR is a default users override).
    assert!(text(&["--color=always"], &[("NO_COLOR", "1")]).contains(ESC));
    // The flag is global: before the command too. The text is the same without the escapes.
    let mut c = TestCommand::new(&oomdoc_bin());
    let before = c
        .args(["--color", "always", "audit", "examples"])
        .run()
        .stdout;
    assert_eq!(before, always);
    assert_eq!(strip_ansi(&always), text(&["--color", "never"], &[]));
}

/// Runs `oomdoc ARGS` plain and with `--color always`: the coloured output has colours, only
/// SGR sequences (`ESC [ digits and ; m`), and is the plain output once they are removed. The
/// plain output is the same with `--color never` and by default (not a terminal).
pub(crate) fn coloured_is_plain_plus_sgr(args: &[&str], code: i32) {
    let run = |extra: &[&str]| {
        let mut c = TestCommand::new(&oomdoc_bin());
        let o = c.args(extra).args(args).run();
        o.code(code);
        o.stdout
    };
    let plain = run(&[]);
    assert_eq!(run(&["--color", "never"]), plain, "{args:?}");
    assert!(!plain.contains('\x1b'), "{args:?}: {plain}");
    let coloured = run(&["--color", "always"]);
    assert!(
        coloured.contains(ESC),
        "{args:?} has no colour:\n{coloured}"
    );
    assert_only_sgr(&coloured);
    assert_eq!(strip_ansi(&coloured), plain, "{args:?}");
}

/// Every escape in `s` is an SGR sequence.
pub(crate) fn assert_only_sgr(s: &str) {
    for (i, _) in s.match_indices('\x1b') {
        let seq = &s[i + 1..];
        let end = seq
            .find('m')
            .unwrap_or_else(|| panic!("unended escape at {i}: {s:?}"));
        assert!(
            seq.starts_with('[') && seq[1..end].bytes().all(|b| b.is_ascii_digit() || b == b';'),
            "not an SGR sequence at {i}: {:?}",
            &seq[..end.min(20)]
        );
    }
}

#[test]
fn every_text_command_colours_only_with_sgr_and_strips_to_the_plain_text() {
    let sim = "crates/sim/tests/fixtures/";
    let (node, pods, top) = (
        format!("{sim}node.yaml"),
        format!("{sim}pods.json"),
        format!("{sim}top.txt"),
    );
    let simulate = [
        "simulate",
        "--node",
        &node,
        &pods,
        "--usage",
        &top,
        "--grow",
        "shop/api=+2Gi",
        "--grow",
        "shop/worker=+6Gi",
    ];
    let cases: [(&[&str], i32); 9] = [
        (&["rules"], 0),
        (&["rules", "OOM001"], 0),
        (&["jvm", "--limit", "4Gi"], 0),
        (
            &[
                "jvm",
                "--limit",
                "4Gi",
                "--jdk",
                "8u181",
                "--node-memory",
                "64Gi",
            ],
            0,
        ),
        (
            &[
                "explain",
                "crates/evidence/tests/fixtures/kernel/dmesg_v2_memcg_systemd.txt",
                "crates/evidence/tests/fixtures/k8s/pod_oomkilled.yaml",
            ],
            0,
        ),
        (&["trend", "examples/trend/admin-7d9.csv"], 0),
        (&simulate, 0),
        (
            &["scan", "--from", "crates/cluster/tests/fixtures/dump.json"],
            1,
        ),
        (&["audit", "examples"], 1),
    ];
    for (args, code) in cases {
        coloured_is_plain_plus_sgr(args, code);
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(ESC) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| c.is_ascii_alphabetic())
            .expect("an SGR sequence ends");
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Runs `oomdoc audit examples` with stdout on a pseudo-terminal (util-linux `script`), with
/// `env` added; `None` (after a skip) when `script` is not there.
fn on_a_terminal(env: &[(&str, &str)]) -> Option<String> {
    if !Path::new("/usr/bin/script").exists() {
        oomdoc_testkit::skip(
            "terminal colour tests",
            "/usr/bin/script (util-linux) is not installed",
        );
        return None;
    }
    let cmd = format!("{} audit examples", oomdoc_bin().display());
    let mut c = Command::new("/usr/bin/script");
    c.args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(workspace_root());
    for v in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR"] {
        c.env_remove(v);
    }
    c.env("TERM", "xterm-256color");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.stdin(std::process::Stdio::null()).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(1), "{out}");
    Some(out)
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let Some(tty) = on_a_terminal(&[]) else {
        return;
    };
    assert!(tty.contains("\x1b[1m"), "{tty}");
    let Some(no_color) = on_a_terminal(&[("NO_COLOR", "1")]) else {
        return;
    };
    assert!(!no_color.contains(ESC), "{no_color}");
    assert!(no_color.contains("info[OOM005]"), "{no_color}");
}

/// no-color.org: NO_COLOR disables colour "when present and not an empty string".
#[test]
fn an_empty_no_color_does_not_disable_colour() {
    let Some(tty) = on_a_terminal(&[("NO_COLOR", "")]) else {
        return;
    };
    assert!(
        tty.contains("\x1b[1m"),
        "NO_COLOR= (empty) disabled colour:\n{tty}"
    );
}
