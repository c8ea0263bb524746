//! Environment metadata of a checkpoint, from three sources kept apart: the
//! sidecar its writer left (`saved`), what the file's own bytes tell
//! (`inferred`: Python from code objects, dill range, numpy generation,
//! imports, file handles it would reopen), and a Python on this machine
//! (`local`, probed with a fixed script that reads no pickle). `check` turns
//! the differences into mismatches with their consequence and a verdict.
//! Nothing here runs the checkpoint.

pub mod check;
pub mod probe;
pub mod table;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

pub use check::{Mismatch, Verdict};
pub use probe::Local;

use crate::pickle::text::Scalar;
use crate::pickle::{NodeId, NodeKind};
use crate::session::{Session, code};
use crate::store::sidecar::{self, Sidecar};

/// A file the checkpoint would reopen on load (dill's `_create_filehandle`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHandle {
    pub path: String,
    pub mode: String,
    /// dill's fmode: 0 handle only, 1 contents, 2 whole file saved in the pickle.
    pub fmode: Option<i64>,
    pub closed: bool,
}

impl FileHandle {
    /// What reopening does to the file, when it does something to it.
    pub fn harm(&self) -> Option<String> {
        if self.path.starts_with('<') {
            return None;
        }
        let p = &self.path;
        if self.fmode == Some(2) {
            return Some(format!(
                "would overwrite {p} with the contents saved in the file on load"
            ));
        }
        if self.mode.contains('w') && self.fmode != Some(1) {
            return Some(format!("would truncate {p} on load"));
        }
        if self.mode.contains('x') && self.fmode != Some(1) {
            return Some(format!("would fail on load if {p} exists"));
        }
        None
    }

    fn to_json(&self) -> Value {
        json!({"path": self.path, "mode": self.mode, "fmode": self.fmode, "closed": self.closed})
    }
}

/// What the file alone tells about the environment that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inferred {
    /// `"3.11"`, a range `"3.8–3.10"`, or `None` when the file holds no code object.
    pub python: Option<String>,
    /// Every Python minor the code objects fit.
    pub pythons: Vec<String>,
    pub code_objects: usize,
    /// A range such as `"0.3.6–0.4.1"` or `"≥ 0.3.7"`.
    pub dill: Option<String>,
    pub dill_min: Option<String>,
    pub dill_max: Option<String>,
    pub dill_evidence: Vec<String>,
    /// `"1.x"` or `"2.x"`.
    pub numpy: Option<String>,
    /// `"≥ 1.4"` or `"< 1.4"` from the internals its frames are rebuilt with.
    pub pandas: Option<String>,
    pub protocol: u8,
    /// The dumped module (`__main__`, `pkg.mod`, `__runtime__.x`).
    pub module: Option<String>,
    /// Top-level packages a load would import.
    pub imports: Vec<String>,
    pub modules: Vec<String>,
    pub file_handles: Vec<FileHandle>,
    pub complete: bool,
}

impl Inferred {
    pub fn to_json(&self) -> Value {
        json!({
            "python": self.python,
            "pythons": self.pythons,
            "code_objects": self.code_objects,
            "dill": self.dill,
            "dill_evidence": self.dill_evidence,
            "numpy": self.numpy,
            "pandas": self.pandas,
            "protocol": self.protocol,
            "module": self.module,
            "imports": self.imports,
            "modules": self.modules,
            "file_handles": self.file_handles.iter().map(FileHandle::to_json).collect::<Vec<_>>(),
            "complete": self.complete,
        })
    }
}

