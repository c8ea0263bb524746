//! What the file alone tells about its writer: the Python version (from code
//! object layouts and bytecode), the dill version range (from what each dill
//! release emits), numpy's generation, and every module a load would import.

use std::collections::BTreeSet;

use super::code;
use super::describe::Describer;
use super::knowledge::{self, Dill, Known};
use super::names::global_name;
use crate::pickle::{NodeId, NodeKind};

/// dill releases in order, for ranges.
pub const DILL_RELEASES: &[&str] = &[
    "0.2.0", "0.2.9", "0.3.0", "0.3.1", "0.3.2", "0.3.4", "0.3.5", "0.3.5.1", "0.3.6", "0.3.7",
    "0.3.8", "0.4.0", "0.4.1",
];

/// What was inferred.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inferred {
    /// Python versions every code object fits, oldest first; empty when the file has no code.
    pub pythons: Vec<&'static str>,
    /// Lowest and highest dill release consistent with the file.
    pub dill_min: Option<&'static str>,
    pub dill_max: Option<&'static str>,
    /// Evidence for the dill range.
    pub dill_evidence: Vec<String>,
    /// `"1.x"` (numpy.core) or `"2.x"` (numpy._core), when the file uses numpy.
    pub numpy: Option<&'static str>,
    /// Top-level packages the file references (what loading would import), sorted.
    pub imports: Vec<String>,
    /// Every module named, in full, sorted.
    pub modules: Vec<String>,
    pub code_objects: usize,
}

impl Inferred {
    /// `"3.11"` or a range `"3.8–3.10"`.
    pub fn python(&self) -> Option<String> {
        code::describe_pythons(&self.pythons)
    }

    pub fn python_minor(&self) -> Option<u32> {
        let v = self.pythons.last()?;
        let first = self.pythons.first()?;
        // Only when the range does not straddle 3.11 (EnumMeta → EnumType).
        let minor = |v: &str| v.strip_prefix("3.").and_then(|m| m.parse::<u32>().ok());
        let (a, b) = (minor(first)?, minor(v)?);
        if (a >= 11) == (b >= 11) {
            Some(b)
        } else {
            None
        }
    }

    /// `"0.3.6–0.4.1"`, `"≥ 0.3.7"`, or `None` when nothing tells.
    pub fn dill(&self) -> Option<String> {
        match (self.dill_min, self.dill_max) {
            (Some(a), Some(b)) if a == b => Some(a.to_string()),
            (Some(a), Some(b)) if rank(a) > rank(b) => {
                Some(format!("unclear (signals of ≥ {a} and ≤ {b})"))
            }
            (Some(a), Some(b)) => Some(format!("{a}–{b}")),
            (Some(a), None) => Some(format!("≥ {a}")),
            (None, Some(b)) => Some(format!("≤ {b}")),
            (None, None) => None,
        }
    }
}

fn rank(v: &str) -> usize {
    DILL_RELEASES.iter().position(|r| *r == v).unwrap_or(0)
}

