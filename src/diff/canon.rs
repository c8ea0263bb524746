//! A canonical hash of a value: its structure and scalar contents, walked
//! through the program graph. Byte offsets, memo numbers and the opcodes that
//! spelled a value do not count; shared references hash as their content,
//! cycles as a back-reference by distance. Walks with an explicit stack.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::pickle::text::Scalar;
use crate::pickle::{NodeId, NodeKind, Opcode};
use crate::session::Session;
use crate::session::names::global_name;

/// Payloads longer than this are hashed by length and their two ends only.
const WHOLE_PAYLOAD: u64 = 256 << 20;
/// Bytes read at each end of a payload hashed in part.
const PAYLOAD_ENDS: u64 = 1 << 20;
/// Longest text line read back for protocol-0 strings.
const LINE_MAX: u64 = 1 << 20;
const SHORT_READ: u64 = 256;

#[derive(Clone, Copy)]
enum Item {
    Node(NodeId),
    Tag(u8),
}

struct Frame {
    id: NodeId,
    items: Vec<Item>,
    pos: usize,
    /// (tag before the child, child hash): kept apart so set items can be sorted.
    got: Vec<(u8, u64)>,
    tag: u8,
}

/// Hashes values of one session, remembering every node it has hashed.
pub struct Canon<'s> {
    s: &'s Session,
    memo: HashMap<NodeId, u64>,
    opaque: HashSet<NodeId>,
    /// True once a payload was too long to hash whole.
    pub partial: bool,
}

