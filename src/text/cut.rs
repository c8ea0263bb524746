//! What to tell the user about a checkpoint that ends early: whether it may
//! still be being written depends on how long ago it last changed. Wording
//! only; the caller measures the age.

use std::path::Path;
use std::time::Duration;

use super::words::plural;

/// A file changed more recently than this may still be being written.
pub const STILL_WRITING: Duration = Duration::from_secs(120);

/// `last changed 8 years ago: the dump was cut …; brine salvage F -o OUT keeps …`.
pub fn advice(file: &Path, age: Option<Duration>, complete_names: usize) -> String {
    let next = if complete_names == 0 {
        "no name is complete, so there is nothing to salvage".to_string()
    } else {
        format!(
            "`brine salvage {} -o OUT` writes the {complete_names} complete {} as a loadable file",
            super::path(file),
            plural(complete_names, "name", "names")
        )
    };
    match age {
        Some(a) if a >= STILL_WRITING => {
            format!(
                "last changed {} ago, so the dump was cut or failed: {next}",
                ago(a)
            )
        }
        Some(a) => format!(
            "changed {} ago: it may still be being written (wait and look again), or {next}",
            ago(a)
        ),
        None => format!("it may still be being written, or the dump failed: {next}"),
    }
}

/// How long ago the file at `path` last changed, when the system says.
pub fn age_of(path: &Path) -> Option<Duration> {
    let m = std::fs::metadata(path).ok()?.modified().ok()?;
    std::time::SystemTime::now().duration_since(m).ok()
}

/// `45 seconds`, `3 minutes`, `2 days`, `8 years`.
pub fn ago(d: Duration) -> String {
    let s = d.as_secs();
    let (n, one, many) = match s {
        0..60 => (s, "second", "seconds"),
        60..3600 => (s / 60, "minute", "minutes"),
        3600..86_400 => (s / 3600, "hour", "hours"),
        86_400..31_536_000 => (s / 86_400, "day", "days"),
        _ => (s / 31_536_000, "year", "years"),
    };
    format!("{n} {}", plural(n as usize, one, many))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_files_are_cut_new_ones_may_be_growing() {
        let f = Path::new("c.pkl");
        let old = advice(f, Some(Duration::from_secs(8 * 365 * 86_400)), 3);
        assert!(old.contains("8 years ago"), "{old}");
        assert!(!old.contains("still being written"), "{old}");
        assert!(old.contains("brine salvage c.pkl -o OUT"), "{old}");
        let new = advice(f, Some(Duration::from_secs(5)), 1);
        assert!(new.contains("may still be being written"), "{new}");
        assert!(new.contains("1 complete name "), "{new}");
    }
}
