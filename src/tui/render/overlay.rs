//! Overlays drawn over the panes: help, filter, confirmations, env and diff.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::{compare, fit, fit_right};
use crate::tui::action::BINDABLE;
use crate::tui::app::App;
use crate::tui::config::Theme;
use crate::tui::dialog::{Confirm, FilterDialog, Overlay, TRUST_WORD, Target, Tone};
use crate::tui::human_size;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(o) = &app.overlay else { return };
    let t = app.theme;
    let (title, lines, scroll, wide) = match o {
        Overlay::Help { scroll } => (" keys ".to_string(), help(app), *scroll, false),
        Overlay::Filter(f) => (
            " filter out names ".to_string(),
            filter(app, f),
            f.scroll,
            true,
        ),
        Overlay::Confirm(c) => (format!(" {} ", c.title), confirm(&t, c), c.scroll, false),
        Overlay::Env(v) => (
            " compare env ".to_string(),
            compare::env(&t, v, wide_inner(area), &app.config.python().join(" ")),
            v.scroll,
            true,
        ),
        Overlay::Diff(v) => (
            " diff ".to_string(),
            compare::diff(&t, v, wide_inner(area)),
            v.scroll,
            true,
        ),
    };
    let want_w = if wide {
        area.width * 9 / 10
    } else {
        72.min(area.width)
    };
    // Lines wrap inside the box, so count the rows they take there.
    let inner_w = want_w.saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1))
        .sum();
    let want_h = (rows as u16).saturating_add(2).min(area.height);
    let box_area = centered(
        area,
        want_w.max(20).min(area.width),
        want_h.max(5).min(area.height),
    );
    frame.render_widget(Clear, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(t.border_focus))
        .title(Span::styled(
            title,
            Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let max = lines.len().saturating_sub(inner.height as usize);
    let scroll = scroll.min(max) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// The width inside a wide overlay's box.
fn wide_inner(area: Rect) -> usize {
    (area.width * 9 / 10).saturating_sub(2) as usize
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(v);
    c
}

fn tone(t: &Theme, tone: Tone) -> Style {
    Style::default().fg(match tone {
        Tone::Plain => t.text,
        Tone::Dim => t.dim,
        Tone::Ok => t.ok,
        Tone::Warn => t.warn,
        Tone::Error => t.error,
    })
}

fn help(app: &App) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut out = Vec::new();
    for (name, _, what) in BINDABLE {
        let keys = app
            .keymap
            .names
            .get(*name)
            .map(|v| v.join(" "))
            .unwrap_or_default();
        out.push(Line::from(vec![
            Span::styled(fit(&keys, 20), Style::default().fg(t.accent)),
            Span::raw(what.to_string()),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "marks in the checkpoints pane",
        Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
    ));
    for (mark, what) in super::files::LEGEND {
        out.push(Line::from(vec![
            Span::styled(fit(&format!("  {mark}"), 20), Style::default().fg(t.accent)),
            Span::raw(what.to_string()),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "mouse: click selects (again: expand), wheel scrolls · in dialogs: tab option, enter yes, esc back",
        Style::default().fg(t.dim),
    ));
    out.push(Line::styled(
        "patterns (space-separated): word = substring, *?[ = glob, re:… = regex, @ipython = preset",
        Style::default().fg(t.dim),
    ));
    out
}

fn filter(app: &App, f: &FilterDialog) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut out = vec![Line::from(vec![
        Span::styled("pattern  ", Style::default().fg(t.dim)),
        Span::styled(
            format!("{}{}", f.pattern, if f.confirming { "" } else { "▏" }),
            Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
        ),
    ])];
    if let Some(e) = &f.error {
        out.push(Line::styled(e.clone(), Style::default().fg(t.error)));
    }
    let dest = match f.target {
        Target::InPlace => format!(
            "[in place, backup kept]  save as {}",
            app.display_name(&f.save_as)
        ),
        Target::SaveAs => format!(
            " in place, backup kept   [save as {}]",
            app.display_name(&f.save_as)
        ),
    };
    out.push(Line::from(vec![
        Span::styled("write    ", Style::default().fg(t.dim)),
        Span::raw(dest),
        Span::styled("  (tab)", Style::default().fg(t.dim)),
    ]));
    out.push(Line::raw(""));
    if f.pattern.trim().is_empty() {
        out.push(Line::styled(
            "type patterns: _temp (substring)  debug_* (glob)  re:^x\\d+$  @ipython",
            Style::default().fg(t.dim),
        ));
        return out;
    }
    out.push(Line::styled(
        format!(
            "{} {}, {} {}, saves {}",
            crate::text::words::count(f.going.len(), "name", "names"),
            crate::text::words::plural(f.going.len(), "goes", "go"),
            f.staying,
            crate::text::words::plural(f.staying, "stays", "stay"),
            human_size(f.saved())
        ),
        Style::default().fg(if f.going.is_empty() { t.dim } else { t.warn }),
    ));
    if f.confirming {
        out.push(Line::styled(
            format!(
                "write {} now? enter/y: yes · esc: back",
                app.display_name(&f.destination())
            ),
            Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
    }
    out.push(Line::styled(
        format!(
            "with dependencies: {} (ctrl-d toggles)",
            if f.with_deps { "on" } else { "off" }
        ),
        Style::default().fg(t.dim),
    ));
    if !f.kept_for_deps.is_empty() {
        out.push(Line::raw(format!(
            "  kept, needed by kept names: {}",
            f.kept_for_deps.join(", ")
        )));
    }
    for (name, uses) in &f.missing {
        out.push(Line::styled(
            format!(
                "  warning: {name} uses {}, which this edit drops (ctrl-d keeps them)",
                uses.join(", ")
            ),
            Style::default().fg(t.warn).add_modifier(Modifier::BOLD),
        ));
    }
    for (name, users) in &f.still_needed {
        out.push(Line::styled(
            format!(
                "  {name} goes, but its objects stay: {} use them",
                users.join(", ")
            ),
            Style::default().fg(t.warn),
        ));
    }
    for (name, bytes) in &f.going {
        out.push(Line::from(vec![
            Span::styled("  - ", Style::default().fg(t.removed)),
            Span::raw(fit(name, 30)),
            Span::styled(
                fit_right(&human_size(*bytes), 10),
                Style::default().fg(t.size),
            ),
        ]));
    }
    out
}

fn confirm(t: &Theme, c: &Confirm) -> Vec<Line<'static>> {
    let mut out: Vec<Line> = c
        .lines
        .iter()
        .map(|l| Line::styled(l.text.clone(), tone(t, l.tone)))
        .collect();
    out.push(Line::raw(""));
    let bold = Style::default().fg(t.accent).add_modifier(Modifier::BOLD);
    match &c.typed {
        None => out.push(Line::styled("enter/y: yes · esc/n: no", bold)),
        Some(typed) => out.push(Line::from(vec![
            Span::styled(format!("type {TRUST_WORD}: "), bold),
            Span::styled(format!("{typed}▏"), Style::default().fg(t.error)),
            Span::styled(" · enter: restore · esc: no", Style::default().fg(t.dim)),
        ])),
    }
    out
}
