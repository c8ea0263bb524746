//! Editing a checkpoint without running it: drop names or keep only some, and
//! emit a pickle of the same protocol that real dill loads. Never evaluates
//! anything; the output is re-parsed and checked before anyone writes it.

pub mod pattern;
pub mod writer;

use std::collections::{HashMap, HashSet};

use crate::pickle::{EffectKind, NodeId};
use crate::session::namespace::DILL_IMPORTED_KEYS;
use crate::session::{Format, Session};
pub use writer::{Output, Part};

/// What an edit will do, before any byte is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Names that go.
    pub dropped: Vec<String>,
    /// Names that stay, in namespace order (names stored by reference last).
    pub kept: Vec<String>,
    /// Dropped names whose objects stay because kept names need them: (name, needed by).
    pub still_needed: Vec<(String, Vec<String>)>,
    /// Bytes the dropped entries account for (their exclusive sizes).
    pub bytes_saved: u64,
    /// Kept names that need names this edit drops: (kept name, the dropped names it uses).
    /// Loading or calling such a name fails (`NameError`); `--with-deps` keeps them.
    pub missing: Vec<(String, Vec<String>)>,
    /// What each kept name needs from the namespace (names with needs only).
    pub deps: Vec<(String, Vec<String>)>,
    /// Names kept only because kept names need them (`--with-deps`).
    pub kept_for_deps: Vec<String>,
}

impl Plan {
    /// One line per kept name that this edit breaks: `f uses math, config, which this edit drops`.
    pub fn warnings(&self) -> Vec<String> {
        self.missing
            .iter()
            .map(|(name, uses)| format!("{name} uses {}, which this edit drops", uses.join(", ")))
            .collect()
    }
}

/// The new pickle and the plan it carries out.
#[derive(Clone)]
pub struct Edited {
    pub output: Output,
    pub plan: Plan,
}

impl Edited {
    /// The whole new pickle in memory.
    pub fn to_vec(&self) -> std::io::Result<Vec<u8>> {
        self.output.to_vec()
    }
}

/// Why an edit cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no name '{0}' in this checkpoint")]
    NoSuchName(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the result did not check out: {0}")]
    Verify(String),
}

impl Session {
    /// Drops `names` and keeps the rest, like dill's `exclude`.
    pub fn dump_without(&self, names: &[&str]) -> Result<Edited, EditError> {
        for n in names {
            if self.entry(n).is_none() {
                return Err(EditError::NoSuchName(n.to_string()));
            }
        }
        let drop: HashSet<&str> = names.iter().copied().collect();
        slice(self, &drop, false)
    }

    /// Drops `names` except those that kept names need (`filter --with-deps`).
    pub fn dump_without_keeping_deps(&self, names: &[&str]) -> Result<Edited, EditError> {
        let drop = self.drop_keeping_deps(names);
        let drop: Vec<&str> = drop.iter().map(String::as_str).collect();
        let mut edited = self.dump_without(&drop)?;
        edited.plan.kept_for_deps = names
            .iter()
            .filter(|n| !drop.contains(n))
            .map(|n| n.to_string())
            .collect();
        Ok(edited)
    }

