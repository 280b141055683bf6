//! Helpers shared by the integration tests.
#![allow(dead_code)]

use oomdoc_manifest::Item;
use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::{InputError, Pos};

pub fn workloads(items: &[Item]) -> Vec<&Workload> {
    items
        .iter()
        .filter_map(|i| {
            if let Item::Workload(w) = i {
                Some(w)
            } else {
                None
            }
        })
        .collect()
}

pub fn limit_ranges(items: &[Item]) -> Vec<&LimitRange> {
    items
        .iter()
        .filter_map(|i| {
            if let Item::LimitRange(l) = i {
                Some(l)
            } else {
                None
            }
        })
        .collect()
}

pub fn errors(items: &[Item]) -> Vec<&InputError> {
    items
        .iter()
        .filter_map(|i| {
            if let Item::Error(e) = i {
                Some(e)
            } else {
                None
            }
        })
        .collect()
}

/// The only workload; panics with the items otherwise.
pub fn one(items: &[Item]) -> &Workload {
    let w = workloads(items);
    assert_eq!(w.len(), 1, "expected one workload in {items:#?}");
    w[0]
}

pub fn no_errors(items: &[Item]) {
    let e = errors(items);
    assert!(e.is_empty(), "unexpected errors: {e:#?}");
}

pub fn pos(line: u32, column: u32) -> Pos {
    Pos::new(line, column)
}

/// The quantity as Kubernetes prints it.
pub fn q(w: &Option<oomdoc_model::Spanned<oomdoc_model::Quantity>>) -> String {
    w.as_ref()
        .map_or_else(|| "-".into(), |s| s.value.to_string())
}
