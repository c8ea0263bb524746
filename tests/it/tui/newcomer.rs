//! The TUI as a newcomer meets it: the checkpoint list with long names at the
//! three usual terminal sizes, `/` with n/N/Esc, the viewport after expanding
//! and hiding, state kept across checkpoints, and what the status line and the
//! dialogs say.

use std::fs;
use std::path::{Path, PathBuf};

use brine::tui::action::Action;
use brine::tui::app::Pane;
use brine::tui::dialog::Overlay;
use brine::tui::jobs::Event;

use super::{app_on, apply, sample_dir, screen, settle, text, written};

/// Long names as notebooks and training loops write them: a shared prefix and
/// endings that tell them apart.
const LONG: &[(&str, &str)] = &[
    (
        "checkpoint_analysis.pkl",
        "checkpoint_2026_11_23_churn_model_analysis_after_cleaning.pkl",
    ),
    (
        "checkpoint_notebook.pkl",
        "checkpoint_2026_11_23_churn_model_notebook_session_step_000400.pkl",
    ),
    (
        "checkpoint_training.pkl",
        "checkpoint_2026_11_23_churn_model_notebook_session_step_000800.pkl",
    ),
    (
        "checkpoint_helpers.pkl",
        "checkpoint_2026_11_23_churn_model_helpers.pkl",
    ),
];

fn long_dir() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = sample_dir(&[]);
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    for (from, to) in LONG {
        let p = dir.join(to);
        fs::copy(samples.join(from), &p).unwrap();
        fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(written())
            .unwrap();
    }
    (tmp, dir)
}

fn pane_width(app: &brine::tui::App) -> u16 {
    app.areas.files.width
}

#[test]
fn the_list_shows_what_tells_long_names_apart_at_every_size() {
    let (_tmp, dir) = long_dir();
    let mut app = app_on(&dir);
    let mut widths = Vec::new();
    for (w, h, snap) in [
        (80, 24, "long_names_80x24"),
        (120, 40, "long_names_120x40"),
        (200, 60, "long_names_200x60"),
    ] {
        let t = screen(&mut app, w, h);
        let s = text(&t);
        // The shared prefix is said once, in the title (whole when it fits).
        let title = s.lines().next().unwrap();
        assert!(title.contains("(4) · checkpoint_2026"), "{snap}\n{s}");
        if w >= 200 {
            assert!(
                title.contains("checkpoint_2026_11_23_churn_model_….pkl"),
                "{snap}\n{s}"
            );
        }
        // The ends that differ are shown, not cut away.
        for end in ["000400", "000800", "helpers"] {
            assert!(s.contains(end), "{snap}: {end} missing\n{s}");
        }
        // A header row, and each size whole and apart from the names count.
        assert!(
            s.contains("checkpoint") && s.contains("size"),
            "{snap}\n{s}"
        );
        for (_, to) in LONG {
            let size = brine::text::human_size(fs::metadata(dir.join(to)).unwrap().len());
            assert!(s.contains(&format!(" {size}")), "{snap}: {size} cut\n{s}");
        }
        widths.push(pane_width(&app));
        insta::assert_snapshot!(snap, t.backend());
    }
    assert!(
        widths[2] > widths[0],
        "the pane grows with the screen: {widths:?}"
    );
}

#[test]
fn slash_in_the_list_finds_a_file() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    assert_eq!(app.focus, Pane::Files);
    apply(&mut app, &[Action::Search]);
    for c in "train".chars() {
        apply(&mut app, &[Action::Input(c)]);
    }
    let sel = app.files.selected().unwrap().listed.path.clone();
    assert!(sel.ends_with("checkpoint_training.pkl"), "{sel:?}");
    // The names pane was not filtered by it.
    assert!(app.tree.search.is_empty());
    apply(
        &mut app,
        &[Action::Confirm, Action::Top, Action::SearchNext],
    );
    let sel = app.files.selected().unwrap().listed.path.clone();
    assert!(sel.ends_with("checkpoint_training.pkl"), "{sel:?}");
}

