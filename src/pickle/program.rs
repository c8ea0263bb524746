//! What the symbolic machine produces: nodes in creation order, effects in
//! stream order, and a root. Values are never decoded here; a node remembers
//! the op that made it, so scalars are read back from the input on demand.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{Opcode, Source};

/// Hashes node ids (small, dense integers) with one multiply instead of SipHash.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by node id.
pub type NodeMap<V> = HashMap<NodeId, V, BuildHasherDefault<IdHasher>>;

/// Index of a node in [`Program::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A memo slot number as written in the pickle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemoKey(pub u32);

/// What made a node. Scalars keep no payload: it is re-read from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeKind {
    None,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    ByteArray,
    /// An out-of-band buffer (NEXT_BUFFER); `a` is its index.
    Buffer,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    /// GLOBAL: module and name are the op's two lines.
    Global,
    /// STACK_GLOBAL: `a` module node, `b` name node.
    StackGlobal,
    /// EXT1/2/4: the extension code is the op's argument.
    Ext,
    /// REDUCE: `a` callable, `b` argument tuple.
    Reduce,
    /// NEWOBJ: `a` class, `b` argument tuple.
    NewObj,
    /// NEWOBJ_EX: items are class, args, kwargs.
    NewObjEx,
    /// INST: module and name in the op's lines; items are the arguments.
    Inst,
    /// OBJ: items are the class then the arguments.
    Obj,
    /// PERSID (text id) or BINPERSID (`a` is the id node).
    PersId,
}

impl NodeKind {
    /// Kinds whose children live in the items arena (`a` = start, `b` = count).
    pub fn has_items(self) -> bool {
        use NodeKind::*;
        matches!(
            self,
            List | Tuple | Dict | FrozenSet | NewObjEx | Inst | Obj
        )
    }
}

/// One value the pickle creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub code: Opcode,
    /// Byte offset of the op that created it.
    pub offset: u64,
    pub a: u32,
    pub b: u32,
}

/// A node as stored: 16 bytes, the offset sharing a word with the opcode and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed {
    /// Offset in the low 48 bits, the opcode byte above it, the kind in the top byte.
    word: u64,
    a: u32,
    b: u32,
}

const OFFSET_BITS: u32 = 48;

impl Packed {
    pub(crate) fn new(kind: NodeKind, code: Opcode, offset: u64, a: u32, b: u32) -> Packed {
        let word = (offset & ((1 << OFFSET_BITS) - 1))
            | (u64::from(code as u8) << OFFSET_BITS)
            | ((kind as u64) << 56);
        Packed { word, a, b }
    }

    fn unpack(self) -> Node {
        let code =
            Opcode::from_byte((self.word >> OFFSET_BITS) as u8).expect("stored from an Opcode");
        let kind = NodeKind::from_u8((self.word >> 56) as u8);
        Node {
            kind,
            code,
            offset: self.word & ((1 << OFFSET_BITS) - 1),
            a: self.a,
            b: self.b,
        }
    }
}

impl NodeKind {
    /// The kind for a byte written by [`Packed::new`].
    fn from_u8(b: u8) -> NodeKind {
        use NodeKind::*;
        const ALL: [NodeKind; 22] = [
            None,
            Bool,
            Int,
            Float,
            Str,
            Bytes,
            ByteArray,
            Buffer,
            List,
            Tuple,
            Dict,
            Set,
            FrozenSet,
            Global,
            StackGlobal,
            Ext,
            Reduce,
            NewObj,
            NewObjEx,
            Inst,
            Obj,
            PersId,
        ];
        ALL[usize::from(b).min(ALL.len() - 1)]
    }
}

/// A mutation of an existing node, or a value thrown away by POP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EffectKind {
    /// APPEND / APPENDS: args are the items.
    Append,
    /// SETITEM / SETITEMS: args are key, value, key, value…
    SetItems,
    /// ADDITEMS: args are the items.
    AddItems,
    /// BUILD: one arg, the state.
    Build,
    /// POP of a finished value: no args. dill's post-processing calls end this way.
    Pop,
}

/// One effect, in stream order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effect {
    pub kind: EffectKind,
    pub target: NodeId,
    /// Byte offset of the op (SETITEMS, BUILD, POP…).
    pub offset: u64,
    pub(crate) args_start: u32,
}

/// An effect as stored: 16 bytes, the offset sharing a word with the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PackedEffect {
    word: u64,
    target: u32,
    args_start: u32,
}

impl PackedEffect {
    pub(crate) fn new(
        kind: EffectKind,
        target: NodeId,
        offset: u64,
        args_start: u32,
    ) -> PackedEffect {
        let word = (offset & ((1 << OFFSET_BITS) - 1)) | ((kind as u64) << 56);
        PackedEffect {
            word,
            target: target.0,
            args_start,
        }
    }

