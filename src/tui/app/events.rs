//! Results of disk work coming back into the app.

use super::App;
use crate::tui::dialog::{DiffView, Overlay};
use crate::tui::files::FileState;
use crate::tui::jobs::{Command, Event, Probed};

impl App {
    /// Applies one result; may ask for more work.
    pub fn on_event(&mut self, event: Event) -> Vec<Command> {
        self.fresh_status(|app| app.apply(event))
    }

    fn apply(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Listed(Ok(listed)) => {
                self.files.error = None;
                self.files.set(listed);
                if let Some(p) = self.select.take() {
                    match self.files.index_of(&p) {
                        Some(i) => self.files.selected = i,
                        None => self.info(format!(
                            "{} is not listed as a checkpoint here",
                            self.display_name(&p)
                        )),
                    }
                }
                let mut cmds: Vec<Command> = self
                    .files
                    .rows
                    .iter()
                    .filter(|r| r.state == FileState::Unknown)
                    .map(|r| Command::Probe(r.listed.path.clone()))
                    .collect();
                if self.opened.is_none() && self.loading.is_none() {
                    cmds.extend(self.preview_selected());
                }
                cmds
            }
            Event::Listed(Err(e)) => {
                self.files.listed = true;
                self.files.error = Some(e.clone());
                self.error(format!("cannot read the directory: {e}"));
                Vec::new()
            }
            Event::Changed(paths) => vec![Command::Stat(paths)],
            Event::Stated(list) => {
                let mut cmds = Vec::new();
                for (path, listed) in list {
                    if listed.is_none() && self.opened.as_ref().is_some_and(|o| o.path == path) {
                        self.info(format!("{} was deleted", self.display_name(&path)));
                    }
                    if self.files.upsert(&path, listed) {
                        cmds.push(Command::Probe(path));
                    }
                }
                cmds
            }
            Event::Probed {
                path,
                size,
                modified,
                result,
            } => {
                let complete = matches!(result, Probed::Complete { .. });
                self.files.probed(&path, size, modified, result, self.now);
                // The file shown changed and now parses: show the new content.
                let shown = self
                    .opened
                    .as_ref()
                    .is_some_and(|o| o.path == path && o.session.program.source.len() != size);
                if complete && shown {
                    return self.reload(path);
                }
                Vec::new()
            }
            Event::Progress { seq, done, total } => {
                if let Some(l) = &mut self.loading
                    && l.seq == seq
                {
                    l.done = done;
                    l.total = total;
                }
                Vec::new()
            }
            Event::Loaded { seq, path, result } => {
                if self.loading.as_ref().is_none_or(|l| l.seq != seq) {
                    return Vec::new();
                }
                self.loading = None;
                match result {
                    Ok((session, scan)) => {
                        let same = self.opened.as_ref().is_some_and(|o| o.path == path);
                        if same {
                            // Only a change on disk reloads the file shown.
                            self.info(format!(
                                "{} changed on disk: reloaded ({})",
                                self.display_name(&path),
                                crate::text::words::count(session.entries.len(), "name", "names")
                            ));
                        } else {
                            if let Some(old) = &self.opened {
                                let p = old.path.clone();
                                self.trees.insert(p, self.tree.stash());
                            }
                            self.tree.reset();
                            if let Some(saved) = self.trees.remove(&path) {
                                self.tree.unstash(saved);
                            }
                            self.details_scroll = 0;
                            // What was said about the last checkpoint is not about this one.
                            if self
                                .message
                                .as_ref()
                                .is_some_and(|m| m.level != super::Level::Error)
                            {
                                self.message = None;
                            }
                        }
                        if let Some(i) = self.files.index_of(&path) {
                            self.files.rows[i].names = Some(session.entries.len());
                            self.files.rows[i].scan = Some(scan.verdict);
                        }
                        self.opened = Some(super::Opened {
                            path,
                            session,
                            scan,
                        });
                        self.rebuild();
                    }
                    Err(e) => self.error(format!("{}: {e}", self.display_name(&path))),
                }
                Vec::new()
            }
            Event::Written { what, to, result } => {
                match result {
                    Ok(m) => self.ok(m),
                    Err(e) => self.error(format!("{what} failed: {e}")),
                }
                vec![Command::Stat(vec![to])]
            }
            Event::Undone { path, result } => {
                match result {
                    Ok(m) => self.ok(m),
                    Err(e) => self.error(format!("undo failed: {e}")),
                }
                vec![Command::Stat(vec![path])]
            }
            Event::BackupFound { path, result } => {
                match result {
                    Ok(newest) => self.backup_found(path, newest),
                    Err(e) => self.error(format!("undo: {e}")),
                }
                Vec::new()
            }
            Event::Diffed { a, b, result } => {
                match result {
                    Ok(diff) => {
                        self.message = None;
                        self.overlay = Some(Overlay::Diff(DiffView {
                            left: self.display_name(&a),
                            right: self.display_name(&b),
                            diff,
                            scroll: 0,
                            all: false,
                        }));
                    }
                    Err(e) => self.error(format!("diff failed: {e}")),
                }
                Vec::new()
            }
            Event::EnvCompared { a, against, result } => {
                self.env_compared(a, against, result);
                Vec::new()
            }
            Event::RestoreChecked { path, only, result } => {
                match result {
                    Ok(check) => self.restore_checked(path, only, &check),
                    Err(e) => self.error(format!("restore: {e}")),
                }
                Vec::new()
            }
            Event::Restored(result) => {
                match result {
                    Ok(m) => self.ok(m),
                    Err(e) => self.error(format!("restore: {e}")),
                }
                Vec::new()
            }
        }
    }
}
