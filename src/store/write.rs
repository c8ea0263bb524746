//! Safe writes: a private temp file (`0600`, exclusive, never through a
//! symlink) in the target's directory, fsync, a check of what was written,
//! the final mode set, then — with an advisory lock held and the input's
//! fingerprint checked again just before it — a verified backup and the
//! rename. A symlinked target is written through: the link stays, the file it
//! names is replaced. On any failure the original is untouched and no temp
//! file or partial backup is left behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use super::backup::{Backup, backup, backups, data_dir};
pub use super::fingerprint::Fingerprint;

/// A failed write, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write in {dir}: {reason}")]
    Create { dir: String, reason: String },
    #[error("writing {path} failed: {reason}; nothing was changed")]
    Write { path: String, reason: String },
    #[error("the written file did not check out ({0}); nothing was changed")]
    Verify(String),
    #[error("{0} changed while brine was working on it; nothing was changed")]
    Changed(String),
    #[error("{0} is being edited by another brine; nothing was changed")]
    Busy(String),
    #[error("backup failed: {0}; nothing was changed")]
    Backup(String),
    #[error("{0}")]
    Other(String),
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    /// Where the replaced file was copied first.
    pub backup: Option<PathBuf>,
}

/// Where a write stands, for observers (progress, and tests that play a
/// concurrent writer at an exact moment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The temp file is written and checked.
    Written,
    /// The replaced file is copied to the store (not yet recorded).
    BackedUp,
    /// Right before the last fingerprint check and the rename.
    Renaming,
}

/// How a write goes beyond the target and the bytes.
#[derive(Default)]
pub struct Options<'a> {
    /// A file (with its fingerprint when brine read it) that must not have
    /// changed: the input of an edit.
    pub guard: Option<(&'a Path, Fingerprint)>,
    /// Why the replaced file is backed up (shown by `brine backups`).
    pub reason: &'a str,
    /// The mode of a new file: the input's, as `cp` keeps it. An existing
    /// target keeps its own mode.
    pub mode_of: Option<&'a Path>,
    /// Set on the backup of the replaced file (undo's own copies).
    pub restores: Option<PathBuf>,
    pub observe: Option<&'a dyn Fn(Step)>,
}

/// Writes `produce`'s bytes to `target` atomically. `check` reads the finished temp
/// file and says whether it is right; `guard` is a file (with its fingerprint) that
/// must not have changed since the work began (the input of an in-place edit).
pub fn write_atomic(
    target: &Path,
    produce: &dyn Fn(&mut dyn Write) -> io::Result<()>,
    check: &dyn Fn(&Path) -> Result<(), String>,
    guard: Option<(&Path, Fingerprint)>,
    reason: &str,
) -> Result<Written, WriteError> {
    let mode_of = guard.as_ref().map(|(p, _)| *p);
    let opts = Options {
        guard: guard.clone(),
        reason,
        mode_of,
        ..Options::default()
    };
    write_with(target, produce, check, &opts)
}

/// The path a write replaces: a symlink's final target (so the link stays), or
/// `target` itself. Refuses anything but a regular file or a new name.
pub fn resolve(target: &Path) -> Result<PathBuf, WriteError> {
    let shown = crate::text::path(target);
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(target.to_path_buf()),
        Err(e) => Err(WriteError::Other(format!("{shown}: {}", io_reason(&e)))),
        Ok(m) if m.file_type().is_symlink() => {
            let real = fs::canonicalize(target).map_err(|_| {
                WriteError::Other(format!(
                    "{shown} is a symlink to a missing file; nothing was written"
                ))
            })?;
            match fs::metadata(&real) {
                Ok(m) if m.is_file() => Ok(real),
                Ok(m) => Err(WriteError::Other(format!(
                    "{shown}: {}",
                    super::fingerprint::not_regular(&m)
                ))),
                Err(e) => Err(WriteError::Other(format!("{shown}: {}", io_reason(&e)))),
            }
        }
        Ok(m) if m.is_file() => Ok(target.to_path_buf()),
        Ok(m) => Err(WriteError::Other(format!(
            "{shown}: {}",
            super::fingerprint::not_regular(&m)
        ))),
    }
}

/// The mode a new file gets when nothing says otherwise: 0666 less the umask.
fn default_mode() -> u32 {
    let umask = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    0o666 & !umask
}

