//! What a GLOBAL, STACK_GLOBAL, INST or EXT op looks up, exactly as dill's
//! unpickler (CPython's `Unpickler.find_class` behind dill's own) would: dill's
//! special names first, then `fix_imports` (`_compat_pickle`) while the
//! protocol *in force at that op* is below 3, then an attribute walk over the
//! dotted name, and EXT codes through the copyreg extension registry as the
//! file itself changes it. Shared by `inspect` (type names) and `scan`.
//! It never imports or looks anything up: it says which name would be looked
//! up, or that the name cannot be known without running the file.

pub mod compat;

use std::collections::HashMap;

use super::{NodeId, NodeKind, Program};
use crate::session::names::QualName;

/// What an op looks up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Found {
    /// `module` imported, then `name` (dotted: an attribute walk) looked up in it.
    /// dill's two special names stay as written: `__builtin__.__main__` (the
    /// `__main__` namespace) and `__builtin__.NoneType`.
    Name(QualName),
    /// The lookup fails at load (a `<locals>` part): loading stops there.
    Fails(String),
    /// The module or name is a value the file computes at load.
    Computed,
    /// An EXT code that the registry, as the file leaves it at that point, does not map.
    UnmappedExt(i64),
}

/// `find_class(module, name)` under `proto`, as dill 0.2-0.4 and CPython 3.x do it.
///
/// Dotted names are walked for every protocol: CPython walks them only from
/// protocol 4 (below it a dotted name fails), newer Pythons walk them always, so
/// walking is the reading that never misses a lookup that succeeds.
pub fn find_class(module: &str, name: &str, proto: u8) -> Found {
    // dill's Unpickler.find_class answers these before anything else.
    if module == "__builtin__" && (name == "__main__" || name == "NoneType") {
        return Found::Name(QualName::new(module, name));
    }
    let module = if module == "dill.dill" {
        "dill._dill"
    } else {
        module
    };
    let (mut module, name) = if proto < 3 {
        fix_imports(module, name)
    } else {
        (module.to_string(), name.to_string())
    };
    if module == "dill.dill" {
        module = "dill._dill".into();
    }
    if name.split('.').any(|part| part == "<locals>") {
        return Found::Fails(format!("{module}.{name}"));
    }
    Found::Name(QualName { module, name })
}

/// `_compat_pickle`'s mapping of a Python 2 name.
pub fn fix_imports(module: &str, name: &str) -> (String, String) {
    if let Ok(i) = compat::NAME_MAPPING.binary_search_by(|(k, _)| (k.0, k.1).cmp(&(module, name))) {
        let (m, n) = compat::NAME_MAPPING[i].1;
        return (m.to_string(), n.to_string());
    }
    if let Ok(i) = compat::IMPORT_MAPPING.binary_search_by(|(k, _)| (*k).cmp(module)) {
        return (compat::IMPORT_MAPPING[i].1.to_string(), name.to_string());
    }
    (module.to_string(), name.to_string())
}

/// The protocol in force at `offset`: the last PROTO before it (0 when none).
pub fn proto_at(p: &Program, offset: u64) -> u8 {
    match p.protocols.partition_point(|&(o, _)| o < offset) {
        0 => 0,
        i => p.protocols[i - 1].1,
    }
}

/// What a GLOBAL, STACK_GLOBAL or INST node looks up, when its operands are
/// literal strings (`None` for other nodes). STACK_GLOBAL operands are
/// whatever nodes the machine popped, memo gets included; a computed operand
/// gives [`Found::Computed`].
pub fn literal(p: &Program, id: NodeId) -> Option<Found> {
    let node = p.node(id);
    let proto = proto_at(p, node.offset);
    Some(match node.kind {
        NodeKind::Global | NodeKind::Inst => match p.global_pair(id) {
            Some((m, n)) => find_class(&m, &n, proto),
            None => Found::Computed,
        },
        NodeKind::StackGlobal => {
            let text = |n: u32| {
                let id = NodeId(n);
                // STACK_GLOBAL requires str operands; bytes make loading fail.
                (p.node(id).kind == NodeKind::Str)
                    .then(|| p.text(id))
                    .flatten()
            };
            match (text(node.a), text(node.b)) {
                (Some(m), Some(n)) => find_class(&m, &n, proto),
                _ => Found::Computed,
            }
        }
        _ => return None,
    })
}

