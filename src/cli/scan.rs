//! `brine scan`.

use std::path::PathBuf;

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn scan(_a: ScanArgs) -> Result<u8, Failure> {
    Err(Failure::error("`brine scan` is not available in this build yet"))
}
