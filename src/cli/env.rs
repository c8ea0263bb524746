//! `brine env`, `diff` and `restore`.

use std::path::PathBuf;

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    pub a: PathBuf,
    pub b: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct EnvArgs {
    pub file: PathBuf,
    /// Compare with another checkpoint's environment
    #[arg(long, conflicts_with = "python")]
    pub against: Option<PathBuf>,
    /// Compare with this Python (probed with a fixed script that reads no pickle)
    #[arg(long)]
    pub python: Option<String>,
    /// Write a `<name>_env.pkl` sidecar from what the file and the local Python tell
    #[arg(long)]
    pub write_sidecar: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    pub file: PathBuf,
    /// Restore only these names
    #[arg(long, num_args = 1..)]
    pub only: Vec<String>,
    /// The Python to run (default: python3, or the configured one)
    #[arg(long)]
    pub python: Option<String>,
    /// Print the Python snippet instead of running it
    #[arg(long)]
    pub print: bool,
    /// Run even when the scan finds something dangerous
    #[arg(long)]
    pub trust: bool,
}

fn pending(what: &str) -> Result<u8, Failure> {
    Err(Failure::error(format!("`brine {what}` is not available in this build yet")))
}

pub fn diff(_a: DiffArgs) -> Result<u8, Failure> {
    pending("diff")
}

pub fn env(_a: EnvArgs) -> Result<u8, Failure> {
    pending("env")
}

pub fn restore(_a: RestoreArgs) -> Result<u8, Failure> {
    pending("restore")
}
