//! Data rescue without Python: an ndarray as `.npy` (header from its dtype,
//! shape and order, element bytes copied as they are, streamed), a DataFrame or
//! Series as `.csv` or `.parquet` (`export/parquet.rs`), plain data (dict/list/tuple/str/int/float/bool/None,
//! datetime, Decimal) as `.json`. What cannot be exported statically gets one
//! line naming its type, never a guess. Never runs the pickle.

use std::io::Write;

use serde_json::{Map, Value};

use crate::pickle::text::Scalar;
use crate::pickle::{Budget, Meter, NodeId, NodeKind};
use crate::session::Describer;
use crate::session::ndarray::{ArrayView, Data};
use crate::session::pandas::{Table, TableKind};

mod parquet;

/// Most nesting followed when writing JSON.
const MAX_DEPTH: u32 = 200;
/// Bytes copied at a time for `.npy`.
const CHUNK: u64 = 1 << 20;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Npy,
    Csv,
    Parquet,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "npy" => Some(Format::Npy),
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Json => "json",
        }
    }
}

impl Describer<'_> {
    /// The format a value exports to when none is asked for; an error line naming its type otherwise.
    pub fn export_format(&self, id: NodeId) -> Result<Format, String> {
        if self.ndarray(id).is_some() {
            return Ok(Format::Npy);
        }
        if self.pandas(id).is_some() {
            return Ok(Format::Csv);
        }
        self.to_json(id).map(|_| Format::Json)
    }

    /// Writes a value in a format, or says in one line why it cannot.
    pub fn export(&self, id: NodeId, format: Format, out: &mut dyn Write) -> Result<(), String> {
        let ty = self.type_of(id);
        let what = ty.as_str().trim_start_matches("? ");
        match format {
            Format::Npy => match self.ndarray(id) {
                Some(a) => self.write_npy(&a?, out),
                None => Err(format!(
                    "{what} is not an ndarray: cannot be written as .npy"
                )),
            },
            Format::Csv => match self.pandas(id) {
                Some(t) => {
                    let t = t?;
                    t.rows_backed()?;
                    self.write_csv(&t, out)
                }
                None => Err(format!(
                    "{what} is not a DataFrame or Series: cannot be written as .csv"
                )),
            },
            Format::Parquet => match self.pandas(id) {
                Some(t) => {
                    let t = t?;
                    t.rows_backed()?;
                    self.write_parquet(&t, out)
                }
                None => Err(format!(
                    "{what} is not a DataFrame or Series: cannot be written as .parquet"
                )),
            },
            Format::Json => {
                let v = self.to_json(id)?;
                serde_json::to_writer_pretty(&mut *out, &v).map_err(|e| e.to_string())?;
                out.write_all(b"\n").map_err(|e| e.to_string())
            }
        }
    }

    fn write_npy(&self, a: &ArrayView, out: &mut dyn Write) -> Result<(), String> {
        let Data::Bytes(bytes) = &a.data else {
            return Err(
                "an object array holds Python objects: cannot be written as .npy without pickle"
                    .into(),
            );
        };
        let d = &a.dtype;
        let order = if d.big_endian {
            '>'
        } else if d.size == 1 || matches!(d.kind, 'S' | 'b') {
            '|'
        } else {
            '<'
        };
        let unit = d
            .unit
            .as_ref()
            .map(|u| format!("[{u}]"))
            .unwrap_or_default();
        let size = if d.kind == 'U' { d.size / 4 } else { d.size };
        let descr = format!("{order}{}{size}{unit}", d.kind);
        let shape = match a.shape.as_slice() {
            [n] => format!("({n},)"),
            s => format!(
                "({})",
                s.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let fortran = if a.fortran && a.shape.len() > 1 {
            "True"
        } else {
            "False"
        };
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
        // Magic (6) + version (2) + length (2) + header + '\n' padded to a multiple of 64.
        let total = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - total % 64) % 64));
        header.push('\n');
        let w = |e: std::io::Error| e.to_string();
        out.write_all(b"\x93NUMPY\x01\x00").map_err(w)?;
        out.write_all(&(header.len() as u16).to_le_bytes())
            .map_err(w)?;
        out.write_all(header.as_bytes()).map_err(w)?;
        let n = a.nbytes();
        let mut off = 0;
        while off < n {
            let len = CHUNK.min(n - off);
            let chunk = a.raw(&self.p.source, bytes, off, len)?;
            out.write_all(&chunk).map_err(w)?;
            off += len;
        }
        Ok(())
    }

    fn write_csv(&self, t: &Table, out: &mut dyn Write) -> Result<(), String> {
        if t.kind == TableKind::Index {
            return Err("an Index alone has no table: export the DataFrame or Series".into());
        }
        if let Some(i) = &t.index
            && matches!(
                i.columns.first().map(|c| &c.values),
                Some(crate::session::pandas::Values::Levels(_))
            )
        {
            return Err("a MultiIndex row index: brine does not write it to CSV yet".into());
        }
        for c in &t.columns {
            if let crate::session::pandas::Values::Unknown(why) = &c.values {
                return Err(format!(
                    "column '{}' ({}): {why} brine cannot read",
                    c.name, c.dtype
                ));
            }
        }
        let w = |e: std::io::Error| e.to_string();
        let index_name = t
            .index
            .as_ref()
            .and_then(|i| i.name.clone())
            .unwrap_or_default();
        let mut head = vec![csv_field(&index_name)];
        match t.kind {
            TableKind::Series => head.push(csv_field(t.name.as_deref().unwrap_or("0"))),
            _ => head.extend(t.columns.iter().map(|c| csv_field(&c.name))),
        }
        writeln!(out, "{}", head.join(",")).map_err(w)?;
        for r in 0..t.rows {
            let mut row = Vec::with_capacity(t.columns.len() + 1);
            row.push(csv_field(
                &t.index
                    .as_ref()
                    .map_or_else(|| r.to_string(), |i| i.cell(self, 0, r)),
            ));
            for c in 0..t.columns.len() {
                let s = t.cell(self, c, r);
                // pandas writes missing values as empty fields.
                let s = if matches!(s.as_str(), "nan" | "None" | "NaT" | "<NA>") {
                    String::new()
                } else {
                    s
                };
                row.push(csv_field(&s));
            }
            writeln!(out, "{}", row.join(",")).map_err(w)?;
        }
        Ok(())
    }

    /// Plain data as JSON; an error line naming the first value that is not plain.
    /// Shared references are written out each time they occur (JSON has no
    /// references), so the walk runs on the file's [`Budget`]: a small file that
    /// expands without end meets a limit with a message, not the OOM killer.
    pub fn to_json(&self, id: NodeId) -> Result<Value, String> {
        let meter = Meter::new(Budget::for_input(self.p.source.len()));
        self.json_of(id, 0, &meter)
    }

    fn json_of(&self, id: NodeId, depth: u32, meter: &Meter) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH}: not exported"));
        }
        meter.nodes(1).map_err(|e| e.to_string())?;
        let p = self.p;
        let node = p.node(id);
        match node.kind {
            NodeKind::None | NodeKind::Bool | NodeKind::Int | NodeKind::Float | NodeKind::Str => {
                let max = p.payload_span(id).map_or(4096, |s| s.1);
                match p.scalar(id, max) {
                    Some(Scalar::None) => Ok(Value::Null),
                    Some(Scalar::Bool(b)) => Ok(Value::Bool(b)),
                    Some(Scalar::Int(i)) => Ok(Value::from(i)),
                    Some(Scalar::BigInt(s)) => serde_json::from_str(&s)
                        .map_err(|_| format!("int {s} cannot be written as JSON")),
                    Some(Scalar::Float(f)) => serde_json::Number::from_f64(f)
                        .map(Value::Number)
                        .ok_or_else(|| {
                            format!(
                                "float {} has no JSON form",
                                crate::session::pyrepr::float(f)
                            )
                        }),
                    Some(Scalar::Str { text, .. }) => {
                        meter.output(text.len() as u64).map_err(|e| e.to_string())?;
                        Ok(Value::String(text))
                    }
                    _ => Err("an unreadable scalar".into()),
                }
            }
            NodeKind::List => self
                .seq_items(id)
                .into_iter()
                .map(|v| self.json_of(v, depth + 1, meter))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            NodeKind::Tuple => p
                .items(id)
                .iter()
                .map(|&v| self.json_of(v, depth + 1, meter))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            NodeKind::Dict => {
                let mut m = Map::new();
                for (k, v) in self.dict_items(id) {
                    let key = match p.node(k).kind {
                        NodeKind::Str => p.text(k).unwrap_or_default(),
                        _ => {
                            return Err(format!(
                                "a dict key of type {} has no JSON form",
                                self.type_of(k).as_str()
                            ));
                        }
                    };
                    m.insert(key, self.json_of(v, depth + 1, meter)?);
                }
                Ok(Value::Object(m))
            }
            _ => {
                let t = self.type_of(id);
                match t.as_str() {
                    "datetime.datetime" | "datetime.date" | "datetime.time" => {
                        let pv = self.preview(id, 200);
                        iso_from_preview(&pv)
                            .map(Value::String)
                            .ok_or_else(|| format!("{} {pv}: not exported", t.as_str()))
                    }
                    "decimal.Decimal" => {
                        let arg = self.args(id).first().copied();
                        arg.and_then(|a| p.text(a))
                            .map(Value::String)
                            .ok_or_else(|| "a Decimal brine cannot read".into())
                    }
                    other => Err(format!(
                        "{} cannot be exported statically",
                        other.trim_start_matches("? ")
                    )),
                }
            }
        }
    }
}

/// `datetime.datetime(2024, 1, 2, 3, 4)` → `2024-01-02T03:04:00`.
fn iso_from_preview(pv: &str) -> Option<String> {
    let (kind, rest) = pv.split_once('(')?;
    let nums: Vec<u32> = rest
        .trim_end_matches(')')
        .split(", ")
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let g = |i: usize| nums.get(i).copied().unwrap_or(0);
    Some(match kind {
        "datetime.date" => format!("{:04}-{:02}-{:02}", g(0), g(1), g(2)),
        "datetime.time" => format!("{:02}:{:02}:{:02}", g(0), g(1), g(2)),
        _ => {
            let mut s = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                g(0),
                g(1),
                g(2),
                g(3),
                g(4),
                g(5)
            );
            if g(6) != 0 {
                s.push_str(&format!(".{:06}", g(6)));
            }
            s
        }
    })
}

/// A CSV field, quoted when it holds a separator, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
