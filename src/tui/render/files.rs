//! The checkpoints pane: a header, then one row per file with its marks, the
//! distinguishing part of its name, and its names, size and age in columns
//! that are kept apart and never cut.

mod names;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{age, clip, pane_block, scroll_into_view};
use crate::scan::Severity;
use crate::tui::app::{App, Pane};
use crate::tui::files::{FileRow, FileState};
use crate::tui::human_size as human;

/// Marks, a space before the name, and two spaces before each number column.
const MARKS: usize = 3;
const GAP: usize = 2;
/// A name never gets fewer characters than this while a number column is shown.
const MIN_NAME: usize = 16;

/// The columns of one file row, as text.
struct Cells {
    name: String,
    names: String,
    size: String,
    age: String,
}

fn cells(app: &App, (prefix, suffix): &(String, String), r: &FileRow) -> Cells {
    let full = app.display_name(&r.listed.path);
    let name = full.strip_prefix(prefix.as_str()).unwrap_or(&full);
    let name = name
        .strip_suffix(suffix.as_str())
        .unwrap_or(name)
        .to_string();
    let names = match (&r.state, r.names) {
        (FileState::Writing, _) => "…".to_string(),
        (_, Some(n)) => n.to_string(),
        _ => String::new(),
    };
    let size = match r.state {
        FileState::Writing => "writing…".to_string(),
        _ => human(r.listed.size),
    };
    Cells {
        name,
        names,
        size,
        age: age(app.now, r.listed.modified),
    }
}

/// The prefix and suffix every listed name shares, said once in the title.
fn shared(app: &App) -> (String, String) {
    let all: Vec<String> = app
        .files
        .rows
        .iter()
        .map(|r| app.display_name(&r.listed.path))
        .collect();
    let prefix = names::common_prefix(&all);
    let rest: Vec<String> = all.iter().map(|n| n[prefix.len()..].to_string()).collect();
    // The suffix (`.pkl`) goes only with a prefix: alone it would save little
    // and make every name look cut.
    let suffix = if prefix.is_empty() {
        String::new()
    } else {
        names::common_suffix(&rest)
    };
    (prefix, suffix)
}

/// How wide the pane would like to be to show every name whole (borders included).
pub fn wanted_width(app: &App) -> u16 {
    let fixes = shared(app);
    let rows: Vec<Cells> = app
        .files
        .rows
        .iter()
        .map(|r| cells(app, &fixes, r))
        .collect();
    let (name_w, nums) = widths(&rows);
    let nums: usize = nums.iter().map(|w| w + GAP).sum();
    let title = app.files.rows.len().to_string().len()
        + fixes.0.chars().count()
        + fixes.1.chars().count()
        + 16;
    let want = (MARKS + name_w + nums).max(title) + 2;
    want.min(u16::MAX as usize) as u16
}

