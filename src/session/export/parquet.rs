//! A DataFrame or Series as `.parquet`, written with the `parquet` crate of
//! the Apache Arrow Rust project (no Arrow, no compression, nothing else
//! pulled in) and pandas' own `pandas` schema metadata, so `pd.read_parquet`
//! gives back the same dtypes and index. Numbers, booleans and datetimes are
//! read from the array bytes, strings from the pickled items; a column whose
//! type parquet or pandas' metadata cannot carry exactly (a Categorical, a
//! timedelta, float16, a timezone other than UTC, an object column of mixed
//! items) is refused in one line rather than written as something else.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FloatType, Int32Type, Int64Type,
};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use serde_json::{Value, json};

use crate::pickle::NodeKind;
use crate::session::Describer;
use crate::session::ndarray::{ArrayView, Elem};
use crate::session::pandas::{Column, Table, TableKind, Values};

/// Rows read and written at a time.
const CHUNK: u64 = 65_536;
/// Rows per row group.
const GROUP: u64 = 1 << 20;

/// How one column is stored.
#[derive(Debug, Clone)]
struct Spec {
    name: String,
    physical: Physical,
    logical: Option<LogicalType>,
    optional: bool,
    /// pandas' metadata: `pandas_type`, `numpy_type`, `metadata`.
    pandas_type: String,
    numpy_type: String,
    meta: Value,
    kind: Kind,
}

/// How a column's elements become parquet values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int32,
    Int64,
    Float,
    Double,
    /// datetime64 counts; NaT is null.
    Time,
    Utf8,
    Bytes,
}

/// One chunk of a column's values; `None` is null.
enum Cells {
    Bool(Vec<Option<bool>>),
    I32(Vec<Option<i32>>),
    I64(Vec<Option<i64>>),
    F32(Vec<Option<f32>>),
    F64(Vec<Option<f64>>),
    Bytes(Vec<Option<ByteArray>>),
}

