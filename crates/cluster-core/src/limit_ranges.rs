//! The cluster's LimitRanges by namespace, as `oomdoc webhook` applies them to pod templates.
//!
//! Each object is read by the manifest reader from its JSON text (as the audit reads any
//! LimitRange), so the defaults that fill a template at admission are the same figures
//! `oomdoc audit` uses for a LimitRange in a file.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::LimitRange as ApiLimitRange;
use oomdoc_manifest::Item;
use oomdoc_model::pod::LimitRange;

/// LimitRange objects kept at most (a namespace has one or two; this is room for thousands of
/// namespaces while a flood cannot grow the server without bound).
pub const MAX_LIMIT_RANGES: usize = 20_000;

/// The LimitRanges known, by namespace and name.
#[derive(Clone, Debug, Default)]
pub struct LimitRangeIndex {
    by_namespace: HashMap<String, Vec<(String, LimitRange)>>,
    count: usize,
}

/// `obj`'s namespace, name, and its `type: Container` items as the audit reads them.
pub fn read(obj: &ApiLimitRange) -> Option<(String, String, LimitRange)> {
    let ns = obj.metadata.namespace.clone()?;
    let name = obj.metadata.name.clone()?;
    let text = serde_json::to_string(obj).ok()?;
    let file = format!("LimitRange/{ns}/{name}");
    let lr = oomdoc_manifest::read_str(&file, &text)
        .into_iter()
        .find_map(|i| match i {
            Item::LimitRange(mut l) => {
                // Objects from the API server list may omit kind and namespace on items.
                l.namespace = Some(ns.clone());
                Some(l)
            }
            _ => None,
        })?;
    Some((ns, name, lr))
}

impl LimitRangeIndex {
    /// Adds or replaces `obj` (ignored past [`MAX_LIMIT_RANGES`]).
    pub fn apply(&mut self, obj: &ApiLimitRange) {
        let Some((ns, name, lr)) = read(obj) else {
            return;
        };
        let list = self.by_namespace.entry(ns).or_default();
        match list.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = lr,
            None if self.count < MAX_LIMIT_RANGES => {
                list.push((name, lr));
                self.count += 1;
            }
            None => {}
        }
    }

    /// Removes `obj`.
    pub fn delete(&mut self, obj: &ApiLimitRange) {
        let (Some(ns), Some(name)) = (&obj.metadata.namespace, &obj.metadata.name) else {
            return;
        };
        if let Some(list) = self.by_namespace.get_mut(ns) {
            let before = list.len();
            list.retain(|(n, _)| n != name);
            self.count -= before - list.len();
            if list.is_empty() {
                self.by_namespace.remove(ns);
            }
        }
    }

    /// The LimitRanges of `namespace` (none is an empty list).
    pub fn of(&self, namespace: &str) -> Vec<LimitRange> {
        self.by_namespace
            .get(namespace)
            .map(|l| l.iter().map(|(_, lr)| lr.clone()).collect())
            .unwrap_or_default()
    }

    /// How many objects are kept.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lr(ns: &str, name: &str, memory: &str) -> ApiLimitRange {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": ns},
            "spec": {"limits": [
                {"type": "Container", "default": {"memory": memory}, "defaultRequest": {"memory": memory}},
                {"type": "Pod", "max": {"memory": "8Gi"}}
            ]}
        }))
        .unwrap()
    }

    fn default_memory(idx: &LimitRangeIndex, ns: &str) -> Vec<i64> {
        idx.of(ns)
            .iter()
            .flat_map(|l| l.container_items.iter())
            .filter_map(|i| i.default.memory.as_ref().and_then(|q| q.value.value()))
            .collect()
    }

    #[test]
    fn objects_are_kept_by_namespace_replaced_and_deleted() {
        let mut idx = LimitRangeIndex::default();
        idx.apply(&lr("shop", "mem", "512Mi"));
        idx.apply(&lr("shop", "mem", "1Gi"));
        idx.apply(&lr("batch", "mem", "256Mi"));
        assert_eq!(idx.len(), 2);
        assert_eq!(default_memory(&idx, "shop"), vec![1 << 30]);
        assert_eq!(default_memory(&idx, "batch"), vec![256 << 20]);
        assert!(idx.of("other").is_empty());
        // Only `type: Container` items are read.
        assert_eq!(idx.of("shop")[0].container_items.len(), 1);
        idx.delete(&lr("shop", "mem", ""));
        assert!(idx.of("shop").is_empty());
        assert_eq!(idx.len(), 1);
    }
}
