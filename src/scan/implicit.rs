//! Code that loading runs without a REDUCE naming it: the methods the
//! unpickler and the interpreter call on classes the file defines by value.
//! A by-value class (its own dict, its by-value bases, its by-value metaclass)
//! that defines one of the methods an op triggers makes that op run the
//! file's code: `__setstate__`/`__getattr__` on BUILD, `__new__`/`__init__` on
//! creation, `__init_subclass__`/`__set_name__`/metaclass hooks on class
//! creation, `__hash__`/`__eq__` for dict keys and set items,
//! `__setitem__`/`append`/`extend`/`add` on container ops, `__setattr__` on
//! setattr and slot state, `__del__` whenever an instance exists.

use super::allow::{self, Use};
use super::analyse::{Analyser, Verdict, dangerous, unknown};
use super::value::Val;
use super::{Capability, Category, deny};
use crate::pickle::{NodeId, NodeKind};
use crate::session::names::QualName;

/// Creating an instance (NEWOBJ, `copyreg.__newobj__`, `object.__new__` from a by-value base).
const ON_NEW: &[&str] = &["__new__", "__del__"];
/// Calling a class (REDUCE, OBJ, INST): `type.__call__` runs both.
const ON_CALL: &[&str] = &["__new__", "__init__", "__del__"];
/// BUILD: `getattr(obj, '__setstate__')` goes through the attribute hooks first.
const ON_BUILD: &[&str] = &["__setstate__", "__getattribute__", "__getattr__"];
/// BUILD with slot state: `setattr(obj, k, v)` for each slot.
const ON_SLOTS: &[&str] = &["__setattr__"];
const ON_SETITEMS: &[&str] = &["__setitem__", "__getattribute__", "__getattr__"];
const ON_APPEND: &[&str] = &["append", "extend", "__getattribute__", "__getattr__"];
const ON_ADD: &[&str] = &["add", "__getattribute__", "__getattr__"];
/// A dict key or set item.
const ON_HASH: &[&str] = &["__hash__", "__eq__"];
/// A metaclass the file defines: making a class calls these on it.
const ON_META: &[&str] = &[
    "__new__",
    "__init__",
    "__call__",
    "__prepare__",
    "__setattr__",
];
/// Enum creation calls these on the enum class itself, for every member.
const ON_ENUM: &[&str] = &[
    "__new__",
    "__init__",
    "_generate_next_value_",
    "__set_name__",
];

/// How a by-value class is made: (metaclass value node, bases tuple node, dict node).
struct Parts {
    meta: Option<NodeId>,
    bases: Option<NodeId>,
    dict: Option<NodeId>,
}

