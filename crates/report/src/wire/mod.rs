//! The wire formats of the domain crates' data: plain serde structs built from the domain types,
//! so the pure crates define no JSON. Field names, order and spellings are the documented
//! schemas; changing one here changes the output, which the snapshots guard.

pub(crate) mod cluster;
pub(crate) mod evidence;
pub(crate) mod incident;
