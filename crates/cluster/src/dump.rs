//! Reads `kubectl get pods,nodes,events -A -o json` output (a v1 `List` of mixed kinds, a
//! `PodList`, or one object) item by item: `items` is visited as a sequence and each element is
//! handed on before the next is read, so memory holds one item, not the list. One item may
//! be at most [`MAX_ITEM`]: a dump of a few huge objects cannot fill memory either.

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use oomdoc_cluster_core::scan::Scan;
use oomdoc_model::bytes::exact;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One object of a dump.
#[derive(Debug)]
pub enum DumpItem {
    /// A pod, with its JSON text (for the audit).
    Pod(Box<Pod>, Box<RawValue>),
    /// A node.
    Node(Box<Node>),
    /// An event (`v1` or `events.k8s.io/v1` read through the core shape).
    Event(Box<Event>),
    /// Any other kind (ignored by the scan).
    Other(String),
}

#[derive(Deserialize)]
struct Probe {
    kind: Option<String>,
}

/// The kind of the items of a typed list (`PodList` as the API returns it: its items carry no
/// `kind` of their own).
fn item_kind_of(list_kind: &str) -> Option<&'static str> {
    match list_kind {
        "PodList" => Some("Pod"),
        "NodeList" => Some("Node"),
        "EventList" => Some("Event"),
        _ => None,
    }
}

/// Classifies and deserializes one item; `hint` is the kind its list gives (for items without
/// `kind`). Errors name the item's index and kind.
pub fn read_item(index: u64, raw: Box<RawValue>, hint: Option<&str>) -> Result<DumpItem, String> {
    let kind = serde_json::from_str::<Probe>(raw.get())
        .ok()
        .and_then(|p| p.kind)
        .or(hint.map(str::to_string))
        .unwrap_or_default();
    let what = |e: serde_json::Error| format!("item {index} ({kind}): {e}");
    Ok(match kind.as_str() {
        "Pod" => DumpItem::Pod(
            Box::new(serde_json::from_str(raw.get()).map_err(what)?),
            raw,
        ),
        "Node" => DumpItem::Node(Box::new(serde_json::from_str(raw.get()).map_err(what)?)),
        "Event" => DumpItem::Event(Box::new(serde_json::from_str(raw.get()).map_err(what)?)),
        "" => {
            return Err(format!(
                "item {index}: no `kind` (and its list does not say)"
            ))
        }
        _ => DumpItem::Other(kind),
    })
}

/// The largest item read (and the largest single object, or a list's fields besides `items`):
/// etcd refuses objects over 1.5 MiB and `kubectl get -o json` prints one in about as many
/// bytes, so 8 MiB is room to spare; with 64 items (`IN_FLIGHT`) queued for the workers, a dump
/// of items at the cap still stays under 1 GiB.
pub const MAX_ITEM: u64 = 8 << 20;

/// Items read ahead of the workers.
const IN_FLIGHT: usize = 64;

/// Where reading is: bytes taken from the input, and where the current item began.
#[derive(Clone, Default)]
struct Mark {
    pos: Rc<Cell<u64>>,
    start: Rc<Cell<u64>>,
}

impl Mark {
    /// A new item (or the rest of the list) starts here.
    fn begin(&self) {
        self.start.set(self.pos.get());
    }
}

/// The input, counted: reading past [`MAX_ITEM`] from the current item's start is an error.
/// It sits under the JSON reader's buffer, so an item's start is known to within that buffer.
struct Bounded<R> {
    inner: R,
    mark: Mark,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let pos = self.mark.pos.get() + n as u64;
        self.mark.pos.set(pos);
        if pos - self.mark.start.get() > MAX_ITEM + BUFFER as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "an object of the input is larger than {} (etcd's limit is 1.5Mi); stopped reading",
                    exact(MAX_ITEM)
                ),
            ));
        }
        Ok(n)
    }
}

/// The JSON reader's buffer over [`Bounded`].
const BUFFER: usize = 64 << 10;

struct Items<'f> {
    sink: &'f mut dyn FnMut(u64, Box<RawValue>, Option<&'static str>),
    mark: Mark,
    count: u64,
    /// The items' kind when the list says it (`PodList`) before its items.
    hint: Option<&'static str>,
}

impl<'de> Visitor<'de> for &mut Items<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.mark.begin();
            let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                break;
            };
            (self.sink)(self.count, raw, self.hint);
            self.count += 1;
        }
        self.mark.begin();
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &mut Items<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

struct Top<'f> {
    items: Items<'f>,
    /// Fields of a single object (no `items`), kept to read it whole at the end.
    fields: Vec<(String, Box<RawValue>)>,
    saw_items: bool,
}

