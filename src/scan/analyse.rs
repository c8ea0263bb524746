//! One pass over the program: every global referenced, every call loading would
//! make (REDUCE, NEWOBJ/NEWOBJ_EX, INST/OBJ, BUILD through a by-value
//! `__setstate__`), each callable resolved by [`Evaluator`] and judged by the
//! rules table. Produces raw findings on nodes; `scan` attributes them.

use std::collections::{HashMap, HashSet};

use super::rules::{self, Check, Rule, call_rule, dangerous_method};
use super::value::{Evaluator, Val};
use super::{Category, Severity};
use crate::pickle::{EffectKind, NodeId, NodeKind, Program};
use crate::session::names::QualName;
use crate::session::{Describer, Session, pyrepr};

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

/// What a pass collects.
#[derive(Default)]
pub struct Pass {
    pub raw: Vec<Raw>,
    /// Every callable called at load, by name, with how often.
    pub calls: HashMap<String, u64>,
    /// Every module a global or import names.
    pub modules: HashSet<String>,
}

/// Modules with a dangerous row in the rules table, for names found in bytecode.
const CODE_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "shutil",
    "socket",
    "pty",
    "runpy",
    "webbrowser",
    "pickle",
    "_pickle",
    "dill",
    "ctypes",
    "code",
    "codeop",
    "urllib",
    "requests",
    "http",
    "ftplib",
    "smtplib",
    "marshal",
    "shelve",
    "importlib",
    "builtins",
    "platform",
    "asyncio",
];

pub struct Analyser<'s> {
    s: &'s Session,
    p: &'s Program,
    d: Describer<'s>,
    pub ev: Evaluator<'s>,
    rules: HashMap<QualName, Rule>,
    /// Nodes used as callables (or checked as arguments), so not mere references.
    used: HashSet<NodeId>,
    /// Code-name verdicts per by-value function.
    code: HashMap<NodeId, CodeFacts>,
    fast: HashMap<NodeId, Fast>,
    methods: HashMap<(NodeId, String), Option<NodeId>>,
    own: HashMap<QualName, Option<Val>>,
    fast_counts: HashMap<NodeId, u64>,
    safe_classes: HashMap<NodeId, bool>,
    /// By-value classes by (module, qualname), built when first needed.
    classes: Option<HashMap<(String, String), NodeId>>,
    /// The callable node of the call being judged.
    callable: Option<NodeId>,
    pub out: Pass,
}

