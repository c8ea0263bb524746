//! Editing a checkpoint without running it: drop names or keep only some, and
//! emit a pickle of the same protocol that real dill loads. Never evaluates
//! anything; the output is re-parsed and checked before anyone writes it.

pub mod pattern;

use crate::session::Session;

/// What an edit will do, before any byte is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Names that go.
    pub dropped: Vec<String>,
    /// Names that stay.
    pub kept: Vec<String>,
    /// Dropped names whose objects stay because kept names need them: (name, needed by).
    pub still_needed: Vec<(String, Vec<String>)>,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// The new pickle and the plan it carries out.
#[derive(Debug, Clone)]
pub struct Edited {
    pub bytes: Vec<u8>,
    pub plan: Plan,
}

/// Why an edit cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no name '{0}' in this checkpoint")]
    NoSuchName(String),
    #[error("{0}")]
    Unsupported(String),
}

impl Session {
    /// Drops `names`, keeps the rest (dill's `exclude`).
    pub fn dump_without(&self, names: &[&str]) -> Result<Edited, EditError> {
        let _ = names;
        Err(EditError::Unsupported("editing is not built yet".into()))
    }

    /// Keeps only `names` (extract).
    pub fn dump_only(&self, names: &[&str]) -> Result<Edited, EditError> {
        let keep: Vec<&str> = names.to_vec();
        let drop: Vec<&str> = self.entries.iter().map(|e| e.name.as_str()).filter(|n| !keep.contains(n)).collect();
        self.dump_without(&drop)
    }
}
