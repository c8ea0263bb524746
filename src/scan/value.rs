//! What a node would be at load time, as far as the scan needs to know: which
//! global, module, string or by-value function it stands for, following
//! getattr/import chains, `operator.methodcaller`/`attrgetter`, `partial` and
//! statically decodable `codecs.decode` calls. Nothing is imported or called.

use crate::pickle::resolve::{self, Extensions, Found};
use crate::pickle::{NodeId, NodeKind, Program};
use crate::session::knowledge;
use crate::session::names::{QualName, normalise};

/// How far a chain of calls and lookups is followed.
const MAX_DEPTH: u32 = 48;

/// A value as the scan sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// `module.name` as the unpickler would look it up.
    Global(QualName),
    Module(String),
    Str(String),
    /// A function built by value (`_create_function`): the call that builds it.
    Function(NodeId),
    /// A class built by value (`_create_type`): the call that builds it.
    Class(NodeId),
    /// `partial(f, …)`, a bound method, an `lru_cache` wrapper: calling it calls `f`.
    Wrapped(Box<Val>),
    /// `operator.methodcaller(name, …)`: calling it on `x` calls `x.name(…)`.
    MethodCaller(String),
    /// `operator.attrgetter(name)`: calling it on `x` gives `x.name`.
    AttrGetter(String),
    /// An attribute of something that is not a module; `None` when the name is computed.
    Attr(Box<Val>, Option<String>),
    /// Whatever calling a global returned.
    Returned(QualName),
    /// An EXT code that no `copyreg.add_extension` in the file maps.
    Ext(i64),
    /// A global whose module or name the file computes at load.
    Unresolved,
    Unknown,
}

/// Evaluates nodes symbolically, caching each node's value.
pub struct Evaluator<'p> {
    p: &'p Program,
    cache: crate::pickle::NodeMap<Val>,
    /// What each EXT op looks up, the registry replayed as the file changes it.
    pub extensions: Extensions,
    /// Set when a chain went deeper than [`MAX_DEPTH`].
    pub limit_hit: bool,
}

