//! Symbolic pickle machine: one decode-and-dispatch loop over the opcode table
//! that runs ops on a stack of values and records what loading *would* do.
//! What a value is stays open ([`Values`]): a node of a [`Program`], or a bare
//! number for a pass that only follows the stream. The opcode semantics live
//! here once. Nothing here calls, imports or evaluates anything, and nothing
//! recurses on the input's nesting depth.

mod count;
mod feed;
mod nodes;

use std::collections::HashMap;

pub(crate) use count::Counter;
pub(crate) use feed::{Exec, feed};
pub(crate) use nodes::Nodes;

use super::program::{EffectKind, NodeKind, Program};
use super::reader::{Arg, Op, Short, decode};
use super::{Budget, Error, ErrorKind, Opcode, Resource, Source};

/// Bounds on what one parse may build.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Counted payloads at least this long are skipped in the input, not read.
    pub skip_payload: u64,
    /// The window of input held in memory while reading a file.
    pub window: usize,
    /// Ops and nodes one parse may take; `None`: [`Budget::for_input`] of the source.
    pub budget: Option<Budget>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            skip_payload: 64 << 10,
            window: 1 << 20,
            budget: None,
        }
    }
}

/// Parses an in-memory pickle.
pub fn parse_bytes(bytes: impl Into<std::sync::Arc<[u8]>>) -> Program {
    parse(Source::from_bytes(bytes), Limits::default())
}

/// Parses a pickle file.
pub fn parse_file(path: &std::path::Path) -> std::io::Result<Program> {
    Ok(parse(Source::open(path)?, Limits::default()))
}

/// Runs the machine over `source`. Never fails: a cut or corrupt input gives
/// a program with [`Program::error`] set and what was built up to that point.
pub fn parse(source: Source, limits: Limits) -> Program {
    parse_with_progress(source, limits, &mut |_| {})
}

/// As [`parse`], calling `progress` with the byte offset reached every few MiB.
pub fn parse_with_progress(
    source: Source,
    limits: Limits,
    progress: &mut dyn FnMut(u64),
) -> Program {
    let budget = limits
        .budget
        .unwrap_or_else(|| Budget::for_input(source.len()));
    let mut m = Machine::new(Nodes::new(source.len())).with_budget(budget);
    let result = feed(&source, limits, &mut m, progress);
    m.finish(source, result)
}

/// What [`for_each_op`] calls for each op: true stops the walk.
pub type OpVisitor<'f> = dyn FnMut(&Op, &[u8]) -> Result<bool, Error> + 'f;

/// Calls `f` with every op of `source` in order, and the op's bytes (only the header
/// for a large payload left in the file), until `f` returns true (at STOP) or fails.
/// The same loop as the machine's, with each op decoded into an [`Op`] for `f`.
pub fn for_each_op(source: &Source, limits: Limits, f: &mut OpVisitor<'_>) -> Result<(), Error> {
    struct Visit<'a, 'f>(&'a mut OpVisitor<'f>);
    impl Exec for Visit<'_, '_> {
        fn exec(&mut self, _: Opcode, at: u64, raw: &[u8], len: u64) -> Result<bool, Error> {
            let op = match decode(raw, at)? {
                Ok(op) => op,
                Err(Short::Payload { header, len: n }) if header + n == len => Op {
                    offset: at,
                    code: Opcode::from_byte(raw[0])
                        .ok_or(Error::new(at, ErrorKind::UnknownOpcode(raw[0])))?,
                    arg: Arg::External {
                        offset: at + header,
                        len: n,
                    },
                    len,
                },
                Err(_) => {
                    return Err(Error::new(
                        at,
                        ErrorKind::Io("payload header changed between reads".into()),
                    ));
                }
            };
            (self.0)(&op, raw)
        }
    }
    feed(source, limits, &mut Visit(f), &mut |_| {})
}

