//! The TUI's main screens, drawn on a TestBackend from the sample checkpoints,
//! with every command run to completion in between.

mod newcomer;
mod pty;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use brine::tui::action::Action;
use brine::tui::app::Pane;
use brine::tui::config::Config;
use brine::tui::jobs::{self, Command};
use brine::tui::{App, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The time every sample file is dated; the app's clock is an hour later.
fn written() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// A temp dir holding `ckpts/` with copies of the named samples.
pub fn sample_dir(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpts");
    fs::create_dir(&dir).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    for n in names {
        let to = dir.join(n);
        fs::copy(samples.join(n), &to).unwrap();
        fs::File::options()
            .write(true)
            .open(&to)
            .unwrap()
            .set_modified(written())
            .unwrap();
    }
    (tmp, dir)
}

const ALL: &[&str] = &[
    "checkpoint_analysis.pkl",
    "analysis_env.pkl",
    "checkpoint_helpers.pkl",
    "checkpoint_notebook.pkl",
    "checkpoint_training.pkl",
    "training_env.pkl",
];

/// Runs commands (and the commands their results ask for) until none are left.
fn settle(app: &mut App, mut cmds: Vec<Command>) {
    while let Some(c) = cmds.pop() {
        if matches!(c, Command::Restore { .. }) {
            continue;
        }
        let mut events = Vec::new();
        jobs::perform(c, &mut |e| events.push(e));
        for e in events {
            cmds.extend(app.on_event(e));
        }
    }
}

fn app_on(dir: &Path) -> App {
    let now = written() + Duration::from_secs(3600);
    let (mut app, cmds) = App::new(Config::defaults(), vec![dir.to_path_buf()], now);
    settle(&mut app, cmds);
    app
}

fn apply(app: &mut App, actions: &[Action]) {
    for &a in actions {
        let cmds = app.update(a);
        settle(app, cmds);
    }
}

fn screen(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(app, f)).unwrap();
    t
}

fn text(t: &Terminal<TestBackend>) -> String {
    let b = t.backend().buffer();
    let mut s = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            s.push_str(b[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn list_screen_shows_every_checkpoint_with_marks_and_the_first_one_previewed() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    // Sidecars are attached to their checkpoints, not listed.
    assert_eq!(app.files.rows.len(), 4);
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("list_80x24", t.backend());
    let t = screen(&mut app, 200, 60);
    insta::assert_snapshot!("list_200x60", t.backend());
}

#[test]
fn tree_expanded_shows_children_of_a_name() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    apply(
        &mut app,
        &[Action::Down, Action::Down, Action::Down, Action::Expand],
    );
    assert!(
        app.opened
            .as_ref()
            .unwrap()
            .path
            .ends_with("checkpoint_training.pkl")
    );
    apply(&mut app, &[Action::HideDunders, Action::Sort, Action::Top]);
    // Walk to the first function-like name and open it.
    let i = app
        .tree
        .rows
        .iter()
        .position(|r| r.ty == "builtins.function")
        .unwrap();
    app.tree.selected = i;
    apply(&mut app, &[Action::Expand]);
    assert!(app.tree.rows[i].expanded);
    assert!(app.tree.rows[i + 1].depth == 1);
    let t = screen(&mut app, 100, 30);
    insta::assert_snapshot!("tree_expanded", t.backend());
}

#[test]
fn details_pane_shows_the_selected_value_in_full() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    apply(&mut app, &[Action::Expand]);
    let i = app
        .tree
        .rows
        .iter()
        .position(|r| r.name == "sales")
        .unwrap();
    app.tree.selected = i;
    apply(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus, Pane::Details);
    let t = screen(&mut app, 120, 36);
    assert!(text(&t).contains("pandas.core.frame.DataFrame"));
    insta::assert_snapshot!("details", t.backend());
}

#[test]
fn help_lists_every_key() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    apply(&mut app, &[Action::Help]);
    let t = screen(&mut app, 100, 34);
    let s = text(&t);
    for k in ["ctrl-c", "shift-tab", "space", "f1"] {
        assert!(s.contains(k), "{k} missing from help");
    }
    insta::assert_snapshot!("help", t.backend());
    apply(&mut app, &[Action::Cancel]);
    assert!(app.overlay.is_none());
}

