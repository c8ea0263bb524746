//! Reading scalar values back from the input: the op that made a node is
//! decoded again, its payload read only as far as the caller asks.

use std::borrow::Cow;

use super::program::{NodeId, NodeKind, Program};
use super::reader::{Arg, MAX_LINE, Short, decode};
use super::{Opcode, Source};

/// A scalar value as the pickle holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    None,
    Bool(bool),
    Int(i64),
    /// An integer too large for i64, in decimal.
    BigInt(String),
    Float(f64),
    /// Text; `len` is the full length in bytes when only a head was read.
    Str {
        text: String,
        len: u64,
    },
    Bytes {
        head: Vec<u8>,
        len: u64,
    },
}

/// The payload of the op that created a node, read up to `max` bytes.
pub struct Payload {
    pub code: Opcode,
    pub head: Vec<u8>,
    pub len: u64,
    /// The second line of GLOBAL / INST.
    pub second: Vec<u8>,
    pub int: Option<i64>,
    pub float: Option<f64>,
}

impl Payload {
    pub fn is_whole(&self) -> bool {
        self.head.len() as u64 == self.len
    }
}

/// Reads the op at `offset` again, keeping at most `max` payload bytes.
pub fn payload_at(source: &Source, offset: u64, max: u64) -> Option<Payload> {
    // Most ops are short: read a little first, and more only when the payload needs it.
    let max = max.min(1 << 20);
    let mut want = 16 + max.min(240);
    loop {
        let buf = source.bytes(offset, want).ok()?;
        match decode(&buf, offset).ok()? {
            Ok(op) => {
                let mut p = Payload {
                    code: op.code,
                    head: Vec::new(),
                    len: 0,
                    second: Vec::new(),
                    int: None,
                    float: None,
                };
                match op.arg {
                    Arg::Int(i) => p.int = Some(i),
                    Arg::Float(f) => p.float = Some(f),
                    Arg::Bytes(b) | Arg::Line(b) => {
                        p.len = b.len() as u64;
                        p.head = b[..b.len().min(max as usize)].to_vec();
                    }
                    Arg::Pair(a, b) => {
                        p.len = a.len() as u64;
                        p.head = a.to_vec();
                        p.second = b.to_vec();
                    }
                    Arg::External { .. } | Arg::None => {}
                }
                return Some(p);
            }
            Err(Short::Payload { header, len }) => {
                let need = header + len.min(max);
                if (buf.len() as u64) < need && want < need && buf.len() as u64 == want {
                    want = need;
                    continue;
                }
                let start = header as usize;
                let got = buf.len().saturating_sub(start).min(max as usize);
                let code = Opcode::from_byte(buf[0])?;
                let head = buf.get(start..start + got)?.to_vec();
                return Some(Payload {
                    code,
                    head,
                    len,
                    second: Vec::new(),
                    int: None,
                    float: None,
                });
            }
            Err(Short::Need(n)) => {
                // A text line longer than we read: read further, within bounds.
                if n <= want || want as usize >= MAX_LINE || buf.len() < want as usize {
                    return None;
                }
                want = (want * 4).min(MAX_LINE as u64 + 16);
            }
        }
    }
}

impl Program {
    /// The scalar a node holds, with text and bytes cut to `max` bytes.
    pub fn scalar(&self, id: NodeId, max: u64) -> Option<Scalar> {
        let node = self.node(id);
        let read = |m| payload_at(&self.source, node.offset, m);
        match node.kind {
            NodeKind::None => Some(Scalar::None),
            NodeKind::Bool => match node.code {
                Opcode::NewTrue => Some(Scalar::Bool(true)),
                Opcode::NewFalse => Some(Scalar::Bool(false)),
                _ => Some(Scalar::Bool(read(8)?.head == b"01")),
            },
            NodeKind::Int => int_scalar(read(4096)?),
            NodeKind::Float => {
                let p = read(64)?;
                match p.float {
                    Some(f) => Some(Scalar::Float(f)),
                    None => parse_py_float(&String::from_utf8_lossy(&p.head)).map(Scalar::Float),
                }
            }
            NodeKind::Str => {
                let p = read(max)?;
                Some(Scalar::Str {
                    text: decode_text(p.code, &p.head),
                    len: p.len,
                })
            }
            NodeKind::Bytes | NodeKind::ByteArray => {
                let p = read(max)?;
                Some(Scalar::Bytes {
                    head: p.head,
                    len: p.len,
                })
            }
            _ => None,
        }
    }

