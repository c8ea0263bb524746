//! Work that touches the disk: what `update` asks for (`Command`) and what
//! comes back (`Event`). `perform` does one command on the calling thread;
//! the runtime calls it on worker threads, tests call it directly.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

mod checks;

pub use checks::RestoreCheck;

use super::compare::EnvReport;
use crate::diff::Diff;
use crate::scan::{self, Severity};
use crate::session::Session;
use crate::store::dir::{self, Listed};

/// Disk or process work requested by `App::update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// List the watched directories.
    List {
        dirs: Vec<PathBuf>,
        recursive: bool,
    },
    /// Re-stat paths the watcher reported.
    Stat(Vec<PathBuf>),
    /// Parse a file to learn its names and whether it is complete.
    Probe(PathBuf),
    /// Load a session for the tree; `seq` tells stale results apart.
    Load {
        path: PathBuf,
        seq: u64,
    },
    /// Write `names` dropped (or, with `keep_only`, kept) from `source` to `to`.
    Write(Write),
    /// Put the newest backup of a file back.
    Undo(PathBuf),
    Diff {
        a: PathBuf,
        b: PathBuf,
    },
    /// Compare a checkpoint's environment with `against`.
    Env {
        a: PathBuf,
        against: Against,
    },
    /// Scan what restoring `only` (all when empty) would load, and check it
    /// against `python`, before asking.
    CheckRestore {
        path: PathBuf,
        only: Vec<String>,
        python: Vec<String>,
    },
    /// Hand the terminal to Python with the session loaded (the runtime does
    /// this); `trust` lets a dangerous file load.
    Restore {
        path: PathBuf,
        only: Vec<String>,
        python: Vec<String>,
        trust: bool,
    },
}

/// The other side of an env comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// Only what is wrong with the checkpoint by itself (no Python runs).
    Nothing,
    /// Another checkpoint.
    Checkpoint(PathBuf),
    /// This Python, probed with the fixed script.
    Python(Vec<String>),
}

/// An edit to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub source: PathBuf,
    pub names: Vec<String>,
    pub keep_only: bool,
    pub to: PathBuf,
    /// Shown in the status line: "filter", "extract", "re-dump".
    pub what: &'static str,
    /// Backups of `to` to keep after an in-place write; 0 keeps all.
    pub keep: usize,
}

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probed {
    Complete {
        names: usize,
        scan: Severity,
    },
    /// No STOP yet: still being written, or cut.
    Truncated {
        names: usize,
        why: String,
        /// The scan of what was read so far.
        scan: Severity,
    },
    Corrupt(String),
    Unreadable(String),
}

/// A result coming back to the app.
pub enum Event {
    Listed(Result<Vec<Listed>, String>),
    /// Each path with what it is now (`None`: gone or not a checkpoint).
    Stated(Vec<(PathBuf, Option<Listed>)>),
    Probed {
        path: PathBuf,
        size: u64,
        modified: Option<SystemTime>,
        result: Probed,
    },
    Progress {
        seq: u64,
        done: u64,
        total: u64,
    },
    Loaded {
        seq: u64,
        path: PathBuf,
        result: Result<(Arc<Session>, Arc<scan::Report>), String>,
    },
    /// The watcher saw these paths change.
    Changed(Vec<PathBuf>),
    Written {
        what: &'static str,
        to: PathBuf,
        result: Result<String, String>,
    },
    Undone {
        path: PathBuf,
        result: Result<String, String>,
    },
    Diffed {
        a: PathBuf,
        b: PathBuf,
        result: Result<Box<Diff>, String>,
    },
    EnvCompared {
        a: PathBuf,
        against: Against,
        result: Result<Box<EnvReport>, String>,
    },
    RestoreChecked {
        path: PathBuf,
        only: Vec<String>,
        result: Result<Box<RestoreCheck>, String>,
    },
    Restored(Result<String, String>),
}

/// Does one command, sending what it finds to `send` (possibly several events).
///
/// `Restore` needs the terminal and is done by the runtime, not here.
pub fn perform(cmd: Command, send: &mut dyn FnMut(Event)) {
    match cmd {
        Command::List { dirs, recursive } => {
            send(Event::Listed(
                dir::list(&dirs, recursive).map_err(|e| e.to_string()),
            ));
        }
        Command::Stat(paths) => {
            let out = paths
                .into_iter()
                .map(|p| {
                    // `dir::stat` does not tell sidecars apart; `dir::list` does.
                    let l = dir::stat(&p).filter(|_| !dir::is_sidecar(&p));
                    (p, l)
                })
                .collect();
            send(Event::Stated(out));
        }
        Command::Probe(path) => send(probe(&path)),
        Command::Load { path, seq } => load(path, seq, send),
        Command::Write(w) => {
            let to = w.to.clone();
            let what = w.what;
            send(Event::Written {
                what,
                to,
                result: write(&w),
            });
        }
        Command::Undo(path) => {
            let result = undo(&path);
            send(Event::Undone { path, result });
        }
        Command::Diff { a, b } => {
            let result = (|| Ok(Box::new(crate::diff::diff(&read(&a)?, &read(&b)?))))();
            send(Event::Diffed { a, b, result });
        }
        Command::Env { a, against } => {
            let result = checks::env(&a, &against).map(Box::new);
            send(Event::EnvCompared { a, against, result });
        }
        Command::CheckRestore { path, only, python } => {
            let result = checks::restore(&path, &only, &python).map(Box::new);
            send(Event::RestoreChecked { path, only, result });
        }
        Command::Restore { .. } => send(Event::Restored(Err(
            "restore needs the terminal; run it from the UI".into(),
        ))),
    }
}

