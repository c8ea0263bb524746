//! The terminal UI over the session engine.

use std::path::PathBuf;

use crate::cli::Failure;

/// Opens the UI on a directory; returns the exit code.
pub fn run(_dir: Option<PathBuf>) -> Result<u8, Failure> {
    Err(Failure::usage("the terminal UI is not built yet; try `brine inspect FILE`"))
}
