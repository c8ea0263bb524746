//! From raw findings and calls on nodes to the report: each attributed to
//! the first namespace entry whose value reaches it (else the module header or
//! post-processing), repeats counted, the per-variable call log with resolved
//! callables and literal arguments, the verdict and the completeness.

use std::collections::HashMap;

use super::analyse::Pass;
use super::{
    Call, Completeness, Finding, LOG_PER_VARIABLE, Place, Report, Severity, VariableCalls, holder,
};
use crate::pickle::{NodeId, Program};
use crate::session::Session;

pub fn build(session: &Session, pass: Pass) -> Report {
    let owners = Owners::compute(session);
    let mut findings: Vec<Finding> = Vec::new();
    let mut index: HashMap<(Option<String>, String), usize> = HashMap::new();
    let mut raw = pass.raw;
    raw.sort_by_key(|r| r.offset);
    for r in raw {
        let (variable, place) = owners.of(session, r.node);
        let key = (variable.clone(), r.key.clone());
        if let Some(&i) = index.get(&key) {
            let f: &mut Finding = &mut findings[i];
            f.count += 1;
            if r.severity > f.severity {
                f.severity = r.severity;
                f.what = r.what;
                f.category = r.category;
            }
            continue;
        }
        index.insert(key, findings.len());
        findings.push(Finding {
            variable,
            place,
            offset: r.offset,
            severity: r.severity,
            category: r.category,
            what: r.what,
            count: 1,
        });
    }
    // A budget stopped the parse: the rest of the file was never judged, and
    // loading would run it, so the file cannot be safe.
    if let Some(e) = session.program.error.as_ref()
        && let Some(b) = e.budget()
    {
        findings.push(Finding {
            variable: None,
            place: Place::Postprocessing,
            offset: e.offset,
            severity: Severity::Unknown,
            category: super::Category::Limit,
            what: format!("not scanned past byte {}: {b}", e.offset),
            count: 1,
        });
    }
    let verdict = findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Safe);
    // The call log, per holder, in stream order.
    let d = session.describer();
    let mut log: Vec<VariableCalls> = Vec::new();
    let mut by_holder: HashMap<(Option<String>, bool), usize> = HashMap::new();
    let mut counts: HashMap<u32, u64> = HashMap::new();
    let mut calls = pass.log;
    calls.sort_by_key(|c| c.offset);
    for c in calls {
        *counts.entry(c.callee).or_insert(0) += 1;
        let (variable, place) = owners.of(session, c.node);
        let k = (variable.clone(), place == Place::ModuleHeader);
        let i = *by_holder.entry(k).or_insert_with(|| {
            log.push(VariableCalls {
                holder: holder(&variable, place).to_string(),
                variable,
                place,
                calls: Vec::new(),
                more: 0,
            });
            log.len() - 1
        });
        let v = &mut log[i];
        if v.calls.len() >= LOG_PER_VARIABLE {
            v.more += 1;
            continue;
        }
        let callee = &pass.callees[c.callee as usize];
        let args = match c.args {
            Some(a) => {
                let items: Vec<String> = session
                    .program
                    .items(a)
                    .iter()
                    .take(4)
                    .map(|&x| d.preview(x, 40))
                    .collect();
                let more = if session.program.items(a).len() > 4 {
                    ", …"
                } else {
                    ""
                };
                format!("({}{more})", items.join(", "))
            }
            None => String::new(),
        };
        v.calls.push(Call {
            offset: c.offset,
            text: crate::session::pyrepr::clip(&format!("{callee}{args}"), 160),
            severity: c.severity,
        });
    }
    let mut imports: Vec<String> = pass.modules.into_iter().filter(|m| !m.is_empty()).collect();
    imports.sort();
    let mut calls: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(c, n)| (pass.callees[c as usize].clone(), n))
        .collect();
    calls.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let completeness = match &session.program.error {
        Some(e) if e.budget().is_some() => Completeness::AnalysisLimit,
        Some(e) if e.is_truncation() => Completeness::Truncated,
        Some(_) => Completeness::Corrupt,
        None if !session.complete() => Completeness::Truncated,
        None if pass.limit_hit => Completeness::AnalysisLimit,
        None => Completeness::Complete,
    };
    Report {
        verdict,
        completeness,
        findings,
        log,
        imports,
        calls,
        complete: session.complete(),
    }
}

/// The first namespace entry that reaches each node.
struct Owners {
    owner: Vec<u32>,
}

const NOBODY: u32 = u32::MAX;

impl Owners {
    fn compute(s: &Session) -> Owners {
        let p: &Program = &s.program;
        let mut owner = vec![NOBODY; p.node_count()];
        let mut stack: Vec<NodeId> = Vec::new();
        for (i, e) in s.entries.iter().enumerate() {
            let i = i as u32;
            let mut roots: Vec<NodeId> = e.key.into_iter().chain(e.value).collect();
            if e.value.is_none() {
                roots.extend(
                    s.imported
                        .iter()
                        .filter(|r| r.name == e.name)
                        .map(|r| r.node),
                );
            }
            for r in roots {
                if owner[r.index()] == NOBODY {
                    owner[r.index()] = i;
                    stack.push(r);
                }
            }
            while let Some(n) = stack.pop() {
                let mut visit = |c: NodeId| {
                    if owner[c.index()] == NOBODY {
                        owner[c.index()] = i;
                        stack.push(c);
                    }
                };
                p.for_each_child(n, &mut visit);
                if let Some(calls) = s.post.calls.get(&n) {
                    calls.iter().for_each(|&c| visit(c));
                }
            }
        }
        Owners { owner }
    }

    fn of(&self, s: &Session, node: NodeId) -> (Option<String>, Place) {
        let o = self.owner.get(node.index()).copied().unwrap_or(NOBODY);
        if let Some(e) = s.entries.get(o as usize) {
            return (Some(e.name.clone()), Place::Variable);
        }
        // A cut file: what follows the last complete entry belongs to the one being read.
        if !s.complete()
            && let Some(k) = &s.cut_at_key
        {
            let last = s
                .entries
                .iter()
                .filter_map(|e| e.value)
                .map(|v| s.program.node(v).offset)
                .max()
                .unwrap_or(0);
            if s.program.node(node).offset >= last {
                return (Some(k.clone()), Place::Variable);
            }
        }
        let before_namespace = s
            .dict_node
            .is_some_and(|d| s.program.node(node).offset < s.program.node(d).offset);
        if before_namespace {
            (None, Place::ModuleHeader)
        } else {
            (None, Place::Postprocessing)
        }
    }
}
