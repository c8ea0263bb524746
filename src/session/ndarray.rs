//! numpy arrays read from the file alone: dtype, shape, order and where the
//! element bytes lie, checked against what the file really holds, so a lying
//! shape or dtype gives a one-line error instead of a huge allocation. Elements
//! are read on demand (only those shown), never the whole array at once.
//! Never runs numpy or anything the pickle names.

pub mod dtype;
pub mod format;
pub mod stats;

use std::sync::Arc;

pub use dtype::Dtype;

use crate::pickle::text::Scalar;
use crate::pickle::{NodeId, NodeKind, Source};
use crate::session::Describer;

/// Largest protocol-2 latin-1 text decoded into array bytes.
const MAX_LATIN1: u64 = 64 << 20;

/// Where an array's element bytes are.
#[derive(Debug, Clone)]
pub enum Bytes {
    /// A span of the input: (offset, length).
    Span(u64, u64),
    /// Decoded once (protocol 2 stores bytes as latin-1 text).
    Owned(Arc<[u8]>),
}

/// The elements of an array.
#[derive(Debug, Clone)]
pub enum Data {
    Bytes(Bytes),
    /// An object array: one pickled value per element, in C order.
    Objects(Vec<NodeId>),
}

/// An ndarray as the file describes it, checked for consistency.
#[derive(Debug, Clone)]
pub struct ArrayView {
    pub dtype: Dtype,
    pub shape: Vec<u64>,
    pub fortran: bool,
    pub data: Data,
    /// numpy ≥ 2 wrote it (its repr differs a little), when known.
    pub numpy2: Option<bool>,
}

/// One element, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Elem {
    Bool(bool),
    Int(i128),
    /// A float with the size (2, 4, 8) of its type, for shortest-repr digits.
    Float(f64, u8),
    Complex(f64, f64, u8),
    /// datetime64/timedelta64 count (`i64::MIN` is NaT).
    Time(i64),
    Bytes(Vec<u8>),
    Str(String),
    Object(NodeId),
}

impl ArrayView {
    pub fn size(&self) -> u64 {
        self.shape.iter().product()
    }

    pub fn nbytes(&self) -> u64 {
        self.size() * self.dtype.size as u64
    }

    /// Memory position (in elements) of the element at a C-order multi-index.
    fn position(&self, index: &[u64]) -> u64 {
        let mut pos = 0u64;
        if self.fortran {
            for (i, &n) in index.iter().zip(&self.shape).rev() {
                pos = pos * n + i;
            }
        } else {
            for (&i, &n) in index.iter().zip(&self.shape) {
                pos = pos * n + i;
            }
        }
        pos
    }

    /// The elements at the given C-order multi-indices, read with as few reads as runs allow.
    pub fn read(&self, src: &Source, indices: &[Vec<u64>]) -> Result<Vec<Elem>, String> {
        let positions: Vec<u64> = indices.iter().map(|i| self.position(i)).collect();
        match &self.data {
            Data::Objects(items) => Ok(positions
                .iter()
                .map(|&p| Elem::Object(items[p as usize]))
                .collect()),
            Data::Bytes(b) => {
                let size = self.dtype.size as u64;
                let mut order: Vec<usize> = (0..positions.len()).collect();
                order.sort_by_key(|&i| positions[i]);
                let mut out = vec![Elem::Bool(false); positions.len()];
                let mut i = 0;
                while i < order.len() {
                    // A run of consecutive positions, read at once (at most 1 MiB).
                    let start = positions[order[i]];
                    let mut end = start + 1;
                    let mut j = i + 1;
                    while j < order.len()
                        && positions[order[j]] <= end
                        && (end - start) * size < 1 << 20
                    {
                        end = end.max(positions[order[j]] + 1);
                        j += 1;
                    }
                    let buf = self.raw(src, b, start * size, (end - start) * size)?;
                    for &k in &order[i..j] {
                        let off = ((positions[k] - start) * size) as usize;
                        out[k] = self.decode(&buf[off..off + size as usize]);
                    }
                    i = j;
                }
                Ok(out)
            }
        }
    }

    /// Raw element bytes `[off, off+len)` of the data.
    pub fn raw(&self, src: &Source, b: &Bytes, off: u64, len: u64) -> Result<Vec<u8>, String> {
        match b {
            Bytes::Span(start, _) => {
                let got = src
                    .bytes(start + off, len)
                    .map_err(|e| format!("cannot read the array's bytes: {e}"))?;
                if (got.len() as u64) < len {
                    return Err(format!(
                        "the array's bytes end early: {} of {len} at offset {}",
                        got.len(),
                        start + off
                    ));
                }
                Ok(got)
            }
            Bytes::Owned(v) => Ok(v[off as usize..(off + len) as usize].to_vec()),
        }
    }

