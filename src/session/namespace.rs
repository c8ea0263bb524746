//! Finding the namespace in a program: the dill module dump
//! (`_import_module(NAME)` ← BUILD {namespace}), a plain dict pickle, or any
//! other root; and, for a cut file, the names that were complete before the cut.

use super::describe::Describer;
use super::names::global_name;
use crate::pickle::{EffectKind, NodeId, NodeKind, Program};

/// What kind of pickle the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A dill session / module dump.
    DillModule,
    /// Any other pickle.
    Pickle,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::DillModule => "dill-module",
            Format::Pickle => "pickle",
        }
    }
}

/// One stored name before description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub name: String,
    pub key: Option<NodeId>,
    pub value: NodeId,
}

/// Where the namespace is.
pub struct Located {
    pub format: Format,
    pub module_node: Option<NodeId>,
    pub module: Option<String>,
    pub dict: Option<NodeId>,
    pub entries: Vec<RawEntry>,
    /// For a cut file: the key whose value was being read when the input ended.
    pub cut_at_key: Option<String>,
}

/// The bookkeeping keys of `refimported` dumps.
pub const DILL_IMPORTED_KEYS: [&str; 3] = [
    "__dill_imported",
    "__dill_imported_as",
    "__dill_imported_top_level",
];

pub fn locate(d: &Describer) -> Located {
    let p = d.p;
    if let Some(root) = p.root {
        if let Some(l) = module_dump(d, root, None) {
            return l;
        }
        return plain(d, root, None);
    }
    // A cut file: look at what was left on the stack.
    let stack = &p.open_stack;
    let Some(Some(bottom)) = stack.first().copied() else {
        return empty();
    };
    if let Some(l) = module_dump(d, bottom, Some(&stack[1..])) {
        return l;
    }
    plain(d, bottom, Some(&stack[1..]))
}

fn empty() -> Located {
    Located {
        format: Format::Pickle,
        module_node: None,
        module: None,
        dict: None,
        entries: Vec::new(),
        cut_at_key: None,
    }
}

fn is_import_module(d: &Describer, id: NodeId) -> Option<String> {
    let p = d.p;
    if p.node(id).kind != NodeKind::Reduce {
        return None;
    }
    let q = global_name(p, NodeId(p.node(id).a))?;
    if !q.is_dill("_import_module") {
        return None;
    }
    p.text(*p.items(NodeId(p.node(id).b)).first()?)
}

fn module_dump(d: &Describer, root: NodeId, rest: Option<&[Option<NodeId>]>) -> Option<Located> {
    let name = is_import_module(d, root)?;
    // Complete (or cut after the BUILD): the namespace is the BUILD state.
    let (dict, pending) = match d.build_state(root) {
        Some(state) => (state, None),
        None => {
            let rest = rest?;
            let dict = (*rest.first()?)?;
            (dict, Some(&rest[1..]))
        }
    };
    if d.p.node(dict).kind != NodeKind::Dict {
        return None;
    }
    let (entries, cut_at_key) = dict_entries(d, dict, pending);
    Some(Located {
        format: Format::DillModule,
        module_node: Some(root),
        module: Some(name),
        dict: Some(dict),
        entries,
        cut_at_key,
    })
}

fn plain(d: &Describer, root: NodeId, rest: Option<&[Option<NodeId>]>) -> Located {
    let p = d.p;
    if p.node(root).kind == NodeKind::Dict {
        let pending = rest;
        let (entries, cut) = dict_entries(d, root, pending);
        let all_str = entries
            .iter()
            .all(|e| e.key.is_none_or(|k| p.node(k).kind == NodeKind::Str));
        if all_str && (!entries.is_empty() || d.dict_items(root).is_empty()) {
            return Located {
                format: Format::Pickle,
                module_node: None,
                module: None,
                dict: Some(root),
                entries,
                cut_at_key: cut,
            };
        }
    }
    let entries = if rest.is_some() && p.node(root).kind != NodeKind::Dict {
        // A cut pickle whose root is not a namespace: nothing is known to be complete.
        Vec::new()
    } else {
        vec![RawEntry {
            name: "<root>".into(),
            key: None,
            value: root,
        }]
    };
    Located {
        format: Format::Pickle,
        module_node: None,
        module: None,
        dict: None,
        entries,
        cut_at_key: None,
    }
}