/// What a value on the machine's stack is, and what happens when ops make,
/// change or drop one. `bytes` is what the op (and the stack-only ops just
/// before it: MARK, GET, DUP…) take in the input.
pub(crate) trait Values {
    type V: Copy + PartialEq;
    /// Marks an empty memo slot; never a real value.
    const HOLE: Self::V;
    /// A value made by one op from no operands; `raw` is the op's bytes.
    fn leaf(&mut self, kind: NodeKind, code: Opcode, at: u64, raw: &[u8], bytes: u64) -> Self::V;
    /// A value made from two operands (STACK_GLOBAL, REDUCE, NEWOBJ).
    fn pair(
        &mut self,
        kind: NodeKind,
        code: Opcode,
        at: u64,
        bytes: u64,
        a: Self::V,
        b: Self::V,
    ) -> Self::V;
    /// A value made from one operand (BINPERSID).
    fn one(&mut self, kind: NodeKind, code: Opcode, at: u64, bytes: u64, a: Self::V) -> Self::V;
    /// A value made from a run of operands (LIST, TUPLE…, DICT, INST, OBJ, NEWOBJ_EX).
    fn seq(
        &mut self,
        kind: NodeKind,
        code: Opcode,
        at: u64,
        bytes: u64,
        items: &[Self::V],
    ) -> Self::V;
    /// `target` changed by APPEND(S), SETITEM(S), ADDITEMS or BUILD. `starts` (where
    /// each argument began) is given for effects on the outermost two stack values.
    fn effect(
        &mut self,
        kind: EffectKind,
        at: u64,
        bytes: u64,
        target: Self::V,
        args: &[Self::V],
        starts: Option<&[u64]>,
    );
    /// A finished value thrown away by POP.
    fn popped(&mut self, at: u64, bytes: u64, v: Self::V);
    /// Bytes of a memo op on `v`.
    fn add_size(&mut self, v: Self::V, bytes: u64);
    /// How many values (nodes, items, effects) were made so far, for the budget.
    fn made(&self) -> u64 {
        0
    }
}

/// Memo keys beyond this many past the slots in use go to a map, not the vector.
const DENSE_MEMO_SLACK: usize = 1 << 16;

pub(crate) struct Machine<B: Values> {
    pub(crate) values: B,
    stack: Vec<B::V>,
    /// Offset of the op where each stack slot's value began (parallel to `stack`).
    starts: Vec<u64>,
    marks: Vec<usize>,
    mark_starts: Vec<u64>,
    memo: Vec<B::V>,
    sparse_memo: HashMap<u64, B::V>,
    memo_len: u64,
    protocol: u8,
    protocols: Vec<(u64, u8)>,
    pending: u64,
    root: Option<B::V>,
    end_offset: u64,
    ops: u64,
    budget: Budget,
    /// The op count at which the budget is next checked (a few times a million ops).
    next_check: u64,
    started: std::time::Instant,
}

/// Ops between budget checks: one compare per op on the hot path.
const BUDGET_EVERY: u64 = 1 << 16;

impl<B: Values> Exec for Machine<B> {
    #[inline(always)]
    fn exec(&mut self, code: Opcode, at: u64, raw: &[u8], len: u64) -> Result<bool, Error> {
        self.ops += 1;
        if self.ops >= self.next_check {
            self.check_budget(at)?;
        }
        let marks_before = self.marks.len();
        let stop = self.run(code, at, raw, len)?;
        self.track_starts(code, at, marks_before);
        self.end_offset = at + len;
        use Opcode::*;
        if let Mark | Get | BinGet | LongBinGet | Dup | PopMark | ReadonlyBuffer = code {
            self.pending += len;
        }
        Ok(stop)
    }
}

impl<B: Values> Machine<B> {
    pub(crate) fn new(values: B) -> Machine<B> {
        Machine {
            values,
            stack: Vec::new(),
            starts: Vec::new(),
            marks: Vec::new(),
            mark_starts: Vec::new(),
            memo: Vec::new(),
            sparse_memo: HashMap::new(),
            memo_len: 0,
            protocol: 0,
            protocols: Vec::new(),
            pending: 0,
            root: None,
            end_offset: 0,
            ops: 0,
            budget: Budget::unlimited(),
            next_check: u64::MAX,
            started: std::time::Instant::now(),
        }
    }

