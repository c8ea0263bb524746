//! A closed-world safety scan of a pickle or dill session, read from the
//! symbolic program: nothing is imported, called or evaluated.
//!
//! ```no_run
//! let session = brine::session::Session::open(std::path::Path::new("ckpt.pkl"))?;
//! let report = brine::scan::scan(&session);
//! println!("{} ({})", report.verdict, report.completeness); // safe | unknown | dangerous
//! for f in &report.findings {
//!     println!("{} at byte {}: {}", f.holder(), f.offset, f.what);
//! }
//! for v in &report.log {                                     // what loading each name calls
//!     println!("{}: {}", v.holder, v.calls.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join(" → "));
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Verdicts:
//!
//! - **safe** is a proof: every global the file references and every call,
//!   BUILD, SETITEMS/APPENDS and object creation loading performs is on the
//!   closed allowlist of exact callables (`allow.rs`) with its argument
//!   constraints met (`checks.rs`), and no class the file defines by value has a
//!   method the unpickler or the interpreter would call during load
//!   (`implicit.rs`).
//! - **unknown**: something falls outside the allowlist; each finding names what and where.
//! - **dangerous**: the analysis reaches a known-dangerous capability (`deny.rs`):
//!   a process, eval/exec/compile, an import of a module off the list that acts,
//!   a file write, the network, a nested unpickle, a thread or finalizer callback,
//!   or rebinding `sys.modules`/`__main__`/module attributes.
//!
//! Completeness (complete / truncated / corrupt / analysis limit) is reported
//! apart from the verdict. Names resolve as the unpickler resolves them
//! (`crate::pickle::resolve`, shared with `inspect`).

pub mod allow;
mod analyse;
mod checks;
mod code;
pub mod deny;
mod implicit;
mod report;
pub mod sarif;
pub mod value;

use crate::session::Session;

/// How far a file, a variable or a finding is from proven safe. Ordered: `Safe < Unknown < Dangerous`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Safe,
    Unknown,
    Dangerous,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Safe => "safe",
            Severity::Unknown => "unknown",
            Severity::Dangerous => "dangerous",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A known-dangerous capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    Process,
    Code,
    FileWrite,
    Network,
    NestedLoad,
    /// Thread, timer, atexit, finalizer or weakref callbacks.
    Callback,
    /// `sys.modules`, `__main__`, module attributes, the copyreg registry.
    Rebind,
}

/// What kind of thing a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Reaches a known-dangerous capability.
    Capability(Capability),
    /// Uses a name that is not on the allowlist.
    Unlisted,
    /// A listed callable whose argument constraint is not met.
    Constraint,
    /// A method of a by-value class that loading calls implicitly.
    Implicit,
    /// Runs bytecode the file carries.
    ByValueCode,
    /// A global, attribute or callable the file computes at load.
    Computed,
    /// Changes a module, a class or another object the file did not build.
    Mutation,
    /// The analysis stopped at a budget: what follows was not judged.
    Limit,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Capability(c) => match c {
                Capability::Process => "process",
                Capability::Code => "code",
                Capability::FileWrite => "file-write",
                Capability::Network => "network",
                Capability::NestedLoad => "nested-load",
                Capability::Callback => "callback",
                Capability::Rebind => "rebind",
            },
            Category::Unlisted => "unlisted",
            Category::Constraint => "constraint",
            Category::Implicit => "implicit-call",
            Category::ByValueCode => "by-value-code",
            Category::Computed => "computed",
            Category::Mutation => "mutation",
            Category::Limit => "analysis-limit",
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

/// One reason the file is not proven safe.
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
        holder(&self.variable, self.place)
    }
}

fn holder(variable: &Option<String>, place: Place) -> &str {
    match (variable, place) {
        (Some(v), _) => v,
        (None, Place::ModuleHeader) => "(module header)",
        (None, _) => "(postprocessing)",
    }
}

/// How much of the file the verdict covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// The file ends early: only what was read is judged (and loading it fails there).
    Truncated,
    /// The file stops making sense at some byte: only what came before is judged.
    Corrupt,
    /// A chain of lookups or calls went deeper than the analysis follows.
    AnalysisLimit,
}

impl Completeness {
    pub fn as_str(self) -> &'static str {
        match self {
            Completeness::Complete => "complete",
            Completeness::Truncated => "truncated",
            Completeness::Corrupt => "corrupt",
            Completeness::AnalysisLimit => "analysis limit hit",
        }
    }
}

impl std::fmt::Display for Completeness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One call loading performs, resolved: `posix.system('touch x')`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub offset: u64,
    pub text: String,
    pub severity: Severity,
}

/// The calls loading one namespace entry performs, in stream order.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableCalls {
    pub variable: Option<String>,
    pub place: Place,
    /// The variable name, or `(module header)` / `(postprocessing)`.
    pub holder: String,
    pub calls: Vec<Call>,
    /// Calls not listed (the log keeps the first [`LOG_PER_VARIABLE`] of each variable).
    pub more: u64,
}

impl VariableCalls {
    /// `a → b → c (+N more)`: the first calls, for one line.
    pub fn chain(&self) -> String {
        let mut parts: Vec<&str> = self.calls.iter().take(8).map(|c| c.text.as_str()).collect();
        let more = self.more + self.calls.len().saturating_sub(8) as u64;
        let tail = format!("(+{more} more)");
        if more > 0 {
            parts.push(&tail);
        }
        parts.join(" → ")
    }
}

/// How many calls the log keeps per variable.
pub const LOG_PER_VARIABLE: usize = 64;

/// The scan of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub verdict: Severity,
    pub completeness: Completeness,
    pub findings: Vec<Finding>,
    /// Per variable, what loading it calls.
    pub log: Vec<VariableCalls>,
    /// Every module that loading would import, sorted.
    pub imports: Vec<String>,
    /// Every callable loading would call, with how often, most frequent first.
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
    pub fn by_variable(&self) -> std::collections::HashMap<&str, Severity> {
        let mut out = std::collections::HashMap::new();
        for f in &self.findings {
            if let Some(v) = &f.variable {
                let e = out.entry(v.as_str()).or_insert(Severity::Safe);
                *e = (*e).max(f.severity);
            }
        }
        out
    }

    /// The calls loading `variable` performs.
    pub fn calls_of(&self, variable: &str) -> Option<&VariableCalls> {
        self.log
            .iter()
            .find(|v| v.variable.as_deref() == Some(variable))
    }

    /// One line for a non-safe file (`inspect`, restore): the verdict and its first reason.
    pub fn warning(&self) -> Option<String> {
        if self.verdict == Severity::Safe {
            return None;
        }
        let first = self
            .findings
            .iter()
            .filter(|f| f.severity == self.verdict)
            .min_by_key(|f| f.offset)?;
        let more = self.findings.len() - 1;
        let more = match more {
            0 => String::new(),
            1 => " (+1 more finding)".into(),
            n => format!(" (+{n} more findings)"),
        };
        Some(format!(
            "scan: {}: {}: {}{more}; see `brine scan`",
            self.verdict,
            first.holder(),
            first.what
        ))
    }
}

/// Scans a decoded session (or plain pickle).
pub fn scan(session: &Session) -> Report {
    let pass = analyse::Analyser::new(session).run();
    report::build(session, pass)
}
