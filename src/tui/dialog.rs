//! Overlays on top of the panes: help, the filter dialog with its live
//! preview, yes/no confirmations, and the env and diff views.

use std::path::PathBuf;

use super::compare::EnvReport;
use crate::diff::Diff;
use crate::edit::pattern::{Pattern, preset};
use crate::session::Session;

/// What covers the panes, if anything.
#[derive(Debug)]
pub enum Overlay {
    Help { scroll: usize },
    Filter(FilterDialog),
    Confirm(Confirm),
    Env(Box<EnvView>),
    Diff(DiffView),
}

/// How a line of a dialog is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Dim,
    Ok,
    Warn,
    Error,
}

/// A line of a dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub tone: Tone,
    pub text: String,
}

impl Line {
    pub fn new(tone: Tone, text: impl Into<String>) -> Line {
        Line {
            tone,
            text: text.into(),
        }
    }
}

/// Where the filter writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    InPlace,
    SaveAs,
}

/// "Filter out by pattern": typing the patterns, then confirming.
#[derive(Debug)]
pub struct FilterDialog {
    pub source: PathBuf,
    /// Space-separated patterns; `@ipython` is the preset.
    pub pattern: String,
    /// Names that would go, with the bytes each saves.
    pub going: Vec<(String, u64)>,
    pub staying: usize,
    /// Bytes the file shrinks by, from the edit's plan.
    saved: u64,
    /// Dropped names whose objects stay because kept names use them: (name, used by).
    pub still_needed: Vec<(String, Vec<String>)>,
    pub error: Option<String>,
    pub target: Target,
    /// The file "save as" writes.
    pub save_as: PathBuf,
    /// False while typing; true when asking "write now?".
    pub confirming: bool,
    pub scroll: usize,
}

impl FilterDialog {
    pub fn new(source: PathBuf) -> FilterDialog {
        let save_as = sibling(&source, "_filtered");
        FilterDialog {
            source,
            pattern: String::new(),
            going: Vec::new(),
            staying: 0,
            saved: 0,
            still_needed: Vec::new(),
            error: None,
            target: Target::InPlace,
            save_as,
            confirming: false,
            scroll: 0,
        }
    }

    /// Recomputes what the current patterns drop from `s`.
    pub fn preview(&mut self, s: &Session) {
        self.error = None;
        self.scroll = 0;
        let mut patterns = Vec::new();
        for word in self.pattern.split_whitespace() {
            if let Some(name) = word.strip_prefix('@') {
                match preset(name) {
                    Some(p) => patterns.extend(p),
                    None => self.error = Some(format!("unknown preset @{name}")),
                }
                continue;
            }
            match Pattern::parse(word) {
                Ok(p) => patterns.push(p),
                Err(e) => self.error = Some(e),
            }
        }
        self.going = s
            .entries
            .iter()
            .filter(|e| patterns.iter().any(|p| p.matches(&e.name)))
            .map(|e| (e.name.clone(), e.bytes))
            .collect();
        self.staying = s.entries.len() - self.going.len();
        let names: Vec<&str> = self.going.iter().map(|(n, _)| n.as_str()).collect();
        let plan = s.plan_without(&names);
        self.saved = plan.bytes_saved;
        self.still_needed = plan.still_needed;
    }

    pub fn saved(&self) -> u64 {
        self.saved
    }

    pub fn destination(&self) -> PathBuf {
        match self.target {
            Target::InPlace => self.source.clone(),
            Target::SaveAs => self.save_as.clone(),
        }
    }
}

/// `dir/name.pkl` → `dir/name{suffix}.pkl`, numbered when that exists.
pub fn sibling(path: &std::path::Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut n = 1;
    loop {
        let num = if n == 1 {
            String::new()
        } else {
            format!("_{n}")
        };
        let p = path.with_file_name(format!("{stem}{suffix}{num}{ext}"));
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

/// What a confirmation will do when answered yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Restore {
        path: PathBuf,
        only: Vec<String>,
        /// The scan found it dangerous and the user typed "trust".
        trust: bool,
    },
    Extract {
        source: PathBuf,
        names: Vec<String>,
        to: PathBuf,
    },
    Redump {
        path: PathBuf,
    },
    Undo {
        path: PathBuf,
    },
    Salvage {
        source: PathBuf,
        to: PathBuf,
    },
}

/// A yes/no question with what will happen spelled out.
#[derive(Debug)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<Line>,
    pub pending: Pending,
    pub scroll: usize,
    /// When set, yes takes typing the word `TRUST_WORD`: what is typed so far.
    pub typed: Option<String>,
}

/// The word that lets a dangerous checkpoint be restored.
pub const TRUST_WORD: &str = "trust";

impl Confirm {
    pub fn new(title: impl Into<String>, lines: Vec<Line>, pending: Pending) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            pending,
            scroll: 0,
            typed: None,
        }
    }
}

/// A checkpoint's environment: saved, inferred, and the other side.
#[derive(Debug)]
pub struct EnvView {
    pub path: PathBuf,
    pub left: String,
    /// The other side's name: a checkpoint, a Python command, or empty.
    pub right: String,
    pub report: EnvReport,
    /// The Python being probed, while its answer is on its way.
    pub probing: Option<String>,
    /// Why the last probe gave no answer.
    pub probe_error: Option<String>,
    pub scroll: usize,
}

/// Names added, removed and changed between two checkpoints.
#[derive(Debug)]
pub struct DiffView {
    pub left: String,
    pub right: String,
    pub diff: Box<Diff>,
    pub scroll: usize,
    /// Show unchanged names too.
    pub all: bool,
}
