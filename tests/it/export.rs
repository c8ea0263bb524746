//! `brine export` read back by real numpy, pandas and json: every array of the views
//! fixture as .npy (np.array_equal, same dtype and shape), its numeric/str DataFrames and
//! Series as .csv (DataFrame.equals), its plain dict as .json (equal to the Python value);
//! plus the one-line refusals for what cannot be exported statically.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn brine(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .output()
        .expect("run brine")
}

fn session() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/views/views--pd22-np22-dill041-py311.pkl")
}

/// Python with dill, numpy and pandas; under CI a missing one is a failure.
fn python() -> Option<String> {
    let py = super::py::python_with_dill()?;
    let ok = Command::new(&py)
        .args(["-c", "import numpy, pandas"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("CI is set but {py} cannot import numpy and pandas");
    }
    ok.then_some(py)
}

#[test]
fn exported_files_read_back_equal_in_numpy_pandas_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let src = session();
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(src.with_extension("expected.json")).unwrap(),
    )
    .unwrap();
    let mut items = Vec::new();
    for (name, truth) in exp["values"].as_object().unwrap() {
        let format = match truth["kind"].as_str().unwrap() {
            "ndarray" if truth["dtype"] != "object" => Some("npy"),
            // Object columns holding None come back as NaN from read_csv: not the same frame.
            "DataFrame" if name != "df" && name != "df_mixed" && name != "df_tz" => Some("csv"),
            "Series" => Some("csv"),
            "plain" => Some("json"),
            _ => None,
        };
        // Every DataFrame and Series also goes to parquet, the ones CSV cannot carry included.
        let parquet = matches!(truth["kind"].as_str(), Some("DataFrame" | "Series"));
        for format in format.into_iter().chain(parquet.then_some("parquet")) {
            let out = dir.path().join(format!("{name}.{format}"));
            let o = brine(&[
                "export",
                src.to_str().unwrap(),
                name,
                "-o",
                out.to_str().unwrap(),
            ]);
            assert!(
                o.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            items.push(json!({"session": src, "name": name, "file": out, "format": format}));
        }
    }
    let parquets = items.iter().filter(|i| i["format"] == "parquet").count();
    assert!(parquets >= 9, "{parquets} parquet files");
    assert!(items.len() > 45, "{}", items.len());
    let Some(py) = python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/export_check.py");
    let mut child = Command::new(py)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        Value::Array(items.clone()).to_string().as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["checked"].as_u64(), Some(items.len() as u64));
    let problems = r["problems"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "{} of {} differ:\n{}",
        problems.len(),
        items.len(),
        problems
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// pandas' extension types (Categorical, nullable Int/Float/boolean, string, a
/// CategoricalIndex) exported as CSV: the pandas 2.x session's files read back, with the
/// original dtypes, equal to the originals in real pandas (the one CI installs: it cannot
/// load the 1.5 and 3.x pickles), and the 1.5 and 3.x sessions, which hold the same values,
/// give byte-identical files. A MultiIndex row index is one line.
#[test]
fn extension_typed_frames_export_to_csv_that_pandas_reads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/views");
    let mut items = Vec::new();
    for tag in [
        "ext-pd15-np124-dill036-py311",
        "ext-pd22-np22-dill041-py311",
        "ext-pd3-np2-dill041-py312",
    ] {
        let src = fixtures.join(format!("views--{tag}.pkl"));
        for name in [
            "df_ext",
            "df_catidx",
            "ser_cat",
            "ser_catnum",
            "ser_nint",
            "ser_nbool",
            "ser_str",
        ] {
            let out = dir.path().join(format!("{tag}-{name}.csv"));
            let o = brine(&[
                "export",
                src.to_str().unwrap(),
                name,
                "-o",
                out.to_str().unwrap(),
            ]);
            assert!(
                o.status.success(),
                "{tag} {name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            if tag.contains("pd22") {
                items.push(
                    json!({"session": src, "name": name, "file": out, "format": "csv", "typed": true}),
                );
            }
        }
        for name in ["ser_nint", "ser_nbool", "ser_str"] {
            let out = dir.path().join(format!("{tag}-{name}.parquet"));
            let o = brine(&[
                "export",
                src.to_str().unwrap(),
                name,
                "-o",
                out.to_str().unwrap(),
            ]);
            assert!(
                o.status.success(),
                "{tag} {name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            if tag.contains("pd22") {
                items.push(json!({"session": src, "name": name, "file": out, "format": "parquet"}));
            }
        }
        // What parquet (with pandas' metadata) cannot carry exactly is one line, no file.
        for (name, want) in [
            ("ser_cat", "a Categorical is not written to parquet yet"),
            ("df_multi", "a MultiIndex row index"),
            ("df_catidx", "the row index (category)"),
        ] {
            let out = dir.path().join("refused.parquet");
            let o = brine(&[
                "export",
                src.to_str().unwrap(),
                name,
                "-o",
                out.to_str().unwrap(),
            ]);
            assert_eq!(o.status.code(), Some(1), "{tag} {name}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
            assert!(err.contains(want), "{tag} {name}: {err}");
            assert!(!out.exists());
        }
        let out = dir.path().join("multi.csv");
        let o = brine(&[
            "export",
            src.to_str().unwrap(),
            "df_multi",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("MultiIndex"), "{err}");
        assert!(!out.exists());
    }
    for name in [
        "df_ext",
        "df_catidx",
        "ser_cat",
        "ser_catnum",
        "ser_nint",
        "ser_nbool",
        "ser_str",
    ] {
        let read = |tag: &str| std::fs::read(dir.path().join(format!("{tag}-{name}.csv"))).unwrap();
        let base = read("ext-pd22-np22-dill041-py311");
        assert!(base.len() > 10, "{name}");
        for tag in ["ext-pd15-np124-dill036-py311", "ext-pd3-np2-dill041-py312"] {
            assert_eq!(
                String::from_utf8_lossy(&read(tag)),
                String::from_utf8_lossy(&base),
                "{tag} {name}"
            );
        }
    }
    let Some(py) = python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/export_check.py");
    let mut child = Command::new(py)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        Value::Array(items.clone()).to_string().as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["checked"].as_u64(), Some(items.len() as u64));
    let problems: Vec<&str> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        problems.is_empty(),
        "{} of {} differ:\n{}",
        problems.len(),
        items.len(),
        problems.join("\n")
    );
}

