//! The namespace pane: a header row, then names with type, shape/length, size and
//! preview; progress while loading.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use super::{clip, fit, fit_right, pane_block, scroll_into_view, short_type};
use crate::tui::app::{App, Pane};
use crate::tui::human_size;

pub fn render(app: &mut App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Tree;
    let title = match &app.opened {
        Some(o) => {
            let s = &o.session;
            let marks = if app.tree.marks.is_empty() {
                String::new()
            } else {
                format!(", {} marked", app.tree.marks.len())
            };
            let hidden = if app.tree.hidden > 0 {
                format!(", {} hidden", app.tree.hidden)
            } else {
                String::new()
            };
            format!(
                " {} · {} names{marks}{hidden} ",
                app.display_name(&o.path),
                s.entries.len()
            )
        }
        None => " namespace ".to_string(),
    };
    let block = pane_block(app, title, focused);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    let t = app.theme;
    if let Some(l) = &app.loading {
        let [bar, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let ratio = if l.total == 0 {
            0.0
        } else {
            (l.done as f64 / l.total as f64).clamp(0.0, 1.0)
        };
        let label = format!(
            "loading {} {:.0}% of {}",
            app.display_name(&l.path),
            ratio * 100.0,
            human_size(l.total)
        );
        frame.render_widget(
            Gauge::default()
                .gauge_style(Style::default().fg(t.accent))
                .ratio(ratio)
                .label(clip(&label, bar.width as usize)),
            bar,
        );
        inner = rest;
        if app.opened.as_ref().is_none_or(|o| o.path != l.path) {
            return;
        }
    }
    let Some(o) = &app.opened else {
        let hint = if app.files.rows.is_empty() {
            ""
        } else {
            "enter opens the selected checkpoint"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(hint, Style::default().fg(t.dim))),
            inner,
        );
        return;
    };
    if app.tree.rows.is_empty() {
        let why = if !app.tree.search.is_empty() || app.tree.hidden > 0 {
            "no names match (esc clears the search, . and i toggle hiding)".to_string()
        } else if let Some(e) = &o.session.program.error {
            format!("no complete names: {e}")
        } else {
            "no names".to_string()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(why, Style::default().fg(t.dim)))
                .wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        return;
    }
    // The header row: Name · Type · Shape/len · Bytes · Value.
    let header_area = Rect {
        height: 1.min(inner.height),
        ..inner
    };
    inner = Rect {
        y: inner.y + header_area.height,
        height: inner.height - header_area.height,
        ..inner
    };
    let height = inner.height as usize;
    scroll_into_view(&mut app.tree.offset, app.tree.selected, height);
    let w = inner.width as usize;
    let visible = app.tree.rows.iter().skip(app.tree.offset).take(height);
    let name_w = visible
        .clone()
        .map(|r| r.depth as usize * 2 + 2 + crate::text::name(&r.name).chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, (w * 2 / 5).max(8));
    let type_w = visible
        .clone()
        .map(|r| short_type(&r.ty).chars().count())
        .max()
        .unwrap_or(4)
        .clamp(3, (w / 5).max(3));
    let size_w = if w >= 40 { 9 } else { 0 };
    // Shape/len only when there is room for a useful value column too.
    let shape_w = if w >= 60 {
        visible
            .clone()
            .map(|r| r.shape.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(9, (w / 6).max(9))
    } else {
        0
    };
    let shape_gap = usize::from(shape_w > 0);
    let preview_w = w.saturating_sub(1 + name_w + 1 + type_w + shape_gap + shape_w + size_w + 1);
    let dim = Style::default().fg(t.dim).add_modifier(Modifier::BOLD);
    let mut head = vec![
        Span::raw(" "),
        Span::styled(fit("Name", name_w), dim),
        Span::raw(" "),
        Span::styled(fit("Type", type_w), dim),
    ];
    if shape_w > 0 {
        head.push(Span::raw(" "));
        head.push(Span::styled(fit("Shape/len", shape_w), dim));
    }
    if size_w > 0 {
        head.push(Span::styled(fit_right("Bytes", size_w), dim));
    }
    head.push(Span::raw(" "));
    head.push(Span::styled(clip("Value", preview_w), dim));
    frame.render_widget(Paragraph::new(Line::from(head)), header_area);
    let mut lines = Vec::with_capacity(height);
    for (i, r) in app
        .tree
        .rows
        .iter()
        .enumerate()
        .skip(app.tree.offset)
        .take(height)
    {
        let marked = r.depth == 0 && app.tree.marks.contains(&r.name);
        let arrow = match (r.expandable, r.expanded) {
            (true, true) => "▾ ",
            (true, false) => "▸ ",
            _ => "  ",
        };
        // Look-alike and invisible characters show as escapes, as in the CLI.
        let label = format!(
            "{}{arrow}{}",
            "  ".repeat(r.depth as usize),
            crate::text::name(&r.name)
        );
        let mut spans = vec![
            Span::styled(
                if marked { "●" } else { " " },
                Style::default().fg(t.marked),
            ),
            Span::styled(
                fit(&label, name_w),
                if r.fact {
                    Style::default().fg(t.dim)
                } else {
                    Style::default().fg(t.text)
                },
            ),
            Span::raw(" "),
            Span::styled(fit(short_type(&r.ty), type_w), Style::default().fg(t.ty)),
        ];
        if shape_w > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                fit(&r.shape, shape_w),
                Style::default().fg(t.size),
            ));
        }
        if size_w > 0 {
            let size = r.bytes.map(human_size).unwrap_or_default();
            spans.push(Span::styled(
                fit_right(&size, size_w),
                Style::default().fg(t.size),
            ));
        }
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            clip(&crate::text::escape(&r.preview), preview_w),
            Style::default().fg(if r.fact { t.dim } else { t.text }),
        ));
        let mut line = Line::from(spans);
        if i == app.tree.selected {
            line = line.style(if focused {
                Style::default().bg(t.selected_bg).fg(t.selected_fg)
            } else {
                Style::default().add_modifier(Modifier::BOLD)
            });
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