    /// Stops the walk with [`ErrorKind::Budget`] once `budget` is exceeded.
    pub(crate) fn with_budget(mut self, budget: Budget) -> Machine<B> {
        self.budget = budget;
        self.next_check = BUDGET_EVERY.min(budget.ops.saturating_add(1));
        self
    }

    #[cold]
    fn check_budget(&mut self, at: u64) -> Result<(), Error> {
        let b = self.budget;
        let what = if self.ops > b.ops {
            Some(Resource::Ops)
        } else if self.values.made() > b.nodes {
            Some(Resource::Nodes)
        } else if self.started.elapsed() > b.time {
            Some(Resource::Time)
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Error::new(at, ErrorKind::Budget(b.exceeded(what))));
        }
        self.next_check = self
            .ops
            .saturating_add(BUDGET_EVERY)
            .min(b.ops.saturating_add(1));
        Ok(())
    }

    /// Runs one decoded op; true at STOP.
    pub(crate) fn step(&mut self, op: &Op, raw: &[u8]) -> Result<bool, Error> {
        self.exec(op.code, op.offset, raw, op.len)
    }

    pub(crate) fn stack(&self) -> &[B::V] {
        &self.stack
    }

    /// The stack position of the innermost MARK.
    pub(crate) fn top_mark(&self) -> Option<usize> {
        self.marks.last().copied()
    }

    pub(crate) fn marks_len(&self) -> usize {
        self.marks.len()
    }

    /// The number of distinct memo keys stored so far (the next MEMOIZE key).
    pub(crate) fn memo_len(&self) -> u64 {
        self.memo_len
    }

    /// Keeps `starts` parallel to the stack: a pushed value begins where its first
    /// consumed operand (or the MARK it consumed) began, else at this op.
    #[inline(always)]
    fn track_starts(&mut self, code: Opcode, at: u64, marks_before: usize) {
        use Opcode::*;
        let new_len = self.stack.len();
        let popped_mark = (self.marks.len() < marks_before)
            .then(|| self.mark_starts.pop())
            .flatten();
        if code == Mark {
            self.mark_starts.push(at);
        }
        if code == Stop {
            return;
        }
        let pushes = !matches!(
            code,
            Append
                | Appends
                | SetItem
                | SetItems
                | AddItems
                | Build
                | Pop
                | PopMark
                | Mark
                | Put
                | BinPut
                | LongBinPut
                | Memoize
                | Proto
                | Frame
                | ReadonlyBuffer
        );
        if !pushes || new_len == 0 {
            self.starts.truncate(new_len);
            return;
        }
        let start = match popped_mark {
            Some(ms) => ms,
            Option::None if self.starts.len() >= new_len => self.starts[new_len - 1],
            Option::None => at,
        };
        self.starts.truncate(new_len - 1);
        self.starts.push(start);
    }

    /// The semantics of every opcode, once.
    #[inline(always)]
    fn run(&mut self, code: Opcode, at: u64, raw: &[u8], len: u64) -> Result<bool, Error> {
        use Opcode::*;
        match code {
            Proto => {
                self.protocol = raw.get(1).copied().unwrap_or(0);
                self.protocols.push((at, self.protocol));
            }
            Frame => {}
            Stop => {
                let [root] = self.pop_n::<1>(code, at)?;
                self.root = Some(root);
                return Ok(true);
            }
            Int | Long if matches!(line(raw), b"00" | b"01") => {
                self.leaf(NodeKind::Bool, code, at, raw, len)
            }
            Int | BinInt | BinInt1 | BinInt2 | Long | Long1 | Long4 => {
                self.leaf(NodeKind::Int, code, at, raw, len)
            }
            String | BinString | ShortBinString | Unicode | ShortBinUnicode | BinUnicode
            | BinUnicode8 => self.leaf(NodeKind::Str, code, at, raw, len),
            BinBytes | ShortBinBytes | BinBytes8 => self.leaf(NodeKind::Bytes, code, at, raw, len),
            ByteArray8 => self.leaf(NodeKind::ByteArray, code, at, raw, len),
            NextBuffer => self.leaf(NodeKind::Buffer, code, at, raw, len),
            ReadonlyBuffer => {
                self.top(code, at)?;
            }
            None => self.leaf(NodeKind::None, code, at, raw, len),
            NewTrue | NewFalse => self.leaf(NodeKind::Bool, code, at, raw, len),
            Float | BinFloat => self.leaf(NodeKind::Float, code, at, raw, len),
            EmptyList => self.leaf(NodeKind::List, code, at, raw, len),
            EmptyTuple => self.leaf(NodeKind::Tuple, code, at, raw, len),
            EmptyDict => self.leaf(NodeKind::Dict, code, at, raw, len),
            EmptySet => self.leaf(NodeKind::Set, code, at, raw, len),
            List => self.collect(NodeKind::List, code, at, len)?,
            Tuple => self.collect(NodeKind::Tuple, code, at, len)?,
            Dict => {
                if !(self.stack.len() - self.mark_pos(code, at)?).is_multiple_of(2) {
                    return Err(odd(code, at));
                }
                self.collect(NodeKind::Dict, code, at, len)?
            }
            FrozenSet => self.collect(NodeKind::FrozenSet, code, at, len)?,
            Tuple1 => self.tuple_n::<1>(code, at, len)?,
            Tuple2 => self.tuple_n::<2>(code, at, len)?,
            Tuple3 => self.tuple_n::<3>(code, at, len)?,
            Append => {
                let [v] = self.pop_n::<1>(code, at)?;
                self.effect(EffectKind::Append, code, at, len, &[v])?;
            }
            SetItem => {
                let [k, v] = self.pop_n::<2>(code, at)?;
                self.effect(EffectKind::SetItems, code, at, len, &[k, v])?;
            }
            Build => {
                let [state] = self.pop_n::<1>(code, at)?;
                self.effect(EffectKind::Build, code, at, len, &[state])?;
            }
            Appends | SetItems | AddItems => {
                let mark = self.pop_mark(code, at)?;
                if code == SetItems && !(self.stack.len() - mark).is_multiple_of(2) {
                    return Err(odd(code, at));
                }
                let kind = match code {
                    Appends => EffectKind::Append,
                    SetItems => EffectKind::SetItems,
                    _ => EffectKind::AddItems,
                };
                self.effect_run(kind, code, at, len, mark)?;
            }
            Pop => {
                if self.stack.len() > self.floor() {
                    let v = self.stack.pop().expect("checked non-empty");
                    self.pending += len;
                    let bytes = std::mem::take(&mut self.pending);
                    self.values.popped(at, bytes, v);
                } else if !self.marks.is_empty() {
                    self.pop_mark(code, at)?;
                } else {
                    return Err(underflow(code, at, 1, 0));
                }
            }
            PopMark => {
                let mark = self.pop_mark(code, at)?;
                self.stack.truncate(mark);
            }
            Dup => {
                let top = self.top(code, at)?;
                self.stack.push(top);
            }
            Mark => self.marks.push(self.stack.len()),
            Get | BinGet | LongBinGet => {
                let key = memo_key(code, at, raw)?;
                let Some(v) = self.memo_get(key) else {
                    return Err(Error::new(at, ErrorKind::MemoMissing(key)));
                };
                self.stack.push(v);
            }
            Put | BinPut | LongBinPut => {
                let key = memo_key(code, at, raw)?;
                let top = self.top(code, at)?;
                self.memo_put(key, top);
                self.values.add_size(top, len);
            }
            Memoize => {
                let top = self.top(code, at)?;
                let key = self.memo_len;
                self.memo_put(key, top);
                self.values.add_size(top, len);
            }
            Ext1 | Ext2 | Ext4 => self.leaf(NodeKind::Ext, code, at, raw, len),
            Global => self.leaf(NodeKind::Global, code, at, raw, len),
            StackGlobal => self.pair(NodeKind::StackGlobal, code, at, len)?,
            Reduce => self.pair(NodeKind::Reduce, code, at, len)?,
            NewObj => self.pair(NodeKind::NewObj, code, at, len)?,
            NewObjEx => {
                if self.stack.len() - self.floor() < 3 {
                    return Err(self.short_of(code, at, 3));
                }
                let from = self.stack.len() - 3;
                self.push_seq(NodeKind::NewObjEx, code, at, len, from);
            }
            Inst => self.collect(NodeKind::Inst, code, at, len)?,
            Obj => {
                if self.stack.len() == self.mark_pos(code, at)? {
                    return Err(underflow(code, at, 1, 0));
                }
                self.collect(NodeKind::Obj, code, at, len)?
            }
            PersId => self.leaf(NodeKind::PersId, code, at, raw, len),
            BinPersId => {
                let [pid] = self.pop_n::<1>(code, at)?;
                let bytes = self.take_bytes(len);
                let v = self.values.one(NodeKind::PersId, code, at, bytes, pid);
                self.stack.push(v);
            }
        }
        Ok(false)
    }

    #[inline(always)]
    fn take_bytes(&mut self, len: u64) -> u64 {
        len + std::mem::take(&mut self.pending)
    }

    #[inline(always)]
    fn leaf(&mut self, kind: NodeKind, code: Opcode, at: u64, raw: &[u8], len: u64) {
        let bytes = self.take_bytes(len);
        let v = self.values.leaf(kind, code, at, raw, bytes);
        self.stack.push(v);
    }

    #[inline(always)]
    fn pair(&mut self, kind: NodeKind, code: Opcode, at: u64, len: u64) -> Result<(), Error> {
        let [a, b] = self.pop_n::<2>(code, at)?;
        let bytes = self.take_bytes(len);
        let v = self.values.pair(kind, code, at, bytes, a, b);
        self.stack.push(v);
        Ok(())
    }

    /// Replaces the stack from `from` up with one value made of those items.
    #[inline(always)]
    fn push_seq(&mut self, kind: NodeKind, code: Opcode, at: u64, len: u64, from: usize) {
        let bytes = self.take_bytes(len);
        let v = self.values.seq(kind, code, at, bytes, &self.stack[from..]);
        self.stack.truncate(from);
        self.stack.push(v);
    }

    fn collect(&mut self, kind: NodeKind, code: Opcode, at: u64, len: u64) -> Result<(), Error> {
        let mark = self.pop_mark(code, at)?;
        self.push_seq(kind, code, at, len, mark);
        Ok(())
    }

    #[inline(always)]
    fn tuple_n<const N: usize>(&mut self, code: Opcode, at: u64, len: u64) -> Result<(), Error> {
        if self.stack.len() - self.floor() < N {
            return Err(self.short_of(code, at, N));
        }
        let from = self.stack.len() - N;
        self.push_seq(NodeKind::Tuple, code, at, len, from);
        Ok(())
    }

    /// An effect whose arguments are the fixed ones just popped.
    #[inline(always)]
    fn effect(
        &mut self,
        kind: EffectKind,
        code: Opcode,
        at: u64,
        len: u64,
        args: &[B::V],
    ) -> Result<(), Error> {
        let target = self.top(code, at)?;
        let bytes = self.take_bytes(len);
        let n = self.stack.len();
        let starts = (n <= 2 && self.starts.len() >= n + args.len())
            .then(|| &self.starts[n..n + args.len()]);
        self.values.effect(kind, at, bytes, target, args, starts);
        Ok(())
    }

    /// An effect whose arguments are the stack from `from` up (APPENDS, SETITEMS, ADDITEMS).
    fn effect_run(
        &mut self,
        kind: EffectKind,
        code: Opcode,
        at: u64,
        len: u64,
        from: usize,
    ) -> Result<(), Error> {
        if from <= self.floor() {
            // No target below the arguments: report as the old machine did, after the drain.
            self.stack.truncate(from);
            self.top(code, at)?;
        }
        let target = self.stack[from - 1];
        let bytes = self.take_bytes(len);
        let args = &self.stack[from..];
        let starts = (from <= 2 && self.starts.len() >= from + args.len())
            .then(|| &self.starts[from..from + args.len()]);
        self.values.effect(kind, at, bytes, target, args, starts);
        self.stack.truncate(from);
        Ok(())
    }

    #[inline(always)]
    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline(always)]
    fn top(&self, code: Opcode, at: u64) -> Result<B::V, Error> {
        if self.stack.len() <= self.floor() {
            return Err(self.short_of(code, at, 1));
        }
        Ok(*self.stack.last().expect("checked above"))
    }

    #[cold]
    fn short_of(&self, code: Opcode, at: u64, needed: usize) -> Error {
        if self.marks.is_empty() {
            underflow(code, at, needed, self.stack.len() - self.floor())
        } else {
            Error::new(at, ErrorKind::MarkAsValue { op: code })
        }
    }

    #[inline(always)]
    fn pop_n<const N: usize>(&mut self, code: Opcode, at: u64) -> Result<[B::V; N], Error> {
        if self.stack.len() - self.floor() < N {
            return Err(self.short_of(code, at, N));
        }
        let from = self.stack.len() - N;
        let out: [B::V; N] = std::array::from_fn(|i| self.stack[from + i]);
        self.stack.truncate(from);
        Ok(out)
    }

    #[inline(always)]
    fn mark_pos(&self, code: Opcode, at: u64) -> Result<usize, Error> {
        match self.marks.last() {
            Some(&m) => Ok(m),
            Option::None => Err(Error::new(at, ErrorKind::NoMark(code))),
        }
    }

    #[inline(always)]
    fn pop_mark(&mut self, code: Opcode, at: u64) -> Result<usize, Error> {
        let m = self.mark_pos(code, at)?;
        self.marks.pop();
        Ok(m)
    }

    #[inline(always)]
    fn memo_get(&self, key: u64) -> Option<B::V> {
        match self.memo.get(usize::try_from(key).ok()?) {
            Some(&v) if v != B::HOLE => Some(v),
            Some(_) => Option::None,
            Option::None if self.sparse_memo.is_empty() => Option::None,
            Option::None => self.sparse_memo.get(&key).copied(),
        }
    }

    #[inline(always)]
    fn memo_put(&mut self, key: u64, v: B::V) {
        let fresh = self.memo_get(key).is_none();
        let dense_limit = self.memo.len() + DENSE_MEMO_SLACK;
        match usize::try_from(key) {
            Ok(k) if k < dense_limit => {
                if k >= self.memo.len() {
                    self.memo.resize(k + 1, B::HOLE);
                }
                self.memo[k] = v;
            }
            _ => {
                self.sparse_memo.insert(key, v);
            }
        }
        if fresh {
            self.memo_len += 1;
        }
    }
}

