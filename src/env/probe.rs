//! Asking a Python on this machine about itself: version, platform, the
//! versions of dill, numpy and pandas, and which top-level modules it could
//! find. The script is fixed, reads no pickle, and finds modules with
//! `importlib.util.find_spec` on top-level names only (a dotted name would
//! import its parents). The interpreter runs isolated (`-I`; `-E -s` for
//! Python 2), in an empty private directory, with a fixed environment, so a
//! `json.py` in the user's folder or a `PYTHONSTARTUP` never runs.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The fixed probe. Module names arrive as arguments; the answer is one JSON line.
pub const SCRIPT: &str = r#"
import sys, json
out = {"version": sys.version, "python": "%d.%d" % tuple(sys.version_info[:2]),
       "platform": sys.platform, "executable": sys.executable,
       "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
       "packages": {}, "found": {}}
try:
    from importlib.metadata import version as _meta_version
except Exception:
    _meta_version = None
try:
    from importlib.util import find_spec as _find_spec
except Exception:
    _find_spec = None
def _version(name):
    if _meta_version is not None:
        try:
            return _meta_version(name)
        except Exception:
            pass
    if _find_spec is not None:
        try:
            if _find_spec(name) is None:
                return None
        except Exception:
            return None
    try:
        return str(__import__(name).__version__)
    except Exception:
        return None
for _name in ("dill", "numpy", "pandas"):
    out["packages"][_name] = _version(_name)
for _name in sys.argv[1:]:
    if "." in _name or not _name:
        continue
    if _name in sys.builtin_module_names or _name in sys.modules:
        out["found"][_name] = True
        continue
    try:
        out["found"][_name] = _find_spec(_name) is not None if _find_spec else None
    except Exception:
        out["found"][_name] = None
sys.stdout.write(json.dumps(out) + "\n")
"#;

/// How long the probe may take before it is given up.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What a probed Python said about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Local {
    /// The command that was run, split into words.
    pub command: Vec<String>,
    /// `sys.version`.
    pub version: String,
    /// `major.minor`.
    pub python: String,
    pub platform: String,
    pub executable: String,
    pub implementation: String,
    pub dill: Option<String>,
    pub numpy: Option<String>,
    pub pandas: Option<String>,
    /// Top-level module → findable (`None` when find_spec itself failed).
    pub found: BTreeMap<String, Option<bool>>,
}

impl Local {
    pub fn to_json(&self) -> Value {
        json!({
            "command": self.command.join(" "),
            "python_version": self.version,
            "python": self.python,
            "platform": self.platform,
            "executable": self.executable,
            "implementation": self.implementation,
            "dill": self.dill,
            "numpy": self.numpy,
            "pandas": self.pandas,
            "found": self.found,
        })
    }

    /// `Some(false)` when the module is known to be missing here.
    pub fn has_module(&self, name: &str) -> Option<bool> {
        self.found.get(name).copied().flatten()
    }
}

/// Why a probe gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("empty python command")]
    Empty,
    #[error("cannot run `{0}`: {1}")]
    Spawn(String, String),
    #[error("{0}: command not found")]
    NotFound(String),
    #[error("`{0}` did not answer within {1} s")]
    Timeout(String, u64),
    #[error("`{0}` failed: {1}")]
    Failed(String, String),
    #[error("`{0}` gave an answer brine cannot read: {1}")]
    Garbled(String, String),
}

/// Runs the probe with `command` (words, e.g. `["python3"]` or `["ipython", "--no-banner"]`).
pub fn probe(command: &[String], modules: &[String]) -> Result<Local, ProbeError> {
    let (program, _) = command.split_first().ok_or(ProbeError::Empty)?;
    // IPython takes no -I; it still gets the empty directory and the fixed environment.
    let ipython = std::path::Path::new(program)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("ipython"));
    let isolate: &[&str] = if ipython { &[] } else { &["-I"] };
    match run(command, isolate, modules) {
        // Python 2 has no -I: -E -s and the empty directory do the same there.
        Err(ProbeError::Failed(_, why)) if !ipython && why.contains("-I") => {
            run(command, &["-E", "-s"], modules)
        }
        other => other,
    }
}

