//! `brine export FILE NAME… [-o PATH] [--format npy|csv|json]`: writes stored values as
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
    /// npy (ndarray), csv (DataFrame/Series) or json (plain data); overrides the extension
    #[arg(long)]
    pub format: Option<String>,
}

pub fn export(a: ExportArgs) -> Result<u8, Failure> {
    let s = open(&a.file)?;
    let d = s.describer();
    let asked = match &a.format {
        Some(f) => Some(Format::parse(f).ok_or_else(|| {
            Failure::error(format!("unknown export format '{f}' (npy, csv or json)"))
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
        write(&d, id, format, &path).map_err(fail)?;
        eprintln!("brine: wrote {} ({})", path.display(), format.ext());
    }
    Ok(0)
}

/// Writes to a temporary file beside the target, renamed into place only when complete.
fn write(
    d: &crate::session::Describer,
    id: crate::pickle::NodeId,
    format: Format,
    path: &Path,
) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.brine-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    ));
    let result = (|| {
        let f = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(f);
        d.export(id, format, &mut w)?;
        std::io::Write::flush(&mut w).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