fn open_analysis(app: &mut brine::tui::App) {
    let i = app
        .files
        .rows
        .iter()
        .position(|r| r.listed.path.ends_with("checkpoint_analysis.pkl"))
        .unwrap();
    app.files.selected = i;
    apply(app, &[Action::Expand]);
    assert_eq!(app.focus, Pane::Tree);
}

#[test]
fn slash_in_the_names_is_a_visible_filter_with_n_and_esc() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    let all = app.tree.rows.len();
    apply(&mut app, &[Action::Search]);
    for c in "s".chars() {
        apply(&mut app, &[Action::Input(c)]);
    }
    apply(&mut app, &[Action::Confirm]);
    assert!(!app.searching);
    let kept = app.tree.rows.len();
    assert!(kept < all && kept >= 2, "{kept} of {all}");
    let s = text(&screen(&mut app, 120, 40));
    assert!(s.contains("/s (esc clears)"), "no chip:\n{s}");
    let first = app.tree.selected;
    apply(&mut app, &[Action::SearchNext]);
    assert_ne!(app.tree.selected, first, "n moves to the next match");
    apply(&mut app, &[Action::SearchPrev]);
    assert_eq!(app.tree.selected, first, "N moves back");
    apply(&mut app, &[Action::Cancel]);
    assert!(app.tree.search.is_empty());
    assert_eq!(app.tree.rows.len(), all, "esc brings every name back");
}

#[test]
fn expanding_the_last_visible_row_shows_its_children() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    // 100x16: the names pane shows a few rows; put an expandable name last.
    screen(&mut app, 100, 16);
    let height = app.areas.tree.height as usize - 2;
    let i = app
        .tree
        .rows
        .iter()
        .position(|r| r.name == "summary")
        .unwrap();
    app.tree.selected = i;
    app.tree.offset = (i + 1).saturating_sub(height);
    screen(&mut app, 100, 16);
    apply(&mut app, &[Action::Expand]);
    let s = text(&screen(&mut app, 100, 16));
    assert!(s.contains("total_revenue"), "children below the view:\n{s}");
    assert!(
        s.contains("summary"),
        "the expanded row left the view:\n{s}"
    );
}

#[test]
fn hiding_rows_leaves_no_blank_view() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    screen(&mut app, 100, 16);
    apply(&mut app, &[Action::Bottom]);
    screen(&mut app, 100, 16);
    apply(&mut app, &[Action::HideDunders]);
    screen(&mut app, 100, 16);
    // Borders and the header row.
    let height = app.areas.tree.height as usize - 3;
    let rows = app.tree.rows.len();
    assert!(
        app.tree.offset + height <= rows.max(height),
        "offset {} with {rows} rows in {height}",
        app.tree.offset
    );
    assert_eq!(app.tree.offset, rows.saturating_sub(height));
}

#[test]
fn expansion_survives_switching_checkpoints() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    let i = app
        .tree
        .rows
        .iter()
        .position(|r| r.name == "summary")
        .unwrap();
    app.tree.selected = i;
    apply(&mut app, &[Action::Expand, Action::PrevPane]);
    assert_eq!(app.focus, Pane::Files);
    apply(&mut app, &[Action::Down]);
    assert!(
        !app.opened
            .as_ref()
            .unwrap()
            .path
            .ends_with("checkpoint_analysis.pkl")
    );
    apply(&mut app, &[Action::Up]);
    assert!(
        app.opened
            .as_ref()
            .unwrap()
            .path
            .ends_with("checkpoint_analysis.pkl")
    );
    let row = app.tree.rows.iter().find(|r| r.name == "summary").unwrap();
    assert!(row.expanded, "summary collapsed after coming back");
    assert_eq!(app.tree.selected().unwrap().name, "summary");
}

#[test]
fn an_overwritten_file_says_reloaded() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    let p = dir.join("checkpoint_analysis.pkl");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    fs::copy(samples.join("checkpoint_helpers.pkl"), &p).unwrap();
    let cmds = app.on_event(Event::Changed(vec![p]));
    settle(&mut app, cmds);
    let m = app.message.as_ref().expect("a message").text.clone();
    assert!(m.contains("reloaded"), "{m}");
}