/// Reads a whole file into memory and parses it: watched files may be
/// rewritten at any moment, and a session in memory never reads the disk again.
pub(crate) fn read(path: &Path) -> Result<Session, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", name(path)))?;
    Ok(Session::from_bytes(bytes))
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn probe(path: &Path) -> Event {
    let meta = fs::metadata(path);
    let (size, modified) = match &meta {
        Ok(m) => (m.len(), m.modified().ok()),
        Err(_) => (0, None),
    };
    let result = match fs::read(path) {
        Err(e) => Probed::Unreadable(e.to_string()),
        Ok(bytes) => {
            let s = Session::from_bytes(bytes);
            match &s.program.error {
                None => Probed::Complete {
                    names: s.entries.len(),
                    scan: scan::scan(&s).verdict,
                },
                Some(e) if e.is_truncation() => Probed::Truncated {
                    names: s.entries.len(),
                    why: e.to_string(),
                    scan: scan::scan(&s).verdict,
                },
                Some(e) => Probed::Corrupt(e.to_string()),
            }
        }
    };
    Event::Probed {
        path: path.to_path_buf(),
        size,
        modified,
        result,
    }
}

fn load(path: PathBuf, seq: u64, send: &mut dyn FnMut(Event)) {
    let result = (|| {
        let total = fs::metadata(&path).map_err(|e| e.to_string())?.len();
        send(Event::Progress {
            seq,
            done: 0,
            total,
        });
        let bytes = read_with_progress(&path, total, &mut |done| {
            // Reading is the first half of the bar, parsing the second.
            send(Event::Progress {
                seq,
                done: done / 2,
                total,
            })
        })
        .map_err(|e| e.to_string())?;
        let source = crate::pickle::Source::from_bytes(bytes);
        let program = crate::pickle::machine::parse_with_progress(
            source,
            crate::pickle::Limits::default(),
            &mut |off| {
                send(Event::Progress {
                    seq,
                    done: total / 2 + off / 2,
                    total,
                })
            },
        );
        let session = Session::from_program(program);
        let report = scan::scan(&session);
        Ok((Arc::new(session), Arc::new(report)))
    })();
    send(Event::Loaded { seq, path, result });
}

fn read_with_progress(
    path: &Path,
    total: u64,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    const CHUNK: usize = 8 << 20;
    let mut f = fs::File::open(path)?;
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
        progress(out.len() as u64);
    }
}

fn write(w: &Write) -> Result<String, String> {
    use crate::store::apply::{self, Change, Request};
    // The same workflow as the CLI: guard, verify, re-check, back up, rename, sidecar, prune.
    let mut o = apply::open(&w.source).map_err(|e| e.to_string())?;
    let change = if w.keep_only {
        Change::Only(&w.names)
    } else {
        Change::Without(&w.names)
    };
    let edited = apply::prepare(&o, change).map_err(|e| e.to_string())?;
    let req = Request {
        output: w.to.clone(),
        reason: &format!("tui {}", w.what),
        force: false,
        keep_backups: w.keep,
        follow_sidecar: true,
        observe: None,
    };
    let done = apply::apply(&mut o, &edited, &req).map_err(|e| e.to_string())?;
    let plan = &done.plan;
    let mut msg = format!(
        "{}: wrote {} ({} names kept, {} dropped, {} saved)",
        w.what,
        name(&w.to),
        plan.kept.len(),
        plan.dropped.len(),
        super::human_size(plan.bytes_saved)
    );
    if done.written.backup.is_some() {
        msg.push_str("; backup kept, u undoes");
        match done.pruned {
            Ok(0) => {}
            Ok(n) => msg.push_str(&format!(" ({n} older pruned)")),
            Err(e) => msg.push_str(&format!(" (pruning old backups failed: {e})")),
        }
    }
    match done.sidecar {
        Some(Ok(_)) => msg.push_str("; env sidecar copied"),
        Some(Err(e)) => msg.push_str(&format!("; env sidecar not copied: {e}")),
        None => {}
    }
    Ok(msg)
}

fn undo(path: &Path) -> Result<String, String> {
    let (b, _) = crate::store::write::undo(path).map_err(|e| e.to_string())?;
    Ok(format!(
        "undo: put back {} as it was before {}",
        name(path),
        b.reason
    ))
}