    /// Of `names`, the ones that can go without breaking a name that stays.
    pub fn drop_keeping_deps(&self, names: &[&str]) -> Vec<String> {
        let kept: Vec<&str> = self
            .entries
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| !names.contains(n))
            .collect();
        let needed = self.needed_by(&kept);
        names
            .iter()
            .filter(|n| !needed.iter().any(|x| x == *n))
            .map(|n| n.to_string())
            .collect()
    }

    /// Keeps `names` and everything they need, transitively (`extract --with-deps`,
    /// `restore --only`).
    pub fn dump_only_with_deps(&self, names: &[&str]) -> Result<Edited, EditError> {
        for n in names {
            if self.entry(n).is_none() {
                return Err(EditError::NoSuchName(n.to_string()));
            }
        }
        let extra = self.needed_by(names);
        let mut all: Vec<&str> = names.to_vec();
        all.extend(extra.iter().map(String::as_str));
        let mut edited = self.dump_only(&all)?;
        edited.plan.kept_for_deps = extra;
        Ok(edited)
    }

    /// Keeps only `names` (extract).
    pub fn dump_only(&self, names: &[&str]) -> Result<Edited, EditError> {
        for n in names {
            if self.entry(n).is_none() {
                return Err(EditError::NoSuchName(n.to_string()));
            }
        }
        let keep: HashSet<&str> = names.iter().copied().collect();
        let drop: HashSet<&str> = self
            .entries
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| !keep.contains(n) && !is_frame_name(n))
            .collect();
        slice(self, &drop, false)
    }

    /// Writes the complete names of a cut file as a loadable checkpoint (closing what the cut left open).
    pub fn salvage(&self) -> Result<Edited, EditError> {
        if self.complete() {
            return Err(EditError::Unsupported(
                "the file is complete: nothing to salvage".into(),
            ));
        }
        slice(self, &HashSet::new(), true)
    }

    /// The plan for dropping `names`, without making the output.
    pub fn plan_without(&self, names: &[&str]) -> Plan {
        let drop: HashSet<&str> = names
            .iter()
            .copied()
            .filter(|n| self.entry(n).is_some())
            .collect();
        plan(self, &drop, &reachable(self, &drop).1)
    }
}

/// Module dunders that a session restore needs; extract keeps them.
fn is_frame_name(n: &str) -> bool {
    matches!(
        n,
        "__name__"
            | "__doc__"
            | "__package__"
            | "__spec__"
            | "__loader__"
            | "__annotations__"
            | "__file__"
            | "__cached__"
            | "__builtins__"
    )
}

/// (keep flag per node, first kept entry that reaches each node).
fn reachable(s: &Session, drop: &HashSet<&str>) -> (Vec<bool>, HashMap<NodeId, usize>) {
    // Only the values of dropped entries need an owner (for "still needed by").
    let watched: crate::pickle::NodeMap<()> = s
        .entries
        .iter()
        .filter(|e| drop.contains(e.name.as_str()))
        .filter_map(|e| e.value.map(|v| (v, ())))
        .collect();
    let p = &s.program;
    let mut keep = vec![false; p.node_count()];
    let mut owner: HashMap<NodeId, usize> = HashMap::new();
    let dict = s.dict_node;
    let mut stack: Vec<NodeId> = Vec::new();
    // The frame of the file: the module object and the namespace dict (whose items are roots below).
    for n in s.module_node.into_iter().chain(dict) {
        keep[n.index()] = true;
    }
    if let Some(r) = s.module_node {
        // The module call's own arguments (callable, name).
        p.for_each_child(r, |c| {
            if Some(c) != dict {
                stack.push(c);
            }
        });
    }
    let mut visit =
        |roots: Vec<NodeId>, who: usize, keep: &mut Vec<bool>, stack: &mut Vec<NodeId>| {
            stack.extend(roots);
            while let Some(n) = stack.pop() {
                if keep[n.index()] {
                    continue;
                }
                keep[n.index()] = true;
                if !watched.is_empty() && watched.contains_key(&n) {
                    owner.entry(n).or_insert(who);
                }
                p.for_each_child(n, |c| stack.push(c));
                if let Some(calls) = s.post.calls.get(&n) {
                    stack.extend(calls.iter().copied());
                }
            }
        };
    visit(
        std::mem::take(&mut stack),
        usize::MAX,
        &mut keep,
        &mut stack,
    );
    let rewrite = rewrites_bookkeeping(s, drop);
    for (i, e) in s.entries.iter().enumerate() {
        if drop.contains(e.name.as_str()) || e.value.is_none() {
            continue;
        }
        let roots: Vec<NodeId> = e.key.into_iter().chain(e.value).collect();
        visit(roots, i, &mut keep, &mut stack);
    }
    if !rewrite {
        for (_, k, v) in &s.bookkeeping {
            visit(
                k.iter().copied().chain([*v]).collect(),
                usize::MAX,
                &mut keep,
                &mut stack,
            );
        }
    }
    (keep, owner)
}

