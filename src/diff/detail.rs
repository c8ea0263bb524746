//! Saying what differs inside a changed value: the items, keys or attributes
//! whose content changed (one level down), the code fields of a changed
//! function, the first elements of a changed array.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Value, json};

use super::{Canon, MAX_DETAILS};
use crate::pickle::{NodeId, NodeKind, Program};
use crate::session::{Child, Describer, Entry, Session};

/// Width of the previews in details.
const WIDTH: usize = 40;
/// Array payloads are compared in pieces of this size.
const CHUNK: u64 = 8 << 20;

/// One difference inside a changed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// Where, relative to the name: `[3]`, `['key']`, `.attr`, `__code__`.
    pub path: String,
    /// `added`, `removed`, `changed`, or `note`.
    pub kind: &'static str,
    pub a: Option<String>,
    pub b: Option<String>,
}

impl Detail {
    pub fn note(text: String) -> Detail {
        Detail {
            path: String::new(),
            kind: "note",
            a: None,
            b: Some(text),
        }
    }

    fn changed(path: impl Into<String>, a: String, b: String) -> Detail {
        Detail {
            path: path.into(),
            kind: "changed",
            a: Some(a),
            b: Some(b),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"path": self.path, "kind": self.kind, "a": self.a, "b": self.b})
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = (
            self.a.as_deref().unwrap_or(""),
            self.b.as_deref().unwrap_or(""),
        );
        match self.kind {
            "added" => write!(f, "+ {}: {b}", self.path),
            "removed" => write!(f, "- {}: {a}", self.path),
            "note" => write!(f, "{b}"),
            _ if self.a.is_none() => write!(f, "~ {}: {b}", self.path),
            _ => write!(f, "~ {}: {a} → {b}", self.path),
        }
    }
}

/// What differs between two values of the same name.
pub fn explain(
    sa: &Session,
    ea: &Entry,
    ca: &mut Canon,
    sb: &Session,
    eb: &Entry,
    cb: &mut Canon,
) -> Vec<Detail> {
    if ea.ty != eb.ty {
        return vec![Detail::changed("type", ea.ty.clone(), eb.ty.clone())];
    }
    let (Some(va), Some(vb)) = (ea.value, eb.value) else {
        let from = |e: &Entry| {
            e.imported_from
                .clone()
                .unwrap_or_else(|| "stored in the file".into())
        };
        return vec![Detail::changed("imported from", from(ea), from(eb))];
    };
    let (da, db) = (sa.describer(), sb.describer());
    let mut out = Vec::new();
    let mut more = 0;
    let mut push = |d: Detail, out: &mut Vec<Detail>| {
        if out.len() < MAX_DETAILS {
            out.push(d);
        } else {
            more += 1;
        }
    };
    let ka = da.children(va);
    let kb = db.children(vb);
    let style = Style::of(&sa.program, va);
    let in_b: HashMap<&str, &Child> = kb.iter().map(|c| (c.name.as_str(), c)).collect();
    let in_a: HashMap<&str, &Child> = ka.iter().map(|c| (c.name.as_str(), c)).collect();
    for c in &ka {
        let path = style.path(&c.name);
        let Some(d) = in_b.get(c.name.as_str()) else {
            push(
                Detail {
                    path,
                    kind: "removed",
                    a: Some(shown(&da, c)),
                    b: None,
                },
                &mut out,
            );
            continue;
        };
        let same = match (c.node, d.node) {
            (Some(x), Some(y)) => ca.hash(x) == cb.hash(y),
            (None, None) => c.fact == d.fact,
            _ => false,
        };
        if same {
            continue;
        }
        if c.name == "__code__"
            && let (Some(x), Some(y)) = (c.node, d.node)
        {
            for d in code_details(&sa.program, x, ca, &sb.program, y, cb, &da, &db) {
                push(d, &mut out);
            }
            continue;
        }
        push(
            Detail::changed(path, shown(&da, c), shown(&db, d)),
            &mut out,
        );
    }
    for d in &kb {
        if !in_a.contains_key(d.name.as_str()) {
            let path = style.path(&d.name);
            push(
                Detail {
                    path,
                    kind: "added",
                    a: None,
                    b: Some(shown(&db, d)),
                },
                &mut out,
            );
        }
    }
    if let Some(d) = array_detail(&da, va, &db, vb) {
        push(d, &mut out);
    }
    if out.is_empty() && ka.is_empty() && kb.is_empty() {
        push(
            Detail::changed("value", da.preview(va, WIDTH), db.preview(vb, WIDTH)),
            &mut out,
        );
    }
    if more > 0 {
        out.push(Detail::note(format!("… and {more} more differences")));
    }
    out
}

