//! Symbolic pickle machine: runs ops on a stack of node ids and records what
//! loading *would* do. Nothing here calls, imports or evaluates anything, and
//! nothing recurses on the input's nesting depth.

use std::collections::HashMap;

use super::program::{EffectKind, NodeId, NodeKind, NodeMap, Packed, PackedEffect, Program};
use super::reader::{Arg, Op, Short, decode};
use super::{Error, ErrorKind, Opcode, Source};

/// Bounds on what one parse may build.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Counted payloads at least this long are skipped in the input, not read.
    pub skip_payload: u64,
    /// The window of input held in memory while reading a file.
    pub window: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            skip_payload: 64 << 10,
            window: 1 << 20,
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
    let mut m = Machine::new(source.len());
    let mut next_report = PROGRESS_STEP;
    let result = for_each_op(&source, limits, &mut |op, _raw| {
        if op.offset >= next_report {
            progress(op.offset);
            next_report = op.offset + PROGRESS_STEP;
        }
        m.step(op)
    });
    m.finish(source, result)
}

const PROGRESS_STEP: u64 = 4 << 20;

/// What [`for_each_op`] calls for each op: true stops the walk.
pub type OpVisitor<'f> = dyn FnMut(&Op, &[u8]) -> Result<bool, Error> + 'f;

