//! The actions on checkpoints: each opens a dialog that says what will happen,
//! and only a yes turns into a command.

use std::sync::Arc;

use super::{App, EnvWait};
use crate::text::words::plural;
use crate::tui::action::Action;
use crate::tui::dialog::{
    Confirm, FilterDialog, Line, Overlay, Pending, TRUST_WORD, Target, Tone, extract_lines, sibling,
};
use crate::tui::files::FileState;
use crate::tui::jobs::{Against, Command, Write};

impl App {
    /// Restore starts with a job: the scan and env check of what would load,
    /// shown in the dialog that asks (`restore_checked`).
    pub(super) fn ask_restore(&mut self) -> Vec<Command> {
        let Some(o) = &self.opened else {
            self.info("open a checkpoint first (enter)");
            return Vec::new();
        };
        let path = o.path.clone();
        let only: Vec<String> = self.tree.marks.iter().cloned().collect();
        let python = self.config.python();
        self.info(format!(
            "restore: scanning and checking against {}…",
            python.join(" ")
        ));
        vec![Command::CheckRestore { path, only, python }]
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
        let marked: Vec<String> = self.tree.marks.iter().cloned().collect();
        let to = sibling(&o.path, "_extract");
        let (from, to_name) = (self.display_name(&o.path), self.display_name(&to));
        let (names, lines) = extract_lines(&o.session, &marked, false, &from, &to_name);
        self.overlay = Some(Overlay::Confirm(Confirm::new(
            "Extract marked names?",
            lines,
            Pending::Extract {
                source: o.path.clone(),
                names,
                to,
                marked,
                with_deps: false,
            },
        )));
    }

    pub(super) fn ask_redump(&mut self) {
        let Some(path) = self.current_path() else {
            return;
        };
        // A cut file cannot be re-dumped whole: what `w` would do is a salvage.
        if self.is_cut(&path) {
            return self.ask_salvage();
        }
        let backup = "a backup is kept in brine's data dir (u undoes)";
        self.message = None;
        self.overlay = Some(Overlay::Confirm(Confirm::new(
            "Re-dump this checkpoint?",
            vec![
                Line::new(Tone::Plain, format!("rewrite {}", self.display_name(&path))),
                Line::new(Tone::Plain, "every name kept, written fresh and verified"),
                Line::new(Tone::Dim, backup),
            ],
            Pending::Redump { path },
        )));
    }

    /// True when the file ends before STOP, as far as the app knows.
    fn is_cut(&self, path: &std::path::Path) -> bool {
        if let Some(o) = self.opened.as_ref().filter(|o| o.path == path) {
            return !o.session.complete();
        }
        self.files
            .index_of(path)
            .is_some_and(|i| matches!(self.files.rows[i].state, FileState::Incomplete(_)))
    }

    /// Salvage: the complete names of a cut file, written to a new file.
    pub(super) fn ask_salvage(&mut self) {
        let Some(path) = self.current_path() else {
            return;
        };
        let Some(o) = self.opened.as_ref().filter(|o| o.path == path) else {
            self.info("open it first (enter) to see what salvage keeps");
            return;
        };
        let s = &o.session;
        if s.complete() {
            let name = self.display_name(&path);
            self.info(format!(
                "{name} is complete: nothing to salvage (w re-dumps it)"
            ));
            return;
        }
        let at = s.program.error.as_ref().map(|e| e.offset).unwrap_or(0);
        let lost = match &s.cut_at_key {
            Some(k) => {
                format!("lose  the cut inside '{k}' and everything after it (from byte {at})")
            }
            None => format!("lose  the unfinished end, from byte {at}"),
        };
        let to = sibling(&path, "_salvaged");
        let n = s.entries.len();
        let lines = vec![
            Line::new(
                Tone::Warn,
                format!(
                    "{} is cut short: only its complete names can be kept",
                    self.display_name(&path)
                ),
            ),
            Line::new(
                Tone::Plain,
                format!("keep  {n} complete {}", plural(n, "name", "names")),
            ),
            Line::new(Tone::Warn, lost),
            Line::new(
                Tone::Plain,
                format!("to    {} (a new file)", self.display_name(&to)),
            ),
            Line::new(Tone::Dim, "the cut file stays as it is"),
        ];
        self.message = None;
        self.overlay = Some(Overlay::Confirm(Confirm::new(
            "Salvage this cut checkpoint?",
            lines,
            Pending::Salvage { source: path, to },
        )));
    }

    /// Undo starts by finding the backup, so the dialog can say which write it undoes.
    pub(super) fn ask_undo(&mut self) -> Vec<Command> {
        let Some(path) = self.current_path() else {
            return Vec::new();
        };
        vec![Command::FindBackup(path)]
    }

    pub(super) fn backup_found(
        &mut self,
        path: std::path::PathBuf,
        newest: Option<crate::store::write::Backup>,
    ) {
        let name = self.display_name(&path);
        let Some(b) = newest else {
            self.info(format!(
                "no backup of {name}: brine has not replaced it, so there is nothing to undo"
            ));
            return;
        };
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(b.time);
        let ago = self
            .now
            .duration_since(when)
            .map(|d| format!("{} ago", crate::text::cut::ago(d)))
            .unwrap_or_else(|_| "just now".into());
        let what = b
            .reason
            .strip_prefix("tui ")
            .unwrap_or(&b.reason)
            .to_string();
        self.message = None;
        self.overlay = Some(Overlay::Confirm(Confirm::new(
            "Undo the last write?",
            vec![
                Line::new(Tone::Plain, format!("undo the {what} of {name}, {ago}")),
                Line::new(
                    Tone::Plain,
                    format!(
                        "put back the copy from before it ({})",
                        crate::tui::human_size(b.bytes)
                    ),
                ),
                Line::new(
                    Tone::Warn,
                    "the current content is replaced (and backed up too)",
                ),
            ],
            Pending::Undo { path },
        )));
    }

