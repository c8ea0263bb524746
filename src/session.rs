//! dill knowledge on top of a pickle program: the module dump and its
//! namespace, each stored name described (type, preview, size, children), and
//! what the file tells about the Python and dill that wrote it. Never runs the
//! pickle and never imports what it names.

pub mod code;
pub mod deps;
pub mod describe;
pub mod export;
pub mod globals;
pub mod infer;
pub mod knowledge;
pub mod names;
pub mod namespace;
pub mod ndarray;
pub mod pandas;
pub mod pyrepr;
pub mod signature;
pub mod sizes;
pub mod view;

use std::path::Path;

pub use describe::{Child, ClassInfo, Describer, Post, Ty};
pub use namespace::{Format, ImportRef};

use crate::pickle::{self, NodeId, Program, Source};

/// Width of the previews computed for entries.
pub const PREVIEW_WIDTH: usize = 72;

/// One name of the namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// `type(value)` as Python prints it, or `? …` naming the factory when unknowable.
    pub ty: String,
    pub preview: String,
    /// Bytes that dropping this entry would save.
    ///
    /// Counts only nodes reachable from this entry and from no other, so the
    /// entries of a file can add up to less than its size.
    pub bytes: u64,
    pub key: Option<NodeId>,
    /// The value in the file; `None` for names a `refimported` dump stores by reference.
    pub value: Option<NodeId>,
    /// `module.attr` for a name stored by reference (`refimported=True`).
    pub imported_from: Option<String>,
}

/// A decoded checkpoint.
pub struct Session {
    pub program: Program,
    pub post: Post,
    pub format: Format,
    /// The dumped module's name (`__main__`, `__runtime__.foo`, `pkg.mod`).
    pub module: Option<String>,
    pub module_node: Option<NodeId>,
    pub dict_node: Option<NodeId>,
    pub entries: Vec<Entry>,
    /// The three `__dill_imported*` bookkeeping entries, when present: (key, value).
    pub bookkeeping: Vec<(String, Option<NodeId>, NodeId)>,
    pub imported: Vec<ImportRef>,
    pub inferred: infer::Inferred,
    pub warnings: Vec<String>,
    /// For a cut file: the key being read when the input ended.
    pub cut_at_key: Option<String>,
    /// What each name needs from the namespace, worked out on first use (`deps()`).
    pub deps: std::sync::OnceLock<deps::Deps>,
}

impl Session {
    /// Reads a checkpoint file. Errors only when the file cannot be read at all.
    pub fn open(path: &Path) -> std::io::Result<Session> {
        Ok(Session::from_program(pickle::parse(
            Source::open(path)?,
            pickle::Limits::default(),
        )))
    }

    pub fn open_with_progress(
        path: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> std::io::Result<Session> {
        let source = Source::open(path)?;
        Ok(Session::from_program(pickle::machine::parse_with_progress(
            source,
            pickle::Limits::default(),
            progress,
        )))
    }

    pub fn from_bytes(bytes: impl Into<std::sync::Arc<[u8]>>) -> Session {
        Session::from_program(pickle::parse_bytes(bytes))
    }

    pub fn from_program(program: Program) -> Session {
        let post = Post::read(&program);
        let mut s = Session {
            program,
            post,
            format: Format::Pickle,
            module: None,
            module_node: None,
            dict_node: None,
            entries: Vec::new(),
            bookkeeping: Vec::new(),
            imported: Vec::new(),
            inferred: infer::Inferred::default(),
            warnings: Vec::new(),
            cut_at_key: None,
            deps: std::sync::OnceLock::new(),
        };
        s.build();
        s
    }

    pub fn describer(&self) -> Describer<'_> {
        let mut d = Describer::new(&self.program, &self.post);
        d.py_minor = self.inferred.python_minor();
        d.python_max = self.inferred.pythons.last().and_then(|v| {
            let (a, b) = v.trim_start_matches("pypy").split_once('.')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        });
        d.numpy2 = self.inferred.numpy.map(|n| n == "2.x");
        d.pythons = self
            .inferred
            .pythons
            .iter()
            .filter_map(|v| v.strip_prefix("3.")?.parse().ok())
            .collect();
        d
    }

    /// True when the file ran to STOP.
    pub fn complete(&self) -> bool {
        self.program.complete()
    }