/// The items of a namespace dict, plus (for a cut file) the complete pairs still on the stack.
fn dict_entries(
    d: &Describer,
    dict: NodeId,
    pending: Option<&[Option<NodeId>]>,
) -> (Vec<RawEntry>, Option<String>) {
    let p = d.p;
    let mut pairs = d.dict_items(dict);
    let mut cut_at_key = None;
    if let Some(rest) = pending {
        // After the dict: MARK, then key, value, key, value… up to the next MARK.
        if rest.first() == Some(&None) {
            let seg: Vec<NodeId> = rest[1..].iter().map_while(|x| *x).collect();
            // Where each segment value began (the open stack has the dict, its MARK, then these).
            let at = p
                .open_stack
                .iter()
                .position(|x| *x == Some(dict))
                .map_or(usize::MAX, |i| i + 2);
            let starts: Vec<u64> = p.open_starts.get(at..).unwrap_or(&[]).to_vec();
            let mut i = 0;
            while i + 1 < seg.len() {
                let (k, v) = (seg[i], seg[i + 1]);
                // A pair is complete once the next key has been read in full. When the value
                // could be a callable still waiting for its arguments (a class or reconstructor
                // reference), a string after it may be an argument: then only a whole complete
                // pair after it proves the call was not under way.
                let next_started = if could_be_callee(d, v, starts.get(i + 1).copied()) {
                    pair_complete_after(d, &seg, &starts, i + 2)
                } else {
                    seg.get(i + 2)
                        .is_some_and(|&n| is_next_key(p, &seg[i + 2..], n))
                };
                let after = seg.len() - (i + 2);
                // What follows may still be the value's own last pieces: a single `k v SETITEM`
                // or `v APPEND` into a container, or (protocol 4+) a string value that is really
                // the module operand of a STACK_GLOBAL, with the next "key" its name operand.
                let maybe_own_items = takes_items(d, v) && after <= 2;
                let maybe_operands =
                    p.protocol >= 4 && p.node(v).kind == NodeKind::Str && after == 1;
                let next_started = next_started && !maybe_own_items && !maybe_operands;
                // A last value that can no longer change (a str, a number, a tuple) is complete
                // even when nothing follows: writers flush whole frames, so cuts land there.
                // Only where the cut provably fell on such a flush (the end of a frame): cut
                // anywhere else, a number may be the first item of a tuple still being built.
                let last_closed = i + 2 == seg.len()
                    && seg.len() + 1 == rest.len()
                    && is_closed(p, v)
                    && cut_at_frame_end(p);
                if p.node(k).kind != NodeKind::Str || !(next_started || last_closed) {
                    break;
                }
                pairs.push((k, v));
                i += 2;
            }
            cut_at_key = seg.get(i).and_then(|&k| p.text(k));
        }
    }
    let entries = pairs
        .into_iter()
        .map(|(k, v)| RawEntry {
            name: key_name(d, k),
            key: Some(k),
            value: v,
        })
        .collect();
    (entries, cut_at_key)
}

/// True when a value node may be the callable of a REDUCE whose arguments were being built.
/// A call made right here (a REDUCE that began in this slot) is a finished value, not a callee;
/// a class or reconstructor pushed again from the memo, or a global reference, may be one.
fn could_be_callee(d: &Describer, v: NodeId, slot_start: Option<u64>) -> bool {
    use super::knowledge::{Known, Returns, lookup};
    let p = d.p;
    match p.node(v).kind {
        NodeKind::Global | NodeKind::StackGlobal => {}
        NodeKind::Reduce if slot_start.is_some_and(|st| p.node(v).offset < st) => {}
        _ => return false,
    }
    if d.class_of(v).is_some() {
        return true;
    }
    let Some(q) = global_name(p, v) else {
        return false;
    };
    match lookup(&q) {
        Some(Known::Dill(_)) => true,
        Some(Known::Func { returns, .. }) => !matches!(returns, Returns::Unknown),
        _ => false,
    }
}

