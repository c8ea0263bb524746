//! The command line: argument parsing, and the glue from each subcommand to
//! the engine. Errors end here as one line on stderr.

mod edit;
mod env;
mod export;
mod inspect;
mod scan;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Browse, check and edit Python dill session checkpoints without running them.
#[derive(Parser, Debug)]
#[command(name = "brine", version, about, long_about = None, arg_required_else_help = false)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Directory to open in the terminal UI (default: the configured one, else .)
    dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the names a checkpoint holds: types, previews, sizes
    Inspect {
        file: PathBuf,
        /// Print one JSON object instead of a table
        #[arg(long)]
        json: bool,
        /// Preview width in characters
        #[arg(long, default_value_t = 60)]
        width: usize,
    },
    /// Show one entry's children (items, attributes, function facts); NAME.path goes deeper
    Tree {
        file: PathBuf,
        /// The entry, optionally followed by a dotted path (model.layers.0)
        path: String,
        #[arg(long)]
        json: bool,
        /// For a numeric array: min, max, mean and NaN count, streamed over its bytes
        #[arg(long)]
        stats: bool,
    },
    /// Write stored values as .npy (arrays), .csv (DataFrames/Series) or .json (plain data)
    Export(export::ExportArgs),
    /// Drop the names that match patterns and write the rest as a new checkpoint
    Filter(edit::FilterArgs),
    /// Keep only the named entries, written as a new checkpoint
    Extract(edit::ExtractArgs),
    /// Write the complete names of a truncated checkpoint as a loadable one
    Salvage(edit::SalvageArgs),
    /// List the backups brine made before replacing files
    Backups(edit::BackupsArgs),
    /// Put back the last backup of a file brine replaced
    Undo(edit::UndoArgs),
    /// Names added, removed and changed between two checkpoints
    Diff(env::DiffArgs),
    /// The environment a checkpoint was written in, against another or the local Python
    Env(env::EnvArgs),
    /// What loading a checkpoint would import and call; exits 3 when dangerous
    Scan(scan::ScanArgs),
    /// Start Python with the checkpoint loaded (after the scan and env checks)
    Restore(env::RestoreArgs),
}

pub use crate::failure::Failure;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Some(Command::Inspect { file, json, width }) => inspect::inspect(&file, json, width),
        Some(Command::Tree {
            file,
            path,
            json,
            stats,
        }) => inspect::tree(&file, &path, json, stats),
        Some(Command::Export(a)) => export::export(a),
        Some(Command::Filter(a)) => edit::filter(a),
        Some(Command::Extract(a)) => edit::extract(a),
        Some(Command::Salvage(a)) => edit::salvage(a),
        Some(Command::Backups(a)) => edit::backups(a),
        Some(Command::Undo(a)) => edit::undo(a),
        Some(Command::Diff(a)) => env::diff(a),
        Some(Command::Env(a)) => env::env(a),
        Some(Command::Scan(a)) => scan::scan(a),
        Some(Command::Restore(a)) => env::restore(a),
        None => crate::tui::run(cli.dir),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            crate::text::eprint_line(&format!("brine: {}", f.message));
            ExitCode::from(f.code)
        }
    }
}
