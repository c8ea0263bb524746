//! Text both faces print: sizes, aligned tables, JSON, and the escaping that
//! keeps a crafted name from acting on the terminal. The CLI and the TUI both
//! use this module; neither face imports the other.

mod escape;
mod screen;

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
    let n = header.len();
    let cell = |i: usize, c: &str| -> String {
        let max = if i + 1 == n {
            LAST_COLUMN_MAX
        } else {
            COLUMN_MAX
        };
        clip(&escape(c), max).into_owned()
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().enumerate().map(|(i, c)| cell(i, c)).collect())
        .collect();
    let rows = &rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
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
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for r in rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
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
