//! Safe writes: a temp file in the target's directory, fsync, a check of what
//! was written, then rename. A file that is replaced is backed up first, in
//! brine's data directory, so `brine undo` can put it back. On any failure the
//! original is untouched and no temp file is left behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

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
    #[error("backup failed: {0}; nothing was changed")]
    Backup(String),
    #[error("{0}")]
    Other(String),
}

/// Size and modification time, to notice a file that changes under us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl Fingerprint {
    pub fn of(path: &Path) -> io::Result<Fingerprint> {
        let m = fs::metadata(path)?;
        Ok(Fingerprint {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    /// Where the replaced file was copied first.
    pub backup: Option<PathBuf>,
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
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(
        ".{name}.brine-{}-{}.tmp",
        std::process::id(),
        nanos()
    ));
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| WriteError::Create {
            dir: dir.display().to_string(),
            reason: io_reason(&e),
        })?;
    let cleanup = TempGuard(Some(tmp.clone()));
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let fail = |e: io::Error| WriteError::Write {
        path: target.display().to_string(),
        reason: io_reason(&e),
    };
    produce(&mut w).map_err(fail)?;
    let file = w.into_inner().map_err(|e| fail(e.into_error()))?;
    file.sync_all().map_err(fail)?;
    let bytes = file.metadata().map_err(fail)?.len();
    drop(file);
    check(&tmp).map_err(WriteError::Verify)?;
    // Keep the permissions of the file being replaced.
    if let Ok(meta) = fs::metadata(target) {
        fs::set_permissions(&tmp, meta.permissions()).map_err(fail)?;
    }
    if let Some((path, before)) = guard
        && Fingerprint::of(path).ok() != Some(before)
    {
        return Err(WriteError::Changed(path.display().to_string()));
    }
    let backup = if target.exists() {
        Some(backup(target, reason)?)
    } else {
        None
    };
    fs::rename(&tmp, target).map_err(fail)?;
    cleanup.disarm();
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Written {
        path: target.to_path_buf(),
        bytes,
        backup,
    })
}

/// Removes the temp file unless disarmed.
struct TempGuard(Option<PathBuf>);

impl TempGuard {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn io_reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(28) => "no space left on device".into(),
        Some(30) => "read-only file system".into(),
        _ => match e.kind() {
            io::ErrorKind::PermissionDenied => "permission denied".into(),
            io::ErrorKind::NotFound => "no such directory".into(),
            _ => e.to_string(),
        },
    }
}

/// One backup brine made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// The file that was replaced (absolute).
    pub original: PathBuf,
    /// The copy.
    pub backup: PathBuf,
    /// Seconds since the Unix epoch.
    pub time: u64,
    pub bytes: u64,
    /// What replaced it (`filter --in-place`, `undo`, …).
    pub reason: String,
}

/// brine's data directory: `BRINE_DATA_DIR`, else the platform's (`directories`).
pub fn data_dir() -> Result<PathBuf, WriteError> {
    if let Some(d) = std::env::var_os("BRINE_DATA_DIR") {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "brine")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            WriteError::Backup("no home directory to keep backups in (set BRINE_DATA_DIR)".into())
        })
}

fn index_path() -> Result<PathBuf, WriteError> {
    Ok(data_dir()?.join("backups").join("index.jsonl"))
}

/// Copies `path` into the backup store and records it.
pub fn backup(path: &Path, reason: &str) -> Result<PathBuf, WriteError> {
    let err = |e: io::Error| WriteError::Backup(format!("{}: {}", path.display(), io_reason(&e)));
    let original = fs::canonicalize(path).map_err(err)?;
    let store = data_dir()?.join("backups");
    fs::create_dir_all(&store).map_err(err)?;
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let copy = store.join(format!("{time}-{}-{name}", nanos() % 1_000_000_000));
    let bytes = fs::copy(&original, &copy).map_err(err)?;
    File::open(&copy).and_then(|f| f.sync_all()).map_err(err)?;
    let entry = Backup {
        original,
        backup: copy.clone(),
        time,
        bytes,
        reason: reason.to_string(),
    };
    let line = serde_json::to_string(&entry).map_err(|e| WriteError::Backup(e.to_string()))?;
    let mut idx = File::options()
        .create(true)
        .append(true)
        .open(index_path()?)
        .map_err(err)?;
    writeln!(idx, "{line}").map_err(err)?;
    idx.sync_all().map_err(err)?;
    Ok(copy)
}

/// Every backup recorded, oldest first; only those of `file` when given.
pub fn backups(file: Option<&Path>) -> Result<Vec<Backup>, WriteError> {
    let idx = index_path()?;
    let text = match fs::read_to_string(&idx) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(WriteError::Other(format!(
                "{}: {}",
                idx.display(),
                io_reason(&e)
            )));
        }
    };
    let want = file.map(|f| fs::canonicalize(f).unwrap_or_else(|_| absolute(f)));
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<Backup>(l).ok())
        .filter(|b| want.as_ref().is_none_or(|w| &b.original == w))
        .collect())
}

fn absolute(p: &Path) -> PathBuf {
    std::env::current_dir()
        .map(|d| d.join(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Puts the newest backup of `file` back (backing up the current file first, so undo can be undone).
pub fn undo(file: &Path) -> Result<(Backup, Written), WriteError> {
    let all = backups(Some(file))?;
    let Some(last) = all.into_iter().rev().find(|b| b.backup.exists()) else {
        return Err(WriteError::Other(format!(
            "{}: brine has no backup of this file",
            file.display()
        )));
    };
    let src = last.backup.clone();
    let produce = |w: &mut dyn Write| -> io::Result<()> {
        let mut f = File::open(&src)?;
        io::copy(&mut f, w).map(|_| ())
    };
    let expect = last.bytes;
    let check = |p: &Path| -> Result<(), String> {
        let n = fs::metadata(p).map_err(|e| e.to_string())?.len();
        if n == expect {
            Ok(())
        } else {
            Err(format!("copied {n} bytes, expected {expect}"))
        }
    };
    let written = write_atomic(&last.original, &produce, &check, None, "undo")?;
    Ok((last, written))
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
