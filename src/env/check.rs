//! Mismatches between a checkpoint's environment and another one (a probed
//! Python, or a second checkpoint), each with what it means for loading, and
//! the verdict they add up to.

use std::path::Path;

use serde_json::{Value, json};

use super::{Env, Local, version_key};

/// How bad a mismatch is for loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// One difference that matters, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub field: String,
    /// The checkpoint's side (from its sidecar, else from the file).
    pub saved: Option<String>,
    /// The other side (the probed Python, the other checkpoint, or the file itself).
    pub other: Option<String>,
    pub consequence: String,
    pub severity: Verdict,
}

impl Mismatch {
    fn new(
        field: &str,
        saved: Option<String>,
        other: Option<String>,
        consequence: String,
        severity: Verdict,
    ) -> Mismatch {
        Mismatch {
            field: field.into(),
            saved,
            other,
            consequence,
            severity,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"field": self.field, "saved": self.saved, "other": self.other, "consequence": self.consequence})
    }
}

/// The worst severity, `ok` when there is nothing.
pub fn verdict(ms: &[Mismatch]) -> Verdict {
    ms.iter().map(|m| m.severity).max().unwrap_or(Verdict::Ok)
}

/// What is wrong with the checkpoint on its own: a cut file, a sidecar that
/// disagrees with the code, file handles that would be truncated.
pub fn by_itself(env: &Env) -> Vec<Mismatch> {
    let inf = &env.inferred;
    let mut out = Vec::new();
    if !inf.complete {
        out.push(Mismatch::new(
            "complete",
            Some("incomplete".into()),
            None,
            "the file ends before STOP: loading it fails".into(),
            Verdict::Fail,
        ));
    }
    if let Some(e) = &env.saved_error {
        out.push(Mismatch::new(
            "sidecar",
            Some(e.clone()),
            None,
            "the sidecar cannot be read; only what the file tells is known".into(),
            Verdict::Warn,
        ));
    }
    let saved_py = env.saved.as_ref().and_then(|s| s.python_minor());
    if let (Some(s), Some(i)) = (&saved_py, &inf.python)
        && !inf.pythons.contains(s)
    {
        out.push(Mismatch::new(
            "python",
            Some(s.clone()),
            Some(i.clone()),
            format!("the sidecar says Python {s} but the code objects are {i}: the sidecar may belong to another file"),
            Verdict::Warn,
        ));
    }
    for h in &inf.file_handles {
        if let Some(harm) = h.harm() {
            out.push(Mismatch::new(
                "file_handle",
                Some(h.path.clone()),
                Some(h.mode.clone()),
                harm,
                Verdict::Warn,
            ));
        }
    }
    out
}

/// Will it load with this Python?
pub fn against_local(env: &Env, local: &Local) -> Vec<Mismatch> {
    let inf = &env.inferred;
    let saved = env.saved.as_ref();
    let mut out = by_itself(env);
    let writer = env.writer_python();
    let here = Some(local.python.clone());
    if !inf.pythons.is_empty() && !inf.pythons.contains(&local.python) {
        let w = writer.clone().unwrap_or_default();
        out.push(Mismatch::new(
            "python",
            writer.clone(),
            here.clone(),
            format!(
                "Python {w} wrote this; {} cannot rebuild its functions",
                local.python
            ),
            Verdict::Fail,
        ));
    } else if inf.pythons.is_empty()
        && let Some(w) = &writer
        && *w != local.python
    {
        out.push(Mismatch::new(
            "python",
            writer.clone(),
            here.clone(),
            format!("Python {w} wrote this; {} may load it (it holds no functions), but pickled classes can differ", local.python),
            Verdict::Warn,
        ));
    }
    if let Some(p) = saved.and_then(|s| s.platform())
        && !local.platform.is_empty()
        && p != local.platform
    {
        out.push(Mismatch::new(
            "platform",
            Some(p.into()),
            Some(local.platform.clone()),
            format!(
                "written on {p}; paths and platform-specific objects may not resolve on {}",
                local.platform
            ),
            Verdict::Warn,
        ));
    }
    out.extend(dill_here(env, local));
    out.extend(numpy_here(env, local));
    for m in &inf.imports {
        if m == "dill" && local.dill.is_none() {
            continue;
        }
        if local.has_module(m) == Some(false) {
            out.push(Mismatch::new(
                "modules",
                Some(m.clone()),
                None,
                format!("module `{m}` not found here"),
                Verdict::Fail,
            ));
        }
    }
    for h in &inf.file_handles {
        if h.path.starts_with('<')
            || h.harm().is_some()
            || !h.mode.contains('r')
            || h.fmode == Some(2)
        {
            continue;
        }
        if !Path::new(&h.path).exists() {
            out.push(Mismatch::new(
                "file_handle",
                Some(h.path.clone()),
                Some(h.mode.clone()),
                format!(
                    "{} does not exist here: the handle would come back as an empty temporary file",
                    h.path
                ),
                Verdict::Warn,
            ));
        }
    }
    out
}