#[test]
fn the_focused_pane_is_marked_and_undo_keeps_focus() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    let s = text(&screen(&mut app, 120, 40));
    assert_eq!(s.matches('▶').count(), 1, "{s}");
    let title_row = s.lines().find(|l| l.contains('▶')).unwrap();
    assert!(
        title_row.contains("names"),
        "the names pane is focused: {title_row}"
    );
    let backup = brine::store::write::Backup {
        original: dir.join("checkpoint_analysis.pkl"),
        backup: dir.join("none"),
        time: 1_800_000_000 + 3000,
        bytes: 5700,
        reason: "tui re-dump".into(),
        sha256: None,
        restores: None,
    };
    let cmds = app.on_event(Event::BackupFound {
        path: dir.join("checkpoint_analysis.pkl"),
        result: Ok(Some(backup)),
    });
    settle(&mut app, cmds);
    let Some(Overlay::Confirm(c)) = &app.overlay else {
        panic!("no undo dialog");
    };
    let said: Vec<&str> = c.lines.iter().map(|l| l.text.as_str()).collect();
    let said = said.join("\n");
    assert!(
        said.contains("undo the re-dump of checkpoint_analysis.pkl, 10 minutes ago"),
        "{said}"
    );
    assert!(said.contains("5.6 KiB"), "{said}");
    assert_eq!(app.focus, Pane::Tree);
}

#[test]
fn no_backup_means_no_undo_dialog() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    let cmds = app.on_event(Event::BackupFound {
        path: dir.join("checkpoint_analysis.pkl"),
        result: Ok(None),
    });
    settle(&mut app, cmds);
    assert!(app.overlay.is_none());
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("nothing to undo")
    );
}

#[test]
fn status_messages_do_not_outlive_their_checkpoint() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    apply(&mut app, &[Action::Sort]);
    assert!(app.message.is_some());
    apply(&mut app, &[Action::PrevPane, Action::Down]);
    assert!(app.message.is_none(), "{:?}", app.message);
    apply(&mut app, &[Action::Sort, Action::Help]);
    let s = text(&screen(&mut app, 120, 40));
    let status = s.lines().last().unwrap();
    assert!(!status.contains("sorted by"), "{status}");
    assert!(status.contains("esc close"), "{status}");
}

#[test]
fn colon_and_other_unbound_keys_say_something() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    apply(&mut app, &[Action::Unbound(':')]);
    let m = app.message.as_ref().unwrap().text.clone();
    assert!(m.contains("no : command line") && m.contains('?'), "{m}");
    apply(&mut app, &[Action::Unbound('z')]);
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("'z' does nothing")
    );
}

#[test]
fn space_moves_the_cursor_in_the_names_pane() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    let before = app.tree.selected;
    apply(&mut app, &[Action::Mark]);
    assert_eq!(app.tree.selected, before + 1);
    assert_eq!(app.tree.marks.len(), 1);
}

#[test]
fn w_on_a_cut_file_is_a_salvage_to_a_new_file() {
    let (_tmp, dir) = sample_dir(&["checkpoint_interrupted.pkl", "checkpoint_analysis.pkl"]);
    let mut app = app_on(&dir);
    let cut = dir.join("checkpoint_interrupted.pkl");
    let before = fs::read(&cut).unwrap();
    let i = app.files.index_of(&cut).unwrap();
    app.files.selected = i;
    apply(&mut app, &[Action::Expand, Action::Redump]);
    let Some(Overlay::Confirm(c)) = &app.overlay else {
        panic!("no dialog");
    };
    assert!(c.title.contains("Salvage"), "{}", c.title);
    let said: Vec<&str> = c.lines.iter().map(|l| l.text.as_str()).collect();
    let said = said.join("\n");
    assert!(!said.contains("every name kept"), "{said}");
    assert!(said.contains("lose  the cut inside '"), "{said}");
    assert!(
        said.contains("checkpoint_interrupted_salvaged.pkl (a new file)"),
        "{said}"
    );
    apply(&mut app, &[Action::Confirm]);
    assert_eq!(fs::read(&cut).unwrap(), before, "the cut file is untouched");
    let out = dir.join("checkpoint_interrupted_salvaged.pkl");
    let s = brine::session::Session::open(&out).unwrap();
    assert!(s.complete());
    let m = app.message.as_ref().unwrap().text.clone();
    assert!(m.contains("salvage: wrote") && m.contains("lost:"), "{m}");
    // S is the same action by its own key; on a complete file it says so.
    app.files.selected = app
        .files
        .index_of(&dir.join("checkpoint_analysis.pkl"))
        .unwrap();
    app.focus = Pane::Files;
    apply(&mut app, &[Action::Expand, Action::Salvage]);
    assert!(app.overlay.is_none());
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("nothing to salvage")
    );
}

