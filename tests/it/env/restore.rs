//! `brine restore` end to end with real dill: the interpreter it starts holds
//! the checkpoint's names (asked by a script on stdin).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{fixtures, py, python_for};

const ASK: &str = "print('NAMES=' + __import__('json').dumps(sorted(k for k in globals() if not k.startswith('__'))))\n";

/// A Python with dill and a `basic` fixture written by that Python's minor version.
fn setup() -> Option<(String, PathBuf)> {
    let python = python_for("dill041-py311")?;
    let minor = py::minor_version(&python)?;
    let tag = match minor.as_str() {
        "3.8" => "dill040-py38".to_string(),
        m => format!("dill041-py{}", m.replace('.', "")),
    };
    let file = fixtures::dir().join(format!("basic--{tag}--p4.pkl"));
    if !file.exists() {
        panic!("no basic fixture for Python {minor} ({})", file.display());
    }
    Some((python, file))
}

fn restore(args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_brine"))
        .arg("restore")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ASK.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn names_in(stdout: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .find_map(|l| l.trim_start_matches(">>> ").strip_prefix("NAMES="))
        .unwrap_or_else(|| panic!("no NAMES line in {stdout}"));
    serde_json::from_str(line).unwrap()
}

fn expected_names(file: &std::path::Path) -> Vec<String> {
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(file.with_extension("expected.json")).unwrap(),
    )
    .unwrap();
    let mut v: Vec<String> = exp["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .filter(|n| !n.starts_with("__"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_restored_interpreter_holds_every_name() {
    let Some((python, file)) = setup() else {
        return;
    };
    let (code, out, err) = restore(&[file.to_str().unwrap(), "--python", &python]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(names_in(&out), expected_names(&file), "{err}");
    assert!(err.contains("env: "), "{err}");
    assert!(err.contains("scan: "), "{err}");
}

#[test]
fn only_restores_just_the_named_entries() {
    let Some((python, file)) = setup() else {
        return;
    };
    let (code, out, err) = restore(&[
        file.to_str().unwrap(),
        "--only",
        "small_int",
        "text",
        "--python",
        &python,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(names_in(&out), ["small_int", "text"], "{err}");
}

#[test]
fn print_shows_the_snippet_instead_of_running_it() {
    let file = fixtures::dir().join("basic--dill041-py311--p4.pkl");
    let out = Command::new(env!("CARGO_BIN_EXE_brine"))
        .args([
            "restore",
            file.to_str().unwrap(),
            "--print",
            "--python",
            "brine-no-such-python",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("load_module("), "{text}");
    assert!(text.contains("load_session("), "{text}");
    assert!(text.contains("basic--dill041-py311--p4.pkl"), "{text}");
}

#[test]
fn an_unknown_name_for_only_is_a_one_line_error() {
    let file = fixtures::dir().join("basic--dill041-py311--p4.pkl");
    let out = Command::new(env!("CARGO_BIN_EXE_brine"))
        .args([
            "restore",
            file.to_str().unwrap(),
            "--only",
            "nope",
            "--print",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no name 'nope'"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn a_dangerous_file_is_refused_unless_trusted() {
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff/handles.pkl");
    let f = file.to_str().unwrap();
    // No Python is needed to refuse: the scan alone decides.
    let (code, out, err) = restore(&[f, "--python", "brine-no-such-python"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("scan: dangerous"), "{err}");
    let last = err.trim().lines().last().unwrap();
    assert!(
        last.starts_with("brine: ") && last.contains("--trust"),
        "{err}"
    );
    assert!(last.contains("out.csv"), "{err}");
    // --trust lifts the refusal (shown with --print so that nothing is truncated).
    let (code, out, err) = restore(&[f, "--trust", "--print", "--python", "brine-no-such-python"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("load_module("), "{out}");
}

#[test]
fn only_the_safe_names_of_a_dangerous_file_restore_without_trust() {
    let Some((python, _)) = setup() else { return };
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff/handles.pkl");
    let (code, out, err) = restore(&[
        file.to_str().unwrap(),
        "--only",
        "keep",
        "--python",
        &python,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("scan: safe"), "{err}");
    assert_eq!(names_in(&out), ["keep"]);
}