#[test]
fn filter_preview_lists_what_goes_and_the_bytes_saved() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    let i = app
        .files
        .rows
        .iter()
        .position(|r| r.listed.path.ends_with("checkpoint_notebook.pkl"))
        .unwrap();
    app.files.selected = i;
    apply(&mut app, &[Action::Expand, Action::Filter]);
    for c in "@ipython".chars() {
        apply(&mut app, &[Action::Input(c)]);
    }
    let t = screen(&mut app, 100, 30);
    let s = text(&t);
    assert!(s.contains("18 names go"), "{s}");
    insta::assert_snapshot!("filter_preview", t.backend());
    apply(&mut app, &[Action::Toggle, Action::Confirm]);
    let t = screen(&mut app, 100, 30);
    assert!(text(&t).contains("now? enter/y"));
}

#[test]
fn env_compare_puts_two_checkpoints_side_by_side() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    // Mark training (the last), then compare analysis (the first) with it.
    apply(
        &mut app,
        &[
            Action::Bottom,
            Action::Mark,
            Action::Top,
            Action::Expand,
            Action::Env,
        ],
    );
    let t = screen(&mut app, 100, 24);
    let s = text(&t);
    assert!(s.contains("compare env"), "{s}");
    assert!(s.contains("checkpoint_training.pkl"), "{s}");
    insta::assert_snapshot!("env_compare", t.backend());
}

#[test]
fn diff_shows_added_removed_and_changed_names() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    apply(
        &mut app,
        &[
            Action::Bottom,
            Action::Mark,
            Action::Top,
            Action::Expand,
            Action::Diff,
        ],
    );
    let t = screen(&mut app, 100, 30);
    let s = text(&t);
    assert!(s.contains("added") && s.contains("removed"), "{s}");
    insta::assert_snapshot!("diff", t.backend());
}

#[test]
fn error_state_shows_corrupt_files_and_the_reason() {
    let (_tmp, dir) = sample_dir(&["checkpoint_helpers.pkl"]);
    fs::write(dir.join("broken.pkl"), b"\x80\x04\xf3garbage").unwrap();
    let cut = fs::read(dir.join("checkpoint_helpers.pkl")).unwrap();
    fs::write(dir.join("cut.pkl"), &cut[..cut.len() / 2]).unwrap();
    for n in ["broken.pkl", "cut.pkl"] {
        fs::File::options()
            .write(true)
            .open(dir.join(n))
            .unwrap()
            .set_modified(written())
            .unwrap();
    }
    let mut app = app_on(&dir);
    apply(&mut app, &[Action::Top]);
    let t = screen(&mut app, 80, 24);
    let s = text(&t);
    assert!(s.contains("corrupt"), "{s}");
    insta::assert_snapshot!("error_state", t.backend());
    // A directory that cannot be read is a message, not a crash.
    let (mut gone, cmds) = App::new(Config::defaults(), vec![dir.join("missing")], written());
    settle(&mut gone, cmds);
    let t = screen(&mut gone, 80, 12);
    assert!(text(&t).contains("cannot read the directory"));
}

#[test]
fn search_and_marks_narrow_the_tree() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    apply(&mut app, &[Action::Expand, Action::Search]);
    for c in "sal".chars() {
        apply(&mut app, &[Action::Input(c)]);
    }
    apply(&mut app, &[Action::Confirm]);
    let names: Vec<&str> = app.tree.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["sales"]);
    apply(&mut app, &[Action::Mark]);
    assert!(app.tree.marks.contains("sales"));
    apply(&mut app, &[Action::Search, Action::Cancel]);
    assert_eq!(app.tree.rows.len(), 16);
}

#[test]
fn small_terminals_show_only_the_focused_pane() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    let t = screen(&mut app, 40, 10);
    insta::assert_snapshot!("small_40x10", t.backend());
}

fn app_with_python(dir: &Path, python: &str) -> App {
    let now = written() + Duration::from_secs(3600);
    let mut config = Config::defaults();
    config.restore.python = python.to_string();
    let (mut app, cmds) = App::new(config, vec![dir.to_path_buf()], now);
    settle(&mut app, cmds);
    app
}

