//! `brine inspect` and `brine tree`.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use super::Failure;
use crate::session::view::Facts;
use crate::session::{Child, Describer, Entry, Session, pyrepr};
use crate::text::Shown;
use crate::text::{cut, human_size, suggest};

/// Opens a checkpoint for reading, or says in one line why not.
pub fn open(file: &Path) -> Result<Session, Failure> {
    let s = Session::open(file)
        .map_err(|e| Failure::error(format!("{}: {}", file.shown(), io_message(&e))))?;
    if s.entries.is_empty()
        && let Some(err) = &s.program.error
    {
        let head = s.program.source.bytes(0, 64).unwrap_or_default();
        let what = if let Some(kind) = crate::sniff::identify(&head) {
            format!("not a pickle: this is {kind}")
        } else if let Some(b) = err.budget() {
            format!(
                "stopped at byte {} before any complete name: {b}",
                err.offset
            )
        } else if err.is_truncation() {
            format!(
                "truncated at byte {} (no STOP) before any complete name; {}",
                err.offset,
                cut::advice(file, cut::age_of(file), 0)
            )
        } else {
            format!("not a readable pickle: {err}")
        };
        return Err(Failure::error(format!("{}: {what}", file.shown())));
    }
    Ok(s)
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => {
            "is a directory (brine DIR opens it in the terminal UI)".into()
        }
        _ => e.to_string(),
    }
}

/// Prints the session's warnings, and for a cut file what to do next.
pub fn warn(file: &Path, s: &Session) {
    for w in &s.warnings {
        crate::text::eprint_line(&format!("brine: {}: warning: {w}", file.shown()));
    }
    // One line when the scan cannot prove the file safe to load.
    if let Some(w) = crate::scan::scan(s).warning() {
        crate::text::eprint_line(&format!(
            "brine: {}: warning: {}",
            file.shown(),
            pyrepr::clip(&w, 240)
        ));
    }
    if s.program.error.as_ref().is_some_and(|e| e.is_truncation()) {
        let complete = s.entries.len();
        crate::text::eprint_line(&format!(
            "brine: {}: {}",
            file.shown(),
            cut::advice(file, cut::age_of(file), complete)
        ));
    }
}

pub fn inspect(file: &Path, as_json: bool, width: usize) -> Result<u8, Failure> {
    let s = open(file)?;
    if as_json {
        // The entries stream one at a time: the output is the size of the file's names, not a tree of them.
        let head = inspect_json(file, &s, false);
        let d = s.describer();
        crate::text::json_streaming(
            &head,
            "entries",
            s.entries.iter().map(|e| entry_json(&d, e)),
        )
        .map_err(Failure::from)?;
    } else {
        print_inspect(file, &s, width).map_err(Failure::from)?;
    }
    warn(file, &s);
    Ok(0)
}

fn entry_json(d: &Describer, e: &Entry) -> Value {
    let mut v = json!({"name": e.name, "type": e.ty, "preview": e.preview, "bytes": e.bytes});
    if let Some(id) = e.value {
        facts_json(&d.facts(id), &mut v);
    }
    if let Some(from) = &e.imported_from {
        v["imported"] = json!(true);
        v["imported_from"] = json!(from);
    }
    v
}

/// The structured fields of a value (`len`, `shape`, `dtype`, `columns`, `signature`…) added to `v`.
fn facts_json(f: &Facts, v: &mut Value) {
    if let Some(n) = f.len {
        v["len"] = json!(n);
    }
    if let Some(s) = &f.shape {
        v["shape"] = json!(s);
    }
    if let Some(t) = &f.dtype {
        v["dtype"] = json!(t);
    }
    if let Some(t) = &f.dtypes {
        v["dtypes"] = json!(t);
    }
    if let Some(c) = &f.columns {
        v["columns"] = json!(c);
    }
    if let Some(s) = &f.signature {
        v["signature"] = json!(s);
    }
    if let Some(p) = &f.problem {
        v["problem"] = json!(p);
    }
}

/// The inspect JSON; with `entries` false the `entries` array is left empty (it is streamed).
pub fn inspect_json(file: &Path, s: &Session, entries: bool) -> Value {
    let d = s.describer();
    let list: Vec<Value> = if entries {
        s.entries.iter().map(|e| entry_json(&d, e)).collect()
    } else {
        Vec::new()
    };
    json!({
        "path": file.display().to_string(),
        "format": s.format.as_str(),
        "protocol": s.program.protocol,
        "module": s.module,
        "complete": s.complete(),
        "size": s.program.source.len(),
        "entries": list,
        "imports": s.inferred.imports,
        "python": s.inferred.python(),
        "dill": s.inferred.dill(),
        "warnings": s.warnings,
    })
}

