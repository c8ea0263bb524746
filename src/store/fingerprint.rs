//! What a file looked like when brine read it: size, modification time, inode
//! and, for files small enough to read again cheaply, a hash of the content.
//! A write re-checks it just before the rename, so a save that landed while
//! brine worked is never overwritten. Reads only; never changes a file.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// Files up to this size are also compared by content.
pub const HASHED_UP_TO: u64 = 32 << 20;

/// Size, modification time, inode and (small files) content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub len: u64,
    pub modified: Option<SystemTime>,
    pub dev: u64,
    pub ino: u64,
    /// SHA-256 of the content, for files of at most [`HASHED_UP_TO`] bytes.
    pub hash: Option<String>,
}

impl Fingerprint {
    pub fn of(path: &Path) -> io::Result<Fingerprint> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(path)?;
        if !m.is_file() {
            return Err(not_regular(&m));
        }
        let hash = if m.len() <= HASHED_UP_TO {
            Some(hash_file(path)?.0)
        } else {
            None
        };
        Ok(Fingerprint {
            len: m.len(),
            modified: m.modified().ok(),
            dev: m.dev(),
            ino: m.ino(),
            hash,
        })
    }
}

pub use crate::pickle::input::not_regular;

/// SHA-256 (hex) and length of everything `r` yields.
pub fn hash_reader(mut r: impl Read) -> io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let got = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(g) => g,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..got]);
        n += got as u64;
    }
    Ok((hex(&h.finalize()), n))
}

/// SHA-256 (hex) and length of a file's content.
pub fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    hash_reader(File::open(path)?)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_same_size_same_second_rewrite_is_still_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        fs::write(&p, b"aaaa").unwrap();
        let before = Fingerprint::of(&p).unwrap();
        let t = fs::metadata(&p).unwrap().modified().unwrap();
        fs::write(&p, b"bbbb").unwrap();
        File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(t)
            .unwrap();
        assert_ne!(Fingerprint::of(&p).unwrap(), before);
    }
}
