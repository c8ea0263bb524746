//! Re-emits a pickle keeping only what a slice keeps. Runs the original ops
//! through a second symbolic machine in lockstep, copies each kept op's bytes
//! (large payloads as byte ranges of the input, never decoded), renumbers the
//! memo for protocol 4+, and pops whatever a dropped entry left on the stack.
//! Nothing is evaluated.

use std::collections::HashMap;
use std::io::Write;

use crate::pickle::machine::{Counter, Exec, Limits, Machine, feed, op_memo_key};
use crate::pickle::{Arg, NodeId, Op, Opcode, Source};

/// A piece of the output: bytes made here, or a range copied from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Bytes(Vec<u8>),
    Range { offset: u64, len: u64 },
}

/// An emitted pickle, not yet written anywhere.
#[derive(Clone)]
pub struct Output {
    pub parts: Vec<Part>,
    pub protocol: u8,
    source: Source,
}

/// Frames are about this big, as CPython's pickler makes them.
const FRAME_TARGET: usize = 64 << 10;

impl Output {
    /// Total bytes, frames included.
    pub fn to_vec(&self) -> std::io::Result<Vec<u8>> {
        let mut v = Vec::new();
        self.write_to(&mut v)?;
        Ok(v)
    }

    /// Writes the pickle; for protocol 4+ the ops are grouped into fresh frames.
    pub fn write_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let framed = self.protocol >= 4;
        let mut frame: Vec<u8> = Vec::with_capacity(if framed { FRAME_TARGET * 2 } else { 0 });
        let flush = |frame: &mut Vec<u8>, w: &mut dyn Write| -> std::io::Result<()> {
            if frame.is_empty() {
                return Ok(());
            }
            if framed {
                w.write_all(&[Opcode::Frame as u8])?;
                w.write_all(&(frame.len() as u64).to_le_bytes())?;
            }
            w.write_all(frame)?;
            frame.clear();
            Ok(())
        };
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                // PROTO stays in front of the first frame.
                Part::Bytes(b) if i == 0 && framed && b.first() == Some(&(Opcode::Proto as u8)) => {
                    w.write_all(b)?
                }
                Part::Bytes(b) => frame.extend_from_slice(b),
                Part::Range { offset, len } if (*len as usize) < FRAME_TARGET => {
                    frame.extend_from_slice(&self.read(*offset, *len)?);
                }
                Part::Range { offset, len } => {
                    // Large payloads go out unframed, as the pickler writes them.
                    flush(&mut frame, w)?;
                    self.copy(*offset, *len, w)?;
                }
            }
            if frame.len() >= FRAME_TARGET {
                flush(&mut frame, w)?;
            }
        }
        flush(&mut frame, w)
    }

    fn read(&self, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let b = self.source.bytes(offset, len)?;
        if b.len() as u64 != len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the input changed while it was copied",
            ));
        }
        Ok(b)
    }

    fn copy(&self, mut offset: u64, len: u64, w: &mut dyn Write) -> std::io::Result<()> {
        let end = offset + len;
        let mut buf = vec![0u8; 1 << 20];
        while offset < end {
            let n = ((end - offset) as usize).min(buf.len());
            let got = self.source.read_at(offset, &mut buf[..n])?;
            if got == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the input changed while it was copied",
                ));
            }
            w.write_all(&buf[..got])?;
            offset += got as u64;
        }
        Ok(())
    }
}

/// Which op ranges of the namespace to drop, and how.
pub(crate) struct Cut {
    /// Per node: emit it.
    pub keep: Vec<bool>,
    /// The namespace dict and its index on the stack (1 in a module dump, 0 for a plain dict).
    pub dict: NodeId,
    pub dict_index: usize,
    /// The module object whose BUILD closes the namespace, if any.
    pub module: Option<NodeId>,
    /// Byte ranges [start, end) of dropped namespace pairs, sorted.
    pub dropped: Vec<(u64, u64)>,
    /// Offsets of the SETITEM / SETITEMS ops on the namespace dict.
    pub dict_effects: Vec<u64>,
    /// Stop at this offset (salvage) and close what is open.
    pub stop_at: Option<u64>,
    /// The input ends early: reaching its end closes what is open instead of failing.
    pub input_cut: bool,
    /// Entries to add at the end of the namespace: (key, list of string tuples).
    pub append: Vec<(String, Vec<Vec<String>>)>,
}

