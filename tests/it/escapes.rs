//! Issue 11, output: every human output of the CLI on real-dill sessions whose
//! names, qualnames, module names, code paths, values and sidecar values hold
//! terminal escapes (OSC 52, title, screen clear, C1 CSI), bidi overrides,
//! invisible and look-alike characters. Nothing raw may reach the terminal;
//! JSON keeps the exact text. Fixtures: tests/fixtures/gen_hostile.py.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

fn a() -> String {
    dir().join("escapes--a.pkl").display().to_string()
}

fn brine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .env_remove("BRINE_CONFIG")
        .output()
        .expect("run brine")
}

/// Characters that act on a terminal instead of printing, other than `\n`.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}')
        })
        .collect()
}

/// Runs one command and checks that both streams are clean; returns stdout+stderr.
fn clean(args: &[&str]) -> String {
    let out = brine(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = raw_controls(&text);
    assert!(
        bad.is_empty(),
        "brine {args:?} printed raw {bad:?}:\n{}",
        text.escape_debug()
    );
    text
}

#[test]
fn issue_11_inspect_shows_escapes_and_marks_look_alikes() {
    let text = clean(&["inspect", &a()]);
    for want in [
        "\\x1b]52;c;aGVsbG8=\\x07clip",
        "\\x1b[2J\\x1b[Hsafe (0 findings)",
        "\\x9b31mcsi",
        "ab\\u202edc",
        "d\\u0430ta",
        "\\u0399n",
        "zero\\u200bwidth",
        "line\\nbreak",
        "sur\\udc80",
        "qual\\x1b[2Jname",
        "evil\\x1b[2Jmod",
    ] {
        assert!(text.contains(want), "no {want} in:\n{text}");
    }
    // One row per name: a newline in a name cannot forge a row.
    assert!(!text.lines().any(|l| l.starts_with("break")), "{text}");
}

#[test]
fn issue_11_tree_of_crafted_function_and_reference() {
    let text = clean(&["tree", &a(), "fn"]);
    assert!(text.contains("\\x1b]0;code-path\\x07.py"), "{text}");
    let text = clean(&["tree", &a(), "ref"]);
    assert!(text.contains("hel\\x1b]0;x\\x07per"), "{text}");
}

#[test]
fn issue_11_errors_that_quote_names_are_escaped() {
    let text = clean(&["tree", &a(), "\x1b]0;typed\x07"]);
    assert!(text.contains("\\x1b]0;typed\\x07"), "{text}");
    let out = dir().join("never-written.pkl");
    let text = clean(&[
        "extract",
        &a(),
        "\x1b[2Jmissing",
        "-o",
        &out.display().to_string(),
    ]);
    assert!(text.contains("\\x1b[2Jmissing"), "{text}");
    let text = clean(&["inspect", "/nonexistent/\x1b]0;p\x07.pkl"]);
    assert!(text.contains("\\x1b]0;p\\x07"), "{text}");
}

#[test]
fn issue_11_diff_scan_env_and_filter_are_escaped() {
    let b = dir().join("escapes--b.pkl").display().to_string();
    let text = clean(&["diff", &a(), &b]);
    assert!(text.contains("new\\x1b]0;t\\x07"), "{text}");
    assert!(text.contains("'changed\\x1b[2J'"), "{text}");
    let text = clean(&["scan", &a()]);
    assert!(text.contains("escapes--a.pkl"), "{text}");
    let text = clean(&["env", &a()]);
    assert!(text.contains("Linux\\x1b[2J"), "{text}");
    assert!(text.contains("/tmp/\\u202eevil"), "{text}");
    let text = clean(&["filter", &a(), "-e", "re:^.\\]", "--dry-run"]);
    assert!(text.contains("\\x1b]52;c;aGVsbG8=\\x07clip"), "{text}");
}

#[test]
fn issue_11_patterns_address_lone_surrogates_by_their_escape() {
    let text = clean(&["filter", &a(), "-e", "sur\\udc80", "--dry-run"]);
    assert!(text.contains("would drop 1 of"), "{text}");
}

#[test]
fn issue_11_json_keeps_the_exact_names() {
    let out = brine(&["inspect", "--json", &a()]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    let exp: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir().join("escapes.expected.json")).expect("expected"),
    )
    .expect("expected json");
    for want in exp["names"].as_array().expect("names") {
        let want = want.as_str().expect("a name");
        assert!(names.contains(&want), "{want:?} not in {names:?}");
    }
}

#[test]
fn issue_11_a_million_character_name_does_not_widen_every_row() {
    // A real-shaped module dump with one enormous name among small ones.
    let long = "n".repeat(1_000_000);
    let mut b = vec![0x80, 4, b'}', b'('];
    for (k, v) in [("a", 1u8), (long.as_str(), 2), ("b", 3)] {
        b.push(0x8c);
        if k.len() < 256 {
            b.push(k.len() as u8);
        } else {
            b.pop();
            b.push(b'X');
            b.extend((k.len() as u32).to_le_bytes());
        }
        b.extend(k.as_bytes());
        b.extend([b'K', v]);
    }
    b.extend([b'u', b'.']);
    let path = std::env::temp_dir().join(format!("brine-long-name-{}.pkl", std::process::id()));
    std::fs::write(&path, &b).expect("write");
    let out = brine(&["inspect", &path.display().to_string()]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The file is 1 MB; the output stays a few lines of bounded width.
    assert!(
        out.stdout.len() < 4_000,
        "{} bytes of output",
        out.stdout.len()
    );
    let widest = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    assert!(widest < 300, "a row {widest} characters wide");
}

#[test]
fn issue_11_tui_names_pane_shows_escapes_and_marks_look_alikes() {
    use brine::tui::config::Config;
    use brine::tui::jobs::{self, Command};
    use brine::tui::{App, render};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::copy(dir().join("escapes--a.pkl"), tmp.path().join("escapes.pkl")).expect("copy");
    let now = std::time::SystemTime::now();
    let (mut app, mut cmds) = App::new(Config::defaults(), vec![tmp.path().to_path_buf()], now);
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
    let mut t = Terminal::new(TestBackend::new(160, 40)).expect("terminal");
    t.draw(|f| render(&mut app, f)).expect("draw");
    let b = t.backend().buffer();
    let mut screen = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            screen.push_str(b[(x, y)].symbol());
        }
        screen.push('\n');
    }
    let bad = raw_controls(&screen);
    assert!(bad.is_empty(), "raw {bad:?} on screen:\n{screen}");
    for want in ["d\\u0430ta", "\\u0399n", "zero\\u200bwidth", "ab\\u202edc"] {
        assert!(screen.contains(want), "no {want} on screen:\n{screen}");
    }
}
