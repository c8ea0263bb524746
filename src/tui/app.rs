//! The app's state and `update`: actions change state and return the disk
//! work they need as commands. No IO, no clock: time arrives as `Tick`.

mod actions;
mod checks;
mod events;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use ratatui::layout::Rect;

use super::action::Action;
use super::config::{Config, Theme};
use super::dialog::Overlay;
use super::files::Files;
use super::jobs::Command;
use super::keymap::{Keymap, Mode};
use super::tree::{Sort, Tree};
use crate::session::Session;

/// Files up to this size load as soon as they are selected; bigger ones on Enter.
pub const AUTO_OPEN: u64 = 16 << 20;

/// The three panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Files,
    Tree,
    Details,
}

/// A session shown in the tree.
pub struct Opened {
    pub path: PathBuf,
    pub session: Arc<Session>,
    /// The safety scan, done in the same job that loaded it.
    pub scan: Arc<crate::scan::Report>,
}

/// A session being read in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loading {
    pub path: PathBuf,
    pub seq: u64,
    pub done: u64,
    pub total: u64,
}

/// How the status message is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Error,
}

/// The status line's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

/// Where the panes were last drawn, for the mouse and page sizes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub files: Rect,
    pub tree: Rect,
    pub details: Rect,
}

/// An env comparison whose probed Python has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvWait {
    pub path: PathBuf,
    /// The probe failed before the view opened: shown when it does.
    pub failed: Option<String>,
}

/// Everything the screen shows.
pub struct App {
    pub config: Config,
    pub keymap: Keymap,
    pub theme: Theme,
    pub dirs: Vec<PathBuf>,
    pub files: Files,
    pub opened: Option<Opened>,
    pub loading: Option<Loading>,
    pub tree: Tree,
    pub focus: Pane,
    pub overlay: Option<Overlay>,
    /// Typing a search in the tree.
    pub searching: bool,
    pub message: Option<Message>,
    pub details_scroll: usize,
    pub now: SystemTime,
    pub quit: bool,
    pub areas: Areas,
    /// An env view waiting for a probed Python.
    pub env_waiting: Option<EnvWait>,
    seq: u64,
}

impl App {
    /// A new app over `dirs`; the commands list them.
    pub fn new(config: Config, dirs: Vec<PathBuf>, now: SystemTime) -> (App, Vec<Command>) {
        let (keymap, key_errors) = Keymap::new(&config.keys);
        let (theme, theme_error) = match config.theme() {
            Ok(t) => (t, None),
            Err(e) => (
                Config::defaults().theme().expect("default theme is valid"),
                Some(e),
            ),
        };
        let mut tree = Tree::default();
        tree.sort = Sort::parse(&config.ui.sort);
        tree.hide_dunders = config.ui.hide_dunders;
        tree.hide_ipython = config.ui.hide_ipython;
        let message = key_errors
            .into_iter()
            .chain(theme_error)
            .next()
            .map(|text| Message {
                level: Level::Error,
                text: format!("config: {text}"),
            });
        let recursive = config.watch.recursive;
        let app = App {
            config,
            keymap,
            theme,
            dirs: dirs.clone(),
            files: Files::default(),
            opened: None,
            loading: None,
            tree,
            focus: Pane::Files,
            overlay: None,
            searching: false,
            message,
            details_scroll: 0,
            now,
            quit: false,
            areas: Areas::default(),
            env_waiting: None,
            seq: 0,
        };
        (app, vec![Command::List { dirs, recursive }])
    }

