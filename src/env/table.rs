//! The env comparison as a table, for `brine env` and the TUI alike: what the
//! checkpoint's sidecar saved, what its bytes tell, and the other side (a probed
//! Python or another checkpoint), row by row with the worst mismatch of each field.
//! Pure functions of the results in `crate::env`; nothing here probes or reads.

use serde_json::Value;

use super::{Env, Local, Mismatch, Verdict, check};

/// What the checkpoint is compared with.
#[derive(Debug, Clone)]
pub enum Other {
    /// Nothing: only what is wrong with the checkpoint by itself.
    Nothing,
    Local(Box<Local>),
    Checkpoint(Box<Env>),
}

/// One checkpoint's env against `other`, with the mismatches and verdict.
#[derive(Debug, Clone)]
pub struct EnvReport {
    pub env: Env,
    pub other: Other,
    pub mismatches: Vec<Mismatch>,
    pub verdict: Verdict,
}

impl EnvReport {
    pub fn by_itself(env: Env) -> EnvReport {
        let mismatches = check::by_itself(&env);
        EnvReport::new(env, Other::Nothing, mismatches)
    }

    pub fn against_local(env: Env, local: Local) -> EnvReport {
        let mismatches = check::against_local(&env, &local);
        EnvReport::new(env, Other::Local(Box::new(local)), mismatches)
    }

    pub fn against_other(env: Env, other: Env) -> EnvReport {
        let mismatches = check::against_other(&env, &other);
        EnvReport::new(env, Other::Checkpoint(Box::new(other)), mismatches)
    }

    fn new(env: Env, other: Other, mismatches: Vec<Mismatch>) -> EnvReport {
        let verdict = check::verdict(&mismatches);
        EnvReport {
            env,
            other,
            mismatches,
            verdict,
        }
    }

    /// The worst mismatch of a row's field, if any.
    fn worst(&self, field: &str) -> Option<Verdict> {
        self.mismatches
            .iter()
            .filter(|m| {
                m.field == field
                    || (field == "imports" && m.field == "modules")
                    || (field == "file handles" && m.field == "file_handle")
            })
            .map(|m| m.severity)
            .max()
    }
}

/// One field of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRow {
    pub field: &'static str,
    pub saved: String,
    pub inferred: String,
    /// Empty when there is no other side.
    pub other: String,
    /// The worst mismatch on this field.
    pub severity: Option<Verdict>,
}

fn dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "–".into())
}

/// A list for one cell, about `width` characters: its start and a count when long.
fn list_cell(items: &[String], width: usize) -> String {
    let all = items.join(", ");
    if all.chars().count() <= width {
        return dash(Some(all));
    }
    let mut shown = Vec::new();
    let mut used = 0;
    for m in items {
        if used + m.len() + 2 > width {
            break;
        }
        used += m.len() + 2;
        shown.push(m.as_str());
    }
    format!("{}, … ({} in all)", shown.join(", "), items.len())
}