pub fn infer(d: &Describer) -> Inferred {
    let p = d.p;
    let mut out = Inferred::default();
    let mut modules = BTreeSet::new();
    let mut lower: Vec<(&'static str, String)> = Vec::new();
    let mut upper: Vec<(&'static str, String)> = Vec::new();
    let mut pythons = Vec::new();
    let mut seen_raw = BTreeSet::new();
    for (id, node) in p.nodes() {
        match node.kind {
            NodeKind::Global | NodeKind::StackGlobal => {
                let raw_module = match node.kind {
                    NodeKind::Global => p.global_pair(id).map(|x| x.0),
                    _ => p.text(NodeId(node.a)),
                };
                if let Some(m) = &raw_module
                    && seen_raw.insert(m.clone())
                {
                    match m.as_str() {
                        "dill.dill" => upper.push(("0.2.9", "module dill.dill".into())),
                        "dill._shims" => {
                            lower.push(("0.3.5", "dill._shims".into()));
                            upper.push(("0.3.5.1", "dill._shims".into()));
                        }
                        _ => {}
                    }
                }
                let Some(q) = global_name(p, id) else {
                    continue;
                };
                if q.module == "__builtin__" && (q.name == "__main__" || q.name == "NoneType") {
                    continue;
                }
                match (q.module.as_str(), q.name.as_str()) {
                    ("enum", "EnumMeta") | ("types", "new_class") | ("abc", "ABCMeta.register") => {
                        lower.push(("0.3.7", format!("{q}")))
                    }
                    ("threading", "ExceptHookArgs") => lower.push(("0.4.0", format!("{q}"))),
                    ("_contextvars", "Context") => lower.push(("0.4.1", format!("{q}"))),
                    ("dill._dill", "_create_array") => {
                        lower.push(("0.3.6", "_create_array".into()))
                    }
                    ("dill._dill", "_create_thread_handle") => {
                        lower.push(("0.4.0", "_create_thread_handle".into()))
                    }
                    _ => {}
                }
                if q.module.starts_with("numpy.core") {
                    out.numpy.get_or_insert("1.x");
                } else if q.module.starts_with("numpy._core") {
                    out.numpy = Some("2.x");
                }
                modules.insert(q.module.clone());
            }
            NodeKind::Inst => {
                if let Some(crate::pickle::resolve::Found::Name(q)) =
                    crate::pickle::resolve::literal(p, id)
                {
                    modules.insert(q.module);
                }
            }
            NodeKind::Reduce => {
                // Old dill rebuilt code objects by calling the CodeType class: `_load_type('CodeType')(…)`.
                if d.called(id).is_none_or(|q| !q.is_dill("_create_code"))
                    && d.type_of(id).as_str() == "builtins.code"
                {
                    if let Some(info) = code::code_info(p, NodeId(node.b)) {
                        out.code_objects += 1;
                        pythons.push(info.pythons);
                    }
                    upper.push((
                        "0.3.1",
                        "code objects built through _load_type('CodeType')".into(),
                    ));
                    continue;
                }
                let Some(q) = d.called(id) else { continue };
                let args = p.items(NodeId(node.b));
                match knowledge::lookup(&q) {
                    Some(Known::Dill(Dill::ImportModule)) => {
                        if let Some(m) = args.first().and_then(|&a| p.text(a)) {
                            if let Some(rest) = m.strip_prefix("__runtime__.") {
                                lower.push(("0.3.6", format!("__runtime__.{rest}")));
                            } else {
                                modules.insert(m);
                            }
                        }
                    }
                    Some(Known::Dill(Dill::CreateCode)) => {
                        if let Some(info) = code::code_info(p, NodeId(node.b)) {
                            out.code_objects += 1;
                            pythons.push(info.pythons.clone());
                        }
                        let first_bytes = args
                            .first()
                            .is_some_and(|&a| p.node(a).kind == NodeKind::Bytes);
                        if first_bytes && args.len() >= 17 {
                            lower.push(("0.3.6", "code objects lead with co_lnotab".into()));
                        }
                    }
                    Some(Known::Dill(Dill::CreateFunction))
                        if args.len() == 7 && d.build_state(id).is_none() =>
                    {
                        upper.push(("0.3.4", "_create_function with 7 arguments".into()));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    // 0.3.7+ always records a class's qualname, even when it equals the class name.
    for (&obj, attrs) in &d.post.attrs {
        for (name, v) in attrs {
            if name == "__qualname__" && p.node(obj).kind == NodeKind::Reduce {
                let cls_name =
                    d.p.items(NodeId(p.node(obj).b))
                        .get(1)
                        .and_then(|&n| p.text(n));
                if cls_name.is_some() && cls_name == p.text(*v) {
                    lower.push((
                        "0.3.7",
                        "class qualname set even when equal to its name".into(),
                    ));
                }
            }
        }
    }
    out.pythons = code::common_pythons(&pythons);
    out.dill_min = lower.iter().map(|x| x.0).max_by_key(|v| rank(v));
    out.dill_max = upper.iter().map(|x| x.0).min_by_key(|v| rank(v));
    if let (Some(a), Some(b)) = (out.dill_min, out.dill_max)
        && rank(a) > rank(b)
    {
        out.dill_evidence
            .push(format!("conflicting signals: at least {a} but at most {b}"));
    }
    let mut ev: Vec<String> = lower.into_iter().chain(upper).map(|(_, why)| why).collect();
    ev.sort();
    ev.dedup();
    out.dill_evidence.extend(ev);
    modules.remove("__main__");
    modules.remove("__builtin__");
    out.imports = modules
        .iter()
        .filter(|m| !m.starts_with("__runtime__"))
        .map(|m| m.split('.').next().unwrap_or(m).to_string())
        .filter(|m| m != "builtins")
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    out.modules = modules.into_iter().collect();
    out
}
