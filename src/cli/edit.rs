//! `brine filter`, `extract`, `salvage`, `backups` and `undo`.

use std::path::PathBuf;

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct FilterArgs {
    pub file: PathBuf,
    /// Names to drop: a plain word matches as a substring, *?[ make a glob, re: a regex
    #[arg(long, short = 'e', num_args = 1..)]
    pub exclude: Vec<String>,
    /// A named set of patterns: `ipython` drops In, Out, _, __, ___, _i*, _o*, _dh, _ih, _oh, exit, quit, get_ipython
    #[arg(long)]
    pub preset: Vec<String>,
    /// Where to write the result
    #[arg(long, short = 'o', conflicts_with = "in_place")]
    pub output: Option<PathBuf>,
    /// Replace FILE (a backup is kept; `brine undo FILE` puts it back)
    #[arg(long)]
    pub in_place: bool,
    /// Show what would go and the bytes saved; write nothing
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExtractArgs {
    pub file: PathBuf,
    /// The names to keep
    #[arg(required = true)]
    pub names: Vec<String>,
    #[arg(long, short = 'o', required = true)]
    pub output: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct SalvageArgs {
    pub file: PathBuf,
    #[arg(long, short = 'o', required = true)]
    pub output: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct BackupsArgs {
    /// Only the backups of this file
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct UndoArgs {
    pub file: PathBuf,
}

fn pending(what: &str) -> Result<u8, Failure> {
    Err(Failure::error(format!(
        "`brine {what}` is not available in this build yet"
    )))
}

pub fn filter(_a: FilterArgs) -> Result<u8, Failure> {
    pending("filter")
}

pub fn extract(_a: ExtractArgs) -> Result<u8, Failure> {
    pending("extract")
}

pub fn salvage(_a: SalvageArgs) -> Result<u8, Failure> {
    pending("salvage")
}

pub fn backups(_a: BackupsArgs) -> Result<u8, Failure> {
    pending("backups")
}

pub fn undo(_a: UndoArgs) -> Result<u8, Failure> {
    pending("undo")
}
