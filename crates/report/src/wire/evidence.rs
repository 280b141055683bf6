//! What each input held, as `explain` lists it under `inputs`: the evidence readers' counts.

use oomdoc_explain::InputRead;
use serde::Serialize;

/// One input: its name and what each reader found in it.
#[derive(Serialize)]
pub(crate) struct InputDoc<'a> {
    file: &'a str,
    found: Vec<FoundDoc>,
}

impl<'a> From<&'a InputRead> for InputDoc<'a> {
    fn from(i: &'a InputRead) -> Self {
        InputDoc {
            file: &i.file,
            found: (i.found.iter())
                .map(|f| FoundDoc {
                    what: f.what,
                    count: f.count,
                })
                .collect(),
        }
    }
}

/// What one reader found and how many (`oomdoc_evidence::scan::Found`).
#[derive(Serialize)]
struct FoundDoc {
    what: &'static str,
    count: usize,
}
