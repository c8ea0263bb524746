//! What a function the file defines by value can reach: the names its
//! bytecode (and nested code) uses, resolved through its globals (the session
//! namespace or a saved dict) and builtins. A by-value function that loading
//! calls is never safe: it runs the file's own bytecode. It is `dangerous`
//! when those names reach a known-dangerous capability, else `unknown`.

use std::collections::HashSet;

use super::analyse::{Analyser, Verdict, dangerous};
use super::value::Val;
use super::{Capability, Category, deny};
use crate::pickle::{NodeId, NodeKind};
use crate::session::names::QualName;

/// Modules a function's code can reach by `import` inside it.
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
    "sys",
];

#[derive(Clone, Default)]
pub struct CodeFacts {
    pub name: String,
    pub names: Vec<String>,
    /// Dangerous things the names reach (`os.system`, `builtins.eval`).
    pub hits: Vec<(Capability, String)>,
}

impl CodeFacts {
    pub fn hit_names(&self) -> String {
        self.hits
            .iter()
            .map(|h| h.1.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Analyser<'_> {
    /// Loading calls the by-value function `func`.
    pub(super) fn run_by_value(&mut self, func: NodeId, verb: &str) -> Verdict {
        let facts = self.code_facts(func);
        match facts.hits.first() {
            Some(&(c, _)) => dangerous(
                c,
                format!(
                    "{verb} by-value function {} at load; its code names {}",
                    facts.name,
                    facts.hit_names()
                ),
            ),
            None => {
                let names = crate::session::pyrepr::clip(&facts.names.join(", "), 80);
                Some((
                    super::Severity::Unknown,
                    Category::ByValueCode,
                    format!(
                        "{verb} by-value function {} at load (its code names: {names})",
                        facts.name
                    ),
                ))
            }
        }
    }

    pub(super) fn code_facts(&mut self, func: NodeId) -> CodeFacts {
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
        if p.node(func).kind != NodeKind::Reduce {
            return CodeFacts {
                name: "?".into(),
                ..CodeFacts::default()
            };
        }
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
            match self.function_global(globals, n) {
                Some(Val::Global(q)) => {
                    if let Some(c) = deny::capability(&q) {
                        hits.push((c, q.to_string()));
                    }
                }
                Some(Val::Module(m)) => modules.push(m),
                Some(_) => {}
                None => {
                    let q = QualName::new("builtins", n.clone());
                    if let Some(c) = deny::capability(&q) {
                        hits.push((c, q.to_string()));
                    }
                }
            }
            if CODE_MODULES.contains(&n.as_str()) {
                modules.push(n.clone());
            }
        }
        modules.sort();
        modules.dedup();
        for m in &modules {
            for a in &names {
                let q = QualName::new(m.clone(), a.clone());
                if a != m
                    && m != "builtins"
                    && let Some(c) = deny::capability(&q)
                {
                    hits.push((c, q.to_string()));
                }
            }
        }
        hits.sort_by(|a, b| a.1.cmp(&b.1));
        hits.dedup();
        CodeFacts {
            name: fname.unwrap_or_else(|| "?".into()),
            names,
            hits,
        }
    }

    /// What a global name of a by-value function is bound to.
    fn function_global(&mut self, globals: Option<NodeId>, name: &str) -> Option<Val> {
        let g = globals?;
        let is_main = match self.p.node(g).kind {
            NodeKind::Dict => Some(g) == self.s.dict_node,
            NodeKind::Global => {
                matches!(self.ev.eval(g), Val::Global(q) if q.is("__builtin__", "__main__"))
            }
            _ => false,
        };
        if is_main {
            let e = self.s.entries.iter().find(|e| e.name == name)?;
            return match (e.value, &e.imported_from) {
                (Some(v), _) => Some(self.ev.eval(v)),
                (None, Some(from)) => Some(match self.s.imported.iter().find(|r| r.name == name) {
                    Some(r) if r.attr.is_none() => Val::Module(r.module.clone()),
                    Some(r) => Val::Global(QualName::new(
                        r.module.clone(),
                        r.attr.clone().unwrap_or_default(),
                    )),
                    None => Val::Module(from.clone()),
                }),
                _ => None,
            };
        }
        if self.p.node(g).kind == NodeKind::Dict {
            let v = self.d.dict_get(g, name)?;
            return Some(self.ev.eval(v));
        }
        None
    }
}
