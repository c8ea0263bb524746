//! Describing a value without running it: its Python type as `type(v)` would
//! print it, a short preview like the start of its repr, and its children for
//! the tree. All knowledge of particular factories comes from `knowledge`.

mod children;
mod preview;

use std::cell::RefCell;
use std::collections::HashMap;

use super::code::{CodeInfo, code_info};
use super::knowledge::{self, Dill, Known, Returns};
use super::names::{QualName, global_name, module_ref};
use super::pyrepr;
use crate::pickle::text::Scalar;
use crate::pickle::{EffectKind, NodeId, NodeKind, NodeMap, Program};

/// How deep type inference follows callables and classes before it gives up.
const MAX_DEPTH: u32 = 24;

/// A Python type, or an honest "unknown" naming the factory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ty(pub String);

impl Ty {
    fn known(s: impl Into<String>) -> Ty {
        Ty(s.into())
    }
    fn unknown(what: impl std::fmt::Display) -> Ty {
        Ty(format!("? {what}"))
    }
    pub fn is_known(&self) -> bool {
        !self.0.starts_with('?')
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A class a node stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    pub module: String,
    pub qualname: String,
    /// `type(cls)`, e.g. `builtins.type`, `abc.ABCMeta`; `None` when unknown.
    pub meta: Option<String>,
    /// Built by the file (`_create_type`…), as opposed to referenced by name.
    pub by_value: bool,
    /// The factory call that built it (for bases and members).
    pub node: NodeId,
}

impl ClassInfo {
    pub fn path(&self) -> String {
        format!("{}.{}", self.module, self.qualname)
    }
}

/// One child row of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    pub name: String,
    /// The value, when the child is a value in the file.
    pub node: Option<NodeId>,
    /// A fact shown as text (function file, line, arguments…).
    pub fact: Option<String>,
}

impl Child {
    fn value(name: impl Into<String>, node: NodeId) -> Child {
        Child {
            name: name.into(),
            node: Some(node),
            fact: None,
        }
    }
    fn fact(name: impl Into<String>, text: impl Into<String>) -> Child {
        Child {
            name: name.into(),
            node: None,
            fact: Some(text.into()),
        }
    }
}

/// dill's post-processing, read once per program: calls whose result was thrown away.
#[derive(Debug, Default)]
pub struct Post {
    /// Attributes set after the fact (`setattr(obj, name, value)`): target → (name, value).
    pub attrs: NodeMap<Vec<(String, NodeId)>>,
    /// Post-processing calls, attached to the object they change (their first argument).
    pub calls: NodeMap<Vec<NodeId>>,
}

impl Post {
    pub fn read(p: &Program) -> Post {
        let mut post = Post::default();
        for e in p.effects() {
            if e.kind != EffectKind::Pop || p.node(e.target).kind != NodeKind::Reduce {
                continue;
            }
            let call = p.node(e.target);
            let args = p.items(NodeId(call.b));
            let Some(&obj) = args.first() else { continue };
            post.calls.entry(obj).or_default().push(e.target);
            let Some(f) = global_name(p, NodeId(call.a)) else {
                continue;
            };
            let is_setattr = f.is("builtins", "setattr") || f.is_dill("_setattr");
            if is_setattr
                && args.len() == 3
                && let Some(name) = p.text(args[1])
            {
                post.attrs.entry(obj).or_default().push((name, args[2]));
            }
        }
        post
    }
}

/// Reads values out of a program, caching what it has worked out.
pub struct Describer<'p> {
    pub p: &'p Program,
    pub post: &'p Post,
    /// Minor version of the writing Python, when known (for names that moved, like EnumType).
    pub py_minor: Option<u32>,
    /// `(major, minor)` of the newest Python the file's code fits, when known.
    pub python_max: Option<(u32, u32)>,
    /// `Some(true)` for numpy ≥ 2 (`numpy._core`), `Some(false)` for numpy 1.x.
    pub numpy2: Option<bool>,
    classes: RefCell<NodeMap<Option<ClassInfo>>>,
    called: RefCell<NodeMap<Option<QualName>>>,
    defined: RefCell<Option<HashMap<(String, String), ClassInfo>>>,
}

