//! Text both faces print: sizes, aligned tables, JSON, and the escaping that
//! keeps a crafted name from acting on the terminal. The CLI and the TUI both
//! use this module; neither face imports the other.

pub mod cut;
mod escape;
mod screen;
pub mod suggest;
pub mod words;

use std::io::Write;
use std::path::Path;

pub use escape::{clip, escape, is_confusable, is_invisible, is_marked, name, path, skeleton};
pub use screen::{Screen, eprint_line, stdout};

/// The widest a table cell other than the last may be, in characters.
pub const COLUMN_MAX: usize = 48;
/// The widest the last cell of a table row may be.
pub const LAST_COLUMN_MAX: usize = 160;

/// A path as a terminal should show it (see [`path`]).
pub trait Shown {
    fn shown(&self) -> String;
}

impl<P: AsRef<Path> + ?Sized> Shown for P {
    fn shown(&self) -> String {
        path(self.as_ref())
    }
}

/// `1.2 KiB`-style sizes.
pub fn human_size(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Prints rows as aligned columns; the last column is not padded. Every cell
/// is escaped and clipped ([`COLUMN_MAX`], [`LAST_COLUMN_MAX`]), so one long or
/// crafted value can neither widen every row nor reach the terminal raw.
pub fn table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
    right: &[usize],
) -> std::io::Result<()> {
    table_streaming(out, header, right, |_| rows.iter().cloned())
}

/// As [`table`], for rows made on the fly: `rows(false)` is walked once to
/// measure the columns (its last cell may be left empty: it is never padded),
/// then `rows(true)` is printed a row at a time, so memory holds one row, not
/// the table (100k names: the table alone was as large as the parsed file).
pub fn table_streaming<I: Iterator<Item = Vec<String>>>(
    out: &mut impl Write,
    header: &[&str],
    right: &[usize],
    rows: impl Fn(bool) -> I,
) -> std::io::Result<()> {
    let n = header.len();
    let cell = |i: usize, c: &str| -> String {
        let max = if i + 1 == n {
            LAST_COLUMN_MAX
        } else {
            COLUMN_MAX
        };
        clip(&escape(c), max).into_owned()
    };
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows(false) {
        for (i, c) in r.iter().enumerate().take(n.saturating_sub(1)) {
            widths[i] = widths[i].max(cell(i, c).chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            if i + 1 == n {
                s.push_str(c);
            } else if right.contains(&i) {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
                s.push_str("  ");
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.truncate(s.trim_end().len());
        s
    };
    writeln!(out, "{}", line(header))?;
    for r in rows(true) {
        let cells: Vec<String> = r.iter().enumerate().map(|(i, c)| cell(i, c)).collect();
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    Ok(())
}

/// Prints `value` as pretty JSON with the array under the top-level `key`
/// streamed from `items`, one at a time: the same text as [`json`] of the whole
/// value, without holding every item's tree at once (100k names took 200 MB).
pub fn json_streaming(
    value: &serde_json::Value,
    key: &str,
    items: impl Iterator<Item = serde_json::Value>,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    json_streaming_to(&mut out, value, key, items)?;
    out.flush()
}

fn json_streaming_to(
    out: &mut impl Write,
    value: &serde_json::Value,
    key: &str,
    items: impl Iterator<Item = serde_json::Value>,
) -> std::io::Result<()> {
    let mut v = value.clone();
    v[key] = serde_json::Value::Array(Vec::new());
    let text = serde_json::to_string_pretty(&v)?;
    let placeholder = format!("\n  {}: []", serde_json::to_string(key)?);
    let Some(at) = text.find(&placeholder) else {
        return Err(std::io::Error::other("streamed key not in the value"));
    };
    let (head, tail) = text.split_at(at + placeholder.len() - 2);
    out.write_all(head.as_bytes())?;
    let mut first = true;
    for item in items {
        out.write_all(if first { b"[\n" } else { b",\n" })?;
        first = false;
        let one = serde_json::to_string_pretty(&item)?;
        for (i, line) in one.lines().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"    ")?;
            out.write_all(line.as_bytes())?;
        }
    }
    if first {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"\n  ]")?;
    }
    out.write_all(&tail.as_bytes()[2..])?;
    writeln!(out)
}

/// Prints JSON followed by a newline.
pub fn json(value: &serde_json::Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)
}

/// `println!` for human text: through [`stdout`], so control characters that
/// slipped past field escaping are shown, not obeyed. A closed pipe ends the
/// output quietly instead of panicking.
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($crate::text::stdout(), $($t)*);
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_11_streamed_json_is_the_same_text_as_the_whole_tree() {
        let items: Vec<serde_json::Value> = (0..3)
            .map(|i| serde_json::json!({"name": format!("n{i}\n\"x\""), "bytes": i, "list": [1, {"a": null}]}))
            .collect();
        for items in [items.clone(), Vec::new()] {
            let whole = serde_json::json!({"a": 1, "entries": items.clone(), "z": ["q"]});
            let mut want = serde_json::to_string_pretty(&whole).unwrap();
            want.push('\n');
            let mut got = Vec::new();
            json_streaming_to(&mut got, &whole, "entries", items.into_iter()).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), want);
        }
    }
}
