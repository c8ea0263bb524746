//! The input side of the one decode-and-dispatch loop: finds where each op
//! ends in the bytes at hand and hands the op's bytes straight to the machine,
//! with no op value, no nested result and no dynamic call per op. Only what
//! does not fit the bytes at hand (the end of a window, a payload left in the
//! file, a cut or a corrupt op) takes the slow path through [`decode`].
//! Never evaluates anything and never reads a large payload it skips.

use super::super::opcode::{ARG_BY_BYTE, ArgKind};
use super::super::reader::{MAX_LINE, Short, decode};
use super::super::{Error, ErrorKind, Opcode, Source};
use super::Limits;

/// What runs each op: `raw` is the op's bytes (only its header for a payload
/// left in the file), `len` the op's full length. True stops the walk.
pub(crate) trait Exec {
    fn exec(&mut self, code: Opcode, at: u64, raw: &[u8], len: u64) -> Result<bool, Error>;
}

/// Calls `e` with every op of `source` in order until it returns true (at STOP)
/// or fails; `progress` hears the byte offset reached every few MiB.
pub(crate) fn feed<E: Exec>(
    source: &Source,
    limits: Limits,
    e: &mut E,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Error> {
    if let Some(data) = source.as_slice() {
        let mut pos = 0usize;
        loop {
            let until = pos.saturating_add(PROGRESS_STEP).min(data.len());
            match run(e, data, 0, &mut pos, until)? {
                Ran::Stop => return Ok(()),
                Ran::Until => progress(pos as u64),
                Ran::Short => {
                    let offset = pos as u64;
                    match decode(&data[pos..], offset)? {
                        Ok(op) => {
                            let n = op.len as usize;
                            if e.exec(op.code, offset, &data[pos..pos + n], op.len)? {
                                return Ok(());
                            }
                            pos += n;
                        }
                        Err(short) => {
                            return Err(truncated(offset, short, (data.len() - pos) as u64));
                        }
                    }
                }
            }
        }
    }
    let total = source.len();
    let mut buf: Vec<u8> = Vec::with_capacity(limits.window);
    let mut base = 0u64; // input offset of buf[0]
    let mut pos = 0usize;
    let mut next_report = PROGRESS_STEP as u64;
    let io = |e: std::io::Error, at| Error::new(at, ErrorKind::Io(e.to_string()));
    loop {
        let len = buf.len();
        if let Ran::Stop = run(e, &buf, base, &mut pos, len)? {
            return Ok(());
        }
        let offset = base + pos as u64;
        if offset >= next_report {
            progress(offset);
            next_report = offset + PROGRESS_STEP as u64;
        }
        let short = match decode(&buf[pos..], offset)? {
            Ok(op) => {
                let n = op.len as usize;
                if e.exec(op.code, offset, &buf[pos..pos + n], op.len)? {
                    return Ok(());
                }
                pos += n;
                continue;
            }
            Err(short) => short,
        };
        let left = total.saturating_sub(offset);
        if let Short::Payload { header, len } = short
            && len >= limits.skip_payload
            && header.saturating_add(len) <= left
        {
            // Leave a large payload in the file: the op gets its header only.
            let h = header as usize;
            let code = Opcode::from_byte(buf[pos])
                .ok_or(Error::new(offset, ErrorKind::UnknownOpcode(buf[pos])))?;
            if e.exec(code, offset, &buf[pos..pos + h], header + len)? {
                return Ok(());
            }
            base = offset + header + len;
            pos = 0;
            buf.clear();
            continue;
        }
        let need = match short {
            Short::Need(n) => n,
            Short::Payload { header, len } => header.saturating_add(len),
        };
        if need > left {
            return Err(truncated(offset, short, left));
        }
        // Slide the window and read more.
        buf.drain(..pos);
        base = offset;
        pos = 0;
        let have = buf.len();
        // Grow at least geometrically: a long text line asks for one byte more
        // each time, and re-reading and re-scanning it per byte was quadratic.
        let want = (need as usize)
            .max(limits.window)
            .max(have.saturating_mul(2))
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        if want > have {
            buf.resize(want, 0);
            let got = source
                .read_at(base + have as u64, &mut buf[have..])
                .map_err(|e| io(e, base))?;
            buf.truncate(have + got);
            if got == 0 {
                let msg = format!(
                    "expected {total} bytes, read stopped at {}",
                    base + have as u64
                );
                return Err(Error::new(base, ErrorKind::Changed(msg)));
            }
        }
    }
}

const PROGRESS_STEP: usize = 4 << 20;

enum Ran {
    /// The machine said stop.
    Stop,
    /// Reached `until`.
    Until,
    /// The op at `pos` does not fit the bytes at hand (or is bad): the slow path decides.
    Short,
}

/// The hot loop: runs every op that fits whole in `buf[*pos..]`, stopping at `until`.
#[inline(always)]
fn run<E: Exec>(
    e: &mut E,
    buf: &[u8],
    base: u64,
    pos: &mut usize,
    until: usize,
) -> Result<Ran, Error> {
    let mut p = *pos;
    loop {
        if p >= until && until < buf.len() {
            *pos = p;
            return Ok(Ran::Until);
        }
        let rest = &buf[p.min(buf.len())..];
        let Some((code, n)) = op_len(rest) else {
            *pos = p;
            return Ok(Ran::Short);
        };
        let stop = e.exec(code, base + p as u64, &rest[..n], n as u64)?;
        p += n;
        if stop {
            *pos = p;
            return Ok(Ran::Stop);
        }
    }
}

/// The opcode at the start of `rest` and the op's length, when the whole op is there
/// and well formed. `None` sends the op to the slow path, which says what is wrong.
#[inline(always)]
fn op_len(rest: &[u8]) -> Option<(Opcode, usize)> {
    let &b = rest.first()?;
    let code = Opcode::from_byte(b)?;
    let n = match ARG_BY_BYTE[b as usize] {
        ArgKind::None => 1,
        ArgKind::Fixed(k) => 1 + usize::from(k),
        ArgKind::Counted(k) => {
            let k = usize::from(k);
            let head = rest.get(1..1 + k)?;
            let raw = head
                .iter()
                .rev()
                .fold(0u64, |acc, &x| acc << 8 | u64::from(x));
            // A negative 4-byte length (LONG4, BINSTRING) is an error the slow path reports.
            if k == 4 && matches!(code, Opcode::Long4 | Opcode::BinString) && raw >= 1 << 31 {
                return None;
            }
            let len = usize::try_from(raw).ok()?;
            (1 + k).checked_add(len)?
        }
        ArgKind::Line => 1 + line_len(&rest[1..])?,
        ArgKind::TwoLines => {
            let a = line_len(&rest[1..])?;
            1 + a + line_len(&rest[1 + a..])?
        }
    };
    (n <= rest.len()).then_some((code, n))
}

/// Length of the line at the start of `buf`, newline included.
#[inline(always)]
fn line_len(buf: &[u8]) -> Option<usize> {
    let limit = buf.len().min(MAX_LINE);
    buf[..limit].iter().position(|&c| c == b'\n').map(|i| i + 1)
}

fn truncated(offset: u64, short: Short, left: u64) -> Error {
    let need = match short {
        Short::Need(n) => n,
        Short::Payload { header, len } => header.saturating_add(len),
    };
    if left == 0 {
        return Error::new(offset, ErrorKind::NoStop);
    }
    Error::new(
        offset,
        ErrorKind::Truncated {
            needed: need.saturating_sub(left),
        },
    )
}
