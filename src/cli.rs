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
    /// Folder to open in the terminal UI, or a checkpoint to open selected in
    /// its folder (default: the configured one, else ./checkpoints/ or .)
    dir: Option<PathBuf>,
    /// Multiply brine's work limits for one input (ops, nodes, output, time) by N,
    /// or `off`; also BRINE_BUDGET=N. Hostile files meet a limit with a message.
    #[arg(long, global = true, value_name = "N", value_parser = crate::pickle::budget::parse_scale)]
    budget: Option<f64>,
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
    /// Names added, removed and changed between two checkpoints; exits 1 when they differ, as diff(1) does
    Diff(env::DiffArgs),
    /// The environment a checkpoint was written in, against another or the local Python
    Env(env::EnvArgs),
    /// What loading a checkpoint would import and call; exits 3 when dangerous
    Scan(scan::ScanArgs),
    /// Start Python with the checkpoint loaded (after the scan and env checks)
    Restore(env::RestoreArgs),
}

pub use crate::failure::Failure;

/// The subcommands, for "did you mean" (clap's own list is behind the derive).
const COMMANDS: &[&str] = &[
    "inspect", "tree", "filter", "extract", "salvage", "backups", "undo", "diff", "env", "scan",
    "restore", "help",
];

/// Words other tools use for what a brine command does.
const ALIASES: &[(&str, &str)] = &[
    ("ls", "inspect"),
    ("list", "inspect"),
    ("show", "inspect"),
    ("cat", "inspect"),
    ("info", "inspect"),
    ("view", "inspect"),
    ("rm", "filter"),
    ("drop", "filter"),
    ("exclude", "filter"),
    ("keep", "extract"),
    ("load", "restore"),
    ("check", "scan"),
    ("compare", "diff"),
];

/// `brine inspekt FILE`: the first word is neither a command nor a path, but
/// close to a command. Clap would take it for the directory to open.
fn mistyped_command(args: &[std::ffi::OsString]) -> Option<String> {
    let first = args.get(1)?.to_str()?;
    if first.starts_with('-') || COMMANDS.contains(&first) || std::path::Path::new(first).exists() {
        return None;
    }
    let meant = ALIASES
        .iter()
        .find(|(a, _)| *a == first)
        .map(|(_, c)| *c)
        .or_else(|| crate::text::suggest::closest(first, COMMANDS.iter().copied()))?;
    Some(format!(
        "unknown command '{}': did you mean 'brine {meant}'? (brine --help lists them)",
        crate::text::escape(first)
    ))
}

pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(m) = mistyped_command(&args) {
        crate::text::eprint_line(&format!("brine: {m}"));
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Some(f) = cli.budget {
        crate::pickle::budget::set_scale(f);
    }
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
        Err(f) if f.is_quiet() => ExitCode::from(f.code),
        Err(f) => {
            crate::text::eprint_line(&format!("brine: {}", f.message));
            ExitCode::from(f.code)
        }
    }
}