impl Describer<'_> {
    pub(super) fn write_parquet(&self, t: &Table, out: &mut dyn Write) -> Result<(), String> {
        if t.kind == TableKind::Index {
            return Err("an Index alone has no table: export the DataFrame or Series".into());
        }
        if t.kind == TableKind::DataFrame
            && !matches!(
                t.columns_dtype.as_deref(),
                Some("object" | "str" | "string")
            )
        {
            return Err(format!(
                "column labels of dtype {}: parquet names columns by text, so they would not \
                 read back the same",
                t.columns_dtype.as_deref().unwrap_or("?")
            ));
        }
        let mut cols: Vec<(Spec, &Column)> = Vec::new();
        for c in &t.columns {
            let name = match t.kind {
                TableKind::Series => t.name.clone().unwrap_or_else(|| "0".into()),
                _ => c.name.clone(),
            };
            if cols.iter().any(|(s, _)| s.name == name) {
                return Err(format!(
                    "two columns named '{name}': parquet needs unique names"
                ));
            }
            cols.push((self.spec(name, c)?, c));
        }
        let index = t.index.as_ref().ok_or("a table without its row index")?;
        let ic = index.columns.first().ok_or("an index without values")?;
        let index_meta = match &ic.values {
            Values::Range { start, step } => json!([{
                "kind": "range",
                "name": index.name,
                "start": start,
                "stop": i128::from(*start) + i128::from(*step) * i128::from(t.rows),
                "step": step,
            }]),
            Values::Levels(_) => {
                return Err(
                    "a MultiIndex row index: brine does not write it to parquet yet".into(),
                );
            }
            _ => {
                let field = index
                    .name
                    .clone()
                    .unwrap_or_else(|| "__index_level_0__".into());
                if cols.iter().any(|(s, _)| s.name == field) {
                    return Err(format!("the index and a column are both named '{field}'"));
                }
                let spec = self
                    .spec(field.clone(), ic)
                    .map_err(|e| e.replacen(&format!("column '{field}'"), "the row index", 1))?;
                cols.push((spec, ic));
                json!([field])
            }
        };
        let columns: Vec<Value> = cols
            .iter()
            .map(|(s, _)| {
                let is_index = s.name == "__index_level_0__"
                    || (index_meta[0].is_string() && index_meta[0] == json!(s.name));
                json!({
                    "name": if is_index { json!(index.name) } else { json!(s.name) },
                    "field_name": s.name,
                    "pandas_type": s.pandas_type,
                    "numpy_type": s.numpy_type,
                    "metadata": s.meta,
                })
            })
            .collect();
        let pandas = json!({
            "index_columns": index_meta,
            "column_indexes": [{"name": null, "field_name": null, "pandas_type": "unicode",
                                "numpy_type": "object", "metadata": {"encoding": "UTF-8"}}],
            "columns": columns,
            "creator": {"library": "brine", "version": env!("CARGO_PKG_VERSION")},
            "pandas_version": "2.2.3",
        });
        let fields = cols
            .iter()
            .map(|(s, _)| {
                Type::primitive_type_builder(&s.name, s.physical)
                    .with_repetition(if s.optional {
                        Repetition::OPTIONAL
                    } else {
                        Repetition::REQUIRED
                    })
                    .with_logical_type(s.logical.clone())
                    .build()
                    .map(Arc::new)
                    .map_err(|e| format!("column '{}': {e}", s.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(|e| e.to_string())?;
        let props = WriterProperties::builder()
            .set_key_value_metadata(Some(vec![KeyValue::new(
                "pandas".to_string(),
                pandas.to_string(),
            )]))
            .set_created_by(format!("brine {}", env!("CARGO_PKG_VERSION")))
            .build();
        // The writer needs an owned, sendable sink: the file is built in memory (its size is
        // what the stored columns hold, which the file itself bounds) and copied out.
        let mut w = SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(props))
            .map_err(|e| e.to_string())?;
        let pq = |e: parquet::errors::ParquetError| e.to_string();
        let mut start = 0;
        loop {
            let end = (start + GROUP).min(t.rows);
            let mut rg = w.next_row_group().map_err(pq)?;
            for (spec, col) in &cols {
                let mut cw = rg
                    .next_column()
                    .map_err(pq)?
                    .ok_or("parquet column missing")?;
                let mut r = start;
                while r < end {
                    let to = (r + CHUNK).min(end);
                    let cells = self.cells(spec, &col.values, r, to)?;
                    write_cells(&mut cw, cells, spec.optional).map_err(pq)?;
                    r = to;
                }
                cw.close().map_err(pq)?;
            }
            rg.close().map_err(pq)?;
            start = end;
            if start >= t.rows {
                break;
            }
        }
        let bytes = w.into_inner().map_err(pq)?;
        out.write_all(&bytes).map_err(|e| e.to_string())
    }

    /// How a column is stored, or why it cannot be written exactly.
    fn spec(&self, name: String, c: &Column) -> Result<Spec, String> {
        let refuse = |why: &str| Err(format!("column '{name}' ({}): {why}", c.dtype));
        let (a, masked) = match &c.values {
            Values::Array { a, .. } => (a, false),
            Values::Masked { data, .. } => (data, true),
            Values::Categorical { .. } => {
                return refuse("a Categorical is not written to parquet yet (export as .csv)");
            }
            Values::Range { .. } => {
                return Ok(Spec {
                    name,
                    physical: Physical::INT64,
                    logical: None,
                    optional: false,
                    pandas_type: "int64".into(),
                    numpy_type: "int64".into(),
                    meta: Value::Null,
                    kind: Kind::Int64,
                });
            }
            Values::Levels(_) => return refuse("index levels are not a column"),
            Values::Unknown(why) => return refuse(&format!("{why} brine cannot read")),
        };
        let d = &a.dtype;
        let bits = (d.size * 8) as i8;
        let np = d.name();
        let int = |signed: bool| -> (Physical, Option<LogicalType>, Kind) {
            if d.size == 8 {
                (
                    Physical::INT64,
                    (!signed).then(|| LogicalType::integer(64, false)),
                    Kind::Int64,
                )
            } else {
                (
                    Physical::INT32,
                    (d.size < 4 || !signed).then(|| LogicalType::integer(bits, signed)),
                    Kind::Int32,
                )
            }
        };
        let (physical, logical, kind, pandas_type, meta, optional) = match d.kind {
            'b' => (
                Physical::BOOLEAN,
                None,
                Kind::Bool,
                "bool".to_string(),
                Value::Null,
                masked,
            ),
            'i' | 'u' if matches!(d.size, 1 | 2 | 4 | 8) => {
                let (p, l, k) = int(d.kind == 'i');
                (p, l, k, np.clone(), Value::Null, masked)
            }
            'f' if d.size == 4 => (
                Physical::FLOAT,
                None,
                Kind::Float,
                np.clone(),
                Value::Null,
                masked,
            ),
            'f' if d.size == 8 => (
                Physical::DOUBLE,
                None,
                Kind::Double,
                np.clone(),
                Value::Null,
                masked,
            ),
            'M' if !masked => {
                let unit = match d.unit.as_deref() {
                    Some("ns") => TimeUnit::NANOS,
                    Some("us") => TimeUnit::MICROS,
                    Some("ms") => TimeUnit::MILLIS,
                    u => {
                        return refuse(&format!(
                            "datetime64[{}] has no parquet timestamp unit",
                            u.unwrap_or("?")
                        ));
                    }
                };
                let tz = match &c.values {
                    Values::Array { tz, .. } => tz.clone(),
                    _ => None,
                };
                match tz.as_deref() {
                    None => (
                        Physical::INT64,
                        Some(LogicalType::timestamp(false, unit)),
                        Kind::Time,
                        "datetime".to_string(),
                        Value::Null,
                        true,
                    ),
                    Some("UTC") => (
                        Physical::INT64,
                        Some(LogicalType::timestamp(true, unit)),
                        Kind::Time,
                        "datetimetz".to_string(),
                        json!({"timezone": "UTC"}),
                        true,
                    ),
                    Some(z) => return refuse(&format!("timezone {z}: only UTC is written")),
                }
            }
            'U' if !masked => (
                Physical::BYTE_ARRAY,
                Some(LogicalType::String),
                Kind::Utf8,
                "unicode".to_string(),
                Value::Null,
                false,
            ),
            'S' if !masked => (
                Physical::BYTE_ARRAY,
                None,
                Kind::Bytes,
                "bytes".to_string(),
                Value::Null,
                false,
            ),
            'O' => (
                Physical::BYTE_ARRAY,
                Some(LogicalType::String),
                Kind::Utf8,
                "unicode".to_string(),
                Value::Null,
                true,
            ),
            _ => return refuse(&format!("numpy dtype {np} is not written to parquet")),
        };
        // The pandas dtype of the column is what pandas restores: `Int32`, `string`, `boolean`…
        let numpy_type = match (masked, c.dtype.as_str()) {
            (true, t) => t.to_string(),
            (false, "string" | "str") => c.dtype.clone(),
            (false, _) if kind == Kind::Time => {
                format!("datetime64[{}]", d.unit.as_deref().unwrap_or("ns"))
            }
            (false, _) if d.kind == 'O' || d.kind == 'U' || d.kind == 'S' => "object".into(),
            (false, _) => np.clone(),
        };
        let pandas_type = match (masked, c.dtype.as_str()) {
            (true, "boolean") => "bool".to_string(),
            (true, t) => t.to_ascii_lowercase(),
            _ => pandas_type,
        };
        Ok(Spec {
            name,
            physical,
            logical,
            optional: optional || masked,
            pandas_type,
            numpy_type,
            meta,
            kind,
        })
    }

    /// Rows `from..to` of a column as parquet values.
    fn cells(&self, spec: &Spec, v: &Values, from: u64, to: u64) -> Result<Cells, String> {
        let src = &self.p.source;
        let name = &spec.name;
        let (a, row, mask): (&ArrayView, Option<u64>, Option<&ArrayView>) = match v {
            Values::Array { a, row, .. } => (a, *row, None),
            Values::Masked { data, mask } => (data, None, Some(mask)),
            Values::Range { start, step } => {
                return Ok(Cells::I64(
                    (from..to)
                        .map(|r| {
                            i64::try_from(i128::from(*start) + i128::from(*step) * i128::from(r))
                                .ok()
                        })
                        .collect(),
                ));
            }
            _ => return Err(format!("column '{name}': values brine cannot read")),
        };
        let idx = |r: u64| match row {
            Some(k) => vec![k, r],
            None => vec![r],
        };
        let positions: Vec<Vec<u64>> = (from..to).map(idx).collect();
        let elems = a.read(src, &positions)?;
        let missing: Vec<bool> = match mask {
            Some(m) => m
                .read(src, &(from..to).map(|r| vec![r]).collect::<Vec<_>>())?
                .into_iter()
                .map(|e| matches!(e, Elem::Bool(true)))
                .collect(),
            None => vec![false; elems.len()],
        };
        let bad = |e: &Elem| format!("column '{name}': an element brine cannot write ({e:?})");
        let each = elems.iter().zip(&missing);
        Ok(match spec.kind {
            Kind::Bool => Cells::Bool(
                each.map(|(e, &m)| match e {
                    _ if m => Ok(None),
                    Elem::Bool(b) => Ok(Some(*b)),
                    e => Err(bad(e)),
                })
                .collect::<Result<_, _>>()?,
            ),
            Kind::Int32 => Cells::I32(
                each.map(|(e, &m)| match e {
                    _ if m => Ok(None),
                    // u32 is stored in INT32's bits, as parquet's UINT_32 says.
                    Elem::Int(i) => Ok(Some(*i as u32 as i32)),
                    e => Err(bad(e)),
                })
                .collect::<Result<_, _>>()?,
            ),
            Kind::Int64 => Cells::I64(
                each.map(|(e, &m)| match e {
                    _ if m => Ok(None),
                    Elem::Int(i) => Ok(Some(*i as u64 as i64)),
                    e => Err(bad(e)),
                })
                .collect::<Result<_, _>>()?,
            ),
            Kind::Time => Cells::I64(
                each.map(|(e, &m)| match e {
                    _ if m => Ok(None),
                    Elem::Time(i64::MIN) => Ok(None),
                    Elem::Time(t) => Ok(Some(*t)),
                    e => Err(bad(e)),
                })
                .collect::<Result<_, _>>()?,
            ),
            Kind::Float => Cells::F32(
                each.map(|(e, &m)| match e {
                    _ if m => Ok(None),
                    Elem::Float(f, _) => Ok(Some(*f as f32)),
                    e => Err(bad(e)),
                })
                .collect::<Result<_, _>>()?,
            ),
            Kind::Double => Cells::F64(
                each.map(|(e, &m)| match e {
                    _ if m => Ok(None),
                    Elem::Float(f, _) => Ok(Some(*f)),
                    e => Err(bad(e)),
                })
                .collect::<Result<_, _>>()?,
            ),
            Kind::Utf8 | Kind::Bytes => Cells::Bytes(
                each.map(|(e, &m)| match e {
                    _ if m => Ok(None),
                    Elem::Str(s) => Ok(Some(ByteArray::from(s.as_str()))),
                    Elem::Bytes(b) => Ok(Some(ByteArray::from(b.clone()))),
                    Elem::Object(id) => self.object_text(*id).map_err(|t| {
                        format!("column '{name}' holds a {t}: only text and None are written")
                    }),
                    e => Err(bad(e)),
                })
                .collect::<Result<_, _>>()?,
            ),
        })
    }

    /// An object column's item as text, `None` for None / pd.NA, else its type.
    fn object_text(&self, id: crate::pickle::NodeId) -> Result<Option<ByteArray>, String> {
        let p = self.p;
        match p.node(id).kind {
            NodeKind::Str => Ok(Some(ByteArray::from(
                p.text(id).unwrap_or_default().as_str(),
            ))),
            NodeKind::None => Ok(None),
            NodeKind::Global | NodeKind::StackGlobal => {
                match crate::session::names::global_name(p, id) {
                    Some(q) if q.name == "NA" && q.module.starts_with("pandas") => Ok(None),
                    _ => Err(self.type_of(id).as_str().to_string()),
                }
            }
            _ => Err(self.type_of(id).as_str().to_string()),
        }
    }
}

fn write_cells(
    cw: &mut parquet::file::writer::SerializedColumnWriter<'_>,
    cells: Cells,
    optional: bool,
) -> Result<(), parquet::errors::ParquetError> {
    fn split<T>(v: Vec<Option<T>>, optional: bool) -> (Vec<T>, Option<Vec<i16>>) {
        let defs = optional.then(|| v.iter().map(|x| i16::from(x.is_some())).collect());
        (v.into_iter().flatten().collect(), defs)
    }
    macro_rules! put {
        ($ty:ty, $v:expr) => {{
            let (vals, defs) = split($v, optional);
            cw.typed::<$ty>()
                .write_batch(&vals, defs.as_deref(), None)?;
        }};
    }
    match cells {
        Cells::Bool(v) => put!(BoolType, v),
        Cells::I32(v) => put!(Int32Type, v),
        Cells::I64(v) => put!(Int64Type, v),
        Cells::F32(v) => put!(FloatType, v),
        Cells::F64(v) => put!(DoubleType, v),
        Cells::Bytes(v) => put!(ByteArrayType, v),
    }
    Ok(())
}
