//! The Python companion (`assets/python/brine_checkpoint.py`) with real dill and IPython:
//! runs `tests/compat/test_companion.py` in a temp folder, then reads what it left there
//! with brine itself.
//!
//! Needs a Python with dill (`py::python_with_dill`) and IPython. Under CI a missing
//! IPython fails; elsewhere the IPython part is skipped with a note and the rest runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::py;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Whether this Python imports IPython; under CI, a Python without it is a failure.
fn has_ipython(python: &str) -> bool {
    let ok = Command::new(python)
        .args(["-c", "import IPython"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!(
                "CI is set but `{python} -c 'import IPython'` failed: install the pinned ipython (see .ci/run)"
            );
        }
        eprintln!(
            "note: {python} has no IPython; skipping the %save_dill/%load_dill checks (set CI to make this fail)"
        );
    }
    ok
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
fn companion_saves_what_brine_reads_and_loads_it_back() {
    let Some(python) = py::python_with_dill() else {
        return;
    };
    let ipython = has_ipython(&python);
    let work = tempfile::tempdir().unwrap();
    // Resolve a relative BRINE_TEST_PYTHON (e.g. target/companion-env/bin/python)
    // against the repo root: the children run in the temp folder.
    let python = if python.contains('/') && Path::new(&python).is_relative() {
        root().join(&python).display().to_string()
    } else {
        python
    };

    let out = Command::new(&python)
        .arg(root().join("tests/compat/test_companion.py"))
        .arg("-v")
        .env("BRINE_BIN", env!("CARGO_BIN_EXE_brine"))
        .env("BRINE_COMPANION_WORKDIR", work.path())
        .env(
            "BRINE_COMPANION_IPYTHON",
            if ipython { "require" } else { "skip" },
        )
        .env_remove("BRINE_CHECKPOINT_DIR")
        .current_dir(work.path())
        .output()
        .expect("run the companion tests");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tests/compat/test_companion.py failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let summary = report.lines().last().unwrap_or_default();
    if ipython {
        assert_eq!(summary, "OK", "nothing may be skipped:\n{report}");
    }
    assert!(report.contains("Ran 7 tests"), "{report}");

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
        let saved = work.path().join("ipython/checkpoints/checkpoint_demo.pkl");
        let v = inspect(&saved);
        assert_eq!(v["complete"], true);
        let listed = names(&v);
        for n in ["rate", "scale", "Box", "box"] {
            assert!(listed.iter().any(|l| l == n), "{n} not in {listed:?}");
        }
        for n in ["In", "Out", "_oh", "get_ipython"] {
            assert!(!listed.iter().any(|l| l == n), "{n} saved: {listed:?}");
        }
    }
}