    fn build(&mut self) {
        let inferred = {
            let d = Describer::new(&self.program, &self.post);
            infer::infer(&d)
        };
        self.inferred = inferred;
        let d = self.describer();
        let located = namespace::locate(&d);
        let imported = namespace::imported_refs(&d, &located.entries);
        let mut raw = Vec::new();
        let mut bookkeeping = Vec::new();
        for e in located.entries {
            if namespace::DILL_IMPORTED_KEYS.contains(&e.name.as_str())
                && located.format == Format::DillModule
            {
                bookkeeping.push((e.name, e.key, e.value));
            } else {
                raw.push(e);
            }
        }
        // Sizes: every stored entry, then every imported reference (its bookkeeping tuple).
        let mut roots: Vec<Vec<NodeId>> = raw
            .iter()
            .map(|e| e.key.into_iter().chain([e.value]).collect())
            .collect();
        roots.extend(imported.iter().map(|r| vec![r.node]));
        let mut pinned: Vec<NodeId> = located
            .module_node
            .into_iter()
            .chain(located.dict)
            .collect();
        pinned.extend(bookkeeping.iter().map(|b| b.2));
        let sizes = sizes::exclusive_sizes(&self.program, &roots, &pinned, &self.post.calls);
        let mut entries: Vec<Entry> = raw
            .iter()
            .zip(&sizes)
            .map(|(e, &bytes)| Entry {
                name: e.name.clone(),
                ty: d.type_of(e.value).0,
                preview: d.preview(e.value, PREVIEW_WIDTH),
                bytes,
                key: e.key,
                value: Some(e.value),
                imported_from: None,
            })
            .collect();
        let ctx = d.knowledge_ctx();
        for (r, &bytes) in imported.iter().zip(&sizes[raw.len()..]) {
            entries.push(imported_entry(r, bytes, &ctx));
        }
        let mut warnings = Vec::new();
        if let Some(err) = &self.program.error {
            warnings.push(cut_warning(
                err,
                located.cut_at_key.as_deref(),
                entries.len(),
            ));
        }
        if located.format == Format::Pickle
            && self.program.root.is_some()
            && self.has_import_module()
        {
            warnings.push(
                "the file names dill._dill._import_module but its root is not a module dump".into(),
            );
        }
        drop(d);
        self.format = located.format;
        self.module = located.module;
        self.module_node = located.module_node;
        self.dict_node = located.dict;
        self.entries = entries;
        self.bookkeeping = bookkeeping;
        self.imported = imported;
        self.cut_at_key = located.cut_at_key;
        self.warnings = warnings;
    }

    fn has_import_module(&self) -> bool {
        self.inferred.imports.iter().any(|m| m == "dill")
    }

    /// The entry with this name.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

fn imported_entry(r: &ImportRef, bytes: u64, ctx: &knowledge::Ctx) -> Entry {
    let q = names::QualName::new(r.module.clone(), r.attr.clone().unwrap_or_default());
    let (ty, from) = match &r.attr {
        None => ("builtins.module".to_string(), r.module.clone()),
        Some(_) => {
            let ty = match knowledge::lookup_in(&q, ctx) {
                Some(knowledge::Known::Class { meta }) => meta.to_string(),
                Some(knowledge::Known::Func { ty, .. }) => ty.to_string(),
                Some(knowledge::Known::Object { ty }) => ty.to_string(),
                Some(knowledge::Known::Dill(_)) => "builtins.function".to_string(),
                Some(knowledge::Known::Either { text, .. }) => format!("? {text}"),
                None => format!("? {q} (imported)"),
            };
            (ty, q.to_string())
        }
    };
    Entry {
        name: r.name.clone(),
        ty,
        preview: format!("imported from {from}"),
        bytes,
        key: None,
        value: None,
        imported_from: Some(from),
    }
}

fn cut_warning(err: &pickle::Error, key: Option<&str>, readable: usize) -> String {
    let at = err.offset;
    if let Some(b) = err.budget() {
        let mut s = format!("stopped at byte {at}: {b}");
        if let Some(k) = key {
            s.push_str(&format!("; stopped inside the value of '{k}'"));
        }
        s.push_str(&format!("; {readable} complete names before it"));
        return s;
    }
    let what = if err.is_truncation() {
        "truncated"
    } else {
        "corrupt"
    };
    let mut s = match &err.kind {
        pickle::ErrorKind::NoStop | pickle::ErrorKind::Truncated { .. } => {
            format!("{what} at byte {at} (no STOP)")
        }
        k => format!("{what} at byte {at}: {k}"),
    };
    if let Some(k) = key {
        s.push_str(&format!("; stopped inside the value of '{k}'"));
    }
    s.push_str(&format!("; {readable} complete names before it"));
    s
}