/// A stand-in Python that answers the env probe with a fixed, old environment.
#[cfg(unix)]
fn old_python(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("oldpython");
    let answer = r#"{"version": "3.11.7 (main)", "python": "3.11", "platform": "linux", "executable": "/opt/old/bin/python", "implementation": "cpython", "packages": {"dill": "0.3.5.1", "numpy": "1.26.4", "pandas": null}, "found": {"dill": true, "numpy": true, "pandas": false}}"#;
    fs::write(&p, format!("#!/bin/sh\necho '{answer}'\n")).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[cfg(unix)]
#[test]
fn env_against_the_local_python_shows_each_mismatch_with_its_consequence() {
    let (tmp, dir) = sample_dir(ALL);
    let py = old_python(tmp.path());
    let mut app = app_with_python(&dir, &py.display().to_string());
    apply(&mut app, &[Action::Expand, Action::Env]);
    let t = screen(&mut app, 120, 30);
    let s = text(&t);
    assert!(s.contains("LOCAL"), "{s}");
    assert!(s.contains("module `pandas` not found here"), "{s}");
    assert!(s.contains("verdict fail"), "{s}");
    assert!(!s.contains("probing"), "{s}");
    // The stand-in lives in a temp dir: keep its name, padded to keep the box straight.
    let long = py.display().to_string();
    let shown = s.replace(
        &long,
        &format!("{:<1$}", "<tmp>/oldpython", long.chars().count()),
    );
    insta::assert_snapshot!("env_local", shown);
}

#[test]
fn env_with_a_python_that_cannot_run_still_shows_the_checkpoint_by_itself() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_with_python(&dir, "brine-no-such-python");
    apply(&mut app, &[Action::Expand, Action::Env]);
    let s = text(&screen(&mut app, 100, 30));
    assert!(s.contains("compare env"), "{s}");
    assert!(s.contains("brine-no-such-python: command not found"), "{s}");
    assert!(s.contains("verdict ok"), "{s}");
    assert!(app.env_waiting.is_none());
}

