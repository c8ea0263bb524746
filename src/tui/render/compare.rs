//! The env and diff views: two checkpoints (or a checkpoint and a Python)
//! side by side, drawn from the library's reports.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::{clip, fit, short_type};
use crate::diff::{Change, EntryDiff};
use crate::env::Verdict;
use crate::tui::compare::{Other, env_rows};
use crate::tui::config::Theme;
use crate::tui::dialog::{DiffView, EnvView};
use crate::tui::human_size;

fn verdict_color(t: &Theme, v: Verdict) -> Color {
    match v {
        Verdict::Ok => t.ok,
        Verdict::Warn => t.warn,
        Verdict::Fail => t.error,
    }
}

fn verdict_mark(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Fail) => "✗ ",
        Some(Verdict::Warn) => "! ",
        _ => "  ",
    }
}

/// `/opt/venv/bin/python3 -X dev` → `python3 -X dev`, for a column head.
fn short_command(cmd: &[String]) -> String {
    let mut words: Vec<&str> = cmd.iter().map(String::as_str).collect();
    if let Some(first) = words.first_mut() {
        *first = first.rsplit('/').next().unwrap_or(first);
    }
    words.join(" ")
}

/// `inner` is the width inside the box.
pub fn env(t: &Theme, v: &EnvView, inner: usize, python: &str) -> Vec<Line<'static>> {
    let r = &v.report;
    let bold = |c: Color| Style::default().fg(c).add_modifier(Modifier::BOLD);
    let dim = Style::default().fg(t.dim);
    let (other_head, has_other) = match (&r.other, &v.probing) {
        (Other::Local(l), _) => (format!("LOCAL {}", short_command(&l.command)), true),
        (Other::Checkpoint(_), _) => (format!("OTHER {}", v.right), true),
        (Other::Nothing, Some(_)) => ("LOCAL (probing)".to_string(), true),
        (Other::Nothing, None) => (String::new(), false),
    };
    let field_w = 13;
    let cols = if has_other { 3 } else { 2 };
    let col_w = inner.saturating_sub(2 + field_w) / cols;
    let cell = |s: &str| fit(s, col_w.saturating_sub(1)) + " ";
    let title = match &r.other {
        Other::Checkpoint(_) => format!("{}  against  {}", v.left, v.right),
        Other::Local(_) => format!("{}  on  {}", v.left, v.right),
        Other::Nothing => v.left.clone(),
    };
    let sidecar = match &r.env.saved {
        Some(s) => format!(
            "sidecar {}",
            s.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
        None => "no sidecar".into(),
    };
    let mut out = vec![
        Line::from(vec![
            Span::styled(title, bold(t.accent)),
            Span::styled(format!("  ({sidecar})"), dim),
        ]),
        Line::styled(
            format!(
                "  {}{}{}{}",
                fit("FIELD", field_w),
                cell("SAVED (sidecar)"),
                cell("INFERRED (file)"),
                if has_other {
                    cell(&other_head)
                } else {
                    String::new()
                }
            ),
            dim.add_modifier(Modifier::BOLD),
        ),
    ];
    for row in env_rows(r, 28) {
        let style = match row.severity {
            Some(sev) => bold(verdict_color(t, sev)),
            None => Style::default().fg(t.text),
        };
        let other = match (&r.other, &v.probing) {
            (Other::Nothing, Some(_)) => "…".to_string(),
            _ => row.other.clone(),
        };
        let mut spans = vec![
            Span::styled(verdict_mark(row.severity), style),
            Span::styled(fit(row.field, field_w), dim),
            Span::raw(cell(&row.saved)),
            Span::raw(cell(&row.inferred)),
        ];
        if has_other {
            spans.push(Span::styled(clip(&other, col_w), style));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::raw(""));
    for m in &r.mismatches {
        out.push(Line::styled(
            format!(
                "{}{}: {}",
                verdict_mark(Some(m.severity)),
                m.field,
                m.consequence
            ),
            Style::default().fg(verdict_color(t, m.severity)),
        ));
    }
    if let Some(p) = &v.probing {
        out.push(Line::styled(
            format!("probing {p}… (it reads no pickle; the table fills in when it answers)"),
            dim,
        ));
    }
    if let Some(e) = &v.probe_error {
        out.push(Line::styled(e.clone(), Style::default().fg(t.error)));
    }
    let pending = if v.probing.is_some() { " so far" } else { "" };
    out.push(Line::from(vec![
        Span::styled("verdict ", dim),
        Span::styled(
            r.verdict.as_str().to_string(),
            bold(verdict_color(t, r.verdict)),
        ),
        Span::styled(pending.to_string(), dim),
    ]));
    let hint = match &r.other {
        Other::Local(_) => format!("tab: probe {python} again · esc: close"),
        _ => format!("tab: compare with {python} · esc: close"),
    };
    out.push(Line::styled(hint, dim));
    out
}

fn signed(delta: i64) -> String {
    match delta {
        0 => "±0".into(),
        d if d > 0 => format!("+{}", human_size(d.unsigned_abs())),
        d => format!("-{}", human_size(d.unsigned_abs())),
    }
}

fn what_changed(e: &EntryDiff) -> String {
    let (a, b) = (
        e.preview_a.as_deref().unwrap_or(""),
        e.preview_b.as_deref().unwrap_or(""),
    );
    match e.change {
        Change::Added => b.to_string(),
        Change::Removed => a.to_string(),
        Change::Changed if a != b => format!("{a} → {b}"),
        _ => b.to_string(),
    }
}

pub fn diff(t: &Theme, v: &DiffView, inner: usize) -> Vec<Line<'static>> {
    let d = &v.diff;
    let dim = Style::default().fg(t.dim);
    let mut out = vec![
        Line::styled(
            format!("{}  →  {}", v.left, v.right),
            Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
        ),
        Line::from(vec![
            Span::styled(
                format!("+{} added  ", d.count(Change::Added)),
                Style::default().fg(t.added),
            ),
            Span::styled(
                format!("-{} removed  ", d.count(Change::Removed)),
                Style::default().fg(t.removed),
            ),
            Span::styled(
                format!("~{} changed  ", d.count(Change::Changed)),
                Style::default().fg(t.changed),
            ),
            Span::styled(format!("{} unchanged  ", d.count(Change::Unchanged)), dim),
            Span::styled(
                format!(
                    "size {} → {} ({})",
                    human_size(d.size_a),
                    human_size(d.size_b),
                    signed(d.size_b as i64 - d.size_a as i64)
                ),
                Style::default().fg(t.size),
            ),
        ]),
    ];
    if d.partial {
        out.push(Line::styled(
            "some long payloads were compared by length and ends only",
            dim,
        ));
    }
    let name_w = 20.min(inner / 4);
    let type_w = 16;
    let size_w = 10;
    let rest = inner.saturating_sub(2 + name_w + 1 + type_w + 1 + size_w + 1);
    for e in d
        .entries
        .iter()
        .filter(|e| v.all || e.change != Change::Unchanged)
    {
        let (mark, color) = match e.change {
            Change::Added => ("+", t.added),
            Change::Removed => ("-", t.removed),
            Change::Changed => ("~", t.changed),
            Change::Unchanged => (" ", t.dim),
        };
        let ty = match (&e.type_a, &e.type_b) {
            (Some(x), Some(y)) if x != y => format!("{}→{}", short_type(x), short_type(y)),
            (Some(x), _) | (None, Some(x)) => short_type(x).to_string(),
            _ => String::new(),
        };
        let size = signed(e.bytes_b as i64 - e.bytes_a as i64);
        out.push(Line::from(vec![
            Span::styled(
                format!("{mark} "),
                Style::default().fg(color).add_modifier(Modifier::BOLD),
            ),
            Span::styled(fit(&e.name, name_w), Style::default().fg(color)),
            Span::raw(" "),
            Span::styled(fit(&ty, type_w), Style::default().fg(t.ty)),
            Span::raw(" "),
            Span::styled(super::fit_right(&size, size_w), Style::default().fg(t.size)),
            Span::raw(" "),
            Span::styled(clip(&what_changed(e), rest), dim),
        ]));
        for x in &e.details {
            out.push(Line::styled(
                clip(&format!("    {x}"), inner),
                Style::default().fg(t.text),
            ));
        }
    }
    if d.entries.iter().all(|e| e.change == Change::Unchanged) {
        out.push(Line::styled(
            "no names added, removed or changed",
            Style::default().fg(t.ok),
        ));
    }
    out.push(Line::styled(
        if v.all {
            "tab: hide unchanged names · esc: close"
        } else {
            "tab: show unchanged names too · esc: close"
        },
        dim,
    ));
    out
}
