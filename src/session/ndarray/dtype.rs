//! A numpy dtype as read from its pickle (`numpy.dtype('f8', False, True)` plus
//! its BUILD state): kind, item size, byte order, datetime unit. Only simple
//! (non-structured) dtypes are understood; anything else is `None`, never a guess.

use crate::pickle::text::Scalar;
use crate::pickle::{NodeId, NodeKind};
use crate::session::Describer;

/// The element type of an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dtype {
    /// numpy's kind letter: b i u f c M m O S U.
    pub kind: char,
    /// Bytes per item.
    pub size: usize,
    pub big_endian: bool,
    /// Datetime/timedelta unit (`ns`, `D`, …).
    pub unit: Option<String>,
}

impl Dtype {
    /// From a dtype code with an optional order prefix: `<f8`, `>i4`, `|b1`, `M8[ns]`, `U8`.
    pub fn parse(code: &str) -> Option<Dtype> {
        let (big_endian, rest) = match code.as_bytes().first()? {
            b'>' | b'!' => (true, &code[1..]),
            b'<' | b'=' | b'|' => (false, &code[1..]),
            _ => (false, code),
        };
        let (rest, unit) = match rest.split_once('[') {
            Some((r, u)) => (r, Some(u.trim_end_matches(']').to_string())),
            None => (rest, None),
        };
        let mut chars = rest.chars();
        let kind = chars.next()?;
        let digits = chars.as_str();
        let size: usize = if digits.is_empty() {
            match kind {
                'b' | '?' => 1,
                'O' => 8,
                'S' | 'U' => 0,
                _ => return None,
            }
        } else {
            digits.parse().ok()?
        };
        let kind = if kind == '?' { 'b' } else { kind };
        let ok = match kind {
            'b' => size == 1,
            'i' | 'u' => matches!(size, 1 | 2 | 4 | 8),
            'f' => matches!(size, 2 | 4 | 8),
            'c' => matches!(size, 8 | 16),
            'M' | 'm' => size == 8,
            'O' => matches!(size, 4 | 8),
            'S' | 'U' => size <= 1 << 30,
            _ => false,
        };
        ok.then_some(Dtype {
            kind,
            size,
            big_endian: big_endian && size > 1 && !matches!(kind, 'S' | 'O'),
            unit,
        })
    }

    /// numpy's `str(dtype)`: `float64`, `>f8`, `datetime64[ns]`, `<U2`, `|S2`, `object`.
    pub fn name(&self) -> String {
        let bits = self.size * 8;
        let base = match self.kind {
            'b' => return "bool".into(),
            'O' => return "object".into(),
            'S' => return format!("|S{}", self.size),
            'U' => return format!("{}U{}", self.order_char(), self.size / 4),
            'i' => format!("int{bits}"),
            'u' => format!("uint{bits}"),
            'f' => format!("float{bits}"),
            'c' => format!("complex{bits}"),
            'M' => format!("datetime64{}", self.unit_suffix()),
            'm' => format!("timedelta64{}", self.unit_suffix()),
            _ => "?".into(),
        };
        if self.big_endian {
            // numpy names non-native dtypes by their code.
            return format!(">{}{}{}", self.kind, self.size, self.unit_suffix());
        }
        base
    }

    fn order_char(&self) -> char {
        if self.big_endian { '>' } else { '<' }
    }

    fn unit_suffix(&self) -> String {
        match &self.unit {
            Some(u) => format!("[{u}]"),
            None => String::new(),
        }
    }

    /// Whether `repr(array)` leaves the dtype out (float64, int64, complex128, bool; native order).
    pub fn implied(&self) -> bool {
        !self.big_endian
            && matches!(
                (self.kind, self.size),
                ('f', 8) | ('i', 8) | ('c', 16) | ('b', 1)
            )
    }

    /// What follows `dtype=` in a repr: `float32`, `'>f8'`, `'datetime64[ns]'`, `object`.
    pub fn repr_arg(&self) -> String {
        let n = self.name();
        if n.chars().all(|c| c.is_ascii_alphanumeric()) && !self.big_endian {
            n
        } else {
            format!("'{n}'")
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self.kind, 'b' | 'i' | 'u' | 'f')
    }
}

impl Describer<'_> {
    /// The dtype a `numpy.dtype(…)` node describes, with byte order, item size and unit from its state.
    pub fn dtype_of(&self, id: NodeId) -> Option<Dtype> {
        let p = self.p;
        let code = self.numpy_dtype_code(id)?;
        let state = self.build_state(id).map(|s| p.items(s).to_vec());
        let mut d = Dtype::parse(&code)?;
        if let Some(items) = state {
            if let Some(o) = items.get(1).and_then(|&o| p.text(o)) {
                d.big_endian = o == ">" && d.size > 1 && !matches!(d.kind, 'S' | 'O');
            }
            // Flexible dtypes carry their item size in the state.
            if matches!(d.kind, 'S' | 'U')
                && let Some(Scalar::Int(n)) = items.get(5).and_then(|&n| p.scalar(n, 0))
                && n > 0
            {
                d.size = usize::try_from(n).ok()?;
            }
            if matches!(d.kind, 'M' | 'm')
                && d.unit.is_none()
                && let Some(&meta) = items.get(8)
            {
                d.unit = self.datetime_unit(meta);
            }
            // Structured dtypes (field names in the state) are not simple.
            if items
                .get(3)
                .is_some_and(|&n| p.node(n).kind == NodeKind::Tuple)
            {
                return None;
            }
        }
        Some(d)
    }

    /// `(b'ns', 1, 1, 1)`, possibly inside `({}, (b'ns', 1, 1, 1))`.
    fn datetime_unit(&self, meta: NodeId) -> Option<String> {
        let p = self.p;
        let items = p.items(meta);
        let first = *items.first()?;
        match p.node(first).kind {
            NodeKind::Tuple => self.datetime_unit(first),
            NodeKind::Dict | NodeKind::None => self.datetime_unit(*items.get(1)?),
            _ => {
                let unit = match p.scalar(first, 16)? {
                    Scalar::Bytes { head, .. } => String::from_utf8(head).ok()?,
                    Scalar::Str { text, .. } => text,
                    _ => return None,
                };
                let num = match items.get(1).and_then(|&n| p.scalar(n, 0)) {
                    Some(Scalar::Int(n)) if n != 1 => n.to_string(),
                    _ => String::new(),
                };
                Some(format!("{num}{unit}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_to_kind_size_and_order() {
        let d = Dtype::parse(">f8").unwrap();
        assert_eq!((d.kind, d.size, d.big_endian), ('f', 8, true));
        assert_eq!(d.name(), ">f8");
        assert_eq!(d.repr_arg(), "'>f8'");
        assert_eq!(Dtype::parse("i4").unwrap().repr_arg(), "int32");
        assert!(Dtype::parse("f8").unwrap().implied());
        assert_eq!(
            Dtype::parse("M8[ns]").unwrap().repr_arg(),
            "'datetime64[ns]'"
        );
        assert_eq!(Dtype::parse("U8").unwrap().name(), "<U2");
        assert_eq!(Dtype::parse("f3"), None);
        assert_eq!(Dtype::parse("V16"), None);
    }
}