impl Analyser<'_> {
    fn parts(&mut self, cls: NodeId) -> Parts {
        let p = self.p;
        let none = Parts {
            meta: None,
            bases: None,
            dict: None,
        };
        if p.node(cls).kind != NodeKind::Reduce {
            return none;
        }
        let f = NodeId(p.node(cls).a);
        let args = p.items(NodeId(p.node(cls).b));
        match self.ev.eval(f) {
            Val::Global(q) if q.is("dill._dill", "_create_type") => Parts {
                meta: args.first().copied(),
                bases: args.get(2).copied(),
                dict: args.get(3).copied(),
            },
            Val::Global(q) if q.is("types", "new_class") => Parts {
                meta: None,
                bases: args.get(1).copied(),
                dict: self.d.class_of(cls).and_then(|c| self.d.class_dict(&c)),
            },
            _ => Parts {
                meta: Some(f),
                bases: args.get(1).copied(),
                dict: args.get(2).copied(),
            },
        }
    }

    /// The value node the by-value class `cls` (or a by-value base) has for `name`:
    /// its class dict, then attributes set on it after creation.
    pub(super) fn class_attr(&mut self, cls: NodeId, name: &str) -> Option<NodeId> {
        self.class_attr_depth(cls, name, 0)
    }

    fn class_attr_depth(&mut self, cls: NodeId, name: &str, depth: u32) -> Option<NodeId> {
        if depth > 16 {
            self.out.limit_hit = true;
            return None;
        }
        let parts = self.parts(cls);
        if let Some(post) = self.s.post.attrs.get(&cls)
            && let Some((_, v)) = post.iter().rev().find(|(n, _)| n == name)
        {
            return Some(*v);
        }
        if let Some(dict) = parts.dict
            && let Some(v) = self.d.dict_get(dict, name)
        {
            return Some(v);
        }
        let bases: Vec<NodeId> = parts
            .bases
            .map(|b| self.p.items(b).to_vec())
            .unwrap_or_default();
        for base in bases {
            if let Val::Class(b) = self.ev.eval(base)
                && b != cls
                && let Some(v) = self.class_attr_depth(b, name, depth + 1)
            {
                return Some(v);
            }
        }
        None
    }

    /// The first of `names` the class runs as its own code, judged as a call.
    pub(super) fn run_hooks(
        &mut self,
        at: NodeId,
        offset: u64,
        cls: NodeId,
        names: &[&'static str],
        why: &str,
    ) -> bool {
        for &name in names {
            let key = (cls, name);
            let found = match self.methods.get(&key) {
                Some(&f) => f,
                None => {
                    let f = self.class_attr(cls, name);
                    self.methods.insert(key, f);
                    f
                }
            };
            let Some(value) = found else { continue };
            let mut v = self.ev.eval(value);
            // staticmethod/classmethod wrappers (`_create_ftype`) run what they wrap.
            while let Val::Wrapped(inner) = v {
                v = *inner;
            }
            let class = self
                .d
                .class_of(cls)
                .map_or_else(|| "?".to_string(), |c| c.qualname);
            let judged = match &v {
                Val::Function(f) => self.run_by_value(*f, "runs"),
                // A plain value that is not callable (`__hash__ = None`) runs nothing.
                Val::Unknown if self.p.node(value).kind == NodeKind::None => None,
                // A library's own method (`enum.Enum.__new__`): listed code, not the file's.
                Val::Global(q) if allow::lookup(&q.module, &q.name).is_some() => None,
                other => {
                    let other = other.clone();
                    self.judge(at, &other, &[])
                }
            };
            let Some((sev, cat, what)) = judged else {
                continue;
            };
            let cat = match cat {
                Category::ByValueCode => Category::Implicit,
                c => c,
            };
            let what = format!("{why}: {class}.{name} — {what}");
            self.push_at(at, offset, sev, cat, what, format!("hook {class}.{name}"));
            self.log(at, format!("{class}.{name}"), None, sev);
            return true;
        }
        false
    }

    /// The by-value class an object was made from, when the file says.
    pub(super) fn instance_class(&mut self, obj: NodeId) -> Option<NodeId> {
        let p = self.p;
        let node = p.node(obj);
        let cls = match node.kind {
            NodeKind::NewObj => NodeId(node.a),
            NodeKind::NewObjEx | NodeKind::Obj => *p.items(obj).first()?,
            NodeKind::Inst => obj,
            NodeKind::Reduce => {
                let f = NodeId(node.a);
                let args = p.items(NodeId(node.b));
                match self.ev.eval(f) {
                    Val::Global(q) if q.module == "copyreg" || q.module == "copy_reg" => {
                        *args.first()?
                    }
                    Val::Class(_) => f,
                    Val::Global(q) if self.is_own_module(&q.module) => f,
                    _ => return None,
                }
            }
            _ => return None,
        };
        self.class_node(cls)
    }

    /// The by-value class a node stands for: a `_create_type` call, or a global of the file's own module.
    pub(super) fn class_node(&mut self, cls: NodeId) -> Option<NodeId> {
        let v = match self.p.node(cls).kind {
            NodeKind::Inst => match self.ev.eval(cls) {
                Val::Returned(q) => Val::Global(q),
                v => v,
            },
            _ => self.ev.eval(cls),
        };
        match v {
            Val::Class(c) => Some(c),
            Val::Global(q) if self.is_own_module(&q.module) => match self.own_global(&q) {
                Some(Val::Class(c)) => Some(c),
                _ => None,
            },
            _ => None,
        }
    }

    /// Calling a by-value class: `type(cls).__call__`, `__new__`, `__init__`.
    pub(super) fn class_call(&mut self, call: NodeId, cls: NodeId, _args: &[NodeId]) -> Verdict {
        let offset = self.p.node(call).offset;
        self.meta_hooks(call, offset, cls, &["__call__"]);
        self.run_hooks(call, offset, cls, ON_CALL, "creating an instance runs");
        None
    }

    /// NEWOBJ / NEWOBJ_EX / `copyreg.__newobj__`: `cls.__new__(cls, *args)`.
    pub(super) fn new_object(&mut self, id: NodeId, cls: NodeId, how: &str) {
        self.reference(cls);
        match self.class_node(cls) {
            Some(c) => {
                let offset = self.p.node(id).offset;
                let name = self.callee_text(&Val::Class(c));
                self.run_hooks(id, offset, c, ON_NEW, &format!("{how} runs"));
                self.log(id, format!("{name}.__new__"), None, super::Severity::Safe);
            }
            None => {
                let v = self.ev.eval(cls);
                let callee = self.callee_text(&v);
                let verdict = match &v {
                    // A namedtuple class dill has the library make.
                    Val::Returned(q) if q.is("dill._dill", "_create_namedtuple") => None,
                    Val::Global(q) => match allow::lookup(&q.module, &q.name) {
                        Some(Use::Data | Use::Meta) => None,
                        // `cls.__new__` only: the class's own code runs when the object is used.
                        _ => unknown(
                            Category::Unlisted,
                            format!("{how} creates a {q}, which is not on the allowlist as data"),
                        ),
                    },
                    _ => unknown(
                        Category::Computed,
                        format!("{how} creates an instance of a class brine cannot resolve"),
                    ),
                };
                let offset = self.p.node(id).offset;
                let sev = match verdict {
                    Some((s, c, w)) => {
                        self.push_at(id, offset, s, c, w, format!("new {callee}"));
                        s
                    }
                    None => super::Severity::Safe,
                };
                self.log(id, format!("{callee}.__new__"), None, sev);
            }
        }
    }

    fn meta_hooks(&mut self, at: NodeId, offset: u64, cls: NodeId, names: &[&'static str]) {
        let parts = self.parts(cls);
        if let Some(meta) = parts.meta
            && let Val::Class(m) = self.ev.eval(meta)
        {
            self.run_hooks(at, offset, m, names, "the by-value metaclass runs");
        }
    }

    /// Making a class: the metaclass, `__init_subclass__` of by-value bases,
    /// `__set_name__` of by-value objects in the class dict.
    pub(super) fn create_type(
        &mut self,
        call: NodeId,
        meta: Option<QualName>,
        args: &[NodeId],
        at: usize,
    ) -> Verdict {
        let offset = self.p.node(call).offset;
        let meta_val = match &meta {
            Some(q) => Val::Global(q.clone()),
            None => match args.first() {
                Some(&m) => match self.class_node(m) {
                    Some(c) => Val::Class(c),
                    None => self.ev.eval(m),
                },
                None => Val::Unknown,
            },
        };
        let (bases, dict) = (args.get(at + 1).copied(), args.get(at + 2).copied());
        let mut enum_meta = false;
        match &meta_val {
            Val::Global(q) => match allow::lookup(&q.module, &q.name) {
                Some(Use::Meta) => enum_meta = q.module == "enum",
                _ => {
                    return match deny::capability(q) {
                        Some(c) => dangerous(c, format!("makes a class with {q} as its metaclass")),
                        None => unknown(
                            Category::Unlisted,
                            format!(
                                "makes a class with metaclass {q}, which is not on the allowlist"
                            ),
                        ),
                    };
                }
            },
            Val::Class(m) => {
                let m = *m;
                self.run_hooks(
                    call,
                    offset,
                    m,
                    ON_META,
                    "making a class runs its by-value metaclass",
                );
            }
            _ => {
                return unknown(
                    Category::Computed,
                    "makes a class with a metaclass brine cannot resolve".into(),
                );
            }
        }
        let bases: Vec<NodeId> = bases.map(|b| self.p.items(b).to_vec()).unwrap_or_default();
        for b in bases {
            if let Some(c) = self.class_node(b) {
                self.run_hooks(
                    call,
                    offset,
                    c,
                    &["__init_subclass__"],
                    "making a subclass runs",
                );
            }
        }
        if let Some(dict) = dict
            && self.p.node(dict).kind == NodeKind::Dict
        {
            // Items written by DICT and by SETITEMS alike.
            for (_, v) in self.d.dict_items(dict) {
                if let Some(c) = self.instance_class(v) {
                    self.run_hooks(call, offset, c, &["__set_name__"], "making a class runs");
                }
            }
        }
        if enum_meta {
            // The class being made is the REDUCE itself.
            self.run_hooks(call, offset, call, ON_ENUM, "making an Enum runs");
        }
        None
    }

    /// BUILD on `target` with `state`.
    pub(super) fn build(&mut self, target: NodeId, state: Option<NodeId>, offset: u64) {
        if Some(target) == self.s.module_node {
            return;
        }
        if let Some(c) = self.instance_class(target) {
            if !self.run_hooks(target, offset, c, ON_BUILD, "BUILD runs") {
                let slots = state.is_some_and(|st| {
                    self.p.node(st).kind == NodeKind::Tuple
                        && self
                            .p
                            .items(st)
                            .get(1)
                            .is_some_and(|&s| self.p.node(s).kind != NodeKind::None)
                });
                if slots {
                    self.run_hooks(target, offset, c, ON_SLOTS, "BUILD with slot state runs");
                }
            }
            return;
        }
        match self.ev.eval(target) {
            Val::Class(c) => {
                self.run_hooks(
                    target,
                    offset,
                    c,
                    &["__setstate__"],
                    "BUILD on a by-value class runs",
                );
                self.meta_hooks(
                    target,
                    offset,
                    c,
                    &["__getattribute__", "__getattr__", "__setattr__"],
                );
            }
            Val::Module(m) if !self.is_own_module(&m) => {
                let what = format!(
                    "restores module {m} by value (BUILD over the imported module's names)"
                );
                self.mutation(target, offset, &m, what);
            }
            Val::Global(q)
                if !self.is_own_module(&q.module)
                    && allow::lookup(&q.module, &q.name) != Some(Use::Data) =>
            {
                let what = format!("BUILD changes the attributes of {q}");
                self.mutation(target, offset, &q.to_string(), what);
            }
            _ => {}
        }
    }

    /// A change to something the file did not build: dangerous for the interpreter's own state.
    fn mutation(&mut self, node: NodeId, offset: u64, what_of: &str, what: String) {
        let top = what_of.split('.').next().unwrap_or(what_of);
        let critical = matches!(
            top,
            "sys"
                | "builtins"
                | "__builtin__"
                | "os"
                | "posix"
                | "nt"
                | "__main__"
                | "copyreg"
                | "copy_reg"
                | "importlib"
                | "pickle"
                | "_pickle"
                | "dill"
                | "subprocess"
        );
        let (sev, cat) = if critical {
            (
                super::Severity::Dangerous,
                Category::Capability(Capability::Rebind),
            )
        } else {
            (super::Severity::Unknown, Category::Mutation)
        };
        self.push_at(node, offset, sev, cat, what.clone(), what);
    }

    /// SETITEMS (and SETITEM) into `target`.
    pub(super) fn set_items(&mut self, target: NodeId, args: &[NodeId], offset: u64) {
        for k in args.iter().step_by(2) {
            self.hashed(target, *k);
        }
        if self.p.node(target).kind == NodeKind::Dict {
            return;
        }
        if Some(target) == self.s.dict_node {
            return;
        }
        if let Some(c) = self.instance_class(target) {
            self.run_hooks(target, offset, c, ON_SETITEMS, "SETITEMS runs");
            return;
        }
        match self.ev.eval(target) {
            // A plain pickle has no business in the running program's namespace; a session
            // restores into it by design.
            Val::Global(q)
                if q.is("__builtin__", "__main__") && self.s.format.as_str() == "pickle" =>
            {
                self.mutation(
                    target,
                    offset,
                    "__main__",
                    "writes names into the running program's __main__".into(),
                );
            }
            Val::Global(q) if q.is("__builtin__", "__main__") => {}
            Val::Global(q)
                if !self.is_own_module(&q.module)
                    && allow::lookup(&q.module, &q.name) != Some(Use::Data) =>
            {
                let what = format!("SETITEMS changes {q}");
                self.mutation(target, offset, &q.to_string(), what);
            }
            Val::Module(m) if !self.is_own_module(&m) => {
                let what = format!("SETITEMS into module {m}");
                self.mutation(target, offset, &m, what);
            }
            _ => {}
        }
    }

    /// APPENDS / ADDITEMS into `target`.
    pub(super) fn append(&mut self, target: NodeId, offset: u64, set: bool) {
        if matches!(self.p.node(target).kind, NodeKind::List | NodeKind::Set) {
            return;
        }
        if let Some(c) = self.instance_class(target) {
            let names = if set { ON_ADD } else { ON_APPEND };
            self.run_hooks(
                target,
                offset,
                c,
                names,
                if set { "ADDITEMS runs" } else { "APPENDS runs" },
            );
            return;
        }
        if let Val::Global(q) = self.ev.eval(target)
            && !self.is_own_module(&q.module)
        {
            let what = format!("{} changes {q}", if set { "ADDITEMS" } else { "APPENDS" });
            self.mutation(target, offset, &q.to_string(), what);
        }
    }

    /// A dict key or set item: hashing it runs its class's `__hash__`/`__eq__`.
    pub(super) fn hashed(&mut self, container: NodeId, key: NodeId) {
        if !matches!(
            self.p.node(key).kind,
            NodeKind::NewObj
                | NodeKind::NewObjEx
                | NodeKind::Obj
                | NodeKind::Inst
                | NodeKind::Reduce
        ) {
            return;
        }
        if let Some(c) = self.instance_class(key) {
            let offset = self.p.node(key).offset;
            let _ = container;
            self.run_hooks(
                key,
                offset,
                c,
                ON_HASH,
                "using it as a dict key or set item runs",
            );
        }
    }
}
