//! Env sidecars: the `<name>_env.pkl` a checkpoint's writer left next to it, a
//! plain dict pickle (`python_version`, `platform`, `path`, `modules`, `cwd`,
//! and whatever else it chose to store). Read with serde-pickle, which builds
//! plain values and calls nothing; written atomically through `store::write`,
//! which backs up a sidecar it replaces.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use serde_pickle::{HashableValue, Value as Py};

pub use super::dir::{sidecar_names, sidecar_of};
use super::write::{self, WriteError};

/// The fields of a sidecar, under their own names, values as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sidecar {
    pub path: PathBuf,
    pub fields: Map<String, Value>,
}

/// Why a sidecar could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not a readable pickle: {0}")]
    Pickle(String),
    #[error("holds a {0}, not a dict")]
    NotADict(&'static str),
}

impl Sidecar {
    fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key)?.as_str()
    }

    /// `sys.version` as stored, e.g. `3.10.13 (main, …) [GCC 12.2.0]`.
    pub fn python_version(&self) -> Option<&str> {
        self.text("python_version")
    }

    /// `major.minor` of the stored Python version.
    pub fn python_minor(&self) -> Option<String> {
        minor_of(self.python_version()?)
    }

    pub fn platform(&self) -> Option<&str> {
        self.text("platform")
    }

    pub fn cwd(&self) -> Option<&str> {
        self.text("cwd")
    }

    /// `list(sys.modules)` as stored.
    pub fn modules(&self) -> Vec<&str> {
        self.fields
            .get("modules")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

/// `3.10` from `3.10.13 (main, …)` or `3.10`.
pub fn minor_of(version: &str) -> Option<String> {
    let head = version.split_whitespace().next()?;
    let mut parts = head.split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let minor: u32 = minor.parse().ok()?;
    Some(format!("{major}.{minor}"))
}

/// Reads the sidecar at `path`.
pub fn read(path: &Path) -> Result<Sidecar, SidecarError> {
    let bytes = fs::read(path)?;
    let options = serde_pickle::DeOptions::new()
        .decode_strings()
        .replace_unresolved_globals()
        .replace_recursive_structures();
    let value = serde_pickle::value_from_slice(&bytes, options)
        .map_err(|e| SidecarError::Pickle(e.to_string()))?;
    let Py::Dict(dict) = value else {
        return Err(SidecarError::NotADict(kind_name(&value)));
    };
    let fields = dict
        .into_iter()
        .map(|(k, v)| (key_text(&k), to_json(v)))
        .collect();
    Ok(Sidecar {
        path: path.to_path_buf(),
        fields,
    })
}

/// The sidecar of a checkpoint, when it has one: `None` when there is none.
pub fn find_and_read(checkpoint: &Path) -> Option<Result<Sidecar, SidecarError>> {
    sidecar_of(checkpoint).map(|p| read(&p))
}

fn kind_name(v: &Py) -> &'static str {
    match v {
        Py::None => "None",
        Py::Bool(_) => "bool",
        Py::I64(_) | Py::Int(_) => "int",
        Py::F64(_) => "float",
        Py::Bytes(_) => "bytes",
        Py::String(_) => "str",
        Py::List(_) => "list",
        Py::Tuple(_) => "tuple",
        Py::Set(_) => "set",
        Py::FrozenSet(_) => "frozenset",
        Py::Dict(_) => "dict",
    }
}

fn key_text(k: &HashableValue) -> String {
    match k {
        HashableValue::String(s) => s.clone(),
        other => match to_json(other.clone().into_value()) {
            Value::String(s) => s,
            v => v.to_string(),
        },
    }
}

