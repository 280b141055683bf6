//! serde_json's pretty printing, starting at a given nesting level.
//!
//! The streaming writers print a document piece by piece (each workload, each finding) into the
//! middle of an enclosing object. To be byte-identical with `serde_json::to_writer_pretty` of the
//! whole document, each piece must be indented as deep as it sits. serde_json's
//! `PrettyFormatter` always starts at level 0 and keeps its level private, so this is the same
//! formatter (two-space indent, `": "` after keys, `[]`/`{}` when empty) with a starting level.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

const INDENT: &[u8] = b"  ";

/// `PrettyFormatter::with_indent(b"  ")` that starts `level` levels deep.
struct Indented {
    level: usize,
    has_value: bool,
}

fn indent<W: ?Sized + Write>(w: &mut W, n: usize) -> io::Result<()> {
    for _ in 0..n {
        w.write_all(INDENT)?;
    }
    Ok(())
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` pretty-printed as it would appear `level` levels deep in a pretty-printed
/// document (its first line is not indented: the caller writes what precedes it).
pub(crate) fn write_at<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    level: usize,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        Indented {
            level,
            has_value: false,
        },
    );
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// Writes one element of an array whose elements sit `level` levels deep: the separator (`\n`
/// before the first, `,\n` before the others), the indent, the element.
pub(crate) fn write_element<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    level: usize,
    first: bool,
    value: &T,
) -> io::Result<()> {
    out.write_all(if first { b"\n" } else { b",\n" })?;
    indent(out, level)?;
    write_at(out, level, value)
}

/// Closes an array whose elements sit `level` levels deep and of which `any` were written.
pub(crate) fn close_array(out: &mut dyn Write, level: usize, any: bool) -> io::Result<()> {
    if any {
        out.write_all(b"\n")?;
        indent(out, level - 1)?;
    }
    out.write_all(b"]")
}
