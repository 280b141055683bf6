//! The Dockerfile reader: the final stage's base image, `ENV`, `LABEL`, `ENTRYPOINT` and `CMD`,
//! each value with its line and column, as BuildKit's parser reads them.
//!
//! What it follows (`moby/buildkit`, `frontend/dockerfile/parser` and `instructions`):
//! - parser directives at the very top (`# escape=\``, `# syntax=…`), up to the first line that is
//!   not one;
//! - line continuations: the escape character (`\`, or `` ` `` after `# escape=`) at the end of a
//!   line, trailing blanks allowed; comment and blank lines inside a continued instruction are
//!   dropped;
//! - heredocs (`RUN <<EOF`, `<<-EOF`, quoted words, several per line) are skipped to their
//!   terminator;
//! - `ARG` defaults (global ones, before the first `FROM`, are visible in `FROM` lines; inside a
//!   stage, `ARG NAME` brings a global one in) and `$VAR`, `${VAR}`, `${VAR:-word}`,
//!   `${VAR:+word}` (and the forms without `:`) substituted in `FROM`, `ENV`, `ARG` and `LABEL`;
//!   single quotes, double quotes and the escape character as the builder's shell lexer has them;
//! - `ENV K=V K2="v 2"` and the legacy `ENV K V` (the rest of the line is the value);
//! - `ENTRYPOINT`/`CMD`/`SHELL` in exec form (a JSON array; anything that is not valid JSON is
//!   shell form) and shell form (`SHELL`, default `/bin/sh -c`, plus the text);
//! - stages: `FROM image AS name`; a stage `FROM` an earlier stage inherits its `ENV`, `LABEL`,
//!   `ENTRYPOINT`, `CMD` and `SHELL`; setting `ENTRYPOINT` drops an inherited `CMD`. The last
//!   stage is the image.
//!
//! Build arguments given with `--build-arg` are not known: an `ARG` without a default is empty.

use std::sync::Arc;

use oomdoc_model::dockerfile::{CommandForm, DockerImageSpec, ImageCommand, ImageEnv};
use oomdoc_model::span::{Pos, Spanned};
use oomdoc_model::InputError;

mod lex;

use lex::{chars_to_string, heredocs, json_array, name_src, process_word, trim, words, Src, Vars};

/// One build stage as read so far.
#[derive(Clone, Debug, Default)]
struct Stage {
    name: Option<String>,
    pos: Pos,
    base: Option<Spanned<String>>,
    from_stages: Vec<String>,
    env: Vec<ImageEnv>,
    labels: Vec<ImageEnv>,
    entrypoint: Option<ImageCommand>,
    cmd: Option<ImageCommand>,
    /// The `CMD` came from the stage this one is built on.
    cmd_inherited: bool,
    shell: Option<Vec<String>>,
    args: Vec<(String, String)>,
}

