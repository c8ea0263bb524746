//! The Python companion (`assets/python/brine_checkpoint`) with real dill, a real `ipython`
//! process and a real Jupyter kernel: runs `tests/compat/test_companion*.py` in a temp
//! folder, once per dill era (0.4.x through `BRINE_TEST_PYTHON`, 0.3.6+ through
//! `BRINE_TEST_PYTHON_DILL036`), then reads what the script round trip left with brine.
//!
//! Each Python needs dill, IPython, ipykernel and jupyter_client
//! (tests/compat/requirements*.txt). Under CI a missing Python or package fails;
//! elsewhere the missing part is skipped with a note.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::py;

/// The Python test modules, each run for every dill era.
const MODULES: &[&str] = &[
    "test_companion",
    "test_companion_ipython",
    "test_companion_jupyter",
];
/// How many tests they hold together: a module that stops being collected is caught.
const TESTS: usize = 22;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Resolve a relative interpreter path against the repo root: the children run elsewhere.
fn absolute(python: String) -> String {
    if python.contains('/') && Path::new(&python).is_relative() {
        root().join(&python).display().to_string()
    } else {
        python
    }
}

/// `dill.__version__` as (major, minor, patch), or None when dill does not import.
fn dill_version(python: &str) -> Option<(u32, u32, u32)> {
    let out = Command::new(python)
        .args(["-c", "import dill; print(dill.__version__)"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.trim().split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    });
    Some((
        parts.next()?,
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    ))
}

/// Whether this Python imports the front ends; under CI, a Python without them is a failure.
fn has_front_ends(python: &str) -> bool {
    let ok = Command::new(python)
        .args(["-c", "import IPython, ipykernel, jupyter_client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if ci() {
            panic!(
                "CI is set but `{python} -c 'import IPython, ipykernel, jupyter_client'` failed: \
                 install tests/compat/requirements.txt (see .ci/run)"
            );
        }
        eprintln!(
            "note: {python} lacks IPython/ipykernel/jupyter_client; skipping the ipython and \
             Jupyter checks (set CI to make this fail)"
        );
    }
    ok
}

/// Runs the Python suite with `python` in a fresh folder; returns that folder and
/// whether the front-end tests ran.
fn run_suite(python: &str, era: &str) -> (tempfile::TempDir, bool) {
    let front_ends = has_front_ends(python);
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(python)
        .args(["-m", "unittest", "-v"])
        .args(MODULES)
        .env("BRINE_BIN", env!("CARGO_BIN_EXE_brine"))
        .env("BRINE_COMPANION_WORKDIR", work.path())
        .env(
            "BRINE_COMPANION_IPYTHON",
            if front_ends { "require" } else { "skip" },
        )
        .env("PYTHONPATH", root().join("tests/compat"))
        .env_remove("BRINE_CHECKPOINT_DIR")
        .env_remove("BRINE_COMPANION_PATH")
        .current_dir(root().join("tests/compat"))
        .output()
        .expect("run the companion tests");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "companion tests with {python} ({era}) failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let summary = report.lines().last().unwrap_or_default();
    if front_ends {
        assert_eq!(summary, "OK", "nothing may be skipped ({era}):\n{report}");
    }
    assert!(
        report.contains(&format!("Ran {TESTS} tests")),
        "expected {TESTS} tests ({era}):\n{report}"
    );
    (work, front_ends)
}

fn inspect(file: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(["inspect", "--json"])
        .arg(file)
        .output()
        .expect("run brine");
    assert!(
        out.status.success(),
        "brine inspect {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("brine printed JSON")
}

fn names(v: &Value) -> Vec<String> {
    v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn companion_with_dill_0_4_saves_what_brine_reads_and_loads_it_back() {
    let Some(python) = py::python_with_dill() else {
        return;
    };
    let python = absolute(python);
    let version = dill_version(&python).expect("dill imports");
    if ci() {
        assert!(
            version >= (0, 4, 0),
            "BRINE_TEST_PYTHON ({python}) has dill {version:?}; this era wants 0.4.x \
             (the 0.3.6+ era is BRINE_TEST_PYTHON_DILL036)"
        );
    }
    let (work, ipython) = run_suite(&python, "dill 0.4");

    // What the script round trip left: a complete checkpoint with the session's
    // names, its sidecar next to it, no temp files.
    let folder = work.path().join("script/checkpoints");
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["checkpoint_script.pkl", "script_env.pkl"]);
    let v = inspect(&folder.join("checkpoint_script.pkl"));
    assert_eq!(v["complete"], true);
    let listed = names(&v);
    for n in ["answer", "data", "greet", "Point", "pt"] {
        assert!(listed.iter().any(|l| l == n), "{n} not in {listed:?}");
    }
    let kinds: Vec<(String, String)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("greet".into(), "builtins.function".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("pt".into(), "__main__.Point".into())),
        "{kinds:?}"
    );

    if ipython {
        let saved = work
            .path()
            .join("stock/checkpoints/checkpoint_baseline.pkl");
        let v = inspect(&saved);
        assert_eq!(v["complete"], true);
        let listed = names(&v);
        for n in ["__name__", "rate", "scale", "Box", "box"] {
            assert!(listed.iter().any(|l| l == n), "{n} not in {listed:?}");
        }
        for n in ["In", "Out", "_oh", "get_ipython"] {
            assert!(!listed.iter().any(|l| l == n), "{n} saved: {listed:?}");
        }
    }
}

#[test]
fn companion_with_dill_0_3_6_in_ipython_and_jupyter() {
    let python = match std::env::var("BRINE_TEST_PYTHON_DILL036") {
        Ok(p) if !p.is_empty() => absolute(p),
        _ if ci() => panic!(
            "CI is set but BRINE_TEST_PYTHON_DILL036 is not: it names a Python with dill 0.3.6+ \
             (below 0.4) and tests/compat/requirements-dill036.txt (see .ci/run)"
        ),
        _ => {
            eprintln!(
                "note: BRINE_TEST_PYTHON_DILL036 not set; skipping the dill 0.3.6 companion run \
                 (set CI to make this fail)"
            );
            return;
        }
    };
    let version = dill_version(&python)
        .unwrap_or_else(|| panic!("BRINE_TEST_PYTHON_DILL036={python} does not import dill"));
    assert!(
        ((0, 3, 6)..(0, 4, 0)).contains(&version),
        "BRINE_TEST_PYTHON_DILL036 ({python}) has dill {version:?}, not 0.3.6 to 0.3.9"
    );
    let (work, _) = run_suite(&python, "dill 0.3.6+");
    let v = inspect(&work.path().join("script/checkpoints/checkpoint_script.pkl"));
    assert_eq!(v["complete"], true);
}