/// Whether calls of one callable node can skip judging.
#[derive(Clone, Copy)]
enum Fast {
    No,
    Yes,
    /// Yes when the class arguments at these positions are safe globals.
    IfClasses(&'static [usize]),
}

#[derive(Clone, Default)]
struct CodeFacts {
    name: String,
    names: Vec<String>,
    /// Dangerous things the names reach (`os.system`, `builtins.eval`).
    hits: Vec<String>,
}

impl<'s> Analyser<'s> {
    pub fn new(s: &'s Session) -> Analyser<'s> {
        Analyser {
            s,
            p: &s.program,
            d: s.describer(),
            ev: Evaluator::new(&s.program),
            rules: HashMap::new(),
            used: HashSet::new(),
            code: HashMap::new(),
            callable: None,
            classes: None,
            fast: HashMap::new(),
            methods: HashMap::new(),
            own: HashMap::new(),
            fast_counts: HashMap::new(),
            safe_classes: HashMap::new(),
            out: Pass::default(),
        }
    }

    pub fn run(mut self) -> Pass {
        self.register_extensions();
        let p = self.p;
        let mut classes = Vec::new();
        for (id, node) in p.nodes() {
            match node.kind {
                NodeKind::Reduce => {
                    let f = NodeId(node.a);
                    let args = p.items(NodeId(node.b));
                    if self.fast_call(f, args) {
                        continue;
                    }
                    self.call(id, f, args, "");
                    match self.ev.peek(id) {
                        Val::Function(_) => self.defined_function(id),
                        Val::Class(_) => classes.push(id),
                        _ => {}
                    }
                }
                NodeKind::NewObj => self.instantiate(id, NodeId(node.a), "NEWOBJ"),
                NodeKind::NewObjEx => {
                    if let Some(&cls) = p.items(id).first() {
                        self.instantiate(id, cls, "NEWOBJ_EX");
                    }
                }
                NodeKind::Obj => {
                    if let Some((&cls, args)) = p.items(id).split_first() {
                        self.call(id, cls, args, "OBJ ");
                    }
                }
                NodeKind::Inst => self.call(id, id, p.items(id), "INST "),
                _ => {}
            }
        }
        self.count_fast_calls();
        // BUILD/SETITEMS/APPENDS run a class's own methods only for by-value classes that define them.
        let methods: &[(EffectKind, &[&str], &str)] = &[
            (EffectKind::Build, &["__setstate__"], "BUILD"),
            (EffectKind::SetItems, &["__setitem__"], "SETITEMS"),
            (EffectKind::Append, &["append", "extend"], "APPENDS"),
            (EffectKind::AddItems, &["add"], "ADDITEMS"),
        ];
        let any_method = classes.iter().any(|&c| {
            methods
                .iter()
                .flat_map(|m| m.1.iter())
                .any(|name| self.method_of(c, name, 0).is_some())
        });
        for (i, e) in p.effects().enumerate() {
            if any_method && let Some((_, names, how)) = methods.iter().find(|m| m.0 == e.kind) {
                self.effect_method(i, e.target, names, how);
            }
            if matches!(e.kind, EffectKind::Build | EffectKind::SetItems) {
                self.module_patch(e.target, e.offset, e.kind);
            }
        }
        self.references();
        self.imported_refs();
        self.out
    }

    /// True when a call is a plain safe reconstructor (decided once per callable node):
    /// counted, not judged again.
    fn fast_call(&mut self, callable: NodeId, args: &[NodeId]) -> bool {
        let fast = match self.fast.get(&callable) {
            Some(&f) => f,
            None => {
                let f = self.fast_kind(callable);
                self.fast.insert(callable, f);
                f
            }
        };
        let ok = match fast {
            Fast::No => false,
            Fast::Yes => true,
            Fast::IfClasses(which) => which.iter().all(|&i| match args.get(i) {
                Some(&c) => self.safe_class(c),
                None => true,
            }),
        };
        if ok {
            *self.fast_counts.entry(callable).or_insert(0) += 1;
        }
        ok
    }

    fn fast_kind(&mut self, callable: NodeId) -> Fast {
        let Val::Global(q) = self.ev.peek(callable).clone() else {
            return Fast::No;
        };
        let builds_code_or_class = matches!(
            (q.module.as_str(), q.name.as_str()),
            ("dill._dill", "_create_function" | "_create_type")
                | ("builtins", "function" | "type")
                | ("types", "FunctionType" | "LambdaType" | "new_class")
        );
        if builds_code_or_class || self.is_own_module(&q.module) {
            return Fast::No;
        }
        let rule = self.rule(&q);
        match (rule.severity, rule.check) {
            (Severity::Safe, Check::None) => Fast::Yes,
            (Severity::Safe, Check::Instantiates(which)) => Fast::IfClasses(which),
            _ => Fast::No,
        }
    }

    /// A class argument that is a plain safe global (decided once per node).
    fn safe_class(&mut self, cls: NodeId) -> bool {
        if let Some(&s) = self.safe_classes.get(&cls) {
            return s;
        }
        let safe = match self.ev.peek(cls).clone() {
            Val::Global(q) => {
                !self.is_own_module(&q.module) && self.rule(&q).severity == Severity::Safe
            }
            _ => false,
        };
        self.safe_classes.insert(cls, safe);
        safe
    }

    fn count_fast_calls(&mut self) {
        let counts: Vec<(NodeId, u64)> = self.fast_counts.drain().collect();
        for (callable, n) in counts {
            if let Val::Global(q) = self.ev.peek(callable) {
                let q = q.clone();
                *self.out.calls.entry(q.to_string()).or_insert(0) += n;
                self.out.modules.insert(q.module);
                self.used.insert(callable);
            }
        }
    }

    fn rule(&mut self, q: &QualName) -> Rule {
        if let Some(r) = self.rules.get(q) {
            return *r;
        }
        let r = call_rule(q);
        self.rules.insert(q.clone(), r);
        r
    }

    fn push(
        &mut self,
        node: NodeId,
        severity: Severity,
        category: Category,
        what: String,
        key: String,
    ) {
        self.out.raw.push(Raw {
            node,
            offset: self.p.node(node).offset,
            severity,
            category,
            what,
            key,
        });
    }

    /// `copyreg.add_extension(module, name, code)` calls in the file map its EXT codes.
    fn register_extensions(&mut self) {
        let p = self.p;
        for (id, node) in p.nodes() {
            if node.kind != NodeKind::Reduce {
                continue;
            }
            let Val::Global(q) = self.ev.eval(NodeId(node.a)) else {
                continue;
            };
            if !q.is("copyreg", "add_extension") {
                continue;
            }
            let args = p.items(NodeId(node.b));
            let (Some(m), Some(n), Some(code)) = (
                args.first().and_then(|&a| self.ev.string(a)),
                args.get(1).and_then(|&a| self.ev.string(a)),
                args.get(2).and_then(|&a| int(p, a)),
            ) else {
                continue;
            };
            let _ = id;
            self.ev.extensions.insert(code, QualName::new(m, n));
        }
    }

    fn args_text(&mut self, args: &[NodeId]) -> String {
        let mut parts: Vec<String> = Vec::new();
        for &a in args {
            // Show strings the file computes (`codecs.decode('bf', 'rot13')`) as decoded.
            let shown = match (self.p.node(a).kind, self.ev.eval(a)) {
                (NodeKind::Reduce, Val::Str(s)) => pyrepr::clip(&format!("{s:?}"), 48),
                _ => self.d.preview(a, 48),
            };
            parts.push(shown);
        }
        pyrepr::clip(&format!("({})", parts.join(", ")), 100)
    }

    /// A call of `callable` (a node) with `args`, made by node `call`.
    fn call(&mut self, call: NodeId, callable: NodeId, args: &[NodeId], how: &str) {
        self.used.insert(callable);
        self.callable = Some(callable);
        let f = if self.p.node(call).kind == NodeKind::Inst {
            match self.ev.eval(call) {
                Val::Returned(q) => Val::Global(q),
                v => v,
            }
        } else {
            self.ev.eval(callable)
        };
        self.judge_call(call, &f, args, how);
    }

    fn judge_call(&mut self, call: NodeId, f: &Val, args: &[NodeId], how: &str) {
        match f {
            Val::Global(q) => self.call_global(call, q, args, how),
            Val::Function(func) => self.call_function(call, *func, how, ""),
            Val::Class(cls) => {
                for m in ["__new__", "__init__"] {
                    if let Some(func) = self.method_of(*cls, m, 0) {
                        self.call_function(call, func, how, m);
                    }
                }
            }
            Val::Wrapped(inner) => {
                let inner = (**inner).clone();
                let how = format!("{how}via a wrapper: ");
                self.judge_call(call, &inner, &[], &how);
            }
            Val::MethodCaller(name) => {
                let target = args.first().map(|&a| self.ev.eval(a));
                match target {
                    Some(Val::Module(m)) => {
                        let q = QualName::new(m, name.clone());
                        // The method's arguments were given to methodcaller itself.
                        let p = self.p;
                        let rest = match self.callable.map(|c| p.node(c)) {
                            Some(n) if n.kind == NodeKind::Reduce => p.items(NodeId(n.b)).get(1..).unwrap_or(&[]),
                            _ => &[],
                        };
                        self.call_global(call, &q, rest, &format!("{how}through operator.methodcaller: "));
                    }
                    _ => self.call_method(call, name, args),
                }
            }
            Val::Attr(base, name) => match (&**base, name) {
                (Val::Str(_), Some(n)) if n == "join" => {}
                (_, Some(n)) => self.call_method(call, n, args),
                (_, None) => self.push(
                    call,
                    Severity::Dangerous,
                    Category::Unresolved,
                    "calls an attribute whose name is computed at load".into(),
                    "computed attribute".into(),
                ),
            },
            Val::AttrGetter(_) => {}
            Val::Returned(q) if self.rule(q).check == Check::WrapperFactory => {}
            Val::Returned(q) => {
                let what = format!("{how}calls the value returned by {q}(…)");
                self.push(call, Severity::Notice, Category::Other, what, format!("result of {q}"));
            }
            Val::Ext(code) => self.push(
                call,
                Severity::Dangerous,
                Category::Unresolved,
                format!("{how}calls extension code {code}, which no copyreg.add_extension in the file maps: the callable cannot be known"),
                format!("ext {code}"),
            ),
            Val::Unresolved => self.push(
                call,
                Severity::Dangerous,
                Category::Unresolved,
                format!("{how}calls a global whose module or name is computed at load"),
                "computed global".into(),
            ),
            Val::Str(_) | Val::Module(_) | Val::Unknown => self.push(
                call,
                Severity::Notice,
                Category::Other,
                format!("{how}calls a value brine cannot resolve statically"),
                "unresolved callable".into(),
            ),
        }
    }

    fn call_method(&mut self, call: NodeId, name: &str, args: &[NodeId]) {
        let on = args
            .first()
            .map(|&a| self.d.preview(a, 40))
            .unwrap_or_default();
        match dangerous_method(name) {
            Some(cat) => {
                let text = self.args_text(args.get(1..).unwrap_or(&[]));
                self.push(
                    call,
                    Severity::Dangerous,
                    cat,
                    format!("calls .{name}{text} on {on}"),
                    format!("method {name}"),
                )
            }
            None => self.push(
                call,
                Severity::Notice,
                Category::Other,
                format!("calls method .{name}() of {on}"),
                format!("method {name}"),
            ),
        }
    }

    fn call_global(&mut self, call: NodeId, q: &QualName, args: &[NodeId], how: &str) {
        if let Some(v) = self.own_global(q) {
            if !matches!(v, Val::Unknown) {
                self.judge_call(call, &v, args, how);
            }
            return;
        }
        *self.out.calls.entry(q.to_string()).or_insert(0) += 1;
        self.out.modules.insert(q.module.clone());
        let rule = self.rule(q);
        let (severity, category, what) = match rule.check {
            Check::None | Check::WrapperFactory => (rule.severity, rule.category, None),
            Check::EvalRepr => self.eval_repr(args),
            Check::FileHandle => self.filehandle(args),
            Check::Open { mode, default } => self.open(q, args, mode, default),
            Check::Instantiates(which) => self.instantiates(q, args, which, rule),
            Check::Invokes(which) => self.invokes(q, args, which, rule),
            Check::SetAttr => self.setattr(q, args),
        };
        // A callee brine does not know may call what it is given.
        let (severity, category, what) = if severity == Severity::Notice && what.is_none() {
            match self.dangerous_arg(args) {
                Some((cat, text)) => (
                    Severity::Dangerous,
                    cat,
                    Some(format!("passes {text} to {q}, which may call it")),
                ),
                None => (severity, category, what),
            }
        } else {
            (severity, category, what)
        };
        if severity == Severity::Safe {
            return;
        }
        let what = what.unwrap_or_else(|| format!("calls {q}{}", self.args_text(args)));
        self.push(
            call,
            severity,
            category,
            format!("{how}{what}"),
            q.to_string(),
        );
    }

    fn eval_repr(&mut self, args: &[NodeId]) -> (Severity, Category, Option<String>) {
        let s = args
            .first()
            .and_then(|&a| self.ev.string(a))
            .unwrap_or_default();
        if is_literal_repr(&s) {
            return (Severity::Safe, Category::Data, None);
        }
        let shown = pyrepr::clip(&format!("{s:?}"), 80);
        (
            Severity::Dangerous,
            Category::Code,
            Some(format!("evaluates {shown} (dill._dill._eval_repr is eval)")),
        )
    }

    fn filehandle(&mut self, args: &[NodeId]) -> (Severity, Category, Option<String>) {
        let get = |this: &mut Self, i: usize| args.get(i).map(|&a| this.ev.eval(a));
        let name = args
            .first()
            .and_then(|&a| self.ev.string(a))
            .unwrap_or_else(|| "?".into());
        let mode = args
            .get(1)
            .and_then(|&a| self.ev.string(a))
            .unwrap_or_default();
        let fmode = args.get(6).and_then(|&a| int(self.p, a)).unwrap_or(0);
        if let Some(opener) = args.get(4) {
            self.used.insert(*opener);
        }
        match get(self, 4) {
            Some(Val::Global(q))
                if matches!(
                    (q.module.as_str(), q.name.as_str()),
                    ("io" | "_io" | "builtins" | "_pyio", "open")
                ) => {}
            Some(v) => {
                let text = self.val_text(&v);
                return (
                    Severity::Dangerous,
                    Category::Code,
                    Some(format!(
                        "opens {name:?} through {text}, which is not a file opener"
                    )),
                );
            }
            None => {}
        }
        if matches!(name.as_str(), "<stdin>" | "<stdout>" | "<stderr>") {
            return (Severity::Safe, Category::Data, None);
        }
        if fmode == 2 {
            return (
                Severity::Dangerous,
                Category::FileWrite,
                Some(format!(
                    "writes the saved contents over {name:?} (a file handle saved with fmode=FILE_FMODE)"
                )),
            );
        }
        if let Some(effect) = write_effect(&mode) {
            let effect = if fmode == 1 && mode.contains(['w', 'x']) {
                "creates it if missing (CONTENTS_FMODE keeps what is there)"
            } else {
                effect
            };
            return (
                Severity::Dangerous,
                Category::FileWrite,
                Some(format!("opens {name:?} in mode {mode:?}: {effect}")),
            );
        }
        (
            Severity::Notice,
            Category::FileRead,
            Some(format!("opens {name:?} for reading")),
        )
    }

    fn open(
        &mut self,
        q: &QualName,
        args: &[NodeId],
        at: usize,
        default: &str,
    ) -> (Severity, Category, Option<String>) {
        let name = args
            .first()
            .map(|&a| self.d.preview(a, 60))
            .unwrap_or_default();
        let mode = args
            .get(at)
            .and_then(|&a| self.ev.string(a))
            .unwrap_or_else(|| default.to_string());
        match write_effect(&mode) {
            Some(effect) => (
                Severity::Dangerous,
                Category::FileWrite,
                Some(format!("{q} opens {name} in mode {mode:?}: {effect}")),
            ),
            None => (
                Severity::Notice,
                Category::FileRead,
                Some(format!("{q} opens {name} for reading")),
            ),
        }
    }

    fn instantiates(
        &mut self,
        q: &QualName,
        args: &[NodeId],
        which: &[usize],
        rule: Rule,
    ) -> (Severity, Category, Option<String>) {
        for &i in which {
            let Some(&cls) = args.get(i) else { continue };
            if let Some((cat, text)) = self.class_danger(cls) {
                self.used.insert(cls);
                return (
                    Severity::Dangerous,
                    cat,
                    Some(format!("instantiates {text} (through {q})")),
                );
            }
        }
        (rule.severity, rule.category, None)
    }

    fn invokes(
        &mut self,
        q: &QualName,
        args: &[NodeId],
        which: &[usize],
        rule: Rule,
    ) -> (Severity, Category, Option<String>) {
        for &i in which {
            let Some(&a) = args.get(i) else { continue };
            let v = self.ev.eval(a);
            if let Some((cat, text)) = self.callable_danger(&v) {
                self.used.insert(a);
                return (
                    Severity::Dangerous,
                    cat,
                    Some(format!("passes {text} to {q}, which calls it")),
                );
            }
        }
        (rule.severity, rule.category, None)
    }

    fn setattr(&mut self, q: &QualName, args: &[NodeId]) -> (Severity, Category, Option<String>) {
        let target = args.first().map(|&a| self.ev.eval(a));
        let name = args
            .get(1)
            .and_then(|&a| self.ev.string(a))
            .unwrap_or_else(|| "?".into());
        match target {
            Some(Val::Module(m)) if !self.is_own_module(&m) => (
                Severity::Notice,
                Category::Other,
                Some(format!("{q} changes {m}.{name}")),
            ),
            Some(Val::Global(t)) if !self.is_own_module(&t.module) => (
                Severity::Notice,
                Category::Other,
                Some(format!("{q} changes {t}.{name}")),
            ),
            _ => (Severity::Safe, Category::Data, None),
        }
    }

    /// A direct argument that is a dangerous callable.
    fn dangerous_arg(&mut self, args: &[NodeId]) -> Option<(Category, String)> {
        for &a in args {
            if !matches!(
                self.p.node(a).kind,
                NodeKind::Global | NodeKind::StackGlobal | NodeKind::Ext | NodeKind::Reduce
            ) {
                continue;
            }
            let v = self.ev.eval(a);
            if let Some(found) = self.callable_danger(&v) {
                self.used.insert(a);
                return Some(found);
            }
        }
        None
    }

    /// What calling a value would do, when that is dangerous.
    fn callable_danger(&mut self, v: &Val) -> Option<(Category, String)> {
        match v {
            Val::Global(q) => {
                let rule = self.rule(q);
                let dangerous =
                    rule.severity == Severity::Dangerous || rule.check == Check::EvalRepr;
                dangerous.then(|| (rule.category, q.to_string()))
            }
            Val::Function(f) => {
                let facts = self.code_facts(*f);
                (!facts.hits.is_empty()).then(|| {
                    (
                        Category::ByValueCode,
                        format!(
                            "by-value function {} (its code names {})",
                            facts.name,
                            facts.hits.join(", ")
                        ),
                    )
                })
            }
            Val::Wrapped(inner) => self.callable_danger(inner),
            Val::MethodCaller(n) => {
                dangerous_method(n).map(|c| (c, format!("methodcaller({n:?})")))
            }
            Val::Ext(code) => Some((Category::Unresolved, format!("extension code {code}"))),
            Val::Unresolved => Some((Category::Unresolved, "a global computed at load".into())),
            _ => None,
        }
    }

    /// A class argument that is dangerous to instantiate.
    fn class_danger(&mut self, cls: NodeId) -> Option<(Category, String)> {
        match self.ev.eval(cls) {
            Val::Global(q) => {
                let rule = self.rule(&q);
                (rule.severity == Severity::Dangerous).then(|| (rule.category, q.to_string()))
            }
            Val::Ext(code) => Some((Category::Unresolved, format!("extension code {code}"))),
            Val::Unresolved => Some((Category::Unresolved, "a class computed at load".into())),
            _ => None,
        }
    }

    /// NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, …)`.
    fn instantiate(&mut self, id: NodeId, cls: NodeId, how: &str) {
        if self.safe_class(cls) {
            *self.fast_counts.entry(cls).or_insert(0) += 1;
            return;
        }
        self.used.insert(cls);
        match self.ev.eval(cls) {
            Val::Global(q) => {
                *self.out.calls.entry(q.to_string()).or_insert(0) += 1;
                self.out.modules.insert(q.module.clone());
                if self.is_own_module(&q.module) {
                    match self.own_global(&q) {
                        Some(Val::Class(c)) => {
                            if let Some(func) = self.method_of(c, "__new__", 0) {
                                self.call_function(id, func, &format!("{how} "), "__new__");
                            }
                        }
                        _ => {
                            let what = format!(
                                "{how} instantiates {q}, which the file does not define (it is looked up in the running program)"
                            );
                            self.push(id, Severity::Notice, Category::Other, what, q.to_string());
                        }
                    }
                    return;
                }
                let mut rule = self.rule(&q);
                if rule.severity == Severity::Safe {
                    return;
                }
                let mut what = format!("{how} instantiates {q}");
                if rule.severity == Severity::Dangerous && !rules::live_handle(&q) {
                    rule.severity = Severity::Notice;
                    what.push_str(
                        " without calling it (NEWOBJ runs only __new__; it acts only when used)",
                    );
                }
                self.push(id, rule.severity, rule.category, what, q.to_string());
            }
            Val::Class(c) => {
                if let Some(func) = self.method_of(c, "__new__", 0) {
                    self.call_function(id, func, &format!("{how} "), "__new__");
                }
            }
            v @ (Val::Ext(_) | Val::Unresolved) => self.judge_call(id, &v, &[], &format!("{how} ")),
            _ => {}
        }
    }

    /// A by-value method run by BUILD / SETITEMS / APPENDS on an instance of a by-value class.
    fn effect_method(&mut self, effect: usize, target: NodeId, methods: &[&str], how: &str) {
        let Some(cls) = self.class_node_of(target) else {
            return;
        };
        let Val::Class(c) = self.ev.eval(cls) else {
            return;
        };
        for m in methods {
            if let Some(func) = self.method_of(c, m, 0) {
                let offset = self.p.effect(effect).offset;
                let before = self.out.raw.len();
                self.call_function(target, func, &format!("{how} "), m);
                for r in &mut self.out.raw[before..] {
                    r.offset = offset;
                }
                return;
            }
        }
    }

    /// The class node an instance was made from, when the file says.
    fn class_node_of(&mut self, obj: NodeId) -> Option<NodeId> {
        let p = self.p;
        let node = p.node(obj);
        match node.kind {
            NodeKind::NewObj => Some(NodeId(node.a)),
            NodeKind::NewObjEx | NodeKind::Obj => p.items(obj).first().copied(),
            NodeKind::Reduce => {
                let f = self.ev.eval(NodeId(node.a));
                let args = p.items(NodeId(node.b));
                match f {
                    Val::Global(q) if q.module == "copyreg" => args.first().copied(),
                    Val::Class(_) => Some(NodeId(node.a)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A function a by-value class (or one of its by-value bases) defines as `name`.
    fn method_of(&mut self, cls: NodeId, name: &str, depth: u32) -> Option<NodeId> {
        let key = (cls, name.to_string());
        if let Some(&m) = self.methods.get(&key) {
            return m;
        }
        let m = self.find_method(cls, name, depth);
        self.methods.insert(key, m);
        m
    }

    fn find_method(&mut self, cls: NodeId, name: &str, depth: u32) -> Option<NodeId> {
        if depth > 8 {
            return None;
        }
        let info = self.d.class_of(cls)?;
        if let Some(dict) = self.d.class_dict(&info)
            && let Some(v) = self.d.dict_get(dict, name)
        {
            return match self.ev.eval(v) {
                Val::Function(f) => Some(f),
                Val::Wrapped(inner) => match *inner {
                    Val::Function(f) => Some(f),
                    _ => None,
                },
                _ => None,
            };
        }
        for base in self.d.class_bases(&info) {
            if let Val::Class(b) = self.ev.eval(base)
                && let Some(f) = self.method_of(b, name, depth + 1)
            {
                return Some(f);
            }
        }
        None
    }

    /// A call of a by-value function at load.
    fn call_function(&mut self, call: NodeId, func: NodeId, how: &str, method: &str) {
        let facts = self.code_facts(func);
        let name = if method.is_empty() {
            facts.name.clone()
        } else {
            format!(
                "{}.{method}",
                facts
                    .name
                    .rsplit_once('.')
                    .map_or(facts.name.as_str(), |x| x.0)
            )
        };
        let name = if method.is_empty() || facts.name.ends_with(method) {
            facts.name.clone()
        } else {
            name
        };
        if facts.hits.is_empty() {
            let names = pyrepr::clip(&facts.names.join(", "), 80);
            let what =
                format!("{how}calls by-value function {name} at load (its code names: {names})");
            self.push(
                call,
                Severity::Notice,
                Category::ByValueCode,
                what,
                format!("call {name}"),
            );
        } else {
            let what = format!(
                "{how}calls by-value function {name} at load; its code names {}",
                facts.hits.join(", ")
            );
            self.push(
                call,
                Severity::Dangerous,
                Category::ByValueCode,
                what,
                format!("call {name}"),
            );
        }
    }

    /// A by-value function defined (not called): worth a notice when its code names dangerous things.
    fn defined_function(&mut self, func: NodeId) {
        let facts = self.code_facts(func);
        if facts.hits.is_empty() {
            return;
        }
        let what = format!(
            "defines function {} whose code names {} (only defined, not called at load)",
            facts.name,
            facts.hits.join(", ")
        );
        self.push(
            func,
            Severity::Notice,
            Category::ByValueCode,
            what,
            format!("def {}", facts.name),
        );
    }

    fn code_facts(&mut self, func: NodeId) -> CodeFacts {
        if let Some(f) = self.code.get(&func) {
            return f.clone();
        }
        // Mark first: a function whose globals hold itself must not loop.
        self.code.insert(func, CodeFacts::default());
        let facts = self.compute_code_facts(func);
        self.code.insert(func, facts.clone());
        facts
    }

    fn compute_code_facts(&mut self, func: NodeId) -> CodeFacts {
        let p = self.p;
        let args = p.items(NodeId(p.node(func).b));
        let Some(&code) = args.first() else {
            return CodeFacts::default();
        };
        let globals = args.get(1).copied();
        let mut names: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        let mut todo = vec![(code, 0u32)];
        let mut fname = None;
        while let Some((c, depth)) = todo.pop() {
            if depth > 8 || !seen.insert(c) {
                continue;
            }
            let Some(info) = self.d.code(c) else { continue };
            if fname.is_none() {
                fname = Some(self.d.function_name(func, &info));
            }
            for n in info.names {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            todo.extend(info.nested.iter().map(|&n| (n, depth + 1)));
        }
        let mut hits = Vec::new();
        let mut modules: Vec<String> = Vec::new();
        for n in &names {
            match self.resolve_global(globals, n) {
                Some(Val::Global(q)) => {
                    if self.rule(&q).severity == Severity::Dangerous {
                        hits.push(q.to_string());
                    }
                }
                Some(Val::Module(m)) => modules.push(m),
                Some(_) => {}
                None => {
                    let q = QualName::new("builtins", n.clone());
                    let builtin = crate::session::knowledge::lookup(&q).is_some();
                    if builtin && self.rule(&q).severity == Severity::Dangerous {
                        hits.push(q.to_string());
                    }
                }
            }
            // `import os` inside a function puts the module's own name among the names.
            if CODE_MODULES.contains(&n.as_str()) {
                modules.push(n.clone());
            }
        }
        modules.sort();
        modules.dedup();
        for m in &modules {
            for a in &names {
                let q = QualName::new(m.clone(), a.clone());
                if a != m && m != "builtins" && self.rule(&q).severity == Severity::Dangerous {
                    hits.push(q.to_string());
                }
            }
        }
        hits.sort();
        hits.dedup();
        CodeFacts {
            name: fname.unwrap_or_else(|| "?".into()),
            names,
            hits,
        }
    }

    /// What a global name of a by-value function is bound to.
    fn resolve_global(&mut self, globals: Option<NodeId>, name: &str) -> Option<Val> {
        let g = globals?;
        let is_main = match self.p.node(g).kind {
            NodeKind::Dict => Some(g) == self.s.dict_node,
            NodeKind::Global => {
                matches!(self.ev.eval(g), Val::Global(q) if q.is("__builtin__", "__main__"))
            }
            _ => false,
        };
        if is_main {
            if let Some(e) = self.s.entries.iter().find(|e| e.name == name) {
                return match (e.value, &e.imported_from) {
                    (Some(v), _) => Some(self.ev.eval(v)),
                    (None, Some(from)) => {
                        Some(match self.s.imported.iter().find(|r| r.name == name) {
                            Some(r) if r.attr.is_none() => Val::Module(r.module.clone()),
                            Some(r) => Val::Global(QualName::new(
                                r.module.clone(),
                                r.attr.clone().unwrap_or_default(),
                            )),
                            None => Val::Module(from.clone()),
                        })
                    }
                    _ => None,
                };
            }
            return None;
        }
        if self.p.node(g).kind == NodeKind::Dict {
            let v = self.d.dict_get(g, name)?;
            return Some(self.ev.eval(v));
        }
        None
    }

    /// SETITEMS into another module's `__dict__`, BUILD over another module's namespace.
    fn module_patch(&mut self, target: NodeId, offset: u64, kind: EffectKind) {
        if !matches!(
            self.p.node(target).kind,
            NodeKind::Global | NodeKind::StackGlobal | NodeKind::Reduce
        ) {
            return;
        }
        if Some(target) == self.s.module_node {
            return;
        }
        // Only imports and attribute lookups give modules and their dicts.
        if self.p.node(target).kind == NodeKind::Reduce {
            let callable = NodeId(self.p.node(target).a);
            let lookup = matches!(self.ev.peek(callable), Val::Global(q) if matches!(
                (q.module.as_str(), q.name.as_str()),
                ("dill._dill", "_import_module" | "_get_attr")
                    | ("builtins", "getattr" | "__import__")
                    | ("importlib", "import_module" | "__import__")
            ));
            if !lookup {
                return;
            }
        }
        let what = match (self.ev.eval(target), kind) {
            (Val::Global(q), _) if q.name == "__dict__" && q.module != "__main__" => {
                format!(
                    "changes names in module {} (SETITEMS into its __dict__)",
                    q.module
                )
            }
            (Val::Module(m), EffectKind::Build) if Some(&m) != self.s.module.as_ref() => {
                format!("restores module {m} by value (BUILD over the imported module's names)")
            }
            _ => return,
        };
        let before = self.out.raw.len();
        self.push(
            target,
            Severity::Notice,
            Category::Other,
            what.clone(),
            what,
        );
        self.out.raw[before].offset = offset;
    }

    /// Globals that are referenced but never called: a notice when calling them would be dangerous.
    fn references(&mut self) {
        let p = self.p;
        for (id, node) in p.nodes() {
            if !matches!(
                node.kind,
                NodeKind::Global | NodeKind::StackGlobal | NodeKind::Ext | NodeKind::Reduce
            ) {
                continue;
            }
            let v = match node.kind {
                NodeKind::Reduce => match self.ev.cached(id) {
                    Some(v @ Val::Global(_)) => v.clone(),
                    _ => continue,
                },
                _ => self.ev.eval(id),
            };
            if let Val::Global(q) = &v {
                self.out.modules.insert(q.module.clone());
            }
            if let Val::Module(m) = &v {
                self.out.modules.insert(m.clone());
                if let Some(rule) = rules::import_effect(m) {
                    self.push(
                        id,
                        rule.severity,
                        rule.category,
                        format!("imports {m}, which acts on import"),
                        format!("import {m}"),
                    );
                }
            }
            if self.used.contains(&id) {
                continue;
            }
            match v {
                Val::Global(q) => {
                    let rule = self.rule(&q);
                    if rule.severity == Severity::Dangerous {
                        let what = format!("refers to {q} (not called at load)");
                        self.push(id, Severity::Notice, rule.category, what, format!("ref {q}"));
                    }
                }
                Val::Ext(code) => self.push(
                    id,
                    Severity::Dangerous,
                    Category::Unresolved,
                    format!("looks up extension code {code}, which no copyreg.add_extension in the file maps"),
                    format!("ext {code}"),
                ),
                Val::Unresolved => self.push(
                    id,
                    Severity::Dangerous,
                    Category::Unresolved,
                    "imports a global whose module or name is computed at load".into(),
                    "computed global".into(),
                ),
                _ => {}
            }
        }
    }

    /// Names a `refimported` dump stores by reference: looked up at load, never called.
    fn imported_refs(&mut self) {
        for r in &self.s.imported {
            self.out.modules.insert(r.module.clone());
            let Some(attr) = &r.attr else { continue };
            // `from subprocess import os` names a module, not a callable.
            if CODE_MODULES.contains(&attr.as_str()) {
                continue;
            }
            let q = crate::session::names::normalise(&r.module, attr, 4);
            let rule = call_rule(&q);
            if rule.severity == Severity::Dangerous {
                self.out.raw.push(Raw {
                    node: r.node,
                    offset: self.p.node(r.node).offset,
                    severity: Severity::Notice,
                    category: rule.category,
                    what: format!(
                        "imports {q} by reference as {} (not called at load)",
                        r.name
                    ),
                    key: format!("ref {q}"),
                });
            }
        }
    }

    /// The module being loaded (`__main__` for sessions), whose names the file itself defines.
    fn is_own_module(&self, m: &str) -> bool {
        m == "__main__" || self.s.module.as_deref() == Some(m)
    }

    /// What a global of the module being loaded is: the value the file stores under that name.
    fn own_global(&mut self, q: &QualName) -> Option<Val> {
        if !self.is_own_module(&q.module) {
            return None;
        }
        if let Some(v) = self.own.get(q) {
            return v.clone();
        }
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
            _ => Val::Class(self.defined_class(&q.module, top)?),
        };
        match v {
            Val::Function(_) | Val::Class(_) if top == q.name => Some(v),
            Val::Class(c) => {
                let rest = q.name.strip_prefix(top)?.trim_start_matches('.');
                Some(match self.method_of(c, rest, 0) {
                    Some(f) => Val::Function(f),
                    None => Val::Unknown,
                })
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

    fn val_text(&self, v: &Val) -> String {
        match v {
            Val::Global(q) => q.to_string(),
            Val::Module(m) => format!("module {m}"),
            Val::Ext(c) => format!("extension code {c}"),
            _ => "a computed value".into(),
        }
    }
}

fn int(p: &Program, id: NodeId) -> Option<i64> {
    match p.scalar(id, 0)? {
        crate::pickle::text::Scalar::Int(i) => Some(i),
        crate::pickle::text::Scalar::Bool(b) => Some(i64::from(b)),
        _ => None,
    }
}

/// What opening a file in `mode` does to it, when that writes.
fn write_effect(mode: &str) -> Option<&'static str> {
    if mode.contains('w') {
        Some("truncates it (or creates it)")
    } else if mode.contains('x') {
        Some("creates it")
    } else if mode.contains('a') {
        Some("creates it if missing and appends")
    } else if mode.contains('+') {
        Some("opens it for writing")
    } else {
        None
    }
}

/// The strings dill's `_eval_repr` is given for normal data: `Ellipsis`,
/// `NotImplemented`, and `range(a, b[, c])`.
fn is_literal_repr(s: &str) -> bool {
    let s = s.trim();
    if matches!(s, "Ellipsis" | "NotImplemented" | "None") {
        return true;
    }
    // Python 2 dill wrote `xrange(…)`.
    let Some(inner) = s
        .strip_prefix("range(")
        .or_else(|| s.strip_prefix("xrange("))
        .and_then(|r| r.strip_suffix(')'))
    else {
        return false;
    };
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    (1..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            let d = p.strip_prefix('-').unwrap_or(p);
            !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dills_literal_reprs_are_harmless() {
        assert!(is_literal_repr("range(2, 20, 3)"));
        assert!(is_literal_repr("range(-1, 5)"));
        assert!(is_literal_repr("Ellipsis"));
        assert!(is_literal_repr("xrange(2, 20, 3)"));
        assert!(!is_literal_repr("__import__('os').system('x')"));
        assert!(!is_literal_repr("range(len(x))"));
    }

    #[test]
    fn write_modes() {
        assert!(write_effect("r").is_none());
        assert!(write_effect("rb").is_none());
        assert!(write_effect("w").is_some());
        assert!(write_effect("r+").is_some());
        assert!(write_effect("ab").is_some());
    }
}
