//! Bytes that dropping an entry would save: the bytes of nodes reachable from
//! that entry and from no other. Iterative, linear in the size of the program.

use crate::pickle::{NodeId, NodeMap, Program};

const UNSEEN: u32 = u32::MAX;
const SHARED: u32 = u32::MAX - 1;
const PINNED: u32 = u32::MAX - 2;

/// Labels every node with the one entry that reaches it (or shared), and sums sizes.
///
/// `roots[i]` are the nodes entry `i` holds directly (key and value); `pinned` are
/// nodes that belong to the file's frame (the module object, the namespace dict).
/// `attached` adds edges that are not in the program: post-processing calls hang
/// off the object they change.
pub fn exclusive_sizes(
    p: &Program,
    roots: &[Vec<NodeId>],
    pinned: &[NodeId],
    attached: &NodeMap<Vec<NodeId>>,
) -> Vec<u64> {
    let mut owner = vec![UNSEEN; p.node_count()];
    for &n in pinned {
        owner[n.index()] = PINNED;
    }
    let mut stack: Vec<NodeId> = Vec::new();
    for (i, rs) in roots.iter().enumerate() {
        let me = i as u32;
        stack.extend(rs.iter().copied());
        while let Some(n) = stack.pop() {
            let o = &mut owner[n.index()];
            if *o == me || *o == SHARED || *o == PINNED {
                continue;
            }
            // Reached from a second entry: shared, and so is everything below it.
            *o = if *o == UNSEEN { me } else { SHARED };
            push_children(p, n, attached, &mut stack);
        }
    }
    // Anything below a shared node is shared too: propagate.
    let shared: Vec<NodeId> = owner
        .iter()
        .enumerate()
        .filter(|(_, o)| **o == SHARED)
        .map(|(i, _)| NodeId(i as u32))
        .collect();
    let mut stack = Vec::new();
    for s in shared {
        push_children(p, s, attached, &mut stack);
        while let Some(n) = stack.pop() {
            if matches!(owner[n.index()], SHARED | UNSEEN | PINNED) {
                continue;
            }
            owner[n.index()] = SHARED;
            push_children(p, n, attached, &mut stack);
        }
    }
    let mut sizes = vec![0u64; roots.len()];
    for (i, &o) in owner.iter().enumerate() {
        if (o as usize) < sizes.len() {
            sizes[o as usize] += p.size(NodeId(i as u32));
        }
    }
    sizes
}

fn push_children(p: &Program, n: NodeId, attached: &NodeMap<Vec<NodeId>>, stack: &mut Vec<NodeId>) {
    p.for_each_child(n, |c| stack.push(c));
    if let Some(a) = attached.get(&n) {
        stack.extend(a.iter().copied());
    }
}