/// The environment the probe runs in: only what finding the interpreter and
/// reading its answer need.
fn fixed_env(cmd: &mut Command) {
    cmd.env_clear();
    for key in ["PATH", "HOME", "SYSTEMROOT"] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    cmd.env("LC_ALL", "C.UTF-8")
        .env("PYTHONIOENCODING", "utf-8");
}

fn run(command: &[String], isolate: &[&str], modules: &[String]) -> Result<Local, ProbeError> {
    let (program, extra) = command.split_first().ok_or(ProbeError::Empty)?;
    let shown = command.join(" ");
    // An empty private directory: nothing there for Python to import by accident.
    let cwd = tempfile::Builder::new()
        .prefix("brine-probe-")
        .tempdir()
        .map_err(|e| ProbeError::Spawn(shown.clone(), e.to_string()))?;
    let mut cmd = Command::new(program);
    fixed_env(&mut cmd);
    let mut child = cmd
        .args(extra)
        .args(isolate)
        .arg("-c")
        .arg(SCRIPT)
        .args(modules.iter().filter(|m| !m.contains('.') && !m.is_empty()))
        .current_dir(cwd.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ProbeError::NotFound(program.clone()),
            _ => ProbeError::Spawn(shown.clone(), e.to_string()),
        })?;
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
    // Read both pipes on threads so a chatty interpreter cannot block on a full pipe.
    let out_reader = std::thread::spawn(move || read_all(out.as_mut()));
    let err_reader = std::thread::spawn(move || read_all(err.as_mut()));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ProbeError::Timeout(shown, TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(ProbeError::Failed(shown, e.to_string())),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    // 127: a shell or a pyenv shim found no such command (its advice follows on other lines).
    if status.code() == Some(127) {
        return Err(ProbeError::NotFound(program.clone()));
    }
    if !status.success() {
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        let unknown_option = stderr
            .lines()
            .find(|l| l.contains("-I") && l.to_lowercase().contains("option"));
        let why = unknown_option.unwrap_or(last);
        return Err(ProbeError::Failed(shown, why.trim().to_string()));
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or("");
    parse(command, line).map_err(|e| ProbeError::Garbled(shown, e))
}

fn read_all(r: Option<&mut impl Read>) -> String {
    let mut buf = Vec::new();
    if let Some(r) = r {
        let _ = r.read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Reads the probe's JSON answer.
pub fn parse(command: &[String], line: &str) -> Result<Local, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let package = |k: &str| {
        v["packages"]
            .get(k)
            .and_then(Value::as_str)
            .map(String::from)
    };
    let found = v["found"]
        .as_object()
        .map(|m| m.iter().map(|(k, f)| (k.clone(), f.as_bool())).collect())
        .unwrap_or_default();
    let python = text("python");
    if python.is_empty() {
        return Err("no python version in the answer".into());
    }
    Ok(Local {
        command: command.to_vec(),
        version: text("version"),
        python,
        platform: text("platform"),
        executable: text("executable"),
        implementation: text("implementation"),
        dill: package("dill"),
        numpy: package("numpy"),
        pandas: package("pandas"),
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_field_by_field() {
        let line = r#"{"version": "3.11.7 (main)", "python": "3.11", "platform": "linux", "executable": "/usr/bin/python3", "implementation": "cpython", "packages": {"dill": "0.4.1", "numpy": null, "pandas": null}, "found": {"mlkit": false, "os": true, "odd": null}}"#;
        let l = parse(&["python3".into()], line).unwrap();
        assert_eq!(l.python, "3.11");
        assert_eq!(l.dill.as_deref(), Some("0.4.1"));
        assert_eq!(l.numpy, None);
        assert_eq!(l.has_module("mlkit"), Some(false));
        assert_eq!(l.has_module("os"), Some(true));
        assert_eq!(l.has_module("odd"), None);
    }

    #[test]
    fn a_missing_interpreter_is_an_error_not_a_panic() {
        let e = probe(&["brine-no-such-python".into()], &[]).unwrap_err();
        assert!(matches!(e, ProbeError::NotFound(..)), "{e}");
        assert_eq!(e.to_string(), "brine-no-such-python: command not found");
    }
}
