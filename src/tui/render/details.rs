//! The details pane: everything about the selected name, or the selected file.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{age, pane_block};
use crate::scan::{self, Severity};
use crate::tui::app::{App, Pane};
use crate::tui::config::Theme;
use crate::tui::files::FileState;
use crate::tui::human_size;

/// Longest preview asked of the describer for the details pane.
const FULL_PREVIEW: usize = 4000;
/// Children listed under the selected value.
const MAX_LISTED: usize = 200;

pub fn render(app: &mut App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Details;
    let block = pane_block(app, " details ", focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let show_value = app.focus != Pane::Files && app.tree.selected().is_some();
    let lines = if show_value {
        value_lines(app)
    } else {
        file_lines(app)
    };
    let max = lines.len().saturating_sub(1);
    app.details_scroll = app.details_scroll.min(max);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.details_scroll.min(u16::MAX as usize) as u16, 0)),
        inner,
    );
}

fn kv<'a>(t: &Theme, k: &str, v: impl Into<String>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<9}"), Style::default().fg(t.dim)),
        Span::styled(v.into(), Style::default().fg(t.text)),
    ])
}

fn heading<'a>(t: &Theme, s: impl Into<String>) -> Line<'a> {
    Line::from(Span::styled(
        s.into(),
        Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
    ))
}

fn severity_color(t: &Theme, s: Severity) -> ratatui::style::Color {
    match s {
        Severity::Safe => t.ok,
        Severity::Unknown => t.warn,
        Severity::Dangerous => t.error,
    }
}

fn scan_line(t: &Theme, v: Severity, rest: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{:<9}", "scan"), Style::default().fg(t.dim)),
        Span::styled(
            v.as_str(),
            Style::default()
                .fg(severity_color(t, v))
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(rest, Style::default().fg(t.dim)),
    ])
}

/// Findings listed under a scan line.
const FINDINGS: usize = 8;

fn finding_lines<'a>(
    t: &Theme,
    findings: impl Iterator<Item = &'a scan::Finding>,
    holder: bool,
) -> Vec<Line<'static>> {
    // The same finding in many names (a figure in every `_oh` entry) is one
    // line with a count and the names, the most severe first.
    let mut groups: Vec<(Severity, &str, u64, Vec<&str>)> = Vec::new();
    for f in findings.filter(|f| f.severity != Severity::Safe) {
        match groups
            .iter_mut()
            .find(|g| g.0 == f.severity && g.1 == f.what)
        {
            Some(g) => {
                g.2 += f.count;
                if !g.3.contains(&f.holder()) {
                    g.3.push(f.holder());
                }
            }
            None => groups.push((f.severity, f.what.as_str(), f.count, vec![f.holder()])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.0));
    let mut out = Vec::new();
    for (severity, what, count, holders) in groups.iter().take(FINDINGS) {
        let times = if *count > 1 {
            format!(" (×{count})")
        } else {
            String::new()
        };
        let who = match holders.as_slice() {
            _ if !holder => String::new(),
            [one] => format!("{one}: "),
            [a, b] => format!("{a}, {b}: "),
            [a, b, rest @ ..] => format!("{a}, {b} and {} more: ", rest.len()),
            [] => String::new(),
        };
        out.push(Line::styled(
            format!("  {who}{what}{times}"),
            Style::default().fg(severity_color(t, *severity)),
        ));
    }
    if groups.len() > FINDINGS {
        out.push(Line::styled(
            format!(
                "  … {} more kinds (brine scan lists them)",
                groups.len() - FINDINGS
            ),
            Style::default().fg(t.dim),
        ));
    }
    out
}

/// The scan of one name: its verdict, and what loading it would do.
fn entry_scan(t: &Theme, report: &scan::Report, name: &str, inside: bool) -> Vec<Line<'static>> {
    let v = report.verdict_of(name);
    let rest = if inside && v != Severity::Safe {
        format!(" (for all of {name})")
    } else {
        String::new()
    };
    let mut out = vec![scan_line(t, v, rest)];
    out.extend(finding_lines(
        t,
        report
            .findings
            .iter()
            .filter(|f| f.variable.as_deref() == Some(name)),
        false,
    ));
    // What loading this name calls, in order and resolved, so a reader sees the
    // chain the verdict rests on (`builtins.__import__('os') → os.system(…)`).
    // A single call is already the finding line above; safe names stay quiet.
    if let Some(log) = report
        .calls_of(name)
        .filter(|l| v != Severity::Safe && l.calls.len() + l.more as usize > 1)
    {
        out.push(kv(
            t,
            "calls",
            crate::text::escape(&log.chain()).into_owned(),
        ));
    }
    out
}

/// The scan of a whole file.
fn file_scan(t: &Theme, report: &scan::Report) -> Vec<Line<'static>> {
    let n = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Safe)
        .count();
    let rest = match (n, report.complete) {
        (0, true) => String::new(),
        (0, false) => " (of what was read)".into(),
        (1, _) => " (1 finding)".into(),
        (n, _) => format!(" ({n} findings)"),
    };
    let mut out = vec![scan_line(t, report.verdict, rest)];
    out.extend(finding_lines(t, report.findings.iter(), true));
    out
}