fn shown(d: &Describer, c: &Child) -> String {
    match (c.node, &c.fact) {
        (Some(n), _) => d.preview(n, WIDTH),
        (None, Some(f)) => f.clone(),
        _ => String::new(),
    }
}

/// How child names read as paths below a value.
enum Style {
    Index,
    Key,
    Attr,
}

impl Style {
    fn of(p: &Program, id: NodeId) -> Style {
        match p.node(id).kind {
            NodeKind::List | NodeKind::Tuple | NodeKind::Set | NodeKind::FrozenSet => Style::Index,
            NodeKind::Dict => Style::Key,
            _ => Style::Attr,
        }
    }

    fn path(&self, name: &str) -> String {
        match self {
            Style::Index => format!("[{name}]"),
            Style::Key => format!("[{name:?}]"),
            Style::Attr => name.to_string(),
        }
    }
}

/// Which fields of two code objects differ, and the constants when they do.
#[allow(clippy::too_many_arguments)]
fn code_details(
    pa: &Program,
    xa: NodeId,
    ca: &mut Canon,
    pb: &Program,
    xb: NodeId,
    cb: &mut Canon,
    da: &Describer,
    db: &Describer,
) -> Vec<Detail> {
    let args = |p: &Program, x: NodeId| -> Vec<NodeId> {
        match p.node(x).kind {
            NodeKind::Reduce => p.items(NodeId(p.node(x).b)).to_vec(),
            _ => Vec::new(),
        }
    };
    let (aa, ab) = (args(pa, xa), args(pb, xb));
    let lead = aa
        .first()
        .is_some_and(|&f| pa.node(f).kind == NodeKind::Bytes);
    let names = crate::session::code::field_names(aa.len(), lead);
    if aa.len() != ab.len() || names.is_none() {
        return vec![Detail::changed(
            "__code__",
            format!("{} fields", aa.len()),
            format!("{} fields", ab.len()),
        )];
    }
    let names = names.unwrap_or_default();
    let mut differ = Vec::new();
    let mut out = Vec::new();
    for (i, (&x, &y)) in aa.iter().zip(&ab).enumerate() {
        if ca.hash(x) == cb.hash(y) {
            continue;
        }
        let name = names.get(i).copied().unwrap_or("?");
        differ.push(format!("co_{name}"));
        if matches!(
            name,
            "consts" | "names" | "varnames" | "name" | "firstlineno"
        ) {
            out.push(Detail::changed(
                format!("__code__.co_{name}"),
                da.preview(x, WIDTH),
                db.preview(y, WIDTH),
            ));
        }
    }
    let body = differ.iter().any(|f| f == "co_code");
    let summary = if body {
        format!("body changed ({} differ)", differ.join(", "))
    } else {
        format!("{} differ", differ.join(", "))
    };
    out.insert(
        0,
        Detail {
            path: "__code__".into(),
            kind: "changed",
            a: None,
            b: Some(summary),
        },
    );
    out
}

/// The first differing elements of two arrays of the same dtype.
fn array_detail(da: &Describer, va: NodeId, db: &Describer, vb: NodeId) -> Option<Detail> {
    let (dt_a, shape_a, fortran, data_a) = da.array_facts(va)?;
    let (dt_b, shape_b, _, data_b) = db.array_facts(vb)?;
    if dt_a != dt_b || shape_a != shape_b {
        return None;
    }
    let code = dt_a?;
    let (sa, la) = da.p.payload_span(data_a?)?;
    let (sb, lb) = db.p.payload_span(data_b?)?;
    if la != lb {
        return None;
    }
    let size = item_size(&code)?;
    let (first, count, ea, eb) = differing_elements(da.p, sa, db.p, sb, la, size)?;
    let shape: Vec<usize> = shape_a.iter().filter_map(|s| s.parse().ok()).collect();
    let mut d = Detail::changed(
        format!("[{}]", unravel(first, &shape, fortran)),
        element(&code, &ea),
        element(&code, &eb),
    );
    if count > 1 {
        let total = la / size as u64;
        if let Some(b) = d.b.as_mut() {
            b.push_str(&format!(" ({count} of {total} elements differ)"));
        }
    }
    Some(d)
}

