//! The checkpoints pane's state: the listed files, what probing each found,
//! and whether a file is still being written.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::jobs::Probed;
use crate::scan::Severity;
use crate::store::dir::Listed;

/// A file whose size or time changed this recently counts as being written.
pub const STILL_WRITING: Duration = Duration::from_secs(2);

/// What is known about one file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Not parsed yet.
    Unknown,
    Ok,
    /// Truncated and still changing: a dump in progress.
    Writing,
    /// Truncated and no longer changing.
    Incomplete(String),
    Corrupt(String),
    Unreadable(String),
}

/// One row of the checkpoints pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub listed: Listed,
    pub state: FileState,
    pub names: Option<usize>,
    /// The scan's verdict on what was read.
    pub scan: Option<Severity>,
    /// Marked as the other side for diff and env compare.
    pub marked: bool,
    /// Size and time the last probe saw, and when (app time) it ran.
    pub probed: Option<(u64, Option<SystemTime>, SystemTime)>,
}

impl FileRow {
    pub fn new(listed: Listed) -> FileRow {
        FileRow {
            listed,
            state: FileState::Unknown,
            names: None,
            scan: None,
            marked: false,
            probed: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.listed.path
    }
}

/// The checkpoints pane.
#[derive(Debug, Default)]
pub struct Files {
    pub rows: Vec<FileRow>,
    pub selected: usize,
    pub offset: usize,
    /// Why the directory could not be read.
    pub error: Option<String>,
    /// True once the first listing arrived.
    pub listed: bool,
}

impl Files {
    pub fn selected(&self) -> Option<&FileRow> {
        self.rows.get(self.selected)
    }

    pub fn index_of(&self, path: &Path) -> Option<usize> {
        self.rows.iter().position(|r| r.listed.path == path)
    }

    /// Replaces the listing, keeping what is known about files still there.
    pub fn set(&mut self, listed: Vec<Listed>) {
        let keep = self.selected().map(|r| r.listed.path.clone());
        let old = std::mem::take(&mut self.rows);
        self.rows = listed
            .into_iter()
            .map(|l| match old.iter().find(|o| o.listed.path == l.path) {
                Some(o) if o.listed == l => o.clone(),
                Some(o) => FileRow {
                    marked: o.marked,
                    ..FileRow::new(l)
                },
                None => FileRow::new(l),
            })
            .collect();
        self.listed = true;
        self.reselect(keep.as_deref());
    }

    /// Puts in, updates or removes one file; true when its content may have changed.
    pub fn upsert(&mut self, path: &Path, listed: Option<Listed>) -> bool {
        let keep = self.selected().map(|r| r.listed.path.clone());
        let changed = match (self.index_of(path), listed) {
            (Some(i), None) => {
                self.rows.remove(i);
                false
            }
            (Some(i), Some(l)) => {
                let row = &mut self.rows[i];
                let changed = row.listed != l;
                row.listed = l;
                changed
            }
            (None, Some(l)) => {
                let at = self
                    .rows
                    .binary_search_by(|r| r.listed.path.as_path().cmp(path))
                    .unwrap_or_else(|i| i);
                self.rows.insert(at, FileRow::new(l));
                true
            }
            (None, None) => false,
        };
        self.reselect(keep.as_deref());
        changed
    }

    fn reselect(&mut self, path: Option<&Path>) {
        if let Some(i) = path.and_then(|p| self.index_of(p)) {
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Records a probe; true when the file should be probed again soon.
    pub fn probed(
        &mut self,
        path: &Path,
        size: u64,
        modified: Option<SystemTime>,
        result: Probed,
        now: SystemTime,
    ) -> bool {
        let Some(i) = self.index_of(path) else {
            return false;
        };
        let row = &mut self.rows[i];
        let moved = row
            .probed
            .is_some_and(|(s, m, _)| s != size || m != modified);
        let recent = modified
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age < STILL_WRITING);
        row.probed = Some((size, modified, now));
        row.listed.size = size;
        row.listed.modified = modified;
        let (state, names, scan) = match result {
            Probed::Complete { names, scan } => (FileState::Ok, Some(names), Some(scan)),
            Probed::Truncated { names, scan, .. } if moved || recent => {
                (FileState::Writing, Some(names), Some(scan))
            }
            Probed::Truncated { names, why, scan } => {
                (FileState::Incomplete(why), Some(names), Some(scan))
            }
            Probed::Corrupt(why) => (FileState::Corrupt(why), None, None),
            Probed::Unreadable(why) => (FileState::Unreadable(why), None, None),
        };
        row.state = state;
        row.names = names;
        row.scan = scan;
        row.state == FileState::Writing
    }

    /// Files being written whose last probe is older than `every`.
    pub fn due_for_probe(&self, now: SystemTime, every: Duration) -> Vec<PathBuf> {
        self.rows
            .iter()
            .filter(|r| r.state == FileState::Writing)
            .filter(|r| {
                r.probed
                    .and_then(|(_, _, at)| now.duration_since(at).ok())
                    .is_none_or(|d| d >= every)
            })
            .map(|r| r.listed.path.clone())
            .collect()
    }

    /// The marked file other than `except`.
    pub fn marked_other(&self, except: Option<&Path>) -> Option<&FileRow> {
        self.rows
            .iter()
            .find(|r| r.marked && Some(r.listed.path.as_path()) != except)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(p: &str, size: u64) -> Listed {
        Listed {
            path: PathBuf::from(p),
            size,
            modified: None,
            sidecar: None,
        }
    }

    #[test]
    fn a_truncated_file_that_keeps_growing_is_writing_then_incomplete_when_it_stops() {
        let mut f = Files::default();
        f.set(vec![listed("/d/a.pkl", 10)]);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let cut = || Probed::Truncated {
            names: 1,
            why: "no STOP".into(),
            scan: Severity::Safe,
        };
        let p = Path::new("/d/a.pkl");
        // First sight, old mtime: nothing says it is moving.
        f.probed(p, 10, Some(t0), cut(), t0 + Duration::from_secs(60));
        assert!(matches!(f.rows[0].state, FileState::Incomplete(_)));
        // It grew: being written.
        assert!(f.probed(p, 20, Some(t0), cut(), t0 + Duration::from_secs(61)));
        assert_eq!(f.rows[0].state, FileState::Writing);
        // Same size and time, long after: it stopped short.
        assert!(!f.probed(p, 20, Some(t0), cut(), t0 + Duration::from_secs(65)));
        assert!(matches!(f.rows[0].state, FileState::Incomplete(_)));
        // Finished: complete.
        f.probed(
            p,
            30,
            Some(t0),
            Probed::Complete {
                names: 3,
                scan: Severity::Dangerous,
            },
            t0 + Duration::from_secs(66),
        );
        assert_eq!(
            (f.rows[0].state.clone(), f.rows[0].names, f.rows[0].scan),
            (FileState::Ok, Some(3), Some(Severity::Dangerous))
        );
    }

    #[test]
    fn upsert_adds_in_order_and_removes() {
        let mut f = Files::default();
        f.set(vec![listed("/d/a.pkl", 1), listed("/d/c.pkl", 1)]);
        f.selected = 1;
        assert!(f.upsert(Path::new("/d/b.pkl"), Some(listed("/d/b.pkl", 1))));
        assert_eq!(f.rows[1].listed.path, PathBuf::from("/d/b.pkl"));
        assert_eq!(f.selected().unwrap().listed.path, PathBuf::from("/d/c.pkl"));
        f.upsert(Path::new("/d/c.pkl"), None);
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.selected, 1);
    }
}
