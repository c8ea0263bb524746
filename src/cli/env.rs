//! `brine env`, `diff` and `restore`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Failure;
use super::inspect::open;
use crate::env::table::{EnvReport, Other, env_rows};
use crate::env::{self, Env, Local, Mismatch, Verdict, check, probe};
use crate::store::sidecar;
use crate::text::Shown;
use crate::text::{LAST_COLUMN_MAX, clip, escape, human_size, name, table};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    pub a: PathBuf,
    pub b: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct EnvArgs {
    pub file: PathBuf,
    /// Compare with another checkpoint's environment
    #[arg(long, conflicts_with = "python")]
    pub against: Option<PathBuf>,
    /// Compare with this Python (probed with a fixed script that reads no pickle)
    #[arg(long)]
    pub python: Option<String>,
    /// Write a `<name>_env.pkl` sidecar from what the file and the local Python tell
    #[arg(long)]
    pub write_sidecar: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    pub file: PathBuf,
    /// Restore only these names
    #[arg(long, num_args = 1..)]
    pub only: Vec<String>,
    /// The Python to run (default: python3, or the configured one)
    #[arg(long)]
    pub python: Option<String>,
    /// Print the Python snippet instead of running it
    #[arg(long)]
    pub print: bool,
    /// Run even when the scan finds something dangerous
    #[arg(long)]
    pub trust: bool,
}

fn io_failure(e: std::io::Error) -> Failure {
    Failure::error(e.to_string())
}

/// `--python CMD` split into words, or `python3`.
fn python_command(arg: Option<&str>) -> Result<Vec<String>, Failure> {
    let words: Vec<String> = arg
        .unwrap_or("python3")
        .split_whitespace()
        .map(String::from)
        .collect();
    if words.is_empty() {
        return Err(Failure::usage("--python needs a command"));
    }
    Ok(words)
}

fn probe_for(env: &Env, command: &[String]) -> Result<Local, Failure> {
    probe::probe(command, &env.inferred.imports).map_err(|e| Failure::error(e.to_string()))
}

/// The env report of one checkpoint against nothing, a probed Python or another checkpoint.
pub struct Report {
    pub env: Env,
    pub local: Option<Local>,
    pub other: Option<Env>,
    pub mismatches: Vec<Mismatch>,
    pub verdict: Verdict,
}

impl Report {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "saved": self.env.saved_json(),
            "inferred": self.env.inferred.to_json(),
            "local": self.local.as_ref().map_or(Value::Null, Local::to_json),
            "mismatches": self.mismatches.iter().map(Mismatch::to_json).collect::<Vec<_>>(),
            "verdict": self.verdict.as_str(),
        });
        if let Some(o) = &self.other {
            v["against"] = json!({
                "path": o.path.display().to_string(),
                "saved": o.saved_json(),
                "inferred": o.inferred.to_json(),
            });
        }
        v
    }
}

/// Builds the report for a checkpoint against a probed Python (when `python` is given).
pub fn report_local(file: &Path, python: Option<&[String]>) -> Result<Report, Failure> {
    let s = open(file)?;
    let env = Env::of(file, &s);
    let (local, mismatches) = match python {
        Some(cmd) => {
            let l = probe_for(&env, cmd)?;
            let ms = check::against_local(&env, &l);
            (Some(l), ms)
        }
        None => (None, check::by_itself(&env)),
    };
    let verdict = check::verdict(&mismatches);
    Ok(Report {
        env,
        local,
        other: None,
        mismatches,
        verdict,
    })
}

pub fn env(a: EnvArgs) -> Result<u8, Failure> {
    if a.write_sidecar {
        return write_sidecar(&a);
    }
    let report = match &a.against {
        Some(other) => {
            let s = open(&a.file)?;
            let env = Env::of(&a.file, &s);
            let so = open(other)?;
            let oenv = Env::of(other, &so);
            let mismatches = check::against_other(&env, &oenv);
            let verdict = check::verdict(&mismatches);
            Report {
                env,
                local: None,
                other: Some(oenv),
                mismatches,
                verdict,
            }
        }
        None => {
            let cmd = a
                .python
                .as_deref()
                .map(|p| python_command(Some(p)))
                .transpose()?;
            report_local(&a.file, cmd.as_deref())?
        }
    };
    if a.json {
        crate::text::json(&report.to_json()).map_err(io_failure)?;
    } else {
        print_report(&a.file, &report).map_err(io_failure)?;
    }
    Ok(0)
}

