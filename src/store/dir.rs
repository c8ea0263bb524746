//! Listing a checkpoint directory: which files are sessions (by extension or by
//! their first bytes), their size and time, and the env sidecar next to each.
//! Reads at most a few bytes of each file; never parses or runs a pickle.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::pickle::reader::decode;

/// Extensions that mark a checkpoint even before its first byte is written.
pub const EXTENSIONS: &[&str] = &["pkl", "pickle", "dill", "db", "session"];

/// How many bytes are read to recognise a file without a known extension.
const HEAD: usize = 512;

/// One checkpoint file as the directory shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: PathBuf,
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// The `<name>_env.pkl` that belongs to this checkpoint, when there is one.
    pub sidecar: Option<PathBuf>,
}

/// True when `path` should be considered at all: no dotfiles, temp or backup files.
pub fn is_candidate_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    !(name.starts_with('.') || name.ends_with(".tmp") || name.ends_with('~'))
}

/// True when the extension alone says "checkpoint".
pub fn has_checkpoint_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// True when these first bytes start like a pickle.
///
/// Protocol 2+ files start with PROTO (0x80) and a protocol number. Protocol
/// 0/1 files have no header, so the first few ops must decode and the first
/// must be one a pickler writes first (a mark, an empty container, a global).
pub fn starts_like_pickle(head: &[u8]) -> bool {
    match head {
        [0x80, proto, ..] => (2..=5).contains(proto),
        [first, ..] if b"(}])cN".contains(first) => decodes_a_few_ops(head),
        _ => false,
    }
}

fn decodes_a_few_ops(head: &[u8]) -> bool {
    let mut pos = 0usize;
    let mut ops = 0;
    while ops < 3 {
        let Some(rest) = head.get(pos..).filter(|r| !r.is_empty()) else {
            return ops > 0;
        };
        match decode(rest, pos as u64) {
            Ok(Ok(op)) => {
                pos += op.len as usize;
                ops += 1;
            }
            // Cut by our short read, not by the file: what decoded so far counts.
            Ok(Err(_)) => return ops > 0 || head.len() < HEAD,
            Err(_) => return false,
        }
    }
    true
}

/// True when the file is a checkpoint: a known extension, or pickle-like bytes.
pub fn is_checkpoint(path: &Path) -> bool {
    if !is_candidate_name(path) {
        return false;
    }
    if has_checkpoint_extension(path) {
        return true;
    }
    let mut head = Vec::with_capacity(HEAD);
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    if file.take(HEAD as u64).read_to_end(&mut head).is_err() {
        return false;
    }
    starts_like_pickle(&head)
}

/// The names an env sidecar of `path` may have, best first.
///
/// `<name>.pkl` ↔ `<name>_env.pkl`, and `checkpoint_<n>.pkl` ↔ `<n>_env.pkl`.
pub fn sidecar_names(path: &Path) -> Vec<PathBuf> {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return Vec::new();
    };
    if stem.ends_with("_env") {
        return Vec::new();
    }
    let mut out = vec![path.with_file_name(format!("{stem}_env.pkl"))];
    if let Some(n) = stem.strip_prefix("checkpoint_") {
        out.push(path.with_file_name(format!("{n}_env.pkl")));
    }
    out
}

/// The existing env sidecar of a checkpoint.
pub fn sidecar_of(path: &Path) -> Option<PathBuf> {
    sidecar_names(path).into_iter().find(|p| p.is_file())
}

/// True when `path` is the sidecar of a checkpoint in `all`.
fn is_attached_sidecar(path: &Path, all: &[PathBuf]) -> bool {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    if path.extension().and_then(|e| e.to_str()) != Some("pkl") {
        return false;
    }
    let Some(base) = stem.strip_suffix("_env") else {
        return false;
    };
    [format!("{base}.pkl"), format!("checkpoint_{base}.pkl")]
        .iter()
        .any(|n| all.contains(&path.with_file_name(n)))
}

