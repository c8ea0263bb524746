//! The namespace pane's state: the session's names as flat rows, expanded
//! lazily into children, sorted, hidden and searched. Works on a session in
//! memory; never reads the disk.

use std::collections::BTreeSet;

use crate::edit::pattern::{Pattern, preset};
use crate::pickle::{NodeId, NodeKind};
use crate::session::{Describer, Session};

/// Children shown under one value before the rest are summarised.
pub const MAX_CHILDREN: usize = 500;

/// Preview width computed for child rows.
const CHILD_PREVIEW: usize = 120;

/// Order of the top-level names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    File,
    Name,
    Type,
    Size,
}

impl Sort {
    pub fn parse(s: &str) -> Sort {
        match s {
            "name" => Sort::Name,
            "type" => Sort::Type,
            "size" => Sort::Size,
            _ => Sort::File,
        }
    }
    pub fn next(self) -> Sort {
        match self {
            Sort::File => Sort::Name,
            Sort::Name => Sort::Type,
            Sort::Type => Sort::Size,
            Sort::Size => Sort::File,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Sort::File => "file order",
            Sort::Name => "name",
            Sort::Type => "type",
            Sort::Size => "size",
        }
    }
}

/// One line of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub depth: u16,
    pub name: String,
    pub ty: String,
    pub preview: String,
    /// Shape or length of the value (`(2, 3)`, `3×5`, `len 4`), empty when it has none.
    pub shape: String,
    /// Bytes that dropping the name would save (top-level rows only).
    pub bytes: Option<u64>,
    pub node: Option<NodeId>,
    /// A fact about the parent (signature, dtype…), not a value.
    pub fact: bool,
    pub expandable: bool,
    pub expanded: bool,
    /// Index into `session.entries` of the name this row belongs to.
    pub entry: usize,
    /// Dotted path from the top-level name, as `brine tree` takes it.
    pub path: String,
}

/// The namespace pane.
#[derive(Debug)]
pub struct Tree {
    pub rows: Vec<Row>,
    pub selected: usize,
    pub offset: usize,
    /// Marked top-level names.
    pub marks: BTreeSet<String>,
    pub sort: Sort,
    pub hide_dunders: bool,
    pub hide_ipython: bool,
    /// Names shown must contain this (case-insensitive); empty shows all.
    pub search: String,
    /// Top-level names hidden by the toggles or the search.
    pub hidden: usize,
    expanded: BTreeSet<String>,
    ipython: Vec<Pattern>,
}

impl Default for Tree {
    fn default() -> Tree {
        Tree {
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            marks: BTreeSet::new(),
            sort: Sort::File,
            hide_dunders: false,
            hide_ipython: false,
            search: String::new(),
            hidden: 0,
            expanded: BTreeSet::new(),
            ipython: preset("ipython").unwrap_or_default(),
        }
    }
}

impl Tree {
    /// Forgets the previous session's rows, marks and expansion.
    pub fn reset(&mut self) {
        self.rows.clear();
        self.selected = 0;
        self.offset = 0;
        self.marks.clear();
        self.expanded.clear();
    }

