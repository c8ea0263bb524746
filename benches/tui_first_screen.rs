//! First screen of a directory of 1,000 checkpoints: list, then draw (the
//! target is under 200 ms). Probing each file runs in the background after
//! the first frame, so it is not part of it; opening the selected file is
//! measured separately.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use brine::tui::config::Config;
use brine::tui::jobs::{self, Command, Event};
use brine::tui::{App, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const FILES: usize = 1000;

fn main() {
    divan::main();
}

/// A temp dir with 1,000 copies of the sample checkpoints (plus their sidecars).
fn thousand() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ckpts");
    std::fs::create_dir(&dir).expect("mkdir");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let names = [
        "checkpoint_analysis.pkl",
        "checkpoint_helpers.pkl",
        "checkpoint_notebook.pkl",
        "checkpoint_training.pkl",
    ];
    for i in 0..FILES {
        let from = samples.join(names[i % names.len()]);
        std::fs::copy(&from, dir.join(format!("checkpoint_{i:04}.pkl"))).expect("copy");
        if i % 10 == 0 {
            std::fs::copy(
                samples.join("training_env.pkl"),
                dir.join(format!("{i:04}_env.pkl")),
            )
            .expect("copy sidecar");
        }
    }
    (tmp, dir)
}

/// Runs the commands that make the first screen; returns the rest (background work).
fn first_screen(dir: &Path, open_first: bool) -> (App, Terminal<TestBackend>) {
    let now = SystemTime::now() + Duration::from_secs(60);
    let (mut app, cmds) = App::new(Config::defaults(), vec![dir.to_path_buf()], now);
    let mut pending = cmds;
    while let Some(c) = pending.pop() {
        let wanted = match c {
            Command::List { .. } => true,
            Command::Load { .. } => open_first,
            _ => false,
        };
        if !wanted {
            continue;
        }
        let mut events: Vec<Event> = Vec::new();
        jobs::perform(c, &mut |e| events.push(e));
        for e in events {
            pending.extend(app.on_event(e));
        }
    }
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| render(&mut app, f)).expect("draw");
    (app, t)
}

#[divan::bench(sample_count = 20)]
fn list_and_draw_1000(bencher: divan::Bencher) {
    let (_tmp, dir) = thousand();
    bencher.bench_local(|| {
        let (app, _t) = first_screen(&dir, false);
        assert_eq!(app.files.rows.len(), FILES);
        app
    });
}

#[divan::bench(sample_count = 20)]
fn list_open_first_and_draw_1000(bencher: divan::Bencher) {
    let (_tmp, dir) = thousand();
    bencher.bench_local(|| {
        let (app, _t) = first_screen(&dir, true);
        assert!(app.opened.is_some());
        app
    });
}
