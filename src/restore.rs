//! Restoring a checkpoint into an interactive Python: the env check and the
//! scan verdict come first, then the chosen interpreter starts with the
//! session loaded by dill itself (`load_module`, or `load_session` for dill
//! before 0.3.6). `--only` extracts the names to a temporary file first. This
//! is the one place brine runs a pickle, and only when the user asks.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::env::{Env, check, probe};
use crate::scan::{self, Severity};
use crate::session::Session;

/// Why a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{0}")]
    Open(String),
    #[error("{path}: {reason}")]
    Edit { path: String, reason: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Python(String),
}

/// The Python statement that loads `file` into the running `__main__` and cleans up after itself.
pub fn snippet(file: &Path) -> Result<String, RestoreError> {
    let path = file
        .to_str()
        .ok_or_else(|| RestoreError::Open(format!("{}: the path is not UTF-8", file.display())))?;
    let lit = py_literal(path);
    Ok(format!(
        "import dill as __brine_dill\n\
         if hasattr(__brine_dill, 'load_module'):\n\
         \x20   __brine_module = __brine_dill.load_module({lit})\n\
         \x20   # A checkpoint of another module comes back as that module: bring its names here.\n\
         \x20   if __brine_module is not None:\n\
         \x20       globals().update(dict((k, v) for k, v in vars(__brine_module).items() if not k.startswith('__')))\n\
         \x20   del __brine_module\n\
         else:\n\
         \x20   __brine_dill.load_session({lit})\n\
         del __brine_dill\n"
    ))
}