impl<'s> Canon<'s> {
    pub fn new(s: &'s Session) -> Canon<'s> {
        // The module and its namespace dict stand for "this module": a
        // function's globals must not pull every other name into its hash.
        let opaque = s.module_node.into_iter().chain(s.dict_node).collect();
        Canon {
            s,
            memo: HashMap::new(),
            opaque,
            partial: false,
        }
    }

    /// The canonical hash of the value at `root`.
    pub fn hash(&mut self, root: NodeId) -> u64 {
        if let Some(&h) = self.memo.get(&root) {
            return h;
        }
        if self.opaque.contains(&root) {
            return OPAQUE;
        }
        let mut on_stack: HashMap<NodeId, usize> = HashMap::new();
        let mut stack = vec![self.frame(root)];
        on_stack.insert(root, 0);
        loop {
            let depth = stack.len();
            let Some(top) = stack.last_mut() else {
                return 0;
            };
            if let Some(&item) = top.items.get(top.pos) {
                top.pos += 1;
                match item {
                    Item::Tag(t) => top.tag = t,
                    Item::Node(c) => {
                        let tag = top.tag;
                        if self.opaque.contains(&c) {
                            top.got.push((tag, OPAQUE));
                        } else if let Some(&h) = self.memo.get(&c) {
                            top.got.push((tag, h));
                        } else if let Some(&at) = on_stack.get(&c) {
                            top.got.push((tag, BACK ^ (depth - at) as u64));
                        } else if depth >= MAX_DEPTH {
                            top.got.push((tag, DEEP));
                            self.partial = true;
                        } else {
                            on_stack.insert(c, depth);
                            stack.push(self.frame(c));
                        }
                    }
                }
                continue;
            }
            let Some(done) = stack.pop() else {
                return 0;
            };
            let h = self.finish(done.id, done.got);
            self.memo.insert(done.id, h);
            on_stack.remove(&done.id);
            match stack.last_mut() {
                Some(parent) => {
                    let tag = parent.tag;
                    parent.got.push((tag, h));
                }
                None => return h,
            }
        }
    }

    fn frame(&self, id: NodeId) -> Frame {
        Frame {
            id,
            items: self.items(id),
            pos: 0,
            got: Vec::new(),
            tag: 0,
        }
    }

    /// The children to hash, tagged by where they hang (arguments, each effect kind, post-processing).
    fn items(&self, id: NodeId) -> Vec<Item> {
        let p = &self.s.program;
        let n = p.node(id);
        let mut out = vec![Item::Tag(1)];
        match n.kind {
            // The name is hashed as text; its two string nodes add nothing.
            NodeKind::StackGlobal | NodeKind::Global => {}
            NodeKind::Reduce | NodeKind::NewObj => {
                out.push(Item::Node(NodeId(n.a)));
                out.push(Item::Node(NodeId(n.b)));
            }
            NodeKind::PersId if n.code == Opcode::BinPersId => out.push(Item::Node(NodeId(n.a))),
            k if k.has_items() => out.extend(p.items(id).iter().map(|&c| Item::Node(c))),
            _ => {}
        }
        for e in p.effects_on(id) {
            out.push(Item::Tag(10 + p.effect(e).kind as u8));
            out.extend(p.effect_args(e).iter().map(|&c| Item::Node(c)));
        }
        if let Some(calls) = self.s.post.calls.get(&id) {
            out.push(Item::Tag(20));
            out.extend(
                calls
                    .iter()
                    .filter(|&&c| !self.is_default_qualname(id, c))
                    .map(|&c| Item::Node(c)),
            );
        }
        out
    }

    /// dill ≥ 0.3.7 sets `cls.__qualname__` even when it equals the class
    /// name, which Python does anyway: that call says nothing about content.
    fn is_default_qualname(&self, class: NodeId, call: NodeId) -> bool {
        let p = &self.s.program;
        let args = p.items(NodeId(p.node(call).b));
        let [_, attr, value] = args else {
            return false;
        };
        if p.text(*attr).as_deref() != Some("__qualname__")
            || p.node(class).kind != NodeKind::Reduce
        {
            return false;
        }
        let name = p
            .items(NodeId(p.node(class).b))
            .get(1)
            .and_then(|&n| p.text(n));
        name.is_some() && name == p.text(*value)
    }

    fn finish(&mut self, id: NodeId, mut got: Vec<(u8, u64)>) -> u64 {
        let p = &self.s.program;
        let kind = p.node(id).kind;
        // Set order follows string hashes, which change from one process to the next.
        if matches!(kind, NodeKind::Set | NodeKind::FrozenSet) {
            got.sort_unstable();
        }
        let mut h = DefaultHasher::new();
        (kind as u8).hash(&mut h);
        self.own(id, &mut h);
        got.hash(&mut h);
        h.finish()
    }

    /// What the node itself holds: a scalar, a global's name, an extension code.
    fn own(&mut self, id: NodeId, h: &mut DefaultHasher) {
        let p = &self.s.program;
        let n = p.node(id);
        match n.kind {
            NodeKind::Global | NodeKind::StackGlobal | NodeKind::Inst => {
                let name = match n.kind {
                    NodeKind::Inst => p.global_pair(id).map(|(m, q)| format!("{m}.{q}")),
                    _ => global_name(p, id).map(|q| canonical_global(&q.to_string())),
                };
                name.hash(h);
            }
            NodeKind::Str | NodeKind::Bytes | NodeKind::ByteArray => self.payload(id, h),
            NodeKind::Ext | NodeKind::Buffer => p.op_int(id).hash(h),
            NodeKind::PersId if n.code != Opcode::BinPersId => p.text(id).hash(h),
            _ => match p.scalar(id, 0) {
                Some(Scalar::Int(i)) => i.to_string().hash(h),
                Some(Scalar::BigInt(s)) => s.hash(h),
                Some(Scalar::Float(f)) => f.to_bits().hash(h),
                Some(Scalar::Bool(b)) => b.hash(h),
                _ => {}
            },
        }
    }

    /// Hashes a string or bytes payload as (length, raw bytes), reading only what is there.
    fn payload(&mut self, id: NodeId, h: &mut DefaultHasher) {
        let p = &self.s.program;
        let Some((at, len)) = p.payload_span(id) else {
            // Text-line ops (protocol 0): short, decoded by the reader.
            // Read a short head first: the reader fetches `max` bytes up front.
            let read = |max| match p.scalar(id, max) {
                Some(Scalar::Str { text, len }) => (text.into_bytes(), len),
                Some(Scalar::Bytes { head, len }) => (head, len),
                _ => (Vec::new(), 0),
            };
            let (mut bytes, full) = read(SHORT_READ);
            if full > SHORT_READ {
                bytes = read(full.min(LINE_MAX)).0;
            }
            (bytes.len() as u64).hash(h);
            h.write(&bytes);
            return;
        };
        len.hash(h);
        let ranges = if len <= WHOLE_PAYLOAD {
            vec![(at, len)]
        } else {
            self.partial = true;
            vec![(at, PAYLOAD_ENDS), (at + len - PAYLOAD_ENDS, PAYLOAD_ENDS)]
        };
        for (start, n) in ranges {
            let whole = p.source.as_slice();
            if let Some(b) = whole.and_then(|w| w.get(start as usize..(start + n) as usize)) {
                h.write(b);
                continue;
            }
            let mut off = 0;
            while off < n {
                let chunk = (n - off).min(8 << 20);
                match p.source.bytes(start + off, chunk) {
                    Ok(b) => h.write(&b),
                    Err(_) => return,
                }
                off += chunk;
            }
        }
    }
}

const OPAQUE: u64 = 0x6d6f_6475_6c65_0001;
/// What stands for a value nested deeper than [`MAX_DEPTH`].
const DEEP: u64 = 0x6465_6570_0000_0001;
/// How deep a hash walks: a hostile 10,000,000-deep tuple chain must not cost
/// a frame per level (it took 2.25 GB). Deeper values count as "compared in part".
pub const MAX_DEPTH: usize = 10_000;
const BACK: u64 = 0x6261_636b_0000_0000;

/// numpy 1 and 2 name the same reconstructors under `numpy.core` and `numpy._core`.
fn canonical_global(name: &str) -> String {
    match name.strip_prefix("numpy.core.") {
        Some(rest) => format!("numpy._core.{rest}"),
        None => name.to_string(),
    }
}
