//! The machine's values as nodes of a [`Program`]: one packed node per value,
//! one packed effect per change, and the bytes each op takes attributed to the
//! node it makes or changes. Holds no payload: scalars are re-read on demand.

use super::Values;
use crate::pickle::program::{
    EffectKind, NodeId, NodeKind, NodeMap, Packed, PackedEffect, Program,
};
use crate::pickle::{Error, Opcode, Source};

pub(crate) struct Nodes {
    nodes: Vec<Packed>,
    sizes: Vec<u16>,
    big_sizes: NodeMap<u64>,
    items: Vec<NodeId>,
    effects: Vec<PackedEffect>,
    effect_args: Vec<NodeId>,
    spans: Vec<(u32, Vec<u64>)>,
}

/// What the machine knows when the walk ends.
pub(crate) struct End {
    pub protocol: u8,
    pub protocols: Vec<(u64, u8)>,
    pub root: Option<NodeId>,
    pub error: Option<Error>,
    pub open_stack: Vec<Option<NodeId>>,
    pub open_starts: Vec<u64>,
    pub end_offset: u64,
    pub ops: u64,
}

impl Nodes {
    pub(crate) fn new(input_len: u64) -> Nodes {
        // Every node takes at least one op byte, most two or more. Reserving for that
        // avoids copying the arrays as they grow; pages never written are never resident.
        let guess = usize::try_from(input_len / 5)
            .unwrap_or(usize::MAX)
            .min(1 << 30);
        Nodes {
            nodes: Vec::with_capacity(guess),
            sizes: Vec::with_capacity(guess),
            big_sizes: NodeMap::default(),
            items: Vec::with_capacity(guess),
            effects: Vec::with_capacity(guess / 4),
            effect_args: Vec::with_capacity(guess / 2),
            spans: Vec::new(),
        }
    }

    #[inline(always)]
    fn push(
        &mut self,
        kind: NodeKind,
        code: Opcode,
        at: u64,
        a: u32,
        b: u32,
        bytes: u64,
    ) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Packed::new(kind, code, at, a, b));
        self.sizes.push(0);
        self.add(id, bytes);
        id
    }

    #[inline(always)]
    fn add(&mut self, id: NodeId, bytes: u64) {
        // Most nodes take a few bytes: 16 bits each, with the rare big ones in a map.
        let slot = &mut self.sizes[id.index()];
        let total = u64::from(*slot).saturating_add(bytes);
        if *slot != u16::MAX && total < u64::from(u16::MAX) {
            *slot = total as u16;
        } else {
            self.add_big(id, bytes);
        }
    }

    #[cold]
    fn add_big(&mut self, id: NodeId, bytes: u64) {
        let slot = &mut self.sizes[id.index()];
        if *slot == u16::MAX {
            *self.big_sizes.entry(id).or_insert(0) += bytes;
        } else {
            self.big_sizes.insert(id, u64::from(*slot) + bytes);
            *slot = u16::MAX;
        }
    }

    pub(crate) fn into_program(self, source: Source, end: End) -> Program {
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
        Program {
            source,
            protocol: end.protocol,
            protocols: end.protocols,
            nodes: self.nodes,
            sizes: self.sizes,
            big_sizes: self.big_sizes,
            items: self.items,
            effects: self.effects,
            effect_args: self.effect_args,
            by_target,
            has_effects,
            root: end.root,
            error: end.error,
            open_stack: end.open_stack,
            open_starts: end.open_starts,
            spans: self.spans,
            end_offset: end.end_offset,
            ops: end.ops,
        }
    }
}

impl Values for Nodes {
    type V = NodeId;
    const HOLE: NodeId = NodeId(u32::MAX);

    fn made(&self) -> u64 {
        (self.nodes.len() + self.items.len() + self.effects.len() + self.effect_args.len()) as u64
    }

    #[inline(always)]
    fn leaf(&mut self, kind: NodeKind, code: Opcode, at: u64, _raw: &[u8], bytes: u64) -> NodeId {
        self.push(kind, code, at, 0, 0, bytes)
    }

    #[inline(always)]
    fn pair(
        &mut self,
        kind: NodeKind,
        code: Opcode,
        at: u64,
        bytes: u64,
        a: NodeId,
        b: NodeId,
    ) -> NodeId {
        self.push(kind, code, at, a.0, b.0, bytes)
    }

    #[inline(always)]
    fn one(&mut self, kind: NodeKind, code: Opcode, at: u64, bytes: u64, a: NodeId) -> NodeId {
        self.push(kind, code, at, a.0, 0, bytes)
    }

    #[inline(always)]
    fn seq(
        &mut self,
        kind: NodeKind,
        code: Opcode,
        at: u64,
        bytes: u64,
        items: &[NodeId],
    ) -> NodeId {
        let start = self.items.len() as u32;
        self.items.extend_from_slice(items);
        self.push(kind, code, at, start, items.len() as u32, bytes)
    }

    #[inline(always)]
    fn effect(
        &mut self,
        kind: EffectKind,
        at: u64,
        bytes: u64,
        target: NodeId,
        args: &[NodeId],
        starts: Option<&[u64]>,
    ) {
        // Effects on the outermost values (a module dump's namespace dict sits at index 1,
        // a plain dict at 0) keep where each argument began, so entries have byte ranges.
        if let Some(starts) = starts {
            self.spans
                .push((self.effects.len() as u32, starts.to_vec()));
        }
        self.add(target, bytes);
        self.effects.push(PackedEffect::new(
            kind,
            target,
            at,
            self.effect_args.len() as u32,
        ));
        self.effect_args.extend_from_slice(args);
    }

    #[inline(always)]
    fn popped(&mut self, at: u64, bytes: u64, v: NodeId) {
        self.add(v, bytes);
        self.effects.push(PackedEffect::new(
            EffectKind::Pop,
            v,
            at,
            self.effect_args.len() as u32,
        ));
    }

    #[inline(always)]
    fn add_size(&mut self, v: NodeId, bytes: u64) {
        self.add(v, bytes);
    }
}