impl Stage {
    /// Variables in a stage: its `ENV`, then its `ARG`s; others (the base image's `ENV`) are
    /// unknown and kept as written.
    fn vars(&self) -> Vars<'_> {
        Vars {
            lookup: Box::new(|n| self.lookup(n)),
            keep_unknown: true,
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        if let Some(e) = self.env.iter().rev().find(|e| e.name == name) {
            return Some(e.value.value.clone());
        }
        self.args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

struct Parser<'a> {
    file: Arc<str>,
    escape: char,
    global_args: Vec<(String, String)>,
    stages: Vec<Stage>,
    ignore: Vec<Spanned<String>>,
    errors: Vec<InputError>,
    lines: Vec<&'a str>,
}

/// Reads one Dockerfile. `names` are the names the caller derived from its path (see
/// [`crate::dockerfile_names`]). Returns the image (`None` when the file has no `FROM`) and the
/// problems found; a problem in one instruction does not stop the others.
pub fn parse_dockerfile(
    file: &Arc<str>,
    text: &str,
    names: &[String],
) -> (Option<DockerImageSpec>, Vec<InputError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut p = Parser {
        file: file.clone(),
        escape: '\\',
        global_args: Vec::new(),
        stages: Vec::new(),
        ignore: Vec::new(),
        errors: Vec::new(),
        lines: text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect(),
    };
    let mut i = p.directives();
    let mut cur: Vec<(char, Pos)> = Vec::new();
    while i < p.lines.len() {
        let line = p.lines[i];
        let line_no = i as u32 + 1;
        i += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            if cur.is_empty() {
                p.comment(trimmed, Pos::new(line_no, 1));
            }
            continue;
        }
        let (body, continued) = match continuation(line, p.escape) {
            Some(end) => (&line[..end], true),
            None => (line, false),
        };
        cur.extend(
            body.chars()
                .enumerate()
                .map(|(c, ch)| (ch, Pos::new(line_no, c as u32 + 1))),
        );
        if continued && i < p.lines.len() {
            continue;
        }
        let logical = std::mem::take(&mut cur);
        let heredocs = p.instruction(&logical);
        for (word, strip, at) in heredocs {
            loop {
                let Some(l) = p.lines.get(i) else {
                    p.error(
                        at,
                        format!("heredoc <<{word} is not terminated: no line `{word}` follows"),
                    );
                    break;
                };
                i += 1;
                let l = if strip { l.trim_start_matches('\t') } else { l };
                if l == word {
                    break;
                }
            }
        }
    }
    let Some(last) = p.stages.pop() else {
        p.error(
            Pos::new(1, 1),
            "no FROM instruction: a Dockerfile needs at least one build stage".into(),
        );
        return (None, p.errors);
    };
    let mut names: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    if let Some(t) = last
        .labels
        .iter()
        .rev()
        .find(|l| l.name == "org.opencontainers.image.title")
    {
        let t = t.value.value.to_ascii_lowercase();
        if !t.is_empty() && !names.contains(&t) {
            names.push(t);
        }
    }
    let spec = DockerImageSpec {
        file: file.clone(),
        pos: last.pos,
        stage: last.name,
        base_image: last.base,
        from_stages: last.from_stages,
        env: last.env,
        labels: last.labels,
        entrypoint: last.entrypoint,
        cmd: last.cmd,
        names,
        ignore: p.ignore,
    };
    (Some(spec), p.errors)
}

/// The byte index of a line-continuation escape at the end of `line` (blanks may follow it).
fn continuation(line: &str, escape: char) -> Option<usize> {
    let t = line.trim_end_matches([' ', '\t']);
    t.ends_with(escape).then(|| t.len() - escape.len_utf8())
}

/// `# key=value` at the top of the file.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('#')?;
    let (k, v) = rest.split_once('=')?;
    let k = k.trim();
    let ok = k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| (k.to_ascii_lowercase(), v.trim().to_string()))
}