/// Input memo key → output memo key (protocol 4+ renumbers densely). A flat table
/// indexed by the input key, as writers number their memo from 0 up; keys far
/// beyond the slots in use (crafted files) go to a map instead.
#[derive(Default)]
struct Renumber {
    dense: Vec<u32>,
    sparse: HashMap<u64, u64>,
    /// One past the highest key seen, stored or dropped: dropped runs move it too.
    seen: u64,
}

const NO_SLOT: u32 = u32::MAX;

impl Renumber {
    fn insert(&mut self, key: u64, out: u64) {
        let limit = usize::try_from(self.seen)
            .unwrap_or(usize::MAX)
            .saturating_add(1 << 16);
        self.seen = self.seen.max(key.saturating_add(1));
        match (usize::try_from(key), u32::try_from(out)) {
            (Ok(k), Ok(o)) if k < limit && o != NO_SLOT => {
                if k >= self.dense.len() {
                    self.dense.resize(k + 1, NO_SLOT);
                }
                self.dense[k] = o;
                self.sparse.remove(&key);
            }
            _ => {
                if let Some(slot) = usize::try_from(key)
                    .ok()
                    .and_then(|k| self.dense.get_mut(k))
                {
                    *slot = NO_SLOT;
                }
                self.sparse.insert(key, out);
            }
        }
    }

    fn get(&self, key: u64) -> Option<u64> {
        match usize::try_from(key).ok().and_then(|k| self.dense.get(k)) {
            Some(&o) if o != NO_SLOT => Some(u64::from(o)),
            _ if self.sparse.is_empty() => None,
            _ => self.sparse.get(&key).copied(),
        }
    }

    fn remove(&mut self, key: u64) {
        if key < self.seen.saturating_add(1 << 16) {
            self.seen = self.seen.max(key.saturating_add(1));
        }
        if let Some(slot) = usize::try_from(key)
            .ok()
            .and_then(|k| self.dense.get_mut(k))
        {
            *slot = NO_SLOT;
        }
        if !self.sparse.is_empty() {
            self.sparse.remove(&key);
        }
    }
}

/// Calls `f` with every op of `source` and its bytes, through the machine's own loop.
/// The op carries no decoded argument: the writer reads what it needs from the bytes,
/// and a payload left in the file is [`Arg::External`].
fn for_each_raw_op<F>(source: &Source, f: &mut F) -> Result<(), crate::pickle::Error>
where
    F: FnMut(&Op, &[u8]) -> Result<bool, crate::pickle::Error>,
{
    struct Raw<'a, F>(&'a mut F);
    impl<F> Exec for Raw<'_, F>
    where
        F: FnMut(&Op, &[u8]) -> Result<bool, crate::pickle::Error>,
    {
        #[inline(always)]
        fn exec(
            &mut self,
            code: Opcode,
            at: u64,
            raw: &[u8],
            len: u64,
        ) -> Result<bool, crate::pickle::Error> {
            let head = raw.len() as u64;
            let arg = if head < len {
                Arg::External {
                    offset: at + head,
                    len: len - head,
                }
            } else {
                Arg::None
            };
            (self.0)(
                &Op {
                    offset: at,
                    code,
                    arg,
                    len,
                },
                raw,
            )
        }
    }
    feed(source, Limits::default(), &mut Raw(f), &mut |_| {})
}

/// Why the output could not be made.
pub(crate) type EmitError = String;

struct Emitter<'a> {
    cut: &'a Cut,
    protocol: u8,
    parts: Vec<Part>,
    buf: Vec<u8>,
    live: Vec<bool>,
    memo: Renumber,
    out_memo: u64,
    batch_open: bool,
    in_drop: Option<(u64, usize)>,
    skip_next_dict_effect: bool,
    appended: bool,
    /// Cursors into `cut.dropped` and `cut.dict_effects`: ops come in stream order.
    next_drop: usize,
    next_dict_effect: usize,
}