/// Streams two equally long payloads side by side: (first differing element,
/// how many differ, its bytes in A, in B).
fn differing_elements(
    pa: &Program,
    sa: u64,
    pb: &Program,
    sb: u64,
    len: u64,
    size: usize,
) -> Option<(usize, u64, Vec<u8>, Vec<u8>)> {
    let chunk = (CHUNK / size as u64).max(1) * size as u64;
    let mut first: Option<(usize, Vec<u8>, Vec<u8>)> = None;
    let mut count = 0;
    let mut off = 0;
    while off < len {
        let n = chunk.min(len - off);
        let a = pa.source.bytes(sa + off, n).ok()?;
        let b = pb.source.bytes(sb + off, n).ok()?;
        for (i, (x, y)) in a.chunks(size).zip(b.chunks(size)).enumerate() {
            if x != y {
                count += 1;
                if first.is_none() {
                    first = Some((off as usize / size + i, x.to_vec(), y.to_vec()));
                }
            }
        }
        off += n;
    }
    let (i, x, y) = first?;
    Some((i, count, x, y))
}

fn item_size(code: &str) -> Option<usize> {
    let c = code.trim_start_matches(['<', '>', '|', '=']);
    let digits: String = c.chars().skip(1).take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&n| n > 0)
}

fn element(code: &str, b: &[u8]) -> String {
    let big = code.starts_with('>');
    let c = code.trim_start_matches(['<', '>', '|', '=']);
    let mut x = b.to_vec();
    if big {
        x.reverse();
    }
    let le8 = |x: &[u8]| {
        let mut buf = [0u8; 8];
        buf[..x.len().min(8)].copy_from_slice(&x[..x.len().min(8)]);
        buf
    };
    let sign_extend = |v: u64, n: usize| -> i64 {
        let shift = 64 - 8 * n as u32;
        ((v << shift) as i64) >> shift
    };
    match (c.as_bytes().first(), x.len()) {
        (Some(b'f'), 8) => crate::session::pyrepr::float(f64::from_le_bytes(le8(&x))),
        (Some(b'f'), 4) => {
            let mut buf = [0u8; 4];
            buf.copy_from_slice(&x);
            crate::session::pyrepr::float(f64::from(f32::from_le_bytes(buf)))
        }
        (Some(b'i'), n @ (1 | 2 | 4 | 8)) => {
            sign_extend(u64::from_le_bytes(le8(&x)), n).to_string()
        }
        (Some(b'u'), 1 | 2 | 4 | 8) => u64::from_le_bytes(le8(&x)).to_string(),
        (Some(b'b'), 1) => if x[0] != 0 { "True" } else { "False" }.into(),
        _ => x.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// `7` → `2, 1` for shape (3, 3): the index Python would print.
fn unravel(flat: usize, shape: &[usize], fortran: bool) -> String {
    if shape.len() <= 1 {
        return flat.to_string();
    }
    let mut idx = vec![0; shape.len()];
    let mut rest = flat;
    let order: Vec<usize> = if fortran {
        (0..shape.len()).collect()
    } else {
        (0..shape.len()).rev().collect()
    };
    for &axis in &order {
        let n = shape[axis].max(1);
        idx[axis] = rest % n;
        rest /= n;
    }
    idx.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_indices_read_as_python_prints_them() {
        assert_eq!(unravel(7, &[3, 3], false), "2, 1");
        assert_eq!(unravel(7, &[3, 3], true), "1, 2");
        assert_eq!(unravel(4, &[10], false), "4");
    }

    #[test]
    fn elements_decode_by_dtype() {
        assert_eq!(element("<f8", &2.5f64.to_le_bytes()), "2.5");
        assert_eq!(element("<i4", &(-3i32).to_le_bytes()), "-3");
        assert_eq!(element(">i2", &[0x01, 0x00]), "256");
        assert_eq!(item_size("<f8"), Some(8));
        assert_eq!(item_size("|b1"), Some(1));
    }
}
