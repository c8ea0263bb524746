//! The backup store: a private copy of every file brine replaces, in brine's
//! data directory (`0700`, copies `0600`), each recorded with its SHA-256 in an
//! index so `brine undo` can step back through the history and refuses a copy
//! that does not match. A copy is written to a temp name, read back in full
//! and only then named, so a failed backup (disk full) leaves nothing behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fingerprint::{Fingerprint, hash_file, hex};
use super::write::{WriteError, io_reason};

/// One backup brine made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// The file that was replaced (absolute, symlinks resolved).
    pub original: PathBuf,
    /// The copy.
    pub backup: PathBuf,
    /// Seconds since the Unix epoch.
    pub time: u64,
    pub bytes: u64,
    /// What replaced it (`filter --in-place`, `undo`, …).
    pub reason: String,
    /// SHA-256 of the copy, checked before `undo` trusts it (absent in old indexes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// For the copy `undo` makes of the file it replaces: the backup it put back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restores: Option<PathBuf>,
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

fn store_dir() -> Result<PathBuf, WriteError> {
    Ok(data_dir()?.join("backups"))
}

fn index_path() -> Result<PathBuf, WriteError> {
    Ok(store_dir()?.join("index.jsonl"))
}

/// Creates the store (`0700`) and names the data dir when that fails.
fn ensure_store() -> Result<PathBuf, WriteError> {
    use std::os::unix::fs::DirBuilderExt;
    let store = store_dir()?;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&store)
        .map_err(|e| {
            WriteError::Backup(format!(
                "cannot create the backup store {}: {} (brine keeps backups in its data dir; set BRINE_DATA_DIR to choose another)",
                crate::text::path(&store),
                io_reason(&e)
            ))
        })?;
    Ok(store)
}

fn now() -> (u64, u128) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.as_nanos())
}

/// A copy of `path` in the store, complete and read back, not yet in the index.
pub struct Copied {
    pub entry: Backup,
}

impl Copied {
    /// Records the copy in the index; only then does `undo` see it.
    pub fn record(self) -> Result<Backup, WriteError> {
        append(&self.entry)?;
        Ok(self.entry)
    }

    /// Drops a copy that will not be needed (the write did not happen).
    pub fn discard(self) {
        let _ = fs::remove_file(&self.entry.backup);
    }
}

/// Copies `path` into the store: written to a temp name `0600`, fsynced, read
/// back and compared by SHA-256, then named. `expect`, when given, is the
/// fingerprint the file had when brine read it; a copy that differs is refused.
pub fn copy(path: &Path, reason: &str, expect: Option<&Fingerprint>) -> Result<Copied, WriteError> {
    let shown = crate::text::path(path);
    let store = ensure_store()?;
    let err = |what: &str, e: io::Error| {
        WriteError::Backup(format!(
            "{what} the backup of {shown} in {}: {}",
            crate::text::path(&store),
            io_reason(&e)
        ))
    };
    let original = fs::canonicalize(path).map_err(|e| err("cannot start", e))?;
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let (time, nanos) = now();
    let copy = store.join(format!("{time}-{}-{name}", nanos % 1_000_000_000));
    let tmp = tempfile::Builder::new()
        .prefix(".backup-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile_in(&store)
        .map_err(|e| err("cannot create", e))?;
    let mut src = File::open(&original).map_err(|e| err("cannot read for", e))?;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(err("cannot read for", e)),
            };
            hasher.update(&buf[..n]);
            w.write_all(&buf[..n]).map_err(|e| err("cannot write", e))?;
            bytes += n as u64;
        }
        w.flush().map_err(|e| err("cannot write", e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| err("cannot write", e))?;
    let sha = hex(&hasher.finalize());
    // Read the copy back in full: what is on disk must be what was read.
    let (back, n) = hash_file(tmp.path()).map_err(|e| err("cannot read back", e))?;
    if back != sha || n != bytes {
        return Err(WriteError::Backup(format!(
            "the backup of {shown} read back differently; nothing was changed"
        )));
    }
    if let Some(fp) = expect {
        let torn = fp.len != bytes || fp.hash.as_ref().is_some_and(|h| *h != sha);
        if torn {
            return Err(WriteError::Changed(shown));
        }
    }
    tmp.persist_noclobber(&copy)
        .map_err(|e| err("cannot name", e.error))?;
    if let Ok(d) = File::open(&store) {
        let _ = d.sync_all();
    }
    Ok(Copied {
        entry: Backup {
            original,
            backup: copy,
            time,
            bytes,
            reason: reason.to_string(),
            sha256: Some(sha),
            restores: None,
        },
    })
}

/// Copies `path` into the store and records it.
pub fn backup(path: &Path, reason: &str) -> Result<PathBuf, WriteError> {
    Ok(copy(path, reason, None)?.record()?.backup)
}

fn append(entry: &Backup) -> Result<(), WriteError> {
    use std::os::unix::fs::OpenOptionsExt;
    let idx = index_path()?;
    let err = |e: io::Error| {
        WriteError::Backup(format!(
            "cannot record the backup in {}: {}",
            crate::text::path(&idx),
            io_reason(&e)
        ))
    };
    let line = serde_json::to_string(entry).map_err(|e| WriteError::Backup(e.to_string()))?;
    let mut f = File::options()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&idx)
        .map_err(err)?;
    // One write per line, so concurrent brines never interleave inside a line.
    f.write_all(format!("{line}\n").as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)
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
                crate::text::path(&idx),
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
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The history `undo` steps through: backups of `file` made by edits (not by
/// undo itself), newest first, numbered from 1 as `brine backups FILE` shows.
pub fn history(file: &Path) -> Result<Vec<Backup>, WriteError> {
    let mut all: Vec<Backup> = backups(Some(file))?
        .into_iter()
        .filter(|b| b.restores.is_none())
        .collect();
    all.reverse();
    Ok(all)
}

/// Which backup a plain `undo` puts back: one step older than the last undo,
/// or the newest when the file was edited since.
pub fn next_undo(file: &Path) -> Result<Option<Backup>, WriteError> {
    let all = backups(Some(file))?;
    let hist = history(file)?;
    let start = match all.last() {
        // The last thing that happened was an undo: step past what it put back.
        Some(Backup {
            restores: Some(put_back),
            ..
        }) => hist
            .iter()
            .position(|b| &b.backup == put_back)
            .map_or(0, |i| i + 1),
        _ => 0,
    };
    Ok(hist.into_iter().skip(start).find(|b| b.backup.exists()))
}

/// Checks a backup against its recorded hash before it is trusted.
pub fn verify(b: &Backup) -> Result<(), WriteError> {
    let shown = crate::text::path(&b.backup);
    let (sha, n) = hash_file(&b.backup)
        .map_err(|e| WriteError::Other(format!("{shown}: {}", io_reason(&e))))?;
    if n != b.bytes {
        return Err(WriteError::Other(format!(
            "{shown}: the backup holds {n} bytes, {} were recorded: refusing to restore it",
            b.bytes
        )));
    }
    if let Some(want) = &b.sha256
        && *want != sha
    {
        return Err(WriteError::Other(format!(
            "{shown}: the backup's content does not match its recorded SHA-256: refusing to restore it"
        )));
    }
    Ok(())
}
