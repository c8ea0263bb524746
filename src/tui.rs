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

/// Opens the UI on a directory; returns the exit code.
pub fn run(dir: Option<PathBuf>) -> Result<u8, Failure> {
    let (config, config_error) = config::Config::load();
    let dirs = match dir {
        Some(d) => vec![d],
        None if !config.watch.dirs.is_empty() => config.watch_dirs(),
        None => vec![PathBuf::from(".")],
    };
    let mut absolute = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(Failure::error(format!("{}: not a directory", d.display())));
        }
        absolute.push(std::path::absolute(&d).unwrap_or(d));
    }
    runtime::run(config, config_error, absolute)
        .map(|()| 0)
        .map_err(|e| Failure::error(format!("terminal: {e}")))
}

/// `1.2 KiB`-style sizes, as the CLI prints them.
pub use crate::text::human_size;
