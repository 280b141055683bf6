//! The README's commands run as written and print what it shows. Each ` ```console ` block is a
//! list of `$ COMMAND` lines, each followed by what the command prints on stdout, run from the
//! repository root: `$ cat FILE` shows FILE; `oomdoc ... | head -N` the first N lines of what
//! `oomdoc ...` prints; a line `...` in the README stands for lines left out. A command the test
//! does not know how to run fails it, so the README shows nothing that is not checked.

use std::path::Path;

use crate::util::*;

/// Whether `actual` is `expected`, where an `expected` line `...` stands for any lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((e, rest)) => actual.first() == Some(e) && matches(rest, &actual[1..]),
    }
}

/// Runs `command` (`oomdoc ARGS`, optionally `| head -N`) in `dir`, where the repository's
/// folders the arguments name are linked, so that what it writes (`--svg admin.svg`) stays there.
fn run(command: &str, dir: &Dir, root: &Path, at: usize) -> String {
    let (command, head) = match command.split_once(" | ") {
        None => (command, None),
        Some((c, pipe)) => {
            let n = pipe
                .strip_prefix("head -")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("README.md:{at}: cannot run `| {pipe}`"));
            (c, Some(n))
        }
    };
    let args: Vec<&str> = command.split_whitespace().collect();
    assert!(
        args.first() == Some(&"oomdoc"),
        "README.md:{at}: cannot run `{command}` (only oomdoc and cat)"
    );
    for arg in &args[1..] {
        let Some((top, _)) = arg.split_once('/') else {
            continue;
        };
        let link = dir.path().join(top);
        if root.join(top).exists() && !link.exists() {
            std::os::unix::fs::symlink(root.join(top), link).unwrap();
        }
    }
    let mut c = TestCommand::new(&oomdoc_bin());
    c.cmd.current_dir(dir.path());
    let o = c.args(&args[1..]).run();
    match head {
        None => o.stdout,
        Some(n) => o.stdout.lines().take(n).map(|l| format!("{l}\n")).collect(),
    }
}

#[test]
fn readme_commands_print_what_the_readme_shows() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    let dir = Dir::new();
    let mut ran = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "```console" {
            i += 1;
            continue;
        }
        i += 1;
        let end = i + lines[i..]
            .iter()
            .position(|l| *l == "```")
            .unwrap_or_else(|| panic!("README.md:{i}: a console block is not closed"));
        while i < end {
            let at = i + 1;
            let command = lines[i]
                .strip_prefix("$ ")
                .unwrap_or_else(|| panic!("README.md:{at}: a command (`$ ...`) was expected"));
            // `$ cat FILE   # where it comes from`
            let command = command.split(" #").next().unwrap().trim();
            i += 1;
            if let Some(path) = command.strip_prefix("cat ") {
                let text = std::fs::read_to_string(root.join(path))
                    .unwrap_or_else(|e| panic!("README.md:{at}: {path}: {e}"));
                let n = text.lines().count();
                assert!(
                    i + n <= end && lines[i..i + n] == text.lines().collect::<Vec<_>>(),
                    "README.md:{at}: the README does not show {path} as it is"
                );
                i += n;
                continue;
            }
            let out_end = lines[i..end]
                .iter()
                .position(|l| l.starts_with("$ "))
                .map_or(end, |p| i + p);
            let expected = &lines[i..out_end];
            i = out_end;
            let stdout = run(command, &dir, &root, at);
            let actual: Vec<&str> = stdout.lines().collect();
            assert!(
                matches(expected, &actual),
                "README.md:{at}: `{command}` prints\n{stdout}\nwhere the README shows\n{}",
                expected.join("\n")
            );
            ran.push(command.to_string());
        }
        i = end + 1;
    }
    for cmd in [
        "oomdoc audit",
        "oomdoc jvm",
        "oomdoc explain",
        "oomdoc trend",
        "oomdoc rules",
    ] {
        assert!(
            ran.iter().any(|c| c.starts_with(cmd)),
            "no `{cmd}` ran: {ran:?}"
        );
    }
    // The chart the README shows is the one its trend command draws.
    let svg = std::fs::read(dir.path().join("admin.svg")).expect("trend wrote admin.svg");
    assert!(
        svg == std::fs::read(root.join("examples/trend/admin-7d9.svg")).unwrap(),
        "examples/trend/admin-7d9.svg is not what `oomdoc trend` draws"
    );
}

#[test]
fn an_elided_line_stands_for_any_lines_and_nothing_else_is_loose() {
    assert!(matches(&["a", "...", "d"], &["a", "b", "c", "d"]));
    assert!(matches(&["a", "  ...", "d"], &["a", "d"]));
    assert!(!matches(&["a", "...", "d"], &["a", "b", "c"]));
    assert!(!matches(&["a", "b"], &["a", "b", "c"]));
    assert!(!matches(&["a", "x"], &["a", "b"]));
}
