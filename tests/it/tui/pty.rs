//! The real binary in a real pseudo-terminal: keys in, vt100 screen out.
//!
//! The harness answers the cursor-position query (DSR) that ratatui sends on
//! `Terminal::clear`, since vt100 does not.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::sample_dir;
use brine::session::Session;

const DSR: &[u8] = b"\x1b[6n";

struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("non-zero size")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Tui {
    /// Starts `brine DIR` at 100×30 with its config and data dirs under `home`.
    fn start(dir: &Path, home: &Path, python: Option<&Path>) -> Tui {
        let (rows, cols) = (30, 100);
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let config = home.join("config.toml");
        let py = python.map_or("python3".to_string(), |p| p.display().to_string());
        std::fs::write(&config, format!("[restore]\npython = \"{py}\"\n")).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_brine"));
        cmd.arg(dir);
        cmd.env("TERM", "xterm-256color");
        cmd.env("BRINE_CONFIG", &config);
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("RUST_BACKTRACE", "0");
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer: Arc<Mutex<Box<dyn Write + Send>>> =
            Arc::new(Mutex::new(pair.master.take_writer().unwrap()));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        {
            let (parser, writer) = (parser.clone(), writer.clone());
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let mut tail: Vec<u8> = Vec::new();
                while let Ok(n @ 1..) = reader.read(&mut buf) {
                    let mut p = parser.lock().unwrap();
                    tail.extend_from_slice(&buf[..n]);
                    let mut start = 0;
                    while let Some(i) = find(&tail[start..], DSR) {
                        let end = start + i + DSR.len();
                        p.process(&tail[start..end]);
                        let (r, c) = p.screen().cursor_position();
                        let _ = write!(writer.lock().unwrap(), "\x1b[{};{}R", r + 1, c + 1);
                        start = end;
                    }
                    // Hold back a trailing partial query only when it really is one.
                    let keep = (start.max(tail.len().saturating_sub(DSR.len() - 1))..tail.len())
                        .find(|&j| DSR.starts_with(&tail[j..]))
                        .unwrap_or(tail.len());
                    p.process(&tail[start..keep]);
                    tail.drain(..keep);
                }
            });
        }
        Tui {
            parser,
            writer,
            child,
            _master: pair.master,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn send(&self, keys: &str) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(keys.as_bytes()).unwrap();
        w.flush().unwrap();
    }

    /// Waits until the screen satisfies `pred`; fails with the screen after 10 s.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }

    fn quit(mut self) {
        self.send("q");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "brine exited with {status:?}");
                return;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("brine did not quit; screen:\n{}", self.screen());
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

const SAMPLES: &[&str] = &[
    "checkpoint_analysis.pkl",
    "analysis_env.pkl",
    "checkpoint_helpers.pkl",
    "checkpoint_training.pkl",
];

#[test]
fn browse_open_expand_and_see_a_new_checkpoint_appear() {
    let (tmp, dir) = sample_dir(SAMPLES);
    let tui = Tui::start(&dir, tmp.path(), None);
    tui.wait_for("checkpoint_helper");
    assert!(tui.parser.lock().unwrap().screen().alternate_screen());
    // Open the first checkpoint and find a name by search.
    tui.send("\r");
    tui.wait_for("__name__");
    tui.send("/sales\r");
    tui.wait("only sales in the tree", |s| {
        !s.contains("__name__") && s.contains("sales")
    });
    tui.send("l");
    tui.wait_for("_mgr");
    // A new checkpoint dropped into the folder shows up by itself.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    std::fs::copy(
        samples.join("checkpoint_notebook.pkl"),
        dir.join("late.pkl"),
    )
    .unwrap();
    tui.wait_for("late.pkl");
    // And one deleted goes away.
    std::fs::remove_file(dir.join("checkpoint_helpers.pkl")).unwrap();
    tui.wait("helpers gone", |s| !s.contains("checkpoint_helpers"));
    tui.quit();
}