/// The text of a one-line argument, without its newline.
#[inline(always)]
fn line(raw: &[u8]) -> &[u8] {
    raw.get(1..raw.len().saturating_sub(1)).unwrap_or(&[])
}

/// The memo key of a GET / PUT op from its bytes.
#[inline(always)]
fn memo_key(code: Opcode, at: u64, raw: &[u8]) -> Result<u64, Error> {
    use Opcode::*;
    match code {
        BinGet | BinPut => Ok(u64::from(raw[1])),
        LongBinGet | LongBinPut => Ok(u64::from(u32::from_le_bytes([
            raw[1], raw[2], raw[3], raw[4],
        ]))),
        _ => text_memo_key(code, at, line(raw)),
    }
}

#[cold]
fn text_memo_key(code: Opcode, at: u64, text: &[u8]) -> Result<u64, Error> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            Error::new(
                at,
                ErrorKind::BadArg {
                    op: code,
                    text: String::from_utf8_lossy(text).into(),
                },
            )
        })
}

/// The memo key an op names (GET / PUT), as the writer needs it.
pub(crate) fn op_memo_key(op: &Op, raw: &[u8]) -> Result<u64, Error> {
    memo_key(op.code, op.offset, raw)
}

#[cold]
fn underflow(op: Opcode, at: u64, needed: usize, found: usize) -> Error {
    Error::new(at, ErrorKind::StackUnderflow { op, needed, found })
}