#[test]
fn restoring_a_dangerous_file_shows_the_scan_and_takes_typing_trust() {
    let (_tmp, dir) = sample_dir(&["checkpoint_helpers.pkl"]);
    fs::write(dir.join("evil.pkl"), b"cos\nsystem\n(S'echo hi'\ntR.").unwrap();
    fs::File::options()
        .write(true)
        .open(dir.join("evil.pkl"))
        .unwrap()
        .set_modified(written())
        .unwrap();
    let mut app = app_with_python(&dir, "brine-no-such-python");
    let i = app
        .files
        .rows
        .iter()
        .position(|r| r.listed.path.ends_with("evil.pkl"))
        .unwrap();
    assert_eq!(
        app.files.rows[i].scan,
        Some(brine::scan::Severity::Dangerous)
    );
    app.files.selected = i;
    apply(&mut app, &[Action::Expand, Action::Restore]);
    let t = screen(&mut app, 100, 30);
    let s = text(&t);
    assert!(s.contains("⚠"), "the checkpoint list marks it: {s}");
    assert!(s.contains("scan     dangerous"), "{s}");
    assert!(s.contains("os.system"), "{s}");
    insta::assert_snapshot!("restore_dangerous", t.backend());
    // y is just a letter here, and enter without the word does nothing.
    assert!(app.update(Action::Input('y')).is_empty());
    assert!(app.update(Action::Confirm).is_empty());
    assert!(app.overlay.is_some());
    app.update(Action::Backspace);
    for c in "trust".chars() {
        app.update(Action::Input(c));
    }
    let cmds = app.update(Action::Confirm);
    assert!(
        matches!(&cmds[..], [Command::Restore { trust: true, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn restoring_a_safe_file_asks_a_plain_yes_with_the_verdicts() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_with_python(&dir, "brine-no-such-python");
    apply(&mut app, &[Action::Expand, Action::Restore]);
    let s = text(&screen(&mut app, 100, 30));
    assert!(s.contains("scan     safe"), "{s}");
    assert!(s.contains("env      unknown"), "{s}");
    let cmds = app.update(Action::Confirm);
    assert!(
        matches!(&cmds[..], [Command::Restore { trust: false, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn filter_and_extract_dialogs_warn_about_what_kept_functions_lose_and_keep_it_on_request() {
    let (_tmp, dir) = sample_dir(ALL);
    let mut app = app_on(&dir);
    let i = app
        .files
        .rows
        .iter()
        .position(|r| r.listed.path.ends_with("checkpoint_training.pkl"))
        .unwrap();
    app.files.selected = i;
    apply(&mut app, &[Action::Expand, Action::Filter]);
    for c in "config".chars() {
        apply(&mut app, &[Action::Input(c)]);
    }
    let t = screen(&mut app, 100, 30);
    let s = text(&t);
    assert!(
        s.contains("warning: lr_schedule uses config, which this edit drops"),
        "{s}"
    );
    insta::assert_snapshot!("filter_deps_warning", t.backend());
    // ctrl-d: config stays, because lr_schedule (kept) needs it.
    apply(&mut app, &[Action::ToggleDeps]);
    let s = text(&screen(&mut app, 100, 30));
    assert!(s.contains("with dependencies: on"), "{s}");
    assert!(s.contains("kept, needed by kept names: config"), "{s}");
    assert!(s.contains("0 names go"), "{s}");
    assert!(!s.contains("warning:"), "{s}");
    apply(&mut app, &[Action::Cancel]);
    // Extract lr_schedule alone: the dialog names what it uses; d keeps it.
    apply(&mut app, &[Action::Search]);
    for c in "lr_sch".chars() {
        apply(&mut app, &[Action::Input(c)]);
    }
    apply(&mut app, &[Action::Confirm, Action::Mark, Action::Extract]);
    let t = screen(&mut app, 100, 30);
    let s = text(&t);
    assert!(
        s.contains("warning: lr_schedule uses math, config, which this edit drops"),
        "{s}"
    );
    insta::assert_snapshot!("extract_deps_warning", t.backend());
    apply(&mut app, &[Action::ToggleDeps]);
    let s = text(&screen(&mut app, 100, 30));
    assert!(s.contains("also kept, needed by them: math, config"), "{s}");
    assert!(!s.contains("warning:"), "{s}");
    let Some(brine::tui::dialog::Overlay::Confirm(c)) = &app.overlay else {
        panic!("no extract dialog");
    };
    let brine::tui::dialog::Pending::Extract { names, .. } = &c.pending else {
        panic!("not an extract");
    };
    assert_eq!(names, &["lr_schedule", "math", "config"]);
}

#[test]
fn issue_10_details_show_the_calls_loading_a_name_performs() {
    let (_tmp, dir) = sample_dir(&["checkpoint_helpers.pkl"]);
    // A namespace dict whose entry `records` reaches a shell through a chain:
    // getattr(__import__('os'), 'system')('touch brine-marker').
    fs::write(
        dir.join("evil.pkl"),
        b"(dp0\nS'records'\np1\ncbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'touch brine-marker'\ntRs.",
    )
    .unwrap();
    fs::File::options()
        .write(true)
        .open(dir.join("evil.pkl"))
        .unwrap()
        .set_modified(written())
        .unwrap();
    let mut app = app_on(&dir);
    let i = app
        .files
        .rows
        .iter()
        .position(|r| r.listed.path.ends_with("evil.pkl"))
        .unwrap();
    app.files.selected = i;
    apply(&mut app, &[Action::Expand]);
    let s = text(&screen(&mut app, 120, 40));
    // The call log line: every call in order, the getattr between the two.
    let at = s
        .find("calls    builtins.__import__('os'")
        .unwrap_or_else(|| panic!("no call log in the details:\n{s}"));
    let log = &s[at..];
    let (getattr, system) = (log.find("builtins.getattr("), log.find("os.system('touch"));
    assert!(
        matches!((getattr, system), (Some(g), Some(y)) if g < y),
        "the whole chain, in order:\n{s}"
    );
}