/// [`write_atomic`] with every option.
pub fn write_with(
    target: &Path,
    produce: &dyn Fn(&mut dyn Write) -> io::Result<()>,
    check: &dyn Fn(&Path) -> Result<(), String>,
    opts: &Options,
) -> Result<Written, WriteError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let target = resolve(target)?;
    let shown = crate::text::path(&target);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let existing = fs::metadata(&target).ok();
    let mode = match (&existing, opts.mode_of) {
        (Some(m), _) => m.mode() & 0o7777,
        (None, Some(src)) => {
            fs::metadata(src).map_or_else(|_| default_mode(), |m| m.mode() & 0o777)
        }
        (None, None) => default_mode(),
    };
    // Private from the first byte; the final mode is set once the content is complete.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.brine-"))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .map_err(|e| WriteError::Create {
            dir: crate::text::path(&dir),
            reason: io_reason(&e),
        })?;
    let fail = |e: io::Error| WriteError::Write {
        path: shown.clone(),
        reason: io_reason(&e),
    };
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        produce(&mut w).map_err(fail)?;
        w.flush().map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    let bytes = tmp.as_file().metadata().map_err(fail)?.len();
    check(tmp.path()).map_err(WriteError::Verify)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(fail)?;
    observe(opts, Step::Written);
    // brine's own concurrent edits of one file wait for none: the second says so.
    let lock_on = opts
        .guard
        .as_ref()
        .map(|(p, _)| p.to_path_buf())
        .or_else(|| existing.as_ref().map(|_| target.clone()));
    let _lock = match &lock_on {
        Some(p) => Some(lock(p)?),
        None => None,
    };
    let changed = |p: &Path, before: &Fingerprint| -> bool {
        Fingerprint::of(p).ok().as_ref() != Some(before)
    };
    if let Some((p, before)) = &opts.guard
        && changed(p, before)
    {
        return Err(WriteError::Changed(crate::text::path(p)));
    }
    // The target's own state now; an in-place edit's target is the guard itself.
    let target_fp = match &existing {
        Some(_) => Some(match &opts.guard {
            Some((p, fp)) if same(p, &target) => fp.clone(),
            _ => Fingerprint::of(&target)
                .map_err(|e| WriteError::Other(format!("{shown}: {}", io_reason(&e))))?,
        }),
        None => None,
    };
    let copied = match &target_fp {
        Some(fp) => {
            let mut c = super::backup::copy(&target, opts.reason, Some(fp))?;
            c.entry.restores = opts.restores.clone();
            Some(c)
        }
        None => None,
    };
    observe(opts, Step::BackedUp);
    observe(opts, Step::Renaming);
    // The last look before the rename: a save that landed meanwhile is never overwritten.
    let moved = opts
        .guard
        .as_ref()
        .is_some_and(|(p, before)| changed(p, before))
        || target_fp.as_ref().is_some_and(|fp| changed(&target, fp))
        || (target_fp.is_none() && fs::symlink_metadata(&target).is_ok());
    if moved {
        if let Some(c) = copied {
            c.discard();
        }
        let who = opts
            .guard
            .as_ref()
            .map_or_else(|| shown.clone(), |(p, _)| crate::text::path(p));
        return Err(WriteError::Changed(who));
    }
    let backup = match copied {
        Some(c) => Some(c.record()?.backup),
        None => None,
    };
    tmp.persist(&target).map_err(|e| fail(e.error))?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Written {
        path: target.to_path_buf(),
        bytes,
        backup,
    })
}

fn observe(opts: &Options, step: Step) {
    if let Some(f) = opts.observe {
        f(step);
    }
}

fn same(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// An advisory lock (`flock`) on `path`, held until the file is dropped;
/// another brine holding it is an error, not a wait.
fn lock(path: &Path) -> Result<File, WriteError> {
    use std::os::fd::AsRawFd;
    let shown = crate::text::path(path);
    let f =
        File::open(path).map_err(|e| WriteError::Other(format!("{shown}: {}", io_reason(&e))))?;
    // SAFETY: flock takes a descriptor we own (open for the call's duration) and flags; no memory is shared.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(f);
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::WouldBlock {
        return Err(WriteError::Busy(shown));
    }
    Err(WriteError::Other(format!(
        "{shown}: cannot lock: {}",
        io_reason(&e)
    )))
}

pub(crate) fn io_reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(28) => "no space left on device".into(),
        Some(30) => "read-only file system".into(),
        Some(122) => "disk quota exceeded".into(),
        _ => match e.kind() {
            io::ErrorKind::PermissionDenied => "permission denied".into(),
            io::ErrorKind::NotFound => "no such file or directory".into(),
            _ => e.to_string(),
        },
    }
}