    /// One element from its bytes.
    pub fn decode(&self, b: &[u8]) -> Elem {
        let d = &self.dtype;
        let mut v = [0u8; 16];
        let n = b.len().min(16);
        if d.big_endian && !matches!(d.kind, 'S' | 'U') {
            // Each component is reversed on its own (a complex number has two).
            let part = if d.kind == 'c' { n / 2 } else { n };
            for (c, chunk) in b[..n].chunks(part.max(1)).enumerate() {
                for (i, &x) in chunk.iter().rev().enumerate() {
                    v[c * part + i] = x;
                }
            }
        } else {
            v[..n].copy_from_slice(&b[..n]);
        }
        let le8 = |s: &[u8]| {
            let mut a = [0u8; 8];
            a[..s.len()].copy_from_slice(s);
            a
        };
        match (d.kind, d.size) {
            ('b', _) => Elem::Bool(v[0] != 0),
            ('i', s) => {
                let u = u64::from_le_bytes(le8(&v[..s]));
                let shift = 64 - 8 * s as u32;
                Elem::Int(i128::from(((u << shift) as i64) >> shift))
            }
            ('u', s) => Elem::Int(i128::from(u64::from_le_bytes(le8(&v[..s])))),
            ('f', s) => Elem::Float(float_le(&v[..s]), s as u8),
            ('c', s) => {
                let h = s / 2;
                Elem::Complex(float_le(&v[..h]), float_le(&v[h..s]), h as u8)
            }
            ('M' | 'm', _) => Elem::Time(i64::from_le_bytes(le8(&v[..8]))),
            ('S', _) => {
                let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
                Elem::Bytes(b[..end].to_vec())
            }
            ('U', _) => {
                let mut s = String::new();
                for c in b.chunks_exact(4) {
                    let a = [c[0], c[1], c[2], c[3]];
                    let u = if d.big_endian {
                        u32::from_be_bytes(a)
                    } else {
                        u32::from_le_bytes(a)
                    };
                    s.push(char::from_u32(u).unwrap_or('\u{fffd}'));
                }
                Elem::Str(s.trim_end_matches('\0').to_string())
            }
            _ => Elem::Bool(false),
        }
    }
}

/// A little-endian IEEE float of 2, 4 or 8 bytes.
pub fn float_le(b: &[u8]) -> f64 {
    match b.len() {
        2 => f16_to_f64(u16::from_le_bytes([b[0], b[1]])),
        4 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        8 => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        _ => f64::NAN,
    }
}

pub fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// The float16 nearest to `x` (round half to even), as its bits.
pub fn f64_to_f16(x: f64) -> u16 {
    if x.is_nan() {
        return 0x7e00;
    }
    let sign = if x.is_sign_negative() { 0x8000u16 } else { 0 };
    let a = x.abs();
    if a >= 65520.0 {
        return sign | 0x7c00;
    }
    // Scale so that one unit is the spacing at this magnitude, then round to even.
    let (e, unit) = if a < 2f64.powi(-14) {
        (0, 2f64.powi(-24))
    } else {
        let e = a.log2().floor() as i32;
        let e = if 2f64.powi(e) > a { e - 1 } else { e };
        (e + 15, 2f64.powi(e - 10))
    };
    let q = a / unit;
    let r = q.round_ties_even();
    let m = r as u32;
    if e == 0 {
        return sign | m as u16; // subnormal (m may reach 1024 = smallest normal)
    }
    let bits = ((e as u32) << 10) + (m - 1024);
    sign | bits as u16
}

