//! The checkpoints pane: one row per file with its marks, names, size and age.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{age, clip, fit, fit_right, pane_block, scroll_into_view};
use crate::scan::Severity;
use crate::tui::app::{App, Pane};
use crate::tui::files::{FileRow, FileState};
use crate::tui::human_size as human;

pub fn render(app: &mut App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Files;
    let dir = app
        .dirs
        .first()
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".into());
    let more = if app.dirs.len() > 1 {
        format!(" +{}", app.dirs.len() - 1)
    } else {
        String::new()
    };
    let title = format!(" {dir}{more} ({}) ", app.files.rows.len());
    let block = pane_block(app, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let t = app.theme;
    if app.files.rows.is_empty() {
        let (text, style) = match (&app.files.error, app.files.listed) {
            (Some(e), _) => (clip(e, inner.width as usize), Style::default().fg(t.error)),
            (None, false) => ("reading…".to_string(), Style::default().fg(t.dim)),
            (None, true) => (
                format!(
                    "no checkpoints in {}. Open another folder with `brine DIR` \
                     (or `brine FILE.pkl`); without one brine looks in \
                     ${}, then ./checkpoints/, then here.",
                    app.dirs
                        .first()
                        .map(|d| d.display().to_string())
                        .unwrap_or_else(|| ".".into()),
                    crate::tui::DIR_ENV_VAR
                ),
                Style::default().fg(t.dim),
            ),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, style)).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let height = inner.height as usize;
    scroll_into_view(&mut app.files.offset, app.files.selected, height);
    let w = inner.width as usize;
    // Columns that fit: marks, name, then names / size / age as room allows.
    let show_age = w >= 34;
    let show_names = w >= 38;
    let fixed = 3 + 8 + if show_age { 4 } else { 0 } + if show_names { 5 } else { 0 };
    let name_w = w.saturating_sub(fixed).max(4);
    let lines: Vec<Line> = app
        .files
        .rows
        .iter()
        .enumerate()
        .skip(app.files.offset)
        .take(height)
        .map(|(i, r)| {
            let name = app.display_name(&r.listed.path);
            let (flag, flag_style) = flag(r, &t);
            let mut spans = vec![
                Span::styled(
                    if r.marked { "●" } else { " " },
                    Style::default().fg(t.marked),
                ),
                Span::styled(flag, flag_style),
                Span::raw(" "),
                Span::raw(fit(&name, name_w)),
            ];
            if show_names {
                let n = match (&r.state, r.names) {
                    (FileState::Writing, _) => "…".to_string(),
                    (_, Some(n)) => format!("{n}n"),
                    _ => String::new(),
                };
                spans.push(Span::styled(fit_right(&n, 5), Style::default().fg(t.dim)));
            }
            let size = match r.state {
                FileState::Writing => "writing…".to_string(),
                _ => human(r.listed.size),
            };
            let size_style = match r.state {
                FileState::Writing => Style::default().fg(t.warn),
                _ => Style::default().fg(t.size),
            };
            spans.push(Span::styled(fit_right(&size, 8), size_style));
            if show_age {
                spans.push(Span::styled(
                    fit_right(&age(app.now, r.listed.modified), 4),
                    Style::default().fg(t.dim),
                ));
            }
            let mut line = Line::from(spans);
            if i == app.files.selected {
                line = line.style(if focused {
                    Style::default().bg(t.selected_bg).fg(t.selected_fg)
                } else {
                    Style::default().add_modifier(Modifier::BOLD)
                });
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The one-character mark: writing, corrupt, dangerous, incomplete, env sidecar.
fn flag(r: &FileRow, t: &crate::tui::config::Theme) -> (&'static str, Style) {
    match r.state {
        FileState::Writing => ("…", Style::default().fg(t.warn)),
        FileState::Corrupt(_) | FileState::Unreadable(_) => ("✗", Style::default().fg(t.error)),
        _ if r.scan == Some(Severity::Dangerous) => (
            "⚠",
            Style::default().fg(t.error).add_modifier(Modifier::BOLD),
        ),
        FileState::Incomplete(_) => ("!", Style::default().fg(t.warn)),
        _ if r.listed.sidecar.is_some() => ("e", Style::default().fg(t.ok)),
        _ => (" ", Style::default()),
    }
}
