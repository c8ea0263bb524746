//! `brine scan`: what loading each file would import and call, and a verdict
//! (safe / unknown / dangerous) with completeness apart; text, JSON or SARIF.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Failure;
use crate::scan::{Report, Severity, scan as scan_session};
use crate::session::Session;
use crate::text::{COLUMN_MAX, LAST_COLUMN_MAX, Shown, clip, escape, name};

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON object for all files instead of text
    #[arg(long)]
    pub json: bool,
    /// Output format: text, json or sarif (SARIF 2.1.0, for CI)
    #[arg(long, value_parser = ["text", "json", "sarif"])]
    pub format: Option<String>,
}

/// One file's outcome: its report, or why it could not be read.
enum Outcome {
    Scanned(Box<Session>, Report),
    Unreadable(String),
}

/// Exit 3 when any file is dangerous, else 1 when any could not be read, else
/// 4 when any is unknown (not proven safe), else 0.
pub fn scan(a: ScanArgs) -> Result<u8, Failure> {
    let mut outcomes = Vec::new();
    for f in &a.files {
        outcomes.push((f.clone(), scan_one(f)));
    }
    let worst = outcomes
        .iter()
        .filter_map(|(_, o)| match o {
            Outcome::Scanned(_, r) => Some(r.verdict),
            Outcome::Unreadable(_) => None,
        })
        .max();
    let unreadable = outcomes
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Unreadable(_)));
    let format = a
        .format
        .as_deref()
        .unwrap_or(if a.json { "json" } else { "text" });
    let printed = match format {
        "json" => print_json(&outcomes, worst),
        "sarif" => {
            let files: Vec<(String, &Report)> = outcomes
                .iter()
                .filter_map(|(p, o)| match o {
                    Outcome::Scanned(_, r) => Some((p.display().to_string(), r)),
                    Outcome::Unreadable(_) => None,
                })
                .collect();
            crate::text::json(&crate::scan::sarif::log(&files))
        }
        _ => print_text(&outcomes),
    };
    printed.map_err(Failure::from)?;
    for (path, o) in &outcomes {
        if let Outcome::Unreadable(why) = o {
            crate::text::eprint_line(&format!("brine: {}: {why}", path.shown()));
        }
    }
    Ok(if worst == Some(Severity::Dangerous) {
        3
    } else if unreadable {
        1
    } else if worst == Some(Severity::Unknown) {
        4
    } else {
        0
    })
}

fn scan_one(path: &Path) -> Outcome {
    let s = match Session::open(path) {
        Ok(s) => s,
        Err(e) => {
            return Outcome::Unreadable(match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".into(),
                std::io::ErrorKind::PermissionDenied => "permission denied".into(),
                _ => e.to_string(),
            });
        }
    };
    if s.program.node_count() == 0
        && let Some(err) = &s.program.error
    {
        return Outcome::Unreadable(format!("not a readable pickle: {err}"));
    }
    let r = scan_session(&s);
    Outcome::Scanned(Box::new(s), r)
}

/// Why the scan saw only part of the file, when it did.
fn incomplete(s: &Session) -> Option<String> {
    let err = s.program.error.as_ref()?;
    if let Some(b) = err.budget() {
        return Some(format!(
            "{b}; scanned only the {} bytes read before it",
            err.offset
        ));
    }
    let what = if err.is_truncation() {
        "truncated"
    } else {
        "corrupt"
    };
    Some(format!(
        "{what} at byte {}: scanned only the {} bytes read before it",
        err.offset, err.offset
    ))
}

fn print_text(outcomes: &[(PathBuf, Outcome)]) -> std::io::Result<()> {
    let mut out = crate::text::stdout();
    for (path, o) in outcomes {
        let (s, r) = match o {
            Outcome::Scanned(s, r) => (s, r),
            Outcome::Unreadable(_) => continue,
        };
        let n = r.findings.len();
        let plural = if n == 1 { "" } else { "s" };
        writeln!(
            out,
            "{}: {} ({n} finding{plural}; {})",
            path.shown(),
            r.verdict,
            r.completeness
        )?;
        if let Some(why) = incomplete(s) {
            writeln!(out, "  incomplete: {why}")?;
        }
        // Holders are names from the file: marked, escaped and clipped like any name.
        let holder = |f: &crate::scan::Finding| clip(&name(f.holder()), COLUMN_MAX).into_owned();
        let width = r
            .findings
            .iter()
            .map(|f| holder(f).chars().count())
            .max()
            .unwrap_or(0);
        for f in &r.findings {
            let times = if f.count > 1 {
                format!(" (×{})", f.count)
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {:<9}  {:<width$}  byte {:<8}  {}{times}",
                f.severity.as_str(),
                holder(f),
                f.offset,
                clip(&escape(&f.what), LAST_COLUMN_MAX)
            )?;
        }
        // What loading each flagged variable calls, in order.
        let mut shown: Vec<&str> = Vec::new();
        for f in r.findings.iter().filter(|f| f.severity != Severity::Safe) {
            if shown.contains(&f.holder()) {
                continue;
            }
            shown.push(f.holder());
            if let Some(v) = r.log.iter().find(|v| v.holder == f.holder()) {
                writeln!(
                    out,
                    "  {} calls: {}",
                    holder(f),
                    clip(&escape(&v.chain()), LAST_COLUMN_MAX)
                )?;
            }
        }
    }
    Ok(())
}

fn report_json(path: &Path, s: &Session, r: &Report) -> Value {
    json!({
        "path": path.display().to_string(),
        "verdict": r.verdict.as_str(),
        "format": s.format.as_str(),
        "complete": r.complete,
        "completeness": r.completeness.as_str(),
        "incomplete": incomplete(s),
        "findings": r.findings.iter().map(|f| json!({
            "variable": f.variable,
            "holder": f.holder(),
            "offset": f.offset,
            "severity": f.severity.as_str(),
            "category": f.category.as_str(),
            "what": f.what,
            "count": f.count,
        })).collect::<Vec<_>>(),
        "imports": r.imports,
        "calls": r.calls.iter().map(|(n, c)| json!({"name": n, "count": c})).collect::<Vec<_>>(),
        "call_log": r.log.iter().map(|v| json!({
            "variable": v.variable,
            "holder": v.holder,
            "calls": v.calls.iter().map(|c| json!({
                "offset": c.offset,
                "call": c.text,
                "severity": c.severity.as_str(),
            })).collect::<Vec<_>>(),
            "more": v.more,
        })).collect::<Vec<_>>(),
    })
}

fn print_json(outcomes: &[(PathBuf, Outcome)], worst: Option<Severity>) -> std::io::Result<()> {
    let files: Vec<Value> = outcomes
        .iter()
        .map(|(path, o)| match o {
            Outcome::Scanned(s, r) => report_json(path, s, r),
            Outcome::Unreadable(why) => json!({
                "path": path.display().to_string(),
                "verdict": null,
                "error": why,
            }),
        })
        .collect();
    crate::text::json(&json!({
        "verdict": worst.map(Severity::as_str),
        "files": files,
    }))
}