/// Widest name, and the widths of the names, size and age columns (headers included).
fn widths(rows: &[Cells]) -> (usize, [usize; 3]) {
    let w = |f: fn(&Cells) -> &String, head: &str| {
        rows.iter()
            .map(|c| f(c).chars().count())
            .chain([head.chars().count()])
            .max()
            .unwrap_or(0)
    };
    (
        w(|c| &c.name, "checkpoint"),
        [
            w(|c| &c.names, "names"),
            w(|c| &c.size, "size"),
            w(|c| &c.age, "age"),
        ],
    )
}

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
    let fixes = shared(app);
    let shared = if fixes.0.is_empty() && fixes.1.is_empty() {
        String::new()
    } else {
        format!(" · {}…{}", fixes.0, fixes.1)
    };
    let title = format!(" {dir}{more} ({}){shared} ", app.files.rows.len());
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
    let w = inner.width as usize;
    let rows: Vec<Cells> = app
        .files
        .rows
        .iter()
        .map(|r| cells(app, &fixes, r))
        .collect();
    let (name_full, nums) = widths(&rows);
    // Number columns come in as room allows, size first, then names, then
    // age, while a name keeps MIN_NAME characters; a shown number is never cut.
    let mut show = [false; 3];
    let room = |show: &[bool; 3]| {
        let used: usize = (0..3).filter(|&k| show[k]).map(|k| nums[k] + GAP).sum();
        w.saturating_sub(MARKS + used)
    };
    for k in [1, 0, 2] {
        let mut more = show;
        more[k] = true;
        if room(&more) >= MIN_NAME.min(name_full) {
            show = more;
        }
    }
    let name_w = room(&show).min(name_full).max(1);
    let header_h = usize::from(inner.height > 2);
    let height = (inner.height as usize).saturating_sub(header_h);
    scroll_into_view(&mut app.files.offset, app.files.selected, height);
    let mut lines: Vec<Line> = Vec::with_capacity(height + 1);
    if header_h == 1 {
        let mut head = format!("{:MARKS$}{:<name_w$}", "", "checkpoint");
        for (k, h) in ["names", "size", "age"]
            .iter()
            .enumerate()
            .filter(|(k, _)| show[*k])
        {
            head.push_str(&format!("{:>width$}", h, width = nums[k] + GAP));
        }
        lines.push(Line::styled(
            head,
            Style::default()
                .fg(t.dim)
                .add_modifier(Modifier::UNDERLINED),
        ));
    }
    let all: Vec<String> = rows.iter().map(|c| c.name.clone()).collect();
    let starts = if name_w < name_full {
        names::distinct_starts(&all)
    } else {
        vec![0; all.len()]
    };
    for (i, (r, c)) in app
        .files
        .rows
        .iter()
        .zip(&rows)
        .enumerate()
        .skip(app.files.offset)
        .take(height)
    {
        let (flag, flag_style) = flag(r, &t);
        // Too long: from where it differs from the others, then its middle elided.
        let name = match starts[i] {
            s if s > 0 && c.name.chars().count() > name_w => {
                let tail = c.name[s..].chars().count();
                if tail < name_w {
                    // The differing end fits: fill the rest with what leads up to it.
                    let n = c.name.chars().count();
                    let kept: String = c.name.chars().skip(n + 1 - name_w).collect();
                    format!("…{kept}")
                } else {
                    names::elide_middle(&format!("…{}", &c.name[s..]), name_w)
                }
            }
            _ => names::elide_middle(&c.name, name_w),
        };
        let mut spans = vec![
            Span::styled(
                if r.marked { "●" } else { " " },
                Style::default().fg(t.marked),
            ),
            Span::styled(flag, flag_style),
            Span::raw(" "),
            Span::raw(format!("{name:<name_w$}")),
        ];
        let size_style = match r.state {
            FileState::Writing => Style::default().fg(t.warn),
            _ => Style::default().fg(t.size),
        };
        let styles = [
            Style::default().fg(t.dim),
            size_style,
            Style::default().fg(t.dim),
        ];
        for (k, text) in [&c.names, &c.size, &c.age]
            .iter()
            .enumerate()
            .filter(|(k, _)| show[*k])
        {
            spans.push(Span::styled(
                format!("{:>width$}", text, width = nums[k] + GAP),
                styles[k],
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
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The one-character mark: writing, corrupt, dangerous, incomplete, env sidecar.
/// `?` help and the README explain them (`LEGEND`).
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

/// What the marks in the checkpoints pane mean, for `?` help.
pub const LEGEND: &[(&str, &str)] = &[
    ("●", "marked: the other side for d (diff) and e (env)"),
    ("e", "has an env sidecar (<name>_env.pkl)"),
    ("!", "incomplete: cut short (w or S salvages it)"),
    ("…", "still being written (size or time changing)"),
    ("⚠", "dangerous: loading would run unvetted code"),
    ("✗", "corrupt or unreadable"),
    ("names", "how many names it holds"),
];
