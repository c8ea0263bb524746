//! `repr(array)` as numpy prints it with its default options (linewidth 75,
//! precision 8, threshold 1000, edgeitems 3, floatmode 'maxprec'): the same
//! choice of positional or scientific notation, padding, wrapping and `...`
//! summaries, from the few elements shown. Mirrors numpy's arrayprint.py;
//! never formats more than the edges of a large array.

use super::{ArrayView, Elem};
use crate::pickle::Source;
use crate::session::Describer;

const LINEWIDTH: usize = 75;
const PRECISION: usize = 8;
const THRESHOLD: u64 = 1000;
const EDGE: u64 = 3;
/// Most elements one repr formats (numpy prints all of a 2×2×…×2 array; brine stops here).
const MAX_SHOWN: u64 = 1 << 20;

/// Indices kept along one axis: all, or the edges with a gap.
fn kept(n: u64, summarise: bool) -> Vec<u64> {
    if summarise && n > 2 * EDGE {
        (0..EDGE).chain(n - EDGE..n).collect()
    } else {
        (0..n).collect()
    }
}

/// Every C-order multi-index of the shown part of an array.
pub fn shown_indices(shape: &[u64], summarise: bool) -> Vec<Vec<u64>> {
    let axes: Vec<Vec<u64>> = shape.iter().map(|&n| kept(n, summarise)).collect();
    let mut out = vec![Vec::new()];
    for axis in &axes {
        let mut next = Vec::with_capacity(out.len() * axis.len());
        for prefix in &out {
            for &i in axis {
                let mut v = prefix.clone();
                v.push(i);
                next.push(v);
            }
        }
        out = next;
    }
    out
}

/// How many elements `shown_indices` would list (without listing them).
pub fn shown_indices_count(shape: &[u64], summarise: bool) -> u64 {
    shape
        .iter()
        .map(|&n| {
            if summarise && n > 2 * EDGE {
                2 * EDGE
            } else {
                n
            }
        })
        .try_fold(1u64, |a, n| a.checked_mul(n))
        .unwrap_or(u64::MAX)
}

/// Shortest round-trip digits of `x` in its own float type: (digits, decimal exponent).
fn shortest(x: f64, size: u8) -> (String, i32) {
    let sci = match size {
        4 => format!("{:e}", (x as f32).abs()),
        2 => {
            let bits = super::f64_to_f16(x);
            let mut found = format!("{:e}", x.abs());
            for p in 0..6 {
                let s = format!("{:.p$e}", x.abs());
                if s.parse::<f64>().is_ok_and(|v| super::f64_to_f16(v) == bits) {
                    found = s;
                    break;
                }
            }
            found
        }
        _ => format!("{:e}", x.abs()),
    };
    split_sci(&sci)
}

fn split_sci(sci: &str) -> (String, i32) {
    let (m, e) = sci.split_once('e').unwrap_or((sci, "0"));
    let mut digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, e.parse().unwrap_or(0))
}

/// dragon4_positional(x, precision=8, unique=True, trim='.'): (int part with sign, fraction).
fn positional(x: f64, size: u8, sign_plus: bool) -> (String, String) {
    let neg = x.is_sign_negative();
    let (digits, e) = shortest(x, size);
    let n = digits.len() as i32;
    let (int, frac) = if x == 0.0 {
        ("0".to_string(), String::new())
    } else if n - 1 - e > PRECISION as i32 {
        let s = format!("{:.*}", PRECISION, x.abs());
        let (a, b) = s.split_once('.').unwrap_or((&s, ""));
        (a.to_string(), b.trim_end_matches('0').to_string())
    } else if e >= 0 {
        let e = e as usize;
        if digits.len() > e + 1 {
            (digits[..e + 1].to_string(), digits[e + 1..].to_string())
        } else {
            (
                format!("{digits}{}", "0".repeat(e + 1 - digits.len())),
                String::new(),
            )
        }
    } else {
        (
            "0".into(),
            format!("{}{digits}", "0".repeat((-e - 1) as usize)),
        )
    };
    let sign = if neg {
        "-"
    } else if sign_plus {
        "+"
    } else {
        ""
    };
    (format!("{sign}{int}"), frac)
}

/// dragon4_scientific(x, precision=8, unique=True): (int digit with sign, fraction, exponent).
fn scientific(x: f64, size: u8, sign_plus: bool) -> (String, String, i32) {
    let neg = x.is_sign_negative();
    let (mut digits, mut e) = shortest(x, size);
    if x == 0.0 {
        digits = "0".into();
        e = 0;
    } else if digits.len() > PRECISION + 1 {
        let (d, e2) = split_sci(&format!("{:.*e}", PRECISION, x.abs()));
        digits = d;
        e = e2;
    }
    let sign = if neg {
        "-"
    } else if sign_plus {
        "+"
    } else {
        ""
    };
    (
        format!("{sign}{}", &digits[..1]),
        digits[1..].to_string(),
        e,
    )
}