    fn unpack(self) -> Effect {
        use EffectKind::*;
        let kind =
            [Append, SetItems, AddItems, Build, Pop][usize::from((self.word >> 56) as u8).min(4)];
        Effect {
            kind,
            target: NodeId(self.target),
            offset: self.word & ((1 << OFFSET_BITS) - 1),
            args_start: self.args_start,
        }
    }

    pub(crate) fn target(self) -> NodeId {
        NodeId(self.target)
    }
}

/// The symbolic result of running a pickle.
pub struct Program {
    pub source: Source,
    pub protocol: u8,
    /// Every PROTO op: its offset and the protocol it sets, in stream order. The
    /// unpickler's protocol changes at each (a file can switch), and name
    /// mapping depends on it.
    pub protocols: Vec<(u64, u8)>,
    pub(crate) nodes: Vec<Packed>,
    /// Bytes of the input attributed to each node (its own ops, not its children's).
    /// Per node; `u16::MAX` means "see `big_sizes`".
    pub(crate) sizes: Vec<u16>,
    pub(crate) big_sizes: NodeMap<u64>,
    pub(crate) items: Vec<NodeId>,
    pub(crate) effects: Vec<PackedEffect>,
    pub(crate) effect_args: Vec<NodeId>,
    /// Effects sorted by target (stable), for per-node lookup.
    pub(crate) by_target: Vec<(u32, u32)>,
    /// One bit per node: some effect targets it.
    pub(crate) has_effects: Vec<u64>,
    pub root: Option<NodeId>,
    /// Where and why parsing stopped early (a cut or corrupt input).
    pub error: Option<super::Error>,
    /// The stack at the point parsing stopped, outermost first; `None` is a MARK.
    pub open_stack: Vec<Option<NodeId>>,
    /// Where each value (or MARK) of `open_stack` began.
    pub open_starts: Vec<u64>,
    /// For effects on the outermost values: (effect index, where each argument began).
    pub spans: Vec<(u32, Vec<u64>)>,
    /// Offset just past the last op that was run.
    pub end_offset: u64,
    pub ops: u64,
}

impl Program {
    /// The node; returned by value (it is stored packed).
    pub fn node(&self, id: NodeId) -> Node {
        self.nodes[id.index()].unpack()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, Node)> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(i as u32), n.unpack()))
    }

    /// The items of a node built from a list of stack values.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        let n = self.node(id);
        if !n.kind.has_items() {
            return &[];
        }
        &self.items[n.a as usize..(n.a + n.b) as usize]
    }

    /// Bytes of input attributed to this node alone.
    pub fn size(&self, id: NodeId) -> u64 {
        match self.sizes[id.index()] {
            u16::MAX => self
                .big_sizes
                .get(&id)
                .copied()
                .unwrap_or(u64::from(u16::MAX)),
            s => u64::from(s),
        }
    }

    /// Every effect, in stream order.
    pub fn effects(&self) -> impl Iterator<Item = Effect> + '_ {
        self.effects.iter().map(|e| e.unpack())
    }

    /// One effect, by index.
    pub fn effect(&self, index: usize) -> Effect {
        self.effects[index].unpack()
    }

    pub fn effect_count(&self) -> usize {
        self.effects.len()
    }

    pub fn effect_args(&self, index: usize) -> &[NodeId] {
        let start = self.effects[index].args_start as usize;
        let end = self
            .effects
            .get(index + 1)
            .map_or(self.effect_args.len(), |e| e.args_start as usize);
        &self.effect_args[start..end]
    }

    /// Indices (into [`Program::effects`]) of the effects on `id`, in stream order.
    pub fn effects_on(&self, id: NodeId) -> impl Iterator<Item = usize> + '_ {
        let any = self
            .has_effects
            .get(id.index() / 64)
            .is_some_and(|w| w & (1 << (id.0 % 64)) != 0);
        let start = if any {
            self.by_target.partition_point(|&(t, _)| t < id.0)
        } else {
            self.by_target.len()
        };
        self.by_target[start..]
            .iter()
            .take_while(move |&&(t, _)| t == id.0)
            .map(|&(_, e)| e as usize)
    }

    /// True when the pickle ran to STOP.
    pub fn complete(&self) -> bool {
        self.error.is_none() && self.root.is_some()
    }

    /// Every direct child of a node: its arguments, then the arguments of effects on it.
    pub fn children(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        self.for_each_child(id, |c| out.push(c));
        out
    }

    /// Calls `f` with each direct child of a node, as [`Program::children`] lists them.
    pub fn for_each_child(&self, id: NodeId, mut f: impl FnMut(NodeId)) {
        let n = self.node(id);
        match n.kind {
            NodeKind::StackGlobal | NodeKind::Reduce | NodeKind::NewObj => {
                f(NodeId(n.a));
                f(NodeId(n.b));
            }
            NodeKind::PersId if n.code == Opcode::BinPersId => f(NodeId(n.a)),
            k if k.has_items() => self.items(id).iter().for_each(|&c| f(c)),
            _ => {}
        }
        for e in self.effects_on(id) {
            self.effect_args(e).iter().for_each(|&c| f(c));
        }
    }
}