    /// With a marked checkpoint: its env against this one's. Without: this
    /// one by itself at once, and the configured Python probed in the background.
    pub(super) fn compare_env(&mut self) -> Vec<Command> {
        let Some(a) = self.current_path() else {
            return Vec::new();
        };
        if let Some(b) = self.files.marked_other(Some(&a)) {
            let b = b.listed.path.clone();
            self.info("comparing environments…");
            return vec![Command::Env {
                a,
                against: Against::Checkpoint(b),
            }];
        }
        self.info("reading the environment…");
        self.env_waiting = Some(EnvWait {
            path: a.clone(),
            failed: None,
        });
        vec![
            Command::Env {
                a: a.clone(),
                against: Against::Nothing,
            },
            Command::Env {
                a,
                against: Against::Python(self.config.python()),
            },
        ]
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
            self.env_waiting = None;
            return Vec::new();
        }
        let session = self.opened.as_ref().map(|o| Arc::clone(&o.session));
        let python = self.config.python();
        let dirs = self.dirs.clone();
        let shown = |path: &std::path::Path| {
            dirs.iter()
                .find_map(|d| path.strip_prefix(d).ok())
                .unwrap_or(path)
                .display()
                .to_string()
        };
        let Some(overlay) = &mut self.overlay else {
            return Vec::new();
        };
        match overlay {
            Overlay::Help { scroll } => scroll_by(scroll, action),
            Overlay::Env(v) => {
                if action != Action::Toggle {
                    scroll_by(&mut v.scroll, action);
                    return Vec::new();
                }
                // Tab: (re-)probe the configured Python and compare with it.
                v.probing = Some(python.join(" "));
                v.probe_error = None;
                let a = v.path.clone();
                self.env_waiting = Some(EnvWait {
                    path: a.clone(),
                    failed: None,
                });
                return vec![Command::Env {
                    a,
                    against: Against::Python(python),
                }];
            }
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
                Action::ToggleDeps => {
                    f.with_deps = !f.with_deps;
                    if let Some(s) = &session {
                        f.preview(s);
                    }
                }
                Action::Confirm if !f.confirming => {
                    if f.error.is_some() {
                    } else if f.pattern.trim().is_empty() {
                        f.error = Some("type a pattern first: nothing to filter out yet".into());
                    } else if f.going.is_empty() {
                        f.error = Some(format!(
                            "no name matches {}: nothing to write",
                            f.pattern.trim()
                        ));
                    } else {
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
                        salvage: false,
                        keep: self.config.backup.keep,
                    };
                    self.overlay = None;
                    self.info("filter: writing…");
                    return vec![Command::Write(w)];
                }
                other => scroll_by(&mut f.scroll, other),
            },
            Overlay::Confirm(c) => match (action, &mut c.typed) {
                (Action::Input(ch), Some(t)) => t.push(ch),
                (Action::Backspace, Some(t)) => {
                    t.pop();
                }
                (Action::Confirm, Some(t)) if t.trim() != TRUST_WORD => {
                    self.error(format!(
                        "type {TRUST_WORD} to restore anyway, or esc to leave it"
                    ));
                }
                (Action::ToggleDeps, None) => {
                    if let (
                        Pending::Extract {
                            source,
                            names,
                            to,
                            marked,
                            with_deps,
                        },
                        Some(s),
                    ) = (&mut c.pending, &session)
                    {
                        *with_deps = !*with_deps;
                        let (from, to_name) = (shown(source), shown(to));
                        let (n, lines) = extract_lines(s, marked, *with_deps, &from, &to_name);
                        *names = n;
                        c.lines = lines;
                    }
                }
                (Action::Confirm, typed) => {
                    let trusted = typed.is_some();
                    let mut pending = c.pending.clone();
                    if let Pending::Restore { trust, .. } = &mut pending {
                        *trust = trusted;
                    }
                    self.overlay = None;
                    return self.confirmed(pending);
                }
                (other, _) => scroll_by(&mut c.scroll, other),
            },
        }
        Vec::new()
    }

    fn confirmed(&mut self, pending: Pending) -> Vec<Command> {
        match pending {
            Pending::Restore { path, only, trust } => {
                self.info("restoring…");
                vec![Command::Restore {
                    path,
                    only,
                    python: self.config.python(),
                    trust,
                }]
            }
            Pending::Extract {
                source, names, to, ..
            } => {
                self.info("extract: writing…");
                vec![Command::Write(Write {
                    source,
                    names,
                    keep_only: true,
                    to,
                    what: "extract",
                    salvage: false,
                    keep: self.config.backup.keep,
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
                    salvage: false,
                    keep: self.config.backup.keep,
                })]
            }
            Pending::Undo { path } => {
                self.info("undo: putting the backup back…");
                vec![Command::Undo(path)]
            }
            Pending::Salvage { source, to } => {
                self.info("salvage: writing…");
                vec![Command::Write(Write {
                    source,
                    names: Vec::new(),
                    keep_only: false,
                    to,
                    what: "salvage",
                    salvage: true,
                    keep: self.config.backup.keep,
                })]
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