/// Reads what the file tells, without running it.
pub fn infer(s: &Session) -> Inferred {
    let i = &s.inferred;
    let modules = &i.modules;
    let pandas = if modules.iter().any(|m| m == "pandas._libs.internals") {
        Some("≥ 1.4".to_string())
    } else if modules.iter().any(|m| m.starts_with("pandas.")) {
        Some("< 1.4".to_string())
    } else {
        None
    };
    let (pythons, code_objects) = if i.pythons.is_empty() {
        old_dill_code(s)
    } else {
        (i.pythons.clone(), i.code_objects)
    };
    Inferred {
        python: code::describe_pythons(&pythons),
        pythons: pythons.iter().map(|v| v.to_string()).collect(),
        code_objects,
        dill: i.dill(),
        dill_min: i.dill_min.map(String::from),
        dill_max: i.dill_max.map(String::from),
        dill_evidence: i.dill_evidence.clone(),
        numpy: i.numpy.map(String::from),
        pandas,
        protocol: s.program.protocol,
        module: s.module.clone(),
        imports: i.imports.clone(),
        modules: i.modules.clone(),
        file_handles: file_handles(s),
        complete: s.complete(),
    }
}

/// Python versions from code objects that dill ≤ 0.3.0 rebuilt by calling
/// `_load_type('CodeType')(…)` directly, which the session's inference does
/// not count: (versions every code object fits, how many there are).
fn old_dill_code(s: &Session) -> (Vec<&'static str>, usize) {
    let d = s.describer();
    let p = &s.program;
    let mut all = Vec::new();
    for (_, node) in p.nodes() {
        if node.kind != NodeKind::Reduce {
            continue;
        }
        let inner = NodeId(node.a);
        if p.node(inner).kind != NodeKind::Reduce
            || d.called(inner).is_none_or(|q| q.short() != "_load_type")
        {
            continue;
        }
        let arg = p
            .items(NodeId(p.node(inner).b))
            .first()
            .and_then(|&a| p.text(a));
        if arg.as_deref() != Some("CodeType") {
            continue;
        }
        if let Some(info) = code::code_info(p, NodeId(node.b)) {
            all.push(info.pythons);
        }
    }
    (code::common_pythons(&all), all.len())
}

/// Every `_create_filehandle(name, mode, position, closed, open, strictio, fmode, fdata)` call.
pub fn file_handles(s: &Session) -> Vec<FileHandle> {
    let d = s.describer();
    let p = &s.program;
    let mut out = Vec::new();
    for (id, node) in p.nodes() {
        if node.kind != NodeKind::Reduce {
            continue;
        }
        if !d
            .called(id)
            .is_some_and(|q| q.is_dill("_create_filehandle"))
        {
            continue;
        }
        let args = p.items(NodeId(node.b));
        let Some(path) = args.first().and_then(|&a| p.text(a)) else {
            continue;
        };
        let mode = args.get(1).and_then(|&a| p.text(a)).unwrap_or_default();
        let closed = args.get(3).and_then(|&a| p.scalar(a, 0)) == Some(Scalar::Bool(true));
        let fmode = match args.get(6).and_then(|&a| p.scalar(a, 0)) {
            Some(Scalar::Int(i)) => Some(i),
            _ => None,
        };
        out.push(FileHandle {
            path,
            mode,
            fmode,
            closed,
        });
    }
    out
}

/// One checkpoint's environment: its sidecar (if any) and what the file tells.
#[derive(Debug, Clone)]
pub struct Env {
    pub path: PathBuf,
    pub saved: Option<Sidecar>,
    /// Why the sidecar that exists could not be read.
    pub saved_error: Option<String>,
    pub inferred: Inferred,
}

impl Env {
    /// Reads the sidecar next to `path` and infers from the opened session.
    pub fn of(path: &Path, s: &Session) -> Env {
        let (saved, saved_error) = match sidecar::find_and_read(path) {
            None => (None, None),
            Some(Ok(sc)) => (Some(sc), None),
            Some(Err(e)) => {
                let at = sidecar::sidecar_of(path).unwrap_or_default();
                (None, Some(format!("{}: {e}", at.display())))
            }
        };
        Env {
            path: path.to_path_buf(),
            saved,
            saved_error,
            inferred: infer(s),
        }
    }

    /// The Python minor that wrote the file: the sidecar's when the code agrees, else the code's.
    pub fn writer_python(&self) -> Option<String> {
        let saved = self.saved.as_ref().and_then(Sidecar::python_minor);
        match (&saved, self.inferred.pythons.as_slice()) {
            (Some(s), []) => Some(s.clone()),
            (Some(s), ps) if ps.contains(s) => Some(s.clone()),
            _ => self.inferred.python.clone(),
        }
    }