fn write_sidecar(a: &EnvArgs) -> Result<u8, Failure> {
    let s = open(&a.file)?;
    let env = Env::of(&a.file, &s);
    let cmd = python_command(a.python.as_deref())?;
    // The probe only fills in what the file cannot tell; without a Python the file's facts still go in.
    let local = match probe_for(&env, &cmd) {
        Ok(l) => Some(l),
        Err(f) => {
            crate::text::eprint_line(&format!(
                "brine: warning: {}; writing what the file tells only",
                f.message
            ));
            None
        }
    };
    let fields = env::sidecar_fields(&env, local.as_ref());
    let written = sidecar::write_for(&a.file, &fields).map_err(|e| {
        Failure::error(format!("{}: cannot write the sidecar: {e}", a.file.shown()))
    })?;
    if a.json {
        let v = json!({
            "written": written.path.display().to_string(),
            "backup": written.backup.as_ref().map(|b| b.display().to_string()),
            "fields": fields,
        });
        crate::text::json(&v).map_err(io_failure)?;
    } else {
        let mut out = crate::text::stdout();
        writeln!(out, "wrote {}", written.path.shown()).map_err(io_failure)?;
        if let Some(b) = &written.backup {
            writeln!(out, "the sidecar it replaced is kept as {}", b.shown())
                .map_err(io_failure)?;
        }
        for (k, v) in &fields {
            if k == "modules" {
                let n = v.as_array().map_or(0, Vec::len);
                writeln!(out, "  {k}: {n} modules").map_err(io_failure)?;
            } else {
                writeln!(out, "  {k}: {v}").map_err(io_failure)?;
            }
        }
    }
    Ok(0)
}

fn print_report(file: &Path, r: &Report) -> std::io::Result<()> {
    let mut out = crate::text::stdout();
    let inf = &r.env.inferred;
    let mut head = vec![file.shown(), format!("protocol {}", inf.protocol)];
    if let Some(m) = &inf.module {
        head.push(format!("module {m}"));
    }
    head.push(match &r.env.saved {
        Some(s) => format!("sidecar {}", s.path.shown()),
        None => "no sidecar".into(),
    });
    writeln!(out, "{}", head.join("  "))?;
    let other_head = match (&r.local, &r.other) {
        (Some(l), _) => format!("LOCAL ({})", l.command.join(" ")),
        (None, Some(o)) => format!("OTHER ({})", o.path.shown()),
        _ => String::new(),
    };
    // The same rows the TUI shows, from the library's env table.
    let report = EnvReport {
        env: r.env.clone(),
        other: match (&r.local, &r.other) {
            (Some(l), _) => Other::Local(Box::new(l.clone())),
            (None, Some(o)) => Other::Checkpoint(Box::new(o.clone())),
            _ => Other::Nothing,
        },
        mismatches: r.mismatches.clone(),
        verdict: r.verdict,
    };
    let mut header = vec!["", "FIELD", "SAVED (sidecar)", "INFERRED (file)"];
    if !other_head.is_empty() {
        header.push(&other_head);
    }
    let table_rows: Vec<Vec<String>> = env_rows(&report, 48)
        .into_iter()
        .map(|row| {
            let mark = match row.severity {
                Some(Verdict::Fail) => "✗",
                Some(Verdict::Warn) => "!",
                _ => " ",
            };
            let mut cells = vec![
                mark.to_string(),
                row.field.to_string(),
                row.saved,
                row.inferred,
            ];
            if !other_head.is_empty() {
                cells.push(row.other);
            }
            cells
        })
        .collect();
    table(&mut out, &header, &table_rows, &[])?;
    if let Some(e) = &r.env.saved_error {
        writeln!(out, "sidecar unreadable: {e}")?;
    }
    if !r.mismatches.is_empty() {
        writeln!(out)?;
        for m in &r.mismatches {
            let sym = if m.severity == Verdict::Fail {
                "✗"
            } else {
                "!"
            };
            writeln!(out, "{sym} {}: {}", m.field, m.consequence)?;
        }
    }
    if r.local.is_none() && r.other.is_none() {
        writeln!(
            out,
            "(add --python python3 to check this machine, or --against OTHER to compare checkpoints)"
        )?;
    }
    writeln!(out, "verdict: {}", r.verdict.as_str())?;
    Ok(())
}

