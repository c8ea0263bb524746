//! What a global reference names: module and qualified name, normalised the
//! way dill's unpickler would look them up (Python 2 names for protocol < 3,
//! `dill.dill` for old dill, dill's getattr shims). Nothing is imported.

use crate::pickle::resolve::{self, Found};
use crate::pickle::{NodeId, NodeKind, Program};

/// A `module.qualname` reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualName {
    pub module: String,
    pub name: String,
}

impl QualName {
    pub fn new(module: impl Into<String>, name: impl Into<String>) -> QualName {
        QualName {
            module: module.into(),
            name: name.into(),
        }
    }

    pub fn is(&self, module: &str, name: &str) -> bool {
        self.module == module && self.name == name
    }

    /// The last dotted part of the name.
    pub fn short(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }

    /// The top-level package of the module.
    pub fn top(&self) -> &str {
        self.module.split('.').next().unwrap_or(&self.module)
    }

    /// True for dill's own helpers (`dill._dill.X`, whatever the dill era).
    pub fn is_dill(&self, name: &str) -> bool {
        self.module == "dill._dill" && self.name == name
    }
}

impl std::fmt::Display for QualName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.module, self.name)
    }
}

/// Normalises a raw (module, name) pair as dill's `find_class` would see it
/// under `protocol` (see [`crate::pickle::resolve::find_class`]).
pub fn normalise(module: &str, name: &str, protocol: u8) -> QualName {
    match resolve::find_class(module, name, protocol) {
        Found::Name(q) => q,
        // A lookup that fails or is computed still has the name as written.
        _ => QualName::new(module, name),
    }
}

/// What a node refers to when it is a global reference or a dill shim.
pub fn global_name(p: &Program, id: NodeId) -> Option<QualName> {
    global_name_depth(p, id, 0)
}

fn global_name_depth(p: &Program, id: NodeId, depth: u32) -> Option<QualName> {
    if depth > 16 {
        return None;
    }
    let node = p.node(id);
    match node.kind {
        NodeKind::Global | NodeKind::StackGlobal => match resolve::literal(p, id)? {
            Found::Name(q) => Some(q),
            _ => None,
        },
        NodeKind::Reduce => {
            // getattr(<dill._dill module>, 'X', default) is dill's shim for dill._dill.X, and
            // old dill wrote builtin functions as _get_attr(_import_module('m'), 'name').
            let f = global_name_depth(p, NodeId(node.a), depth + 1)?;
            if !(f.is("builtins", "getattr") || f.is_dill("_get_attr")) {
                return None;
            }
            let args = p.items(NodeId(node.b));
            let (&obj, &attr) = (args.first()?, args.get(1)?);
            let target = module_ref(p, obj, depth + 1)?;
            let attr = p.text(attr)?;
            Some(QualName::new(target, attr))
        }
        _ => None,
    }
}

/// The module a node stands for: `GLOBAL dill _dill`, `GLOBAL dill._shims _dill`,
/// or `_import_module('x')`.
pub fn module_ref(p: &Program, id: NodeId, depth: u32) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let node = p.node(id);
    match node.kind {
        NodeKind::Global | NodeKind::StackGlobal => {
            let q = global_name_depth(p, id, depth + 1)?;
            match (q.module.as_str(), q.name.as_str()) {
                ("dill", "_dill") | ("dill._shims", "_dill") | ("dill", "dill") => {
                    Some("dill._dill".into())
                }
                _ => None,
            }
        }
        NodeKind::Reduce => {
            let f = global_name_depth(p, NodeId(node.a), depth + 1)?;
            if !f.is_dill("_import_module") {
                return None;
            }
            let arg = *p.items(NodeId(node.b)).first()?;
            p.text(arg)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python2_names_map_only_below_protocol_3() {
        assert_eq!(
            normalise("copy_reg", "_reconstructor", 2),
            QualName::new("copyreg", "_reconstructor")
        );
        assert_eq!(
            normalise("copy_reg", "_reconstructor", 3),
            QualName::new("copy_reg", "_reconstructor")
        );
        assert_eq!(
            normalise("__builtin__", "unicode", 0),
            QualName::new("builtins", "str")
        );
        assert_eq!(
            normalise("__builtin__", "__main__", 2),
            QualName::new("__builtin__", "__main__")
        );
        assert_eq!(
            normalise("dill.dill", "_load_type", 2),
            QualName::new("dill._dill", "_load_type")
        );
    }
}
