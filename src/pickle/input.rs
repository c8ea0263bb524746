//! Where pickle bytes come from. Files are read with positioned reads, never
//! mapped: a checkpoint truncated by another process while we read it must be
//! an error, not a SIGBUS, and payloads we skip are never read at all.

use std::fs::File;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Random access to the bytes of one pickle.
#[derive(Clone)]
pub struct Source {
    inner: Arc<Inner>,
    /// Positioned reads made so far: the work a parse did on the input, for
    /// tests that bound it by counting instead of timing.
    reads: Arc<AtomicU64>,
}

enum Inner {
    Memory(Arc<[u8]>),
    File { file: File, len: u64 },
}

impl Source {
    pub fn from_bytes(bytes: impl Into<Arc<[u8]>>) -> Source {
        Source {
            inner: Arc::new(Inner::Memory(bytes.into())),
            reads: Arc::default(),
        }
    }

    /// Opens a file; its length is taken now and checked again on every read.
    ///
    /// Only regular files: a FIFO or a device would block or never end. The
    /// open itself does not wait for a FIFO's writer (`O_NONBLOCK`, which
    /// changes nothing for a regular file).
    pub fn open(path: &std::path::Path) -> io::Result<Source> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        Source::from_file(file)
    }

    /// Reads from an open regular file (an anonymous temp file, a descriptor brine holds).
    pub fn from_file(file: File) -> io::Result<Source> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(not_regular(&meta));
        }
        Ok(Source {
            inner: Arc::new(Inner::File {
                file,
                len: meta.len(),
            }),
            reads: Arc::default(),
        })
    }

    /// How many positioned reads this source (and its clones) served.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> u64 {
        match &*self.inner {
            Inner::Memory(b) => b.len() as u64,
            Inner::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole input when it is held in memory.
    pub fn as_slice(&self) -> Option<&[u8]> {
        match &*self.inner {
            Inner::Memory(b) => Some(b),
            Inner::File { .. } => None,
        }
    }

    /// Fills `buf` from `offset`; returns how many bytes were read (fewer only at the end).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        match &*self.inner {
            Inner::Memory(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let n = buf.len().min(b.len() - start);
                buf[..n].copy_from_slice(&b[start..start + n]);
                Ok(n)
            }
            Inner::File { file, .. } => read_full_at(file, offset, buf),
        }
    }

    /// Up to `max` bytes from `offset` (fewer at the end of the input).
    pub fn bytes(&self, offset: u64, max: u64) -> io::Result<Vec<u8>> {
        let n = max.min(self.len().saturating_sub(offset));
        let mut buf = vec![0; usize::try_from(n).unwrap_or(usize::MAX)];
        let got = self.read_at(offset, &mut buf)?;
        buf.truncate(got);
        Ok(buf)
    }
}

/// Says what a path is when it is not a regular file.
pub fn not_regular(m: &std::fs::Metadata) -> io::Error {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    let what = if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a device"
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what}); brine reads only regular files"),
    )
}

#[cfg(unix)]
fn read_full_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(windows)]
fn read_full_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.seek_read(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}
