//! `oomdoc simulate`'s output: the text report for people ([`text::render`]) and the JSON
//! document ([`json::to_json`]) of an [`oomdoc_sim::simulate::Report`].

pub mod json;
pub mod text;
