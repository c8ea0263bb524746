//! The machine's values as bare numbers: nodes and effects are counted, not
//! kept. What the writer needs to follow a stream it has parsed once already
//! (the same numbering as [`super::Nodes`]) without that parse's memory.

use super::Values;
use crate::pickle::Opcode;
use crate::pickle::program::{EffectKind, NodeId, NodeKind};

#[derive(Default)]
pub(crate) struct Counter {
    pub nodes: u32,
    pub effects: u32,
}

impl Counter {
    #[inline(always)]
    fn next(&mut self) -> NodeId {
        let id = NodeId(self.nodes);
        self.nodes += 1;
        id
    }
}

impl Values for Counter {
    type V = NodeId;
    const HOLE: NodeId = NodeId(u32::MAX);

    fn leaf(&mut self, _: NodeKind, _: Opcode, _: u64, _: &[u8], _: u64) -> NodeId {
        self.next()
    }

    fn pair(&mut self, _: NodeKind, _: Opcode, _: u64, _: u64, _: NodeId, _: NodeId) -> NodeId {
        self.next()
    }

    fn one(&mut self, _: NodeKind, _: Opcode, _: u64, _: u64, _: NodeId) -> NodeId {
        self.next()
    }

    fn seq(&mut self, _: NodeKind, _: Opcode, _: u64, _: u64, _: &[NodeId]) -> NodeId {
        self.next()
    }

    fn effect(
        &mut self,
        _: EffectKind,
        _: u64,
        _: u64,
        _: NodeId,
        _: &[NodeId],
        _: Option<&[u64]>,
    ) {
        self.effects += 1;
    }

    fn popped(&mut self, _: u64, _: u64, _: NodeId) {
        self.effects += 1;
    }

    fn add_size(&mut self, _: NodeId, _: u64) {}
}