#[cold]
fn odd(op: Opcode, at: u64) -> Error {
    Error::new(
        at,
        ErrorKind::BadArg {
            op,
            text: "odd number of items".into(),
        },
    )
}

impl Machine<Nodes> {
    /// The program built so far, with what was open on the stack if `result` failed.
    fn finish(self, source: Source, result: Result<(), Error>) -> Program {
        let error = result.err();
        let mut open_stack = Vec::new();
        let mut open_starts = Vec::new();
        if error.is_some() {
            let mut marks = self.marks.iter().zip(&self.mark_starts).peekable();
            for (i, (&n, &st)) in self.stack.iter().zip(&self.starts).enumerate() {
                while let Some((_, &ms)) = marks.next_if(|&(&m, _)| m == i) {
                    open_stack.push(Option::None);
                    open_starts.push(ms);
                }
                open_stack.push(Some(n));
                open_starts.push(st);
            }
            for (_, &ms) in marks {
                open_stack.push(Option::None);
                open_starts.push(ms);
            }
        }
        let end = nodes::End {
            protocol: self.protocol,
            protocols: self.protocols,
            root: self.root,
            error,
            open_stack,
            open_starts,
            end_offset: self.end_offset,
            ops: self.ops,
        };
        drop(self.memo);
        self.values.into_program(source, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> Program {
        parse_bytes(bytes.to_vec())
    }

    #[test]
    fn memo_get_returns_the_same_node() {
        let p = run(b"\x80\x04]\x94h\x00\x86.");
        let root = p.root.unwrap();
        let [a, b] = p.items(root) else {
            panic!("not a pair")
        };
        assert_eq!(a, b);
    }

    #[test]
    fn setitems_becomes_an_effect_on_the_dict() {
        let p = run(b"\x80\x02}(K\x01K\x02K\x03K\x04u.");
        let root = p.root.unwrap();
        let effects: Vec<usize> = p.effects_on(root).collect();
        assert_eq!(effects.len(), 1);
        assert_eq!(p.effect_args(effects[0]).len(), 4);
        assert_eq!(p.effect(effects[0]).kind, EffectKind::SetItems);
    }

    #[test]
    fn a_million_nested_lists_do_not_recurse() {
        let mut b = vec![0x80, 4];
        for _ in 0..1_000_000 {
            b.extend_from_slice(b"(");
        }
        for _ in 0..1_000_000 {
            b.extend_from_slice(b"l");
        }
        b.push(b'.');
        let p = run(&b);
        assert!(p.complete());
        assert_eq!(p.node_count(), 1_000_000);
    }

    #[test]
    fn missing_memo_key_is_an_error_with_its_offset() {
        let p = run(b"\x80\x04h\x07.");
        let e = p.error.unwrap();
        assert_eq!(e.to_string(), "at byte 2: memo key 7 was never stored");
    }

    #[test]
    fn truncation_keeps_the_open_stack() {
        let p = run(b"\x80\x04}(K\x01K\x02");
        assert!(p.error.as_ref().unwrap().is_truncation());
        assert_eq!(p.open_stack.len(), 4); // dict, MARK, 1, 2
        assert_eq!(p.open_stack[1], None);
    }

    #[test]
    fn huge_memo_keys_do_not_allocate_a_huge_vector() {
        let p = run(b"\x80\x02K\x01r\xff\xff\xff\x7fj\xff\xff\xff\x7f\x86.");
        assert!(p.complete());
    }

    #[test]
    fn windows_over_a_file_match_the_slice_path() {
        let mut b = vec![0x80, 4, b']', 0x94, b'('];
        for i in 0..5000u32 {
            b.push(b'X');
            let s = format!("item number {i}");
            b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            b.extend_from_slice(s.as_bytes());
        }
        // One payload large enough to be skipped.
        b.push(0x8e);
        b.extend_from_slice(&(100_000u64).to_le_bytes());
        b.extend(std::iter::repeat_n(7u8, 100_000));
        b.extend_from_slice(b"e.");
        let dir = std::env::temp_dir().join(format!("brine-machine-{}", std::process::id()));
        std::fs::write(&dir, &b).unwrap();
        let small = Limits {
            skip_payload: 1000,
            window: 4096,
            budget: None,
        };
        let from_file = parse(Source::open(&dir).unwrap(), small);
        let from_mem = run(&b);
        std::fs::remove_file(&dir).unwrap();
        assert!(from_file.complete(), "{:?}", from_file.error);
        assert_eq!(from_file.node_count(), from_mem.node_count());
        assert_eq!(from_file.nodes, from_mem.nodes);
        assert_eq!(from_file.sizes, from_mem.sizes);
    }
}
