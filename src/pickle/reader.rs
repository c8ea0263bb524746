//! Zero-copy decoding of one pickle op at a time. Every length is checked
//! against the bytes that are there before anything is sliced or allocated.

use super::opcode::ArgKind;
use super::{Error, ErrorKind, Opcode};

/// The longest text line (protocol 0 argument) we accept. Protocol 0 holds
/// whole strings on one line; 64 MiB is far past any real session's and keeps
/// a hostile file's window (it doubles while a line is read) bounded.
pub const MAX_LINE: usize = 64 << 20;

/// One decoded op.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Op<'a> {
    /// Byte offset of the opcode in the input.
    pub offset: u64,
    pub code: Opcode,
    pub arg: Arg<'a>,
    /// Bytes the op takes, opcode and argument included.
    pub len: u64,
}

/// The decoded argument of an op.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    None,
    Int(i64),
    Float(f64),
    /// A counted payload held in memory.
    Bytes(&'a [u8]),
    /// A counted payload left in the input: `len` bytes at `offset`.
    External {
        offset: u64,
        len: u64,
    },
    /// A text line without its newline.
    Line(&'a [u8]),
    /// Two text lines (GLOBAL and INST: module, name).
    Pair(&'a [u8], &'a [u8]),
}

impl Arg<'_> {
    pub fn int(&self) -> Option<i64> {
        match *self {
            Arg::Int(i) => Some(i),
            _ => None,
        }
    }
}

/// Why an op could not be decoded from the bytes given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Short {
    /// At least this many bytes (from the op's start) are needed.
    Need(u64),
    /// The header is complete; the payload of `len` bytes starts `header` bytes in.
    Payload { header: u64, len: u64 },
}

/// Decodes the op at the start of `buf`, which sits at `offset` in the input.
pub fn decode(buf: &[u8], offset: u64) -> Result<Result<Op<'_>, Short>, Error> {
    let Some(&byte) = buf.first() else {
        return Ok(Err(Short::Need(1)));
    };
    let Some(code) = Opcode::from_byte(byte) else {
        return Err(Error::new(offset, ErrorKind::UnknownOpcode(byte)));
    };
    let rest = &buf[1..];
    let done = |arg, n: usize| {
        Ok(Ok(Op {
            offset,
            code,
            arg,
            len: 1 + n as u64,
        }))
    };
    match code.arg_kind() {
        ArgKind::None => done(Arg::None, 0),
        ArgKind::Fixed(n) => {
            let n = usize::from(n);
            let Some(b) = rest.get(..n) else {
                return Ok(Err(Short::Need(1 + n as u64)));
            };
            done(fixed(code, b), n)
        }
        ArgKind::Counted(n) => {
            let n = usize::from(n);
            let Some(b) = rest.get(..n) else {
                return Ok(Err(Short::Need(1 + n as u64)));
            };
            let len = counted_len(code, b, offset)?;
            let header = 1 + n as u64;
            let have = (rest.len() - n) as u64;
            if have < len {
                return Ok(Err(Short::Payload { header, len }));
            }
            // `len <= have`, which is a usize.
            let end = n + len as usize;
            done(Arg::Bytes(&rest[n..end]), end)
        }
        ArgKind::Line => match line(rest, offset)? {
            Some(l) => done(Arg::Line(l), l.len() + 1),
            None => Ok(Err(Short::Need(buf.len() as u64 + 1))),
        },
        ArgKind::TwoLines => {
            let Some(a) = line(rest, offset)? else {
                return Ok(Err(Short::Need(buf.len() as u64 + 1)));
            };
            let Some(b) = line(&rest[a.len() + 1..], offset)? else {
                return Ok(Err(Short::Need(buf.len() as u64 + 1)));
            };
            done(Arg::Pair(a, b), a.len() + b.len() + 2)
        }
    }
}

fn fixed(code: Opcode, b: &[u8]) -> Arg<'static> {
    let le = |b: &[u8]| b.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
    match code {
        // BINFLOAT is big-endian while every integer opcode is little-endian;
        // this follows CPython's pickle.py and is not a mistake.
        Opcode::BinFloat => Arg::Float(f64::from_be_bytes(b.try_into().expect("8 bytes"))),
        Opcode::BinInt | Opcode::Ext4 => Arg::Int(i64::from(le(b) as u32 as i32)),
        _ => Arg::Int(le(b) as i64),
    }
}