/// numpy's FloatingFormat, fitted to the shown values.
struct FloatFormat {
    exp: bool,
    pad_left: usize,
    pad_right: usize,
    precision: usize,
    exp_size: usize,
    sign_plus: bool,
}

impl FloatFormat {
    fn new(values: &[f64], size: u8, sign_plus: bool) -> FloatFormat {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let nz: Vec<f64> = finite
            .iter()
            .map(|v| v.abs())
            .filter(|&v| v != 0.0)
            .collect();
        let mut exp = false;
        if !nz.is_empty() {
            let max = nz.iter().copied().fold(f64::MIN, f64::max);
            let min = nz.iter().copied().fold(f64::MAX, f64::min);
            exp = max >= 1e8 || min < 0.0001 || max / min > 1000.0;
        }
        let mut f = FloatFormat {
            exp,
            pad_left: 0,
            pad_right: 0,
            precision: PRECISION,
            exp_size: 0,
            sign_plus,
        };
        if finite.is_empty() {
            f.exp = false;
        } else if exp {
            let parts: Vec<(String, String, i32)> = finite
                .iter()
                .map(|&x| scientific(x, size, sign_plus))
                .collect();
            f.exp_size = parts
                .iter()
                .map(|p| p.2.unsigned_abs().to_string().len().max(2))
                .max()
                .unwrap_or(2);
            f.precision = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
            f.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(0);
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            let parts: Vec<(String, String)> = finite
                .iter()
                .map(|&x| positional(x, size, sign_plus))
                .collect();
            f.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(0);
            f.pad_right = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
        }
        if finite.len() != values.len() {
            let neginf = sign_plus || values.iter().any(|v| v.is_infinite() && *v < 0.0);
            let offset = f.pad_right + 1;
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + usize::from(neginf)).saturating_sub(offset));
        }
        f
    }

    fn format(&self, x: f64, size: u8) -> String {
        if !x.is_finite() {
            let r = if x.is_nan() {
                if self.sign_plus { "+nan" } else { "nan" }.to_string()
            } else if x < 0.0 {
                "-inf".into()
            } else if self.sign_plus {
                "+inf".into()
            } else {
                "inf".into()
            };
            let w = self.pad_left + self.pad_right + 1;
            return format!("{r:>w$}");
        }
        if self.exp {
            let (int, mut frac, e) = scientific(x, size, self.sign_plus);
            while frac.len() < self.precision {
                frac.push('0');
            }
            let es = if e < 0 { '-' } else { '+' };
            let ed = format!("{:0w$}", e.unsigned_abs(), w = self.exp_size);
            format!("{int:>pl$}.{frac}e{es}{ed}", pl = self.pad_left)
        } else {
            let (int, frac) = positional(x, size, self.sign_plus);
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

/// Days since 1970-01-01 as (year, month, day) in the proleptic Gregorian calendar.
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `numpy.datetime_as_string(x, unit)` for a count of `unit`s since the epoch.
pub fn datetime_text(v: i64, unit: &str) -> String {
    if v == i64::MIN {
        return "NaT".into();
    }
    let per_day: Option<(i128, usize)> = match unit {
        "h" => Some((24, 0)),
        "m" => Some((1440, 0)),
        "s" => Some((86_400, 0)),
        "ms" => Some((86_400_000, 3)),
        "us" => Some((86_400_000_000, 6)),
        "ns" => Some((86_400_000_000_000, 9)),
        _ => None,
    };
    match unit {
        "Y" => return format!("{}", 1970 + v),
        "M" => {
            let y = 1970 + v.div_euclid(12);
            return format!("{y}-{:02}", v.rem_euclid(12) + 1);
        }
        "W" | "D" => {
            let days = if unit == "W" { v.saturating_mul(7) } else { v };
            let (y, m, d) = civil(days);
            return format!("{y:04}-{m:02}-{d:02}");
        }
        _ => {}
    }
    let Some((per, digits)) = per_day else {
        return format!("{v} {unit}");
    };
    let v = i128::from(v);
    let days = v.div_euclid(per) as i64;
    let rest = v.rem_euclid(per);
    let (y, mo, d) = civil(days);
    let date = format!("{y:04}-{mo:02}-{d:02}");
    let sub = 10i128.pow(digits as u32);
    let secs = rest / sub;
    let frac = rest % sub;
    match unit {
        "h" => format!("{date}T{:02}", rest),
        "m" => format!("{date}T{:02}:{:02}", rest / 60, rest % 60),
        _ => {
            let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
            if digits == 0 {
                format!("{date}T{h:02}:{m:02}:{s:02}")
            } else {
                format!("{date}T{h:02}:{m:02}:{s:02}.{frac:0digits$}")
            }
        }
    }
}

/// The format function numpy picks for the shown elements.
enum Fmt {
    Bool,
    Int(usize),
    Float(FloatFormat),
    Complex(FloatFormat, FloatFormat),
    Datetime(usize, String),
    Timedelta(usize),
    Repr,
}

impl Describer<'_> {
    /// `repr(array)` as numpy would print it, reading only the shown elements.
    pub fn ndarray_repr(&self, a: &ArrayView, src: &Source) -> Result<String, String> {
        let size = a.size();
        let summarise = size > THRESHOLD;
        if shown_indices_count(&a.shape, summarise) > MAX_SHOWN {
            return Err(format!(
                "{} elements would be shown: too many to format",
                shown_indices_count(&a.shape, summarise)
            ));
        }
        let indices = shown_indices(&a.shape, summarise);
        let elems = a.read(src, &indices)?;
        let fmt = self.fit(a, &elems);
        let strs: Vec<String> = elems.iter().map(|e| self.fmt_elem(&fmt, e)).collect();
        let prefix = "array(";
        let body = if a.shape.is_empty() {
            strs.first().cloned().unwrap_or_default()
        } else if size == 0 {
            "[]".to_string()
        } else {
            let mut pos = 0usize;
            let line_width = LINEWIDTH - 1;
            let hanging = " ".repeat(prefix.len() + 1);
            recurse(
                &a.shape, 0, &strs, &mut pos, &hanging, line_width, summarise,
            )
        };
        let mut extras = Vec::new();
        if (size == 0 && a.shape.as_slice() != [0]) || (a.numpy2 == Some(true) && size > THRESHOLD)
        {
            extras.push(format!("shape={}", super::shape_text(&a.shape)));
        }
        if !a.dtype.implied() || size == 0 {
            extras.push(format!("dtype={}", a.dtype.repr_arg()));
        }
        if extras.is_empty() {
            return Ok(format!("{prefix}{body})"));
        }
        let arr = format!("{prefix}{body},");
        let extra = format!("{})", extras.join(", "));
        let last = arr.len() - arr.rfind('\n').map_or(0, |i| i + 1);
        let last = arr[arr.len() - last..].chars().count();
        let spacer = if last + extra.len() + 1 > LINEWIDTH {
            format!("\n{}", " ".repeat(prefix.len()))
        } else {
            " ".into()
        };
        Ok(format!("{arr}{spacer}{extra}"))
    }

    fn fit(&self, a: &ArrayView, elems: &[Elem]) -> Fmt {
        match a.dtype.kind {
            'b' => Fmt::Bool,
            'i' | 'u' => {
                let w = elems
                    .iter()
                    .map(|e| match e {
                        Elem::Int(i) => i.to_string().len(),
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0);
                Fmt::Int(w)
            }
            'f' => {
                let v: Vec<f64> = elems
                    .iter()
                    .filter_map(|e| match e {
                        Elem::Float(x, _) => Some(*x),
                        _ => None,
                    })
                    .collect();
                Fmt::Float(FloatFormat::new(&v, a.dtype.size as u8, false))
            }
            'c' => {
                let (re, im): (Vec<f64>, Vec<f64>) = elems
                    .iter()
                    .filter_map(|e| match e {
                        Elem::Complex(r, i, _) => Some((*r, *i)),
                        _ => None,
                    })
                    .unzip();
                let h = a.dtype.size as u8 / 2;
                Fmt::Complex(
                    FloatFormat::new(&re, h, false),
                    FloatFormat::new(&im, h, true),
                )
            }
            'M' => {
                let unit = a.dtype.unit.clone().unwrap_or_default();
                let mut w = elems
                    .iter()
                    .filter_map(|e| match e {
                        Elem::Time(t) if *t != i64::MIN => Some(datetime_text(*t, &unit).len() + 2),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0);
                if elems.contains(&Elem::Time(i64::MIN)) {
                    w = w.max(5);
                }
                Fmt::Datetime(w, unit)
            }
            'm' => {
                let mut w = elems
                    .iter()
                    .filter_map(|e| match e {
                        Elem::Time(t) if *t != i64::MIN => Some(t.to_string().len()),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0);
                if elems.contains(&Elem::Time(i64::MIN)) {
                    w = w.max(5);
                }
                Fmt::Timedelta(w)
            }
            _ => Fmt::Repr,
        }
    }

    fn fmt_elem(&self, f: &Fmt, e: &Elem) -> String {
        match (f, e) {
            (Fmt::Bool, Elem::Bool(b)) => if *b { " True" } else { "False" }.into(),
            (Fmt::Int(w), Elem::Int(i)) => format!("{i:>w$}"),
            (Fmt::Float(ff), Elem::Float(x, s)) => ff.format(*x, *s),
            (Fmt::Complex(r, i), Elem::Complex(re, im, s)) => {
                let rs = r.format(*re, *s);
                let is = i.format(*im, *s);
                let sp = is.trim_end().len();
                format!("{rs}{}j{}", &is[..sp], " ".repeat(is.len() - sp))
            }
            (Fmt::Datetime(w, unit), Elem::Time(t)) => {
                let s = if *t == i64::MIN {
                    "'NaT'".to_string()
                } else {
                    format!("'{}'", datetime_text(*t, unit))
                };
                format!("{s:>w$}")
            }
            (Fmt::Timedelta(w), Elem::Time(t)) => {
                let s = if *t == i64::MIN {
                    "'NaT'".to_string()
                } else {
                    t.to_string()
                };
                format!("{s:>w$}")
            }
            (_, Elem::Object(id)) => self.object_elem_repr(*id),
            (_, Elem::Bytes(b)) => crate::session::pyrepr::bytes(b, 200),
            (_, Elem::Str(s)) => crate::session::pyrepr::str(s, 200),
            _ => "?".into(),
        }
    }

    /// An object array's element as numpy shows it (`list([3])` for lists).
    fn object_elem_repr(&self, id: crate::pickle::NodeId) -> String {
        let r = self.preview(id, 60);
        match self.p.node(id).kind {
            crate::pickle::NodeKind::List => format!("list({r})"),
            _ => r,
        }
    }
}

/// numpy's _formatArray: nested brackets, wrapping the last axis at the line width.
fn recurse(
    shape: &[u64],
    axis: usize,
    strs: &[String],
    pos: &mut usize,
    hanging: &str,
    width: usize,
    summarise: bool,
) -> String {
    let n = shape[axis];
    let left = shape.len() - axis;
    let next_hanging = format!("{hanging} ");
    let next_width = width - 1;
    let show_summary = summarise && n > 2 * EDGE;
    let count = if show_summary { 2 * EDGE } else { n };
    let mut s = String::new();
    if left == 1 {
        let elem_width = width - 1; // max(len(', '.rstrip()), len(']'))
        let mut line = hanging.to_string();
        for k in 0..count {
            if show_summary && k == EDGE {
                extend(&mut s, &mut line, "...", elem_width, hanging);
                line.push_str(", ");
            }
            let word = &strs[*pos];
            *pos += 1;
            extend(&mut s, &mut line, word, elem_width, hanging);
            if k + 1 < count {
                line.push_str(", ");
            }
        }
        s.push_str(&line);
    } else {
        let sep = format!(",{}", "\n".repeat(left - 1));
        for k in 0..count {
            if show_summary && k == EDGE {
                s.push_str(hanging);
                s.push_str("...");
                s.push_str(&sep);
            }
            let nested = recurse(
                shape,
                axis + 1,
                strs,
                pos,
                &next_hanging,
                next_width,
                summarise,
            );
            s.push_str(hanging);
            s.push_str(&nested);
            if k + 1 < count {
                s.push_str(&sep);
            }
        }
    }
    format!("[{}]", &s[hanging.len()..])
}

fn extend(s: &mut String, line: &mut String, word: &str, width: usize, hanging: &str) {
    let wl = line.chars().count();
    let needs_wrap = wl + word.chars().count() > width && wl > hanging.len();
    if needs_wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = hanging.to_string();
    }
    line.push_str(word);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_pick_notation_and_padding_like_numpy() {
        let f = FloatFormat::new(&[0.0, 1.0 / 3.0, 1.0], 8, false);
        assert_eq!(f.format(1.0 / 3.0, 8), "0.33333333");
        assert_eq!(f.format(1.0, 8), "1.        ");
        let f = FloatFormat::new(&[1e-5, 1e8, 3.0], 8, false);
        assert_eq!(f.format(1e8, 8), "1.e+08");
        let f = FloatFormat::new(&[1.0, f64::NAN, f64::NEG_INFINITY, 2.5], 8, false);
        assert_eq!(f.format(f64::NAN, 8), " nan");
        assert_eq!(f.format(1.0, 8), " 1. ");
    }

    #[test]
    fn datetimes_print_in_their_unit() {
        assert_eq!(datetime_text(19723, "D"), "2024-01-01");
        assert_eq!(datetime_text(0, "s"), "1970-01-01T00:00:00");
        assert_eq!(datetime_text(-1, "ms"), "1969-12-31T23:59:59.999");
        assert_eq!(datetime_text(i64::MIN, "ns"), "NaT");
    }
}
