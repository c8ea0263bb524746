//! One pass over the program: every global the file references, every call
//! loading makes (REDUCE, NEWOBJ/NEWOBJ_EX, OBJ/INST) and every mutation
//! (BUILD, SETITEMS, APPENDS, ADDITEMS, dict keys and set items), each judged
//! against the allowlist. Produces raw findings and the raw call log on nodes;
//! `report.rs` attributes them to variables. Argument constraints live in
//! `checks.rs`, the implicit-call model in `implicit.rs`, bytecode facts in `code.rs`.

use std::collections::{HashMap, HashSet};

use super::allow::{self, Use};
use super::value::{Evaluator, Val};
use super::{Capability, Category, Severity, deny};
use crate::pickle::resolve::Extensions;
use crate::pickle::{EffectKind, NodeId, NodeKind, NodeMap, Program};
use crate::session::names::QualName;
use crate::session::{Describer, Session};

/// A finding before it is attributed to a variable.
#[derive(Debug, Clone)]
pub struct Raw {
    pub node: NodeId,
    pub offset: u64,
    pub severity: Severity,
    pub category: Category,
    pub what: String,
    /// Findings with the same key under one variable are counted, not repeated.
    pub key: String,
}

/// One call in the log, before attribution.
#[derive(Debug, Clone, Copy)]
pub struct RawCall {
    pub node: NodeId,
    pub offset: u64,
    /// Index into [`Pass::callees`].
    pub callee: u32,
    /// The node whose items are the arguments (the argument tuple, or the call itself).
    pub args: Option<NodeId>,
    pub severity: Severity,
}

/// What a pass collects.
#[derive(Default)]
pub struct Pass {
    pub raw: Vec<Raw>,
    pub log: Vec<RawCall>,
    pub callees: Vec<String>,
    pub modules: HashSet<String>,
    /// A chain went deeper than the evaluator follows.
    pub limit_hit: bool,
}

/// The judgement of one call, reference or mutation.
pub(super) type Verdict = Option<(Severity, Category, String)>;

pub(super) fn unknown(category: Category, what: String) -> Verdict {
    Some((Severity::Unknown, category, what))
}

pub(super) fn dangerous(c: Capability, what: String) -> Verdict {
    Some((Severity::Dangerous, Category::Capability(c), what))
}

pub struct Analyser<'s> {
    pub(super) s: &'s Session,
    pub(super) p: &'s Program,
    pub(super) d: Describer<'s>,
    pub(super) ev: Evaluator<'s>,
    pub(super) out: Pass,
    callee_ids: HashMap<String, u32>,
    /// Calls of a callable node already proven safe whatever the arguments.
    fast: NodeMap<Option<u32>>,
    pub(super) code: HashMap<NodeId, super::code::CodeFacts>,
    pub(super) methods: HashMap<(NodeId, &'static str), Option<NodeId>>,
    pub(super) own: HashMap<QualName, Option<Val>>,
    pub(super) classes: Option<HashMap<(String, String), NodeId>>,
    referenced: NodeMap<()>,
    /// Nodes called as callables: their reference findings say nothing the call does not.
    called: NodeMap<()>,
}

