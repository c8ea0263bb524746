//! Argument constraints of the allowlist's checked callables: a literal
//! read mode, a module on the import list, a literal that `eval` gives back
//! unchanged, a class argument that runs none of the file's code, a callable
//! argument that is itself proven. Each returns `None` when proven safe.

use super::allow::{self, Check, Use};
use super::analyse::{Analyser, Verdict, dangerous, unknown};
use super::value::{Val, attr};
use super::{Capability, Category, deny};
use crate::pickle::{NodeId, NodeKind};
use crate::session::names::QualName;

impl Analyser<'_> {
    pub(super) fn check(
        &mut self,
        call: NodeId,
        c: Check,
        q: &QualName,
        args: &[NodeId],
    ) -> Verdict {
        match c {
            Check::Import => self.import(q, args),
            Check::GetAttr => self.getattr(call, q, args),
            Check::SetAttr => self.setattr(call, q, args),
            Check::Reconstructor => self.reconstructor(call, q, args),
            Check::NewObj => {
                let cls = *args.first()?;
                self.new_object(call, cls, "copyreg.__newobj__");
                None
            }
            Check::CreateType => self.create_type(call, None, args, 1),
            Check::CreateFtype => {
                let wrapper = self.ev.eval(*args.first()?);
                match &wrapper {
                    Val::Global(w)
                        if matches!(
                            allow::lookup(&w.module, &w.name),
                            Some(Use::Data | Use::Check(Check::Wrapper))
                        ) =>
                    {
                        None
                    }
                    _ => {
                        let rest = args.get(1..).unwrap_or(&[]).to_vec();
                        self.judge(call, &wrapper, &rest)
                            .map(|(s, c, w)| (s, c, format!("{w} (through {q})")))
                    }
                }
            }
            Check::CreateArray => {
                let f = self.ev.eval(*args.first()?);
                let inner: Vec<NodeId> = args
                    .get(1)
                    .map(|&a| self.p.items(a).to_vec())
                    .unwrap_or_default();
                self.judge(call, &f, &inner)
                    .map(|(s, c, w)| (s, c, format!("{w} (through {q})")))
            }
            Check::Weakref => {
                let at = if q.name == "_create_weakproxy" { 2 } else { 1 };
                let cb = *args.get(at)?;
                if self.p.node(cb).kind == NodeKind::None {
                    return None;
                }
                let v = self.ev.eval(cb);
                match self.callable_danger(&v) {
                    Some((_, what)) => dangerous(
                        Capability::Callback,
                        format!("{q} registers {what} as a callback run when the object dies"),
                    ),
                    None => unknown(
                        Category::Constraint,
                        format!(
                            "{q} registers a callback ({}) run when the object dies",
                            self.callee_text(&v)
                        ),
                    ),
                }
            }
            Check::EvalRepr => {
                let s = args.first().and_then(|&a| self.ev.string(a));
                match s {
                    Some(s) if is_literal_repr(&s) => None,
                    Some(s) => dangerous(
                        Capability::Code,
                        format!(
                            "evaluates {} (dill._dill._eval_repr is eval)",
                            crate::session::pyrepr::clip(&format!("{s:?}"), 80)
                        ),
                    ),
                    None => dangerous(
                        Capability::Code,
                        "evaluates a string the file computes (dill._dill._eval_repr is eval)"
                            .into(),
                    ),
                }
            }
            Check::DillGetattr => {
                let name = args.get(1).and_then(|&a| self.ev.string(a));
                let repr = args.get(2).and_then(|&a| self.ev.string(a));
                match (name, repr) {
                    (Some(n), Some(r)) if slot_repr(&n, &r) => None,
                    (_, r) => dangerous(
                        Capability::Code,
                        format!("{q} evaluates part of {:?}", r.unwrap_or_default()),
                    ),
                }
            }
            Check::FileHandle => self.filehandle(args),
            Check::Namedtuple => {
                let module = args.get(2).and_then(|&a| self.ev.string(a));
                match module {
                    Some(m) if allow::importable(&m) || self.is_own_module(&m) => None,
                    Some(m) => self.import_verdict(&m, &format!("{q} imports")),
                    None => unknown(
                        Category::Computed,
                        format!("{q} imports a module whose name is computed"),
                    ),
                }
            }
            Check::LoadType => {
                let name = args.first().and_then(|&a| self.ev.string(a));
                // A lookup in dill's own table of types: what it gives is judged where it is called.
                match name {
                    Some(_) => None,
                    None => unknown(Category::Computed, format!("{q} with a computed name")),
                }
            }
            Check::Codec => {
                let enc = match args.get(1) {
                    Some(&a) => self.ev.string(a),
                    None => Some("utf-8".into()),
                };
                match enc.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    Some("latin1" | "latin-1" | "iso-8859-1" | "utf-8" | "utf8" | "ascii") => None,
                    _ => unknown(
                        Category::Constraint,
                        format!("{q} with a codec that is not a plain text codec"),
                    ),
                }
            }
            Check::Wrapper => None,
        }
    }

    fn import(&mut self, q: &QualName, args: &[NodeId]) -> Verdict {
        let Some(name) = args.first().and_then(|&a| self.ev.string(a)) else {
            return unknown(
                Category::Computed,
                format!("{q} imports a module whose name is computed"),
            );
        };
        let name = name
            .strip_prefix("__runtime__.")
            .unwrap_or(&name)
            .to_string();
        self.out.modules.insert(name.clone());
        if allow::importable(&name) || self.is_own_module(&name) {
            return None;
        }
        self.import_verdict(&name, &format!("{q} imports"))
    }

    fn import_verdict(&mut self, module: &str, how: &str) -> Verdict {
        match deny::module(module) {
            Some(c) => dangerous(c, format!("{how} {module}")),
            None => unknown(
                Category::Unlisted,
                format!("{how} {module}, which is not on the import list"),
            ),
        }
    }

    /// `getattr(obj, name)`: the lookup itself is a reference to what it gives.
    fn getattr(&mut self, call: NodeId, q: &QualName, args: &[NodeId]) -> Verdict {
        let base = self.ev.eval(*args.first()?);
        let Some(name) = args.get(1).and_then(|&a| self.ev.string(a)) else {
            return unknown(
                Category::Computed,
                format!("{q} looks up an attribute whose name is computed"),
            );
        };
        if let Some(&obj) = args.first()
            && let Some(c) = self.instance_class(obj)
        {
            let offset = self.p.node(call).offset;
            let _ = (c, offset);
            let v = self
                .class_attr(c, "__getattribute__")
                .or_else(|| self.class_attr(c, "__getattr__"));
            if v.is_some() {
                return unknown(
                    Category::Implicit,
                    format!("{q}(…, {name:?}) runs a by-value __getattr__/__getattribute__"),
                );
            }
        }
        match attr(base.clone(), Some(name.clone())) {
            Val::Global(r) => {
                if self.is_own_module(&r.module) {
                    return None;
                }
                match allow::lookup(&r.module, &r.name) {
                    Some(_) => None,
                    None => match deny::capability(&r) {
                        Some(_) => unknown(
                            Category::Unlisted,
                            format!("looks up {r} (a dangerous callable; not called here)"),
                        ),
                        None => unknown(
                            Category::Unlisted,
                            format!("looks up {r}, which is not on the allowlist"),
                        ),
                    },
                }
            }
            Val::Module(m) if allow::importable(&m) => None,
            Val::Module(m) => unknown(
                Category::Unlisted,
                format!("looks up module {m}, which is not on the import list"),
            ),
            // An attribute of something the file builds (a bound method, a field): a value, not a call.
            _ => match base {
                Val::Function(_)
                | Val::Class(_)
                | Val::Str(_)
                | Val::Wrapped(_)
                | Val::Returned(_) => None,
                Val::Unresolved | Val::Ext(_) => unknown(
                    Category::Computed,
                    format!("looks up .{name} of a value brine cannot resolve"),
                ),
                _ => None,
            },
        }
    }

    fn setattr(&mut self, call: NodeId, q: &QualName, args: &[NodeId]) -> Verdict {
        let &target = args.first()?;
        let name = args
            .get(1)
            .and_then(|&a| self.ev.string(a))
            .unwrap_or_else(|| "?".into());
        if Some(target) == self.s.module_node {
            return None;
        }
        if let Some(c) = self.instance_class(target) {
            let offset = self.p.node(call).offset;
            let _ = offset;
            if self.class_attr(c, "__setattr__").is_some() {
                return unknown(
                    Category::Implicit,
                    format!("{q}(…, {name:?}) runs a by-value __setattr__"),
                );
            }
            return None;
        }
        match self.ev.eval(target) {
            Val::Module(m) if !self.is_own_module(&m) => rebind(&m, &name, q),
            Val::Global(t)
                if !self.is_own_module(&t.module)
                    && allow::lookup(&t.module, &t.name) != Some(Use::Data) =>
            {
                rebind(&t.to_string(), &name, q)
            }
            _ => None,
        }
    }

    /// `copyreg._reconstructor(cls, base, state)`: `obj = base.__new__(cls, state)`, then
    /// `base.__init__(obj, state)` unless base is `object`.
    fn reconstructor(&mut self, call: NodeId, q: &QualName, args: &[NodeId]) -> Verdict {
        let (&cls, &base) = (args.first()?, args.get(1)?);
        let offset = self.p.node(call).offset;
        let base_v = self.ev.eval(base);
        let cls_v = self.ev.eval(cls);
        // The class argument must be data or the file's own class.
        match self.class_node(cls) {
            Some(c) => {
                let by_value_base = self.class_node(base);
                match by_value_base {
                    Some(b) => {
                        self.run_hooks(
                            call,
                            offset,
                            b,
                            &["__new__", "__init__"],
                            "copyreg._reconstructor runs",
                        );
                    }
                    None => {
                        if !matches!(&base_v, Val::Global(b) if matches!(allow::lookup(&b.module, &b.name), Some(Use::Data)))
                        {
                            return unknown(
                                Category::Unlisted,
                                format!(
                                    "{q} with base {}, which is not on the allowlist as data",
                                    self.callee_text(&base_v)
                                ),
                            );
                        }
                    }
                }
                self.run_hooks(call, offset, c, &["__del__"], "an instance of it exists");
                None
            }
            None => match (&cls_v, &base_v) {
                (Val::Returned(n), _) if n.is("dill._dill", "_create_namedtuple") => None,
                (Val::Global(c), Val::Global(b))
                    if matches!(allow::lookup(&c.module, &c.name), Some(Use::Data))
                        && matches!(allow::lookup(&b.module, &b.name), Some(Use::Data)) =>
                {
                    None
                }
                (Val::Global(c), _) => match deny::capability(c) {
                    Some(cap) => dangerous(cap, format!("{q} creates a {c}")),
                    None => unknown(
                        Category::Unlisted,
                        format!("{q} creates a {c}, which is not on the allowlist as data"),
                    ),
                },
                _ => unknown(
                    Category::Computed,
                    format!("{q} with a class brine cannot resolve"),
                ),
            },
        }
    }

    fn filehandle(&mut self, args: &[NodeId]) -> Verdict {
        let name = args
            .first()
            .and_then(|&a| self.ev.string(a))
            .unwrap_or_else(|| "?".into());
        let mode = args.get(1).and_then(|&a| self.ev.string(a));
        let fmode = args.get(6).and_then(|&a| int(self, a));
        if let Some(&opener) = args.get(4) {
            match self.ev.eval(opener) {
                Val::Global(o)
                    if matches!(
                        (o.module.as_str(), o.name.as_str()),
                        ("io" | "_io" | "builtins", "open")
                    ) => {}
                v => {
                    let text = self.callee_text(&v);
                    let rest = args.to_vec();
                    return match self.judge(opener, &v, &rest) {
                        Some((s, c, w)) if s == super::Severity::Dangerous => {
                            Some((s, c, format!("opens {name:?} through {text}: {w}")))
                        }
                        _ => unknown(
                            Category::Constraint,
                            format!("opens {name:?} through {text}, which is not a file opener"),
                        ),
                    };
                }
            }
        }
        if matches!(name.as_str(), "<stdin>" | "<stdout>" | "<stderr>") {
            return None;
        }
        let Some(mode) = mode else {
            return unknown(
                Category::Computed,
                format!("opens {name:?} with a mode the file computes"),
            );
        };
        if fmode == Some(2) {
            return dangerous(
                Capability::FileWrite,
                format!(
                    "writes the saved contents over {name:?} (a file handle saved with fmode=FILE_FMODE)"
                ),
            );
        }
        if mode.contains(['w', 'x', 'a', '+']) {
            return dangerous(
                Capability::FileWrite,
                format!("opens {name:?} in mode {mode:?}, which creates or changes it"),
            );
        }
        if fmode.is_none() || !mode.chars().all(|c| matches!(c, 'r' | 'b' | 't' | 'U')) {
            return unknown(
                Category::Constraint,
                format!("opens {name:?} with mode {mode:?} / fmode {fmode:?}"),
            );
        }
        None
    }
}