/// A pickled value as JSON: tuples and sets become arrays, bytes a string
/// when they are UTF-8 (else an array of numbers), huge ints decimal strings.
fn to_json(v: Py) -> Value {
    match v {
        Py::None => Value::Null,
        Py::Bool(b) => Value::Bool(b),
        Py::I64(i) => Value::from(i),
        Py::Int(i) => Value::String(i.to_string()),
        Py::F64(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Py::Bytes(b) => match String::from_utf8(b) {
            Ok(s) => Value::String(s),
            Err(e) => Value::from(e.into_bytes()),
        },
        Py::String(s) => Value::String(s),
        Py::List(items) | Py::Tuple(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        Py::Set(items) | Py::FrozenSet(items) => {
            Value::Array(items.into_iter().map(|h| to_json(h.into_value())).collect())
        }
        Py::Dict(d) => Value::Object(
            d.into_iter()
                .map(|(k, v)| (key_text(&k), to_json(v)))
                .collect(),
        ),
    }
}

fn to_pickle(v: &Value) -> Py {
    match v {
        Value::Null => Py::None,
        Value::Bool(b) => Py::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Py::I64(i),
            (None, Some(f)) => Py::F64(f),
            (None, None) => Py::String(n.to_string()),
        },
        Value::String(s) => Py::String(s.clone()),
        Value::Array(items) => Py::List(items.iter().map(to_pickle).collect()),
        Value::Object(m) => Py::Dict(
            m.iter()
                .map(|(k, v)| (HashableValue::String(k.clone()), to_pickle(v)))
                .collect(),
        ),
    }
}

/// The bytes of a sidecar holding `fields`: a protocol 2 dict pickle of str, int, float, list.
pub fn encode(fields: &Map<String, Value>) -> io::Result<Vec<u8>> {
    let dict = to_pickle(&Value::Object(fields.clone()));
    serde_pickle::value_to_vec(&dict, serde_pickle::SerOptions::new().proto_v2())
        .map_err(io::Error::other)
}

/// Where a written sidecar went, and the backup of the one it replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub backup: Option<PathBuf>,
}

/// Writes the sidecar next to `checkpoint` atomically; an existing sidecar is
/// backed up first (`brine undo` puts it back). The written file is read back
/// and must hold exactly `fields`.
pub fn write_for(checkpoint: &Path, fields: &Map<String, Value>) -> Result<Written, WriteError> {
    // `checkpoint_<n>.pkl` gets `<n>_env.pkl`, as the seed workflow names them.
    let target = sidecar_of(checkpoint)
        .or_else(|| sidecar_names(checkpoint).pop())
        .ok_or_else(|| {
            WriteError::Other(format!(
                "{}: cannot name a sidecar for it",
                checkpoint.display()
            ))
        })?;
    let bytes = encode(fields).map_err(|e| WriteError::Other(e.to_string()))?;
    let check = |p: &Path| match read(p) {
        Ok(back) if back.fields == *fields => Ok(()),
        Ok(_) => Err("the sidecar read back differently".to_string()),
        Err(e) => Err(e.to_string()),
    };
    let w = write::write_atomic(
        &target,
        &|out: &mut dyn Write| out.write_all(&bytes),
        &check,
        None,
        "env --write-sidecar",
    )?;
    Ok(Written {
        path: w.path,
        backup: w.backup,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_versions_come_from_sys_version() {
        assert_eq!(
            minor_of("3.10.13 (main, May  9 2026) [GCC]").as_deref(),
            Some("3.10")
        );
        assert_eq!(minor_of("3.11").as_deref(), Some("3.11"));
        assert_eq!(minor_of("3.13.0rc1").as_deref(), Some("3.13"));
        assert_eq!(minor_of("banana"), None);
    }

    #[test]
    fn written_sidecars_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let ck = dir.path().join("checkpoint_a.pkl");
        let mut fields = Map::new();
        fields.insert("python_version".into(), Value::from("3.11.7 (main) [GCC]"));
        fields.insert("modules".into(), serde_json::json!(["sys", "numpy"]));
        fields.insert(
            "extra".into(),
            serde_json::json!({"n": 3, "f": 1.5, "none": null}),
        );
        let w = write_for(&ck, &fields).unwrap();
        assert_eq!(w.path, dir.path().join("a_env.pkl"));
        assert_eq!(w.backup, None);
        let back = read(&w.path).unwrap();
        assert_eq!(back.fields, fields);
        assert_eq!(back.python_minor().as_deref(), Some("3.11"));
    }
}
