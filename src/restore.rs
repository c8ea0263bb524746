//! Restoring a checkpoint into an interactive Python: the env check and the
//! scan verdict come first, then the chosen interpreter starts with the
//! session loaded by dill itself (`load_module`, or `load_session` for dill
//! before 0.3.6). The bytes brine scans are the bytes Python loads: they are
//! copied once into a private anonymous file (`0600`, no name anyone could
//! open or swap) and handed to Python as descriptor 3; `--only` writes its
//! extract there instead. `--print` embeds an extract in the snippet and
//! leaves no file behind. This is the one place brine runs a pickle, and only
//! when the user asks.

use std::fs::File;
use std::io::{Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
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
    let path = file.to_str().ok_or_else(|| {
        RestoreError::Open(format!(
            "{}: the path is not UTF-8",
            crate::text::path(file)
        ))
    })?;
    Ok(snippet_for(&py_literal(path)))
}

/// The snippet for `lit`, a Python expression naming the file (or a file object) to load.
fn snippet_for(lit: &str) -> String {
    format!(
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
    )
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

/// What a restore will load: exactly these bytes, held in a private anonymous file.
pub struct Prepared {
    /// The bytes to load (the checkpoint's, or the extract's), open, with no name.
    pub bytes: File,
    /// The whole extract for `--only`, for a snippet that carries it.
    pub extract_bytes: Option<Vec<u8>>,
    /// The checkpoint as the user named it (read from the private copy for a full restore).
    pub session: Session,
    /// What will be loaded for `--only`: the extract, and what the scan reads.
    pub extract: Option<Session>,
}

/// A private anonymous file: next to `near` when that directory takes one (the
/// same disk, not a RAM-backed /tmp), else in the temp dir.
fn anonymous(near: &Path) -> std::io::Result<File> {
    let dir = near
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    use std::os::unix::fs::PermissionsExt;
    let f = tempfile::tempfile_in(dir).or_else(|_| tempfile::tempfile())?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
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

/// Opens the checkpoint and copies the bytes that will load into a private
/// anonymous file; for `only`, those are the extract's.
pub fn prepare(file: &Path, only: &[String]) -> Result<Prepared, RestoreError> {
    let shown = crate::text::path(file);
    if only.is_empty() {
        // Copy first, then read only the copy: what is scanned is what loads.
        let mut src = File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(file)
            .map_err(|e| RestoreError::Open(format!("{shown}: {e}")))?;
        let meta = src.metadata()?;
        if !meta.is_file() {
            return Err(RestoreError::Open(format!(
                "{shown}: {}",
                crate::pickle::input::not_regular(&meta)
            )));
        }
        let mut copy = anonymous(file)?;
        std::io::copy(&mut src, &mut copy)?;
        copy.sync_all()?;
        let source = crate::pickle::Source::from_file(copy.try_clone()?)?;
        let session = Session::from_program(crate::pickle::parse(
            source,
            crate::pickle::Limits::default(),
        ));
        if session.entries.is_empty()
            && let Some(err) = &session.program.error
        {
            return Err(RestoreError::Open(format!(
                "{shown}: not a readable checkpoint: {err}"
            )));
        }
        return Ok(Prepared {
            bytes: copy,
            extract_bytes: None,
            session,
            extract: None,
        });
    }
    let session = open(file)?;
    let missing: Vec<String> = only
        .iter()
        .filter(|n| session.entry(n).is_none())
        .map(|n| format!("'{}'", crate::text::name(n)))
        .collect();
    if !missing.is_empty() {
        return Err(RestoreError::Open(format!(
            "{shown}: no name {} in this checkpoint",
            missing.join(", ")
        )));
    }
    let names: Vec<&str> = only.iter().map(String::as_str).collect();
    // The names and everything they need (functions' globals…): a function restored
    // without them raises NameError when called.
    let edited = session
        .dump_only_with_deps(&names)
        .map_err(|e| RestoreError::Edit {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    if !edited.plan.kept_for_deps.is_empty() {
        crate::text::eprint_line(&format!(
            "brine: also restoring what {} need: {}",
            names.join(", "),
            edited.plan.kept_for_deps.join(", ")
        ));
    }
    let bytes = edited.to_vec()?;
    let mut copy = anonymous(file)?;
    copy.write_all(&bytes)?;
    copy.sync_all()?;
    Ok(Prepared {
        bytes: copy,
        extract: Some(Session::from_bytes(bytes.clone())),
        extract_bytes: Some(bytes),
        session,
    })
}

/// The snippet `--print` shows: an extract travels inside it (nothing left on
/// disk); a whole checkpoint is loaded from its path.
fn print_snippet(file: &Path, prepared: &Prepared) -> Result<String, RestoreError> {
    let Some(bytes) = &prepared.extract_bytes else {
        return snippet(&std::path::absolute(file)?);
    };
    let b64 = base64(bytes);
    let load = format!("__import__('io').BytesIO(__import__('base64').b64decode('{b64}'))");
    Ok(snippet_for(&load))
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
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
    run_prepared(file, &prepared, python, print, trust, log)
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
            crate::text::path(file),
            scan.why,
        )));
    }
    if print {
        let code = print_snippet(file, prepared)?;
        let mut out = crate::text::stdout();
        write!(out, "{code}")?;
        out.flush()?;
        return Ok(0);
    }
    let what = match &prepared.extract {
        Some(e) => format!("{} chosen names", e.entries.len()),
        None => format!("{} names", prepared.session.entries.len()),
    };
    writeln!(
        log,
        "restoring {what} from {} into {shown}",
        crate::text::path(file)
    )?;
    let (program, extra) = python
        .split_first()
        .ok_or_else(|| RestoreError::Python("empty python command".into()))?;
    // Python reads descriptor 3: the private copy of exactly the scanned bytes.
    let code = snippet(Path::new(LOAD_FD_PATH))?;
    let mut bytes = prepared.bytes.try_clone()?;
    bytes.rewind()?;
    let mut cmd = Command::new(program);
    cmd.args(extra).arg("-i").arg("-c").arg(&code);
    hand_over(&mut cmd, bytes);
    let status = cmd.status().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            RestoreError::Python(format!("{program}: command not found"))
        }
        _ => RestoreError::Python(format!("cannot run `{shown}`: {e}")),
    })?;
    Ok(status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1)))
}

/// Where the child finds the bytes brine hands it.
const LOAD_FD_PATH: &str = "/dev/fd/3";

/// Makes `file` the child's descriptor 3 (and only that: every other
/// descriptor brine holds stays close-on-exec).
fn hand_over(cmd: &mut Command, file: File) {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let fd = file.as_raw_fd();
    // SAFETY: the closure runs in the forked child before exec and calls only
    // dup2 and fcntl, which are async-signal-safe; `file` is moved in, so `fd`
    // stays open until the child has exec'd (the parent's copy closes with the closure).
    unsafe {
        cmd.pre_exec(move || {
            let _keep = &file;
            if fd == 3 {
                let flags = libc::fcntl(3, libc::F_GETFD);
                if flags < 0 || libc::fcntl(3, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
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
