//! A dill-aware safety scan: what loading a pickle would import, call and
//! touch, read from the symbolic program. Nothing is imported, called or
//! evaluated; strings hidden behind `codecs.decode` are decoded here, in Rust.
//!
//! ```no_run
//! let session = brine::session::Session::open(std::path::Path::new("ckpt.pkl"))?;
//! let report = brine::scan::scan(&session);
//! println!("{}", report.verdict);                      // safe | notice | dangerous
//! for f in &report.findings {
//!     println!("{} at byte {}: {}", f.holder(), f.offset, f.what);
//! }
//! let v = report.verdict_of("model");                  // per-variable verdict
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Each call loading would make (REDUCE, NEWOBJ/NEWOBJ_EX, INST/OBJ, and
//! BUILD/SETITEMS/APPENDS that run a by-value class's own methods) is
//! resolved to what it calls, following getattr/import chains, dill's helpers,
//! `operator.methodcaller`/`attrgetter`, `partial`, EXT codes the file maps
//! with `copyreg.add_extension`, and statically decodable `codecs.decode`
//! strings (`value.rs`). The rules table (`rules.rs`) then says what the call
//! does. Verdicts:
//!
//! - **dangerous**: loading runs a command, evaluates or compiles code, opens
//!   a connection, deletes or writes files, loads a nested pickle, calls a
//!   by-value function whose code names such things, or calls something that
//!   cannot be known (an unmapped EXT code, a computed global name).
//!   `dill._dill._create_filehandle` with a mode that can write (`w`, `x`,
//!   `a`, `+`) or with `fmode=2` (which writes the saved contents) is
//!   dangerous: the open itself truncates or creates the file, on a path the
//!   file chose.
//! - **notice**: loading calls something outside the reconstructors that dill,
//!   the stdlib, numpy and pandas use for normal data (named, with its
//!   module); opens a file for reading; calls by-value code whose names reach
//!   nothing dangerous; or the file refers to a dangerous callable without
//!   calling it (`sysfn = os.system`, a by-value function whose code names
//!   `os.system`, a `refimported` `from os import system`).
//! - **safe**: nothing else.
//!
//! Each finding is attributed to the first namespace entry whose value reaches
//! it, else to the module header or post-processing.

mod analyse;
pub mod rules;
pub mod value;

use std::collections::HashMap;

use crate::pickle::{NodeId, Program};
use crate::session::Session;

/// How worrying a finding, or a whole file, is. Ordered: `Safe < Notice < Dangerous`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Safe,
    Notice,
    Dangerous,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Safe => "safe",
            Severity::Notice => "notice",
            Severity::Dangerous => "dangerous",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of effect a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Builds data (the reconstructors of normal pickles).
    Data,
    Command,
    Code,
    Network,
    FileWrite,
    FileRead,
    NestedLoad,
    Import,
    /// Runs bytecode the file carries (`_create_function`).
    ByValueCode,
    /// Calls or imports something that cannot be known without running the file.
    Unresolved,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Data => "data",
            Category::Command => "command",
            Category::Code => "code",
            Category::Network => "network",
            Category::FileWrite => "file-write",
            Category::FileRead => "file-read",
            Category::NestedLoad => "nested-load",
            Category::Import => "import",
            Category::ByValueCode => "by-value-code",
            Category::Unresolved => "unresolved",
            Category::Other => "other",
        }
    }
}

/// Where a finding sits when no namespace entry holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside the value of `variable`.
    Variable,
    /// Before the namespace: the module dump's own header.
    ModuleHeader,
    /// After or outside every entry (post-processing calls, stray stack values).
    Postprocessing,
}

/// One thing loading would do that is worth telling.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The namespace entry (or plain pickle root) holding it.
    pub variable: Option<String>,
    pub place: Place,
    /// Byte offset of the op that does it (the REDUCE, NEWOBJ, BUILD…).
    pub offset: u64,
    pub severity: Severity,
    pub category: Category,
    pub what: String,
    /// How many times the same thing happens under the same variable (first offset kept).
    pub count: u64,
}

impl Finding {
    /// The variable name, or `(module header)` / `(postprocessing)`.
    pub fn holder(&self) -> &str {
        match (&self.variable, self.place) {
            (Some(v), _) => v,
            (None, Place::ModuleHeader) => "(module header)",
            (None, _) => "(postprocessing)",
        }
    }
}

/// The scan of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub verdict: Severity,
    pub findings: Vec<Finding>,
    /// Every module that loading would import, sorted.
    pub imports: Vec<String>,
    /// Every global loading would call, with how often, most frequent first.
    pub calls: Vec<(String, u64)>,
    /// False when the file was cut: only what was read is scanned.
    pub complete: bool,
}

impl Report {
    /// The verdict for one namespace entry: the worst of its findings.
    pub fn verdict_of(&self, variable: &str) -> Severity {
        self.findings
            .iter()
            .filter(|f| f.variable.as_deref() == Some(variable))
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Safe)
    }

    /// The worst verdict of every variable that has a finding.
    pub fn by_variable(&self) -> HashMap<&str, Severity> {
        let mut out: HashMap<&str, Severity> = HashMap::new();
        for f in &self.findings {
            if let Some(v) = &f.variable {
                let e = out.entry(v.as_str()).or_insert(Severity::Safe);
                *e = (*e).max(f.severity);
            }
        }
        out
    }
}

/// Scans a decoded session (or plain pickle).
pub fn scan(session: &Session) -> Report {
    let pass = analyse::Analyser::new(session).run();
    // Attribution walks the whole program: only worth it when there is something to attribute.
    let owners = if pass.raw.is_empty() {
        Owners { owner: Vec::new() }
    } else {
        Owners::compute(session)
    };
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
    let verdict = findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Safe);
    let mut imports: Vec<String> = pass.modules.into_iter().filter(|m| !m.is_empty()).collect();
    imports.sort();
    let mut calls: Vec<(String, u64)> = pass.calls.into_iter().collect();
    calls.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Report {
        verdict,
        findings,
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
