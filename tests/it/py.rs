//! Finding a Python with dill for the tests that check brine's output against real dill.
//! Under CI (env CI set) a missing Python or dill is a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A Python interpreter that imports dill: `BRINE_TEST_PYTHON`, else `python3`.
pub fn python_with_dill() -> Option<String> {
    let py = std::env::var("BRINE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&py)
        .args(["-c", "import dill"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "CI is set but `{py} -c 'import dill'` failed: install the pinned dill (see .ci/run)"
        );
    }
    eprintln!(
        "note: no Python with dill ({py}); skipping the real-dill check (set CI to make this fail)"
    );
    None
}

/// The fixture generator's own venv for a tag (e.g. dill041-py311), when it exists here.
pub fn fixture_env(tag: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fixture-envs");
    let name = tag.split_once('-').map(|(d, p)| format!("{p}-{d}"))?;
    let py = dir.join(name).join("bin/python");
    py.exists().then_some(py)
}

/// `major.minor` of a Python.
pub fn minor_version(py: &str) -> Option<String> {
    let out = Command::new(py)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
