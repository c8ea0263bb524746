//! Side-by-side views of two checkpoints: names added, removed and changed,
//! and the environment each was written in. Pure functions of parsed sessions.

use crate::session::Session;

/// How a name differs between two checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
    Same,
}

/// One name of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub name: String,
    pub change: Change,
    pub ty: String,
    /// Left and right sizes; `None` where the name is absent.
    pub before: Option<u64>,
    pub after: Option<u64>,
    pub preview: String,
}

/// Names of `a` against `b`, in `a`'s order then `b`'s new names.
///
/// A name counts as changed when its type, preview or stored size differs:
/// values are never evaluated, so two equal values pickled differently can
/// show as changed.
pub fn diff(a: &Session, b: &Session) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    for ea in &a.entries {
        let row = match b.entry(&ea.name) {
            None => DiffRow {
                name: ea.name.clone(),
                change: Change::Removed,
                ty: ea.ty.clone(),
                before: Some(ea.bytes),
                after: None,
                preview: ea.preview.clone(),
            },
            Some(eb) => {
                let same = ea.ty == eb.ty && ea.preview == eb.preview && ea.bytes == eb.bytes;
                DiffRow {
                    name: ea.name.clone(),
                    change: if same { Change::Same } else { Change::Changed },
                    ty: if ea.ty == eb.ty {
                        eb.ty.clone()
                    } else {
                        format!("{} → {}", ea.ty, eb.ty)
                    },
                    before: Some(ea.bytes),
                    after: Some(eb.bytes),
                    preview: eb.preview.clone(),
                }
            }
        };
        rows.push(row);
    }
    for eb in &b.entries {
        if a.entry(&eb.name).is_none() {
            rows.push(DiffRow {
                name: eb.name.clone(),
                change: Change::Added,
                ty: eb.ty.clone(),
                before: None,
                after: Some(eb.bytes),
                preview: eb.preview.clone(),
            });
        }
    }
    rows
}

/// One line of an env comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRow {
    pub key: String,
    pub left: String,
    pub right: String,
}

impl EnvRow {
    /// True when both sides are known and differ.
    pub fn mismatch(&self) -> bool {
        self.left != self.right && self.left != "?" && self.right != "?"
    }
}

/// What one checkpoint tells about its environment: (key, value).
///
/// The sidecar (`<name>_env.pkl`, a plain dict) is read through the same
/// engine, so its values are previews of what it stores.
pub fn env_facts(s: &Session, sidecar: Option<&Session>) -> Vec<(String, String)> {
    let side = |key: &str| -> String {
        sidecar
            .and_then(|c| c.entry(key))
            .map(|e| unquote(&e.preview))
            .unwrap_or_else(|| "?".into())
    };
    let modules = sidecar
        .and_then(|c| {
            let e = c.entry("modules")?;
            Some(c.describer().children(e.value?).len().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let or_q = |v: Option<String>| v.unwrap_or_else(|| "?".into());
    let python_sidecar = side("python_version");
    vec![
        (
            "sidecar".into(),
            if sidecar.is_some() { "yes" } else { "no" }.into(),
        ),
        (
            "python (sidecar)".into(),
            python_sidecar
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .into(),
        ),
        ("python (file)".into(), or_q(s.inferred.python())),
        ("dill (file)".into(), or_q(s.inferred.dill())),
        (
            "numpy (file)".into(),
            or_q(s.inferred.numpy.map(String::from)),
        ),
        ("platform".into(), side("platform")),
        ("cwd".into(), side("cwd")),
        ("modules loaded".into(), modules),
        ("protocol".into(), s.program.protocol.to_string()),
        ("format".into(), s.format.as_str().to_string()),
        ("imports".into(), s.inferred.imports.join(", ")),
    ]
}

/// Two fact lists joined by key.
pub fn env_rows(left: &[(String, String)], right: &[(String, String)]) -> Vec<EnvRow> {
    left.iter()
        .map(|(k, l)| EnvRow {
            key: k.clone(),
            left: l.clone(),
            right: right
                .iter()
                .find(|(rk, _)| rk == k)
                .map(|(_, r)| r.clone())
                .unwrap_or_else(|| "?".into()),
        })
        .collect()
}

fn unquote(preview: &str) -> String {
    preview
        .strip_prefix('\'')
        .and_then(|p| p.strip_suffix('\''))
        .unwrap_or(preview)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(items: &[(&str, i64)]) -> Session {
        // A protocol-2 dict {name: int}: plain pickles open with their str keys as names.
        let mut b = vec![0x80, 2, b'}', b'('];
        for (k, v) in items {
            b.push(b'X');
            b.extend((k.len() as u32).to_le_bytes());
            b.extend(k.as_bytes());
            b.push(b'J');
            b.extend((*v as i32).to_le_bytes());
        }
        b.extend(b"u.");
        Session::from_bytes(b)
    }

    #[test]
    fn diff_sorts_names_into_added_removed_changed() {
        let a = dict(&[("x", 1), ("gone", 2), ("same", 3)]);
        let b = dict(&[("x", 5), ("same", 3), ("new", 4)]);
        let got: Vec<(String, Change)> = diff(&a, &b)
            .into_iter()
            .map(|r| (r.name, r.change))
            .collect();
        assert_eq!(
            got,
            [
                ("x".to_string(), Change::Changed),
                ("gone".to_string(), Change::Removed),
                ("same".to_string(), Change::Same),
                ("new".to_string(), Change::Added),
            ]
        );
    }
}