/// Emits the sliced pickle.
pub(crate) fn emit(source: &Source, protocol: u8, cut: &Cut) -> Result<Output, EmitError> {
    let mut m = Machine::new(Counter::default());
    let mut e = Emitter {
        cut,
        protocol,
        parts: Vec::new(),
        buf: Vec::new(),
        live: Vec::new(),
        memo: Renumber::default(),
        out_memo: 0,
        batch_open: false,
        in_drop: None,
        skip_next_dict_effect: false,
        appended: false,
        next_drop: 0,
        next_dict_effect: 0,
    };
    let mut failure: Option<String> = None;
    let mut stopped_at_cut = false;
    let result = for_each_raw_op(source, &mut |op, raw| {
        if cut.stop_at.is_some_and(|c| op.offset >= c) {
            stopped_at_cut = true;
            return Ok(true);
        }
        match e.op(&mut m, op, raw) {
            Ok(stop) => Ok(stop),
            Err(msg) => {
                failure = Some(msg);
                Ok(true)
            }
        }
    });
    if let Some(f) = failure {
        return Err(f);
    }
    let complete = result.is_ok() && !stopped_at_cut;
    if !complete {
        if !cut.input_cut && result.is_err() {
            return Err(format!(
                "the input could not be read to its end: {}",
                result.err().map(|x| x.to_string()).unwrap_or_default()
            ));
        }
        e.close(&m)?;
    }
    e.flush();
    Ok(Output {
        parts: e.parts,
        protocol,
        source: source.clone(),
    })
}