/// True when the pair starting at `at` in the segment is itself complete (recursively).
fn pair_complete_after(d: &Describer, seg: &[NodeId], starts: &[u64], at: usize) -> bool {
    let p = d.p;
    let mut i = at;
    loop {
        let (Some(&k), Some(&v)) = (seg.get(i), seg.get(i + 1)) else {
            return false;
        };
        let next = seg
            .get(i + 2)
            .is_some_and(|&n| is_next_key(p, &seg[i + 2..], n));
        if p.node(k).kind != NodeKind::Str || !next {
            return false;
        }
        if !could_be_callee(d, v, starts.get(i + 1).copied()) {
            return true;
        }
        i += 2;
    }
}

/// True when `n` (with `after` following it on the stack) is a namespace key, not the
/// start of dill's post-processing call (`STACK_GLOBAL 'builtins' 'setattr'` / `'getattr'`).
fn is_next_key(p: &Program, after: &[NodeId], n: NodeId) -> bool {
    if p.node(n).kind != NodeKind::Str {
        return false;
    }
    let text = p.text(n).unwrap_or_default();
    let module_like = matches!(
        text.as_str(),
        "builtins" | "dill._dill" | "dill" | "abc" | "copyreg"
    );
    if !module_like {
        return true;
    }
    match after.get(1) {
        // 'builtins' then a str: the operands of STACK_GLOBAL.
        Some(&next) => p.node(next).kind != NodeKind::Str,
        // Cut right after it: it cannot be told from a key yet.
        None => false,
    }
}

/// Containers that a single `k v SETITEM` or `v APPEND` (no MARK) may still be filling.
fn takes_items(d: &Describer, v: NodeId) -> bool {
    if last_batch_was_short(d.p, v) {
        return false;
    }
    match d.p.node(v).kind {
        NodeKind::Dict | NodeKind::List | NodeKind::Set => true,
        NodeKind::Reduce | NodeKind::NewObj | NodeKind::NewObjEx => {
            let t = d.type_of(v);
            t.as_str().starts_with("collections.") || !t.is_known()
        }
        _ => false,
    }
}

/// True when the input ends exactly where a protocol 4+ frame ends: the writer flushed
/// whole frames and the cut fell between two of them. Follows the chain of FRAME headers
/// from the start; anything else (no frames, an unframed large object) proves nothing.
fn cut_at_frame_end(p: &Program) -> bool {
    const FRAME: u8 = 0x95;
    if p.protocol < 4 {
        return false;
    }
    let end = p.source.len();
    let mut at: u64 = 2;
    // A file of frames of at least 64 KiB each; a bound on the walk all the same.
    for _ in 0..1_000_000 {
        if at == end {
            return true;
        }
        let mut head = [0u8; 9];
        let got = p.source.read_at(at, &mut head).unwrap_or(0);
        // A frame, or a large bytes/str object the writer put between frames
        // (`_Framer.write_large_bytes`): its opcode and length, then the payload.
        let (header, len) = match head[0] {
            FRAME | 0x8d | 0x8e | 0x96 if got == 9 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&head[1..]);
                (9, u64::from_le_bytes(n))
            }
            b'B' | b'X' if got >= 5 => {
                let mut n = [0u8; 4];
                n.copy_from_slice(&head[1..5]);
                (5, u64::from(u32::from_le_bytes(n)))
            }
            _ => return false,
        };
        at = match at.checked_add(header).and_then(|x| x.checked_add(len)) {
            Some(x) if x <= end => x,
            _ => return false,
        };
    }
    false
}