fn counted_len(code: Opcode, b: &[u8], offset: u64) -> Result<u64, Error> {
    let raw = b.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
    let signed = matches!(code, Opcode::Long4 | Opcode::BinString);
    if signed && b.len() == 4 && raw as u32 as i32 <= -1 {
        let text = format!("{}", raw as u32 as i32);
        return Err(Error::new(offset, ErrorKind::BadArg { op: code, text }));
    }
    Ok(raw)
}

fn line(buf: &[u8], offset: u64) -> Result<Option<&[u8]>, Error> {
    let limit = buf.len().min(MAX_LINE);
    match buf[..limit].iter().position(|&c| c == b'\n') {
        Some(i) => Ok(Some(&buf[..i])),
        None if buf.len() > MAX_LINE => Err(Error::new(offset, ErrorKind::LineTooLong(MAX_LINE))),
        None => Ok(None),
    }
}

/// Iterates the ops of an in-memory pickle, up to and including STOP.
pub struct Ops<'a> {
    data: &'a [u8],
    pos: usize,
    stopped: bool,
}

impl<'a> Ops<'a> {
    pub fn new(data: &'a [u8]) -> Ops<'a> {
        Ops {
            data,
            pos: 0,
            stopped: false,
        }
    }
}

impl<'a> Iterator for Ops<'a> {
    type Item = Result<Op<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped || self.pos >= self.data.len() {
            return None;
        }
        let offset = self.pos as u64;
        match decode(&self.data[self.pos..], offset) {
            Ok(Ok(op)) => {
                self.pos += op.len as usize;
                self.stopped = op.code == Opcode::Stop;
                Some(Ok(op))
            }
            Ok(Err(short)) => {
                self.stopped = true;
                let needed = match short {
                    Short::Need(n) => n,
                    Short::Payload { header, len } => header.saturating_add(len),
                } - (self.data.len() - self.pos) as u64;
                Some(Err(Error::new(offset, ErrorKind::Truncated { needed })))
            }
            Err(e) => {
                self.stopped = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(data: &[u8]) -> Vec<Result<Op<'_>, Error>> {
        Ops::new(data).collect()
    }

    #[test]
    fn binfloat_is_big_endian() {
        let mut b = vec![b'G'];
        b.extend_from_slice(&1.5f64.to_be_bytes());
        assert_eq!(ops(&b)[0].as_ref().unwrap().arg, Arg::Float(1.5));
    }

    #[test]
    fn binint_is_signed_and_binint2_is_not() {
        let got = ops(b"J\xff\xff\xff\xffM\xff\xff.");
        assert_eq!(got[0].as_ref().unwrap().arg, Arg::Int(-1));
        assert_eq!(got[1].as_ref().unwrap().arg, Arg::Int(65535));
    }

    #[test]
    fn a_lying_length_is_a_truncation_not_an_allocation() {
        // BINBYTES8 claiming 2^62 bytes in a 10-byte input.
        let got = ops(b"\x8e\x00\x00\x00\x00\x00\x00\x00\x40x");
        let err = got[0].as_ref().unwrap_err();
        assert!(err.is_truncation(), "{err}");
    }

    #[test]
    fn global_reads_two_lines() {
        let got = ops(b"cos\nsystem\n.");
        assert_eq!(got[0].as_ref().unwrap().arg, Arg::Pair(b"os", b"system"));
        assert_eq!(got[0].as_ref().unwrap().len, 11);
    }

    #[test]
    fn negative_long4_length_is_rejected() {
        let got = ops(b"\x8b\xff\xff\xff\xff");
        assert!(matches!(
            got[0].as_ref().unwrap_err().kind,
            ErrorKind::BadArg { .. }
        ));
    }

    #[test]
    fn unknown_opcode_names_its_byte() {
        let err = ops(b"\xf3")[0].clone().unwrap_err();
        assert_eq!(err.to_string(), "at byte 0: unknown opcode 0xf3");
    }
}