impl<'s> Analyser<'s> {
    pub fn new(s: &'s Session) -> Analyser<'s> {
        Analyser {
            s,
            p: &s.program,
            d: s.describer(),
            ev: Evaluator::new(&s.program),
            out: Pass::default(),
            callee_ids: HashMap::new(),
            fast: NodeMap::default(),
            code: HashMap::new(),
            methods: HashMap::new(),
            own: HashMap::new(),
            classes: None,
            referenced: NodeMap::default(),
            called: NodeMap::default(),
        }
    }

    pub fn run(mut self) -> Pass {
        let p = self.p;
        {
            let mut probe = Evaluator::new(p);
            self.ev.extensions = Extensions::replay(p, &mut |id| probe.string(id));
        }
        for (id, node) in p.nodes() {
            match node.kind {
                NodeKind::Global | NodeKind::StackGlobal | NodeKind::Ext => self.reference(id),
                NodeKind::Reduce => {
                    let f = NodeId(node.a);
                    let args = NodeId(node.b);
                    self.call(id, f, Some(args));
                }
                NodeKind::NewObj => self.new_object(id, NodeId(node.a), "NEWOBJ"),
                NodeKind::NewObjEx => {
                    if let Some(&cls) = p.items(id).first() {
                        self.new_object(id, cls, "NEWOBJ_EX");
                    }
                }
                NodeKind::Obj => {
                    if let Some(&cls) = p.items(id).first() {
                        self.reference(cls);
                        self.call_value(id, cls, &p.items(id)[1..], "OBJ ");
                    }
                }
                NodeKind::Inst => {
                    self.reference(id);
                    self.call_value(id, id, p.items(id), "INST ");
                }
                NodeKind::Dict => {
                    let items = p.items(id);
                    for k in items.iter().step_by(2) {
                        self.hashed(id, *k);
                    }
                }
                NodeKind::Set | NodeKind::FrozenSet => {
                    for &k in p.items(id) {
                        self.hashed(id, k);
                    }
                }
                NodeKind::PersId => self.push(
                    id,
                    Severity::Unknown,
                    Category::Unlisted,
                    "asks the unpickler's persistent_load for an object (plain dill has none: loading fails)".into(),
                    "persid".into(),
                ),
                _ => {}
            }
        }
        for i in 0..p.effect_count() {
            let e = p.effect(i);
            let args = p.effect_args(i);
            match e.kind {
                EffectKind::Build => self.build(e.target, args.first().copied(), e.offset),
                EffectKind::SetItems => self.set_items(e.target, args, e.offset),
                EffectKind::Append => self.append(e.target, e.offset, false),
                EffectKind::AddItems => {
                    self.append(e.target, e.offset, true);
                    for &k in args {
                        self.hashed(e.target, k);
                    }
                }
                EffectKind::Pop => {}
            }
        }
        self.imported_refs();
        let called = std::mem::take(&mut self.called);
        self.out
            .raw
            .retain(|r| !(r.key.starts_with("ref ") && called.contains_key(&r.node)));
        self.out.limit_hit |= self.ev.limit_hit;
        self.out
    }

    pub(super) fn push(
        &mut self,
        node: NodeId,
        severity: Severity,
        category: Category,
        what: String,
        key: String,
    ) {
        self.push_at(
            node,
            self.p.node(node).offset,
            severity,
            category,
            what,
            key,
        );
    }

    pub(super) fn push_at(
        &mut self,
        node: NodeId,
        offset: u64,
        severity: Severity,
        category: Category,
        what: String,
        key: String,
    ) {
        self.out.raw.push(Raw {
            node,
            offset,
            severity,
            category,
            what,
            key,
        });
    }

    fn verdict(&mut self, node: NodeId, offset: u64, v: Verdict, key: &str) -> Severity {
        match v {
            Some((sev, cat, what)) => {
                self.push_at(node, offset, sev, cat, what, key.to_string());
                sev
            }
            None => Severity::Safe,
        }
    }

    fn callee_id(&mut self, text: String) -> u32 {
        if let Some(&i) = self.callee_ids.get(&text) {
            return i;
        }
        let i = self.out.callees.len() as u32;
        self.callee_ids.insert(text.clone(), i);
        self.out.callees.push(text);
        i
    }

    pub(super) fn log(
        &mut self,
        node: NodeId,
        callee: String,
        args: Option<NodeId>,
        sev: Severity,
    ) {
        let callee = self.callee_id(callee);
        self.out.log.push(RawCall {
            node,
            offset: self.p.node(node).offset,
            callee,
            args,
            severity: sev,
        });
    }

    /// A GLOBAL / STACK_GLOBAL / EXT / INST lookup: an import and an attribute walk.
    pub(super) fn reference(&mut self, id: NodeId) {
        if !matches!(
            self.p.node(id).kind,
            NodeKind::Global | NodeKind::StackGlobal | NodeKind::Ext | NodeKind::Inst
        ) || self.referenced.insert(id, ()).is_some()
        {
            return;
        }
        let v = match self.p.node(id).kind {
            NodeKind::Inst => match self.ev.eval(id) {
                Val::Returned(q) => Val::Global(q),
                v => v,
            },
            _ => self.ev.eval(id),
        };
        let verdict = match &v {
            Val::Global(q) => {
                self.out.modules.insert(q.module.clone());
                self.reference_verdict(q)
            }
            Val::Module(m) => {
                self.out.modules.insert(m.clone());
                None
            }
            Val::Ext(code) => unknown(
                Category::Computed,
                format!(
                    "looks up extension code {code}, which the copyreg registry does not map at that point"
                ),
            ),
            Val::Unresolved => unknown(
                Category::Computed,
                "looks up a global whose module or name the file computes at load".into(),
            ),
            _ => unknown(
                Category::Computed,
                "looks up a global that fails or cannot be resolved".into(),
            ),
        };
        let key = match &v {
            Val::Global(q) => format!("ref {q}"),
            _ => "computed global".into(),
        };
        let offset = self.p.node(id).offset;
        self.verdict(id, offset, verdict, &key);
    }

    fn reference_verdict(&mut self, q: &QualName) -> Verdict {
        if self.is_own_module(&q.module) {
            return match self.own_global(q) {
                Some(_) => None,
                None => unknown(
                    Category::Unlisted,
                    format!(
                        "refers to {q}, which the file does not define (the running program's is used)"
                    ),
                ),
            };
        }
        if allow::lookup(&q.module, &q.name).is_some() {
            return None;
        }
        let what = match deny::capability(q) {
            Some(_) => format!("refers to {q} (a dangerous callable; not called here)"),
            None => format!("refers to {q}, which is not on the allowlist"),
        };
        unknown(Category::Unlisted, what)
    }

    /// A REDUCE: `f(*args)`.
    fn call(&mut self, call: NodeId, f: NodeId, args: Option<NodeId>) {
        if let Some(fast) = self.fast.get(&f).copied() {
            if let Some(callee) = fast {
                self.out.log.push(RawCall {
                    node: call,
                    offset: self.p.node(call).offset,
                    callee,
                    args,
                    severity: Severity::Safe,
                });
                return;
            }
        } else {
            let fast = self.fast_callee(f);
            self.fast.insert(f, fast);
            if fast.is_some() {
                return self.call(call, f, args);
            }
        }
        let items: Vec<NodeId> = args.map(|a| self.p.items(a).to_vec()).unwrap_or_default();
        self.call_value_with(call, f, &items, args, "");
    }

    /// A callable whose calls are safe whatever the arguments: a listed data constructor.
    fn fast_callee(&mut self, f: NodeId) -> Option<u32> {
        let Val::Global(q) = self.ev.peek(f).clone() else {
            return None;
        };
        if self.is_own_module(&q.module) {
            return None;
        }
        match allow::lookup(&q.module, &q.name) {
            Some(Use::Data) if !hashes_items(&q) => Some(self.callee_id(q.to_string())),
            _ => None,
        }
    }

    pub(super) fn call_value(&mut self, call: NodeId, f: NodeId, args: &[NodeId], how: &str) {
        let args_node = match self.p.node(call).kind {
            NodeKind::Inst => Some(call),
            NodeKind::Obj => None,
            _ => None,
        };
        self.call_value_with(call, f, args, args_node, how);
    }

    fn call_value_with(
        &mut self,
        call: NodeId,
        f: NodeId,
        args: &[NodeId],
        args_node: Option<NodeId>,
        how: &str,
    ) {
        let v = match self.p.node(f).kind {
            NodeKind::Inst => match self.ev.eval(f) {
                Val::Returned(q) => Val::Global(q),
                v => v,
            },
            _ => self.ev.eval(f),
        };
        self.called.insert(f, ());
        let callee = self.callee_text(&v);
        let verdict = self.judge(call, &v, args);
        let verdict = verdict.map(|(s, c, w)| (s, c, format!("{how}{w}")));
        let key = format!("call {callee}");
        let offset = self.p.node(call).offset;
        let sev = self.verdict(call, offset, verdict, &key);
        self.log(call, callee, args_node, sev);
    }

    pub(super) fn callee_text(&self, v: &Val) -> String {
        match v {
            Val::Global(q) => q.to_string(),
            Val::Module(m) => format!("module {m}"),
            Val::Function(f) => match self.code.get(f) {
                Some(c) => format!("by-value function {}", c.name),
                None => "a by-value function".into(),
            },
            Val::Class(c) => match self.d.class_of(*c) {
                Some(i) => format!("by-value class {}", i.qualname),
                None => "a by-value class".into(),
            },
            Val::Wrapped(inner) => format!("a wrapper of {}", self.callee_text(inner)),
            Val::MethodCaller(n) => format!("operator.methodcaller({n:?})"),
            Val::AttrGetter(n) => format!("operator.attrgetter({n:?})"),
            Val::Attr(base, Some(n)) => format!("{}.{n}", self.callee_text(base)),
            Val::Returned(q) => format!("the result of {q}(…)"),
            Val::Ext(c) => format!("extension code {c}"),
            Val::Str(s) => format!("the string {s:?}"),
            _ => "a computed callable".into(),
        }
    }

    /// Whether calling `f` with `args` is proven safe; else what it is.
    pub(super) fn judge(&mut self, call: NodeId, f: &Val, args: &[NodeId]) -> Verdict {
        match f {
            Val::Global(q) => self.judge_global(call, q, args),
            Val::Function(func) => self.run_by_value(*func, "calls"),
            Val::Class(c) => self.class_call(call, *c, args),
            Val::Wrapped(inner) => {
                let inner = (**inner).clone();
                self.judge(call, &inner, args)
            }
            Val::MethodCaller(name) => match deny::method(name) {
                Some(c) => dangerous(c, format!("calls .{name}(…) through operator.methodcaller")),
                None => unknown(
                    Category::Unlisted,
                    format!("calls .{name}(…) through operator.methodcaller"),
                ),
            },
            Val::AttrGetter(name) => unknown(
                Category::Unlisted,
                format!("looks up .{name} through operator.attrgetter"),
            ),
            Val::Attr(_, Some(name)) => match deny::method(name) {
                Some(c) => dangerous(c, format!("calls method .{name}(…)")),
                None => unknown(
                    Category::Unlisted,
                    format!("calls method .{name}(…) of a value"),
                ),
            },
            Val::Attr(_, None) => unknown(
                Category::Computed,
                "calls an attribute whose name is computed at load".into(),
            ),
            Val::Returned(q) if q.is("functools", "lru_cache") => None,
            Val::Returned(q) => {
                let c = deny::capability(q);
                match c {
                    Some(c) => dangerous(c, format!("calls what {q}(…) returned")),
                    None => unknown(Category::Unlisted, format!("calls what {q}(…) returned")),
                }
            }
            Val::Ext(code) => unknown(
                Category::Computed,
                format!(
                    "calls extension code {code}, which the copyreg registry does not map at that point"
                ),
            ),
            Val::Unresolved => unknown(
                Category::Computed,
                "calls a global whose module or name the file computes at load".into(),
            ),
            Val::Str(_) | Val::Module(_) | Val::Unknown => unknown(
                Category::Computed,
                "calls a value brine cannot resolve statically".into(),
            ),
        }
    }

    fn judge_global(&mut self, call: NodeId, q: &QualName, args: &[NodeId]) -> Verdict {
        if self.is_own_module(&q.module) {
            return match self.own_global(q) {
                Some(v) if !matches!(v, Val::Global(_)) => self.judge(call, &v, args),
                _ => unknown(
                    Category::Unlisted,
                    format!(
                        "calls {q}, which the file does not define (the running program's is called)"
                    ),
                ),
            };
        }
        self.out.modules.insert(q.module.clone());
        match allow::lookup(&q.module, &q.name) {
            // Plain data constructors: what they are given is stored, not called, except
            // that set and dict constructors hash the items of an iterable argument.
            Some(Use::Data) => {
                if hashes_items(q)
                    && let Some(&it) = args.first()
                {
                    // Items written inline and by APPENDS/SETITEMS alike.
                    let keys: Vec<NodeId> = match self.p.node(it).kind {
                        NodeKind::Dict => {
                            self.d.dict_items(it).into_iter().map(|kv| kv.0).collect()
                        }
                        _ => self.p.children(it),
                    };
                    for k in keys {
                        self.hashed(call, k);
                    }
                }
                None
            }
            Some(Use::Meta) if args.len() == 3 => self.create_type(call, Some(q.clone()), args, 0),
            Some(Use::Meta) => None,
            Some(Use::Check(c)) => self.check(call, c, q, args),
            Some(Use::Ref) | None => {
                let text = self.args_text(args);
                if let Some(c) = deny::capability(q) {
                    return dangerous(c, format!("calls {q}{text}"));
                }
                if let Some((c, what)) = self.dangerous_arg(args) {
                    return dangerous(c, format!("passes {what} to {q}, which may call it"));
                }
                let why = if allow::lookup(&q.module, &q.name).is_some() {
                    "listed only as a reference"
                } else {
                    "not on the allowlist"
                };
                unknown(Category::Unlisted, format!("calls {q}{text} ({why})"))
            }
        }
    }

    /// A direct argument that is a dangerous callable.
    pub(super) fn dangerous_arg(&mut self, args: &[NodeId]) -> Option<(Capability, String)> {
        for &a in args {
            if !matches!(
                self.p.node(a).kind,
                NodeKind::Global | NodeKind::StackGlobal | NodeKind::Ext | NodeKind::Reduce
            ) {
                continue;
            }
            let v = self.ev.eval(a);
            if let Some(found) = self.callable_danger(&v) {
                return Some(found);
            }
        }
        None
    }

    /// What calling a value would reach, when that is a known-dangerous capability.
    pub(super) fn callable_danger(&mut self, v: &Val) -> Option<(Capability, String)> {
        match v {
            Val::Global(q) => {
                let c = match (q.module.as_str(), q.name.as_str()) {
                    ("dill._dill", "_eval_repr") => Some(Capability::Code),
                    _ => deny::capability(q),
                };
                c.map(|c| (c, q.to_string()))
            }
            Val::Function(f) => {
                let facts = self.code_facts(*f);
                facts.hits.first().map(|&(c, _)| {
                    (
                        c,
                        format!(
                            "by-value function {} (its code names {})",
                            facts.name,
                            facts.hit_names()
                        ),
                    )
                })
            }
            Val::Wrapped(inner) => self.callable_danger(inner),
            Val::MethodCaller(n) => deny::method(n).map(|c| (c, format!("methodcaller({n:?})"))),
            _ => None,
        }
    }

    /// Names a `refimported` session binds at load: `__import__(module)` and
    /// `getattr(module, name)` in dill's own code, after the pickle itself.
    fn imported_refs(&mut self) {
        for r in &self.s.imported {
            self.out.modules.insert(r.module.clone());
            let verdict = if !allow::importable(&r.module) {
                match deny::module(&r.module) {
                    Some(c) => dangerous(
                        c,
                        format!("imports {} (refimported as {})", r.module, r.name),
                    ),
                    None => unknown(
                        Category::Unlisted,
                        format!(
                            "imports {} (refimported as {}), which is not on the import list",
                            r.module, r.name
                        ),
                    ),
                }
            } else {
                // `getattr(module, name)` on a listed module runs nothing; the name is only
                // bound, so it matters only when it is a dangerous callable.
                match &r.attr {
                    Some(a) => {
                        let q = crate::session::names::normalise(&r.module, a, 4);
                        match deny::capability(&q) {
                            Some(_) if allow::lookup(&q.module, &q.name).is_none() => unknown(
                                Category::Unlisted,
                                format!(
                                    "refers to {q} (a dangerous callable; not called here) (refimported as {})",
                                    r.name
                                ),
                            ),
                            _ => None,
                        }
                    }
                    None => None,
                }
            };
            let offset = self.p.node(r.node).offset;
            self.verdict(
                r.node,
                offset,
                verdict,
                &format!("import {} {:?}", r.module, r.attr),
            );
        }
    }

    /// The module being loaded (`__main__` for sessions), whose names the file itself defines.
    pub(super) fn is_own_module(&self, m: &str) -> bool {
        m == "__main__" || self.s.module.as_deref() == Some(m)
    }

    /// What a global of the module being loaded is: the value the file stores under that name.
    pub(super) fn own_global(&mut self, q: &QualName) -> Option<Val> {
        if let Some(v) = self.own.get(q) {
            return v.clone();
        }
        // Mark first: a class whose dict refers to itself must not loop.
        self.own.insert(q.clone(), None);
        let v = self.find_own_global(q);
        self.own.insert(q.clone(), v.clone());
        v
    }

    fn find_own_global(&mut self, q: &QualName) -> Option<Val> {
        let top = q.name.split('.').next().unwrap_or(&q.name);
        let v = match self
            .s
            .entries
            .iter()
            .find(|e| e.name == top)
            .and_then(|e| e.value)
        {
            Some(v) => self.ev.eval(v),
            None => Val::Unknown,
        };
        // dill refers to a class it is still building by name (Enums): find the definition.
        let v = match v {
            Val::Function(_) | Val::Class(_) => v,
            other => match self.defined_class(&q.module, top) {
                Some(c) => Val::Class(c),
                None if top == q.name && matches!(other, Val::Global(_) | Val::Module(_)) => {
                    return Some(other);
                }
                None => return None,
            },
        };
        match v {
            Val::Function(_) | Val::Class(_) if top == q.name => Some(v),
            Val::Class(c) => {
                let rest = q.name.strip_prefix(top)?.trim_start_matches('.');
                let m = self.class_attr(c, rest)?;
                Some(self.ev.eval(m))
            }
            _ => None,
        }
    }

    /// The call that builds the by-value class `module.qualname`, if the file has one.
    fn defined_class(&mut self, module: &str, qualname: &str) -> Option<NodeId> {
        if self.classes.is_none() {
            let mut map = HashMap::new();
            let p = self.p;
            for (id, node) in p.nodes() {
                if node.kind != NodeKind::Reduce || !matches!(self.ev.eval(id), Val::Class(_)) {
                    continue;
                }
                if let Some(c) = self.d.class_of(id) {
                    map.entry((c.module, c.qualname)).or_insert(id);
                }
            }
            self.classes = Some(map);
        }
        self.classes
            .as_ref()?
            .get(&(module.to_string(), qualname.to_string()))
            .copied()
    }

    pub(super) fn args_text(&mut self, args: &[NodeId]) -> String {
        let mut parts: Vec<String> = Vec::new();
        for &a in args.iter().take(6) {
            let shown = match (self.p.node(a).kind, self.ev.eval(a)) {
                // Show strings the file computes (`codecs.decode('bf', 'rot13')`) as decoded.
                (NodeKind::Reduce, Val::Str(s)) => {
                    crate::session::pyrepr::clip(&format!("{s:?}"), 48)
                }
                (NodeKind::Global | NodeKind::StackGlobal, Val::Global(q)) => q.to_string(),
                _ => self.d.preview(a, 48),
            };
            parts.push(shown);
        }
        if args.len() > 6 {
            parts.push("…".into());
        }
        crate::session::pyrepr::clip(&format!("({})", parts.join(", ")), 120)
    }
}

/// Listed constructors that hash the items of their first argument.
fn hashes_items(q: &QualName) -> bool {
    matches!(
        (q.module.as_str(), q.name.as_str()),
        ("builtins", "set" | "frozenset" | "dict")
            | (
                "collections" | "_collections",
                "OrderedDict" | "Counter" | "defaultdict"
            )
    )
}