#[test]
fn filter_with_a_pattern_rewrites_the_file_on_disk() {
    let (tmp, dir) = sample_dir(SAMPLES);
    let file = dir.join("checkpoint_analysis.pkl");
    assert!(Session::open(&file).unwrap().entry("summary").is_some());
    let tui = Tui::start(&dir, tmp.path(), None);
    tui.wait_for("checkpoint_helper");
    tui.send("\r");
    tui.wait_for("__name__");
    tui.send("f");
    tui.wait_for("pattern");
    tui.send("summ");
    tui.wait_for("1 names go");
    tui.send("\r");
    tui.wait_for("now? enter/y");
    tui.send("y");
    let s = tui.wait("the write to finish", |s| {
        s.contains("filter: wrote") || s.contains("failed")
    });
    assert!(s.contains("filter: wrote"), "{s}");
    let after = Session::open(&file).unwrap();
    assert!(after.complete());
    assert!(after.entry("summary").is_none());
    assert!(after.entry("sales").is_some());
    // The tree follows the file: the name is gone from the screen too.
    tui.wait("summary gone from the tree", |s| !s.contains("summary"));
    tui.quit();
}

#[test]
fn restore_hands_the_terminal_to_python_and_comes_back() {
    let (tmp, dir) = sample_dir(SAMPLES);
    let record = tmp.path().join("args.txt");
    let fake = tmp.path().join("fakepython");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\necho fake python ran\nexit 7\n",
            record.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let tui = Tui::start(&dir, tmp.path(), Some(&fake));
    tui.wait_for("checkpoint_helper");
    tui.send("\r");
    tui.wait_for("__name__");
    tui.send("R");
    // The dialog waits for the scan and the env check of what would load.
    let s = tui.wait_for("Restore into Python?");
    assert!(s.contains("scan     safe"), "{s}");
    assert!(s.contains("env      unknown"), "{s}");
    tui.send("y");
    // Python failed (exit 7): its output stays until enter is pressed.
    tui.wait_for("press enter to go back");
    tui.send("\r");
    let s = tui.wait_for("exit 7");
    // Back in the UI, fully redrawn.
    assert!(s.contains("checkpoint_helper"), "{s}");
    // The last run is the restore itself (the env probes ran before it): the
    // snippet from `crate::restore` loads the scanned bytes brine hands over
    // as descriptor 3, never a path another user could swap.
    let args = std::fs::read_to_string(&record).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args[0], "-i");
    assert_eq!(args[1], "-c");
    let code = args[2..].join("\n");
    assert!(code.contains("load_module("), "{args:?}");
    assert!(code.contains("load_module(u'/dev/fd/3')"), "{args:?}");
    tui.quit();
}

#[test]
fn diff_with_a_marked_checkpoint_shows_changes_and_their_items() {
    let (tmp, dir) = sample_dir(SAMPLES);
    let tui = Tui::start(&dir, tmp.path(), None);
    // Every checkpoint must be listed before G can reach the last one (the watcher may
    // still be adding rows on a loaded machine).
    tui.wait_for("checkpoint_traini");
    tui.wait_for("ckpts (3)");
    // Mark the last checkpoint, open the first, diff them.
    tui.send("G ");
    tui.wait_for("●");
    tui.send("g\r");
    // Wait for what only the opened first file shows: `__name__` alone is already on the
    // screen in the preview of the highlighted (last) file.
    tui.wait_for("checkpoint_analysis.pkl · 16 names");
    tui.send("d");
    // The status line says "d diff" too: wait for the diff itself.
    let s = tui.wait("the diff", |s| s.contains("added") && s.contains("removed"));
    assert!(
        s.contains("checkpoint_analysis.pkl  →  checkpoint_training.pkl"),
        "{s}"
    );
    assert!(s.contains("size "), "{s}");
    tui.send("\x1b");
    tui.wait("the diff closed", |s| !s.contains("removed"));
    tui.quit();
}