/// True when some name stored by reference is dropped: the bookkeeping lists are then rewritten.
fn rewrites_bookkeeping(s: &Session, drop: &HashSet<&str>) -> bool {
    s.entries
        .iter()
        .any(|e| e.imported_from.is_some() && drop.contains(e.name.as_str()))
}

fn plan(s: &Session, drop: &HashSet<&str>, owner: &HashMap<NodeId, usize>) -> Plan {
    let mut plan = Plan::default();
    for e in &s.entries {
        if drop.contains(e.name.as_str()) {
            plan.dropped.push(e.name.clone());
            plan.bytes_saved += e.bytes;
            if let Some(v) = e.value
                && let Some(&who) = owner.get(&v)
            {
                let by = s
                    .entries
                    .get(who)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| "the module".into());
                plan.still_needed.push((e.name.clone(), vec![by]));
            }
        } else {
            plan.kept.push(e.name.clone());
        }
    }
    let deps = s.deps();
    for (i, e) in s.entries.iter().enumerate() {
        if drop.contains(e.name.as_str()) {
            continue;
        }
        let uses: Vec<String> = deps
            .uses(i)
            .into_iter()
            .map(|j| s.entries[j].name.clone())
            .collect();
        let missing: Vec<String> = uses
            .iter()
            .filter(|n| drop.contains(n.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            plan.missing.push((e.name.clone(), missing));
        }
        if !uses.is_empty() {
            plan.deps.push((e.name.clone(), uses));
        }
    }
    plan
}

fn slice(s: &Session, drop: &HashSet<&str>, salvage: bool) -> Result<Edited, EditError> {
    let p = &s.program;
    let Some(dict) = s.dict_node else {
        return Err(EditError::Unsupported(
            "this pickle has no namespace to edit (its root is not a dict)".into(),
        ));
    };
    let (keep, owner) = reachable(s, drop);
    let plan = plan(s, drop, &owner);
    let rewrite = rewrites_bookkeeping(s, drop);
    let dict_index = usize::from(s.format == Format::DillModule);
    if !p.items(dict).is_empty() && !drop.is_empty() {
        return Err(EditError::Unsupported(
            "the namespace is a dict literal; dropping names from it is not supported".into(),
        ));
    }
    // Byte ranges of every namespace pair, by key node.
    let mut ranges: HashMap<(NodeId, NodeId), (u64, u64)> = HashMap::new();
    let mut dict_effects = Vec::new();
    for (ei, starts) in &p.spans {
        let e = p.effect(*ei as usize);
        if e.target != dict || e.kind != EffectKind::SetItems {
            continue;
        }
        dict_effects.push(e.offset);
        let args = p.effect_args(*ei as usize);
        for (i, pair) in args.chunks_exact(2).enumerate() {
            let start = starts[2 * i];
            let end = starts.get(2 * i + 2).copied().unwrap_or(e.offset);
            ranges.insert((pair[0], pair[1]), (start, end));
        }
    }
    // A cut file: pairs still on the stack, each ending where the next began.
    let mut stop_at = None;
    if !p.complete() {
        let open = &p.open_stack;
        let di = open.iter().position(|x| *x == Some(dict));
        if let Some(di) = di {
            if open.get(di + 1).is_some_and(|x| x.is_some()) {
                // Protocol 0 (and single-item batches) add items without a MARK: whatever
                // sits above the dict is an unfinished key and value.
                stop_at = p.open_starts.get(di + 1).copied();
            } else {
                stop_at = pending_pairs(s, di, &mut ranges);
            }
        } else if salvage {
            return Err(EditError::Unsupported(
                "the cut came before the namespace began: nothing can be salvaged".into(),
            ));
        }
    }
    let mut dropped = Vec::new();
    for e in &s.entries {
        if !drop.contains(e.name.as_str()) {
            continue;
        }
        let (Some(k), Some(v)) = (e.key, e.value) else {
            continue;
        };
        match ranges.get(&(k, v)) {
            Some(&r) => dropped.push(r),
            None => {
                return Err(EditError::Unsupported(format!(
                    "could not find where '{}' is stored",
                    e.name
                )));
            }
        }
    }
    let mut append = Vec::new();
    if rewrite {
        for bk in &s.bookkeeping {
            let (Some(k), v) = (bk.1, bk.2) else { continue };
            match ranges.get(&(k, v)) {
                Some(&r) => dropped.push(r),
                None => {
                    return Err(EditError::Unsupported(
                        "could not find the refimported bookkeeping lists".into(),
                    ));
                }
            }
        }
        for (which, key) in DILL_IMPORTED_KEYS.iter().enumerate() {
            let tuples: Vec<Vec<String>> = s
                .imported
                .iter()
                .filter(|r| !drop.contains(r.name.as_str()))
                .filter(|r| match which {
                    0 => r.attr.as_deref() == Some(r.name.as_str()),
                    1 => r.attr.is_some() && r.attr.as_deref() != Some(r.name.as_str()),
                    _ => r.attr.is_none(),
                })
                .map(|r| match which {
                    0 => vec![r.module.clone(), r.name.clone()],
                    1 => vec![
                        r.module.clone(),
                        r.attr.clone().unwrap_or_default(),
                        r.name.clone(),
                    ],
                    _ => vec![r.module.clone(), r.name.clone()],
                })
                .collect();
            append.push((key.to_string(), tuples));
        }
    }
    dropped.sort();
    dict_effects.sort();
    let cut = writer::Cut {
        keep,
        dict,
        dict_index,
        module: s.module_node,
        dropped,
        dict_effects,
        stop_at,
        input_cut: !p.complete(),
        append,
    };
    let output = writer::emit(&p.source, p.protocol, &cut).map_err(EditError::Unsupported)?;
    // The output is checked where it lands: `store::write` re-parses the written file
    // (`check_session`) before it replaces anything, without holding it all in memory.
    Ok(Edited { output, plan })
}