    pub fn saved_json(&self) -> Value {
        self.saved
            .as_ref()
            .map_or(Value::Null, |s| Value::Object(s.fields.clone()))
    }
}

/// Dotted version numbers for comparison: `0.3.5.1` → `[0, 3, 5, 1]`.
pub fn version_key(v: &str) -> Vec<u32> {
    v.split(|c: char| !c.is_ascii_digit())
        .take_while(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// The fields of a sidecar written by brine for a checkpoint made without one.
///
/// Only what the file proves, plus what the probed Python says where the file
/// agrees with it; `brine` records which fields were taken from the probe.
pub fn sidecar_fields(env: &Env, local: Option<&Local>) -> serde_json::Map<String, Value> {
    let inf = &env.inferred;
    let mut m = serde_json::Map::new();
    let mut assumed = Vec::new();
    let local_fits =
        local.is_some_and(|l| inf.pythons.is_empty() || inf.pythons.contains(&l.python));
    match (local, &inf.python) {
        (Some(l), _) if local_fits => {
            // The file proves at most the minor version; the full version is the probe's.
            m.insert("python_version".into(), json!(l.version));
            assumed.push("python_version");
        }
        (_, Some(py)) => {
            m.insert("python_version".into(), json!(py));
        }
        _ => {}
    }
    if let Some(l) = local {
        m.insert("platform".into(), json!(l.platform));
        assumed.push("platform");
    }
    m.insert("modules".into(), json!(inf.modules));
    let in_range = |v: &str| {
        let k = version_key(v);
        inf.dill_min.as_deref().is_none_or(|a| version_key(a) <= k)
            && inf.dill_max.as_deref().is_none_or(|b| k <= version_key(b))
    };
    match (local.and_then(|l| l.dill.as_deref()), &inf.dill) {
        (Some(v), _) if local_fits && in_range(v) => {
            m.insert("dill_version".into(), json!(v));
            assumed.push("dill_version");
        }
        (_, Some(range)) => {
            m.insert("dill_version".into(), json!(range));
        }
        _ => {}
    }
    if let Some(n) = &inf.numpy {
        m.insert("numpy_version".into(), json!(n));
    }
    m.insert("protocol".into(), json!(inf.protocol));
    let from = match local {
        Some(l) => format!(
            "the checkpoint's contents and a probe of {}",
            l.command.join(" ")
        ),
        None => "the checkpoint's contents".into(),
    };
    m.insert(
        "brine".into(),
        json!({
            "written_by": format!("brine {}", env!("CARGO_PKG_VERSION")),
            "from": from,
            "assumed_from_probe": assumed,
            "proven_by_file": proven(&m, &assumed),
        }),
    );
    m
}

/// The sidecar fields the checkpoint itself proves: every field not taken from the probe.
fn proven(m: &serde_json::Map<String, Value>, assumed: &[&str]) -> Vec<String> {
    m.keys()
        .filter(|k| !assumed.contains(&k.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dill_versions_order_numerically() {
        assert!(version_key("0.3.10") > version_key("0.3.9"));
        assert!(version_key("0.3.5.1") > version_key("0.3.5"));
        assert!(version_key("2.2.6") > version_key("1.26.4"));
        assert_eq!(version_key("2.0.0rc1"), vec![2, 0, 0]);
    }

    #[test]
    fn write_modes_say_what_they_do() {
        let h = |mode: &str, fmode| FileHandle {
            path: "/data/out.csv".into(),
            mode: mode.into(),
            fmode,
            closed: false,
        };
        assert_eq!(
            h("w", Some(0)).harm().as_deref(),
            Some("would truncate /data/out.csv on load")
        );
        assert_eq!(h("r", Some(0)).harm(), None);
        assert_eq!(h("a", None).harm(), None);
        assert_eq!(h("w", Some(1)).harm(), None);
        assert!(
            h("r", Some(2))
                .harm()
                .is_some_and(|s| s.contains("overwrite"))
        );
    }
}
