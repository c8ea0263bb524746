//! What a global reference names: module and qualified name, normalised the
//! way dill's unpickler would look them up (Python 2 names for protocol < 3,
//! `dill.dill` for old dill, dill's getattr shims). Nothing is imported.

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

/// Python 2 module names mapped as `_compat_pickle.IMPORT_MAPPING` does (protocol < 3).
const MODULE_MAP: &[(&str, &str)] = &[
    ("__builtin__", "builtins"),
    ("copy_reg", "copyreg"),
    ("Queue", "queue"),
    ("SocketServer", "socketserver"),
    ("ConfigParser", "configparser"),
    ("repr", "reprlib"),
    ("tkFileDialog", "tkinter.filedialog"),
    ("Tkinter", "tkinter"),
    ("markupbase", "_markupbase"),
    ("_winreg", "winreg"),
    ("thread", "_thread"),
    ("dummy_thread", "_dummy_thread"),
    ("cPickle", "pickle"),
    ("cStringIO", "io"),
    ("StringIO", "io"),
    ("exceptions", "builtins"),
    ("UserDict", "collections"),
    ("UserList", "collections"),
    ("UserString", "collections"),
    ("whichdb", "dbm"),
    ("anydbm", "dbm"),
    ("_abcoll", "collections.abc"),
    ("urlparse", "urllib.parse"),
    ("httplib", "http.client"),
    ("HTMLParser", "html.parser"),
    ("htmlentitydefs", "html.entities"),
    ("cookielib", "http.cookiejar"),
    ("Cookie", "http.cookies"),
    ("commands", "subprocess"),
    ("urllib2", "urllib.request"),
    ("robotparser", "urllib.robotparser"),
    ("xmlrpclib", "xmlrpc.client"),
    ("SimpleXMLRPCServer", "xmlrpc.server"),
    ("BaseHTTPServer", "http.server"),
    ("SimpleHTTPServer", "http.server"),
    ("CGIHTTPServer", "http.server"),
];

/// Python 2 (module, name) pairs mapped as `_compat_pickle.NAME_MAPPING` does.
type Pair = (&'static str, &'static str);

const NAME_MAP: &[(Pair, Pair)] = &[
    (("__builtin__", "xrange"), ("builtins", "range")),
    (("__builtin__", "reduce"), ("functools", "reduce")),
    (("__builtin__", "intern"), ("sys", "intern")),
    (("__builtin__", "unichr"), ("builtins", "chr")),
    (("__builtin__", "unicode"), ("builtins", "str")),
    (("__builtin__", "long"), ("builtins", "int")),
    (("__builtin__", "basestring"), ("builtins", "str")),
    (("itertools", "izip"), ("builtins", "zip")),
    (("itertools", "imap"), ("builtins", "map")),
    (("itertools", "ifilter"), ("builtins", "filter")),
    (("itertools", "ifilterfalse"), ("itertools", "filterfalse")),
    (("itertools", "izip_longest"), ("itertools", "zip_longest")),
    (
        ("UserDict", "IterableUserDict"),
        ("collections", "UserDict"),
    ),
    (("UserList", "UserList"), ("collections", "UserList")),
    (("UserDict", "UserDict"), ("collections", "UserDict")),
    (("UserString", "UserString"), ("collections", "UserString")),
    (("whichdb", "whichdb"), ("dbm", "whichdb")),
    (("socket", "_socketobject"), ("socket", "SocketType")),
    (("exceptions", "StandardError"), ("builtins", "Exception")),
    (("cStringIO", "StringIO"), ("io", "BytesIO")),
    (("StringIO", "StringIO"), ("io", "StringIO")),
];

/// Normalises a raw (module, name) pair as dill's `find_class` would see it.
pub fn normalise(module: &str, name: &str, protocol: u8) -> QualName {
    // dill's own special names are looked up before any mapping.
    if module == "__builtin__" && (name == "__main__" || name == "NoneType") {
        return QualName::new(module, name);
    }
    let mut module = module.to_string();
    let mut name = name.to_string();
    if protocol < 3 {
        if let Some((_, (m, n))) = NAME_MAP
            .iter()
            .find(|((m, n), _)| *m == module && *n == name)
        {
            module = m.to_string();
            name = n.to_string();
        } else if let Some((_, m)) = MODULE_MAP.iter().find(|(m, _)| *m == module) {
            module = m.to_string();
        }
    }
    if module == "dill.dill" {
        module = "dill._dill".into();
    }
    QualName { module, name }
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
        NodeKind::Global => {
            let (m, n) = p.global_pair(id)?;
            Some(normalise(&m, &n, p.protocol))
        }
        NodeKind::StackGlobal => {
            let m = p.text(crate::pickle::NodeId(node.a))?;
            let n = p.text(crate::pickle::NodeId(node.b))?;
            Some(normalise(&m, &n, p.protocol))
        }
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