/// Records the byte ranges of the complete pairs still on a cut file's stack (after the
/// dict at `di` and its MARK); returns where the first unfinished one began.
fn pending_pairs(
    s: &Session,
    di: usize,
    ranges: &mut HashMap<(NodeId, NodeId), (u64, u64)>,
) -> Option<u64> {
    let p = &s.program;
    let seg_start = di + 2;
    let seg: Vec<(NodeId, u64)> = p
        .open_stack
        .get(seg_start..)
        .unwrap_or(&[])
        .iter()
        .zip(p.open_starts.get(seg_start..).unwrap_or(&[]))
        .map_while(|(n, st)| n.map(|n| (n, *st)))
        .collect();
    let mut listed: HashSet<(NodeId, NodeId)> = HashSet::new();
    for e in &s.entries {
        if let (Some(k), Some(v)) = (e.key, e.value) {
            listed.insert((k, v));
        }
    }
    for bk in &s.bookkeeping {
        if let Some(k) = bk.1 {
            listed.insert((k, bk.2));
        }
    }
    let mut i = 0;
    while i + 1 < seg.len() && listed.contains(&(seg[i].0, seg[i + 1].0)) {
        let end = seg.get(i + 2).map_or(p.end_offset, |x| x.1);
        ranges.insert((seg[i].0, seg[i + 1].0), (seg[i].1, end));
        i += 2;
    }
    seg.get(i).map(|x| x.1)
}

/// Checks that `bytes` parse completely into the planned namespace, each kept name with its type.
pub fn check_bytes(original: &Session, plan: &Plan, bytes: Vec<u8>) -> Result<(), EditError> {
    check_session(original, plan, &Session::from_bytes(bytes))
}

/// What an edit's output must hold: the kept names in order, with their types, and the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub entries: Vec<(String, String)>,
    pub module: Option<String>,
}