fn print_inspect(file: &Path, s: &Session, width: usize) -> std::io::Result<()> {
    let mut out = crate::text::stdout();
    let mut head = vec![file.shown(), s.format.as_str().to_string()];
    if let Some(m) = &s.module {
        head.push(m.clone());
    }
    head.push(format!("protocol {}", s.program.protocol));
    if let Some(py) = s.inferred.python() {
        head.push(format!("python {py}"));
    }
    if let Some(d) = s.inferred.dill() {
        head.push(format!("dill {d}"));
    }
    head.push(crate::text::words::count(s.entries.len(), "name", "names"));
    head.push(human_size(s.program.source.len()));
    if !s.complete() {
        head.push("INCOMPLETE".into());
    }
    writeln!(out, "{}", head.join("  "))?;
    let d = s.describer();
    // Previews made for this width, so a "(len N)" tail is not cut off; rows
    // are made twice (measured, then printed) rather than held all at once.
    let row = |e: &Entry, with_preview: bool| {
        let preview = match (with_preview, e.value) {
            (false, _) => String::new(),
            (true, Some(v)) => d.preview(v, width),
            (true, None) => pyrepr::clip(&e.preview, width),
        };
        let shape = e.value.map(|v| d.facts(v).shape_cell()).unwrap_or_default();
        vec![
            crate::text::name(&e.name).into_owned(),
            e.ty.clone(),
            shape,
            human_size(e.bytes),
            preview,
        ]
    };
    crate::text::table_streaming(
        &mut out,
        &["NAME", "TYPE", "SHAPE/LEN", "SIZE", "PREVIEW"],
        &[3],
        |full| s.entries.iter().map(move |e| row(e, full)),
    )?;
    if !s.inferred.imports.is_empty() {
        writeln!(out, "imports: {}", s.inferred.imports.join(", "))?;
    }
    Ok(())
}

pub fn tree(file: &Path, path: &str, as_json: bool, stats: bool) -> Result<u8, Failure> {
    let s = open(file)?;
    let d = s.describer();
    let (entry, rest) = split_entry(&s, path).ok_or_else(|| {
        let first = path.split('.').next().unwrap_or(path);
        Failure::error(format!(
            "{}: no name '{path}' in this checkpoint{}",
            file.shown(),
            suggest::did_you_mean(first, s.entries.iter().map(|e| e.name.as_str()))
        ))
    })?;
    let Some(mut node) = entry.value else {
        let from = entry.imported_from.clone().unwrap_or_default();
        return Err(Failure::error(format!(
            "{}: '{}' is imported from {from}: nothing stored to expand",
            file.shown(),
            entry.name
        )));
    };
    let mut walked = entry.name.clone();
    let mut rest = rest.to_string();
    while !rest.is_empty() {
        let kids = d.children(node);
        let Some((child, left)) = match_child(&kids, &rest) else {
            let first = rest.split('.').next().unwrap_or(&rest);
            return Err(Failure::error(format!(
                "{}: '{walked}' has no child '{rest}'{}",
                file.shown(),
                suggest::did_you_mean(first, kids.iter().map(|c| c.name.as_str()))
            )));
        };
        let Some(n) = child.node else {
            return Err(Failure::error(format!(
                "{}: '{walked}.{}' is a fact, not a value",
                file.shown(),
                child.name
            )));
        };
        walked = format!("{walked}.{}", child.name);
        node = n;
        rest = left;
    }
    let kids = d.children(node);
    let row = |c: &Child| match (c.node, &c.fact) {
        (Some(n), _) => (c.name.clone(), d.type_of(n).0, d.preview(n, 60)),
        (None, Some(f)) => (c.name.clone(), String::new(), f.clone()),
        (None, None) => (c.name.clone(), String::new(), String::new()),
    };
    if as_json {
        // Children stream one at a time: a million-item list printed 5M lines from a 1.8 GB tree.
        let child_json = |c: &Child| {
            let (name, ty, preview) = row(c);
            match c.node {
                Some(_) => json!({"name": name, "type": ty, "preview": preview}),
                None => json!({"name": name, "fact": preview}),
            }
        };
        let mut v = json!({
            "path": walked,
            "type": d.type_of(node).0,
            "preview": d.preview(node, 200),
            "children": [],
        });
        facts_json(&d.facts(node), &mut v);
        if let Some(r) = value_repr(&d, node) {
            v["repr"] = json!(r);
        }
        if stats {
            let st = array_stats(file, &d, node, &walked)?;
            v["stats"] = json!({"count": st.count, "nan_count": st.nan_count,
                "min": st.int_min.map_or_else(|| json!(st.min), |i| json!(i as f64)),
                "max": st.int_max.map_or_else(|| json!(st.max), |i| json!(i as f64)),
                "mean": if st.mean.is_finite() { json!(st.mean) } else { json!(pyrepr::float(st.mean)) }});
        }
        crate::text::json_streaming(&v, "children", kids.iter().map(child_json))
            .map_err(Failure::from)?;
        return Ok(0);
    }
    let mut out = crate::text::stdout();
    let w = Failure::from;
    writeln!(
        out,
        "{}  {}  {}",
        crate::text::clip(&crate::text::name(&walked), crate::text::LAST_COLUMN_MAX),
        crate::text::escape(&d.type_of(node).0),
        crate::text::escape(&d.preview(node, 80))
    )
    .map_err(w)?;
    if let Some(r) = value_repr(&d, node) {
        for line in r.lines() {
            writeln!(out, "{}", crate::text::escape(line)).map_err(w)?;
        }
    }
    if stats {
        let st = array_stats(file, &d, node, &walked)?;
        writeln!(out, "{}", st.line()).map_err(w)?;
    }
    if kids.is_empty() {
        writeln!(out, "(no children)").map_err(w)?;
    } else {
        // Rows are made twice (measured, then printed) rather than held all at once.
        let cells = |c: &Child, with_preview: bool| {
            let (n, t, p) = if with_preview {
                row(c)
            } else {
                let t = c.node.map(|n| d.type_of(n).0).unwrap_or_default();
                (c.name.clone(), t, String::new())
            };
            vec![crate::text::name(&n).into_owned(), t, p]
        };
        crate::text::table_streaming(&mut out, &["NAME", "TYPE", "PREVIEW"], &[], |full| {
            kids.iter().map(move |c| cells(c, full))
        })
        .map_err(w)?;
    }
    Ok(0)
}