fn dill_here(env: &Env, local: &Local) -> Vec<Mismatch> {
    let inf = &env.inferred;
    let Some(here) = &local.dill else {
        return vec![Mismatch::new(
            "dill",
            inf.dill.clone(),
            None,
            format!("dill is not installed for {}", local.command.join(" ")),
            Verdict::Fail,
        )];
    };
    let k = version_key(here);
    if let Some(min) = &inf.dill_min
        && k < version_key(min)
    {
        // dill ≥ 0.3.6 leads code objects with co_lnotab on 3.10+; 0.3.5.1 cannot read them.
        let code_break = inf.code_objects > 0 && version_key(min) >= version_key("0.3.6");
        let (why, sev) = if code_break {
            (
                format!(
                    "written by dill {}; dill {here} cannot rebuild its code objects",
                    inf.dill.clone().unwrap_or_default()
                ),
                Verdict::Fail,
            )
        } else {
            (
                format!(
                    "written by dill {}; the older dill {here} may not know everything in it",
                    inf.dill.clone().unwrap_or_default()
                ),
                Verdict::Warn,
            )
        };
        return vec![Mismatch::new(
            "dill",
            inf.dill.clone(),
            Some(here.clone()),
            why,
            sev,
        )];
    }
    if let Some(max) = &inf.dill_max
        && k > version_key(max)
    {
        return vec![Mismatch::new(
            "dill",
            inf.dill.clone(),
            Some(here.clone()),
            format!(
                "written by dill {}; dill {here} reads most older files, but not all",
                inf.dill.clone().unwrap_or_default()
            ),
            Verdict::Warn,
        )];
    }
    Vec::new()
}

fn numpy_here(env: &Env, local: &Local) -> Vec<Mismatch> {
    let Some(generation) = &env.inferred.numpy else {
        return Vec::new();
    };
    let Some(here) = &local.numpy else {
        // A missing numpy is reported with the other modules.
        return Vec::new();
    };
    let major = version_key(here).first().copied().unwrap_or(0);
    match (generation.as_str(), major) {
        ("2.x", m) if m < 2 => vec![Mismatch::new(
            "numpy",
            Some(generation.clone()),
            Some(here.clone()),
            format!(
                "arrays were written by numpy 2 (numpy._core); numpy {here} cannot rebuild them"
            ),
            Verdict::Fail,
        )],
        ("1.x", m) if m >= 2 => vec![Mismatch::new(
            "numpy",
            Some(generation.clone()),
            Some(here.clone()),
            format!(
                "arrays were written by numpy 1 (numpy.core); numpy {here} rebuilds them through a deprecated alias"
            ),
            Verdict::Warn,
        )],
        _ => Vec::new(),
    }
}

/// How two checkpoints' environments differ.
pub fn against_other(env: &Env, other: &Env) -> Vec<Mismatch> {
    let mut out = by_itself(env);
    let (a, b) = (env.writer_python(), other.writer_python());
    if let (Some(x), Some(y)) = (&a, &b)
        && x != y
    {
        let code = env.inferred.code_objects > 0 || other.inferred.code_objects > 0;
        let why = if code {
            format!(
                "written by Python {x} and {y}: no one interpreter rebuilds the functions of both"
            )
        } else {
            format!("written by Python {x} and {y}")
        };
        out.push(Mismatch::new(
            "python",
            a.clone(),
            b.clone(),
            why,
            Verdict::Warn,
        ));
    }
    let platform = |e: &Env| {
        e.saved
            .as_ref()
            .and_then(|s| s.platform())
            .map(String::from)
    };
    if let (Some(x), Some(y)) = (platform(env), platform(other))
        && x != y
    {
        out.push(Mismatch::new(
            "platform",
            Some(x.clone()),
            Some(y.clone()),
            format!("written on {x} and on {y}"),
            Verdict::Warn,
        ));
    }
    let (da, db) = (&env.inferred, &other.inferred);
    let disjoint = |lo: &Option<String>, hi: &Option<String>| match (lo, hi) {
        (Some(l), Some(h)) => version_key(l) > version_key(h),
        _ => false,
    };
    if disjoint(&da.dill_min, &db.dill_max) || disjoint(&db.dill_min, &da.dill_max) {
        out.push(Mismatch::new(
            "dill",
            da.dill.clone(),
            db.dill.clone(),
            "written by different dill releases".into(),
            Verdict::Warn,
        ));
    }
    if let (Some(x), Some(y)) = (&da.numpy, &db.numpy)
        && x != y
    {
        out.push(Mismatch::new(
            "numpy",
            Some(x.clone()),
            Some(y.clone()),
            format!("arrays written by numpy {x} and numpy {y}: one numpy cannot rebuild both without aliases"),
            Verdict::Warn,
        ));
    }
    // Every Python has the standard library: only other modules are worth a word.
    let missing: Vec<&String> = db
        .imports
        .iter()
        .filter(|m| !da.imports.contains(m) && !super::stdlib::is_stdlib(m))
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Mismatch::new(
            "modules",
            None,
            Some(
                missing
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            format!("the other checkpoint also needs {list}"),
            Verdict::Warn,
        ));
    }
    out
}
