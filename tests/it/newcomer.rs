//! The mistakes a newcomer makes on the command line, through the release
//! entry point: typos, wrong paths, pipes closed early, files that are not
//! pickles, and the exit codes scripts rely on.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples")
}

fn sample(name: &str) -> PathBuf {
    samples().join(name)
}

fn brine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-brine-config")
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("brine-newcomer-data"),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_missing_path_says_no_such_file() {
    for args in [
        vec!["/nonexistent/ckpt.pkl"],
        vec!["inspect", "/nonexistent/ckpt.pkl"],
    ] {
        let out = brine(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("/nonexistent/ckpt.pkl: no such file or directory"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("not a directory"), "{err}");
    }
}

#[test]
fn mistyped_commands_get_a_suggestion() {
    let f = sample("checkpoint_analysis.pkl");
    let out = brine(&["inspekt", s(&f)]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean 'brine inspect'"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = brine(&["ls"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean 'brine inspect'"), "{err}");
}

#[test]
fn mistyped_names_get_a_suggestion() {
    let f = sample("checkpoint_analysis.pkl");
    let out = brine(&["tree", s(&f), "sale"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("no name 'sale'"), "{err}");
    assert!(err.contains("did you mean 'sales'?"), "{err}");
    let out = brine(&["tree", s(&f), "summary.rwos"]);
    let err = text(&out.stderr);
    assert!(err.contains("did you mean 'rows'?"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let o = tmp.path().join("x.pkl");
    let out = brine(&["extract", s(&f), "weeky", "-o", s(&o)]);
    assert!(text(&out.stderr).contains("did you mean 'weekly'?"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    // The reader is gone before brine writes a byte: every write is EPIPE.
    drop(reader);
    let f = sample("checkpoint_analysis.pkl");
    for args in [
        vec!["inspect", s(&f)],
        vec!["tree", s(&f), "summary"],
        vec!["scan", s(&f)],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_brine"))
            .args(&args)
            .stdout(writer.try_clone().unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.status.code().is_some(), "{args:?}: killed");
    }
}

/// First bytes of formats people save next to checkpoints, as their writers lay them out.
fn not_pickles() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut npy = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
    npy.extend(format!("{header:<117}\n").as_bytes());
    npy.extend([0u8; 24]);
    let mut npz = b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    npz.extend([0u8; 12]);
    npz.extend(5u16.to_le_bytes());
    npz.extend(0u16.to_le_bytes());
    npz.extend(b"x.npy");
    let mut st = 14u64.to_le_bytes().to_vec();
    st.extend(br#"{"__metadata__":{}}"#);
    vec![
        ("a.npy", npy, "NumPy .npy"),
        ("a.npz", npz, "NumPy .npz"),
        (
            "a.pkl.gz",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03".to_vec(),
            "gzip",
        ),
        (
            "a.h5",
            b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00".to_vec(),
            "HDF5",
        ),
        ("a.parquet", b"PAR1\x15\x04\x15\x10".to_vec(), "Parquet"),
        ("a.joblib", b"\x78\x9c\xed\xbd\x07".to_vec(), "joblib"),
        ("a.safetensors", st, "safetensors"),
        (
            "a.pkl",
            b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n".to_vec(),
            "git-lfs pointer",
        ),
    ]
}

#[test]
fn other_formats_are_named_not_parsed() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes, word) in not_pickles() {
        let p = tmp.path().join(name);
        fs::write(&p, bytes).unwrap();
        let out = brine(&["inspect", s(&p)]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains("not a pickle"), "{name}: {err}");
        assert!(err.contains(word), "{name}: {err}");
        assert!(!err.contains("opcode"), "{name}: {err}");
        assert!(!err.contains("STACK_GLOBAL"), "{name}: {err}");
    }
}

#[test]
fn filter_takes_one_pattern_per_e_in_any_order() {
    let tmp = tempfile::tempdir().unwrap();
    let f = sample("checkpoint_analysis.pkl");
    let o = tmp.path().join("out.pkl");
    let out = brine(&["filter", "-e", "sales", "-e", "rng", s(&f), "-o", s(&o)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("dropped 2 of 16 names"), "{stdout}");
    let kept = brine::session::Session::open(&o).unwrap();
    assert!(kept.entry("sales").is_none() && kept.entry("rng").is_none());
    assert!(kept.entry("by_region").is_some());
}

#[test]
fn a_filter_matching_nothing_fails_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let f = sample("checkpoint_analysis.pkl");
    let o = tmp.path().join("out.pkl");
    for extra in [vec!["-o", s(&o)], vec!["--dry-run"]] {
        let mut args = vec!["filter", s(&f), "-e", "nothing_like_this"];
        args.extend(extra);
        let out = brine(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(text(&out.stdout), "", "nothing on stdout");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("no name matches 'nothing_like_this'"), "{err}");
        assert!(!o.exists());
    }
}

#[test]
fn diff_exits_like_diff() {
    let a = sample("checkpoint_analysis.pkl");
    let b = sample("checkpoint_training.pkl");
    assert_eq!(brine(&["diff", s(&a), s(&b)]).status.code(), Some(1));
    assert_eq!(brine(&["diff", s(&a), s(&a)]).status.code(), Some(0));
    assert_eq!(
        brine(&["diff", "--json", s(&a), s(&b)]).status.code(),
        Some(1)
    );
    let trouble = brine(&["diff", s(&a), "/nonexistent.pkl"]);
    assert_eq!(trouble.status.code(), Some(2));
}

#[test]
fn an_old_cut_file_is_not_still_being_written() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("old.pkl");
    fs::copy(sample("checkpoint_interrupted.pkl"), &f).unwrap();
    let eight_years = SystemTime::now() - Duration::from_secs(8 * 365 * 86_400 + 86_400);
    fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(eight_years)
        .unwrap();
    let out = brine(&["inspect", s(&f)]);
    let err = text(&out.stderr);
    assert!(!err.contains("still being written"), "{err}");
    assert!(err.contains("last changed 8 years ago"), "{err}");
    assert!(
        err.contains(&format!("brine salvage {} -o OUT", f.display())),
        "{err}"
    );
    // A file that changed a moment ago may well still be growing.
    fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(SystemTime::now())
        .unwrap();
    let err = text(&brine(&["inspect", s(&f)]).stderr);
    assert!(err.contains("may still be being written"), "{err}");
}

/// The `$ brine …` examples at the top of the README, run as written: each
/// line of output as shown, a line `…` standing for lines left out.
#[test]
fn the_readme_examples_print_what_the_readme_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let block = readme.split("```").nth(1).unwrap();
    let mut checked = 0;
    for example in block.split("$ brine ").skip(1) {
        let mut lines = example.lines();
        let args: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        let want: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_brine"))
            .args(&args)
            .current_dir(root)
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        let got: Vec<&str> = stdout.lines().collect();
        assert!(
            matches_with_gaps(&want, &got),
            "README example `brine {}` no longer matches:\n--- README\n{}\n--- brine\n{stdout}",
            args.join(" "),
            want.join("\n")
        );
        checked += 1;
    }
    assert!(checked >= 2, "examples found: {checked}");
}

/// `want` line by line against `got`, where a `…` line in `want` skips any number of lines.
fn matches_with_gaps(want: &[&str], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((&"…", rest)) => (0..=got.len()).any(|k| matches_with_gaps(rest, &got[k..])),
        Some((w, rest)) => got
            .split_first()
            .is_some_and(|(g, more)| g == w && matches_with_gaps(rest, more)),
    }
}

#[test]
fn sample_sidecars_record_no_checkout_path() {
    for e in fs::read_dir(samples()).unwrap() {
        let p = e.unwrap().path();
        if !p.to_string_lossy().ends_with("_env.pkl") {
            continue;
        }
        let bytes = fs::read(&p).unwrap();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(
            !hay.contains("tests/fixtures"),
            "{}: names the checkout",
            p.display()
        );
    }
}

#[test]
fn env_never_warns_about_the_standard_library() {
    // training imports math and random, analysis does not; both ship with Python.
    let a = sample("checkpoint_analysis.pkl");
    let b = sample("checkpoint_training.pkl");
    let out = brine(&["env", s(&a), "--against", s(&b)]);
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("also needs"), "{stdout}");
    assert!(!stdout.contains("`math`"), "{stdout}");
}

#[test]
fn one_name_is_not_1_names() {
    // A plain pickle made by real dill: its root is the one name.
    let f = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sessions/plain_list--dill041-py311--p4.pkl");
    let out = text(&brine(&["inspect", s(&f)]).stdout);
    let head = out.lines().next().unwrap();
    assert!(head.contains("  1 name  "), "{head}");
    assert!(!out.contains("1 names"), "{out}");
}