/// Puts a backup of `file` back: the next step back through its history, or
/// the `to`th newest (1 = newest) when given. The current file is backed up
/// first (so undo can be undone), the backup must match its recorded hash, and
/// a change to the file meanwhile stops it.
pub fn undo_to(file: &Path, to: Option<usize>) -> Result<(Backup, Written), WriteError> {
    let file = resolve(file)?;
    let shown = crate::text::path(&file);
    let chosen = match to {
        None => super::backup::next_undo(&file)?,
        Some(n) => super::backup::history(&file)?
            .into_iter()
            .nth(n.saturating_sub(1))
            .filter(|_| n > 0),
    };
    let Some(last) = chosen else {
        let all = super::backup::history(&file)?;
        return Err(WriteError::Other(match (to, all.is_empty()) {
            (_, true) => format!("{shown}: brine has no backup of this file"),
            (Some(n), false) => format!(
                "{shown}: no backup {n}; `brine backups {shown}` lists 1 to {}",
                all.len()
            ),
            (None, false) => format!("{shown}: no older backup to step back to"),
        }));
    };
    super::backup::verify(&last)?;
    let src = last.backup.clone();
    let produce = |w: &mut dyn Write| -> io::Result<()> {
        let mut f = File::open(&src)?;
        io::copy(&mut f, w).map(|_| ())
    };
    let (want, expect) = (last.sha256.clone(), last.bytes);
    let check = |p: &Path| -> Result<(), String> {
        let (sha, n) = super::fingerprint::hash_file(p).map_err(|e| e.to_string())?;
        if n != expect || want.as_ref().is_some_and(|w| *w != sha) {
            return Err(format!("copied {n} bytes that do not match the backup"));
        }
        Ok(())
    };
    let guard = match fs::metadata(&file) {
        Ok(_) => Some(
            Fingerprint::of(&file)
                .map_err(|e| WriteError::Other(format!("{shown}: {}", io_reason(&e))))?,
        ),
        Err(_) => None,
    };
    let opts = Options {
        guard: guard.map(|g| (file.as_path(), g)),
        reason: "undo",
        restores: Some(last.backup.clone()),
        ..Options::default()
    };
    let written = write_with(&last.original, &produce, &check, &opts)?;
    Ok((last, written))
}

/// Puts the last backup of `file` back (one step back through its history).
pub fn undo(file: &Path) -> Result<(Backup, Written), WriteError> {
    undo_to(file, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_leaves_the_target_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.pkl");
        fs::write(&target, b"old").unwrap();
        let r = write_atomic(
            &target,
            &|w| w.write_all(b"new"),
            &|_| Err("bad".into()),
            None,
            "test",
        );
        assert!(matches!(r, Err(WriteError::Verify(_))));
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_changed_input_stops_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.pkl");
        fs::write(&target, b"old").unwrap();
        let fp = Fingerprint::of(&target).unwrap();
        fs::write(&target, b"changed by someone else").unwrap();
        let r = write_atomic(
            &target,
            &|w| w.write_all(b"new"),
            &|_| Ok(()),
            Some((&target, fp)),
            "test",
        );
        assert!(matches!(r, Err(WriteError::Changed(_))), "{r:?}");
        assert_eq!(fs::read(&target).unwrap(), b"changed by someone else");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_read_only_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).unwrap();
        let mut perm = fs::metadata(&ro).unwrap().permissions();
        perm.set_readonly(true);
        fs::set_permissions(&ro, perm).unwrap();
        let r = write_atomic(
            &ro.join("x.pkl"),
            &|w| w.write_all(b"x"),
            &|_| Ok(()),
            None,
            "test",
        );
        // Root ignores directory permissions; only check the message when the OS refused.
        if let Err(e) = r {
            assert!(e.to_string().starts_with("cannot write in"), "{e}");
        }
    }
}
