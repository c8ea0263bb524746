//! min / max / mean / NaN count of a numeric array, streamed over its bytes in
//! 1 MiB reads (never the whole array in memory). NaN is left out of min, max
//! and mean, as numpy's nanmin/nanmax/nanmean do; the mean is summed in float64
//! in numpy's own pairwise order (blocks of 128, eight accumulators), so it
//! equals numpy's to the last bit for arrays read in memory order.

use super::{ArrayView, Bytes, Data, Elem};
use crate::pickle::Source;

/// Bytes read at a time.
const CHUNK: u64 = 1 << 20;

/// What streaming over an array found.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub count: u64,
    pub nan_count: u64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Exact extremes of integer arrays.
    pub int_min: Option<i128>,
    pub int_max: Option<i128>,
    /// Mean of the non-NaN values (NaN when there are none).
    pub mean: f64,
}

impl Stats {
    /// `min … max … mean … NaN …` in one line.
    pub fn line(&self) -> String {
        let f = |x: Option<f64>| x.map_or("?".to_string(), crate::session::pyrepr::float);
        let min = self.int_min.map_or_else(|| f(self.min), |i| i.to_string());
        let max = self.int_max.map_or_else(|| f(self.max), |i| i.to_string());
        format!(
            "min {min}  max {max}  mean {}  NaN {}",
            crate::session::pyrepr::float(self.mean),
            self.nan_count
        )
    }
}

/// Decoded float64 values pulled from the array bytes in memory order.
struct Reader<'a> {
    a: &'a ArrayView,
    src: &'a Source,
    bytes: &'a Bytes,
    next_off: u64,
    end: u64,
    buf: Vec<f64>,
    at: usize,
    raw: Vec<u8>,
    st: Stats,
    err: Option<String>,
}

impl Reader<'_> {
    fn refill(&mut self) {
        let size = self.a.dtype.size as u64;
        let want = (CHUNK / size * size).min(self.end - self.next_off);
        self.buf.clear();
        self.at = 0;
        if want == 0 {
            return;
        }
        match self.bytes {
            Bytes::Span(start, _) => {
                self.raw.resize(want as usize, 0);
                match self.src.read_at(start + self.next_off, &mut self.raw) {
                    Ok(n) if n as u64 == want => {}
                    Ok(n) => {
                        self.err = Some(format!("the array's bytes end early ({n} of {want})"));
                        return;
                    }
                    Err(e) => {
                        self.err = Some(format!("cannot read the array's bytes: {e}"));
                        return;
                    }
                }
            }
            Bytes::Owned(v) => {
                self.raw.clear();
                self.raw
                    .extend_from_slice(&v[self.next_off as usize..(self.next_off + want) as usize]);
            }
        }
        self.next_off += want;
        let d = &self.a.dtype;
        let st = &mut self.st;
        let mut push = |x: f64, buf: &mut Vec<f64>| {
            if x.is_nan() {
                st.nan_count += 1;
                buf.push(0.0);
            } else {
                st.min = Some(st.min.map_or(x, |m| m.min(x)));
                st.max = Some(st.max.map_or(x, |m| m.max(x)));
                buf.push(x);
            }
        };
        match (d.kind, d.size, d.big_endian) {
            ('f', 8, false) => {
                for c in self.raw.chunks_exact(8) {
                    let x = f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
                    push(x, &mut self.buf);
                }
            }
            ('f', 4, false) => {
                for c in self.raw.chunks_exact(4) {
                    push(
                        f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                        &mut self.buf,
                    );
                }
            }
            _ => {
                for c in self.raw.chunks_exact(d.size) {
                    match self.a.decode(c) {
                        Elem::Float(x, _) => push(x, &mut self.buf),
                        Elem::Int(i) => {
                            st.int_min = Some(st.int_min.map_or(i, |m| m.min(i)));
                            st.int_max = Some(st.int_max.map_or(i, |m| m.max(i)));
                            push(i as f64, &mut self.buf);
                        }
                        Elem::Bool(b) => {
                            let i = i128::from(b);
                            st.int_min = Some(st.int_min.map_or(i, |m| m.min(i)));
                            st.int_max = Some(st.int_max.map_or(i, |m| m.max(i)));
                            push(f64::from(u8::from(b)), &mut self.buf);
                        }
                        _ => push(f64::NAN, &mut self.buf),
                    }
                }
            }
        }
    }

    /// The next `k` values (k ≤ 128), copied into `out`.
    fn take(&mut self, k: usize, out: &mut [f64; 128]) {
        let mut got = 0;
        while got < k {
            if self.at == self.buf.len() {
                self.refill();
                if self.buf.is_empty() {
                    // Ran short (already reported): pad with zeros so the sum stays finite.
                    out[got..k].iter_mut().for_each(|x| *x = 0.0);
                    return;
                }
            }
            let n = (k - got).min(self.buf.len() - self.at);
            out[got..got + n].copy_from_slice(&self.buf[self.at..self.at + n]);
            self.at += n;
            got += n;
        }
    }

    /// numpy's pairwise_sum over the next `n` values.
    fn pairwise(&mut self, n: u64) -> f64 {
        let mut b = [0f64; 128];
        if n < 8 {
            self.take(n as usize, &mut b);
            let mut res = 0.0;
            for &x in &b[..n as usize] {
                res += x;
            }
            res
        } else if n <= 128 {
            let n = n as usize;
            self.take(n, &mut b);
            let mut r = [0f64; 8];
            r.copy_from_slice(&b[..8]);
            let mut i = 8;
            while i < n - n % 8 {
                for j in 0..8 {
                    r[j] += b[i + j];
                }
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            while i < n {
                res += b[i];
                i += 1;
            }
            res
        } else {
            let mut n2 = n / 2;
            n2 -= n2 % 8;
            let a = self.pairwise(n2);
            a + self.pairwise(n - n2)
        }
    }
}

/// Streams over a numeric array's bytes; `None` for arrays that are not numeric.
pub fn stats(a: &ArrayView, src: &Source) -> Option<Result<Stats, String>> {
    if !a.dtype.is_numeric() {
        return None;
    }
    let Data::Bytes(bytes) = &a.data else {
        return None;
    };
    let count = a.size();
    let mut r = Reader {
        a,
        src,
        bytes,
        next_off: 0,
        end: a.nbytes(),
        buf: Vec::new(),
        at: 0,
        raw: Vec::new(),
        st: Stats {
            count,
            nan_count: 0,
            min: None,
            max: None,
            int_min: None,
            int_max: None,
            mean: f64::NAN,
        },
        err: None,
    };
    let sum = if count == 0 { 0.0 } else { r.pairwise(count) };
    if let Some(e) = r.err {
        return Some(Err(e));
    }
    let mut st = r.st;
    let n = count - st.nan_count;
    st.mean = if n == 0 { f64::NAN } else { sum / n as f64 };
    Some(Ok(st))
}
