//! The actions on checkpoints: each opens a dialog that says what will happen,
//! and only a yes turns into a command.

use std::sync::Arc;

use super::{App, Pane};
use crate::tui::action::Action;
use crate::tui::dialog::{Confirm, FilterDialog, Line, Overlay, Pending, Target, Tone, sibling};
use crate::tui::jobs::{Command, Write};

impl App {
    pub(super) fn ask_restore(&mut self) {
        let Some(o) = &self.opened else {
            self.info("open a checkpoint first (enter)");
            return;
        };
        let s = &o.session;
        let path = o.path.clone();
        let only: Vec<String> = self.tree.marks.iter().cloned().collect();
        let mut lines = vec![
            Line::new(
                Tone::Plain,
                format!("file     {}", self.display_name(&path)),
            ),
            Line::new(
                Tone::Plain,
                if only.is_empty() {
                    format!("names    all {}", s.entries.len())
                } else {
                    format!("names    only {} marked: {}", only.len(), only.join(", "))
                },
            ),
            Line::new(
                Tone::Plain,
                format!("python   {}", self.config.python().join(" ")),
            ),
            Line::new(
                Tone::Plain,
                format!(
                    "written  by python {} with dill {}",
                    s.inferred.python().unwrap_or_else(|| "?".into()),
                    s.inferred.dill().unwrap_or_else(|| "?".into())
                ),
            ),
        ];
        if !s.inferred.imports.is_empty() {
            lines.push(Line::new(
                Tone::Plain,
                format!("imports  {}", s.inferred.imports.join(", ")),
            ));
        }
        lines.push(Line::new(
            Tone::Warn,
            "scan     not available yet: loading runs whatever the file names",
        ));
        if !s.complete() {
            lines.push(Line::new(
                Tone::Error,
                "the file is incomplete: loading it will fail",
            ));
        }
        lines.push(Line::new(
            Tone::Dim,
            "env: press e on a marked pair to compare",
        ));
        self.overlay = Some(Overlay::Confirm(Confirm {
            title: "Restore into Python?".into(),
            lines,
            pending: Pending::Restore { path, only },
            scroll: 0,
        }));
    }

    pub(super) fn open_filter(&mut self) {
        let Some(o) = &self.opened else {
            self.info("open a checkpoint first (enter)");
            return;
        };
        let mut d = FilterDialog::new(o.path.clone());
        d.preview(&o.session);
        self.overlay = Some(Overlay::Filter(d));
    }

    pub(super) fn ask_extract(&mut self) {
        let Some(o) = &self.opened else {
            self.info("open a checkpoint first (enter)");
            return;
        };
        if self.tree.marks.is_empty() {
            self.info("mark names with space first, then x extracts them");
            return;
        }
        let names: Vec<String> = self.tree.marks.iter().cloned().collect();
        let to = sibling(&o.path, "_extract");
        let bytes: u64 = o
            .session
            .entries
            .iter()
            .filter(|e| names.contains(&e.name))
            .map(|e| e.bytes)
            .sum();
        let lines = vec![
            Line::new(Tone::Plain, format!("from  {}", self.display_name(&o.path))),
            Line::new(Tone::Plain, format!("to    {}", self.display_name(&to))),
            Line::new(
                Tone::Plain,
                format!(
                    "keep  {} names (≥ {})",
                    names.len(),
                    crate::tui::human_size(bytes)
                ),
            ),
            Line::new(Tone::Dim, names.join(", ")),
        ];
        self.overlay = Some(Overlay::Confirm(Confirm {
            title: "Extract marked names?".into(),
            lines,
            pending: Pending::Extract {
                source: o.path.clone(),
                names,
                to,
            },
            scroll: 0,
        }));
    }

    pub(super) fn ask_redump(&mut self) {
        let Some(path) = self.current_path() else {
            return;
        };
        let backup = "a backup is kept in brine's data dir (u undoes)";
        self.overlay = Some(Overlay::Confirm(Confirm {
            title: "Re-dump this checkpoint?".into(),
            lines: vec![
                Line::new(Tone::Plain, format!("rewrite {}", self.display_name(&path))),
                Line::new(Tone::Plain, "every name kept, written fresh and verified"),
                Line::new(Tone::Dim, backup),
            ],
            pending: Pending::Redump { path },
            scroll: 0,
        }));
    }