fn value_lines(app: &App) -> Vec<Line<'static>> {
    let t = app.theme;
    let (Some(o), Some(r)) = (&app.opened, app.tree.selected()) else {
        return Vec::new();
    };
    let s = &o.session;
    let d = s.describer();
    let mut out = vec![heading(&t, r.path.clone())];
    if r.fact {
        out.push(Line::raw(r.preview.clone()));
        return out;
    }
    out.push(kv(&t, "type", r.ty.clone()));
    if let Some(b) = r.bytes {
        out.push(kv(
            &t,
            "size",
            format!("{} (dropping it saves this)", human_size(b)),
        ));
    }
    let entry = s.entries.get(r.entry);
    if r.depth == 0
        && let Some(e) = entry
    {
        if let Some(from) = &e.imported_from {
            out.push(kv(&t, "imported", from.clone()));
        }
        if app.tree.marks.contains(&e.name) {
            out.push(kv(
                &t,
                "marked",
                "yes (R restores, x extracts marked names)",
            ));
        }
    }
    if let Some(e) = entry {
        out.extend(entry_scan(&t, &o.scan, &e.name, r.depth > 0));
    }
    let Some(node) = r.node else {
        out.push(Line::raw(""));
        out.push(Line::raw(r.preview.clone()));
        return out;
    };
    out.push(Line::raw(""));
    out.push(heading(&t, "value"));
    out.push(Line::raw(d.preview(node, FULL_PREVIEW)));
    let kids = d.children(node);
    if kids.is_empty() {
        return out;
    }
    out.push(Line::raw(""));
    let facts = kids.iter().filter(|c| c.node.is_none()).count();
    let what = if facts == kids.len() {
        "facts".to_string()
    } else {
        let n = kids.len();
        format!("{n} {}", crate::text::words::plural(n, "child", "children"))
    };
    out.push(heading(&t, what));
    for c in kids.iter().take(MAX_LISTED) {
        let line = match (c.node, &c.fact) {
            (Some(n), _) => Line::from(vec![
                Span::styled(format!("{} ", c.name), Style::default().fg(t.text)),
                Span::styled(format!("{} ", d.type_of(n).0), Style::default().fg(t.ty)),
                Span::styled(d.preview(n, 80), Style::default().fg(t.dim)),
            ]),
            (None, f) => kv(&t, &c.name, f.clone().unwrap_or_default()),
        };
        out.push(line);
    }
    if kids.len() > MAX_LISTED {
        out.push(Line::styled(
            format!("… {} more", kids.len() - MAX_LISTED),
            Style::default().fg(t.dim),
        ));
    }
    out
}

fn file_lines(app: &App) -> Vec<Line<'static>> {
    let t = app.theme;
    let Some(r) = app.files.selected() else {
        return vec![Line::styled(
            "no checkpoint selected",
            Style::default().fg(t.dim),
        )];
    };
    let path = &r.listed.path;
    let mut out = vec![
        heading(&t, app.display_name(path)),
        kv(&t, "size", human_size(r.listed.size)),
        kv(
            &t,
            "modified",
            format!("{} ago", age(app.now, r.listed.modified)),
        ),
    ];
    let (state, tone) = match &r.state {
        FileState::Unknown => ("not read yet".to_string(), t.dim),
        FileState::Ok => ("complete".to_string(), t.ok),
        FileState::Writing => ("writing… (still growing)".to_string(), t.warn),
        FileState::Incomplete(w) => (format!("incomplete: {w}"), t.warn),
        FileState::Corrupt(w) => (format!("corrupt: {w}"), t.error),
        FileState::Unreadable(w) => (format!("unreadable: {w}"), t.error),
    };
    out.push(Line::from(vec![
        Span::styled(format!("{:<9}", "state"), Style::default().fg(t.dim)),
        Span::styled(state, Style::default().fg(tone)),
    ]));
    if let Some(n) = r.names {
        out.push(kv(&t, "names", n.to_string()));
    }
    out.push(kv(
        &t,
        "env",
        match &r.listed.sidecar {
            Some(p) => format!("sidecar {}", app.display_name(p)),
            None => "no sidecar".to_string(),
        },
    ));
    if r.marked {
        out.push(kv(&t, "marked", "yes (d diffs, e compares env with it)"));
    }
    let Some(o) = app.opened.as_ref().filter(|o| &o.path == path) else {
        // The verdict the probe found; the findings come once it is open.
        match r.scan {
            Some(v) => out.push(scan_line(&t, v, String::new())),
            None => out.push(kv(&t, "scan", "not read yet")),
        }
        return out;
    };
    let s = &o.session;
    out.push(kv(&t, "format", s.format.as_str()));
    if let Some(m) = &s.module {
        out.push(kv(&t, "module", m.clone()));
    }
    out.push(kv(&t, "protocol", s.program.protocol.to_string()));
    if let Some(py) = s.inferred.python() {
        out.push(kv(&t, "python", py));
    }
    if let Some(dl) = s.inferred.dill() {
        out.push(kv(&t, "dill", dl));
    }
    if !s.inferred.imports.is_empty() {
        out.push(kv(&t, "imports", s.inferred.imports.join(", ")));
    }
    for w in &s.warnings {
        out.push(Line::styled(format!("⚠ {w}"), Style::default().fg(t.warn)));
    }
    if s.program.error.as_ref().is_some_and(|e| e.is_truncation()) {
        let ago = r
            .listed
            .modified
            .and_then(|m| app.now.duration_since(m).ok());
        out.push(Line::styled(
            format!(
                "  {}",
                crate::text::cut::advice(
                    std::path::Path::new(&app.display_name(path)),
                    ago,
                    s.entries.len()
                )
                .replace("`brine salvage", "S here, or `brine salvage")
            ),
            Style::default().fg(t.warn),
        ));
    }
    // The file's facts first, then the scan, whose findings can run long.
    out.extend(file_scan(&t, &o.scan));
    out
}