    /// The full text of a string node (names, keys, module names); `None` for other nodes.
    pub fn text(&self, id: NodeId) -> Option<String> {
        match self.scalar(id, 1 << 16)? {
            Scalar::Str { text, .. } => Some(text),
            Scalar::Bytes { head, .. } => Some(String::from_utf8_lossy(&head).into_owned()),
            _ => None,
        }
    }

    /// The module and name lines of a GLOBAL or INST node.
    pub fn global_pair(&self, id: NodeId) -> Option<(String, String)> {
        let node = self.node(id);
        let p = payload_at(&self.source, node.offset, 4096)?;
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Some((text(&p.head), text(&p.second)))
    }

    /// The integer argument of the op that made a node (EXT codes, buffer numbers).
    pub fn op_int(&self, id: NodeId) -> Option<i64> {
        payload_at(&self.source, self.node(id).offset, 0)?.int
    }

    /// Where the payload of a bytes-like node lies in the input: (offset, length).
    pub fn payload_span(&self, id: NodeId) -> Option<(u64, u64)> {
        let node = self.node(id);
        let buf = self.source.bytes(node.offset, 9).ok()?;
        let header = match node.code {
            Opcode::ShortBinBytes | Opcode::ShortBinUnicode | Opcode::ShortBinString => 2,
            Opcode::BinBytes | Opcode::BinUnicode | Opcode::BinString => 5,
            Opcode::BinBytes8 | Opcode::BinUnicode8 | Opcode::ByteArray8 => 9,
            _ => return None,
        };
        let len = buf
            .get(1..header)?
            .iter()
            .rev()
            .fold(0u64, |acc, &x| acc << 8 | u64::from(x));
        Some((node.offset + header as u64, len))
    }
}

fn int_scalar(p: Payload) -> Option<Scalar> {
    if let Some(i) = p.int {
        return Some(Scalar::Int(i));
    }
    match p.code {
        Opcode::Long1 | Opcode::Long4 => {
            if !p.is_whole() {
                return Some(Scalar::BigInt(format!("<int of {} bytes>", p.len)));
            }
            Some(le_signed_to_scalar(&p.head))
        }
        _ => {
            let t = String::from_utf8_lossy(&p.head);
            let t = t.trim().trim_end_matches('L');
            match t.parse::<i64>() {
                Ok(i) => Some(Scalar::Int(i)),
                Err(_)
                    if !t.is_empty()
                        && t.trim_start_matches('-')
                            .bytes()
                            .all(|c| c.is_ascii_digit()) =>
                {
                    Some(Scalar::BigInt(t.to_string()))
                }
                Err(_) => None,
            }
        }
    }
}

/// Two's-complement little-endian bytes (LONG1/LONG4) as an int.
pub fn le_signed_to_scalar(b: &[u8]) -> Scalar {
    if b.is_empty() {
        return Scalar::Int(0);
    }
    if b.len() <= 8 {
        let neg = b[b.len() - 1] & 0x80 != 0;
        let mut v: u64 = if neg { u64::MAX } else { 0 };
        for (i, &x) in b.iter().enumerate() {
            v &= !(0xffu64 << (8 * i));
            v |= u64::from(x) << (8 * i);
        }
        return Scalar::Int(v as i64);
    }
    Scalar::BigInt(le_signed_to_decimal(b))
}

