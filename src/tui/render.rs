//! Drawing the app: the layout for the terminal's size, then each pane, the
//! status line and any overlay. No IO and no clock; the app holds the time.

mod compare;
mod details;
mod files;
mod overlay;
mod status;
mod tree;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders};

use super::app::{App, Areas, Pane};

/// Below this the panes are not split: only the focused one is drawn.
const MIN_SPLIT: (u16, u16) = (60, 12);
/// From this width the three panes stand side by side.
const WIDE: u16 = 140;

/// Draws the whole screen.
pub fn render(app: &mut App, frame: &mut Frame) {
    let area = frame.area();
    let [main, status_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    app.areas = layout(main, app.focus, files::wanted_width(app));
    let a = app.areas;
    if a.files.area() > 0 {
        files::render(app, frame, a.files);
    }
    if a.tree.area() > 0 {
        tree::render(app, frame, a.tree);
    }
    if a.details.area() > 0 {
        details::render(app, frame, a.details);
    }
    status::render(app, frame, status_area);
    overlay::render(app, frame, main);
}

/// Where each pane goes; panes that do not fit get an empty rect.
///
/// The checkpoints pane is as wide as its names want (`files_want`), between
/// a floor and two fifths of the screen, so long names get room at 200
/// columns and the namespace keeps most of it at 80.
pub fn layout(main: Rect, focus: Pane, files_want: u16) -> Areas {
    if main.width < MIN_SPLIT.0 || main.height < MIN_SPLIT.1 {
        let mut a = Areas::default();
        match focus {
            Pane::Files => a.files = main,
            Pane::Tree => a.tree = main,
            Pane::Details => a.details = main,
        }
        return a;
    }
    let most = (main.width * 2 / 5).max(24);
    let left = files_want.clamp(24, most);
    if main.width >= WIDE {
        let rest = main.width - left;
        let [files, tree, details] = Layout::horizontal([
            Constraint::Length(left),
            Constraint::Length(rest * 3 / 5),
            Constraint::Min(1),
        ])
        .areas(main);
        return Areas {
            files,
            tree,
            details,
        };
    }
    let [files, right] =
        Layout::horizontal([Constraint::Length(left), Constraint::Min(1)]).areas(main);
    let [tree, details] =
        Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(right);
    Areas {
        files,
        tree,
        details,
    }
}

/// A pane's frame, highlighted when it has the focus.
pub(super) fn pane_block<'a>(app: &App, title: impl Into<Span<'a>>, focused: bool) -> Block<'a> {
    let t = &app.theme;
    let border = if focused { t.border_focus } else { t.border };
    let title: Span = title.into();
    let title = if focused {
        // The pane keys act on: a marker and reversed colours, not only a thicker border.
        Span::styled(
            format!("▶{}", title.content),
            Style::default()
                .fg(t.accent)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        )
    } else {
        title.style(Style::default().fg(t.text))
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(Style::default().fg(border))
        .title(title)
}

/// Cuts `s` to `width` characters, ending with `…` when cut.
pub(super) fn clip(s: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    // A preview that already ends in `…` (or `, …`) gets one ellipsis, not two.
    let kept = out.trim_end_matches(['…', ' ', ',']).len();
    if kept > 0 {
        out.truncate(kept);
    }
    out.push('…');
    out
}

/// `s` padded or cut to exactly `width` characters.
pub(super) fn fit(s: &str, width: usize) -> String {
    let c = clip(s, width);
    let n = c.chars().count();
    format!("{c}{}", " ".repeat(width.saturating_sub(n)))
}

/// `s` right-aligned in `width`.
pub(super) fn fit_right(s: &str, width: usize) -> String {
    let c = clip(s, width);
    let n = c.chars().count();
    format!("{}{c}", " ".repeat(width.saturating_sub(n)))
}

/// Keeps `selected` inside a window of `height` rows starting at `offset`.
pub(super) fn scroll_into_view(offset: &mut usize, selected: usize, height: usize) {
    if height == 0 {
        return;
    }
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
}

/// `3m`, `2h`, `5d` since `then`.
pub(super) fn age(now: std::time::SystemTime, then: Option<std::time::SystemTime>) -> String {
    let Some(then) = then else {
        return "?".into();
    };
    let secs = now.duration_since(then).map(|d| d.as_secs()).unwrap_or(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// `builtins.int` → `int`, `pandas.core.frame.DataFrame` → `DataFrame`.
pub(super) fn short_type(ty: &str) -> &str {
    if ty.starts_with('?') {
        return "?";
    }
    ty.rsplit('.').next().unwrap_or(ty)
}