impl Parser<'_> {
    /// Variables in `FROM` lines and global `ARG`s: the global `ARG`s only.
    fn global_vars(&self) -> Vars<'_> {
        Vars {
            lookup: Box::new(|n| {
                let arg = self.global_args.iter().rev().find(|(k, _)| k == n);
                arg.map(|(_, v)| v.clone())
            }),
            keep_unknown: false,
        }
    }

    fn error(&mut self, pos: Pos, message: String) {
        self.errors.push(InputError {
            file: self.file.clone(),
            pos: Some(pos),
            message,
        });
    }

    /// Reads the parser directives; returns the index of the first line after them.
    fn directives(&mut self) -> usize {
        let mut i = 0;
        while let Some((key, value)) = self.lines.get(i).and_then(|l| directive(l)) {
            if key == "escape" {
                match value.as_str() {
                    "\\" => self.escape = '\\',
                    "`" => self.escape = '`',
                    other => self.error(
                        Pos::new(i as u32 + 1, 1),
                        format!("invalid escape directive {other:?}: the escape character must be \\ or `"),
                    ),
                }
            }
            i += 1;
        }
        i
    }

    /// A comment line outside an instruction: `# oomdoc.dev/ignore: OOM109, OOM110`.
    fn comment(&mut self, line: &str, pos: Pos) {
        let Some(rest) = line.strip_prefix('#').map(str::trim_start) else {
            return;
        };
        let Some(rest) = rest.strip_prefix("oomdoc.dev/ignore") else {
            return;
        };
        let rest = rest.trim_start().trim_start_matches([':', '=']);
        self.ignore.extend(
            rest.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|c| !c.is_empty())
                .map(|c| Spanned::new(c.to_ascii_uppercase(), pos)),
        );
    }

    /// Handles one instruction; returns the heredocs whose bodies follow it.
    fn instruction(&mut self, line: &Src) -> Vec<(String, bool, Pos)> {
        let line = trim(line);
        let Some(&(_, at)) = line.first() else {
            return Vec::new();
        };
        let kw_end = line
            .iter()
            .position(|(c, _)| c.is_whitespace())
            .unwrap_or(line.len());
        let keyword = chars_to_string(&line[..kw_end]).to_ascii_uppercase();
        let rest = trim(&line[kw_end..]);
        if self.stages.is_empty() && !matches!(keyword.as_str(), "FROM" | "ARG") {
            self.error(
                at,
                format!("{keyword} before the first FROM: only ARG may come before it"),
            );
            return Vec::new();
        }
        match keyword.as_str() {
            "FROM" => self.from(at, rest),
            "ARG" => self.arg(rest),
            "ENV" => self.name_values(at, rest, false),
            "LABEL" => self.name_values(at, rest, true),
            "ENTRYPOINT" | "CMD" => self.command(at, &keyword, rest),
            "SHELL" => match json_array(rest) {
                Some(words) if !words.is_empty() => {
                    let stage = self.stages.last_mut().expect("checked above");
                    stage.shell = Some(words.into_iter().map(|w| w.value).collect());
                }
                _ => self.error(
                    at,
                    "SHELL requires the arguments in JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]"
                        .into(),
                ),
            },
            "RUN" | "COPY" | "ADD" => return heredocs(rest),
            "WORKDIR" | "USER" | "EXPOSE" | "VOLUME" | "STOPSIGNAL" | "HEALTHCHECK" | "ONBUILD"
            | "MAINTAINER" => {}
            other => self.error(at, format!("unknown instruction: {other}")),
        }
        Vec::new()
    }

    fn from(&mut self, at: Pos, rest: &Src) {
        // `--platform=…` and other flags come before the image.
        let words: Vec<&Src> = words(rest, self.escape)
            .into_iter()
            .filter(|w| !chars_to_string(w).starts_with("--"))
            .collect();
        let Some(image) = words.first() else {
            self.error(at, "FROM requires an image".into());
            return;
        };
        let mut image_name = process_word(image, &self.global_vars(), self.escape);
        if image_name.is_empty() {
            // `FROM ${BASE}` with no default: only `--build-arg` knows; keep it as written.
            image_name = chars_to_string(image);
        }
        let name = match words
            .get(1)
            .map(|w| chars_to_string(w).to_ascii_lowercase())
        {
            Some(a) if a == "as" => match words.get(2) {
                Some(n) => Some(chars_to_string(n).to_ascii_lowercase()),
                None => {
                    self.error(at, "FROM … AS requires a stage name".into());
                    None
                }
            },
            Some(_) => {
                self.error(
                    words[1][0].1,
                    "FROM takes an image and optionally AS <name>".into(),
                );
                None
            }
            None => None,
        };
        let lower = image_name.to_ascii_lowercase();
        let mut stage = match self
            .stages
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
        {
            Some(parent) => {
                let mut s = parent.clone();
                s.from_stages.insert(0, lower);
                s.cmd_inherited = s.cmd.is_some();
                s.args.clear();
                s
            }
            None => Stage {
                base: Some(Spanned::new(image_name, image[0].1)),
                ..Stage::default()
            },
        };
        stage.name = name;
        stage.pos = at;
        self.stages.push(stage);
    }

    fn arg(&mut self, rest: &Src) {
        for w in words(rest, self.escape) {
            let text = chars_to_string(w);
            let (name, value) = match text.find('=') {
                Some(eq) => {
                    let n = text[..eq].chars().count();
                    (text[..eq].to_string(), Some(&w[n + 1..]))
                }
                None => (text, None),
            };
            match self.stages.last_mut() {
                None => {
                    let v = value
                        .map(|v| process_word(v, &self.global_vars(), self.escape))
                        .unwrap_or_default();
                    self.global_args.push((name, v));
                }
                Some(stage) => {
                    let v = match value {
                        Some(v) => process_word(v, &stage.vars(), self.escape),
                        None => self
                            .global_args
                            .iter()
                            .rev()
                            .find(|(k, _)| *k == name)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default(),
                    };
                    stage.args.push((name, v));
                }
            }
        }
    }

    /// `ENV` (or `LABEL`): `K=V K2="v 2"`, or the legacy `K V` form.
    fn name_values(&mut self, at: Pos, rest: &Src, label: bool) {
        let what = if label { "LABEL" } else { "ENV" };
        let ws = words(rest, self.escape);
        let Some(first) = ws.first() else {
            self.error(at, format!("{what} requires at least one name=value pair"));
            return;
        };
        let mut pairs: Vec<(String, Pos, &Src)> = Vec::new();
        if !first.iter().any(|(c, _)| *c == '=') {
            // Legacy form: the name, then the rest of the line is the value.
            let value = trim(&rest[first.len()..]);
            if value.is_empty() {
                self.error(
                    at,
                    format!(
                        "{what} {} has no value (write {what} NAME=VALUE)",
                        chars_to_string(first)
                    ),
                );
                return;
            }
            pairs.push((chars_to_string(first), first[0].1, value));
        } else {
            for w in ws {
                let Some(eq) = w.iter().position(|(c, _)| *c == '=') else {
                    self.error(
                        w[0].1,
                        format!(
                            "{what}: {} is not of the form name=value",
                            chars_to_string(w)
                        ),
                    );
                    continue;
                };
                pairs.push((chars_to_string(&w[..eq]), w[0].1, &w[eq + 1..]));
            }
        }
        let escape = self.escape;
        let stage = self.stages.last_mut().expect("FROM came first");
        for (raw_name, name_pos, raw_value) in pairs {
            let name = if label {
                process_word(&name_src(&raw_name, name_pos), &stage.vars(), escape)
            } else {
                raw_name
            };
            let value = process_word(raw_value, &stage.vars(), escape);
            let vpos = raw_value.first().map_or(name_pos, |(_, p)| *p);
            let entry = ImageEnv {
                name,
                value: Spanned::new(value, vpos),
                pos: name_pos,
            };
            let list = if label {
                &mut stage.labels
            } else {
                &mut stage.env
            };
            list.retain(|e| e.name != entry.name);
            list.push(entry);
        }
    }

    fn command(&mut self, at: Pos, keyword: &str, rest: &Src) {
        let stage = self.stages.last_mut().expect("FROM came first");
        let cmd = match json_array(rest) {
            Some(argv) => ImageCommand {
                pos: at,
                form: CommandForm::Exec,
                argv,
            },
            None => {
                let shell = stage
                    .shell
                    .clone()
                    .unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into()]);
                let mut argv: Vec<Spanned<String>> =
                    shell.into_iter().map(|w| Spanned::new(w, at)).collect();
                let text_pos = rest.first().map_or(at, |(_, p)| *p);
                argv.push(Spanned::new(chars_to_string(rest), text_pos));
                ImageCommand {
                    pos: at,
                    form: CommandForm::Shell,
                    argv,
                }
            }
        };
        if keyword == "ENTRYPOINT" {
            stage.entrypoint = Some(cmd);
            if stage.cmd_inherited {
                stage.cmd = None;
                stage.cmd_inherited = false;
            }
        } else {
            stage.cmd = Some(cmd);
            stage.cmd_inherited = false;
        }
    }
}

#[cfg(test)]
mod tests;
