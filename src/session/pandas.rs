//! pandas DataFrame / Series / Index read from the file alone: shape, column
//! names, per-column dtype, the row index, and any cell on demand (numeric and
//! datetime blocks from the array bytes, object blocks from the pickled items).
//! Understands the layouts pandas 1.x–3.x write: `BlockManager(blocks, axes)`
//! with `_unpickle_block`/`new_block` blocks, the older `'0.14.1'` state dict,
//! `_new_Index` for Index/RangeIndex/DatetimeIndex, and NDArrayBacked extension
//! arrays (DatetimeArray, StringArray, …). Never runs pandas; facts that do not
//! hold together (a lying index length, say) give one line, not a guess.

use crate::pickle::text::Scalar;
use crate::pickle::{NodeId, NodeKind};
use crate::session::Describer;
use crate::session::ndarray::{ArrayView, Elem, format};
use crate::session::pyrepr;

/// What kind of pandas object a table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    DataFrame,
    Series,
    Index,
}

/// Where one column's values are.
#[derive(Debug, Clone)]
pub enum Values {
    /// Row `row` of a 2-D block (or the whole of a 1-D array when `None`).
    Array {
        a: ArrayView,
        row: Option<u64>,
        /// Timezone of a tz-aware datetime column (`UTC`).
        tz: Option<String>,
    },
    Range {
        start: i64,
        step: i64,
    },
    /// A masked extension array (`Int32`, `Float64`, `boolean`): `<NA>` where
    /// the mask is set, the data's value elsewhere.
    Masked {
        data: ArrayView,
        mask: ArrayView,
    },
    /// A Categorical: one code per row into the categories; `-1` is missing.
    Categorical {
        codes: ArrayView,
        categories: Box<Values>,
        /// How many categories there are (a code past them is a lie in the file).
        len: u64,
    },
    /// A MultiIndex: per level, the codes and that level's values; a cell is a tuple.
    Levels(Vec<Level>),
    /// Values brine cannot read, with the reason.
    Unknown(String),
}

/// One level of a MultiIndex.
#[derive(Debug, Clone)]
pub struct Level {
    pub codes: ArrayView,
    pub values: Values,
    pub len: u64,
}

impl Values {
    /// How many values the storage holds (a Range or an unreadable column: `None`).
    pub fn stored_len(&self) -> Option<u64> {
        match self {
            Values::Array { a, row: None, .. } => Some(a.size()),
            Values::Array { a, .. } => a.shape.get(1).copied(),
            Values::Masked { data, .. } => Some(data.size()),
            Values::Categorical { codes, .. } => Some(codes.size()),
            Values::Levels(l) => l.first().map(|l| l.codes.size()),
            Values::Range { .. } | Values::Unknown(_) => None,
        }
    }
}

/// One column (or the values of a Series/Index).
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub dtype: String,
    pub values: Values,
}

/// A DataFrame, Series or Index as a table of columns.
#[derive(Debug, Clone)]
pub struct Table {
    pub kind: TableKind,
    pub rows: u64,
    pub columns: Vec<Column>,
    /// The row labels (for a DataFrame or Series).
    pub index: Option<Box<Table>>,
    /// The class of the row index (`RangeIndex`…) or of the Index itself.
    pub index_class: String,
    pub name: Option<String>,
    /// A DataFrame's column labels' dtype (`object` for text labels).
    pub columns_dtype: Option<String>,
}

impl Table {
    /// Whether every row is backed by values the file stores. A RangeIndex alone can
    /// claim any number of rows in a few bytes; writing them all out is not done past
    /// 16 Mi rows.
    pub fn rows_backed(&self) -> Result<(), String> {
        let stored = self
            .columns
            .iter()
            .chain(self.index.iter().flat_map(|i| i.columns.iter()))
            .any(|c| c.values.stored_len() == Some(self.rows));
        if stored || self.rows <= 1 << 24 {
            Ok(())
        } else {
            Err(format!(
                "{} rows that no stored column holds (only a range index says so): not written",
                self.rows
            ))
        }
    }

    pub fn facts(&self) -> crate::session::view::Facts {
        let mut f = crate::session::view::Facts {
            len: Some(self.rows),
            ..Default::default()
        };
        match self.kind {
            TableKind::DataFrame => {
                f.shape = Some(vec![self.rows, self.columns.len() as u64]);
                f.columns = Some(self.columns.iter().map(|c| c.name.clone()).collect());
                f.dtypes = Some(self.columns.iter().map(|c| c.dtype.clone()).collect());
            }
            _ => f.dtype = self.columns.first().map(|c| c.dtype.clone()),
        }
        f
    }

