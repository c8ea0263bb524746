//! Watching checkpoint directories: notify with a debouncer, reduced to "these
//! paths changed". Whether a changed file is complete is decided by whoever
//! re-reads it (a pickle is complete when it parses to STOP), not here.

use std::path::PathBuf;
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use super::dir::is_candidate_name;

/// How long events on one path are gathered before they are reported.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// A running watch; dropping it stops watching.
pub struct Watch {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

/// Starts watching `dirs`; `on_change` gets the paths that changed (created,
/// written, renamed or removed), after debouncing, from the watcher's thread.
pub fn watch(
    dirs: &[PathBuf],
    recursive: bool,
    mut on_change: impl FnMut(Vec<PathBuf>) + Send + 'static,
) -> notify::Result<Watch> {
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let mut paths: Vec<PathBuf> = events
            .into_iter()
            .flat_map(|e| e.event.paths)
            .filter(|p| is_candidate_name(p))
            .collect();
        paths.sort();
        paths.dedup();
        if !paths.is_empty() {
            on_change(paths);
        }
    })?;
    let mode = if recursive {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    for d in dirs {
        debouncer.watch(d, mode)?;
    }
    Ok(Watch {
        _debouncer: debouncer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn reports_a_new_file() {
        let d = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        let _w = watch(&[d.path().to_path_buf()], false, move |p| {
            let _ = tx.send(p);
        })
        .unwrap();
        std::fs::write(d.path().join("new.pkl"), b"\x80\x04N.").unwrap();
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(got.iter().any(|p| p.ends_with("new.pkl")), "{got:?}");
    }
}