impl<'de> Visitor<'de> for &mut Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object (`kubectl get ... -o json`)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                self.saw_items = true;
                map.next_value_seed(&mut self.items)?;
            } else if self.saw_items {
                map.next_value::<IgnoredAny>()?;
            } else if key == "kind" {
                let v = map.next_value::<Box<RawValue>>()?;
                if let Ok(k) = serde_json::from_str::<String>(v.get()) {
                    self.items.hint = item_kind_of(&k);
                }
                self.fields.push((key, v));
            } else {
                let v = map.next_value::<Box<RawValue>>()?;
                self.fields.push((key, v));
            }
        }
        Ok(())
    }
}

/// Reads a dump, handing each item (or the reason it could not be read) to `sink`. Returns the
/// number of items, or the JSON syntax error (`line L column C: ...`) that stopped reading.
pub fn read_dump<R: Read>(
    reader: R,
    sink: &mut dyn FnMut(Result<DumpItem, String>),
) -> Result<u64, String> {
    read_dump_raw(reader, &mut |i, raw, hint| sink(read_item(i, raw, hint)))
}

/// [`read_dump`] without reading the items: each item's index, JSON text and the kind its list
/// gives, for [`read_item`] elsewhere (on a worker thread).
pub fn read_dump_raw<R: Read>(
    reader: R,
    sink: &mut dyn FnMut(u64, Box<RawValue>, Option<&'static str>),
) -> Result<u64, String> {
    let mark = Mark::default();
    let mut top = Top {
        items: Items {
            sink,
            mark: mark.clone(),
            count: 0,
            hint: None,
        },
        fields: Vec::new(),
        saw_items: false,
    };
    let bounded = Bounded {
        inner: reader,
        mark,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(BUFFER, bounded));
    let r = serde::Deserializer::deserialize_map(&mut de, &mut top).and_then(|()| de.end());
    if let Err(e) = r {
        return Err(
            if e.is_eof() && top.items.count == 0 && top.fields.is_empty() {
                "empty input: expected `kubectl get pods,nodes,events -A -o json` output".into()
            } else if e.line() > 0 {
                format!("line {} column {}: {e}", e.line(), e.column())
                    .replace(&format!(" at line {} column {}", e.line(), e.column()), "")
            } else {
                e.to_string()
            },
        );
    }
    if !top.saw_items {
        if !top.fields.iter().any(|(k, _)| k == "kind") {
            // `{}`, or JSON that is no Kubernetes object: not a cluster with nothing in it.
            return Err(
                "not `kubectl get -o json` output: an object with neither `kind` nor `items`"
                    .into(),
            );
        }
        // A single object: put it back together.
        let mut text = String::from("{");
        for (i, (k, v)) in top.fields.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&serde_json::to_string(k).unwrap_or_default());
            text.push(':');
            text.push_str(v.get());
        }
        text.push('}');
        let raw = RawValue::from_string(text).map_err(|e| e.to_string())?;
        (top.items.sink)(0, raw, None);
        top.items.count = 1;
    }
    Ok(top.items.count)
}

enum Msg {
    Pod(oomdoc_cluster_core::scan::PodResult),
    Node(Box<Node>),
    Event(Box<Event>),
    Error(String),
}