/// The multi-line repr of a value that has one (arrays).
fn value_repr(d: &Describer, node: crate::pickle::NodeId) -> Option<String> {
    match d.ndarray(node)? {
        Ok(a) => Some(
            d.ndarray_repr(&a, &d.p.source)
                .unwrap_or_else(|e| format!("({e})")),
        ),
        Err(e) => Some(format!("({e})")),
    }
}

fn array_stats(
    file: &Path,
    d: &Describer,
    node: crate::pickle::NodeId,
    walked: &str,
) -> Result<crate::session::ndarray::stats::Stats, Failure> {
    let fail = |m: String| Failure::error(format!("{}: '{walked}': {m}", file.display()));
    let a = match d.ndarray(node) {
        Some(Ok(a)) => a,
        Some(Err(e)) => return Err(fail(e)),
        None => {
            return Err(fail(format!(
                "--stats needs a numeric array, this is {}",
                d.type_of(node).0
            )));
        }
    };
    match crate::session::ndarray::stats::stats(&a, &d.p.source) {
        Some(r) => r.map_err(fail),
        None => Err(fail(format!(
            "--stats needs a numeric array, this one is {}",
            a.dtype.name()
        ))),
    }
}

/// Splits `NAME.rest`, preferring the longest entry name that matches (names may hold dots).
fn split_entry<'s>(s: &'s Session, path: &str) -> Option<(&'s Entry, String)> {
    let mut best: Option<(&Entry, String)> = None;
    for e in &s.entries {
        let rest = if path == e.name {
            Some(String::new())
        } else {
            path.strip_prefix(&e.name)
                .and_then(|r| r.strip_prefix('.'))
                .map(String::from)
        };
        if let Some(r) = rest
            && best
                .as_ref()
                .is_none_or(|(b, _)| e.name.len() > b.name.len())
        {
            best = Some((e, r));
        }
    }
    best
}

fn match_child<'c>(kids: &'c [Child], rest: &str) -> Option<(&'c Child, String)> {
    kids.iter()
        .filter_map(|c| {
            if rest == c.name {
                Some((c, String::new()))
            } else {
                rest.strip_prefix(c.name.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    .map(|r| (c, r.to_string()))
            }
        })
        .max_by_key(|(c, _)| c.name.len())
}