    pub fn selected(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    fn shown(&self, name: &str) -> bool {
        if self.hide_dunders && name.starts_with("__") && name.ends_with("__") && name.len() > 4 {
            return false;
        }
        if self.hide_ipython && self.ipython.iter().any(|p| p.matches(name)) {
            return false;
        }
        self.search.is_empty() || name.to_lowercase().contains(&self.search.to_lowercase())
    }

    /// Rebuilds the rows from the session, keeping the selection and what was expanded.
    pub fn rebuild(&mut self, s: &Session) {
        let keep = self.selected().map(|r| r.path.clone());
        let mut order: Vec<usize> = (0..s.entries.len())
            .filter(|&i| self.shown(&s.entries[i].name))
            .collect();
        self.hidden = s.entries.len() - order.len();
        let e = &s.entries;
        match self.sort {
            Sort::File => {}
            Sort::Name => {
                order.sort_by(|&a, &b| e[a].name.to_lowercase().cmp(&e[b].name.to_lowercase()))
            }
            Sort::Type => {
                order.sort_by(|&a, &b| e[a].ty.cmp(&e[b].ty).then(e[a].name.cmp(&e[b].name)))
            }
            Sort::Size => order.sort_by(|&a, &b| e[b].bytes.cmp(&e[a].bytes)),
        }
        let d = s.describer();
        self.rows = order
            .into_iter()
            .map(|i| {
                let en = &e[i];
                Row {
                    depth: 0,
                    name: en.name.clone(),
                    ty: en.ty.clone(),
                    preview: en.preview.clone(),
                    shape: en
                        .value
                        .map(|n| d.facts(n).shape_cell())
                        .unwrap_or_default(),
                    bytes: Some(en.bytes),
                    node: en.value,
                    fact: false,
                    expandable: en.value.is_some_and(|n| expandable(&d, n)),
                    expanded: false,
                    entry: i,
                    path: en.name.clone(),
                }
            })
            .collect();
        // Re-open what was open, parents before children.
        let open: Vec<String> = self.expanded.iter().cloned().collect();
        for p in open {
            if let Some(i) = self.rows.iter().position(|r| r.path == p && !r.expanded) {
                self.open_row(&d, i);
            }
        }
        self.selected = keep
            .and_then(|p| self.rows.iter().position(|r| r.path == p))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
    }

    /// Expands the selected row; false when it has nothing to expand.
    pub fn expand(&mut self, s: &Session) -> bool {
        let Some(row) = self.rows.get(self.selected) else {
            return false;
        };
        if row.expanded {
            // Already open: step into the first child, as file managers do.
            if self
                .rows
                .get(self.selected + 1)
                .is_some_and(|r| r.depth > row.depth)
            {
                self.selected += 1;
            }
            return true;
        }
        if !row.expandable {
            return false;
        }
        let d = s.describer();
        self.expanded.insert(row.path.clone());
        self.open_row(&d, self.selected);
        true
    }

    fn open_row(&mut self, d: &Describer, i: usize) {
        let (node, depth, entry, path) = {
            let r = &self.rows[i];
            (r.node, r.depth, r.entry, r.path.clone())
        };
        let Some(node) = node else { return };
        let kids = d.children(node);
        let total = kids.len();
        let mut rows: Vec<Row> = kids
            .into_iter()
            .take(MAX_CHILDREN)
            .map(|c| {
                let shape = c.node.map(|n| d.facts(n).shape_cell()).unwrap_or_default();
                let (ty, preview, fact, expandable) = match (c.node, &c.fact) {
                    (Some(n), _) => (
                        d.type_of(n).0,
                        d.preview(n, CHILD_PREVIEW),
                        false,
                        expandable(d, n),
                    ),
                    (None, f) => (String::new(), f.clone().unwrap_or_default(), true, false),
                };
                Row {
                    depth: depth + 1,
                    path: format!("{path}.{}", c.name),
                    name: c.name,
                    ty,
                    preview,
                    shape,
                    bytes: None,
                    node: c.node,
                    fact,
                    expandable,
                    expanded: false,
                    entry,
                }
            })
            .collect();
        if total > MAX_CHILDREN {
            rows.push(Row {
                depth: depth + 1,
                name: "…".into(),
                ty: String::new(),
                preview: format!("{} more", total - MAX_CHILDREN),
                shape: String::new(),
                bytes: None,
                node: None,
                fact: true,
                expandable: false,
                expanded: false,
                entry,
                path: format!("{path}.…"),
            });
        }
        self.rows[i].expanded = true;
        self.rows.splice(i + 1..i + 1, rows);
    }

    /// Collapses the selected row, or moves to its parent when it is closed.
    pub fn collapse(&mut self) {
        let Some(row) = self.rows.get(self.selected) else {
            return;
        };
        let depth = row.depth;
        if row.expanded {
            let end = self.subtree_end(self.selected);
            self.expanded
                .retain(|p| !(p == &row.path || p.starts_with(&format!("{}.", row.path))));
            self.rows[self.selected].expanded = false;
            self.rows.drain(self.selected + 1..end);
        } else if depth > 0
            && let Some(parent) = (0..self.selected)
                .rev()
                .find(|&j| self.rows[j].depth < depth)
        {
            self.selected = parent;
        }
    }

    fn subtree_end(&self, i: usize) -> usize {
        let depth = self.rows[i].depth;
        (i + 1..self.rows.len())
            .find(|&j| self.rows[j].depth <= depth)
            .unwrap_or(self.rows.len())
    }

    /// Marks or unmarks the top-level name of the selected row.
    pub fn toggle_mark(&mut self, s: &Session) {
        let Some(row) = self.rows.get(self.selected) else {
            return;
        };
        let Some(e) = s.entries.get(row.entry) else {
            return;
        };
        if !self.marks.remove(&e.name) {
            self.marks.insert(e.name.clone());
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }
}

/// True when a value may have children worth a row.
fn expandable(d: &Describer, n: NodeId) -> bool {
    !matches!(
        d.p.node(n).kind,
        NodeKind::None | NodeKind::Bool | NodeKind::Int | NodeKind::Float | NodeKind::Str
    )
}