/// A Python string literal for `s` that reads the same in Python 2 and 3 for ASCII.
fn py_literal(s: &str) -> String {
    let mut out = String::from("u'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('\'');
    out
}

/// The file to load: the checkpoint itself, or a temporary extract of some names.
pub struct Prepared {
    pub load: PathBuf,
    /// Set when `load` is a temporary extract, to delete after the run.
    pub temp: Option<PathBuf>,
    /// The checkpoint as the user named it.
    pub session: Session,
    /// What will be loaded: the extract for `--only`, and what the scan reads.
    pub extract: Option<Session>,
}

fn open(file: &Path) -> Result<Session, RestoreError> {
    let s =
        Session::open(file).map_err(|e| RestoreError::Open(format!("{}: {e}", file.display())))?;
    if s.entries.is_empty()
        && let Some(err) = &s.program.error
    {
        return Err(RestoreError::Open(format!(
            "{}: not a readable checkpoint: {err}",
            file.display()
        )));
    }
    Ok(s)
}

/// Opens the checkpoint and, for `only`, writes the extract to a temporary file.
pub fn prepare(file: &Path, only: &[String]) -> Result<Prepared, RestoreError> {
    let session = open(file)?;
    if only.is_empty() {
        let load = std::path::absolute(file)?;
        return Ok(Prepared {
            load,
            temp: None,
            session,
            extract: None,
        });
    }
    let names: Vec<&str> = only.iter().map(String::as_str).collect();
    // The names and everything they need (functions' globals…): a function restored
    // without them raises NameError when called.
    let edited = session
        .dump_only_with_deps(&names)
        .map_err(|e| RestoreError::Edit {
            path: file.display().to_string(),
            reason: e.to_string(),
        })?;
    if !edited.plan.kept_for_deps.is_empty() {
        eprintln!(
            "brine: also restoring what {} need: {}",
            names.join(", "),
            edited.plan.kept_for_deps.join(", ")
        );
    }
    let bytes = edited.to_vec()?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp =
        std::env::temp_dir().join(format!("brine-restore-{}-{stem}.pkl", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    Ok(Prepared {
        load: temp.clone(),
        temp: Some(temp),
        session,
        extract: Some(Session::from_bytes(bytes)),
    })
}

/// Prints the env and scan verdicts to `log`, then prints the snippet (`print`)
/// or runs `python -i -c SNIPPET` with the terminal. Returns the exit code.
pub fn run(
    file: &Path,
    only: &[String],
    python: &[String],
    print: bool,
    trust: bool,
    log: &mut dyn Write,
) -> Result<u8, RestoreError> {
    let prepared = prepare(file, only)?;
    let result = run_prepared(file, &prepared, python, print, trust, log);
    if !print && let Some(t) = &prepared.temp {
        let _ = std::fs::remove_file(t);
    }
    result
}

fn run_prepared(
    file: &Path,
    prepared: &Prepared,
    python: &[String],
    print: bool,
    trust: bool,
    log: &mut dyn Write,
) -> Result<u8, RestoreError> {
    let shown = python.join(" ");
    let loaded = prepared.extract.as_ref().unwrap_or(&prepared.session);
    let env = Env::of(file, loaded);
    match probe::probe(python, &env.inferred.imports) {
        Ok(local) => {
            let ms = check::against_local(&env, &local);
            let verdict = check::verdict(&ms);
            writeln!(
                log,
                "env: {} (against {shown}, Python {})",
                verdict.as_str(),
                local.python
            )?;
            for m in &ms {
                writeln!(log, "  {}: {}", m.field, m.consequence)?;
            }
        }
        // Without an answer the run below says why it cannot start; the scan still counts.
        Err(e) => writeln!(log, "env: unknown ({e})")?,
    }
    // Scan what will actually be loaded: `--only` can leave a dangerous name behind.
    let scan = scan_verdict(loaded);
    writeln!(log, "scan: {}", scan.line)?;
    if scan.dangerous && !trust {
        return Err(RestoreError::Refused(format!(
            "{}: not restoring: loading it {}; see `brine scan`, restore other names with --only, or pass --trust",
            file.display(),
            scan.why,
        )));
    }
    let code = snippet(&prepared.load)?;
    if print {
        let mut out = crate::text::stdout();
        write!(out, "{code}")?;
        if let Some(t) = &prepared.temp {
            writeln!(
                log,
                "the names to restore were extracted to {}; delete it when done",
                t.display()
            )?;
        }
        return Ok(0);
    }
    let what = match &prepared.temp {
        Some(_) => "the chosen names".to_string(),
        None => format!("{} names", prepared.session.entries.len()),
    };
    writeln!(log, "restoring {what} from {} into {shown}", file.display())?;
    let (program, extra) = python
        .split_first()
        .ok_or_else(|| RestoreError::Python("empty python command".into()))?;
    let status = Command::new(program)
        .args(extra)
        .arg("-i")
        .arg("-c")
        .arg(&code)
        .status()
        .map_err(|e| RestoreError::Python(format!("cannot run `{shown}`: {e}")))?;
    Ok(status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1)))
}

/// The scan's word on a checkpoint, reduced to what restore needs.
struct ScanVerdict {
    line: String,
    dangerous: bool,
    why: String,
}

fn scan_verdict(s: &Session) -> ScanVerdict {
    let report = scan::scan(s);
    let worst: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == report.verdict && report.verdict != Severity::Safe)
        .take(3)
        .map(|f| {
            format!(
                "{}: {}",
                crate::text::name(f.holder()),
                crate::text::escape(&f.what)
            )
        })
        .collect();
    let first = report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Dangerous)
        .map(|f| {
            format!(
                "{} (in '{}')",
                crate::text::escape(&f.what),
                crate::text::name(f.holder())
            )
        })
        .unwrap_or_default();
    let mut line = report.verdict.as_str().to_string();
    if !worst.is_empty() {
        line.push_str(&format!(" ({})", worst.join("; ")));
    }
    ScanVerdict {
        line,
        dangerous: report.verdict == Severity::Dangerous,
        why: first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_python_literals() {
        assert_eq!(py_literal("/tmp/a b.pkl"), "u'/tmp/a b.pkl'");
        assert_eq!(py_literal("it's\\x"), "u'it\\'s\\\\x'");
        assert_eq!(py_literal("café"), "u'caf\\xe9'");
    }
}
