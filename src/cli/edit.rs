//! `brine filter`, `extract`, `salvage`, `backups` and `undo`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Failure;
use super::inspect::open;
use crate::edit::pattern::{self, Pattern};
use crate::edit::{self, Edited};
use crate::session::Session;
use crate::store::write::{self, Fingerprint, WriteError};
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
}

fn fail_write(e: WriteError) -> Failure {
    Failure::error(e.to_string())
}

fn fail_edit(file: &Path, e: edit::EditError) -> Failure {
    Failure::error(format!("{}: {e}", file.shown()))
}

/// Opens the input and notes its fingerprint, so a change during the run is caught.
fn open_input(file: &Path) -> Result<(Session, Fingerprint), Failure> {
    let fp = Fingerprint::of(file).map_err(|e| Failure::error(format!("{}: {e}", file.shown())))?;
    Ok((open(file)?, fp))
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
    let (mut s, fp) = open_input(&a.file)?;
    let before = s.program.source.len();
    let names: Vec<&str> = s
        .entries
        .iter()
        .map(|e| e.name.as_str())
        .filter(|n| patterns.iter().any(|p| p.matches(n)))
        .collect();
    let rescued: Vec<String>;
    let names: Vec<&str> = if a.with_deps {
        let drop = s.drop_keeping_deps(&names);
        rescued = names
            .iter()
            .filter(|n| !drop.iter().any(|d| d == *n))
            .map(|n| n.to_string())
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
        let mut plan = s.plan_without(&names);
        plan.kept_for_deps = rescued;
        report(before, &a.file, None, &s, &plan, None, a.json, a.dry_run)?;
        if names.is_empty() && !a.json {
            crate::text::eprint_line(&format!(
                "brine: {}: no names match; nothing written",
                a.file.shown()
            ));
        }
        return Ok(0);
    }
    let mut edited = s.dump_without(&names).map_err(|e| fail_edit(&a.file, e))?;
    edited.plan.kept_for_deps = rescued;
    let target = target.expect("checked above");
    let reason = if a.in_place {
        "filter --in-place"
    } else {
        "filter -o"
    };
    let written = write_edit(&mut s, &edited, &a.file, fp, &target, reason)?;
    if !a.in_place {
        follow_sidecar(&a.file, &target);
    }
    report(
        before,
        &a.file,
        Some(&target),
        &s,
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
    let (mut s, fp) = open_input(&a.file)?;
    let before = s.program.source.len();
    let missing: Vec<&String> = a.names.iter().filter(|n| s.entry(n).is_none()).collect();
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
    let names: Vec<&str> = a.names.iter().map(String::as_str).collect();
    let edited = if a.with_deps {
        s.dump_only_with_deps(&names)
    } else {
        s.dump_only(&names)
    }
    .map_err(|e| fail_edit(&a.file, e))?;
    let written = write_edit(&mut s, &edited, &a.file, fp, &a.output, "extract")?;
    follow_sidecar(&a.file, &a.output);
    report(
        before,
        &a.file,
        Some(&a.output),
        &s,
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
    let (mut s, fp) = open_input(&a.file)?;
    let at = s.program.error.as_ref().map(|e| e.offset);
    let edited = s.salvage().map_err(|e| fail_edit(&a.file, e))?;
    let written = write_edit(&mut s, &edited, &a.file, fp, &a.output, "salvage")?;
    follow_sidecar(&a.file, &a.output);
    let lost = s.cut_at_key.clone();
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

/// Writes an edit atomically, re-reading the written file before it replaces anything.
/// The original's program is dropped first, so only one parsed session is in memory.
fn write_edit(
    s: &mut Session,
    edited: &Edited,
    input: &Path,
    fp: Fingerprint,
    target: &Path,
    reason: &str,
) -> Result<write::Written, Failure> {
    let expected = edit::Expected::of(s, &edited.plan);
    // The names, types and sizes stay for the report; the parsed program goes.
    s.program = crate::pickle::parse_bytes(Vec::<u8>::new());
    s.post = crate::session::Post::default();
    let produce = |w: &mut dyn std::io::Write| edited.output.write_to(w);
    let check = |p: &Path| -> Result<(), String> {
        let new = Session::open(p).map_err(|e| e.to_string())?;
        expected.check(&new).map_err(|e| e.to_string())
    };
    write::write_atomic(target, &produce, &check, Some((input, fp)), reason).map_err(fail_write)
}

/// A `<name>_env.pkl` sidecar follows its checkpoint to the new name (never over an existing one).
fn follow_sidecar(input: &Path, output: &Path) {
    let Some(Ok(side)) = crate::store::sidecar::find_and_read(input) else {
        return;
    };
    let Some(dest) = crate::store::dir::sidecar_names(output).into_iter().next() else {
        return;
    };
    if dest.exists() || dest == side.path {
        return;
    }
    let src = side.path.clone();
    let produce = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        let mut f = std::fs::File::open(&src)?;
        std::io::copy(&mut f, w).map(|_| ())
    };
    match write::write_atomic(&dest, &produce, &|_| Ok(()), None, "sidecar") {
        Ok(_) => crate::text::eprint_line(&format!(
            "brine: copied the env sidecar to {}",
            dest.shown()
        )),
        Err(e) => crate::text::eprint_line(&format!(
            "brine: warning: the env sidecar was not copied: {e}"
        )),
    }
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
    if a.json {
        let v: Vec<Value> = list
            .iter()
            .rev()
            .map(|b| json!({"original": b.original, "backup": b.backup, "time": b.time, "bytes": b.bytes, "reason": b.reason, "exists": b.backup.exists()}))
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
                format_time(b.time),
                human_size(b.bytes),
                b.reason.clone(),
                b.original.display().to_string(),
                if b.backup.exists() {
                    b.backup.display().to_string()
                } else {
                    "(missing)".into()
                },
            ]
        })
        .collect();
    let mut out = crate::text::stdout();
    crate::text::table(
        &mut out,
        &["WHEN (UTC)", "SIZE", "BY", "FILE", "BACKUP"],
        &rows,
        &[1],
    )
    .map_err(|e| Failure::error(e.to_string()))?;
    Ok(0)
}

pub fn undo(a: UndoArgs) -> Result<u8, Failure> {
    let (b, w) = write::undo(&a.file).map_err(fail_write)?;
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
