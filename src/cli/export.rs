//! `brine export FILE NAME… [-o PATH] [--format npy|csv|parquet|json]`: writes stored values as
//! files other tools read, without Python. One name goes to `-o PATH` (or NAME.EXT); several
//! go into `-o DIR` (or the current directory) as NAME.EXT each. Never runs the pickle.

use std::path::{Path, PathBuf};

use super::Failure;
use super::inspect::open;
use crate::session::export::Format;

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    pub file: PathBuf,
    /// The names to export
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Output file (one name) or directory (several); the format follows its extension
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// npy (ndarray), csv or parquet (DataFrame/Series), json (plain data); overrides the
    /// extension
    #[arg(long)]
    pub format: Option<String>,
}

pub fn export(a: ExportArgs) -> Result<u8, Failure> {
    let s = open(&a.file)?;
    let d = s.describer();
    let asked = match &a.format {
        Some(f) => Some(Format::parse(f).ok_or_else(|| {
            Failure::error(format!(
                "unknown export format '{f}' (npy, csv, parquet or json)"
            ))
        })?),
        None => None,
    };
    let several = a.names.len() > 1;
    for name in &a.names {
        let fail = |m: String| Failure::error(format!("{}: '{name}': {m}", a.file.display()));
        let entry = s
            .entries
            .iter()
            .find(|e| &e.name == name)
            .ok_or_else(|| fail("no such name in this checkpoint".into()))?;
        let id = entry.value.ok_or_else(|| {
            fail(format!(
                "imported from {}: nothing stored to export",
                entry.imported_from.clone().unwrap_or_default()
            ))
        })?;
        let by_ext = a
            .output
            .as_ref()
            .filter(|_| !several)
            .and_then(|o| o.extension())
            .and_then(|e| Format::parse(&e.to_string_lossy()));
        let format = match asked.or(by_ext) {
            Some(f) => f,
            None => d.export_format(id).map_err(fail)?,
        };
        let path = match (&a.output, several) {
            (Some(o), false) => o.clone(),
            (Some(dir), true) => dir.join(format!("{name}.{}", format.ext())),
            (None, _) => PathBuf::from(format!("{name}.{}", format.ext())),
        };
        write(&d, &a.file, id, format, &path).map_err(fail)?;
        eprintln!("brine: wrote {} ({})", path.display(), format.ext());
    }
    Ok(0)
}

/// Writes through brine's safe writer: a private temp file beside the target (exclusive,
/// never through a symlink), fsync, a check of the format's signature, the checkpoint's
/// mode (as `cp` keeps it), a backup of any file it replaces, then the rename.
fn write(
    d: &crate::session::Describer,
    checkpoint: &Path,
    id: crate::pickle::NodeId,
    format: Format,
    path: &Path,
) -> Result<(), String> {
    use crate::store::write::{Options, write_with};
    // The export runs once, inside `produce`; its own error (a line about the value) is
    // kept apart from the writer's I/O errors.
    let failed = std::cell::RefCell::new(None);
    let produce = |w: &mut dyn std::io::Write| {
        d.export(id, format, w).map_err(|e| {
            *failed.borrow_mut() = Some(e.clone());
            std::io::Error::other(e)
        })
    };
    let check = |p: &Path| -> Result<(), String> {
        use std::io::{Read, Seek, SeekFrom};
        let io = |e: std::io::Error| e.to_string();
        let mut f = std::fs::File::open(p).map_err(io)?;
        let len = f.metadata().map_err(io)?.len();
        let mut head = [0u8; 6];
        let mut tail = [0u8; 4];
        let n = f.read(&mut head).map_err(io)?;
        if len >= 4 {
            f.seek(SeekFrom::Start(len - 4)).map_err(io)?;
            f.read_exact(&mut tail).map_err(io)?;
        }
        let ok = match format {
            Format::Npy => n == 6 && head == *b"\x93NUMPY",
            Format::Parquet => len >= 8 && head[..4] == *b"PAR1" && tail == *b"PAR1",
            Format::Csv | Format::Json => len > 0,
        };
        ok.then_some(())
            .ok_or_else(|| format!("the {} file is not well-formed", format.ext()))
    };
    let opts = Options {
        reason: "export",
        mode_of: Some(checkpoint),
        ..Options::default()
    };
    write_with(path, &produce, &check, &opts)
        .map(|_| ())
        .map_err(|e| failed.borrow_mut().take().unwrap_or_else(|| e.to_string()))
}