impl<'p> Evaluator<'p> {
    pub fn new(p: &'p Program) -> Evaluator<'p> {
        Evaluator {
            p,
            cache: crate::pickle::NodeMap::default(),
            extensions: Extensions::default(),
            limit_hit: false,
        }
    }

    /// The value of a node.
    pub fn eval(&mut self, id: NodeId) -> Val {
        self.eval_depth(id, 0)
    }

    /// The value of a node, borrowed (no clone on the hot paths).
    pub fn peek(&mut self, id: NodeId) -> &Val {
        if !self.cache.contains_key(&id) {
            self.eval(id);
        }
        self.cache.get(&id).unwrap_or(&Val::Unknown)
    }

    /// The value of a node when it was already worked out.
    pub fn cached(&self, id: NodeId) -> Option<&Val> {
        self.cache.get(&id)
    }

    /// The string a node evaluates to.
    pub fn string(&mut self, id: NodeId) -> Option<String> {
        match self.eval(id) {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn eval_depth(&mut self, id: NodeId, depth: u32) -> Val {
        if let Some(v) = self.cache.get(&id) {
            return v.clone();
        }
        if depth > MAX_DEPTH {
            self.limit_hit = true;
            return Val::Unknown;
        }
        let v = self.compute(id, depth);
        self.cache.insert(id, v.clone());
        v
    }

    fn compute(&mut self, id: NodeId, depth: u32) -> Val {
        let p = self.p;
        let node = p.node(id);
        match node.kind {
            NodeKind::Global => found(resolve::literal(p, id).unwrap_or(Found::Computed)),
            NodeKind::StackGlobal => match resolve::literal(p, id) {
                Some(Found::Computed) | None => {
                    // Operands the file computes: known only when evaluated exactly here.
                    let m = self.eval_depth(NodeId(node.a), depth + 1);
                    let n = self.eval_depth(NodeId(node.b), depth + 1);
                    match (m, n) {
                        (Val::Str(m), Val::Str(n)) => found(resolve::find_class(
                            &m,
                            &n,
                            resolve::proto_at(p, node.offset),
                        )),
                        _ => Val::Unresolved,
                    }
                }
                Some(f) => found(f),
            },
            NodeKind::Ext => found(self.extensions.get(id)),
            NodeKind::Str | NodeKind::Bytes | NodeKind::ByteArray => {
                p.text(id).map_or(Val::Unknown, Val::Str)
            }
            NodeKind::Reduce => {
                let f = self.eval_depth(NodeId(node.a), depth + 1);
                let args = p.items(NodeId(node.b)).to_vec();
                self.apply(id, f, &args, depth)
            }
            NodeKind::Inst => match found(resolve::literal(p, id).unwrap_or(Found::Computed)) {
                Val::Global(q) => Val::Returned(q),
                _ => Val::Unknown,
            },
            NodeKind::NewObj | NodeKind::NewObjEx | NodeKind::Obj => {
                let cls = match node.kind {
                    NodeKind::NewObj => Some(NodeId(node.a)),
                    _ => p.items(id).first().copied(),
                };
                match cls.map(|c| self.eval_depth(c, depth + 1)) {
                    Some(Val::Global(q)) => Val::Returned(q),
                    _ => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        }
    }

    /// The value of calling `f` with `args` (the call node is `call`).
    fn apply(&mut self, call: NodeId, f: Val, args: &[NodeId], depth: u32) -> Val {
        let arg = |i: usize, this: &mut Self| {
            args.get(i)
                .map_or(Val::Unknown, |&a| this.eval_depth(a, depth + 1))
        };
        match f {
            Val::Global(q) => {
                let (m, n) = (q.module.as_str(), q.name.as_str());
                match (m, n) {
                    ("builtins", "getattr") | ("dill._dill", "_get_attr" | "_getattr") => {
                        let base = arg(0, self);
                        let name = str_of(arg(1, self));
                        attr(base, name)
                    }
                    ("dill._dill", "_import_module")
                    | ("importlib", "import_module" | "__import__") => {
                        str_of(arg(0, self)).map_or(Val::Unknown, Val::Module)
                    }
                    ("builtins", "__import__") => {
                        let Some(name) = str_of(arg(0, self)) else {
                            return Val::Unknown;
                        };
                        // `__import__('a.b')` returns `a` unless a fromlist is given.
                        let fromlist = args.get(3).is_some_and(|&l| !self.p.items(l).is_empty());
                        if fromlist {
                            Val::Module(name)
                        } else {
                            Val::Module(name.split('.').next().unwrap_or(&name).to_string())
                        }
                    }
                    ("pydoc", "locate") | ("pkgutil", "resolve_name") => {
                        match str_of(arg(0, self))
                            .as_deref()
                            .and_then(|s| s.rsplit_once('.'))
                        {
                            Some((m, n)) => Val::Global(QualName::new(m.replace(':', "."), n)),
                            None => Val::Unknown,
                        }
                    }
                    ("dill._dill", "_load_type") => match str_of(arg(0, self)) {
                        Some(name) => {
                            let full = knowledge::load_type(&name);
                            match full.rsplit_once('.') {
                                Some((m, n)) => Val::Global(QualName::new(m, n)),
                                None => Val::Unknown,
                            }
                        }
                        None => Val::Unknown,
                    },
                    ("_codecs" | "codecs", "decode") => {
                        let s = str_of(arg(0, self));
                        let enc = str_of(arg(1, self)).unwrap_or_else(|| "utf-8".into());
                        s.and_then(|s| decode(&s, &enc))
                            .map_or(Val::Unknown, Val::Str)
                    }
                    ("_codecs" | "codecs", "encode") | ("builtins", "str" | "bytes") => {
                        match arg(0, self) {
                            Val::Str(s) => Val::Str(s),
                            _ => Val::Returned(q),
                        }
                    }
                    ("operator" | "_operator", "add" | "concat") => {
                        match (arg(0, self), arg(1, self)) {
                            (Val::Str(a), Val::Str(b)) => Val::Str(a + &b),
                            _ => Val::Returned(q),
                        }
                    }
                    ("operator" | "_operator", "methodcaller") => {
                        str_of(arg(0, self)).map_or(Val::Unknown, Val::MethodCaller)
                    }
                    ("operator" | "_operator", "attrgetter") => {
                        str_of(arg(0, self)).map_or(Val::Unknown, Val::AttrGetter)
                    }
                    ("dill._dill", "_create_function")
                    | ("builtins", "function")
                    | ("types", "FunctionType" | "LambdaType") => Val::Function(call),
                    ("dill._dill", "_create_type") | ("types", "new_class") => Val::Class(call),
                    ("builtins", "type") if args.len() == 3 => Val::Class(call),
                    ("dill._dill", "_create_ftype") => Val::Wrapped(Box::new(arg(1, self))),
                    ("functools", "partial" | "partialmethod")
                    | ("builtins", "method" | "staticmethod" | "classmethod")
                    | ("types", "MethodType") => Val::Wrapped(Box::new(arg(0, self))),
                    _ => Val::Returned(q),
                }
            }
            Val::AttrGetter(name) => {
                let base = arg(0, self);
                attr(base, Some(name))
            }
            Val::Attr(base, Some(name)) if name == "join" => match *base {
                Val::Str(sep) => {
                    let Some(&seq) = args.first() else {
                        return Val::Unknown;
                    };
                    let parts: Vec<NodeId> = self.p.items(seq).to_vec();
                    let mut out = Vec::new();
                    for part in parts {
                        match self.eval_depth(part, depth + 1) {
                            Val::Str(s) => out.push(s),
                            _ => return Val::Unknown,
                        }
                    }
                    Val::Str(out.join(&sep))
                }
                _ => Val::Unknown,
            },
            // `lru_cache(…)(f)` and friends wrap their argument.
            Val::Returned(q) if q.is("functools", "lru_cache") || q.is("functools", "wraps") => {
                Val::Wrapped(Box::new(arg(0, self)))
            }
            _ => Val::Unknown,
        }
    }
}

/// The value of a name the unpickler looks up.
fn found(f: Found) -> Val {
    match f {
        Found::Name(q) => canon(q),
        Found::UnmappedExt(code) => Val::Ext(code),
        Found::Computed => Val::Unresolved,
        Found::Fails(_) => Val::Unknown,
    }
}

/// Globals that are modules themselves (dill's reference to its own module).
fn canon(q: QualName) -> Val {
    match (q.module.as_str(), q.name.as_str()) {
        ("dill", "_dill" | "dill") | ("dill._shims", "_dill") => Val::Module("dill._dill".into()),
        _ => Val::Global(q),
    }
}

fn str_of(v: Val) -> Option<String> {
    match v {
        Val::Str(s) => Some(s),
        _ => None,
    }
}

/// `getattr(base, name)`.
pub fn attr(base: Val, name: Option<String>) -> Val {
    match (base, name) {
        (Val::Module(m), Some(n)) => canon(normalise(&m, &n, 4)),
        (Val::Global(q), Some(n)) => {
            Val::Global(QualName::new(q.module, format!("{}.{n}", q.name)))
        }
        (base, name) => Val::Attr(Box::new(base), name),
    }
}

/// `codecs.decode(s, encoding)` for the codecs that can be undone without running anything.
pub fn decode(s: &str, encoding: &str) -> Option<String> {
    let enc = encoding.to_ascii_lowercase().replace('-', "_");
    match enc.as_str() {
        "rot13" | "rot_13" => Some(s.chars().map(rot13).collect()),
        "utf_8" | "utf8" | "latin_1" | "latin1" | "iso8859_1" | "ascii" | "unicode_escape"
        | "raw_unicode_escape" => Some(s.to_string()),
        "hex" | "hex_codec" => {
            let b = s.as_bytes();
            if !b.len().is_multiple_of(2) {
                return None;
            }
            let bytes: Option<Vec<u8>> = b
                .chunks(2)
                .map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                .collect();
            Some(String::from_utf8_lossy(&bytes?).into_owned())
        }
        "base64" | "base64_codec" => base64(s).map(|b| String::from_utf8_lossy(&b).into_owned()),
        _ => None,
    }
}

fn rot13(c: char) -> char {
    match c {
        'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
        'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
        _ => c,
    }
}

fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statically_decodable_codecs() {
        assert_eq!(decode("bf", "rot13").as_deref(), Some("os"));
        assert_eq!(decode("flfgrz", "rot_13").as_deref(), Some("system"));
        assert_eq!(decode("6f73", "hex").as_deref(), Some("os"));
        assert_eq!(decode("c3lzdGVt", "base64").as_deref(), Some("system"));
        assert_eq!(decode("x", "zlib"), None);
    }
}