impl Expected {
    /// Taken from the original session, so it can be dropped before the output is re-read.
    pub fn of(original: &Session, plan: &Plan) -> Expected {
        let entries = original
            .entries
            .iter()
            .filter(|e| plan.kept.contains(&e.name))
            .map(|e| (e.name.clone(), e.ty.clone()))
            .collect();
        Expected {
            entries,
            module: original.module.clone(),
        }
    }

    /// Checks that a re-parsed output holds exactly these names, each with its type.
    pub fn check(&self, new: &Session) -> Result<(), EditError> {
        if let Some(err) = &new.program.error {
            return Err(EditError::Verify(format!(
                "the output does not parse: {err}"
            )));
        }
        let names: Vec<&str> = new.entries.iter().map(|e| e.name.as_str()).collect();
        let want: Vec<&str> = self.entries.iter().map(|e| e.0.as_str()).collect();
        if names != want {
            return Err(EditError::Verify(format!(
                "expected names {want:?}, found {names:?}"
            )));
        }
        // A type that depends on context (the Python version that code objects reveal,
        // numpy's generation) may turn from known to unknown: only known pairs must agree.
        for ((name, before), e) in self.entries.iter().zip(&new.entries) {
            let known = |t: &str| !t.starts_with('?');
            if known(before) && known(&e.ty) && *before != e.ty {
                return Err(EditError::Verify(format!(
                    "'{name}' was {before}, is now {}",
                    e.ty
                )));
            }
        }
        if new.module != self.module {
            return Err(EditError::Verify("the module name changed".into()));
        }
        Ok(())
    }
}

/// Checks that a re-parsed output holds exactly the planned namespace.
pub fn check_session(original: &Session, plan: &Plan, new: &Session) -> Result<(), EditError> {
    Expected::of(original, plan).check(new)
}

/// The parts of dill's session API that make sense without running Python.
///
/// `load_module` reads a checkpoint (dill's `load_module`, minus the loading: nothing runs);
/// `load_module_asdict` gives the namespace as (name, entry) pairs, like dill's function of
/// that name; `dump_module` writes it back, optionally without some names (dill has no such
/// option: this is `exclude`), atomically and verified, keeping a backup of any file replaced.
pub mod session_api {
    use std::path::Path;

    use crate::session::{Entry, Session};
    use crate::store::write::{self, Fingerprint, Written};

    /// Reads a checkpoint. Never runs it.
    pub fn load_module(path: &Path) -> std::io::Result<Session> {
        Session::open(path)
    }

    /// The namespace in file order, as `dill.load_module_asdict` would hold it.
    pub fn load_module_asdict(session: &Session) -> Vec<(&str, &Entry)> {
        session
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e))
            .collect()
    }

    /// Writes `session` minus `exclude` to `path` (read from `source`, which must not change meanwhile).
    pub fn dump_module(
        session: &Session,
        source: &Path,
        path: &Path,
        exclude: &[&str],
    ) -> Result<Written, String> {
        let fp = Fingerprint::of(source).map_err(|e| format!("{}: {e}", source.display()))?;
        let edited = session.dump_without(exclude).map_err(|e| e.to_string())?;
        let produce = |w: &mut dyn std::io::Write| edited.output.write_to(w);
        let check = |p: &Path| -> Result<(), String> {
            let new = Session::open(p).map_err(|e| e.to_string())?;
            super::check_session(session, &edited.plan, &new).map_err(|e| e.to_string())
        };
        write::write_atomic(path, &produce, &check, Some((source, fp)), "dump_module")
            .map_err(|e| e.to_string())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn dump_module_round_trips_a_fixture_without_one_name() {
            let src = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/sessions/graphs--dill041-py311--p4.pkl");
            let s = load_module(&src).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out.pkl");
            let first_user = load_module_asdict(&s)
                .into_iter()
                .map(|x| x.0)
                .find(|n| !n.starts_with("__"))
                .unwrap();
            dump_module(&s, &src, &out, &[first_user]).unwrap();
            let back = load_module(&out).unwrap();
            assert!(back.complete());
            assert_eq!(back.entries.len() + 1, s.entries.len());
            assert!(back.entry(first_user).is_none());
        }
    }
}