    /// What the keyboard is for right now.
    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Some(Overlay::Filter(f)) if !f.confirming => Mode::Text,
            Some(Overlay::Confirm(c)) if c.typed.is_some() => Mode::Text,
            Some(Overlay::Filter(_) | Overlay::Confirm(_)) => Mode::Confirm,
            Some(_) => Mode::View,
            None if self.searching => Mode::Text,
            None => Mode::Normal,
        }
    }

    pub fn session(&self) -> Option<&Session> {
        self.opened.as_ref().map(|o| o.session.as_ref())
    }

    pub(super) fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            level: Level::Info,
            text: text.into(),
        });
    }

    pub(super) fn ok(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            level: Level::Ok,
            text: text.into(),
        });
    }

    pub(super) fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            level: Level::Error,
            text: text.into(),
        });
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        if let Action::Tick(now) = action {
            self.now = now;
            return self.tick();
        }
        if self.overlay.is_some() {
            return self.update_overlay(action);
        }
        if self.searching {
            self.update_search(action);
            return Vec::new();
        }
        self.update_normal(action)
    }

    fn update_normal(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::NextPane => self.focus = self.cycle(1),
            Action::PrevPane => self.focus = self.cycle(-1),
            Action::Up => return self.move_by(-1),
            Action::Down => return self.move_by(1),
            Action::PageUp => return self.move_by(-self.page()),
            Action::PageDown => return self.move_by(self.page()),
            Action::Top => return self.move_by(isize::MIN / 2),
            Action::Bottom => return self.move_by(isize::MAX / 2),
            Action::Expand => return self.expand(),
            Action::Collapse => match self.focus {
                Pane::Tree => self.tree.collapse(),
                Pane::Details => self.focus = Pane::Tree,
                Pane::Files => {}
            },
            Action::Search => {
                if self.opened.is_some() {
                    self.searching = true;
                    self.focus = Pane::Tree;
                } else {
                    self.info("open a checkpoint first (enter)");
                }
            }
            Action::Mark => self.mark(),
            Action::Sort => {
                self.tree.sort = self.tree.sort.next();
                self.rebuild();
                let label = self.tree.sort.label();
                self.info(format!("sorted by {label}"));
            }
            Action::HideDunders => {
                self.tree.hide_dunders = !self.tree.hide_dunders;
                self.rebuild();
                let word = if self.tree.hide_dunders {
                    "hidden"
                } else {
                    "shown"
                };
                self.info(format!("__dunder__ names {word}"));
            }
            Action::HideIpython => {
                self.tree.hide_ipython = !self.tree.hide_ipython;
                self.rebuild();
                let word = if self.tree.hide_ipython {
                    "hidden"
                } else {
                    "shown"
                };
                self.info(format!("IPython names {word}"));
            }
            Action::Restore => return self.ask_restore(),
            Action::Filter => self.open_filter(),
            Action::Extract => self.ask_extract(),
            Action::Env => return self.compare_env(),
            Action::Diff => return self.diff(),
            Action::Redump => self.ask_redump(),
            Action::Undo => self.ask_undo(),
            Action::Refresh => {
                self.info("re-reading the directory");
                return vec![self.list_command()];
            }
            Action::Click { col, row } => return self.click(col, row),
            Action::Scroll { col, row, down } => {
                if let Some(p) = self.pane_at(col, row) {
                    self.focus = p;
                    return self.move_by(if down { 3 } else { -3 });
                }
            }
            Action::Input(_)
            | Action::Backspace
            | Action::Confirm
            | Action::Cancel
            | Action::Toggle
            | Action::Tick(_) => {}
        }
        Vec::new()
    }

    fn update_search(&mut self, action: Action) {
        match action {
            Action::Input(c) => self.tree.search.push(c),
            Action::Backspace => {
                self.tree.search.pop();
            }
            Action::Confirm => {
                self.searching = false;
                return;
            }
            Action::Cancel => {
                self.searching = false;
                self.tree.search.clear();
            }
            Action::Up => return self.tree.move_by(-1),
            Action::Down => return self.tree.move_by(1),
            Action::Quit => {
                self.quit = true;
                return;
            }
            _ => return,
        }
        self.rebuild();
    }

    pub(super) fn list_command(&self) -> Command {
        Command::List {
            dirs: self.dirs.clone(),
            recursive: self.config.watch.recursive,
        }
    }

    pub(super) fn rebuild(&mut self) {
        if let Some(o) = &self.opened {
            let s = Arc::clone(&o.session);
            self.tree.rebuild(&s);
        }
    }

    fn cycle(&self, step: i32) -> Pane {
        const ORDER: [Pane; 3] = [Pane::Files, Pane::Tree, Pane::Details];
        let i = ORDER.iter().position(|&p| p == self.focus).unwrap_or(0) as i32;
        ORDER[(i + step).rem_euclid(3) as usize]
    }

    fn page(&self) -> isize {
        let a = match self.focus {
            Pane::Files => self.areas.files,
            Pane::Tree => self.areas.tree,
            Pane::Details => self.areas.details,
        };
        (a.height.saturating_sub(3)).max(1) as isize
    }

    fn move_by(&mut self, delta: isize) -> Vec<Command> {
        match self.focus {
            Pane::Files => {
                let before = self.files.selected;
                let last = self.files.rows.len().saturating_sub(1);
                self.files.selected = before.saturating_add_signed(delta).min(last);
                if self.files.selected != before {
                    return self.preview_selected();
                }
            }
            Pane::Tree => {
                self.tree.move_by(delta);
                self.details_scroll = 0;
            }
            Pane::Details => {
                self.details_scroll = self.details_scroll.saturating_add_signed(delta);
            }
        }
        Vec::new()
    }

    /// Loads the selected file when it is small enough to preview at once.
    pub(super) fn preview_selected(&mut self) -> Vec<Command> {
        let Some(row) = self.files.selected() else {
            return Vec::new();
        };
        if row.listed.size > AUTO_OPEN {
            return Vec::new();
        }
        let path = row.listed.path.clone();
        self.load(path)
    }

    pub(super) fn load(&mut self, path: PathBuf) -> Vec<Command> {
        if self.opened.as_ref().is_some_and(|o| o.path == path) && self.loading.is_none() {
            return Vec::new();
        }
        if self.loading.as_ref().is_some_and(|l| l.path == path) {
            return Vec::new();
        }
        self.seq += 1;
        self.loading = Some(Loading {
            path: path.clone(),
            seq: self.seq,
            done: 0,
            total: 0,
        });
        vec![Command::Load {
            path,
            seq: self.seq,
        }]
    }

    /// Reads the file again even when it is the one shown (it changed on disk).
    pub(super) fn reload(&mut self, path: PathBuf) -> Vec<Command> {
        self.seq += 1;
        self.loading = Some(Loading {
            path: path.clone(),
            seq: self.seq,
            done: 0,
            total: 0,
        });
        vec![Command::Load {
            path,
            seq: self.seq,
        }]
    }

    fn expand(&mut self) -> Vec<Command> {
        match self.focus {
            Pane::Files => {
                let Some(row) = self.files.selected() else {
                    return Vec::new();
                };
                let path = row.listed.path.clone();
                self.focus = Pane::Tree;
                self.load(path)
            }
            Pane::Tree => {
                let Some(o) = &self.opened else {
                    return Vec::new();
                };
                let s = Arc::clone(&o.session);
                if !self.tree.expand(&s)
                    && let Some(r) = self.tree.selected()
                {
                    let what = if r.fact { "a fact" } else { "a plain value" };
                    let name = r.name.clone();
                    self.info(format!("{name} is {what}: nothing to expand"));
                }
                Vec::new()
            }
            Pane::Details => Vec::new(),
        }
    }

    fn mark(&mut self) {
        match self.focus {
            Pane::Files => {
                if let Some(r) = self.files.rows.get_mut(self.files.selected) {
                    r.marked = !r.marked;
                    let last = self.files.rows.len().saturating_sub(1);
                    self.files.selected = (self.files.selected + 1).min(last);
                }
            }
            _ => {
                if let Some(o) = &self.opened {
                    let s = Arc::clone(&o.session);
                    self.tree.toggle_mark(&s);
                    self.tree.move_by(1);
                }
            }
        }
    }

    pub(super) fn pane_at(&self, col: u16, row: u16) -> Option<Pane> {
        let pos = ratatui::layout::Position::new(col, row);
        [
            (self.areas.files, Pane::Files),
            (self.areas.tree, Pane::Tree),
            (self.areas.details, Pane::Details),
        ]
        .into_iter()
        .find(|(a, _)| a.contains(pos))
        .map(|(_, p)| p)
    }

    fn click(&mut self, col: u16, row: u16) -> Vec<Command> {
        let Some(pane) = self.pane_at(col, row) else {
            return Vec::new();
        };
        self.focus = pane;
        match pane {
            Pane::Files => {
                let i = self.files.offset + row.saturating_sub(self.areas.files.y + 1) as usize;
                if i < self.files.rows.len() && i != self.files.selected {
                    self.files.selected = i;
                    return self.preview_selected();
                }
            }
            Pane::Tree => {
                // Below the border and the header row.
                if row < self.areas.tree.y + 2 {
                    return Vec::new();
                }
                let i = self.tree.offset + row.saturating_sub(self.areas.tree.y + 2) as usize;
                if i < self.tree.rows.len() {
                    if i == self.tree.selected {
                        return self.expand_or_collapse();
                    }
                    self.tree.selected = i;
                    self.details_scroll = 0;
                }
            }
            Pane::Details => {}
        }
        Vec::new()
    }

    /// A click on the selected tree row toggles it.
    fn expand_or_collapse(&mut self) -> Vec<Command> {
        if self.tree.selected().is_some_and(|r| r.expanded) {
            self.tree.collapse();
            Vec::new()
        } else {
            self.expand()
        }
    }

    fn tick(&mut self) -> Vec<Command> {
        self.files
            .due_for_probe(self.now, std::time::Duration::from_millis(500))
            .into_iter()
            .map(Command::Probe)
            .collect()
    }

    /// The path the tree shows, or the selected file's.
    pub(super) fn current_path(&self) -> Option<PathBuf> {
        self.opened
            .as_ref()
            .map(|o| o.path.clone())
            .or_else(|| self.files.selected().map(|r| r.listed.path.clone()))
    }

    /// The file name relative to the watched dir it is in.
    pub fn display_name(&self, path: &Path) -> String {
        self.dirs
            .iter()
            .find_map(|d| path.strip_prefix(d).ok())
            .unwrap_or(path)
            .display()
            .to_string()
    }
}