impl Describer<'_> {
    /// The checked view of an ndarray node; `None` when it is not an array, an error line when the
    /// file's facts do not hold together.
    pub fn ndarray(&self, id: NodeId) -> Option<Result<ArrayView, String>> {
        if self.p.node(id).kind != NodeKind::Reduce || !self.is_ndarray_call(id) {
            return None;
        }
        Some(self.ndarray_checked(id))
    }

    fn ndarray_checked(&self, id: NodeId) -> Result<ArrayView, String> {
        let p = self.p;
        let q = self.called(id);
        let args = self.args(id);
        let (dtype_node, shape_node, fortran, data) =
            if q.as_ref().is_some_and(|q| q.name == "_frombuffer") {
                let order = args.get(3).and_then(|&o| p.text(o));
                (
                    args.get(1).copied(),
                    args.get(2).copied(),
                    order.as_deref() == Some("F"),
                    args.first().copied(),
                )
            } else {
                let state = if q.as_ref().is_some_and(|q| q.is_dill("_create_array")) {
                    args.get(2).copied()
                } else {
                    self.build_state(id)
                };
                let items = state.map(|s| p.items(s)).unwrap_or_default();
                let fortran =
                    items.get(3).and_then(|&f| p.scalar(f, 0)) == Some(Scalar::Bool(true));
                (
                    items.get(2).copied(),
                    items.get(1).copied(),
                    fortran,
                    items.get(4).copied(),
                )
            };
        let dtype_node = dtype_node.ok_or("array without a dtype")?;
        let dtype =
            self.dtype_of(dtype_node)
                .ok_or_else(|| match self.numpy_dtype_code(dtype_node) {
                    Some(c) => format!("array of dtype '{c}': not a simple dtype brine can read"),
                    None => "array with an unreadable dtype".to_string(),
                })?;
        let shape_node = shape_node.ok_or("array without a shape")?;
        let mut shape = Vec::new();
        for &s in p.items(shape_node) {
            match p.scalar(s, 0) {
                Some(Scalar::Int(n)) if n >= 0 => shape.push(n as u64),
                _ => return Err(format!("array shape item {} is not a size", self.tiny(s))),
            }
        }
        let size = shape
            .iter()
            .try_fold(1u64, |a, &n| a.checked_mul(n))
            .ok_or_else(|| format!("array shape {} overflows", shape_text(&shape)))?;
        let data_node = data.ok_or("array without data")?;
        let data = if dtype.kind == 'O' {
            let items = match p.node(data_node).kind {
                NodeKind::List => self.seq_items(data_node),
                _ => return Err("object array whose items are not a list".into()),
            };
            if items.len() as u64 != size {
                return Err(format!(
                    "object array of shape {} holds {} items, not {size}",
                    shape_text(&shape),
                    items.len()
                ));
            }
            Data::Objects(items)
        } else {
            let need = size
                .checked_mul(dtype.size as u64)
                .ok_or_else(|| format!("array shape {} overflows", shape_text(&shape)))?;
            let bytes = self.array_bytes(data_node)?;
            let have = match &bytes {
                Bytes::Span(_, n) => *n,
                Bytes::Owned(v) => v.len() as u64,
            };
            if have != need {
                return Err(format!(
                    "array of shape {} and dtype {} needs {need} bytes, the file holds {have}",
                    shape_text(&shape),
                    dtype.name()
                ));
            }
            if let Bytes::Span(off, n) = bytes
                && off.saturating_add(n) > p.source.len()
            {
                return Err(format!(
                    "array bytes run past the end of the file ({n} bytes at {off})"
                ));
            }
            Data::Bytes(bytes)
        };
        Ok(ArrayView {
            dtype,
            shape,
            fortran,
            data,
            numpy2: self.numpy2,
        })
    }

    fn array_bytes(&self, data: NodeId) -> Result<Bytes, String> {
        let p = self.p;
        match p.node(data).kind {
            NodeKind::Bytes | NodeKind::ByteArray | NodeKind::Str
                if p.payload_span(data).is_some() =>
            {
                let (off, len) = p.payload_span(data).ok_or("unreadable array bytes")?;
                // BINUNICODE holds UTF-8, not the raw bytes (protocol 2 latin-1 is handled below).
                if p.node(data).kind == NodeKind::Str && !is_py2_string(p, data) {
                    return Err("array data stored as text".into());
                }
                Ok(Bytes::Span(off, len))
            }
            NodeKind::Reduce => {
                // Protocol 2 in Python 3: `_codecs.encode('…latin-1 text…', 'latin1')`.
                let q = self.called(data);
                if !q.is_some_and(|q| q.module == "_codecs" && q.name == "encode") {
                    return Err("array data made by a call brine does not read".into());
                }
                let text = *self.args(data).first().ok_or("array data without text")?;
                let (_, len) = p.payload_span(text).ok_or("unreadable array text")?;
                if len > MAX_LATIN1 {
                    return Err(format!(
                        "array stored as {len} bytes of latin-1 text (protocol 2): too large to decode"
                    ));
                }
                let Some(Scalar::Str { text, .. }) = p.scalar(text, len) else {
                    return Err("unreadable array text".into());
                };
                let bytes: Option<Vec<u8>> = text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect();
                Ok(Bytes::Owned(
                    bytes.ok_or("array text is not latin-1")?.into(),
                ))
            }
            NodeKind::Buffer => Err("array data is an out-of-band buffer, not in this file".into()),
            _ => Err("array data of an unexpected kind".into()),
        }
    }
}

fn is_py2_string(p: &crate::pickle::Program, id: NodeId) -> bool {
    use crate::pickle::opcode::Opcode;
    matches!(p.node(id).code, Opcode::ShortBinString | Opcode::BinString)
}

/// `(3,)`, `(2, 3)`, `()`.
pub fn shape_text(shape: &[u64]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_round_trip() {
        for bits in [0u16, 0x3c00, 0x2e66, 0x7bff, 0x0001, 0x8400, 0xc000] {
            assert_eq!(f64_to_f16(f16_to_f64(bits)), bits, "{bits:#x}");
        }
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f64_to_f16(0.1), 0x2e66);
    }
}
