//! The status line: the search field, the last message, or the keys that apply now.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::clip;
use crate::tui::app::{App, Level, Pane};
use crate::tui::dialog::Overlay;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let w = area.width as usize;
    let right = position(app);
    let left_w = w.saturating_sub(right.chars().count() + 1);
    let left = if app.searching {
        Line::from(vec![
            Span::styled(
                "/",
                Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
            ),
            Span::raw(clip(
                &format!("{}▏", app.search_text()),
                left_w.saturating_sub(56),
            )),
            Span::styled(
                if app.search_pane == Pane::Files {
                    "  finds a checkpoint · enter keep (n/N next) · esc clear"
                } else {
                    "  filters names · enter keep (n/N next) · esc clear"
                },
                Style::default().fg(t.dim),
            ),
        ])
    } else if let Some(m) = &app.message {
        let color = match m.level {
            Level::Info => t.text,
            Level::Ok => t.ok,
            Level::Error => t.error,
        };
        Line::styled(clip(&m.text, left_w), Style::default().fg(color))
    } else {
        Line::styled(clip(&hints(app), left_w), Style::default().fg(t.dim))
    };
    frame.render_widget(Paragraph::new(left), area);
    if !right.is_empty() && w > right.chars().count() + 10 {
        let n = right.chars().count() as u16;
        let r = Rect::new(area.x + area.width - n, area.y, n, 1);
        frame.render_widget(
            Paragraph::new(Span::styled(right, Style::default().fg(t.dim))),
            r,
        );
    }
}

fn position(app: &App) -> String {
    match app.focus {
        Pane::Files if !app.files.rows.is_empty() => {
            format!("{}/{}", app.files.selected + 1, app.files.rows.len())
        }
        Pane::Tree | Pane::Details if !app.tree.rows.is_empty() => format!(
            "{}/{} · {}",
            app.tree.selected + 1,
            app.tree.rows.len(),
            app.tree.sort.label()
        ),
        _ => String::new(),
    }
}

/// The keys that do something here, most useful first.
fn hints(app: &App) -> String {
    let k = |name: &str| app.keymap.hint(name);
    let items: Vec<String> = match (&app.overlay, app.focus) {
        (Some(Overlay::Filter(f)), _) if f.confirming => {
            vec!["enter write".into(), "esc back".into()]
        }
        (Some(Overlay::Filter(_)), _) => vec![
            "type patterns".into(),
            "tab in place/save as".into(),
            "enter review".into(),
            "esc cancel".into(),
        ],
        (Some(Overlay::Confirm(c)), _) if c.typed.is_some() => vec![
            format!(
                "type {} + enter: restore anyway",
                crate::tui::dialog::TRUST_WORD
            ),
            "esc no".into(),
        ],
        (Some(Overlay::Confirm(_)), _) => vec!["enter/y yes".into(), "esc/n no".into()],
        (Some(Overlay::Env(_)), _) => vec![
            "tab probe python".into(),
            format!("{}/{} scroll", k("down"), k("up")),
            "esc close".into(),
        ],
        (Some(Overlay::Diff(_)), _) => vec![
            "tab show unchanged".into(),
            format!("{}/{} scroll", k("down"), k("up")),
            "esc close".into(),
        ],
        (Some(_), _) => vec![
            format!("{}/{} scroll", k("down"), k("up")),
            "esc close".into(),
        ],
        (None, Pane::Files) => vec![
            format!("{} open", k("expand")),
            format!("{} mark", k("mark")),
            format!("{} diff", k("diff")),
            format!("{} env", k("env")),
            format!("{} undo", k("undo")),
            format!("{} help", k("help")),
            format!("{} quit", k("quit")),
        ],
        (None, _) => vec![
            format!("{} expand", k("expand")),
            format!("{} collapse", k("collapse")),
            format!("{} mark", k("mark")),
            format!("{} search", k("search")),
            format!("{} filter", k("filter")),
            format!("{} extract", k("extract")),
            format!("{} restore", k("restore")),
            format!("{} sort", k("sort")),
            format!("{} help", k("help")),
        ],
    };
    items.join(" · ")
}