/// Calls `f` with every op of `source` in order, and the op's bytes (only the header
/// for a large payload left in the file), until `f` returns true (at STOP) or fails.
pub fn for_each_op(source: &Source, limits: Limits, f: &mut OpVisitor<'_>) -> Result<(), Error> {
    if let Some(data) = source.as_slice() {
        let mut pos = 0usize;
        loop {
            let offset = pos as u64;
            let op = match decode(&data[pos..], offset)? {
                Ok(op) => op,
                Err(short) => return Err(truncated(offset, short, (data.len() - pos) as u64)),
            };
            let raw = &data[pos..pos + op.len as usize];
            pos += op.len as usize;
            if f(&op, raw)? {
                return Ok(());
            }
        }
    }
    let total = source.len();
    let mut buf: Vec<u8> = Vec::with_capacity(limits.window);
    let mut base = 0u64; // input offset of buf[0]
    let mut pos = 0usize;
    let io = |e: std::io::Error, at| Error::new(at, ErrorKind::Io(e.to_string()));
    loop {
        let offset = base + pos as u64;
        let short = match decode(&buf[pos..], offset)? {
            Ok(op) => {
                let raw = &buf[pos..pos + op.len as usize];
                if f(&op, raw)? {
                    return Ok(());
                }
                pos += op.len as usize;
                continue;
            }
            Err(short) => short,
        };
        let left = total.saturating_sub(offset);
        if let Short::Payload { header, len } = short
            && len >= limits.skip_payload
            && header.saturating_add(len) <= left
        {
            // Leave a large payload in the file: record where it is and skip it.
            let head = buf[pos..pos + header as usize].to_vec();
            let (op, _) = match decode(&head, offset)? {
                Err(Short::Payload { .. }) => external(&head, offset, header, len)?,
                _ => unreachable_payload(offset)?,
            };
            if f(&op, &head)? {
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
        let want = (need as usize)
            .max(limits.window)
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let have = buf.len();
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

fn external(head: &[u8], offset: u64, header: u64, len: u64) -> Result<(Op<'static>, ()), Error> {
    let code =
        Opcode::from_byte(head[0]).ok_or(Error::new(offset, ErrorKind::UnknownOpcode(head[0])))?;
    let arg = Arg::External {
        offset: offset + header,
        len,
    };
    Ok((
        Op {
            offset,
            code,
            arg,
            len: header + len,
        },
        (),
    ))
}

fn unreachable_payload(offset: u64) -> Result<(Op<'static>, ()), Error> {
    Err(Error::new(
        offset,
        ErrorKind::Io("payload header changed between reads".into()),
    ))
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

/// Memo keys beyond this many past the slots in use go to a map, not the vector.
const DENSE_MEMO_SLACK: usize = 1 << 16;
const EMPTY: u32 = u32::MAX;

pub(crate) struct Machine {
    nodes: Vec<Packed>,
    sizes: Vec<u16>,
    big_sizes: NodeMap<u64>,
    items: Vec<NodeId>,
    effects: Vec<PackedEffect>,
    effect_args: Vec<NodeId>,
    /// Numbering only (see [`Machine::new_lean`]): (nodes, effects) counted.
    lean: bool,
    counted: (u32, u32),
    stack: Vec<NodeId>,
    /// Offset of the op where each stack slot's value began (parallel to `stack`).
    starts: Vec<u64>,
    marks: Vec<usize>,
    mark_starts: Vec<u64>,
    spans: Vec<(u32, Vec<u64>)>,
    memo: Vec<u32>,
    sparse_memo: HashMap<u64, NodeId>,
    memo_len: u64,
    protocol: u8,
    protocols: Vec<(u64, u8)>,
    pending: u64,
    root: Option<NodeId>,
    end_offset: u64,
    ops: u64,
    input_len: u64,
}

impl Machine {
    pub(crate) fn new(input_len: u64) -> Machine {
        // A rough guess that saves re-allocations on big files without over-reserving on small ones.
        // Every node takes at least one op byte, most two or more. Reserving for that
        // avoids copying the arrays as they grow; pages never written are never resident.
        let guess = usize::try_from(input_len / 5)
            .unwrap_or(usize::MAX)
            .min(1 << 30);
        Machine {
            nodes: Vec::with_capacity(guess),
            sizes: Vec::with_capacity(guess),
            big_sizes: NodeMap::default(),
            items: Vec::with_capacity(guess),
            effects: Vec::with_capacity(guess / 4),
            effect_args: Vec::with_capacity(guess / 2),
            lean: false,
            counted: (0, 0),
            stack: Vec::new(),
            starts: Vec::new(),
            marks: Vec::new(),
            mark_starts: Vec::new(),
            spans: Vec::new(),
            memo: Vec::new(),
            sparse_memo: HashMap::new(),
            memo_len: 0,
            protocol: 0,
            protocols: Vec::new(),
            pending: 0,
            root: None,
            end_offset: 0,
            ops: 0,
            input_len,
        }
    }

    fn finish(mut self, source: Source, result: Result<(), Error>) -> Program {
        let error = result.err();
        let mut open_stack = Vec::new();
        let mut open_starts = Vec::new();
        if error.is_some() {
            let mut marks = self.marks.iter().zip(&self.mark_starts).peekable();
            for (i, (&n, &st)) in self.stack.iter().zip(&self.starts).enumerate() {
                while let Some((_, &ms)) = marks.next_if(|&(&m, _)| m == i) {
                    open_stack.push(None);
                    open_starts.push(ms);
                }
                open_stack.push(Some(n));
                open_starts.push(st);
            }
            for (_, &ms) in marks {
                open_stack.push(None);
                open_starts.push(ms);
            }
        }
        // (target, effect) pairs sorted by target: effects are mostly already in target
        // order per batch, and the pairs keep the binary search on contiguous memory.
        let mut by_target: Vec<(u32, u32)> = self
            .effects
            .iter()
            .enumerate()
            .map(|(i, e)| (e.target().0, i as u32))
            .collect();
        by_target.sort_unstable();
        let mut has_effects = vec![0u64; self.nodes.len().div_ceil(64)];
        for &(t, _) in &by_target {
            has_effects[t as usize / 64] |= 1 << (t % 64);
        }
        self.memo = Vec::new();
        Program {
            source,
            protocol: self.protocol,
            protocols: self.protocols,
            nodes: self.nodes,
            sizes: self.sizes,
            big_sizes: self.big_sizes,
            items: self.items,
            effects: self.effects,
            effect_args: self.effect_args,
            by_target,
            has_effects,
            root: self.root,
            error,
            open_stack,
            open_starts,
            spans: self.spans,
            end_offset: self.end_offset,
            ops: self.ops,
        }
    }

    fn err(&self, op: &Op, kind: ErrorKind) -> Error {
        Error::new(op.offset, kind)
    }

    /// Runs one op; true at STOP.
    pub(crate) fn step(&mut self, op: &Op) -> Result<bool, Error> {
        use Opcode::*;
        self.ops += 1;
        let marks_before = self.marks.len();
        let stop = self.run(op)?;
        self.track_starts(op, marks_before);
        self.end_offset = op.offset + op.len;
        let _ = self.input_len;
        match op.code {
            Proto | Frame | Stop => {}
            Mark | Get | BinGet | LongBinGet | Dup | PopMark | ReadonlyBuffer => {
                self.pending += op.len
            }
            _ => {}
        }
        Ok(stop)
    }

    pub(crate) fn stack(&self) -> &[NodeId] {
        &self.stack
    }

    /// The stack position of the innermost MARK.
    pub(crate) fn top_mark(&self) -> Option<usize> {
        self.marks.last().copied()
    }

    pub(crate) fn marks_len(&self) -> usize {
        self.marks.len()
    }

    pub(crate) fn node_count(&self) -> usize {
        if self.lean {
            self.counted.0 as usize
        } else {
            self.nodes.len()
        }
    }

    pub(crate) fn effect_count(&self) -> usize {
        if self.lean {
            self.counted.1 as usize
        } else {
            self.effects.len()
        }
    }

    /// A machine that only numbers nodes and effects and keeps the stack and memo: what
    /// the writer needs to follow a stream it has parsed once already, without its memory.
    pub(crate) fn new_lean() -> Machine {
        let mut m = Machine::new(0);
        m.lean = true;
        m
    }

    /// The number of distinct memo keys stored so far (the next MEMOIZE key).
    pub(crate) fn memo_len(&self) -> u64 {
        self.memo_len
    }

    /// Keeps `starts` parallel to the stack: a pushed value begins where its first
    /// consumed operand (or the MARK it consumed) began, else at this op.
    fn track_starts(&mut self, op: &Op, marks_before: usize) {
        use Opcode::*;
        let new_len = self.stack.len();
        let popped_mark = (self.marks.len() < marks_before)
            .then(|| self.mark_starts.pop())
            .flatten();
        if op.code == Mark {
            self.mark_starts.push(op.offset);
        }
        if op.code == Stop {
            return;
        }
        let pushes = !matches!(
            op.code,
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
            Option::None => op.offset,
        };
        self.starts.truncate(new_len - 1);
        self.starts.push(start);
    }

    fn run(&mut self, op: &Op) -> Result<bool, Error> {
        use Opcode::*;
        match op.code {
            Proto => {
                self.protocol = op.arg.int().unwrap_or(0) as u8;
                self.protocols.push((op.offset, self.protocol));
            }
            Frame => {}
            Stop => {
                let [root] = self.pop_n::<1>(op)?;
                self.root = Some(root);
                return Ok(true);
            }
            Int | BinInt | BinInt1 | BinInt2 | Long | Long1 | Long4 => {
                let kind = match op.arg {
                    Arg::Line(b"00") | Arg::Line(b"01") => NodeKind::Bool,
                    _ => NodeKind::Int,
                };
                self.leaf(op, kind)
            }
            String | BinString | ShortBinString | Unicode | ShortBinUnicode | BinUnicode
            | BinUnicode8 => self.leaf(op, NodeKind::Str),
            BinBytes | ShortBinBytes | BinBytes8 => self.leaf(op, NodeKind::Bytes),
            ByteArray8 => self.leaf(op, NodeKind::ByteArray),
            NextBuffer => self.leaf(op, NodeKind::Buffer),
            ReadonlyBuffer => {
                self.top(op)?;
            }
            None => self.leaf(op, NodeKind::None),
            NewTrue | NewFalse => self.leaf(op, NodeKind::Bool),
            Float | BinFloat => self.leaf(op, NodeKind::Float),
            EmptyList => self.leaf(op, NodeKind::List),
            EmptyTuple => self.leaf(op, NodeKind::Tuple),
            EmptyDict => self.leaf(op, NodeKind::Dict),
            EmptySet => self.leaf(op, NodeKind::Set),
            List => self.collect(op, NodeKind::List)?,
            Tuple => self.collect(op, NodeKind::Tuple)?,
            Dict => {
                if !(self.stack.len() - self.mark_pos(op)?).is_multiple_of(2) {
                    return Err(self.err(
                        op,
                        ErrorKind::BadArg {
                            op: op.code,
                            text: "odd number of items".into(),
                        },
                    ));
                }
                self.collect(op, NodeKind::Dict)?
            }
            FrozenSet => self.collect(op, NodeKind::FrozenSet)?,
            Tuple1 => self.tuple_n::<1>(op)?,
            Tuple2 => self.tuple_n::<2>(op)?,
            Tuple3 => self.tuple_n::<3>(op)?,
            Append => {
                let [v] = self.pop_n::<1>(op)?;
                self.effect(op, EffectKind::Append, &[v])?;
            }
            SetItem => {
                let [k, v] = self.pop_n::<2>(op)?;
                self.effect(op, EffectKind::SetItems, &[k, v])?;
            }
            Build => {
                let [state] = self.pop_n::<1>(op)?;
                self.effect(op, EffectKind::Build, &[state])?;
            }
            Appends | SetItems | AddItems => {
                let at = self.pop_mark(op)?;
                if op.code == SetItems && !(self.stack.len() - at).is_multiple_of(2) {
                    return Err(self.err(
                        op,
                        ErrorKind::BadArg {
                            op: op.code,
                            text: "odd number of items".into(),
                        },
                    ));
                }
                let kind = match op.code {
                    Appends => EffectKind::Append,
                    SetItems => EffectKind::SetItems,
                    _ => EffectKind::AddItems,
                };
                let args: Vec<NodeId> = self.stack.drain(at..).collect();
                self.effect(op, kind, &args)?;
            }
            Pop => {
                if self.stack.len() > self.marks.last().copied().unwrap_or(0) {
                    let v = self.stack.pop().expect("checked non-empty");
                    self.pending += op.len;
                    self.effect_no_target_bytes(op, EffectKind::Pop, v);
                } else if !self.marks.is_empty() {
                    self.pop_mark(op)?;
                } else {
                    return Err(self.err(
                        op,
                        ErrorKind::StackUnderflow {
                            op: op.code,
                            needed: 1,
                            found: 0,
                        },
                    ));
                }
            }
            PopMark => {
                let at = self.pop_mark(op)?;
                self.stack.truncate(at);
            }
            Dup => {
                let top = self.top(op)?;
                self.stack.push(top);
            }
            Mark => self.marks.push(self.stack.len()),
            Get | BinGet | LongBinGet => {
                let key = self.memo_key(op)?;
                let Some(node) = self.memo_get(key) else {
                    return Err(self.err(op, ErrorKind::MemoMissing(key)));
                };
                self.stack.push(node);
            }
            Put | BinPut | LongBinPut => {
                let key = self.memo_key(op)?;
                let top = self.top(op)?;
                self.memo_put(key, top);
                self.add_size(top, op.len);
            }
            Memoize => {
                let top = self.top(op)?;
                let key = self.memo_len;
                self.memo_put(key, top);
                self.add_size(top, op.len);
            }
            Ext1 | Ext2 | Ext4 => self.leaf(op, NodeKind::Ext),
            Global => self.leaf(op, NodeKind::Global),
            StackGlobal => {
                let [m, n] = self.pop_n::<2>(op)?;
                self.push_node(op, NodeKind::StackGlobal, m.0, n.0);
            }
            Reduce => {
                let [f, args] = self.pop_n::<2>(op)?;
                self.push_node(op, NodeKind::Reduce, f.0, args.0);
            }
            NewObj => {
                let [cls, args] = self.pop_n::<2>(op)?;
                self.push_node(op, NodeKind::NewObj, cls.0, args.0);
            }
            NewObjEx => {
                let three = self.pop_n::<3>(op)?;
                let start = self.push_items(&three);
                self.push_node(op, NodeKind::NewObjEx, start, 3);
            }
            Inst => self.collect(op, NodeKind::Inst)?,
            Obj => {
                if self.stack.len() == self.mark_pos(op)? {
                    return Err(self.err(
                        op,
                        ErrorKind::StackUnderflow {
                            op: op.code,
                            needed: 1,
                            found: 0,
                        },
                    ));
                }
                self.collect(op, NodeKind::Obj)?
            }
            PersId => self.leaf(op, NodeKind::PersId),
            BinPersId => {
                let [pid] = self.pop_n::<1>(op)?;
                self.push_node(op, NodeKind::PersId, pid.0, 0);
            }
        }
        Ok(false)
    }

    fn leaf(&mut self, op: &Op, kind: NodeKind) {
        self.push_node(op, kind, 0, 0);
    }

    fn push_node(&mut self, op: &Op, kind: NodeKind, a: u32, b: u32) {
        if self.lean {
            self.stack.push(NodeId(self.counted.0));
            self.counted.0 += 1;
            self.pending = 0;
            return;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Packed::new(kind, op.code, op.offset, a, b));
        self.sizes.push(0);
        let bytes = op.len + std::mem::take(&mut self.pending);
        self.add_size(id, bytes);
        self.stack.push(id);
    }

    fn add_size(&mut self, id: NodeId, bytes: u64) {
        if self.lean {
            return;
        }
        // Most nodes take a few bytes: 16 bits each, with the rare big ones in a map.
        let slot = &mut self.sizes[id.index()];
        if *slot == u16::MAX {
            *self.big_sizes.entry(id).or_insert(0) += bytes;
            return;
        }
        let total = u64::from(*slot).saturating_add(bytes);
        if total >= u64::from(u16::MAX) {
            self.big_sizes.insert(id, total);
            *slot = u16::MAX;
        } else {
            *slot = total as u16;
        }
    }

    fn push_items(&mut self, ids: &[NodeId]) -> u32 {
        if self.lean {
            return 0;
        }
        let start = self.items.len() as u32;
        self.items.extend_from_slice(ids);
        start
    }

    fn collect(&mut self, op: &Op, kind: NodeKind) -> Result<(), Error> {
        let at = self.pop_mark(op)?;
        let start = self.items.len() as u32;
        let count = (self.stack.len() - at) as u32;
        if self.lean {
            self.stack.truncate(at);
        } else {
            self.items.extend(self.stack.drain(at..));
        }
        self.push_node(op, kind, start, count);
        Ok(())
    }

    fn tuple_n<const N: usize>(&mut self, op: &Op) -> Result<(), Error> {
        let vals = self.pop_n::<N>(op)?;
        let start = self.push_items(&vals);
        self.push_node(op, NodeKind::Tuple, start, N as u32);
        Ok(())
    }

    fn effect(&mut self, op: &Op, kind: EffectKind, args: &[NodeId]) -> Result<(), Error> {
        let target = self.top(op)?;
        if self.lean {
            self.counted.1 += 1;
            self.pending = 0;
            return Ok(());
        }
        // Effects on the outermost values (a module dump's namespace dict sits at index 1,
        // a plain dict at 0) keep where each argument began, so entries have byte ranges.
        let at = self.stack.len();
        if at <= 2 && self.starts.len() >= at + args.len() {
            let starts = self.starts[at..at + args.len()].to_vec();
            self.spans.push((self.effects.len() as u32, starts));
        }
        let bytes = op.len + std::mem::take(&mut self.pending);
        self.add_size(target, bytes);
        self.effects.push(PackedEffect::new(
            kind,
            target,
            op.offset,
            self.effect_args.len() as u32,
        ));
        self.effect_args.extend_from_slice(args);
        Ok(())
    }

    fn effect_no_target_bytes(&mut self, op: &Op, kind: EffectKind, target: NodeId) {
        if self.lean {
            self.counted.1 += 1;
            self.pending = 0;
            return;
        }
        let bytes = std::mem::take(&mut self.pending);
        self.add_size(target, bytes);
        self.effects.push(PackedEffect::new(
            kind,
            target,
            op.offset,
            self.effect_args.len() as u32,
        ));
    }

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn top(&self, op: &Op) -> Result<NodeId, Error> {
        if self.stack.len() <= self.floor() {
            let kind = if self.marks.is_empty() {
                ErrorKind::StackUnderflow {
                    op: op.code,
                    needed: 1,
                    found: 0,
                }
            } else {
                ErrorKind::MarkAsValue { op: op.code }
            };
            return Err(self.err(op, kind));
        }
        Ok(*self.stack.last().expect("checked above"))
    }

    fn pop_n<const N: usize>(&mut self, op: &Op) -> Result<[NodeId; N], Error> {
        let found = self.stack.len() - self.floor();
        if found < N {
            let kind = if self.marks.is_empty() {
                ErrorKind::StackUnderflow {
                    op: op.code,
                    needed: N,
                    found,
                }
            } else {
                ErrorKind::MarkAsValue { op: op.code }
            };
            return Err(self.err(op, kind));
        }
        let at = self.stack.len() - N;
        let mut out = [NodeId(0); N];
        out.copy_from_slice(&self.stack[at..]);
        self.stack.truncate(at);
        Ok(out)
    }

    fn mark_pos(&self, op: &Op) -> Result<usize, Error> {
        self.marks
            .last()
            .copied()
            .ok_or_else(|| self.err(op, ErrorKind::NoMark(op.code)))
    }

    fn pop_mark(&mut self, op: &Op) -> Result<usize, Error> {
        let at = self.mark_pos(op)?;
        self.marks.pop();
        Ok(at)
    }

    pub(crate) fn memo_key(&self, op: &Op) -> Result<u64, Error> {
        match op.arg {
            Arg::Int(i) if i >= 0 => Ok(i as u64),
            Arg::Line(text) => std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    self.err(
                        op,
                        ErrorKind::BadArg {
                            op: op.code,
                            text: String::from_utf8_lossy(text).into(),
                        },
                    )
                }),
            _ => Err(self.err(
                op,
                ErrorKind::BadArg {
                    op: op.code,
                    text: format!("{:?}", op.arg),
                },
            )),
        }
    }

    fn memo_get(&self, key: u64) -> Option<NodeId> {
        match self.memo.get(usize::try_from(key).ok()?) {
            Some(&v) if v != EMPTY => Some(NodeId(v)),
            Some(_) => None,
            None if self.sparse_memo.is_empty() => None,
            None => self.sparse_memo.get(&key).copied(),
        }
    }

    fn memo_put(&mut self, key: u64, node: NodeId) {
        let fresh = self.memo_get(key).is_none();
        let dense_limit = self.memo.len() + DENSE_MEMO_SLACK;
        match usize::try_from(key) {
            Ok(k) if k < dense_limit => {
                if k >= self.memo.len() {
                    self.memo.resize(k + 1, EMPTY);
                }
                self.memo[k] = node.0;
            }
            _ => {
                self.sparse_memo.insert(key, node);
            }
        }
        if fresh {
            self.memo_len += 1;
        }
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
