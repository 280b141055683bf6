//! `oomdoc rules [CODE]`: the rule registry, as a list or one rule's documentation (by code or
//! name).

use std::io::{self, Write};

use anyhow::bail;
use oomdoc_audit::registry::rule_by_code_or_name;

use crate::args::{OutputFormat, RulesArgs};

pub(crate) fn run(args: &RulesArgs, style: oomdoc_report::Style) -> anyhow::Result<u8> {
    // Every command's text goes through the one terminal boundary (the rule texts are fixed,
    // but the boundary is not a per-command judgement).
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(oomdoc_report::TerminalSafe::new(
        stdout.lock(),
        args.format.controls_with(style),
    ));
    match (&args.code, args.format) {
        (None, OutputFormat::Text) => oomdoc_report::write_rules_list(style, &mut out)?,
        (None, OutputFormat::Json) => oomdoc_report::write_rules_json(None, &mut out)?,
        (Some(code), format) => {
            let Some(r) = rule_by_code_or_name(code) else {
                bail!("unknown rule {code:?}; `oomdoc rules` lists them");
            };
            match format {
                OutputFormat::Text => oomdoc_report::write_rule_doc(r, style, &mut out)?,
                OutputFormat::Json => oomdoc_report::write_rules_json(Some(r), &mut out)?,
            }
        }
    }
    out.flush()?;
    Ok(0)
}
