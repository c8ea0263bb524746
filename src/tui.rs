//! The terminal UI over the session engine: a watched folder of checkpoints,
//! the namespace tree of the open one, details, and actions behind confirm
//! dialogs. Browsing never runs Python; only restore does, when asked.

pub mod action;
pub mod app;
/// The env table lives in the library, shared with `brine env`.
pub use crate::env::table as compare;
pub mod config;
pub mod dialog;
pub mod files;
pub mod jobs;
pub mod keymap;
pub mod render;
mod runtime;
pub mod tree;

use std::path::PathBuf;

use crate::failure::Failure;

pub use app::App;
pub use render::render;

/// Opens the UI on a directory, or on a checkpoint's folder with it selected;
/// returns the exit code.
pub fn run(dir: Option<PathBuf>) -> Result<u8, Failure> {
    let (config, config_error) = config::Config::load();
    let (dirs, select) = match dir {
        Some(d) => {
            let (d, select) = start_at(&d)?;
            (vec![d], select)
        }
        None if !config.watch.dirs.is_empty() => (config.watch_dirs(), None),
        None => (vec![default_dir(std::env::var_os(DIR_ENV_VAR))], None),
    };
    let mut absolute = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(Failure::error(not_a_folder(&d)));
        }
        absolute.push(std::path::absolute(&d).unwrap_or(d));
    }
    // Named the way the listing names it: the absolute folder, then the file name.
    let select = select.and_then(|f| Some(absolute.first()?.join(f.file_name()?)));
    runtime::run(config, config_error, absolute, select)
        .map(|()| 0)
        .map_err(|e| Failure::error(format!("terminal: {e}")))
}

/// The companion's variable naming the checkpoint folder.
pub const DIR_ENV_VAR: &str = "BRINE_CHECKPOINT_DIR";

/// With no folder given: `$BRINE_CHECKPOINT_DIR`, else `./checkpoints/` when
/// it exists (where the companion saves), else the current folder.
pub fn default_dir(env: Option<std::ffi::OsString>) -> PathBuf {
    if let Some(d) = env.filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let sub = PathBuf::from("checkpoints");
    if sub.is_dir() {
        sub
    } else {
        PathBuf::from(".")
    }
}

/// `brine FILE.pkl` opens the file's folder with the file selected.
fn start_at(path: &std::path::Path) -> Result<(PathBuf, Option<PathBuf>), Failure> {
    if path.is_dir() {
        return Ok((path.to_path_buf(), None));
    }
    if path.is_file() {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        return Ok((parent, Some(path.to_path_buf())));
    }
    Err(Failure::error(not_a_folder(path)))
}

fn not_a_folder(path: &std::path::Path) -> String {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("{}: no such file or directory", crate::text::path(path))
        }
        Err(e) => format!("{}: {e}", crate::text::path(path)),
        Ok(_) => format!(
            "{}: not a folder or a checkpoint file",
            crate::text::path(path)
        ),
    }
}

/// `1.2 KiB`-style sizes, as the CLI prints them.
pub use crate::text::human_size;
