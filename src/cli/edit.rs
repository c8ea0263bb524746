//! `brine filter`, `extract`, `salvage`, `backups` and `undo`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Failure;
use super::inspect::open;
use crate::edit::pattern::{self, Pattern};
use crate::edit::{self, Edited};
use crate::session::Session;
use crate::store::apply::{self, ApplyError, Change, Opened, Request};
use crate::store::write::{self, WriteError};
use crate::text::Shown;
use crate::text::{COLUMN_MAX, clip, escape, human_size, name};

#[derive(clap::Args, Debug)]
pub struct FilterArgs {
    pub file: PathBuf,
    /// Names to drop: a plain word matches as a substring, *?[ make a glob, re: a regex
    #[arg(long, short = 'e', num_args = 1..)]
    pub exclude: Vec<String>,
    /// A named set of patterns: `ipython` drops In, Out, _, __, ___, _i, _ii, _iii, _i<N>, _<N>, _oh, _dh, _ih, exit, quit, get_ipython
    #[arg(long)]
    pub preset: Vec<String>,
    /// Where to write the result
    #[arg(long, short = 'o', conflicts_with = "in_place")]
    pub output: Option<PathBuf>,
    /// Replace FILE (a backup is kept; `brine undo FILE` puts it back)
    #[arg(long)]
    pub in_place: bool,
    /// With --in-place: replace FILE even when it is read-only
    #[arg(long, requires = "in_place")]
    pub force: bool,
    /// Show what would go and the bytes saved; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the names that kept names need (functions' globals, classes of instances…)
    /// even when a pattern matches them
    #[arg(long)]
    pub with_deps: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExtractArgs {
    pub file: PathBuf,
    /// The names to keep (the module's own dunders are kept too)
    #[arg(required = true)]
    pub names: Vec<String>,
    #[arg(long, short = 'o', required = true)]
    pub output: PathBuf,
    /// Also keep what the names need, transitively (functions' globals, classes of instances…)
    #[arg(long)]
    pub with_deps: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct SalvageArgs {
    pub file: PathBuf,
    #[arg(long, short = 'o', required = true)]
    pub output: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct BackupsArgs {
    /// Only the backups of this file
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct UndoArgs {
    pub file: PathBuf,
    /// Put back backup N of `brine backups FILE` (1 = the newest) instead of stepping back one
    #[arg(long)]
    pub to: Option<usize>,
}

fn fail_write(e: WriteError) -> Failure {
    Failure::error(e.to_string())
}

fn fail_apply(e: ApplyError) -> Failure {
    Failure::error(e.to_string())
}

/// Opens the input for editing: a regular file, readable as a pickle, fingerprinted.
fn open_input(file: &Path) -> Result<Opened, Failure> {
    let o = apply::open(file).map_err(fail_apply)?;
    // The same one-line refusal as inspect for what is not a checkpoint.
    if o.session.entries.is_empty() && o.session.program.error.is_some() {
        open(file)?;
    }
    Ok(o)
}

/// Applies an edit through the one library workflow and says what happened to the sidecar.
fn write_edit(
    o: &mut Opened,
    edited: &Edited,
    target: &Path,
    reason: &str,
    force: bool,
) -> Result<write::Written, Failure> {
    let req = Request {
        output: target.to_path_buf(),
        reason,
        force,
        keep_backups: 0,
        follow_sidecar: true,
        observe: None,
    };
    let done = apply::apply(o, edited, &req).map_err(fail_apply)?;
    match done.sidecar {
        Some(Ok(dest)) => crate::text::eprint_line(&format!(
            "brine: copied the env sidecar to {}",
            dest.shown()
        )),
        Some(Err(e)) => crate::text::eprint_line(&format!(
            "brine: warning: the env sidecar was not copied: {e}"
        )),
        None => {}
    }
    Ok(done.written)
}

pub fn filter(a: FilterArgs) -> Result<u8, Failure> {
    let mut patterns: Vec<Pattern> = Vec::new();
    for p in &a.exclude {
        patterns.push(Pattern::parse(p).map_err(Failure::usage)?);
    }
    for name in &a.preset {
        patterns.extend(
            pattern::preset(name).ok_or_else(|| {
                Failure::usage(format!("unknown preset '{name}' (known: ipython)"))
            })?,
        );
    }
    if patterns.is_empty() {
        return Err(Failure::usage(
            "say what to drop: --exclude PATTERN… or --preset ipython",
        ));
    }
    let target = match (&a.output, a.in_place, a.dry_run) {
        (Some(o), _, _) => Some(o.clone()),
        (None, true, _) => Some(a.file.clone()),
        (None, false, true) => None,
        (None, false, false) => {
            return Err(Failure::usage(
                "say where to write: -o OUT, or --in-place (or --dry-run to only look)",
            ));
        }
    };
    if let Some(t) = &target
        && !a.in_place
        && same_file(t, &a.file)
    {
        return Err(Failure::usage(format!(
            "{} is the input: use --in-place to replace it (a backup is kept)",
            t.shown()
        )));
    }
    let mut o = open_input(&a.file)?;
    let before = o.size;
    let names: Vec<String> = o
        .session
        .entries
        .iter()
        .map(|e| e.name.clone())
        .filter(|n| patterns.iter().any(|p| p.matches(n)))
        .collect();
    let rescued: Vec<String>;
    let names: Vec<String> = if a.with_deps {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let drop = o.session.drop_keeping_deps(&refs);
        rescued = names
            .iter()
            .filter(|n| !drop.iter().any(|d| d == *n))
            .cloned()
            .collect();
        names
            .into_iter()
            .filter(|n| drop.iter().any(|d| d == n))
            .collect()
    } else {
        rescued = Vec::new();
        names
    };
    if a.dry_run || names.is_empty() {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut plan = o.session.plan_without(&refs);
        plan.kept_for_deps = rescued;
        report(
            before, &a.file, None, &o.session, &plan, None, a.json, a.dry_run,
        )?;
        if names.is_empty() && !a.json {
            crate::text::eprint_line(&format!(
                "brine: {}: no names match; nothing written",
                a.file.shown()
            ));
        }
        return Ok(0);
    }
    let mut edited = apply::prepare(&o, Change::Without(&names)).map_err(fail_apply)?;
    edited.plan.kept_for_deps = rescued;
    let target = target.expect("checked above");
    let reason = if a.in_place {
        "filter --in-place"
    } else {
        "filter -o"
    };
    let written = write_edit(&mut o, &edited, &target, reason, a.force)?;
    report(
        before,
        &a.file,
        Some(&target),
        &o.session,
        &edited.plan,
        Some(&written),
        a.json,
        false,
    )?;
    Ok(0)
}

pub fn extract(a: ExtractArgs) -> Result<u8, Failure> {
    if same_file(&a.output, &a.file) {
        return Err(Failure::usage(
            "extract writes a new file: choose an -o OUT other than the input",
        ));
    }
    let mut o = open_input(&a.file)?;
    let before = o.size;
    let missing: Vec<&String> = a
        .names
        .iter()
        .filter(|n| o.session.entry(n).is_none())
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Failure::error(format!(
            "{}: no name {list} in this checkpoint",
            a.file.shown()
        )));
    }
    let change = if a.with_deps {
        Change::OnlyWithDeps(&a.names)
    } else {
        Change::Only(&a.names)
    };
    let edited = apply::prepare(&o, change).map_err(fail_apply)?;
    let written = write_edit(&mut o, &edited, &a.output, "extract", false)?;
    report(
        before,
        &a.file,
        Some(&a.output),
        &o.session,
        &edited.plan,
        Some(&written),
        a.json,
        false,
    )?;
    Ok(0)
}

pub fn salvage(a: SalvageArgs) -> Result<u8, Failure> {
    if same_file(&a.output, &a.file) {
        return Err(Failure::usage(
            "salvage writes a new file: choose an -o OUT other than the input",
        ));
    }
    let mut o = open_input(&a.file)?;
    let at = o.session.program.error.as_ref().map(|e| e.offset);
    let edited = apply::prepare(&o, Change::Salvage).map_err(fail_apply)?;
    let lost = o.session.cut_at_key.clone();
    let written = write_edit(&mut o, &edited, &a.output, "salvage", false)?;
    if a.json {
        let v = json!({
            "path": a.file.display().to_string(),
            "output": a.output.display().to_string(),
            "names": edited.plan.kept,
            "lost": lost,
            "cut_at": at,
            "bytes": written.bytes,
        });
        crate::text::json(&v).map_err(|e| Failure::error(e.to_string()))?;
    } else {
        crate::say!(
            "wrote {} ({}): {} complete names",
            a.output.shown(),
            human_size(written.bytes),
            edited.plan.kept.len()
        );
        if let Some(k) = lost {
            crate::say!(
                "lost: '{k}' and whatever followed it (the input ends at byte {})",
                at.unwrap_or(0)
            );
        }
    }
    Ok(0)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    before: u64,
    file: &Path,
    out: Option<&Path>,
    s: &Session,
    plan: &edit::Plan,
    written: Option<&write::Written>,
    as_json: bool,
    dry_run: bool,
) -> Result<(), Failure> {
    if as_json {
        let v = json!({
            "path": file.display().to_string(),
            "output": out.map(|o| o.display().to_string()),
            "dry_run": dry_run,
            "dropped": plan.dropped,
            "kept": plan.kept.len(),
            "bytes_saved": plan.bytes_saved,
            "bytes_before": before,
            "bytes_after": written.map(|w| w.bytes),
            "still_needed": plan.still_needed.iter().map(|(n, by)| json!({"name": n, "needed_by": by})).collect::<Vec<Value>>(),
            "dependencies": plan.deps.iter().map(|(n, uses)| json!({"name": n, "uses": uses})).collect::<Vec<Value>>(),
            "missing": plan.missing.iter().map(|(n, uses)| json!({"name": n, "uses": uses})).collect::<Vec<Value>>(),
            "warnings": plan.warnings(),
            "kept_for_deps": plan.kept_for_deps,
            "backup": written.and_then(|w| w.backup.as_ref()).map(|b| b.display().to_string()),
        });
        return crate::text::json(&v).map_err(|e| Failure::error(e.to_string()));
    }
    let verb = if dry_run { "would drop" } else { "dropped" };
    crate::say!(
        "{verb} {} of {} names, about {}:",
        plan.dropped.len(),
        s.entries.len(),
        human_size(plan.bytes_saved)
    );
    for n in &plan.dropped {
        let e = s.entry(n);
        let size = e.map(|e| human_size(e.bytes)).unwrap_or_default();
        let ty = e.map(|e| e.ty.as_str()).unwrap_or("");
        let n = clip(&name(n), COLUMN_MAX).into_owned();
        let ty = clip(&escape(ty), COLUMN_MAX).into_owned();
        crate::say!("  - {n:<24} {ty:<32} {size:>10}");
    }
    for (n, by) in &plan.still_needed {
        crate::say!(
            "  note: '{n}' is still needed by '{}': its object stays, the name goes",
            by.join("', '")
        );
    }
    if !plan.kept_for_deps.is_empty() {
        println!(
            "  kept because kept names need them: {}",
            plan.kept_for_deps.join(", ")
        );
    }
    for w in plan.warnings() {
        eprintln!("brine: warning: {w} (--with-deps keeps them)");
    }
    if let (Some(o), Some(w)) = (out, written) {
        crate::say!(
            "wrote {} ({} → {})",
            o.shown(),
            human_size(before),
            human_size(w.bytes)
        );
        if let Some(b) = &w.backup {
            crate::say!(
                "backup of the replaced file: {} (brine undo {} puts it back)",
                b.shown(),
                o.shown()
            );
        }
    }
    Ok(())
}

pub fn backups(a: BackupsArgs) -> Result<u8, Failure> {
    let list = write::backups(a.file.as_deref()).map_err(fail_write)?;
    // The numbers `undo --to N` takes: edits' backups, newest first (undo's own copies have none).
    let mut numbers = std::collections::HashMap::new();
    let mut n = 0;
    for b in list.iter().rev().filter(|b| b.restores.is_none()) {
        n += 1;
        numbers.insert(b.backup.clone(), n);
    }
    if a.json {
        let v: Vec<Value> = list
            .iter()
            .rev()
            .map(|b| json!({"n": numbers.get(&b.backup), "original": b.original, "backup": b.backup, "time": b.time, "bytes": b.bytes, "reason": b.reason, "sha256": b.sha256, "restores": b.restores, "exists": b.backup.exists()}))
            .collect();
        crate::text::json(&Value::Array(v)).map_err(|e| Failure::error(e.to_string()))?;
        return Ok(0);
    }
    if list.is_empty() {
        crate::say!("no backups yet (brine keeps one whenever it replaces a file)");
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .rev()
        .map(|b| {
            vec![
                numbers.get(&b.backup).map_or("-".into(), |n| n.to_string()),
                format_time(b.time),
                human_size(b.bytes),
                b.reason.clone(),
                b.original.shown(),
                if b.backup.exists() {
                    b.backup.shown()
                } else {
                    "(missing)".into()
                },
            ]
        })
        .collect();
    let mut out = crate::text::stdout();
    crate::text::table(
        &mut out,
        &["N", "WHEN (UTC)", "SIZE", "BY", "FILE", "BACKUP"],
        &rows,
        &[0, 2],
    )
    .map_err(|e| Failure::error(e.to_string()))?;
    if a.file.is_some() && n > 0 {
        crate::say!(
            "`brine undo FILE` steps back one; `brine undo FILE --to N` puts back backup N"
        );
    }
    Ok(0)
}

pub fn undo(a: UndoArgs) -> Result<u8, Failure> {
    let (b, w) = write::undo_to(&a.file, a.to).map_err(fail_write)?;
    crate::say!(
        "restored {} from the backup of {} ({})",
        w.path.shown(),
        format_time(b.time),
        b.reason
    );
    if let Some(prev) = &w.backup {
        crate::say!("the version it replaced is backed up too: {}", prev.shown());
    }
    Ok(0)
}

/// `2026-11-23 20:14:43`, computed without a time zone database.
fn format_time(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
