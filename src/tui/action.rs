//! What the user asked for, independent of which key or click asked it.

use std::time::SystemTime;

/// One request to the app; `App::update` is the only thing that acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Expand,
    Collapse,
    Search,
    Mark,
    Sort,
    HideDunders,
    HideIpython,
    Restore,
    Filter,
    Extract,
    Env,
    Diff,
    Redump,
    Salvage,
    Undo,
    Refresh,
    /// Jump to the next / previous row matching the search.
    SearchNext,
    SearchPrev,
    /// A key bound to nothing, so the status line can say so.
    Unbound(char),
    /// A character typed into a text field.
    Input(char),
    Backspace,
    /// Enter in a dialog or search field.
    Confirm,
    /// Esc: close the dialog, overlay or search.
    Cancel,
    /// Tab in a dialog: switch its option.
    Toggle,
    /// In the filter and extract dialogs: also keep what the kept names need (ctrl-d / d).
    ToggleDeps,
    Click {
        col: u16,
        row: u16,
    },
    Scroll {
        col: u16,
        row: u16,
        down: bool,
    },
    /// Time passes (for ages, and re-checking files being written).
    Tick(SystemTime),
}

/// The actions a key binding can name, with their config key and help text.
pub const BINDABLE: &[(&str, Action, &str)] = &[
    ("quit", Action::Quit, "quit"),
    ("help", Action::Help, "this help"),
    ("next_pane", Action::NextPane, "next pane"),
    ("prev_pane", Action::PrevPane, "previous pane"),
    ("up", Action::Up, "move up"),
    ("down", Action::Down, "move down"),
    ("page_up", Action::PageUp, "page up"),
    ("page_down", Action::PageDown, "page down"),
    ("top", Action::Top, "first row"),
    ("bottom", Action::Bottom, "last row"),
    ("expand", Action::Expand, "open checkpoint / expand name"),
    ("collapse", Action::Collapse, "collapse / go to parent"),
    (
        "search",
        Action::Search,
        "search names, or files in the checkpoints pane",
    ),
    (
        "search_next",
        Action::SearchNext,
        "next match of the search",
    ),
    (
        "search_prev",
        Action::SearchPrev,
        "previous match of the search",
    ),
    (
        "mark",
        Action::Mark,
        "mark name (or checkpoint, for diff/env)",
    ),
    ("sort", Action::Sort, "sort: file, name, type, size"),
    (
        "hide_dunders",
        Action::HideDunders,
        "hide/show __dunder__ names",
    ),
    (
        "hide_ipython",
        Action::HideIpython,
        "hide/show IPython noise",
    ),
    (
        "restore",
        Action::Restore,
        "restore: marked names, or all if none marked",
    ),
    (
        "filter",
        Action::Filter,
        "filter out names by patterns (space-separated)",
    ),
    (
        "extract",
        Action::Extract,
        "extract marked names to a new file",
    ),
    ("env", Action::Env, "compare env with marked checkpoint"),
    ("diff", Action::Diff, "diff with marked checkpoint"),
    (
        "redump",
        Action::Redump,
        "re-dump with backup (a cut file: salvage)",
    ),
    (
        "salvage",
        Action::Salvage,
        "salvage a cut file's complete names to a new file",
    ),
    (
        "undo",
        Action::Undo,
        "undo the last write brine made (from its backup)",
    ),
    ("refresh", Action::Refresh, "re-read the directory"),
];
