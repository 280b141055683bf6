//! JVM options added to a string: an env value (`JAVA_TOOL_OPTIONS: "-Xmx1g"`), a shell command
//! line (`sh -c "java -jar app.jar"`, a Dockerfile's shell-form `ENTRYPOINT`), or after one word
//! of an argv (`["java", …]`, `- java`) as a new item.

use super::plan::{offset, Edit, PlanError};
use super::text::{dq, Style, Text};
use super::Action;

/// The option's name: `-XX:MaxRAMPercentage`, `-XX:ExitOnOutOfMemoryError` (without `+`/`-`),
/// `-Xmx`; two options of one name set the same thing.
pub(crate) fn option_name(o: &str) -> String {
    if let Some(rest) = o.strip_prefix("-XX:") {
        let rest = rest.trim_start_matches(['+', '-']);
        return format!("-XX:{}", rest.split('=').next().unwrap_or(rest));
    }
    for p in ["-Xmx", "-Xms", "-Xss", "-Xmn"] {
        if o.starts_with(p) {
            return p.to_string();
        }
    }
    o.split('=').next().unwrap_or(o).to_string()
}

/// The words of `s` with `option` made: in place of `replaces` or of one of the same name,
/// else after the word `after` (or `java`), else at the end when no `after` is given; `None`
/// when neither `after` nor `java` is there (a command line is never appended to: what follows
/// `-jar app.jar` is the application's).
fn with_option(
    s: &str,
    option: &str,
    replaces: Option<&str>,
    after: Option<&str>,
) -> Option<String> {
    let words: Vec<(usize, &str)> = s
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - s.as_ptr() as usize, w))
        .collect();
    let name = option_name(option);
    let same = words
        .iter()
        .find(|(_, w)| Some(*w) == replaces || option_name(w) == name);
    if let Some((i, w)) = same {
        return Some(format!("{}{option}{}", &s[..*i], &s[i + w.len()..]));
    }
    if let Some(after) = after {
        // After the word named, else (a fix before this one replaced it) after `java`.
        let found = words.iter().find(|(_, w)| *w == after).or_else(|| {
            words
                .iter()
                .find(|(_, w)| w.rsplit('/').next() == Some("java"))
        });
        let (i, w) = found?;
        let at = i + w.len();
        return Some(format!("{} {option}{}", &s[..at], &s[at..]));
    }
    let trimmed = s.trim_end();
    let sep = if trimmed.is_empty() { "" } else { " " };
    Some(format!("{trimmed}{sep}{option}{}", &s[trimmed.len()..]))
}

/// Where the string at `o` is, and how a new content is written there.
struct Target {
    content: std::ops::Range<usize>,
    /// A Dockerfile `ENV K=V` value without quotes: the new content needs them.
    quote: bool,
    /// The whole string (quotes included).
    end: usize,
    style: Style,
}

fn target(t: &Text<'_>, o: usize, dockerfile: bool, line: u32) -> Result<Target, PlanError> {
    let quoted =
        t.s.as_bytes()
            .get(o)
            .is_some_and(|b| matches!(b, b'"' | b'\''));
    if !dockerfile || quoted {
        let s = t
            .scalar(o)
            .map_err(|e| PlanError(format!("line {line}: {e}")))?;
        return Ok(Target {
            content: s.content.clone(),
            quote: false,
            end: s.end,
            style: s.style,
        });
    }
    let line_end = t.line_start(line).unwrap_or(0) + t.line(line).len();
    let rest = &t.s[o..line_end];
    let (len, quote) = if o > 0 && t.s.as_bytes()[o - 1] == b'=' {
        (rest.find([' ', '\t']).unwrap_or(rest.len()), true)
    } else {
        (
            rest.trim_end().trim_end_matches('\\').trim_end().len(),
            false,
        )
    };
    Ok(Target {
        content: o..o + len,
        quote,
        end: o + len,
        style: Style::Plain,
    })
}

/// The options of `actions` (all at one position) written there.
pub(super) fn add_options(t: &Text<'_>, actions: &[&Action]) -> Result<Vec<Edit>, PlanError> {
    let mut edits = Vec::new();
    let Some(Action::AddOption {
        at,
        argv_item,
        dockerfile,
        ..
    }) = actions.first()
    else {
        return Ok(edits);
    };
    let o = offset(t, *at)?;
    let tg = target(t, o, *dockerfile, at.line)?;
    let old = &t.s[tg.content.clone()];
    let mut content = old.to_string();
    let mut items = Vec::new();
    for a in actions {
        let Action::AddOption {
            option,
            replaces,
            after,
            ..
        } = a
        else {
            continue;
        };
        if *argv_item
            && option_name(&content) != option_name(option)
            && Some(content.as_str()) != replaces.as_deref()
        {
            items.push(option.clone());
        } else {
            content = with_option(&content, option, replaces.as_deref(), after.as_deref())
                .ok_or_else(|| {
                    PlanError(format!(
                        "line {}: no place for {option} on the command line",
                        at.line
                    ))
                })?;
        }
    }
    if content != old {
        let text = if tg.quote { dq(&content) } else { content };
        edits.push(Edit {
            start: tg.content.start,
            end: tg.content.end,
            text,
        });
    }
    if !items.is_empty() {
        edits.push(new_items(t, o, tg.end, tg.style, at.line, &items)?);
    }
    Ok(edits)
}

/// Argv items added after the one at `o..end`: `, "opt"` in a flow list, `- "opt"` lines in a
/// block one.
fn new_items(
    t: &Text<'_>,
    o: usize,
    end: usize,
    _style: Style,
    line: u32,
    items: &[String],
) -> Result<Edit, PlanError> {
    let after = t.s[end..].trim_start_matches([' ', '\t']);
    if after.starts_with([',', ']']) {
        let text: String = items.iter().map(|i| format!(", {}", dq(i))).collect();
        return Ok(Edit {
            start: end,
            end,
            text,
        });
    }
    let start = t.line_start(line).unwrap_or(0);
    let prefix = &t.s[start..o];
    if prefix.trim() != "-" {
        return Err(PlanError(format!(
            "line {line}: the argv item does not start its line with `- `"
        )));
    }
    let next = t.line_start(line + 1).unwrap_or(t.s.len());
    let mut text: String = items
        .iter()
        .map(|i| format!("{prefix}{}{}", dq(i), t.nl))
        .collect();
    if next == t.s.len() && !t.s.ends_with('\n') {
        text.insert_str(0, t.nl);
    }
    Ok(Edit {
        start: next,
        end: next,
        text,
    })
}
