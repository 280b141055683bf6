//! The one styling vocabulary of the text writers. The CLI decides whether to colour (`--color`,
//! a terminal, `NO_COLOR`) and hands every text writer a [`Style`]; writers name what a word *is*
//! (a heading, something bad, a warning, something good) and never pick colours themselves, so
//! every command looks alike.
//!
//! With colour off a [`Painted`] value writes its text and nothing else, so plain output is the
//! same bytes as before styling existed. With colour on it wraps the text in SGR sequences only
//! (`ESC [ ... m`), the only escapes [`crate::Controls::AllowSgr`] lets through.

use std::fmt;

use annotate_snippets::renderer::{AnsiColor, Effects, Style as Ansi};

/// Whether (and how) a text writer colours its key words. `Style::default()` is plain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

/// What a word means, for writers that choose its look from data (a table cell, a verdict).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// Unstyled.
    #[default]
    Plain,
    /// Headings and the figure a report is about.
    Bold,
    /// A failure, a kill, a leak.
    Bad,
    /// Worth a look, not yet a failure.
    Warning,
    /// Informational.
    Info,
    /// Fine.
    Good,
    /// Secondary.
    Dim,
}

/// Text with the SGR style it is written in, when colour is on. Formatting flags (`{:<8}`) pad
/// the text inside the colour, so table columns line up the same with colour on or off.
#[derive(Clone, Copy, Debug)]
pub struct Painted<'a> {
    ansi: Option<Ansi>,
    text: &'a str,
}

impl fmt::Display for Painted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ansi {
            Some(a) => {
                write!(f, "{}", a.render())?;
                f.pad(self.text)?;
                write!(f, "{}", a.render_reset())
            }
            None => f.pad(self.text),
        }
    }
}

impl Style {
    /// No colour: what every writer prints when output is not a terminal.
    pub const PLAIN: Style = Style { color: false };

    /// Colours when `color` (the CLI's `color_enabled`).
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    /// Whether colour is on (the command then lets SGR sequences through its `TerminalSafe`).
    pub fn color(self) -> bool {
        self.color
    }

    /// `text` in `ansi`, when colour is on.
    pub fn paint(self, ansi: Ansi, text: &str) -> Painted<'_> {
        Painted {
            ansi: self.color.then_some(ansi),
            text,
        }
    }

    /// `text` unstyled (one arm of a choice between styles).
    pub fn text(self, text: &str) -> Painted<'_> {
        Painted { ansi: None, text }
    }

    /// A section heading.
    pub fn heading(self, text: &str) -> Painted<'_> {
        self.tone(Tone::Bold, text)
    }

    /// Emphasis without meaning (a figure the report is about).
    pub fn bold(self, text: &str) -> Painted<'_> {
        self.tone(Tone::Bold, text)
    }

    /// Something that failed or was killed: an error, a kill, a leak.
    pub fn bad(self, text: &str) -> Painted<'_> {
        self.tone(Tone::Bad, text)
    }

    /// Something to look at that is not yet a failure.
    pub fn warning(self, text: &str) -> Painted<'_> {
        self.tone(Tone::Warning, text)
    }

    /// Something informational (audit's `info` findings).
    pub fn info(self, text: &str) -> Painted<'_> {
        self.tone(Tone::Info, text)
    }

    /// Something fine.
    pub fn good(self, text: &str) -> Painted<'_> {
        self.tone(Tone::Good, text)
    }

    /// Secondary text (codes, notes).
    pub fn dim(self, text: &str) -> Painted<'_> {
        self.tone(Tone::Dim, text)
    }

    /// `text` in the colour of `tone`.
    pub fn tone(self, tone: Tone, text: &str) -> Painted<'_> {
        let ansi = match tone {
            Tone::Plain => return self.text(text),
            Tone::Bold => Ansi::new().effects(Effects::BOLD),
            Tone::Bad => AnsiColor::BrightRed.on_default().effects(Effects::BOLD),
            Tone::Warning => AnsiColor::Yellow.on_default().effects(Effects::BOLD),
            Tone::Info => AnsiColor::BrightBlue.on_default().effects(Effects::BOLD),
            Tone::Good => AnsiColor::Green.on_default(),
            Tone::Dim => Ansi::new().effects(Effects::DIMMED),
        };
        self.paint(ansi, text)
    }

    /// An audit severity's word in its colour (as audit's own summary colours it).
    pub fn severity(self, severity: oomdoc_audit::Severity, text: &str) -> Painted<'_> {
        match severity {
            oomdoc_audit::Severity::Error => self.bad(text),
            oomdoc_audit::Severity::Warning => self.warning(text),
            oomdoc_audit::Severity::Info => self.info(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_writes_the_text_and_pads_it() {
        let s = Style::PLAIN;
        assert_eq!(format!("[{:<5}]", s.bad("ab")), "[ab   ]");
        assert_eq!(s.heading("x").to_string(), "x");
    }

    #[test]
    fn colour_wraps_the_padded_text_in_sgr_only() {
        let s = Style::new(true);
        let out = format!("{:>4}", s.good("ab"));
        assert!(out.starts_with("\x1b["), "{out:?}");
        assert!(out.contains("  ab\x1b["), "{out:?}");
        assert!(out.ends_with('m'), "{out:?}");
    }
}
