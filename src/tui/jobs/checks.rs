//! The jobs that ask the libraries before something happens: env reports
//! (probing a Python when asked), the scan and env check shown before a
//! restore. They run on worker threads.

use std::path::Path;

use super::{Against, read};
use crate::env::{Env, probe};
use crate::scan;
use crate::tui::compare::EnvReport;

/// An env report of `a` against `against`.
pub fn env(a: &Path, against: &Against) -> Result<EnvReport, String> {
    let s = read(a)?;
    let env = Env::of(a, &s);
    Ok(match against {
        Against::Nothing => EnvReport::by_itself(env),
        Against::Checkpoint(b) => {
            let other = Env::of(b, &read(b)?);
            EnvReport::against_other(env, other)
        }
        Against::Python(cmd) => {
            let local = probe::probe(cmd, &env.inferred.imports).map_err(|e| e.to_string())?;
            EnvReport::against_local(env, local)
        }
    })
}

/// What a restore would load, and what the scan and the env check say about it.
#[derive(Debug, Clone)]
pub struct RestoreCheck {
    /// Names that will load, of how many in the file.
    pub names: usize,
    pub total: usize,
    /// The scan of what will load (the extract, for marked names).
    pub scan: scan::Report,
    /// The check against the restore Python, or why it could not be probed.
    pub env: Result<EnvReport, String>,
}

/// Scans and env-checks what restoring `only` from `path` would load into `python`.
pub fn restore(path: &Path, only: &[String], python: &[String]) -> Result<RestoreCheck, String> {
    let prepared = crate::restore::prepare(path, only).map_err(|e| e.to_string())?;
    let loaded = prepared.extract.as_ref().unwrap_or(&prepared.session);
    let scan = scan::scan(loaded);
    let env = Env::of(path, loaded);
    let env = probe::probe(python, &env.inferred.imports)
        .map(|local| EnvReport::against_local(env, local))
        .map_err(|e| e.to_string());
    Ok(RestoreCheck {
        names: loaded.entries.len(),
        total: prepared.session.entries.len(),
        scan,
        env,
    })
}
