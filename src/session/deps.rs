//! What each stored name needs from the namespace to load and to run: the true
//! globals of every function it holds (all nested code objects), the names it
//! references as `<module>.<name>` (classes of instances, bases, metaclasses,
//! functions pickled by reference), followed through every container and
//! object it holds — and, transitively, what those names need. Read from the
//! program alone; nothing is run, and a name brine cannot account for is
//! reported rather than assumed away.

use std::collections::HashMap;

use super::Session;
use super::names::global_name;
use crate::pickle::{NodeId, NodeKind};

/// The dependency graph of a session's names (indexes into `Session::entries`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deps {
    /// Names each entry uses directly, in namespace order.
    pub direct: Vec<Vec<usize>>,
    /// Entries whose very objects this entry's value contains (shared through the memo):
    /// their needs are this entry's needs too, although their names are not.
    pub shares: Vec<Vec<usize>>,
}

impl Deps {
    /// Everything entry `i` needs: its direct uses and those of the objects it shares.
    pub fn uses(&self, i: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut seen = vec![false; self.direct.len()];
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            if std::mem::replace(&mut seen[j], true) {
                continue;
            }
            for &d in &self.direct[j] {
                if d != i && !out.contains(&d) {
                    out.push(d);
                }
            }
            stack.extend(self.shares[j].iter().copied());
        }
        out.sort_unstable();
        out
    }

    /// `roots` and every name they need, transitively, in namespace order.
    pub fn closure(&self, roots: &[usize]) -> Vec<usize> {
        let mut named = vec![false; self.direct.len()];
        let mut stack: Vec<usize> = roots.to_vec();
        while let Some(j) = stack.pop() {
            if j >= named.len() || std::mem::replace(&mut named[j], true) {
                continue;
            }
            stack.extend(self.uses(j));
        }
        (0..named.len()).filter(|&j| named[j]).collect()
    }
}

impl Session {
    /// The dependency graph of this session's names (worked out once, then kept).
    pub fn deps(&self) -> &Deps {
        self.deps.get_or_init(|| compute(self))
    }

    /// The names `names` need, transitively, that are not among them (namespace order).
    pub fn needed_by(&self, names: &[&str]) -> Vec<String> {
        let roots: Vec<usize> = names.iter().filter_map(|n| self.index_of(n)).collect();
        self.deps()
            .closure(&roots)
            .into_iter()
            .map(|j| self.entries[j].name.clone())
            .filter(|n| !names.contains(&n.as_str()))
            .collect()
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.name == name)
    }
}

fn compute(s: &Session) -> Deps {
    let p = &s.program;
    let d = s.describer();
    let n = s.entries.len();
    let mut deps = Deps {
        direct: vec![Vec::new(); n],
        shares: vec![Vec::new(); n],
    };
    if p.node_count() == 0 {
        return deps;
    }
    let index: HashMap<&str, usize> = s
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let owner_of: HashMap<NodeId, usize> = s
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.value.map(|v| (v, i)))
        .collect();
    let module = s.module.as_deref().unwrap_or("__main__");
    // Stamps instead of a fresh visited set per entry.
    let mut stamp = vec![usize::MAX; p.node_count()];
    for (i, e) in s.entries.iter().enumerate() {
        let Some(root) = e.value else { continue };
        let mut direct: Vec<usize> = Vec::new();
        let mut shares: Vec<usize> = Vec::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if stamp[node.index()] == i {
                continue;
            }
            stamp[node.index()] = i;
            if Some(node) == s.dict_node || Some(node) == s.module_node {
                continue;
            }
            if node != root
                && let Some(&j) = owner_of.get(&node)
            {
                // Another name's object: a class (of an instance, a base, a metaclass), a
                // function or a module is needed by name; plain data only shares its needs.
                let named = d.class_of(node).is_some()
                    || d.function_code(node).is_some()
                    || d.type_of(node).as_str() == "builtins.module";
                let list = if named { &mut direct } else { &mut shares };
                if j != i && !list.contains(&j) {
                    list.push(j);
                }
                if named && j != i && !shares.contains(&j) {
                    shares.push(j);
                }
                continue;
            }
            let mut add = |name: &str| {
                if let Some(&j) = index.get(name)
                    && j != i
                    && !direct.contains(&j)
                {
                    direct.push(j);
                }
            };
            match p.node(node).kind {
                NodeKind::Global | NodeKind::StackGlobal => {
                    if let Some(q) = global_name(p, node)
                        && q.module == module
                    {
                        add(q.name.split('.').next().unwrap_or(&q.name));
                    }
                }
                NodeKind::Reduce => {
                    if let Some(g) = d.function_globals(node)
                        && globals_are_namespace(s, node, module)
                    {
                        for name in &g.names {
                            add(name);
                        }
                    }
                }
                _ => {}
            }
            p.for_each_child(node, |c| stack.push(c));
            if let Some(calls) = s.post.calls.get(&node) {
                stack.extend(calls.iter().copied());
            }
        }
        direct.sort_unstable();
        shares.sort_unstable();
        deps.direct[i] = direct;
        deps.shares[i] = shares;
    }
    deps
}

/// True when a function's `__globals__` (argument 1 of its factory) is the session's
/// namespace: the namespace dict itself, dill's `__builtin__.__main__` reference, or
/// `<module>.__dict__`. A dict pickled by value (dill's `recurse=True`) carries its own
/// globals, which the walk reaches as children. Anything else counts as the namespace:
/// a warning too many is better than a broken function.
fn globals_are_namespace(s: &Session, f: NodeId, module: &str) -> bool {
    let p = &s.program;
    let Some(&g) = p.items(NodeId(p.node(f).b)).get(1) else {
        return true;
    };
    if Some(g) == s.dict_node {
        return true;
    }
    match p.node(g).kind {
        NodeKind::Dict => false,
        NodeKind::Global | NodeKind::StackGlobal => global_name(p, g).is_none_or(|q| {
            q.is("__builtin__", "__main__")
                || q.is("builtins", "__main__")
                || (q.module == module && q.name == "__dict__")
        }),
        _ => true,
    }
}