/// Stats one checkpoint; `None` when it vanished or is not a checkpoint.
pub fn stat(path: &Path) -> Option<Listed> {
    let meta = fs::metadata(path).ok()?;
    // A sidecar next to its checkpoint belongs to it, as in `list`.
    if !meta.is_file() || !is_checkpoint(path) || is_sidecar(path) {
        return None;
    }
    Some(Listed {
        path: path.to_path_buf(),
        size: meta.len(),
        modified: meta.modified().ok(),
        sidecar: sidecar_of(path),
    })
}

/// True when `path` is a sidecar that belongs to a checkpoint next to it.
pub fn is_sidecar(path: &Path) -> bool {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let Some(base) = stem.strip_suffix("_env") else {
        return false;
    };
    path.extension().and_then(|e| e.to_str()) == Some("pkl")
        && [format!("{base}.pkl"), format!("checkpoint_{base}.pkl")]
            .iter()
            .any(|n| path.with_file_name(n).is_file())
}

/// Every checkpoint under `dirs` (one level, or all levels with `recursive`),
/// sorted by path. Sidecars attached to a checkpoint are not listed on their own.
pub fn list(dirs: &[PathBuf], recursive: bool) -> io::Result<Vec<Listed>> {
    let mut files = Vec::new();
    let mut first_error = None;
    for d in dirs {
        if let Err(e) = collect(d, recursive, &mut files) {
            first_error.get_or_insert(e);
        }
    }
    if files.is_empty()
        && let Some(e) = first_error
    {
        return Err(e);
    }
    files.sort();
    files.dedup();
    let mut out: Vec<Listed> = files
        .iter()
        .filter(|p| !is_attached_sidecar(p, &files))
        .filter_map(|p| stat(p))
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn collect(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    let mut top = true;
    while let Some(d) = stack.pop() {
        let rd = match fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) if top => return Err(e),
            Err(_) => continue,
        };
        top = false;
        for entry in rd.flatten() {
            let path = entry.path();
            if !is_candidate_name(&path) {
                continue;
            }
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if recursive {
                    stack.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_pickles_by_their_first_bytes() {
        assert!(starts_like_pickle(b"\x80\x04\x95\x10\x00"));
        assert!(starts_like_pickle(
            b"cdill._dill\n_import_module\n(S'__main__'\n"
        ));
        assert!(starts_like_pickle(b"(dp0\nS'a'\np1\nI1\ns."));
        assert!(!starts_like_pickle(b"\x80\x09"));
        assert!(!starts_like_pickle(b"# a readme\n"));
        assert!(!starts_like_pickle(b"(not a pickle at all"));
        assert!(!starts_like_pickle(b""));
    }

    #[test]
    fn pairs_sidecars_both_ways() {
        let d = tempfile::tempdir().unwrap();
        for n in [
            "checkpoint_a.pkl",
            "a_env.pkl",
            "b.pkl",
            "b_env.pkl",
            "lonely_env.pkl",
        ] {
            fs::write(d.path().join(n), b"\x80\x04N.").unwrap();
        }
        fs::write(d.path().join("notes.txt"), b"hello").unwrap();
        fs::write(d.path().join("blob"), b"\x80\x05N.").unwrap();
        fs::write(d.path().join(".hidden.pkl"), b"\x80\x04N.").unwrap();
        let listed = list(&[d.path().to_path_buf()], false).unwrap();
        let names: Vec<_> = listed
            .iter()
            .map(|l| l.path.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["b.pkl", "blob", "checkpoint_a.pkl", "lonely_env.pkl"]
        );
        assert_eq!(listed[0].sidecar, Some(d.path().join("b_env.pkl")));
        assert_eq!(listed[2].sidecar, Some(d.path().join("a_env.pkl")));
        assert_eq!(listed[1].sidecar, None);
        assert!(is_sidecar(&d.path().join("a_env.pkl")));
    }

    #[test]
    fn recursion_is_opt_in() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("sub")).unwrap();
        fs::write(d.path().join("sub/x.pkl"), b"").unwrap();
        assert!(list(&[d.path().to_path_buf()], false).unwrap().is_empty());
        assert_eq!(list(&[d.path().to_path_buf()], true).unwrap().len(), 1);
    }
}