    /// One-line preview: `DataFrame 3×5 [id int64, name object, …]`.
    pub fn line(&self) -> String {
        match self.kind {
            TableKind::DataFrame => {
                let cols: Vec<String> = self
                    .columns
                    .iter()
                    .take(8)
                    .map(|c| format!("{} {}", c.name, c.dtype))
                    .collect();
                let more = if self.columns.len() > 8 { ", …" } else { "" };
                format!(
                    "DataFrame {}×{} [{}{more}]",
                    self.rows,
                    self.columns.len(),
                    cols.join(", ")
                )
            }
            TableKind::Series | TableKind::Index => {
                let what = if self.kind == TableKind::Series {
                    "Series".to_string()
                } else {
                    self.index_class.clone()
                };
                let name = self
                    .name
                    .as_ref()
                    .map(|n| format!(" '{n}'"))
                    .unwrap_or_default();
                let dtype = self
                    .columns
                    .first()
                    .map(|c| c.dtype.as_str())
                    .unwrap_or("?");
                format!("{what}{name} {dtype} len {}", self.rows)
            }
        }
    }
}

/// A `slice(start, stop, step)` or an int array as a list of positions.
fn positions(d: &Describer, id: NodeId, limit: u64) -> Option<Vec<u64>> {
    let p = d.p;
    if d.type_of(id).as_str() == "builtins.slice" && p.node(id).kind == NodeKind::Reduce {
        let a = d.args(id);
        let int = |i: usize| match a.get(i).and_then(|&x| p.scalar(x, 0)) {
            Some(Scalar::Int(n)) => Some(n),
            Some(Scalar::None) => None,
            _ => None,
        };
        let start = int(0).unwrap_or(0);
        let stop = int(1)?;
        let step = int(2).unwrap_or(1);
        if step <= 0 || start < 0 || stop < start || (stop - start) as u64 / step as u64 > limit {
            return None;
        }
        return Some(
            (start..stop)
                .step_by(step as usize)
                .map(|x| x as u64)
                .collect(),
        );
    }
    if let Some(Ok(a)) = d.ndarray(id) {
        if a.size() > limit || !matches!(a.dtype.kind, 'i' | 'u') {
            return None;
        }
        let idx: Vec<Vec<u64>> = (0..a.size()).map(|i| vec![i]).collect();
        let v = a.read(&p.source, &idx).ok()?;
        return v
            .into_iter()
            .map(|e| match e {
                Elem::Int(i) if i >= 0 => Some(i as u64),
                _ => None,
            })
            .collect();
    }
    None
}

