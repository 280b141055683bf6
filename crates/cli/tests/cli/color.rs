//! Colours: only on a terminal (or with `--color always`), never with `--color never` or NO_COLOR.

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