impl<'p> Describer<'p> {
    pub fn new(p: &'p Program, post: &'p Post) -> Describer<'p> {
        Describer {
            p,
            post,
            py_minor: None,
            python_max: None,
            numpy2: None,
            classes: RefCell::new(NodeMap::default()),
            called: RefCell::new(NodeMap::default()),
            defined: RefCell::new(None),
        }
    }

    fn post_attr(&self, id: NodeId, name: &str) -> Option<NodeId> {
        self.post
            .attrs
            .get(&id)?
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|x| x.1)
    }

    pub(crate) fn args(&self, call: NodeId) -> &'p [NodeId] {
        self.p.items(NodeId(self.p.node(call).b))
    }

    fn callable(&self, call: NodeId) -> NodeId {
        NodeId(self.p.node(call).a)
    }

    /// The global a REDUCE calls, when it calls one.
    pub fn called(&self, call: NodeId) -> Option<QualName> {
        if self.p.node(call).kind != NodeKind::Reduce {
            return None;
        }
        let f = self.callable(call);
        if let Some(q) = self.called.borrow().get(&f) {
            return q.clone();
        }
        let q = global_name(self.p, f);
        self.called.borrow_mut().insert(f, q.clone());
        q
    }

    fn dill_call(&self, call: NodeId) -> Option<Dill> {
        match knowledge::lookup(&self.called(call)?) {
            Some(Known::Dill(d)) => Some(d),
            _ => None,
        }
    }

    /// The state of the last BUILD on a node.
    pub fn build_state(&self, id: NodeId) -> Option<NodeId> {
        let p = self.p;
        p.effects_on(id)
            .filter(|&e| p.effect(e).kind == EffectKind::Build)
            .last()
            .map(|e| p.effect_args(e)[0])
    }

    /// The items of a dict node (literal and SETITEMS), in order.
    pub fn dict_items(&self, id: NodeId) -> Vec<(NodeId, NodeId)> {
        let p = self.p;
        let mut out: Vec<(NodeId, NodeId)> =
            p.items(id).chunks_exact(2).map(|c| (c[0], c[1])).collect();
        for e in p.effects_on(id) {
            if p.effect(e).kind == EffectKind::SetItems {
                out.extend(p.effect_args(e).chunks_exact(2).map(|c| (c[0], c[1])));
            }
        }
        out
    }

    /// The items of a list/set (literal, APPEND(S), ADDITEMS), in order.
    pub fn seq_items(&self, id: NodeId) -> Vec<NodeId> {
        let p = self.p;
        let mut out = p.items(id).to_vec();
        for e in p.effects_on(id) {
            if matches!(p.effect(e).kind, EffectKind::Append | EffectKind::AddItems) {
                out.extend_from_slice(p.effect_args(e));
            }
        }
        out
    }

    /// The value under a str key of a dict node.
    pub fn dict_get(&self, dict: NodeId, key: &str) -> Option<NodeId> {
        if self.p.node(dict).kind != NodeKind::Dict {
            return None;
        }
        self.dict_items(dict)
            .into_iter()
            .rev()
            .find(|(k, _)| self.p.text(*k).as_deref() == Some(key))
            .map(|x| x.1)
    }

    /// The class a node is, if it is one.
    pub fn class_of(&self, id: NodeId) -> Option<ClassInfo> {
        self.class_depth(id, 0)
    }

    fn class_depth(&self, id: NodeId, depth: u32) -> Option<ClassInfo> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(c) = self.classes.borrow().get(&id) {
            return c.clone();
        }
        let c = self.class_uncached(id, depth);
        self.classes.borrow_mut().insert(id, c.clone());
        c
    }

    fn class_uncached(&self, id: NodeId, depth: u32) -> Option<ClassInfo> {
        let p = self.p;
        let node = p.node(id);
        let mk = |module: &str, qualname: &str, meta: Option<String>, by_value| ClassInfo {
            module: module.to_string(),
            qualname: qualname.to_string(),
            meta,
            by_value,
            node: id,
        };
        match node.kind {
            NodeKind::Global | NodeKind::StackGlobal => {
                let q = global_name(p, id)?;
                if q.is("__builtin__", "NoneType") {
                    return Some(mk(
                        "builtins",
                        "NoneType",
                        Some("builtins.type".into()),
                        false,
                    ));
                }
                match knowledge::lookup(&q) {
                    Some(Known::Class { meta }) => {
                        Some(mk(&q.module, &q.name, Some(self.meta_name(meta)), false))
                    }
                    Some(_) => None,
                    // A reference to a class this very file builds by value (dill's fallback for
                    // classes that refer to themselves, such as Enums): its metaclass is known.
                    None if self.defined_class(&q).is_some() => {
                        let def = self.defined_class(&q)?;
                        Some(ClassInfo {
                            by_value: false,
                            node: id,
                            ..def
                        })
                    }
                    // An unknown capitalised name is almost always a class; its metaclass stays unknown.
                    None if q.short().starts_with(|c: char| c.is_ascii_uppercase()) => {
                        Some(mk(&q.module, &q.name, None, false))
                    }
                    None => None,
                }
            }
            NodeKind::Reduce => {
                let q = self.called(id)?;
                let args = self.args(id);
                match knowledge::lookup(&q)? {
                    Known::Dill(Dill::LoadType) => {
                        let name = p.text(*args.first()?)?;
                        let full = knowledge::load_type(&name);
                        let (m, n) = full.rsplit_once('.')?;
                        Some(mk(m, n, Some("builtins.type".into()), false))
                    }
                    Known::Dill(Dill::CreateType) => {
                        let name = p.text(*args.get(1)?)?;
                        let dict = args.get(3).copied();
                        let module = dict
                            .and_then(|d| self.dict_get(d, "__module__"))
                            .and_then(|m| p.text(m));
                        let qualname = self
                            .post_attr(id, "__qualname__")
                            .or_else(|| dict.and_then(|d| self.dict_get(d, "__qualname__")))
                            .and_then(|q| p.text(q))
                            .unwrap_or_else(|| name.clone());
                        let meta = args
                            .first()
                            .and_then(|&m| self.class_depth(m, depth + 1))
                            .map(|c| c.path());
                        let meta = meta.map(|m| self.meta_name_owned(m));
                        Some(mk(
                            module.as_deref().unwrap_or("__main__"),
                            &qualname,
                            meta,
                            true,
                        ))
                    }
                    Known::Dill(Dill::CreateNamedtuple) => {
                        let name = p.text(*args.first()?)?;
                        let module = args
                            .get(2)
                            .and_then(|&m| p.text(m))
                            .unwrap_or_else(|| "__main__".into());
                        let qualname = self
                            .post_attr(id, "__qualname__")
                            .and_then(|q| p.text(q))
                            .unwrap_or(name);
                        Some(mk(&module, &qualname, Some("builtins.type".into()), true))
                    }
                    Known::Dill(Dill::CreateDtypeMeta) => Some(mk(
                        "numpy.dtypes",
                        "DTypeMeta",
                        Some("numpy._DTypeMeta".into()),
                        true,
                    )),
                    Known::Func {
                        returns: Returns::Type("builtins.type"),
                        ..
                    } if q.is("types", "new_class") => {
                        let name = p.text(*args.first()?)?;
                        let kwds = args.get(2).copied();
                        let meta = kwds
                            .and_then(|k| self.dict_get(k, "metaclass"))
                            .and_then(|m| self.class_depth(m, depth + 1))
                            .map(|c| self.meta_name_owned(c.path()));
                        let body = args.get(3).and_then(|&b| self.partial_source_dict(b));
                        let module = body
                            .and_then(|d| self.dict_get(d, "__module__"))
                            .and_then(|m| p.text(m));
                        let qualname = self
                            .post_attr(id, "__qualname__")
                            .and_then(|q| p.text(q))
                            .unwrap_or(name);
                        let meta = meta.or_else(|| Some("builtins.type".into()));
                        Some(mk(
                            module.as_deref().unwrap_or("__main__"),
                            &qualname,
                            meta,
                            true,
                        ))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A class the file builds by value, by its module and qualified name.
    fn defined_class(&self, q: &QualName) -> Option<ClassInfo> {
        if self.defined.borrow().is_none() {
            // Mark as built first: describing a class below may ask for this map again.
            *self.defined.borrow_mut() = Some(HashMap::new());
            let mut map = HashMap::new();
            for (id, node) in self.p.nodes() {
                if node.kind != NodeKind::Reduce {
                    continue;
                }
                let builds = matches!(
                    self.dill_call(id),
                    Some(Dill::CreateType | Dill::CreateNamedtuple)
                ) || self.called(id).is_some_and(|c| c.is("types", "new_class"));
                if builds && let Some(c) = self.class_depth(id, 1) {
                    map.entry((c.module.clone(), c.qualname.clone()))
                        .or_insert(c);
                }
            }
            *self.defined.borrow_mut() = Some(map);
        }
        self.defined
            .borrow()
            .as_ref()?
            .get(&(q.module.clone(), q.name.clone()))
            .cloned()
    }

    /// `partial(_setitems, source={...})` as dill writes a class body for `types.new_class`.
    fn partial_source_dict(&self, partial: NodeId) -> Option<NodeId> {
        let state = self.build_state(partial)?;
        let kw = *self.p.items(state).get(2)?;
        self.dict_get(kw, "source")
    }

    fn meta_name(&self, meta: &str) -> String {
        self.meta_name_owned(meta.to_string())
    }

    /// `enum.EnumMeta` is printed `enum.EnumType` from Python 3.11 on; with no code
    /// object to date the file, which one it is stays unknown.
    fn meta_name_owned(&self, meta: String) -> String {
        if meta == "enum.EnumMeta" || meta == "enum.EnumType" {
            return match self.py_minor {
                Some(m) if m >= 11 => "enum.EnumType".into(),
                Some(_) => "enum.EnumMeta".into(),
                None => "? enum.EnumType (Python ≥ 3.11) or enum.EnumMeta".into(),
            };
        }
        meta
    }

    /// `type(value)` as Python prints it.
    pub fn type_of(&self, id: NodeId) -> Ty {
        self.type_depth(id, 0)
    }

    fn type_depth(&self, id: NodeId, depth: u32) -> Ty {
        if depth > MAX_DEPTH {
            return Ty::unknown("nested too deeply");
        }
        let p = self.p;
        let node = p.node(id);
        let builtin = |n: &str| Ty::known(format!("builtins.{n}"));
        match node.kind {
            NodeKind::None => builtin("NoneType"),
            NodeKind::Bool => builtin("bool"),
            NodeKind::Int => builtin("int"),
            NodeKind::Float => builtin("float"),
            NodeKind::Str => builtin("str"),
            NodeKind::Bytes => builtin("bytes"),
            NodeKind::ByteArray => builtin("bytearray"),
            NodeKind::Buffer => Ty::unknown("out-of-band buffer"),
            NodeKind::List => builtin("list"),
            NodeKind::Tuple => builtin("tuple"),
            NodeKind::Dict => builtin("dict"),
            NodeKind::Set => builtin("set"),
            NodeKind::FrozenSet => builtin("frozenset"),
            NodeKind::Global | NodeKind::StackGlobal => self.reference_type(id),
            NodeKind::Reduce => self.call_type(id, depth),
            NodeKind::NewObj | NodeKind::NewObjEx => {
                let cls = if node.kind == NodeKind::NewObj {
                    NodeId(node.a)
                } else {
                    p.items(id)[0]
                };
                self.instance_type(cls, &[], depth)
            }
            NodeKind::Obj => self.instance_type(p.items(id)[0], &[], depth),
            NodeKind::Inst => match p.global_pair(id) {
                Some((m, n)) => Ty::known(super::names::normalise(&m, &n, p.protocol).to_string()),
                None => Ty::unknown("INST"),
            },
            NodeKind::Ext => Ty::unknown(format!("extension code {}", p.op_int(id).unwrap_or(-1))),
            NodeKind::PersId => Ty::unknown("persistent id"),
        }
    }

    fn reference_type(&self, id: NodeId) -> Ty {
        let p = self.p;
        let Some(q) = global_name(p, id) else {
            return Ty::unknown("global");
        };
        if q.module == "__builtin__" && q.name == "__main__" || q.name == "__dict__" {
            return Ty::known("builtins.dict");
        }
        if module_ref(p, id, 0).is_some() {
            return Ty::known("builtins.module");
        }
        if let Some(c) = self.class_of(id) {
            return match c.meta {
                Some(m) if m.starts_with('?') => Ty(m),
                Some(m) => Ty::known(m),
                None => Ty::unknown(format!("class {q} (by reference)")),
            };
        }
        match knowledge::lookup(&q) {
            Some(Known::Func { ty, .. }) => Ty::known(ty),
            Some(Known::Object { ty }) => Ty::known(ty),
            Some(Known::Dill(_)) => Ty::known("builtins.function"),
            _ => Ty::unknown(format!("{q} (by reference)")),
        }
    }

    fn instance_type(&self, cls: NodeId, args: &[NodeId], depth: u32) -> Ty {
        match self.class_depth(cls, depth + 1) {
            Some(c) => {
                if c.module == "numpy"
                    && c.qualname == "dtype"
                    && let Some(code) = args.first().and_then(|&a| self.p.text(a))
                {
                    return self.dtype_type(&code);
                }
                Ty::known(c.path())
            }
            None => match global_name(self.p, cls) {
                Some(q) => Ty::unknown(format!("instance of {q}")),
                None => Ty::unknown("instance of an unknown class"),
            },
        }
    }

    /// `type(np.dtype(code))`: its name changed with numpy 1.20, 1.25 and 2.0.
    fn dtype_type(&self, code: &str) -> Ty {
        let new = knowledge::numpy_dtype_class(code);
        let scalar = knowledge::numpy_dtype_name(code);
        let scalar = if scalar == "bool" {
            "bool_".to_string()
        } else {
            scalar
        };
        let old = format!("numpy.dtype[{scalar}]");
        match (self.numpy2, self.python_max) {
            (Some(true), _) | (None, _) if new.is_some() && self.numpy2 == Some(true) => {
                Ty::known(new.unwrap_or_default())
            }
            (_, Some((2, _))) => Ty::known("numpy.dtype"),
            // numpy 1.25 (the first with numpy.dtypes) needs Python 3.9.
            (Some(false), Some((3, m))) if m <= 8 => Ty::known(old),
            _ => Ty::unknown(format!(
                "{old} or {} (depends on the numpy version)",
                new.unwrap_or_default()
            )),
        }
    }

    fn call_type(&self, id: NodeId, depth: u32) -> Ty {
        let p = self.p;
        let f = self.callable(id);
        let args = self.args(id);
        if self.class_depth(f, depth + 1).is_some() {
            return self.instance_type(f, args, depth);
        }
        if let Some(c) = self.class_depth(id, depth + 1) {
            return match c.meta {
                Some(m) if m.starts_with('?') => Ty(m),
                Some(m) => Ty::known(m),
                None => Ty::unknown(format!("class {} (metaclass unknown)", c.path())),
            };
        }
        // A call of a descriptor `_getattr(dict, 'keys', …)` makes a dict view.
        if p.node(f).kind == NodeKind::Reduce && self.dill_call(f) == Some(Dill::GetAttrDescriptor)
        {
            return self.view_type(f);
        }
        let Some(q) = self.called(id) else {
            return Ty::unknown("result of a call");
        };
        match knowledge::lookup(&q) {
            Some(Known::Dill(d)) => self.dill_type(d, id, args, depth),
            Some(Known::Func { returns, .. }) => match returns {
                Returns::Type(t) => Ty::known(t),
                Returns::InstanceOfArg(n) => match args.get(n) {
                    Some(&c) => self.instance_type(c, &[], depth),
                    None => Ty::unknown(format!("{q}()")),
                },
                Returns::NumpyScalar => {
                    let code = args.first().and_then(|&d| self.numpy_dtype_code(d));
                    match code.as_deref().and_then(knowledge::numpy_scalar_type) {
                        Some(t) => Ty::known(t),
                        None => Ty::unknown(format!("{q}()")),
                    }
                }
                Returns::NumpyDtype | Returns::Unknown => Ty::unknown(format!("{q}()")),
            },
            _ => Ty::unknown(format!("{q}()")),
        }
    }

    fn dill_type(&self, d: Dill, id: NodeId, args: &[NodeId], depth: u32) -> Ty {
        let p = self.p;
        let t = match d {
            Dill::ImportModule => "builtins.module",
            Dill::CreateFunction => "builtins.function",
            Dill::CreateCode => "builtins.code",
            Dill::CreateCell => "builtins.cell",
            Dill::CreateType | Dill::CreateNamedtuple | Dill::LoadType => "builtins.type",
            Dill::CreateDtypeMeta => "numpy._DTypeMeta",
            Dill::Fixed(t) => t,
            Dill::CreateArray => {
                let cls = args.get(1).and_then(|&a| p.items(a).first().copied());
                return match cls {
                    Some(c) => self.instance_type(c, &[], depth),
                    None => Ty::known("numpy.ndarray"),
                };
            }
            Dill::CreateFilehandle => return self.filehandle_type(args),
            Dill::EvalRepr => {
                let text = args.first().and_then(|&a| p.text(a)).unwrap_or_default();
                return match text.as_str() {
                    "Ellipsis" => Ty::known("builtins.ellipsis"),
                    "NotImplemented" => Ty::known("builtins.NotImplementedType"),
                    t if t.starts_with("range(") || t.starts_with("xrange(") => {
                        Ty::known("builtins.range")
                    }
                    t => Ty::unknown(format!("eval({})", pyrepr::str(t, 40))),
                };
            }
            Dill::GetAttrDescriptor => {
                let r = args.get(2).and_then(|&a| p.text(a)).unwrap_or_default();
                return Ty::known(descriptor_type(&r));
            }
            Dill::Helper => {
                return Ty::unknown(format!(
                    "{}()",
                    self.called(id).map(|q| q.to_string()).unwrap_or_default()
                ));
            }
        };
        Ty::known(t)
    }

    fn view_type(&self, getattr_call: NodeId) -> Ty {
        let args = self.args(getattr_call);
        let owner = args
            .first()
            .and_then(|&c| self.class_of(c))
            .map(|c| c.qualname)
            .unwrap_or_default();
        let name = args
            .get(1)
            .and_then(|&n| self.p.text(n))
            .unwrap_or_default();
        let prefix = if owner == "OrderedDict" {
            "collections.odict_"
        } else {
            "builtins.dict_"
        };
        match name.as_str() {
            "keys" | "values" | "items" => Ty::known(format!("{prefix}{name}")),
            _ => Ty::unknown(format!("result of {owner}.{name}()")),
        }
    }

    fn filehandle_type(&self, args: &[NodeId]) -> Ty {
        let p = self.p;
        let name = args.first().and_then(|&a| p.text(a)).unwrap_or_default();
        let mode = args.get(1).and_then(|&a| p.text(a)).unwrap_or_default();
        let pyio = args
            .get(4)
            .and_then(|&o| global_name(p, o))
            .is_some_and(|q| q.module == "_pyio");
        let module = if pyio { "_pyio" } else { "_io" };
        if matches!(name.as_str(), "<stdin>" | "<stdout>" | "<stderr>") || !mode.contains('b') {
            return Ty::known(format!("{module}.TextIOWrapper"));
        }
        let class = if mode.contains('+') {
            "BufferedRandom"
        } else if mode.contains('r') {
            "BufferedReader"
        } else {
            "BufferedWriter"
        };
        Ty::known(format!("{module}.{class}"))
    }

    /// The dtype string (`'f8'`) of a numpy dtype node: `numpy.dtype('f8', False, True)`.
    pub fn numpy_dtype_code(&self, id: NodeId) -> Option<String> {
        let p = self.p;
        let node = p.node(id);
        if node.kind != NodeKind::Reduce {
            return None;
        }
        let q = self.called(id)?;
        if !(q.module == "numpy" && q.name == "dtype") {
            return None;
        }
        let code = p.text(*self.args(id).first()?)?;
        // BUILD state (3, '<', …): the byte order goes in front of the code.
        let order = self
            .build_state(id)
            .and_then(|s| p.items(s).get(1).copied())
            .and_then(|o| p.text(o));
        match order.as_deref() {
            Some("<") | Some(">") if !code.starts_with(['<', '>', '|']) => {
                Some(format!("{}{code}", order.unwrap_or_default()))
            }
            _ => Some(code),
        }
    }

    /// Code facts for a function node (dill's `_create_function`, or old dill's
    /// `_load_type('FunctionType')(code, …)`).
    pub fn function_code(&self, id: NodeId) -> Option<(CodeInfo, NodeId)> {
        if self.p.node(id).kind != NodeKind::Reduce
            || self.type_of(id).as_str() != "builtins.function"
        {
            return None;
        }
        let code = *self.args(id).first()?;
        Some((self.code(code)?, code))
    }

    /// Code facts for a code node.
    pub fn code(&self, code: NodeId) -> Option<CodeInfo> {
        let p = self.p;
        if p.node(code).kind != NodeKind::Reduce || self.type_of(code).as_str() != "builtins.code" {
            return None;
        }
        code_info(p, NodeId(p.node(code).b))
    }
}

/// (dtype code, shape, fortran order, data node) of an ndarray.
pub type ArrayFacts = (Option<String>, Vec<String>, bool, Option<NodeId>);

fn descriptor_type(repr: &str) -> &'static str {
    if repr.starts_with("<method ") {
        "builtins.method_descriptor"
    } else if repr.starts_with("<slot wrapper") {
        "builtins.wrapper_descriptor"
    } else if repr.starts_with("<attribute") {
        "builtins.getset_descriptor"
    } else if repr.starts_with("<member") {
        "builtins.member_descriptor"
    } else if repr.starts_with("<built-in method") {
        "builtins.builtin_function_or_method"
    } else if repr.starts_with("<method-wrapper") {
        "builtins.method-wrapper"
    } else {
        "builtins.classmethod_descriptor"
    }
}
