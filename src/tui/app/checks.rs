//! Env reports and restore checks coming back: the env view fills in as the
//! probed Python answers, and restore asks only once the scan and env check
//! can be shown.

use std::path::PathBuf;

use super::App;
use crate::env::Verdict;
use crate::scan::Severity;
use crate::tui::compare::{EnvReport, Other};
use crate::tui::dialog::{Confirm, EnvView, Line, Overlay, Pending, TRUST_WORD, Tone};
use crate::tui::jobs::{Against, RestoreCheck};

/// Findings and mismatches listed in the restore dialog.
const LISTED: usize = 4;

fn verdict_tone(v: Verdict) -> Tone {
    match v {
        Verdict::Ok => Tone::Ok,
        Verdict::Warn => Tone::Warn,
        Verdict::Fail => Tone::Error,
    }
}

fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Safe => Tone::Ok,
        Severity::Unknown => Tone::Warn,
        Severity::Dangerous => Tone::Error,
    }
}

impl App {
    /// Shows an env report. The quick look (`Against::Nothing`) and the
    /// probed Python race each other: whichever comes first opens the view,
    /// and the quick look never replaces a probed answer.
    pub(super) fn env_compared(
        &mut self,
        a: PathBuf,
        against: Against,
        result: Result<Box<EnvReport>, String>,
    ) {
        let probed = matches!(against, Against::Python(_));
        let waiting = self.env_waiting.as_ref().is_some_and(|w| w.path == a);
        if probed && !waiting {
            // The view was closed (or moved on) before the Python answered.
            return;
        }
        let shown = matches!(&self.overlay, Some(Overlay::Env(v)) if v.path == a);
        let report = match result {
            Ok(r) => *r,
            Err(e) => {
                self.error(format!("env: {e}"));
                if !probed {
                    return;
                }
                match &mut self.overlay {
                    Some(Overlay::Env(v)) if shown => {
                        v.probing = None;
                        v.probe_error = Some(e);
                        self.env_waiting = None;
                    }
                    _ => {
                        if let Some(w) = &mut self.env_waiting {
                            w.failed = Some(e);
                        }
                    }
                }
                return;
            }
        };
        if probed {
            self.env_waiting = None;
        }
        let right = match &against {
            Against::Nothing => String::new(),
            Against::Checkpoint(b) => self.display_name(b),
            Against::Python(cmd) => cmd.join(" "),
        };
        self.message = None;
        if let Some(Overlay::Env(v)) = &mut self.overlay
            && shown
        {
            if against == Against::Nothing && !matches!(v.report.other, Other::Nothing) {
                return;
            }
            v.report = report;
            if probed {
                v.probing = None;
                v.probe_error = None;
                v.right = right;
            }
            return;
        }
        let (mut probing, mut probe_error) = (None, None);
        if against == Against::Nothing && waiting {
            let failed = self.env_waiting.as_mut().and_then(|w| w.failed.take());
            match failed {
                Some(e) => {
                    probe_error = Some(e);
                    self.env_waiting = None;
                }
                None => probing = Some(self.config.python().join(" ")),
            }
        }
        self.overlay = Some(Overlay::Env(Box::new(EnvView {
            left: self.display_name(&a),
            path: a,
            right: probing.clone().unwrap_or(right),
            report,
            probing,
            probe_error,
            scroll: 0,
        })));
    }

    /// Asks before restoring, with what the scan and env check found; a
    /// dangerous file takes typing `trust`.
    pub(super) fn restore_checked(&mut self, path: PathBuf, only: Vec<String>, c: &RestoreCheck) {
        let python = self.config.python().join(" ");
        let mut lines = vec![
            Line::new(
                Tone::Plain,
                format!("file     {}", self.display_name(&path)),
            ),
            Line::new(
                Tone::Plain,
                if only.is_empty() {
                    format!("names    all {}", c.total)
                } else {
                    format!(
                        "names    only {} marked: {} ({} of {} entries with the module's own)",
                        only.len(),
                        only.join(", "),
                        c.names,
                        c.total,
                    )
                },
            ),
            Line::new(Tone::Plain, format!("python   {python}")),
        ];
        let scan = &c.scan;
        let shown: Vec<_> = scan
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Safe)
            .collect();
        lines.push(Line::new(
            severity_tone(scan.verdict),
            match shown.len() {
                0 => format!("scan     {}", scan.verdict),
                1 => format!("scan     {} (1 finding)", scan.verdict),
                n => format!("scan     {} ({n} findings)", scan.verdict),
            },
        ));
        let mut worst = shown.clone();
        worst.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in worst.iter().take(LISTED) {
            lines.push(Line::new(
                severity_tone(f.severity),
                format!("  {}: {}", f.holder(), f.what),
            ));
        }
        if worst.len() > LISTED {
            lines.push(Line::new(
                Tone::Dim,
                format!("  … {} more (brine scan lists them)", worst.len() - LISTED),
            ));
        }
        match &c.env {
            Ok(r) => {
                let py = match &r.other {
                    Other::Local(l) => format!(" (Python {})", l.python),
                    _ => String::new(),
                };
                lines.push(Line::new(
                    verdict_tone(r.verdict),
                    format!("env      {}{py}", r.verdict.as_str()),
                ));
                for m in r.mismatches.iter().take(LISTED) {
                    lines.push(Line::new(
                        verdict_tone(m.severity),
                        format!("  {}: {}", m.field, m.consequence),
                    ));
                }
                if r.mismatches.len() > LISTED {
                    lines.push(Line::new(
                        Tone::Dim,
                        format!("  … {} more (e shows them)", r.mismatches.len() - LISTED),
                    ));
                }
            }
            Err(e) => lines.push(Line::new(Tone::Warn, format!("env      unknown: {e}"))),
        }
        if !scan.complete {
            lines.push(Line::new(
                Tone::Error,
                "the file is incomplete: loading it will fail",
            ));
        }
        // Only a proof of safety restores on a plain yes.
        let dangerous = scan.verdict != Severity::Safe;
        if dangerous {
            for f in shown
                .iter()
                .map(|f| f.holder())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .take(LISTED)
            {
                if let Some(v) = scan.log.iter().find(|v| v.holder == f) {
                    lines.push(Line::new(Tone::Dim, format!("  {f} calls: {}", v.chain())));
                }
            }
            lines.push(Line::new(
                Tone::Error,
                format!(
                    "the scan cannot prove this safe: loading it may run what it found. Type {TRUST_WORD} and enter to restore anyway{}",
                    if only.is_empty() {
                        ", or mark only safe names"
                    } else {
                        ""
                    }
                ),
            ));
        }
        self.message = None;
        let mut confirm = Confirm::new(
            "Restore into Python?",
            lines,
            Pending::Restore {
                path,
                only,
                trust: false,
            },
        );
        if dangerous {
            confirm.typed = Some(String::new());
        }
        self.overlay = Some(Overlay::Confirm(confirm));
    }
}