impl Emitter<'_> {
    fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.parts.push(Part::Bytes(std::mem::take(&mut self.buf)));
        }
    }

    fn raw(&mut self, op: &crate::pickle::Op, raw: &[u8]) {
        match op.arg {
            Arg::External { offset, len } => {
                self.flush();
                self.parts.push(Part::Range {
                    offset: op.offset,
                    len: offset - op.offset,
                });
                self.parts.push(Part::Range { offset, len });
            }
            _ => self.buf.extend_from_slice(raw),
        }
    }

    fn byte(&mut self, code: Opcode) {
        self.buf.push(code as u8);
    }

    fn pops(&mut self, n: usize) {
        for _ in 0..n {
            self.byte(Opcode::Pop);
        }
    }

    /// Ends a truncated input: closes the namespace batch, the module BUILD, and STOP.
    fn close(&mut self, m: &Machine<Counter>) -> Result<(), EmitError> {
        self.end_drop(m);
        let stack = m.stack();
        if self.cut.module.is_some() && stack.len() == self.cut.dict_index {
            // Cut after the module's BUILD: only STOP is missing.
            self.byte(Opcode::Stop);
            return Ok(());
        }
        // Drop anything still live above the namespace (values that never completed).
        let above = self.cut.dict_index + 1;
        let live_above = self
            .live
            .get(above..)
            .map_or(0, |l| l.iter().filter(|&&x| x).count());
        if self.batch_open {
            if live_above % 2 != 0 {
                return Err("the cut left an odd number of items in the namespace batch".into());
            }
            self.byte(Opcode::SetItems);
            self.batch_open = false;
        } else {
            self.pops(live_above);
        }
        if stack.get(self.cut.dict_index) != Some(&self.cut.dict) {
            return Err("the namespace dict is not where a module dump keeps it".into());
        }
        self.append_entries();
        if self.cut.module.is_some() {
            self.byte(Opcode::Build);
        }
        self.byte(Opcode::Stop);
        Ok(())
    }

    /// Adds the rewritten `__dill_imported*` entries to the namespace (on top of the stack).
    fn append_entries(&mut self) {
        if self.appended || self.cut.append.is_empty() {
            return;
        }
        self.appended = true;
        let append = self.cut.append.clone();
        self.byte(Opcode::Mark);
        for (key, tuples) in &append {
            self.str_op(key);
            self.byte(Opcode::Mark);
            for t in tuples {
                self.byte(Opcode::Mark);
                for s in t {
                    self.str_op(s);
                }
                self.byte(Opcode::Tuple);
            }
            self.byte(Opcode::List);
        }
        self.byte(Opcode::SetItems);
    }

    fn str_op(&mut self, s: &str) {
        if self.protocol == 0 {
            // UNICODE takes raw-unicode-escape text on one line.
            self.byte(Opcode::Unicode);
            for c in s.chars() {
                match c {
                    '\\' => self.buf.extend_from_slice(b"\\u005c"),
                    '\n' => self.buf.extend_from_slice(b"\\u000a"),
                    c if (c as u32) < 256 => self.buf.push(c as u32 as u8),
                    c if (c as u32) < 0x10000 => self
                        .buf
                        .extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
                    c => self
                        .buf
                        .extend_from_slice(format!("\\U{:08x}", c as u32).as_bytes()),
                }
            }
            self.buf.push(b'\n');
            return;
        }
        self.byte(Opcode::BinUnicode);
        self.buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Pops the live values a dropped namespace pair left on the stack.
    fn end_drop(&mut self, _m: &Machine<Counter>) {
        let Some((_, base)) = self.in_drop.take() else {
            return;
        };
        let n = self
            .live
            .get(base..)
            .map_or(0, |l| l.iter().filter(|&&x| x).count());
        self.pops(n);
        for l in self.live.iter_mut().skip(base) {
            *l = false;
        }
    }

    /// The dropped range starting at `offset`; offsets must not decrease between calls.
    fn dropped_range_at(&mut self, offset: u64) -> Option<(u64, u64)> {
        let d = &self.cut.dropped;
        while d.get(self.next_drop).is_some_and(|r| r.0 < offset) {
            self.next_drop += 1;
        }
        d.get(self.next_drop).copied().filter(|r| r.0 == offset)
    }

    /// True when the op at `offset` is a SETITEM(S) on the namespace dict; likewise in order.
    fn is_dict_effect(&mut self, offset: u64) -> bool {
        let d = &self.cut.dict_effects;
        while d.get(self.next_dict_effect).is_some_and(|&o| o < offset) {
            self.next_dict_effect += 1;
        }
        d.get(self.next_dict_effect) == Some(&offset)
    }

    fn op(
        &mut self,
        m: &mut Machine<Counter>,
        op: &crate::pickle::Op,
        raw: &[u8],
    ) -> Result<bool, EmitError> {
        use Opcode::*;
        let is_dict_effect = self.is_dict_effect(op.offset);
        let dropped_here = self.dropped_range_at(op.offset);
        // A dropped pair ends where the next key or the batch's SETITEMS begins.
        if let Some((end, _)) = self.in_drop
            && op.offset >= end
        {
            self.end_drop(m);
            if is_dict_effect && op.code == SetItem {
                self.skip_next_dict_effect = true;
            }
            let next_dropped = dropped_here.is_some();
            if !is_dict_effect && !next_dropped && !self.batch_open && self.in_batch(m) {
                self.byte(Mark);
                self.batch_open = true;
            }
        }
        if let Some((_, end)) = dropped_here {
            if self.batch_open && self.in_batch(m) {
                self.byte(SetItems);
                self.batch_open = false;
            }
            self.in_drop = Some((end, m.stack().len()));
        }

        let before_len = m.stack().len();
        let before_marks = m.marks_len();
        let before_nodes = m.values.nodes;
        let before_effects = m.values.effects;
        let memo_key = match op.code {
            Memoize => Some(m.memo_len()),
            Put | BinPut | LongBinPut => op_memo_key(op, raw).ok(),
            Get | BinGet | LongBinGet => op_memo_key(op, raw).ok(),
            _ => Option::None,
        };
        let top_live = self.live.last().copied().unwrap_or(false);
        // BUILD on the module closes the namespace: add rewritten entries first.
        if op.code == Build
            && self.cut.module.is_some()
            && before_len == self.cut.dict_index + 1
            && m.stack().last() == Some(&self.cut.dict)
        {
            self.append_entries();
        }
        if op.code == Stop && self.cut.module.is_none() {
            self.append_entries();
        }
        let stop = m
            .step(op, raw)
            .map_err(|e| format!("the input changed between reads: {e}"))?;
        let after_len = m.stack().len();
        let created = m.values.nodes > before_nodes;
        let effect = m.values.effects > before_effects;
        let mark_consumed = m.marks_len() < before_marks;
        let keep = |n: NodeId| self.cut.keep.get(n.index()).copied().unwrap_or(false);

        match op.code {
            Proto => self.raw(op, raw),
            Stop => {
                self.raw(op, raw);
                self.live.truncate(after_len);
            }
            Frame => {}
            Mark => {
                self.byte(Mark);
                if self.in_batch(m) {
                    self.batch_open = true;
                }
            }
            PopMark => {
                self.byte(PopMark);
                self.live.truncate(after_len);
            }
            Memoize | Put | BinPut | LongBinPut => {
                let key = memo_key.ok_or("bad memo key")?;
                if top_live {
                    if self.protocol >= 4 {
                        self.memo.insert(key, self.out_memo);
                        self.out_memo += 1;
                        self.byte(Memoize);
                    } else {
                        self.raw(op, raw);
                    }
                } else {
                    self.memo.remove(key);
                }
            }
            Pop => {
                if mark_consumed || top_live {
                    self.byte(Pop);
                }
                self.live.truncate(after_len);
            }
            ReadonlyBuffer => {
                if top_live {
                    self.raw(op, raw);
                }
            }
            Get | BinGet | LongBinGet | Dup => {
                let n = *m.stack().last().ok_or("empty stack")?;
                let live = keep(n);
                if live {
                    if op.code == Dup {
                        if !top_live {
                            return Err("a kept value is duplicated from a dropped one".into());
                        }
                        self.raw(op, raw);
                    } else if self.protocol >= 4 {
                        let key = memo_key.ok_or("bad memo key")?;
                        let out = self
                            .memo
                            .get(key)
                            .ok_or_else(|| format!("memo key {key} of a kept value was dropped"))?;
                        match u8::try_from(out) {
                            Ok(b) => self.buf.extend_from_slice(&[BinGet as u8, b]),
                            Err(_) => {
                                self.byte(LongBinGet);
                                self.buf.extend_from_slice(&(out as u32).to_le_bytes());
                            }
                        }
                    } else {
                        self.raw(op, raw);
                    }
                }
                self.live.push(live);
            }
            _ if effect => {
                let target = m.stack()[after_len - 1];
                let consumed = &self.live[after_len..before_len.min(self.live.len())];
                let live_args = consumed.iter().filter(|&&x| x).count();
                let all_live = consumed.iter().all(|&x| x);
                if target == self.cut.dict && is_dict_effect {
                    if op.code == SetItems {
                        if self.batch_open {
                            self.byte(SetItems);
                            self.batch_open = false;
                        }
                    } else if self.skip_next_dict_effect {
                        self.skip_next_dict_effect = false;
                    } else {
                        self.raw(op, raw);
                    }
                } else if keep(target) {
                    if !all_live {
                        return Err(format!("a kept value's {} uses a dropped one", op.code));
                    }
                    self.raw(op, raw);
                } else if mark_consumed {
                    self.byte(PopMark);
                } else {
                    self.pops(live_args);
                }
                self.live.truncate(after_len);
            }
            _ if created => {
                let n = *m.stack().last().ok_or("empty stack")?;
                let first = after_len - 1;
                let consumed: Vec<bool> = self
                    .live
                    .get(first..before_len)
                    .map(|s| s.to_vec())
                    .unwrap_or_default();
                let live = keep(n);
                if live {
                    if !consumed.iter().all(|&x| x) {
                        return Err(format!("a kept {} is built from a dropped value", op.code));
                    }
                    self.raw(op, raw);
                } else if mark_consumed {
                    self.byte(PopMark);
                } else {
                    self.pops(consumed.iter().filter(|&&x| x).count());
                }
                self.live.truncate(first);
                self.live.push(live);
            }
            _ => {
                return Err(format!(
                    "{} changed the stack in a way the writer does not follow",
                    op.code
                ));
            }
        }
        if self.live.len() != m.stack().len() {
            return Err(format!(
                "lost track of the stack at byte {} ({} live, {} on the stack)",
                op.offset,
                self.live.len(),
                m.stack().len()
            ));
        }
        Ok(stop)
    }

    /// True when the innermost MARK sits right above the namespace dict.
    fn in_batch(&self, m: &Machine<Counter>) -> bool {
        m.stack().get(self.cut.dict_index) == Some(&self.cut.dict)
            && m.top_mark() == Some(self.cut.dict_index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbering_stays_in_the_flat_table_for_sequential_keys() {
        let mut r = Renumber::default();
        for k in 0..200_000u64 {
            r.insert(k, k / 2);
        }
        // A long dropped run (a dropped entry's own memo slots) is not a jump in the keys.
        for k in 200_000..400_000u64 {
            r.remove(k);
        }
        r.insert(400_000, 1);
        r.remove(7);
        assert!(r.sparse.is_empty());
        assert_eq!(r.get(7), None);
        assert_eq!(r.get(199_999), Some(99_999));
        r.insert(u64::from(u32::MAX) + 5, 3);
        assert_eq!(r.get(u64::from(u32::MAX) + 5), Some(3));
        assert_eq!(r.sparse.len(), 1);
    }
}