fn le_signed_to_decimal(b: &[u8]) -> String {
    let neg = b[b.len() - 1] & 0x80 != 0;
    let mut mag: Vec<u8> = b.to_vec();
    if neg {
        // Two's complement: invert and add one.
        let mut carry = 1u16;
        for x in mag.iter_mut() {
            let v = u16::from(!*x) + carry;
            *x = v as u8;
            carry = v >> 8;
        }
    }
    // Base-1e9 limbs, most significant first, by repeated division of the big-endian magnitude.
    let mut be: Vec<u32> = mag.iter().rev().map(|&x| u32::from(x)).collect();
    let mut parts = Vec::new();
    while be.iter().any(|&x| x != 0) {
        let mut rem = 0u64;
        for d in be.iter_mut() {
            let cur = rem * 256 + u64::from(*d);
            *d = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        parts.push(rem as u32);
        let nz = be.iter().position(|&x| x != 0).unwrap_or(be.len());
        be.drain(..nz);
    }
    let mut s = String::from(if neg { "-" } else { "" });
    match parts.split_last() {
        None => s.push('0'),
        Some((first, rest)) => {
            s.push_str(&first.to_string());
            for p in rest.iter().rev() {
                s.push_str(&format!("{p:09}"));
            }
        }
    }
    s
}

/// Text payloads as Python 3 would read them.
pub fn decode_text(code: Opcode, raw: &[u8]) -> String {
    match code {
        Opcode::Unicode => raw_unicode_escape(raw),
        Opcode::String => {
            let inner = strip_quotes(raw);
            String::from_utf8_lossy(&unescape_py2_string(inner)).into_owned()
        }
        _ => utf8_lossy_cut(raw).into_owned(),
    }
}

/// UTF-8, tolerating a multi-byte character cut at the end of a head.
///
/// Python writes lone surrogates with `surrogatepass` (`ED B2 80` for
/// `'\udc80'`); they come back as the text `\udc80`, as Python's repr shows
/// them, so two such names stay apart and a pattern can name them. Other bytes
/// that are not UTF-8 come back as `\xNN`.
fn utf8_lossy_cut(raw: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(raw) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(raw.len() + 8);
    let mut rest = raw;
    while !rest.is_empty() {
        let e = match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => e,
        };
        let (ok, bad) = rest.split_at(e.valid_up_to());
        out.push_str(std::str::from_utf8(ok).unwrap_or_default());
        if let [0xed, b1 @ 0xa0..=0xbf, b2 @ 0x80..=0xbf, ..] = bad {
            let cp = 0xd000 | (u32::from(b1 & 0x3f) << 6) | u32::from(b2 & 0x3f);
            out.push_str(&format!("\\u{cp:04x}"));
            rest = &bad[3..];
            continue;
        }
        let Some(n) = e.error_len() else {
            // A character cut by the end of the head: drop the partial bytes.
            break;
        };
        for b in &bad[..n] {
            out.push_str(&format!("\\x{b:02x}"));
        }
        rest = &bad[n..];
    }
    Cow::Owned(out)
}

fn strip_quotes(raw: &[u8]) -> &[u8] {
    match raw {
        [q, inner @ .., q2] if (*q == b'\'' || *q == b'"') && q == q2 => inner,
        _ => raw,
    }
}

fn raw_unicode_escape(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'\\' && i + 1 < raw.len() && (raw[i + 1] == b'u' || raw[i + 1] == b'U') {
            let n = if raw[i + 1] == b'u' { 4 } else { 8 };
            let hex = raw
                .get(i + 2..i + 2 + n)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(ch) = hex
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                out.push(ch);
                i += 2 + n;
                continue;
            }
        }
        out.push(char::from(c));
        i += 1;
    }
    out
}

fn unescape_py2_string(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' || i + 1 >= s.len() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let c = s[i + 1];
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut k = 0;
                while k < 2 && i < s.len() && (b'0'..=b'7').contains(&s[i]) {
                    v = v * 8 + u32::from(s[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push(v as u8);
            }
            b'x' => {
                let h = s.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                match h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            b'\\' | b'\'' | b'"' => out.push(c),
            b'\n' => {}
            _ => {
                out.push(b'\\');
                out.push(c);
            }
        }
    }
    out
}

fn parse_py_float(t: &str) -> Option<f64> {
    match t.trim() {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        s => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_11_lone_surrogates_and_bad_bytes_stay_apart() {
        let t = |b: &[u8]| decode_text(Opcode::BinUnicode, b);
        assert_eq!(t(b"sur\xed\xb2\x80"), "sur\\udc80");
        assert_eq!(t(b"sur\xed\xb2\x81"), "sur\\udc81");
        assert_eq!(t(b"a\xffb"), "a\\xffb");
        assert_eq!(t("caf\u{e9}".as_bytes()), "caf\u{e9}");
        // A character cut by the end of a head is dropped, as before.
        assert_eq!(t(b"ab\xc3"), "ab");
    }

    #[test]
    fn long1_bytes_become_python_ints() {
        assert_eq!(le_signed_to_scalar(&[0xff]), Scalar::Int(-1));
        assert_eq!(le_signed_to_scalar(&[0x00, 0x80]), Scalar::Int(-32768));
        assert_eq!(le_signed_to_scalar(&[0x00, 0x80, 0x00]), Scalar::Int(32768));
        // 2**64
        assert_eq!(
            le_signed_to_scalar(&[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            Scalar::BigInt("18446744073709551616".into())
        );
        // -(2**64)
        assert_eq!(
            le_signed_to_scalar(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff]),
            Scalar::BigInt("-18446744073709551616".into())
        );
    }

    #[test]
    fn protocol_0_text_is_unescaped() {
        assert_eq!(decode_text(Opcode::Unicode, b"caf\\u00e9"), "café");
        assert_eq!(decode_text(Opcode::String, b"'it\\'s\\n'"), "it's\n");
    }
}