pub fn diff(a: DiffArgs) -> Result<u8, Failure> {
    let sa = open(&a.a)?;
    let sb = open(&a.b)?;
    let d = crate::diff::diff(&sa, &sb);
    if a.json {
        let mut v = d.to_json();
        v["a"] = json!(a.a.display().to_string());
        v["b"] = json!(a.b.display().to_string());
        crate::text::json(&v).map_err(io_failure)?;
        return Ok(0);
    }
    print_diff(&a.a, &a.b, &d).map_err(io_failure)?;
    Ok(0)
}

fn signed_size(delta: i64) -> String {
    match delta {
        0 => "±0".into(),
        d if d > 0 => format!("+{}", human_size(d.unsigned_abs())),
        d => format!("-{}", human_size(d.unsigned_abs())),
    }
}

fn print_diff(a: &Path, b: &Path, d: &crate::diff::Diff) -> std::io::Result<()> {
    use crate::diff::Change;
    let mut out = crate::text::stdout();
    writeln!(
        out,
        "{} → {}  {} added, {} removed, {} changed, {} unchanged  size {} → {} ({})",
        a.shown(),
        b.shown(),
        d.count(Change::Added),
        d.count(Change::Removed),
        d.count(Change::Changed),
        d.count(Change::Unchanged),
        human_size(d.size_a),
        human_size(d.size_b),
        signed_size(d.size_b as i64 - d.size_a as i64),
    )?;
    let rows: Vec<Vec<String>> = d
        .entries
        .iter()
        .filter(|e| e.change != Change::Unchanged)
        .map(|e| {
            let sym = match e.change {
                Change::Added => "+",
                Change::Removed => "-",
                Change::Changed => "~",
                Change::Unchanged => " ",
            };
            let ty = match (&e.type_a, &e.type_b) {
                (Some(x), Some(y)) if x != y => format!("{x} → {y}"),
                (Some(x), _) | (None, Some(x)) => x.clone(),
                _ => String::new(),
            };
            let what = match e.change {
                Change::Added => e.preview_b.clone().unwrap_or_default(),
                Change::Removed => e.preview_a.clone().unwrap_or_default(),
                _ => format!(
                    "{} → {}",
                    e.preview_a.clone().unwrap_or_default(),
                    e.preview_b.clone().unwrap_or_default()
                ),
            };
            vec![
                sym.to_string(),
                crate::text::name(&e.name).into_owned(),
                ty,
                signed_size(e.bytes_b as i64 - e.bytes_a as i64),
                crate::session::pyrepr::clip(&what, 70),
            ]
        })
        .collect();
    if rows.is_empty() {
        writeln!(out, "no names added, removed or changed")?;
        return Ok(());
    }
    table(
        &mut out,
        &["", "NAME", "TYPE", "SIZE", "VALUE"],
        &rows,
        &[3],
    )?;
    for e in d.entries.iter().filter(|e| !e.details.is_empty()) {
        writeln!(out, "{}:", clip(&name(&e.name), LAST_COLUMN_MAX))?;
        for x in &e.details {
            writeln!(out, "  {}", clip(&escape(&x.to_string()), LAST_COLUMN_MAX))?;
        }
    }
    Ok(())
}

pub fn restore(a: RestoreArgs) -> Result<u8, Failure> {
    let cmd = python_command(a.python.as_deref())?;
    crate::restore::run(
        &a.file,
        &a.only,
        &cmd,
        a.print,
        a.trust,
        &mut crate::text::Screen::new(std::io::stderr()),
    )
    .map_err(|e| Failure::error(e.to_string()))
}