#[test]
fn a_filter_matching_nothing_says_so() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    apply(&mut app, &[Action::Filter]);
    for c in "zzz".chars() {
        apply(&mut app, &[Action::Input(c)]);
    }
    apply(&mut app, &[Action::Confirm]);
    let s = text(&screen(&mut app, 100, 30));
    assert!(s.contains("no name matches zzz: nothing to write"), "{s}");
    let Some(Overlay::Filter(f)) = &app.overlay else {
        panic!("the dialog closed");
    };
    assert!(!f.confirming);
}

#[test]
fn help_explains_the_marks_and_what_restore_takes() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    apply(&mut app, &[Action::Help]);
    apply(
        &mut app,
        &[Action::PageDown, Action::PageDown, Action::PageDown],
    );
    let mut all = String::new();
    for scroll in 0..8 {
        if let Some(Overlay::Help { scroll: s }) = &mut app.overlay {
            *s = scroll * 10;
        }
        all.push_str(&text(&screen(&mut app, 120, 40)));
    }
    for want in [
        "marks in the checkpoints pane",
        "incomplete: cut short",
        "env sidecar",
        "marked names, or all if none marked",
        "patterns (space-separated)",
    ] {
        assert!(all.contains(want), "{want} missing from help");
    }
}

#[test]
fn previews_cut_to_fit_have_one_ellipsis() {
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    for w in 70..130 {
        let s = text(&screen(&mut app, w, 30));
        assert!(!s.contains("……"), "at width {w}:\n{s}");
    }
}

#[test]
fn scan_findings_are_grouped_below_the_file_facts() {
    use brine::scan::{Category, Finding, Place, Severity};
    let (_tmp, dir) = sample_dir(super::ALL);
    let mut app = app_on(&dir);
    open_analysis(&mut app);
    apply(&mut app, &[Action::PrevPane]);
    let o = app.opened.as_mut().unwrap();
    let mut report = (*o.scan).clone();
    // What an IPython session with 225 figures in `_oh` gives: one notice per entry.
    for i in 0..225 {
        report.findings.push(Finding {
            variable: Some(format!("_{i}")),
            place: Place::Variable,
            offset: 100 + i,
            severity: Severity::Unknown,
            category: Category::Unlisted,
            what: "builds matplotlib.figure.Figure (not in brine's table)".into(),
            count: 1,
        });
    }
    report.verdict = Severity::Unknown;
    o.scan = std::sync::Arc::new(report);
    let s = text(&screen(&mut app, 120, 60));
    let at = |needle: &str| s.lines().position(|l| l.contains(needle));
    let format = at("format   dill-module").expect("file facts shown");
    let scan = at("scan     unknown").expect("scan shown");
    assert!(format < scan, "facts come first:\n{s}");
    let figure_lines = s
        .lines()
        .filter(|l| l.contains("matplotlib.figure"))
        .count();
    assert_eq!(figure_lines, 1, "one line for 225 findings:\n{s}");
    assert!(
        s.contains("_0, _1 and 223 more") && s.contains("(×225)"),
        "{s}"
    );
}