/// The rows of a report: python, platform, dill, numpy, pandas, imports, and
/// file handles and cwd when there are any.
pub fn env_rows(r: &EnvReport, list_width: usize) -> Vec<EnvRow> {
    let inf = &r.env.inferred;
    let saved = r.env.saved.as_ref();
    let sv = |k: &str| {
        saved
            .and_then(|s| s.fields.get(k))
            .and_then(Value::as_str)
            .map(String::from)
    };
    let (l, o) = match &r.other {
        Other::Nothing => (None, None),
        Other::Local(l) => (Some(l.as_ref()), None),
        Other::Checkpoint(o) => (None, Some(o.as_ref())),
    };
    let installed = |v: &Option<String>| v.clone().unwrap_or_else(|| "not installed".into());
    let mut rows = vec![
        (
            "python",
            dash(
                saved
                    .and_then(|s| s.python_version())
                    .and_then(|v| v.split_whitespace().next())
                    .map(String::from),
            ),
            dash(inf.python.clone()),
            match (l, o) {
                (Some(l), _) => l
                    .version
                    .split_whitespace()
                    .next()
                    .unwrap_or(&l.python)
                    .to_string(),
                (_, Some(o)) => dash(o.writer_python()),
                _ => String::new(),
            },
        ),
        (
            "platform",
            dash(sv("platform")),
            "–".into(),
            match (l, o) {
                (Some(l), _) => l.platform.clone(),
                (_, Some(o)) => dash(
                    o.saved
                        .as_ref()
                        .and_then(|s| s.platform())
                        .map(String::from),
                ),
                _ => String::new(),
            },
        ),
        (
            "dill",
            dash(sv("dill_version")),
            dash(inf.dill.clone()),
            match (l, o) {
                (Some(l), _) => installed(&l.dill),
                (_, Some(o)) => dash(o.inferred.dill.clone()),
                _ => String::new(),
            },
        ),
        (
            "numpy",
            dash(sv("numpy_version")),
            dash(inf.numpy.clone()),
            match (l, o) {
                (Some(l), _) => installed(&l.numpy),
                (_, Some(o)) => dash(o.inferred.numpy.clone()),
                _ => String::new(),
            },
        ),
        (
            "pandas",
            "–".into(),
            dash(inf.pandas.clone()),
            match (l, o) {
                (Some(l), _) => installed(&l.pandas),
                (_, Some(o)) => dash(o.inferred.pandas.clone()),
                _ => String::new(),
            },
        ),
        (
            "imports",
            saved.map_or("–".into(), |s| format!("{} loaded", s.modules().len())),
            list_cell(&inf.imports, list_width),
            match (l, o) {
                (Some(l), _) => {
                    let missing: Vec<&str> = inf
                        .imports
                        .iter()
                        .filter(|m| l.has_module(m) == Some(false))
                        .map(String::as_str)
                        .collect();
                    if missing.is_empty() {
                        format!("{} found", inf.imports.len())
                    } else {
                        format!("missing {}", missing.join(", "))
                    }
                }
                (_, Some(o)) => list_cell(&o.inferred.imports, list_width),
                _ => String::new(),
            },
        ),
    ];
    if !inf.file_handles.is_empty() {
        let list: Vec<String> = inf
            .file_handles
            .iter()
            .map(|h| format!("{} ({})", h.path, h.mode))
            .collect();
        rows.push(("file handles", "–".into(), list.join(", "), String::new()));
    }
    let other_cwd = o
        .and_then(|o| o.saved.as_ref())
        .and_then(|s| s.cwd())
        .map(String::from);
    if sv("cwd").is_some() || other_cwd.is_some() {
        let other = match o {
            Some(_) => dash(other_cwd),
            None => String::new(),
        };
        rows.push(("cwd", dash(sv("cwd")), "–".into(), other));
    }
    rows.into_iter()
        .map(|(field, saved, inferred, other)| EnvRow {
            field,
            saved,
            inferred,
            other,
            severity: r.worst(field),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    #[test]
    fn a_missing_module_marks_the_imports_row_as_failing() {
        let s = Session::from_bytes(b"\x80\x02cnumpy\nzeros\n.".to_vec());
        let env = Env::of(std::path::Path::new("/nowhere/x.pkl"), &s);
        let local = Local {
            python: "3.11".into(),
            version: "3.11.7".into(),
            platform: "linux".into(),
            dill: Some("0.3.8".into()),
            found: [("numpy".to_string(), Some(false))].into_iter().collect(),
            ..Local::default()
        };
        let r = EnvReport::against_local(env, local);
        let rows = env_rows(&r, 28);
        let imports = rows.iter().find(|r| r.field == "imports").unwrap();
        assert_eq!(imports.other, "missing numpy");
        assert_eq!(imports.severity, Some(Verdict::Fail));
        assert_eq!(r.verdict, Verdict::Fail);
    }
}