/// Exports go through brine's safe writer: a private checkpoint's export is private (the
/// checkpoint's mode, as `cp` keeps it), the temp file is never a predictable name another
/// user could plant a symlink at, and a file it replaces is backed up first.
#[test]
fn an_export_keeps_the_checkpoints_mode_and_backs_up_what_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("private.pkl");
    std::fs::copy(session(), &ck).unwrap();
    std::fs::set_permissions(&ck, std::fs::Permissions::from_mode(0o600)).unwrap();
    let data = dir.path().join("data");
    // The old code's temp name, planted as a symlink to a file that must survive.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join(".df.parquet.brine-tmp")).unwrap();
    let out = dir.path().join("df.parquet");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_brine"))
            .env("BRINE_DATA_DIR", &data)
            .args([
                "export",
                ck.to_str().unwrap(),
                "df",
                "-o",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let o = run();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the export of a 0600 checkpoint is {mode:o}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let first = std::fs::read(&out).unwrap();
    std::fs::write(&out, b"an older export the user wants back").unwrap();
    let o = run();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&out).unwrap(), first);
    let backups = Command::new(env!("CARGO_BIN_EXE_brine"))
        .env("BRINE_DATA_DIR", &data)
        .args(["backups", out.to_str().unwrap()])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&backups.stdout);
    assert!(listed.contains("export"), "no backup listed: {listed}");
}

/// A 414-byte DataFrame with no columns whose RangeIndex claims 10^12 rows
/// (views_hostile.py) is one line for CSV and parquet, not a terabyte of index.
#[test]
fn rows_no_stored_column_holds_are_not_written_out() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/views/hostile-norows.pkl");
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet"] {
        let out = dir.path().join(format!("df.{ext}"));
        let started = std::time::Instant::now();
        let o = brine(&[
            "export",
            src.to_str().unwrap(),
            "df",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{ext}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("1000000000000 rows that no stored column holds"),
            "{err}"
        );
        assert!(!out.exists());
        assert!(
            started.elapsed().as_secs() < 30,
            "{ext} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn what_cannot_be_exported_gets_one_line_naming_its_type() {
    let src = session();
    let dir = tempfile::tempdir().unwrap();
    for (name, format, want) in [
        ("a_obj", "npy", "object array holds Python objects"),
        (
            "np",
            "json",
            "builtins.module cannot be exported statically",
        ),
        ("plain", "npy", "builtins.dict is not an ndarray"),
        (
            "a_small",
            "csv",
            "numpy.ndarray is not a DataFrame or Series",
        ),
    ] {
        let out = dir.path().join("x");
        let o = brine(&[
            "export",
            src.to_str().unwrap(),
            name,
            "-o",
            out.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(!out.exists(), "{name}: a partial file was left");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "temp file left"
        );
    }
}
