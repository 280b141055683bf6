//! How `java` is reached: the command line (directly or through a `sh -c` script) and the
//! variables that carry options, gathered in the order [`super::detect`] reads them.

use super::{is_java_program, is_shell, java_options, SCRIPT_VARIABLES};
use crate::flags::{split_options, FlagSource};

/// What the command line and the environment say about the JVM.
#[derive(Default)]
pub(super) struct Launch {
    pub(super) evidence: Vec<String>,
    pub(super) notes: Vec<String>,
    pub(super) sources: Vec<(FlagSource, Vec<String>)>,
    /// Script variables a `sh -c` script expands on the java command line.
    script_vars_used: Vec<String>,
    pub(super) java_found: bool,
}

impl Launch {
    /// `java` as the program, or in the script of `sh -c` (and `-xc`, `-ec` …).
    pub(super) fn command_line(&mut self, argv: &[String], env: &[(String, Option<String>)]) {
        let Some(first) = argv.first() else {
            return;
        };
        if is_java_program(first) {
            self.java_found = true;
            self.evidence.push(format!("the command runs `{first}`"));
            self.sources
                .push((FlagSource::CommandLine, java_options(&argv[1..])));
        } else if is_shell(first) {
            if let Some(pos) = argv.iter().position(|a| {
                a == "-c"
                    || a.starts_with("-c")
                        && a.len() <= 4
                        && a.chars().skip(1).all(|ch| "cxeu".contains(ch))
            }) {
                if let Some(script) = argv.get(pos + 1) {
                    self.shell_script(first, script, env);
                }
            }
        }
    }

    /// The first `java` of a shell script, with its options up to the end of that command; a
    /// word that expands a variable is that variable's options.
    fn shell_script(&mut self, shell: &str, script: &str, env: &[(String, Option<String>)]) {
        let words = split_options(script);
        let Some(j) = words.iter().position(|w| is_java_program(w)) else {
            return;
        };
        self.java_found = true;
        self.evidence
            .push(format!("the `{shell} -c` script runs `{}`", words[j]));
        let mut expanded = Vec::new();
        for w in &words[j + 1..] {
            if matches!(w.as_str(), "&&" | "||" | ";" | "|" | "&") || w.ends_with(';') {
                break;
            }
            let before = self.script_vars_used.len();
            let parts = shell_expand(w, env, &mut self.script_vars_used);
            if self.script_vars_used.len() > before {
                let var = self.script_vars_used[before].clone();
                self.sources
                    .push((FlagSource::ScriptVariable(var), java_options(&parts)));
            } else {
                expanded.extend(parts);
            }
        }
        self.sources
            .push((FlagSource::CommandLine, java_options(&expanded)));
    }

    /// The variables the JVM itself reads: `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`,
    /// `_JAVA_OPTIONS`.
    pub(super) fn option_variables(&mut self, env: &[(String, Option<String>)]) {
        for (name, source) in [
            ("JAVA_TOOL_OPTIONS", FlagSource::JavaToolOptions),
            ("JDK_JAVA_OPTIONS", FlagSource::JdkJavaOptions),
            ("_JAVA_OPTIONS", FlagSource::UnderscoreJavaOptions),
        ] {
            if let Some((_, v)) = env.iter().find(|(k, _)| k == name) {
                match v {
                    Some(v) => {
                        self.evidence.push(format!("env {name} is set"));
                        self.sources.push((source, split_options(v)));
                    }
                    None => self.notes.push(format!("{name} comes from a secret, config map or field reference: its options are unknown")),
                }
            }
        }
    }

    /// [`SCRIPT_VARIABLES`] a script did not expand: assumed to reach `java` through a start
    /// script, unless `java` is started directly (then nothing passes them).
    pub(super) fn script_variables(&mut self, env: &[(String, Option<String>)], argv: &[String]) {
        for (name, who) in SCRIPT_VARIABLES {
            let Some((_, v)) = env.iter().find(|(k, _)| k == name) else {
                continue;
            };
            if self.script_vars_used.iter().any(|u| u == name) {
                continue;
            }
            match v {
                None => self.notes.push(format!("{name} comes from a secret, config map or field reference: its options are unknown")),
                Some(v) if self.java_found && !is_shell(argv.first().map_or("", |s| s.as_str())) => self.notes.push(format!(
                    "{name} is set but `java` is started directly, so nothing passes it to the JVM (only start scripts read it): `{v}` has no effect"
                )),
                Some(v) => {
                    self.evidence.push(format!("env {name} is set ({who})"));
                    self.notes.push(format!("{name} assumed to reach the java command line through {who}"));
                    self.sources.push((FlagSource::ScriptVariable((*name).to_string()), split_options(v)));
                }
            }
        }
    }
}

/// Expands `$NAME`, `${NAME}` and `${NAME:-default}` in one shell word from `env`; returns the
/// words it splits into and the variable names used.
fn shell_expand(
    word: &str,
    env: &[(String, Option<String>)],
    used: &mut Vec<String>,
) -> Vec<String> {
    let lookup = |n: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == n)
            .and_then(|(_, v)| v.clone())
    };
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, default, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(j) => {
                    let body = &inner[..j];
                    let (n, d) = match body.split_once(":-").or_else(|| body.split_once('-')) {
                        Some((n, d)) => (n, Some(d)),
                        None => (body, None),
                    };
                    (n, d, j + 2)
                }
                None => ("", None, 0),
            }
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..n], None, n)
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        used.push(name.to_string());
        match lookup(name) {
            Some(v) if !v.is_empty() => out.push_str(&v),
            _ => out.push_str(default.unwrap_or("")),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    split_options(&out)
}