/// pickle's `Pickler` (which dill is) writes a container's items in batches of
/// `BATCHSIZE` = 1000 (protocol 1 on; protocol 0 writes one APPEND/SETITEM per item), and
/// only the last batch may be shorter: after a batch of fewer than 1000 items (or pairs)
/// nothing is added to that container again. Whatever follows it on the stack is the
/// namespace's next key, not one of its items.
fn last_batch_was_short(p: &Program, v: NodeId) -> bool {
    const BATCHSIZE: usize = 1000;
    let last = p
        .effects_on(v)
        .filter(|&e| {
            matches!(
                p.effect(e).kind,
                EffectKind::Append | EffectKind::AddItems | EffectKind::SetItems
            )
        })
        .last();
    let Some(e) = last else { return false };
    // Batches are MARK-framed APPENDS / SETITEMS / ADDITEMS (protocol 1 has no PROTO
    // header, so the op tells); a lone APPEND or SETITEM counts only from protocol 2 on.
    let mut op = [0u8; 1];
    let batched = p
        .source
        .read_at(p.effect(e).offset, &mut op)
        .is_ok_and(|n| n == 1)
        && matches!(op[0], b'e' | b'u' | 0x90);
    if !batched && p.protocol < 2 {
        return false;
    }
    let n = p.effect_args(e).len();
    let items = if p.effect(e).kind == EffectKind::SetItems {
        n / 2
    } else {
        n
    };
    items < BATCHSIZE
}

/// Values that nothing later in the stream can add to. From protocol 4 on, a string may
/// instead be the module operand of a STACK_GLOBAL that starts the next value's call.
fn is_closed(p: &Program, v: NodeId) -> bool {
    use NodeKind::*;
    let kind = p.node(v).kind;
    let closed = matches!(
        kind,
        None | Bool | Int | Float | Str | Bytes | ByteArray | Tuple | FrozenSet
    );
    closed && !(kind == Str && p.protocol >= 4) && p.effects_on(v).next().is_none()
}

fn key_name(d: &Describer, k: NodeId) -> String {
    let p = d.p;
    match p.node(k).kind {
        NodeKind::Str | NodeKind::Bytes => p.text(k).unwrap_or_default(),
        _ => d.preview(k, 40),
    }
}

/// A reference a `refimported` dump stores instead of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRef {
    pub name: String,
    pub module: String,
    /// The attribute looked up in `module`; `None` for `__dill_imported_top_level` (the module itself).
    pub attr: Option<String>,
    /// The tuple that records it.
    pub node: NodeId,
}

/// Reads the three `__dill_imported*` lists.
pub fn imported_refs(d: &Describer, entries: &[RawEntry]) -> Vec<ImportRef> {
    let p = d.p;
    let mut out = Vec::new();
    for e in entries {
        let Some(which) = DILL_IMPORTED_KEYS.iter().position(|k| *k == e.name) else {
            continue;
        };
        for t in d.seq_items(e.value) {
            let s: Vec<String> = p
                .items(t)
                .iter()
                .map(|&x| p.text(x).unwrap_or_default())
                .collect();
            let r = match (which, s.as_slice()) {
                (0, [m, n]) => ImportRef {
                    name: n.clone(),
                    module: m.clone(),
                    attr: Some(n.clone()),
                    node: t,
                },
                (1, [m, orig, n]) => ImportRef {
                    name: n.clone(),
                    module: m.clone(),
                    attr: Some(orig.clone()),
                    node: t,
                },
                (2, [m, n]) => ImportRef {
                    name: n.clone(),
                    module: m.clone(),
                    attr: None,
                    node: t,
                },
                _ => continue,
            };
            out.push(r);
        }
    }
    out
}

/// True when a value is only ever POPped (a side-effect call), for reachability.
pub fn is_popped(p: &Program, id: NodeId) -> bool {
    p.effects_on(id)
        .any(|e| p.effect(e).kind == EffectKind::Pop)
}