fn rebind(target: &str, name: &str, q: &QualName) -> Verdict {
    let top = target.split('.').next().unwrap_or(target);
    let what = format!("{q} changes {target}.{name}");
    if matches!(
        top,
        "sys"
            | "builtins"
            | "__builtin__"
            | "os"
            | "posix"
            | "__main__"
            | "copyreg"
            | "importlib"
            | "pickle"
            | "_pickle"
            | "dill"
            | "subprocess"
    ) {
        dangerous(Capability::Rebind, what)
    } else {
        Some((super::Severity::Unknown, Category::Mutation, what))
    }
}

fn int(a: &mut Analyser, id: NodeId) -> Option<i64> {
    match a.p.scalar(id, 0)? {
        crate::pickle::text::Scalar::Int(i) => Some(i),
        crate::pickle::text::Scalar::Bool(b) => Some(i64::from(b)),
        _ => None,
    }
}

/// dill's `_getattr` evals `TYPE.__dict__["NAME"]` with TYPE taken from the repr:
/// harmless only when both are plain identifiers.
fn slot_repr(name: &str, repr: &str) -> bool {
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    let parts: Vec<&str> = repr.split('\'').collect();
    parts.len() >= 4 && ident(parts[3]) && ident(name)
}

/// The strings dill's `_eval_repr` is given for normal data: `Ellipsis`,
/// `NotImplemented`, and `range(a, b[, c])`.
pub(super) fn is_literal_repr(s: &str) -> bool {
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
        assert!(is_literal_repr("Ellipsis"));
        assert!(!is_literal_repr("__import__('os').system('x')"));
        assert!(!is_literal_repr("range(len(x))"));
    }

    #[test]
    fn dills_getattr_repr_must_be_plain_names() {
        assert!(slot_repr(
            "__add__",
            "<slot wrapper '__add__' of 'int' objects>"
        ));
        assert!(!slot_repr(
            "x\"]+__import__('os').system('t')+[\"",
            "<slot wrapper 'x' of 'int' objects>"
        ));
        assert!(!slot_repr(
            "__add__",
            "<slot wrapper '__add__' of '__import__(\"os\")' objects>"
        ));
    }
}
