//! Comparing two checkpoints name by name: added, removed, changed (another
//! type, or other content) and unchanged, with size deltas and, for changed
//! values, which items or attributes differ. Content is compared through a
//! canonical hash of each value's subgraph, never by offsets or memo numbers.
//! Nothing is run.

pub mod canon;
pub mod detail;

use std::collections::HashMap;

use serde_json::{Value, json};

pub use canon::Canon;
pub use detail::Detail;

use crate::session::{Entry, Session};

/// How many item or attribute differences are listed per changed name.
pub const MAX_DETAILS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
    Unchanged,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One name and how it differs.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryDiff {
    pub name: String,
    pub change: Change,
    pub type_a: Option<String>,
    pub type_b: Option<String>,
    pub preview_a: Option<String>,
    pub preview_b: Option<String>,
    pub bytes_a: u64,
    pub bytes_b: u64,
    /// For an added name: the removed name that held the same value.
    pub renamed_from: Option<String>,
    /// For a removed name: the added name that holds the same value.
    pub renamed_to: Option<String>,
    pub details: Vec<Detail>,
}

impl EntryDiff {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "change": self.change.as_str(),
            "type_a": self.type_a,
            "type_b": self.type_b,
            "preview_a": self.preview_a,
            "preview_b": self.preview_b,
            "bytes_a": self.bytes_a,
            "bytes_b": self.bytes_b,
            "bytes_delta": self.bytes_b as i64 - self.bytes_a as i64,
            "details": self.details.iter().map(Detail::to_json).collect::<Vec<_>>(),
        });
        if let Some(r) = &self.renamed_from {
            v["renamed_from"] = json!(r);
        }
        if let Some(r) = &self.renamed_to {
            v["renamed_to"] = json!(r);
        }
        v
    }
}

/// The comparison of two checkpoints: A's names in A's order, then names only B has.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub entries: Vec<EntryDiff>,
    pub size_a: u64,
    pub size_b: u64,
    /// True when some long payload was compared by its length and ends only.
    pub partial: bool,
}

impl Diff {
    pub fn count(&self, c: Change) -> usize {
        self.entries.iter().filter(|e| e.change == c).count()
    }

    pub fn names(&self, c: Change) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.change == c)
            .map(|e| e.name.as_str())
            .collect()
    }

    pub fn get(&self, name: &str) -> Option<&EntryDiff> {
        self.entries.iter().find(|e| e.name == name)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "added": self.names(Change::Added),
            "removed": self.names(Change::Removed),
            "changed": self.names(Change::Changed),
            "unchanged": self.names(Change::Unchanged),
            "size_a": self.size_a,
            "size_b": self.size_b,
            "size_delta": self.size_b as i64 - self.size_a as i64,
            "partial": self.partial,
            "entries": self.entries.iter().map(EntryDiff::to_json).collect::<Vec<_>>(),
        })
    }
}

fn entry_hash(c: &mut Canon, e: &Entry) -> u64 {
    match (e.value, &e.imported_from) {
        (Some(v), _) => c.hash(v),
        (None, Some(from)) => {
            use std::hash::{DefaultHasher, Hash, Hasher};
            let mut h = DefaultHasher::new();
            ("imported", from).hash(&mut h);
            h.finish()
        }
        (None, None) => 0,
    }
}

/// Compares `a` (before) with `b` (after).
pub fn diff(a: &Session, b: &Session) -> Diff {
    let mut ca = Canon::new(a);
    let mut cb = Canon::new(b);
    let in_b = keyed(&b.entries);
    let in_a = keyed(&a.entries);
    let mut entries = Vec::new();
    // (type, content hash) of names only one side has, for pairing renames.
    let mut alone: Vec<Option<(String, u64)>> = Vec::new();
    for (key, ea) in keys(&a.entries) {
        let ha = entry_hash(&mut ca, ea);
        let Some(eb) = in_b.get(&key) else {
            entries.push(one_sided(ea, Change::Removed));
            alone.push(Some((ea.ty.clone(), ha)));
            continue;
        };
        let hb = entry_hash(&mut cb, eb);
        let change = if ea.ty == eb.ty && ha == hb {
            Change::Unchanged
        } else {
            Change::Changed
        };
        let details = match change {
            Change::Changed => detail::explain(a, ea, &mut ca, b, eb, &mut cb),
            _ => Vec::new(),
        };
        entries.push(EntryDiff {
            name: ea.name.clone(),
            change,
            type_a: Some(ea.ty.clone()),
            type_b: Some(eb.ty.clone()),
            preview_a: Some(ea.preview.clone()),
            preview_b: Some(eb.preview.clone()),
            bytes_a: ea.bytes,
            bytes_b: eb.bytes,
            renamed_from: None,
            renamed_to: None,
            details,
        });
        alone.push(None);
    }
    for (key, eb) in keys(&b.entries) {
        if !in_a.contains_key(&key) {
            let hb = entry_hash(&mut cb, eb);
            entries.push(one_sided(eb, Change::Added));
            alone.push(Some((eb.ty.clone(), hb)));
        }
    }
    pair_renames(&mut entries, &alone);
    Diff {
        entries,
        size_a: a.program.source.len(),
        size_b: b.program.source.len(),
        partial: ca.partial || cb.partial,
    }
}

/// Each entry with its name and which occurrence of that name it is: a
/// Python 2 `refimported` dump can store a name twice.
fn keys(entries: &[Entry]) -> Vec<((&str, usize), &Entry)> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    entries
        .iter()
        .map(|e| {
            let n = seen.entry(e.name.as_str()).or_default();
            *n += 1;
            ((e.name.as_str(), *n), e)
        })
        .collect()
}

fn keyed(entries: &[Entry]) -> HashMap<(&str, usize), &Entry> {
    keys(entries).into_iter().collect()
}

fn one_sided(e: &Entry, change: Change) -> EntryDiff {
    let (ty, preview) = (Some(e.ty.clone()), Some(e.preview.clone()));
    let added = change == Change::Added;
    EntryDiff {
        name: e.name.clone(),
        change,
        type_a: if added { None } else { ty.clone() },
        type_b: if added { ty } else { None },
        preview_a: if added { None } else { preview.clone() },
        preview_b: if added { preview } else { None },
        bytes_a: if added { 0 } else { e.bytes },
        bytes_b: if added { e.bytes } else { 0 },
        renamed_from: None,
        renamed_to: None,
        details: Vec::new(),
    }
}

/// A removed and an added name holding the same value (and type) were most likely renamed.
fn pair_renames(entries: &mut [EntryDiff], alone: &[Option<(String, u64)>]) {
    let removed: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].change == Change::Removed && alone[i].is_some())
        .collect();
    let mut taken = vec![false; removed.len()];
    for i in 0..entries.len() {
        if entries[i].change != Change::Added || alone[i].is_none() {
            continue;
        }
        let Some(j) = (0..removed.len()).find(|&n| !taken[n] && alone[removed[n]] == alone[i])
        else {
            continue;
        };
        taken[j] = true;
        let r = removed[j];
        let (old, new) = (entries[r].name.clone(), entries[i].name.clone());
        entries[i].details = vec![Detail::note(format!(
            "same value as removed '{old}' (renamed?)"
        ))];
        entries[r].details = vec![Detail::note(format!(
            "same value as added '{new}' (renamed?)"
        ))];
        entries[i].renamed_from = Some(old);
        entries[r].renamed_to = Some(new);
    }
}
