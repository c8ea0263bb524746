//! `/` as less and vim have it: type to search, Enter keeps it, `n`/`N` jump
//! between matches, Esc clears. In the namespace pane the search also filters
//! the top-level names (the pane title shows it while it is kept); in the
//! checkpoints pane it moves the selection to the next file that matches.

use super::{App, Pane};
use crate::tui::action::Action;
use crate::tui::jobs::Command;

impl App {
    pub(super) fn start_search(&mut self) {
        if self.focus == Pane::Files {
            self.search_pane = Pane::Files;
            self.files_search.clear();
            self.searching = true;
            return;
        }
        if self.opened.is_none() {
            self.info("open a checkpoint first (enter)");
            return;
        }
        self.search_pane = Pane::Tree;
        self.focus = Pane::Tree;
        self.searching = true;
        self.message = None;
    }

    /// The text being searched for in `search_pane`.
    pub fn search_text(&self) -> &str {
        match self.search_pane {
            Pane::Files => &self.files_search,
            _ => &self.tree.search,
        }
    }

    pub(super) fn update_search(&mut self, action: Action) -> Vec<Command> {
        let files = self.search_pane == Pane::Files;
        match action {
            Action::Input(c) if files => {
                self.files_search.push(c);
                return self.jump_file(0);
            }
            Action::Backspace if files => {
                self.files_search.pop();
                return Vec::new();
            }
            Action::Input(c) => self.tree.search.push(c),
            Action::Backspace => {
                self.tree.search.pop();
            }
            Action::Confirm => {
                self.searching = false;
                if files && !self.files_search.is_empty() {
                    self.info(format!("/{}: n next, N previous", self.files_search));
                }
                return Vec::new();
            }
            Action::Cancel => {
                self.searching = false;
                if files {
                    self.files_search.clear();
                    return Vec::new();
                }
                self.tree.search.clear();
            }
            Action::Up | Action::Down if files => {
                let d = if action == Action::Up { -1 } else { 1 };
                return self.jump_file(d);
            }
            Action::Up => {
                self.tree.move_by(-1);
                return Vec::new();
            }
            Action::Down => {
                self.tree.move_by(1);
                return Vec::new();
            }
            Action::Quit => {
                self.quit = true;
                return Vec::new();
            }
            _ => return Vec::new(),
        }
        self.rebuild();
        Vec::new()
    }

    /// `n` (+1) and `N` (-1).
    pub(super) fn search_step(&mut self, dir: isize) -> Vec<Command> {
        if self.focus == Pane::Files {
            if self.files_search.is_empty() {
                self.info("no search yet: / starts one");
                return Vec::new();
            }
            return self.jump_file(dir);
        }
        if self.tree.search.is_empty() {
            self.info("no search yet: / starts one");
            return Vec::new();
        }
        let needle = self.tree.search.to_lowercase();
        match next_match(self.tree.rows.len(), self.tree.selected, dir, |i| {
            self.tree.rows[i].name.to_lowercase().contains(&needle)
        }) {
            Some(i) => {
                self.tree.selected = i;
                self.details_scroll = 0;
            }
            None => self.info(format!("/{}: no match", self.tree.search)),
        }
        Vec::new()
    }

    /// Esc outside any dialog: drop a kept search.
    pub(super) fn clear_search(&mut self) {
        if self.focus == Pane::Files && !self.files_search.is_empty() {
            self.files_search.clear();
            self.info("search cleared");
        } else if !self.tree.search.is_empty() {
            self.tree.search.clear();
            self.rebuild();
            self.info("search cleared: every name shown");
        } else {
            self.message = None;
        }
    }

    /// Selects the next file (dir 1), previous (-1) or first from here (0) matching the file search.
    fn jump_file(&mut self, dir: isize) -> Vec<Command> {
        let needle = self.files_search.to_lowercase();
        let names: Vec<String> = self
            .files
            .rows
            .iter()
            .map(|r| self.display_name(&r.listed.path).to_lowercase())
            .collect();
        match next_match(names.len(), self.files.selected, dir, |i| {
            names[i].contains(&needle)
        }) {
            Some(i) if i != self.files.selected => {
                self.files.selected = i;
                self.preview_selected()
            }
            Some(_) => Vec::new(),
            None => {
                self.info(format!("/{}: no checkpoint matches", self.files_search));
                Vec::new()
            }
        }
    }
}

/// The first index matching, going `dir` from `from` and wrapping; `dir` 0 includes `from`.
fn next_match(n: usize, from: usize, dir: isize, hit: impl Fn(usize) -> bool) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let step = if dir < 0 { n - 1 } else { 1 };
    let start = if dir == 0 { from } else { (from + step) % n };
    (0..n).map(|k| (start + k * step) % n).find(|&i| hit(i))
}

#[cfg(test)]
mod tests {
    use super::next_match;

    #[test]
    fn wraps_both_ways() {
        let hits = [false, true, false, true];
        let hit = |i: usize| hits[i];
        assert_eq!(next_match(4, 1, 1, hit), Some(3));
        assert_eq!(next_match(4, 3, 1, hit), Some(1));
        assert_eq!(next_match(4, 1, -1, hit), Some(3));
        assert_eq!(next_match(4, 1, 0, hit), Some(1));
        assert_eq!(next_match(0, 0, 1, hit), None);
    }
}
