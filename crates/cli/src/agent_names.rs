//! Pod names for the agent: from the API server (a read-only watch of this node's pods) when it
//! can be reached, else by UID, said once in the log.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use oomdoc_agent::run::{ByUid, Names};

use crate::scan_cmd::ConnArgs;

/// The names the agent labels with.
pub(crate) fn names(
    _conn: &ConnArgs,
    node: Option<&str>,
    _stop: Arc<AtomicBool>,
) -> Arc<dyn Names> {
    let why = match node {
        None => "no --node or $NODE_NAME",
        Some(_) => "the pod watch is not built yet",
    };
    let _ = std::io::Write::write_all(
        &mut crate::stderr(),
        format!("oomdoc agent: pods are labelled by UID only ({why})\n").as_bytes(),
    );
    Arc::new(ByUid)
}