/// Scans a dump: every pod, node and event of it fed to `scan`, unreadable items noted as errors
/// named after `name`. One thread splits the input into items, `workers` threads read and audit
/// them, the caller merges; the channels between them are bounded, so memory holds a few hundred
/// items at most. The report does not depend on `workers` (the ranking is a total order).
pub fn scan_dump<R: Read + Send>(reader: R, name: &str, scan: &mut Scan, workers: usize) {
    let (analyzer, tally) = scan.split();
    let (raw_tx, raw_rx) =
        crossbeam_channel::bounded::<(u64, Box<RawValue>, Option<&'static str>)>(IN_FLIGHT);
    let (res_tx, res_rx) = crossbeam_channel::bounded::<Msg>(IN_FLIGHT);
    std::thread::scope(|s| {
        let rtx = res_tx.clone();
        s.spawn(move || {
            // A send fails only when the receivers are gone: nothing is left to do then.
            let r = read_dump_raw(reader, &mut |i, raw, hint| {
                let _ = raw_tx.send((i, raw, hint));
            });
            if let Err(e) = r {
                let _ = rtx.send(Msg::Error(format!("{name}: {e}")));
            }
        });
        for _ in 0..workers.max(1) {
            let (rx, tx) = (raw_rx.clone(), res_tx.clone());
            s.spawn(move || {
                for (i, raw, hint) in rx {
                    let m = match read_item(i, raw, hint) {
                        Ok(DumpItem::Pod(p, raw)) => Msg::Pod(analyzer.pod(&p, Some(raw.get()))),
                        Ok(DumpItem::Node(n)) => Msg::Node(n),
                        Ok(DumpItem::Event(e)) => Msg::Event(e),
                        Ok(DumpItem::Other(_)) => continue,
                        Err(e) => Msg::Error(format!("{name}: {e}")),
                    };
                    if tx.send(m).is_err() {
                        return;
                    }
                }
            });
        }
        drop(res_tx);
        drop(raw_rx);
        for m in res_rx {
            match m {
                Msg::Pod(r) => tally.merge(r),
                Msg::Node(n) => tally.add_node(&n),
                Msg::Event(e) => tally.add_event(&e),
                Msg::Error(e) => tally.error(e),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> (Vec<String>, Result<u64, String>) {
        let mut out = Vec::new();
        let n = read_dump(text.as_bytes(), &mut |r| {
            out.push(match r {
                Ok(DumpItem::Pod(p, _)) => format!("pod {}", p.metadata.name.unwrap_or_default()),
                Ok(DumpItem::Node(_)) => "node".into(),
                Ok(DumpItem::Event(_)) => "event".into(),
                Ok(DumpItem::Other(k)) => format!("other {k}"),
                Err(e) => format!("error {e}"),
            })
        });
        (out, n)
    }

    /// A list as the API server returns it (`PodList`, items without `kind`) is read as pods
    /// (it read as nothing: "no OOM kill", exit 0).
    #[test]
    fn a_typed_list_gives_its_items_their_kind() {
        let (k, n) = kinds(
            r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#,
        );
        assert_eq!(n, Ok(2));
        assert_eq!(k, ["pod a", "pod b"]);
        let (k, _) = kinds(r#"{"kind":"NodeList","items":[{"metadata":{"name":"n"}}]}"#);
        assert_eq!(k, ["node"]);
    }

    #[test]
    fn mixed_list_is_read_item_by_item() {
        let (k, n) = kinds(
            r#"{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}},
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}},
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"involvedObject":{}},
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}},
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":3}}]}"#,
        );
        assert_eq!(n, Ok(5));
        assert_eq!(k[..4], ["pod a", "node", "event", "other Service"]);
        assert!(
            k[4].starts_with("error item 4 (Pod): invalid type"),
            "{}",
            k[4]
        );
    }

    #[test]
    fn json_that_is_no_kubernetes_object_is_an_error() {
        assert!(kinds("{}")
            .1
            .unwrap_err()
            .contains("neither `kind` nor `items`"));
        assert!(kinds(r#"{"a":1}"#).1.is_err());
        let (k, n) = kinds(r#"{"kind":"List","items":[{"metadata":{"name":"a"}}]}"#);
        assert_eq!(n, Ok(1));
        assert_eq!(k, ["error item 0: no `kind` (and its list does not say)"]);
    }

    #[test]
    fn a_single_pod_and_syntax_errors() {
        let (k, n) = kinds(r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"solo"}}"#);
        assert_eq!((k, n), (vec!["pod solo".to_string()], Ok(1)));
        let (k, n) = kinds("{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{}},\n{,");
        assert_eq!(k.len(), 1);
        assert!(n.unwrap_err().starts_with("line 2 column 2: "));
        let (_, n) = kinds("");
        assert!(n.unwrap_err().starts_with("empty input"));
    }

    #[test]
    fn an_item_over_the_cap_stops_the_read_with_its_reason() {
        let big = format!(
            r#"{{"kind":"List","items":[{{"kind":"Pod","metadata":{{"name":"a"}}}},{{"kind":"Pod","metadata":{{"name":"b","x":"{}"}}}}]}}"#,
            "y".repeat((MAX_ITEM + (1 << 20)) as usize)
        );
        let (k, n) = kinds(&big);
        assert_eq!(k, ["pod a"]);
        let e = n.unwrap_err();
        assert!(e.contains("larger than 8Mi"), "{e}");
        // Many items, each under the cap, are read whatever their total.
        let item = format!(
            r#"{{"kind":"Pod","metadata":{{"name":"p","x":"{}"}}}}"#,
            "y".repeat(1 << 20)
        );
        let list = format!(
            r#"{{"kind":"List","items":[{}]}}"#,
            vec![item; 20].join(",")
        );
        let (k, n) = kinds(&list);
        assert_eq!((k.len(), n), (20, Ok(20)));
        // A single object is an item too.
        let solo = format!(
            r#"{{"kind":"Pod","metadata":{{"name":"b","x":"{}"}}}}"#,
            "y".repeat((MAX_ITEM + (1 << 20)) as usize)
        );
        assert!(kinds(&solo).1.unwrap_err().contains("larger than 8Mi"));
    }

    #[test]
    fn workers_do_not_change_the_report() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dump.json");
        let text = std::fs::read_to_string(path).unwrap();
        let run = |workers| {
            let mut scan = Scan::new(oomdoc_audit::Assumptions::default());
            scan_dump(text.as_bytes(), "dump.json", &mut scan, workers);
            scan.finish(None)
        };
        let one = run(1);
        assert_eq!(one.pods, 5);
        assert_eq!(one.containers_at_risk.len(), 5);
        assert_eq!(one.nodes_read, 2);
        assert_eq!(one.oom_events, 3);
        assert_eq!(run(3), one);
    }
}
