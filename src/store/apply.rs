//! Applying an edit to a checkpoint on disk: the one workflow both faces use.
//! Guard the input (a regular file, its fingerprint), plan and slice, write a
//! private temp file, verify it by re-reading, re-check the input, back up
//! what is replaced, rename, let the env sidecar follow, prune old backups;
//! the backup index is the history `brine undo` steps through. The faces only
//! ask and print. Never runs a pickle.

use std::path::{Path, PathBuf};

use crate::edit::{self, Edited, Plan};
use crate::session::Session;

use super::fingerprint::{Fingerprint, not_regular};
use super::write::{self, Options, Step, WriteError, Written};

/// What to do to the names.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// Drop these names (filter).
    Without(&'a [String]),
    /// Keep only these names and the module's own (extract).
    Only(&'a [String]),
    /// Keep these names and everything they need (extract --with-deps, restore --only).
    OnlyWithDeps(&'a [String]),
    /// Write the complete names of a cut file (salvage).
    Salvage,
}

/// An input read for editing, with what it looked like when read.
pub struct Opened {
    /// The file as named (for messages).
    pub path: PathBuf,
    /// The regular file it names (a symlink's target).
    pub real: PathBuf,
    pub session: Session,
    pub fingerprint: Fingerprint,
    /// The input's size, kept after the parsed program is dropped.
    pub size: u64,
}

/// Why an edit was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {error}")]
    Edit {
        path: String,
        error: edit::EditError,
    },
    #[error("{0}")]
    Write(#[from] WriteError),
}

/// How to apply.
#[derive(Default)]
pub struct Request<'a> {
    /// Where to write; the input itself for an in-place edit.
    pub output: PathBuf,
    /// For `brine backups`: what replaced the file.
    pub reason: &'a str,
    /// Replace a read-only file anyway.
    pub force: bool,
    /// Keep this many backups of the output; 0 keeps all.
    pub keep_backups: usize,
    /// Copy the input's env sidecar next to a new output.
    pub follow_sidecar: bool,
    pub observe: Option<&'a dyn Fn(Step)>,
}

/// What an applied edit did.
pub struct Applied {
    pub plan: Plan,
    pub written: Written,
    /// The sidecar copied next to the output, or why it was not.
    pub sidecar: Option<Result<PathBuf, String>>,
    /// Older backups removed, or why pruning failed.
    pub pruned: Result<usize, String>,
}

/// Reads `path` for editing: refuses what is not a regular file (a FIFO would
/// block forever) and notes its fingerprint, so a change meanwhile is caught.
pub fn open(path: &Path) -> Result<Opened, ApplyError> {
    let shown = crate::text::path(path);
    let meta = std::fs::metadata(path)
        .map_err(|e| ApplyError::Refused(format!("{shown}: {}", write::io_reason(&e))))?;
    if !meta.is_file() {
        return Err(ApplyError::Refused(format!(
            "{shown}: {}",
            not_regular(&meta)
        )));
    }
    let real = write::resolve(path)?;
    let fingerprint = Fingerprint::of(&real)
        .map_err(|e| ApplyError::Refused(format!("{shown}: {}", write::io_reason(&e))))?;
    let session = Session::open(&real)
        .map_err(|e| ApplyError::Refused(format!("{shown}: {}", write::io_reason(&e))))?;
    let size = session.program.source.len();
    Ok(Opened {
        path: path.to_path_buf(),
        real,
        session,
        fingerprint,
        size,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// True when the file's permissions forbid writing it (as `cp` would refuse).
fn read_only(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o222 == 0)
}

/// Plans and slices the change; nothing is written.
pub fn prepare(o: &Opened, change: Change) -> Result<Edited, ApplyError> {
    fn names(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let edited = match change {
        Change::Without(v) => o.session.dump_without(&names(v)),
        Change::Only(v) => o.session.dump_only(&names(v)),
        Change::OnlyWithDeps(v) => o.session.dump_only_with_deps(&names(v)),
        Change::Salvage => o.session.salvage(),
    };
    edited.map_err(|error| ApplyError::Edit {
        path: crate::text::path(&o.path),
        error,
    })
}

/// Writes `edited` (from [`prepare`]) as `req.output`. The parsed program of
/// the input is dropped first, so only one parsed session is in memory; the
/// entries (names, types, sizes) stay for the report.
pub fn apply(o: &mut Opened, edited: &Edited, req: &Request) -> Result<Applied, ApplyError> {
    let in_place = same_file(&req.output, &o.real);
    if in_place && read_only(&o.real) && !req.force {
        return Err(ApplyError::Refused(format!(
            "{} is read-only: not replacing it (pass --force to replace it anyway; a backup is kept)",
            crate::text::path(&o.path)
        )));
    }
    let expected = edit::Expected::of(&o.session, &edited.plan);
    o.session.program = crate::pickle::parse_bytes(Vec::<u8>::new());
    o.session.post = crate::session::Post::default();
    let produce = |w: &mut dyn std::io::Write| edited.output.write_to(w);
    let check = |p: &Path| -> Result<(), String> {
        let new = Session::open(p).map_err(|e| e.to_string())?;
        expected.check(&new).map_err(|e| e.to_string())
    };
    let opts = Options {
        guard: Some((o.real.as_path(), o.fingerprint.clone())),
        reason: req.reason,
        mode_of: Some(o.real.as_path()),
        restores: None,
        observe: req.observe,
    };
    let written = write::write_with(&req.output, &produce, &check, &opts)?;
    let sidecar = (req.follow_sidecar && !in_place)
        .then(|| follow_sidecar(&o.real, &written.path))
        .flatten();
    let pruned = if written.backup.is_some() {
        prune(&written.path, req.keep_backups)
    } else {
        Ok(0)
    };
    Ok(Applied {
        plan: edited.plan.clone(),
        written,
        sidecar,
        pruned,
    })
}

/// The name brine gives the sidecar of `checkpoint`: `checkpoint_<n>.pkl` gets
/// `<n>_env.pkl` (the layout the companion writes), others `<name>_env.pkl`.
pub fn sidecar_name(checkpoint: &Path) -> Option<PathBuf> {
    super::dir::sidecar_names(checkpoint).pop()
}

/// Copies the input's env sidecar next to `output` (never over an existing one).
pub fn follow_sidecar(input: &Path, output: &Path) -> Option<Result<PathBuf, String>> {
    let side = match super::sidecar::find_and_read(input)? {
        Ok(s) => s,
        Err(e) => return Some(Err(e.to_string())),
    };
    let dest = sidecar_name(output)?;
    if dest.exists() || dest == side.path {
        return None;
    }
    let src = side.path.clone();
    let produce = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        let mut f = std::fs::File::open(&src)?;
        std::io::copy(&mut f, w).map(|_| ())
    };
    let opts = Options {
        reason: "sidecar",
        mode_of: Some(src.as_path()),
        ..Options::default()
    };
    Some(
        write::write_with(&dest, &produce, &|_| Ok(()), &opts)
            .map(|w| w.path)
            .map_err(|e| e.to_string()),
    )
}

/// Deletes the oldest backups of `file` beyond the newest `keep`; 0 keeps all.
pub fn prune(file: &Path, keep: usize) -> Result<usize, String> {
    if keep == 0 {
        return Ok(0);
    }
    let all = super::backup::backups(Some(file)).map_err(|e| e.to_string())?;
    let present: Vec<_> = all.iter().filter(|b| b.backup.exists()).collect();
    let extra = present.len().saturating_sub(keep);
    for b in &present[..extra] {
        std::fs::remove_file(&b.backup)
            .map_err(|e| format!("{}: {e}", crate::text::path(&b.backup)))?;
    }
    Ok(extra)
}
