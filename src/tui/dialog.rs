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
    /// Keep the names that kept names need even when a pattern matches them (ctrl-d).
    pub with_deps: bool,
    /// Kept names that need names this filter drops: (kept name, the dropped names).
    pub missing: Vec<(String, Vec<String>)>,
    /// Matched names kept because kept names need them (with `with_deps`).
    pub kept_for_deps: Vec<String>,
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
            with_deps: false,
            missing: Vec::new(),
            kept_for_deps: Vec::new(),
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
        let matched: Vec<&str> = s
            .entries
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| patterns.iter().any(|p| p.matches(n)))
            .collect();
        let drop: Vec<String> = if self.with_deps {
            s.drop_keeping_deps(&matched)
        } else {
            matched.iter().map(|n| n.to_string()).collect()
        };
        self.kept_for_deps = matched
            .iter()
            .filter(|n| !drop.iter().any(|d| d == *n))
            .map(|n| n.to_string())
            .collect();
        self.going = s
            .entries
            .iter()
            .filter(|e| drop.contains(&e.name))
            .map(|e| (e.name.clone(), e.bytes))
            .collect();
        self.staying = s.entries.len() - self.going.len();
        let names: Vec<&str> = self.going.iter().map(|(n, _)| n.as_str()).collect();
        let plan = s.plan_without(&names);
        self.saved = plan.bytes_saved;
        self.still_needed = plan.still_needed;
        self.missing = plan.missing;
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
        /// What is written: the marked names, plus what they need with `with_deps`.
        names: Vec<String>,
        to: PathBuf,
        /// The names the user marked.
        marked: Vec<String>,
        /// Also keep what the marked names need (d toggles).
        with_deps: bool,
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

/// The extract dialog's lines and the names it writes, for `marked` (and with
/// `with_deps` what they need): the warning names what the extract would break.
pub fn extract_lines(
    s: &Session,
    marked: &[String],
    with_deps: bool,
    from: &str,
    to: &str,
) -> (Vec<String>, Vec<Line>) {
    let asked: Vec<&str> = marked.iter().map(String::as_str).collect();
    let extra = if with_deps {
        s.needed_by(&asked)
    } else {
        Vec::new()
    };
    let mut names: Vec<String> = marked.to_vec();
    names.extend(extra.iter().cloned());
    let bytes: u64 = s
        .entries
        .iter()
        .filter(|e| names.contains(&e.name))
        .map(|e| e.bytes)
        .sum();
    let mut lines = vec![
        Line::new(Tone::Plain, format!("from  {from}")),
        Line::new(Tone::Plain, format!("to    {to}")),
        Line::new(
            Tone::Plain,
            format!(
                "keep  {} (≥ {})",
                crate::text::words::count(names.len(), "name", "names"),
                crate::text::human_size(bytes)
            ),
        ),
        Line::new(Tone::Dim, marked.join(", ")),
    ];
    let toggle = if with_deps { "on" } else { "off" };
    lines.push(Line::new(
        Tone::Dim,
        format!("with dependencies: {toggle} (d toggles)"),
    ));
    if !extra.is_empty() {
        lines.push(Line::new(
            Tone::Plain,
            format!("also kept, needed by them: {}", extra.join(", ")),
        ));
    }
    let keep: Vec<&str> = names.iter().map(String::as_str).collect();
    let plan = s.plan_only(&keep);
    for w in plan.warnings() {
        lines.push(Line::new(
            Tone::Warn,
            format!("warning: {w} (d keeps them)"),
        ));
    }
    (names, lines)
}