thread_local! {
    static NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How deep categories and MultiIndex levels nest while a table is read. Real
/// pandas nests one level (a Categorical's categories are a plain Index); a
/// crafted file can make categories hold themselves through the memo, which
/// would recurse without end.
struct Nesting;

impl Nesting {
    const MAX: u32 = 4;

    fn enter() -> Result<Nesting, String> {
        NESTING.with(|n| {
            if n.get() >= Self::MAX {
                return Err("categories or index levels nested in themselves".to_string());
            }
            n.set(n.get() + 1);
            Ok(Nesting)
        })
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// A block manager's axes and its blocks as (values, placement).
type Manager = (Vec<NodeId>, Vec<(NodeId, NodeId)>);

/// Rows shown as children of a table in the tree.
const HEAD_ROWS: u64 = 5;

impl Describer<'_> {
    /// Tree children of a table: shape, index, one row per column with its dtype, the first rows.
    pub fn table_children(&self, t: &Table) -> Vec<crate::session::Child> {
        use crate::session::Child;
        let fact = |name: String, text: String| Child {
            name,
            node: None,
            fact: Some(text),
        };
        let mut out = Vec::new();
        if let Some(n) = &t.name {
            out.push(fact("name".into(), n.clone()));
        }
        match t.kind {
            TableKind::DataFrame => {
                out.push(fact(
                    "shape".into(),
                    format!("{} rows × {} columns", t.rows, t.columns.len()),
                ));
            }
            _ => out.push(fact("len".into(), t.rows.to_string())),
        }
        if let Some(i) = &t.index {
            let first: Vec<String> = (0..i.rows.min(3)).map(|r| i.cell(self, 0, r)).collect();
            let more = if i.rows > 3 { ", …" } else { "" };
            out.push(fact(
                "index".into(),
                format!(
                    "{} {} [{}{more}]",
                    i.index_class,
                    i.columns[0].dtype,
                    first.join(", ")
                ),
            ));
        }
        match t.kind {
            TableKind::DataFrame => {
                for (c, col) in t.columns.iter().enumerate().take(200) {
                    let vals: Vec<String> = (0..t.rows.min(HEAD_ROWS))
                        .map(|r| t.cell(self, c, r))
                        .collect();
                    out.push(fact(
                        format!("[{}]", col.name),
                        format!("{}  {}", col.dtype, vals.join(", ")),
                    ));
                }
                if t.columns.len() > 200 {
                    out.push(fact(
                        "…".into(),
                        format!("{} more columns", t.columns.len() - 200),
                    ));
                }
                for row in t.head(self, HEAD_ROWS) {
                    out.push(fact(format!("row {}", row[0]), row[1..].join(" │ ")));
                }
            }
            _ => {
                out.push(fact("dtype".into(), t.columns[0].dtype.clone()));
                let labels = t.index.as_ref();
                for r in 0..t.rows.min(HEAD_ROWS) {
                    let label = labels.map_or_else(|| r.to_string(), |i| i.cell(self, 0, r));
                    out.push(fact(format!("[{label}]"), t.cell(self, 0, r)));
                }
            }
        }
        out
    }

    /// The table view of a pandas DataFrame, Series or Index; `None` when it is none of them,
    /// an error line when the file's facts do not hold together.
    pub fn pandas(&self, id: NodeId) -> Option<Result<Table, String>> {
        let ty = self.type_of(id);
        let t = ty.as_str();
        if let Some(q) = self.called(id)
            && q.module.starts_with("pandas.")
            && q.name.starts_with("_new_")
            && q.name.ends_with("Index")
        {
            return Some(self.pd_index(id));
        }
        if !t.starts_with("pandas.") {
            return None;
        }
        let short = t.rsplit('.').next().unwrap_or("");
        match short {
            "DataFrame" | "Series" => Some(self.frame(id, short == "DataFrame")),
            _ if short.ends_with("Index") => Some(self.pd_index(id)),
            _ => None,
        }
    }

    fn frame(&self, id: NodeId, is_df: bool) -> Result<Table, String> {
        let state = self.build_state(id).ok_or("no state")?;
        let mgr = self
            .dict_get(state, "_mgr")
            .or_else(|| self.dict_get(state, "_data"))
            .ok_or("no block manager in the state")?;
        let name = self
            .dict_get(state, "_name")
            .or_else(|| self.dict_get(state, "name"))
            .filter(|&n| self.p.node(n).kind != NodeKind::None)
            .map(|n| self.label(n));
        let (axes, blocks) = self.manager(mgr)?;
        let (col_axis, row_axis) = if is_df {
            (
                Some(*axes.first().ok_or("no columns axis")?),
                *axes.get(1).ok_or("no row axis")?,
            )
        } else {
            (None, *axes.first().ok_or("no index axis")?)
        };
        let index = self.pd_index(row_axis)?;
        let rows = index.rows;
        let mut columns_dtype = None;
        let col_names: Vec<String> = match col_axis {
            Some(c) => {
                let ci = self.pd_index(c)?;
                if ci.rows > 1 << 20 {
                    return Err(format!("{} columns: more than brine reads", ci.rows));
                }
                columns_dtype = ci.columns.first().map(|c| c.dtype.clone());
                (0..ci.rows).map(|r| ci.cell(self, 0, r)).collect()
            }
            None => vec![name.clone().unwrap_or_default()],
        };
        let ncols = col_names.len() as u64;
        let mut cols: Vec<Option<Column>> = vec![None; col_names.len()];
        for (values, placement) in blocks {
            // A Series has one column whatever its block placement says.
            let locs = if is_df {
                positions(self, placement, ncols).ok_or("unreadable block placement")?
            } else {
                vec![0]
            };
            let (vals, dtype) = self.block_values(values)?;
            for (k, &loc) in locs.iter().enumerate() {
                let slot = cols
                    .get_mut(loc as usize)
                    .ok_or_else(|| format!("block placed at column {loc} of {ncols}"))?;
                let v = match &vals {
                    Values::Array { a, tz, .. } if a.shape.len() == 2 => {
                        if a.shape[0] <= k as u64 {
                            return Err(format!(
                                "block of {} columns placed over {}",
                                a.shape[0],
                                locs.len()
                            ));
                        }
                        if a.shape[1] != rows {
                            return Err(format!(
                                "column '{}' holds {} values, the index says {rows}",
                                col_names[loc as usize], a.shape[1]
                            ));
                        }
                        Values::Array {
                            a: a.clone(),
                            row: Some(k as u64),
                            tz: tz.clone(),
                        }
                    }
                    Values::Array { a, .. } => {
                        if a.size() != rows {
                            return Err(format!(
                                "column '{}' holds {} values, the index says {rows}",
                                col_names[loc as usize],
                                a.size()
                            ));
                        }
                        vals.clone()
                    }
                    other => {
                        if let Some(n) = other.stored_len()
                            && n != rows
                        {
                            return Err(format!(
                                "column '{}' holds {n} values, the index says {rows}",
                                col_names[loc as usize]
                            ));
                        }
                        other.clone()
                    }
                };
                *slot = Some(Column {
                    name: col_names[loc as usize].clone(),
                    dtype: dtype.clone(),
                    values: v,
                });
            }
        }
        let columns = cols
            .into_iter()
            .zip(&col_names)
            .map(|(c, n)| {
                c.unwrap_or_else(|| Column {
                    name: n.clone(),
                    dtype: "?".into(),
                    values: Values::Unknown("no block holds this column".into()),
                })
            })
            .collect();
        Ok(Table {
            kind: if is_df {
                TableKind::DataFrame
            } else {
                TableKind::Series
            },
            rows,
            columns,
            index_class: index.index_class.clone(),
            index: Some(Box::new(index)),
            name,
            columns_dtype,
        })
    }

    /// (axes, [(block values, placement)]) of a BlockManager in any layout.
    fn manager(&self, mgr: NodeId) -> Result<Manager, String> {
        let p = self.p;
        if p.node(mgr).kind == NodeKind::Reduce {
            let a = self.args(mgr);
            if a.len() >= 2 {
                let blocks = p
                    .items(a[0])
                    .iter()
                    .map(|&b| {
                        let ba = if p.node(b).kind == NodeKind::Reduce {
                            self.args(b)
                        } else {
                            &[]
                        };
                        match (ba.first(), ba.get(1)) {
                            (Some(&v), Some(&pl)) => Ok((v, pl)),
                            _ => Err("a block brine cannot read".to_string()),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok((self.seq_items(a[1]), blocks));
            }
        }
        let state = self.build_state(mgr).ok_or("block manager without state")?;
        let extra = *p
            .items(state)
            .get(3)
            .ok_or("block manager state without blocks")?;
        let d = self
            .dict_get(extra, "0.14.1")
            .ok_or("block manager state of an unknown layout")?;
        let axes = self.dict_get(d, "axes").ok_or("no axes")?;
        let blocks = self.dict_get(d, "blocks").ok_or("no blocks")?;
        let blocks = self
            .seq_items(blocks)
            .into_iter()
            .map(
                |b| match (self.dict_get(b, "values"), self.dict_get(b, "mgr_locs")) {
                    (Some(v), Some(l)) => Ok((v, l)),
                    _ => Err("a block brine cannot read".to_string()),
                },
            )
            .collect::<Result<Vec<_>, _>>()?;
        Ok((self.seq_items(axes), blocks))
    }

    /// The values of a block or index and their pandas dtype name.
    fn block_values(&self, v: NodeId) -> Result<(Values, String), String> {
        if let Some(a) = self.ndarray(v) {
            let a = a?;
            let dtype = a.dtype.name();
            return Ok((
                Values::Array {
                    a,
                    row: None,
                    tz: None,
                },
                dtype,
            ));
        }
        let t = self.type_of(v);
        let short = t.as_str().rsplit('.').next().unwrap_or("?").to_string();
        // NDArrayBacked: BUILD (dtype, ndarray, attrs), or an older attribute dict.
        if let Some(state) = self.build_state(v) {
            let p = self.p;
            if let Some(masked) = self.masked(state) {
                return masked;
            }
            let (dtype_node, arr) = match p.node(state).kind {
                NodeKind::Tuple => (
                    p.items(state).first().copied(),
                    p.items(state).get(1).copied(),
                ),
                NodeKind::Dict => (
                    self.dict_get(state, "_dtype"),
                    self.dict_get(state, "_ndarray")
                        .or_else(|| self.dict_get(state, "_data")),
                ),
                _ => (None, None),
            };
            let (dtype_node, arr) = match (dtype_node, arr) {
                // Older Categoricals keep `_codes` and `_dtype` in their dict.
                (Some(d), None) => (Some(d), self.dict_get(state, "_codes")),
                other => other,
            };
            if let Some(arr) = arr
                && let Some(a) = self.ndarray(arr)
            {
                let a = a?;
                if let Some(d) = dtype_node
                    && self.type_of(d).as_str().ends_with(".CategoricalDtype")
                {
                    return self.categorical(d, a);
                }
                let (dtype, tz) = self.pandas_dtype(dtype_node, &a, &short);
                return Ok((Values::Array { a, row: None, tz }, dtype));
            }
        }
        Ok((
            Values::Unknown(format!("{short} values")),
            pandas_dtype_of_class(&short),
        ))
    }

    /// A masked array's state (`_data`, `_mask`, maybe `dtype`), or `None` when it is not one.
    fn masked(&self, state: NodeId) -> Option<Result<(Values, String), String>> {
        if self.p.node(state).kind != NodeKind::Dict {
            return None;
        }
        let data = self.dict_get(state, "_data")?;
        let mask = self.dict_get(state, "_mask")?;
        Some((|| {
            let data = self
                .ndarray(data)
                .ok_or("a masked array without its data")??;
            let mask = self
                .ndarray(mask)
                .ok_or("a masked array without its mask")??;
            if mask.dtype.kind != 'b' || mask.size() != data.size() || data.shape.len() != 1 {
                return Err(format!(
                    "a masked array of {} values with a mask of {} {}",
                    data.size(),
                    mask.size(),
                    mask.dtype.name()
                ));
            }
            // The dtype object names itself (`Int32Dtype`); without one, the data says.
            let named = self
                .dict_get(state, "dtype")
                .map(|d| self.type_of(d).as_str().to_string())
                .filter(|t| t.starts_with("pandas."))
                .and_then(|t| match t.rsplit('.').next().unwrap_or("") {
                    "BooleanDtype" => Some("boolean".to_string()),
                    c => c
                        .strip_suffix("Dtype")
                        .filter(|n| {
                            n.starts_with("Int") || n.starts_with("UInt") || n.starts_with("Float")
                        })
                        .map(str::to_string),
                });
            let bits = data.dtype.size * 8;
            let dtype = named.unwrap_or_else(|| match data.dtype.kind {
                'i' => format!("Int{bits}"),
                'u' => format!("UInt{bits}"),
                'f' => format!("Float{bits}"),
                'b' => "boolean".into(),
                _ => format!("? masked {}", data.dtype.name()),
            });
            Ok((Values::Masked { data, mask }, dtype))
        })())
    }

    /// A Categorical from its dtype (categories, ordered) and its codes.
    fn categorical(&self, dtype: NodeId, codes: ArrayView) -> Result<(Values, String), String> {
        let _depth = Nesting::enter()?;
        if !matches!(codes.dtype.kind, 'i') || codes.shape.len() != 1 {
            return Err(format!("Categorical codes of dtype {}", codes.dtype.name()));
        }
        let state = self
            .build_state(dtype)
            .ok_or("a CategoricalDtype without state")?;
        let cats = self
            .dict_get(state, "categories")
            .or_else(|| self.dict_get(state, "_categories"))
            .filter(|&c| self.p.node(c).kind != NodeKind::None);
        let Some(cats) = cats else {
            return Ok((
                Values::Unknown("a Categorical without categories".into()),
                "category".into(),
            ));
        };
        let t = self.pd_index(cats)?;
        let col = t
            .columns
            .into_iter()
            .next()
            .ok_or("categories without values")?;
        Ok((
            Values::Categorical {
                codes,
                categories: Box::new(col.values),
                len: t.rows,
            },
            "category".into(),
        ))
    }

    /// The levels of a MultiIndex state (`levels` and `codes`, `labels` before pandas 0.24).
    fn levels(&self, dict: NodeId) -> Option<Result<(Values, u64), String>> {
        let levels = self.dict_get(dict, "levels")?;
        let codes = self
            .dict_get(dict, "codes")
            .or_else(|| self.dict_get(dict, "labels"))?;
        Some((|| {
            let _depth = Nesting::enter()?;
            let levels = self.seq_items(levels);
            let codes = self.seq_items(codes);
            if levels.is_empty() || levels.len() != codes.len() || levels.len() > 64 {
                return Err(format!(
                    "a MultiIndex of {} levels and {} code arrays",
                    levels.len(),
                    codes.len()
                ));
            }
            let mut out = Vec::new();
            for (&l, &c) in levels.iter().zip(&codes) {
                let t = self.pd_index(l)?;
                let codes = self
                    .ndarray(c)
                    .ok_or("MultiIndex codes that are no array")??;
                if codes.dtype.kind != 'i' || codes.shape.len() != 1 {
                    return Err(format!("MultiIndex codes of dtype {}", codes.dtype.name()));
                }
                let values = t
                    .columns
                    .into_iter()
                    .next()
                    .map(|c| c.values)
                    .ok_or("a MultiIndex level without values")?;
                out.push(Level {
                    codes,
                    values,
                    len: t.rows,
                });
            }
            let rows = out[0].codes.size();
            if out.iter().any(|l| l.codes.size() != rows) {
                return Err("MultiIndex levels of different lengths".into());
            }
            Ok((Values::Levels(out), rows))
        })())
    }

    /// The dtype name pandas prints for an extension array, and a datetime's timezone.
    fn pandas_dtype(
        &self,
        dtype: Option<NodeId>,
        a: &ArrayView,
        class: &str,
    ) -> (String, Option<String>) {
        let Some(d) = dtype else {
            return (a.dtype.name(), None);
        };
        if self.dtype_of(d).is_some() {
            return (a.dtype.name(), None);
        }
        let t = self.type_of(d);
        let dt = t.as_str().rsplit('.').next().unwrap_or("");
        let attr = |k: &str| self.build_state(d).and_then(|s| self.dict_get(s, k));
        match dt {
            "DatetimeTZDtype" => {
                let tz = attr("_tz").or_else(|| attr("tz")).map(|z| self.tz_name(z));
                let unit = a.dtype.unit.clone().unwrap_or_else(|| "ns".into());
                let tzs = tz.clone().unwrap_or_else(|| "?".into());
                (format!("datetime64[{unit}, {tzs}]"), tz)
            }
            "StringDtype" => {
                let args = if self.p.node(d).kind == NodeKind::Reduce {
                    self.args(d)
                } else {
                    &[]
                };
                let na_nan = attr("_na_value")
                    .or_else(|| attr("na_value"))
                    .or_else(|| args.get(1).copied())
                    .is_some_and(
                        |n| matches!(self.p.scalar(n, 0), Some(Scalar::Float(f)) if f.is_nan()),
                    );
                (if na_nan { "str" } else { "string" }.into(), None)
            }
            _ => (pandas_dtype_of_class(class), None),
        }
    }

    fn tz_name(&self, z: NodeId) -> String {
        let t = self.type_of(z);
        let s = t.as_str();
        let called = self.called(z).map(|q| q.to_string()).unwrap_or_default();
        if s.ends_with("UTC") || called.ends_with("_UTC") || called.ends_with(".utc") {
            return "UTC".into();
        }
        // datetime.timezone(timedelta(0)) is timezone.utc.
        if s == "datetime.timezone" || called == "datetime.timezone" {
            let off = self
                .args(z)
                .first()
                .map(|&td| self.args(td).to_vec())
                .unwrap_or_default();
            let zero = !off.is_empty()
                && off
                    .iter()
                    .all(|&x| matches!(self.p.scalar(x, 0), Some(Scalar::Int(0))));
            if zero {
                return "UTC".into();
            }
        }
        // pytz / zoneinfo zones keep their key as the first argument.
        let args = if self.p.node(z).kind == NodeKind::Reduce {
            self.args(z)
        } else {
            &[]
        };
        match args.first().and_then(|&a| self.p.text(a)) {
            Some(name) => name,
            None => format!("? {}", self.preview(z, 40)),
        }
    }

    /// A label (column name, Series name) as `str()` prints it.
    fn label(&self, id: NodeId) -> String {
        match self.p.node(id).kind {
            NodeKind::Str => self.p.text(id).unwrap_or_default(),
            _ => self.preview(id, 40),
        }
    }

    /// An Index (any `_new_Index` kind) as a one-column table of its values.
    fn pd_index(&self, id: NodeId) -> Result<Table, String> {
        let p = self.p;
        // `_new_DatetimeIndex(cls, d)` and friends: the class is their first argument.
        let ty = self.type_of(id);
        let class = if ty.is_known() {
            ty.as_str()
                .rsplit('.')
                .next()
                .unwrap_or("Index")
                .to_string()
        } else {
            self.args(id)
                .first()
                .and_then(|&c| self.class_of(c))
                .map(|c| c.qualname.rsplit('.').next().unwrap_or("Index").to_string())
                .unwrap_or_else(|| "Index".into())
        };
        let dict = self
            .args(id)
            .get(1)
            .copied()
            .filter(|&d| p.node(d).kind == NodeKind::Dict)
            .or_else(|| {
                self.build_state(id)
                    .filter(|&d| p.node(d).kind == NodeKind::Dict)
            })
            .ok_or_else(|| format!("{class} of a layout brine does not read"))?;
        let name = self
            .dict_get(dict, "name")
            .filter(|&n| p.node(n).kind != NodeKind::None)
            .map(|n| self.label(n));
        let int = |k: &str| match self.dict_get(dict, k).and_then(|x| p.scalar(x, 0)) {
            Some(Scalar::Int(n)) => Some(n),
            _ => None,
        };
        let (rows, column) = if let Some(levels) = self.levels(dict) {
            let (values, rows) = levels?;
            (
                rows,
                Column {
                    name: name.clone().unwrap_or_default(),
                    dtype: "object".into(),
                    values,
                },
            )
        } else if let (Some(start), Some(stop)) = (int("start"), int("stop")) {
            let step = int("step").unwrap_or(1);
            if step == 0 {
                return Err("RangeIndex with step 0".into());
            }
            let n = (i128::from(stop) - i128::from(start) + i128::from(step)
                - i128::from(step.signum()))
                / i128::from(step);
            let n = n.max(0) as u64;
            (
                n,
                Column {
                    name: name.clone().unwrap_or_default(),
                    dtype: "int64".into(),
                    values: Values::Range { start, step },
                },
            )
        } else {
            let data = self
                .dict_get(dict, "data")
                .ok_or_else(|| format!("{class} without data"))?;
            let (values, dtype) = self.block_values(data)?;
            let rows = match &values {
                Values::Unknown(why) => return Err(format!("{class} values: {why}")),
                v => v
                    .stored_len()
                    .ok_or_else(|| format!("{class} values brine cannot read"))?,
            };
            (
                rows,
                Column {
                    name: name.clone().unwrap_or_default(),
                    dtype,
                    values,
                },
            )
        };
        Ok(Table {
            kind: TableKind::Index,
            rows,
            columns: vec![column],
            index: None,
            index_class: class,
            name,
            columns_dtype: None,
        })
    }
}

fn pandas_dtype_of_class(class: &str) -> String {
    match class {
        "Categorical" => "category".into(),
        "StringArray" | "ArrowStringArray" => "string".into(),
        "IntegerArray" => "Int64".into(),
        "BooleanArray" => "boolean".into(),
        _ => format!("? {class}"),
    }
}

impl Table {
    /// `str()` of the value at (column, row), read from the file on demand.
    pub fn cell(&self, d: &Describer, col: usize, row: u64) -> String {
        let Some(c) = self.columns.get(col) else {
            return "?".into();
        };
        if row >= self.rows {
            return String::new();
        }
        match value_at(d, &c.values, row, false) {
            Ok(s) => s,
            Err(e) if e.is_empty() => "?".into(),
            Err(e) => format!("? {e}"),
        }
    }

    /// The first `n` rows: each the row label then one `str()` per column.
    pub fn head(&self, d: &Describer, n: u64) -> Vec<Vec<String>> {
        (0..n.min(self.rows))
            .map(|r| {
                let mut row = vec![
                    self.index
                        .as_ref()
                        .map_or_else(|| r.to_string(), |i| i.cell(d, 0, r)),
                ];
                row.extend((0..self.columns.len()).map(|c| self.cell(d, c, r)));
                row
            })
            .collect()
    }
}

/// One element of stored values: `str()` as pandas hands it out, or (`repr`) as it
/// shows inside a MultiIndex tuple. An empty error is "cannot be read" without a reason.
fn value_at(d: &Describer, v: &Values, row: u64, repr: bool) -> Result<String, String> {
    let one = |a: &ArrayView, idx: Vec<u64>| -> Result<Elem, String> {
        Ok(a.read(&d.p.source, &[idx])?.swap_remove(0))
    };
    let code = |codes: &ArrayView, len: u64| -> Result<Option<u64>, String> {
        match one(codes, vec![row])? {
            Elem::Int(-1) => Ok(None),
            Elem::Int(c) if c >= 0 && (c as u64) < len => Ok(Some(c as u64)),
            Elem::Int(c) => Err(format!("code {c} of {len} categories")),
            _ => Err(String::new()),
        }
    };
    match v {
        Values::Range { start, step } => {
            Ok((i128::from(*start) + i128::from(*step) * i128::from(row)).to_string())
        }
        Values::Unknown(_) => Err(String::new()),
        Values::Array { a, row: r, tz } => {
            let idx = match r {
                Some(k) => vec![*k, row],
                None if a.shape.len() == 1 => vec![row],
                None => return Err(String::new()),
            };
            let e = one(a, idx)?;
            if repr {
                let text = match &e {
                    Elem::Str(t) => Some(t.clone()),
                    Elem::Object(id) if d.p.node(*id).kind == NodeKind::Str => d.p.text(*id),
                    _ => None,
                };
                if let Some(t) = text {
                    return Ok(pyrepr::str(&t, 40));
                }
            }
            Ok(elem_str(d, a, &e, tz.as_deref()))
        }
        Values::Masked { data, mask } => match one(mask, vec![row])? {
            Elem::Bool(true) => Ok("<NA>".into()),
            _ => {
                let e = one(data, vec![row])?;
                Ok(elem_str(d, data, &e, None))
            }
        },
        Values::Categorical {
            codes,
            categories,
            len,
        } => match code(codes, *len)? {
            None => Ok("nan".into()),
            Some(c) => value_at(d, categories, c, repr),
        },
        Values::Levels(levels) => {
            let mut parts = Vec::with_capacity(levels.len());
            for l in levels {
                parts.push(match code(&l.codes, l.len)? {
                    None => "nan".into(),
                    Some(c) => value_at(d, &l.values, c, true)?,
                });
            }
            if parts.len() == 1 {
                parts.push(String::new());
            }
            Ok(format!("({})", parts.join(", ")))
        }
    }
}

/// `str(value)` of one element as pandas hands it out (`Timestamp`, float repr, `None`…).
fn elem_str(d: &Describer, a: &ArrayView, e: &Elem, tz: Option<&str>) -> String {
    match e {
        Elem::Float(x, _) => pyrepr::float(*x),
        Elem::Int(i) => i.to_string(),
        Elem::Bool(b) => if *b { "True" } else { "False" }.into(),
        Elem::Time(t) if a.dtype.kind == 'M' => {
            timestamp(*t, a.dtype.unit.as_deref().unwrap_or("ns"), tz)
        }
        Elem::Time(t) => format!("{t} {}", a.dtype.unit.as_deref().unwrap_or("")),
        Elem::Object(id) => match d.p.node(*id).kind {
            NodeKind::Str => d.p.text(*id).unwrap_or_default(),
            NodeKind::Global | NodeKind::StackGlobal => {
                // pandas' missing-value singletons print as pandas prints them.
                match crate::session::names::global_name(d.p, *id) {
                    Some(q) if q.name == "NA" && q.module.starts_with("pandas") => "<NA>".into(),
                    Some(q) if q.name == "NaT" && q.module.starts_with("pandas") => "NaT".into(),
                    _ => d.preview(*id, 40),
                }
            }
            _ => d.preview(*id, 40),
        },
        Elem::Str(s) => s.clone(),
        Elem::Bytes(b) => pyrepr::bytes(b, 40),
        Elem::Complex(..) => "?".into(),
    }
}

/// `str(pd.Timestamp)`: `2024-01-01 00:00:00`, fractions only when non-zero, `+00:00` for UTC.
pub fn timestamp(v: i64, unit: &str, tz: Option<&str>) -> String {
    if v == i64::MIN {
        return "NaT".into();
    }
    let (per_sec, digits): (i64, usize) = match unit {
        "s" => (1, 0),
        "ms" => (1000, 3),
        "us" => (1_000_000, 6),
        "ns" => (1_000_000_000, 9),
        _ => return format::datetime_text(v, unit),
    };
    let secs = v.div_euclid(per_sec);
    let frac = v.rem_euclid(per_sec);
    let (y, m, dd) = format::civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let mut out = format!(
        "{y:04}-{m:02}-{dd:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if frac != 0 {
        // pandas shows microseconds, or nanoseconds when there are any.
        let ns = frac * 10i64.pow(9 - digits as u32);
        if ns % 1000 == 0 {
            out.push_str(&format!(".{:06}", ns / 1000));
        } else {
            out.push_str(&format!(".{ns:09}"));
        }
    }
    match tz {
        Some("UTC") => out.push_str("+00:00"),
        Some(z) => out.push_str(&format!(" {z}")),
        None => {}
    }
    out
}