    pub(super) fn ask_undo(&mut self) {
        let Some(path) = self.current_path() else {
            return;
        };
        self.overlay = Some(Overlay::Confirm(Confirm {
            title: "Undo the last write?".into(),
            lines: vec![
                Line::new(
                    Tone::Plain,
                    format!("put back the newest backup of {}", self.display_name(&path)),
                ),
                Line::new(Tone::Warn, "the current content is replaced"),
            ],
            pending: Pending::Undo { path },
            scroll: 0,
        }));
    }

    pub(super) fn compare_env(&mut self) -> Vec<Command> {
        let Some(a) = self.current_path() else {
            return Vec::new();
        };
        let b = self
            .files
            .marked_other(Some(&a))
            .map(|r| r.listed.path.clone());
        self.info("comparing environments…");
        vec![Command::Env { a, b }]
    }

    pub(super) fn diff(&mut self) -> Vec<Command> {
        let Some(a) = self.current_path() else {
            return Vec::new();
        };
        let Some(b) = self
            .files
            .marked_other(Some(&a))
            .map(|r| r.listed.path.clone())
        else {
            self.info("mark the other checkpoint with space in the checkpoints pane, then d");
            return Vec::new();
        };
        self.info("diffing…");
        vec![Command::Diff { a, b }]
    }

    pub(super) fn update_overlay(&mut self, action: Action) -> Vec<Command> {
        if action == Action::Quit {
            self.quit = true;
            return Vec::new();
        }
        if action == Action::Cancel {
            if let Some(Overlay::Filter(f)) = &mut self.overlay
                && f.confirming
            {
                f.confirming = false;
                return Vec::new();
            }
            self.overlay = None;
            return Vec::new();
        }
        let session = self.opened.as_ref().map(|o| Arc::clone(&o.session));
        let Some(overlay) = &mut self.overlay else {
            return Vec::new();
        };
        match overlay {
            Overlay::Help { scroll } => scroll_by(scroll, action),
            Overlay::Env(v) => scroll_by(&mut v.scroll, action),
            Overlay::Diff(v) => {
                if action == Action::Toggle {
                    v.all = !v.all;
                }
                scroll_by(&mut v.scroll, action)
            }
            Overlay::Filter(f) => match action {
                Action::Input(c) => {
                    f.pattern.push(c);
                    if let Some(s) = &session {
                        f.preview(s);
                    }
                }
                Action::Backspace => {
                    f.pattern.pop();
                    if let Some(s) = &session {
                        f.preview(s);
                    }
                }
                Action::Toggle => {
                    f.target = match f.target {
                        Target::InPlace => Target::SaveAs,
                        Target::SaveAs => Target::InPlace,
                    }
                }
                Action::Confirm if !f.confirming => {
                    if f.error.is_none() && !f.going.is_empty() {
                        f.confirming = true;
                    }
                }
                Action::Confirm => {
                    let w = Write {
                        source: f.source.clone(),
                        names: f.going.iter().map(|(n, _)| n.clone()).collect(),
                        keep_only: false,
                        to: f.destination(),
                        what: "filter",
                    };
                    self.overlay = None;
                    self.info("filter: writing…");
                    return vec![Command::Write(w)];
                }
                other => scroll_by(&mut f.scroll, other),
            },
            Overlay::Confirm(c) => match action {
                Action::Confirm => {
                    let pending = c.pending.clone();
                    self.overlay = None;
                    return self.confirmed(pending);
                }
                other => scroll_by(&mut c.scroll, other),
            },
        }
        Vec::new()
    }

    fn confirmed(&mut self, pending: Pending) -> Vec<Command> {
        match pending {
            Pending::Restore { path, only } => {
                self.info("restoring…");
                vec![Command::Restore {
                    path,
                    only,
                    python: self.config.python(),
                }]
            }
            Pending::Extract { source, names, to } => {
                self.info("extract: writing…");
                vec![Command::Write(Write {
                    source,
                    names,
                    keep_only: true,
                    to,
                    what: "extract",
                })]
            }
            Pending::Redump { path } => {
                self.info("re-dump: writing…");
                vec![Command::Write(Write {
                    source: path.clone(),
                    names: Vec::new(),
                    keep_only: false,
                    to: path,
                    what: "re-dump",
                })]
            }
            Pending::Undo { path } => {
                self.focus = Pane::Files;
                vec![Command::Undo(path)]
            }
        }
    }
}

fn scroll_by(scroll: &mut usize, action: Action) {
    match action {
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll += 1,
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::PageDown => *scroll += 10,
        Action::Top => *scroll = 0,
        _ => {}
    }
}
