//! User-level facts about a value, one place for every face (CLI human and
//! JSON, TUI, diff): length, shape, dtype, columns, signature, and the value
//! previews of arrays. Decoded statically; never runs the pickle.

use crate::pickle::{NodeId, NodeKind};
use crate::session::Describer;
use crate::session::ndarray::{self, ArrayView};

/// Most elements formatted for a one-line array preview.
const PREVIEW_ELEMS: usize = 4096;

/// Structured facts; each `None` when it does not apply or cannot be proven.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub len: Option<u64>,
    pub shape: Option<Vec<u64>>,
    pub dtype: Option<String>,
    /// Per-column dtypes, in column order, for tables.
    pub dtypes: Option<Vec<String>>,
    pub columns: Option<Vec<String>>,
    pub signature: Option<String>,
    /// Why the value's view could not be read (a lying shape, say).
    pub problem: Option<String>,
}

impl Facts {
    /// The names pane's Shape/len cell: `(2, 3)`, `3×5`, `len 4`, or empty.
    pub fn shape_cell(&self) -> String {
        match (&self.shape, self.len) {
            (Some(s), _) if s.len() == 2 && self.columns.is_some() => format!("{}×{}", s[0], s[1]),
            (Some(s), _) => ndarray::shape_text(s),
            (None, Some(n)) => format!("len {n}"),
            _ => String::new(),
        }
    }
}

impl Describer<'_> {
    /// The structured facts of a value.
    pub fn facts(&self, id: NodeId) -> Facts {
        let p = self.p;
        let mut f = Facts::default();
        match p.node(id).kind {
            NodeKind::List | NodeKind::Set | NodeKind::FrozenSet => {
                f.len = Some(self.seq_items(id).len() as u64)
            }
            NodeKind::Tuple => f.len = Some(p.items(id).len() as u64),
            NodeKind::Dict => f.len = Some(self.dict_items(id).len() as u64),
            NodeKind::Str => {
                if let Some(crate::pickle::text::Scalar::Str { len, text }) = p.scalar(id, 4096) {
                    // Characters when the whole text was read, else its UTF-8 length is all we know.
                    if text.len() as u64 == len {
                        f.len = Some(text.chars().count() as u64);
                    }
                }
            }
            NodeKind::Bytes | NodeKind::ByteArray => f.len = p.payload_span(id).map(|s| s.1),
            _ => {}
        }
        if let Some(a) = self.ndarray(id) {
            match a {
                Ok(a) => {
                    f.len = a.shape.first().copied();
                    f.shape = Some(a.shape.clone());
                    f.dtype = Some(a.dtype.name());
                }
                Err(e) => f.problem = Some(e),
            }
            return f;
        }
        if let Some(t) = self.pandas(id) {
            return match t {
                Ok(t) => t.facts(),
                Err(e) => Facts {
                    problem: Some(e),
                    ..Facts::default()
                },
            };
        }
        if let Some((info, _)) = self.function_code(id) {
            let defaults = self.args(id).get(3).map_or(0, |&d| p.items(d).len());
            f.signature = Some(format!(
                "{}{}",
                self.function_name(id, &info),
                info.signature(defaults)
            ));
        }
        f
    }

    /// `ndarray float64 (2, 3) [[0.12, -1.3, …` — the repr's values on one line.
    pub fn array_line(&self, id: NodeId, a: &ArrayView) -> String {
        let class = self.type_of(id);
        let short = class.as_str().rsplit('.').next().unwrap_or("ndarray");
        let order = if a.fortran { " F-order" } else { "" };
        let head = format!(
            "{short} {} {}{order}",
            a.dtype.name(),
            ndarray::shape_text(&a.shape)
        );
        let shown = ndarray::format::shown_indices_count(&a.shape, a.size() > 1000);
        if shown > PREVIEW_ELEMS as u64 {
            return head;
        }
        match self.ndarray_repr(a, &self.p.source) {
            Ok(r) => format!("{head} {}", one_line_values(&r)),
            Err(e) => format!("{head} ({e})"),
        }
    }
}

/// The values part of an array repr on one line: the outer brackets (or a 0-d value), whitespace
/// runs collapsed, `shape=`/`dtype=` left out.
pub fn one_line_values(repr: &str) -> String {
    let body = repr.strip_prefix("array(").unwrap_or(repr);
    let end = if body.starts_with('[') {
        let mut depth = 0i32;
        let mut quote: Option<char> = None;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '[') => depth += 1,
                (None, ']') => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        end
    } else {
        body.find(", dtype=")
            .or_else(|| body.rfind(')'))
            .unwrap_or(body.len())
    };
    let body = &body[..end];
    let mut out = String::with_capacity(body.len());
    let mut space = false;
    for c in body.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.ends_with('[') && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_values_drop_the_extras() {
        assert_eq!(
            one_line_values("array(['2020-05-17'], dtype='datetime64[D]')"),
            "['2020-05-17']"
        );
        assert_eq!(
            one_line_values("array([[ 1,  2],\n       [ 3,  4]])"),
            "[[1, 2], [3, 4]]"
        );
        assert_eq!(one_line_values("array(3.5)"), "3.5");
        assert_eq!(one_line_values("array(1.5, dtype=float32)"), "1.5");
    }
}