/// The copyreg extension registry as the file changes it, op by op.
///
/// The process starts with an empty registry (neither CPython nor dill
/// registers codes). `copyreg.add_extension(m, n, code)` /
/// `remove_extension` calls the file makes with literal arguments are replayed
/// in stream order; a call with computed arguments, or any other change
/// to the registry, makes every later unmapped code [`Found::Computed`].
/// The unpickler caches a code the first time it resolves it, so later changes
/// do not affect that code.
#[derive(Debug, Default, Clone)]
pub struct Extensions {
    /// Resolution of every EXT node, decided in stream order.
    at: HashMap<NodeId, Found>,
}

impl Extensions {
    /// Replays the file's registry changes. `strings` says what a node evaluates
    /// to when it is a string the analysis can compute exactly.
    pub fn replay(p: &Program, strings: &mut dyn FnMut(NodeId) -> Option<String>) -> Extensions {
        let mut out = Extensions::default();
        // Fast exit: most files have no EXT op at all.
        if !p.nodes().any(|(_, n)| n.kind == NodeKind::Ext) {
            return out;
        }
        let mut registry: HashMap<i64, (String, String)> = HashMap::new();
        let mut cache: HashMap<i64, Found> = HashMap::new();
        let mut tainted = false;
        for (id, node) in p.nodes() {
            match node.kind {
                NodeKind::Ext => {
                    let code = p.op_int(id).unwrap_or(-1);
                    let found = match cache.get(&code) {
                        Some(f) => f.clone(),
                        None => {
                            let f = match registry.get(&code) {
                                Some((m, n)) => find_class(m, n, proto_at(p, node.offset)),
                                None if tainted => Found::Computed,
                                None => Found::UnmappedExt(code),
                            };
                            if matches!(f, Found::Name(_)) {
                                cache.insert(code, f.clone());
                            }
                            f
                        }
                    };
                    out.at.insert(id, found);
                }
                NodeKind::Reduce => {
                    let Some(Found::Name(q)) = literal(p, NodeId(node.a)) else {
                        continue;
                    };
                    if q.module != "copyreg" && q.module != "copy_reg" {
                        continue;
                    }
                    let args = p.items(NodeId(node.b));
                    let s = |i: usize, strings: &mut dyn FnMut(NodeId) -> Option<String>| {
                        args.get(i).and_then(|&a| strings(a))
                    };
                    let code = args.get(2).and_then(|&a| int(p, a));
                    match q.name.as_str() {
                        "add_extension" => match (s(0, strings), s(1, strings), code) {
                            (Some(m), Some(n), Some(c)) => {
                                registry.insert(c, (m, n));
                            }
                            _ => tainted = true,
                        },
                        "remove_extension" => match code {
                            Some(c) => {
                                registry.remove(&c);
                            }
                            None => tainted = true,
                        },
                        "clear_extension_cache" => cache.clear(),
                        _ => {}
                    }
                }
                NodeKind::Global | NodeKind::StackGlobal => {
                    // Reaching into the registry's dicts changes it behind our back.
                    if let Some(Found::Name(q)) = literal(p, id)
                        && (q.module == "copyreg" || q.module == "copy_reg")
                        && q.name.starts_with("_extension_registry")
                    {
                        tainted = true;
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// What an EXT node looks up.
    pub fn get(&self, id: NodeId) -> Found {
        self.at.get(&id).cloned().unwrap_or(Found::Computed)
    }
}

fn int(p: &Program, id: NodeId) -> Option<i64> {
    match p.scalar(id, 0)? {
        super::text::Scalar::Int(i) => Some(i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(m: &str, n: &str, proto: u8) -> String {
        match find_class(m, n, proto) {
            Found::Name(q) => q.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn python2_names_map_only_below_protocol_3() {
        assert_eq!(
            name("copy_reg", "_reconstructor", 2),
            "copyreg._reconstructor"
        );
        assert_eq!(
            name("copy_reg", "_reconstructor", 3),
            "copy_reg._reconstructor"
        );
        assert_eq!(name("commands", "getoutput", 2), "subprocess.getoutput");
        assert_eq!(
            name("urllib", "urlretrieve", 0),
            "urllib.request.urlretrieve"
        );
        assert_eq!(name("__builtin__", "unicode", 1), "builtins.str");
        assert_eq!(name("exceptions", "OSError", 2), "builtins.OSError");
        assert_eq!(name("__builtin__", "__main__", 2), "__builtin__.__main__");
        assert_eq!(name("dill.dill", "_load_type", 2), "dill._dill._load_type");
        assert_eq!(name("os", "path.join", 4), "os.path.join");
        assert_eq!(
            find_class("m", "f.<locals>.g", 4),
            Found::Fails("m.f.<locals>.g".into())
        );
    }

    #[test]
    fn the_tables_are_sorted_for_binary_search() {
        assert!(compat::IMPORT_MAPPING.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(compat::NAME_MAPPING.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
