//! Explicit bounds on the work one command may do for one input: ops processed,
//! nodes created, output bytes, and a wall-clock deadline as the last resort.
//! The defaults grow with the input's size, so a legitimate file of any size
//! fits and a hostile one (a tiny file that expands to a huge walk) meets a
//! limit with a message instead of the OOM killer. `--budget` / `BRINE_BUDGET`
//! scales them for huge legitimate files.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Ops,
    Nodes,
    Output,
    Time,
}

impl Resource {
    fn unit(self) -> &'static str {
        match self {
            Resource::Ops => "ops",
            Resource::Nodes => "nodes",
            Resource::Output => "bytes of output",
            Resource::Time => "seconds",
        }
    }
}

/// A budget that was exceeded: which one, its limit, and the input it was sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "analysis limit reached: more than {limit} {} for a {} file (--budget N or BRINE_BUDGET=N multiplies the limits by N)",
    .what.unit(),
    crate::text::human_size(*.input)
)]
pub struct Exceeded {
    pub what: Resource,
    pub limit: u64,
    pub input: u64,
}

/// The limits for one input. Copy: each pass carries its own and counts in a [`Meter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub ops: u64,
    pub nodes: u64,
    pub output: u64,
    pub time: Duration,
    /// The input size the limits were derived from (for the message).
    pub input: u64,
}

/// Per input byte and fixed allowances of the defaults. Every op takes at least one
/// input byte and makes at most one node, so a parse alone stays far inside them;
/// what they bound is the walks over the graph (describe, diff, tree) and what they print.
const OPS_PER_BYTE: u64 = 64;
const OPS_BASE: u64 = 16 << 20;
const NODES_PER_BYTE: u64 = 8;
const NODES_BASE: u64 = 1 << 20;
const OUTPUT_PER_BYTE: u64 = 64;
const OUTPUT_BASE: u64 = 64 << 20;
const SECONDS_BASE: u64 = 120;
const SECONDS_PER_MIB: u64 = 2;

/// The multiplier from `--budget` / `BRINE_BUDGET`, in thousandths (0: not set).
static SCALE: AtomicU64 = AtomicU64::new(0);

/// Sets the multiplier of every default budget (`--budget N`); `f64::INFINITY` lifts them.
pub fn set_scale(factor: f64) {
    let milli = if factor.is_finite() {
        (factor * 1000.0).clamp(1.0, u64::MAX as f64) as u64
    } else {
        u64::MAX
    };
    SCALE.store(milli, Ordering::Relaxed);
}

/// Reads a multiplier as `--budget` takes it: a positive number, or `off`.
pub fn parse_scale(s: &str) -> Result<f64, String> {
    let s = s.trim();
    if matches!(s, "off" | "none" | "unlimited") {
        return Ok(f64::INFINITY);
    }
    match s.parse::<f64>() {
        Ok(f) if f > 0.0 && !f.is_nan() => Ok(f),
        _ => Err(format!(
            "'{s}' is not a budget multiplier (a positive number such as 4, or off)"
        )),
    }
}

fn scale_milli() -> u64 {
    match SCALE.load(Ordering::Relaxed) {
        0 => {
            let from_env = std::env::var("BRINE_BUDGET")
                .ok()
                .and_then(|v| parse_scale(&v).ok());
            if let Some(f) = from_env {
                set_scale(f);
            } else {
                SCALE.store(1000, Ordering::Relaxed);
            }
            SCALE.load(Ordering::Relaxed)
        }
        m => m,
    }
}

fn scaled(v: u64, milli: u64) -> u64 {
    if milli == u64::MAX {
        return u64::MAX;
    }
    ((u128::from(v) * u128::from(milli)) / 1000).min(u128::from(u64::MAX)) as u64
}

impl Budget {
    /// The default budget for an input of `input` bytes, scaled by `--budget`.
    pub fn for_input(input: u64) -> Budget {
        let m = scale_milli();
        let lin = |per: u64, base: u64| scaled(input.saturating_mul(per).saturating_add(base), m);
        let secs = lin(0, SECONDS_BASE)
            .saturating_add(scaled((input >> 20).saturating_mul(SECONDS_PER_MIB), m));
        Budget {
            ops: lin(OPS_PER_BYTE, OPS_BASE),
            nodes: lin(NODES_PER_BYTE, NODES_BASE),
            output: lin(OUTPUT_PER_BYTE, OUTPUT_BASE),
            time: Duration::from_secs(secs),
            input,
        }
    }

    /// No limits at all (internal passes whose work is already linear in the input).
    pub fn unlimited() -> Budget {
        Budget {
            ops: u64::MAX,
            nodes: u64::MAX,
            output: u64::MAX,
            time: Duration::MAX,
            input: 0,
        }
    }

    pub fn exceeded(&self, what: Resource) -> Exceeded {
        let limit = match what {
            Resource::Ops => self.ops,
            Resource::Nodes => self.nodes,
            Resource::Output => self.output,
            Resource::Time => self.time.as_secs(),
        };
        Exceeded {
            what,
            limit,
            input: self.input,
        }
    }
}

/// How often (in ops) the clock is read.
const CLOCK_EVERY: u64 = 1 << 16;

/// Counts work against a [`Budget`] through a shared reference, so one meter can
/// follow a walk that hands `&self` around. The first limit hit is kept.
#[derive(Debug)]
pub struct Meter {
    budget: Budget,
    started: Instant,
    ops: Cell<u64>,
    nodes: Cell<u64>,
    output: Cell<u64>,
    next_clock: Cell<u64>,
    hit: Cell<Option<Exceeded>>,
}

impl Meter {
    pub fn new(budget: Budget) -> Meter {
        Meter {
            budget,
            started: Instant::now(),
            ops: Cell::new(0),
            nodes: Cell::new(0),
            output: Cell::new(0),
            next_clock: Cell::new(CLOCK_EVERY),
            hit: Cell::new(None),
        }
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The first limit that was exceeded, if any.
    pub fn hit(&self) -> Option<Exceeded> {
        self.hit.get()
    }

    fn over(&self, what: Resource) -> Exceeded {
        let e = self.budget.exceeded(what);
        if self.hit.get().is_none() {
            self.hit.set(Some(e));
        }
        self.hit.get().unwrap_or(e)
    }

    fn add(&self, cell: &Cell<u64>, n: u64, limit: u64, what: Resource) -> Result<(), Exceeded> {
        let v = cell.get().saturating_add(n);
        cell.set(v);
        if v > limit {
            return Err(self.over(what));
        }
        Ok(())
    }

    /// `n` ops of work done; also reads the clock now and then.
    #[inline]
    pub fn ops(&self, n: u64) -> Result<(), Exceeded> {
        self.add(&self.ops, n, self.budget.ops, Resource::Ops)?;
        if self.ops.get() >= self.next_clock.get() {
            self.next_clock
                .set(self.ops.get().saturating_add(CLOCK_EVERY));
            self.clock()?;
        }
        Ok(())
    }

    /// `n` nodes (or values held) created.
    #[inline]
    pub fn nodes(&self, n: u64) -> Result<(), Exceeded> {
        self.add(&self.nodes, n, self.budget.nodes, Resource::Nodes)
    }

    /// `n` bytes of output produced.
    #[inline]
    pub fn output(&self, n: u64) -> Result<(), Exceeded> {
        self.add(&self.output, n, self.budget.output, Resource::Output)
    }

    /// The deadline, the last resort.
    pub fn clock(&self) -> Result<(), Exceeded> {
        if self.started.elapsed() > self.budget.time {
            return Err(self.over(Resource::Time));
        }
        Ok(())
    }

    /// Checks an absolute count (for passes that keep their own counters).
    #[inline]
    pub fn check(&self, what: Resource, count: u64) -> Result<(), Exceeded> {
        let limit = match what {
            Resource::Ops => self.budget.ops,
            Resource::Nodes => self.budget.nodes,
            Resource::Output => self.budget.output,
            Resource::Time => return self.clock(),
        };
        if count > limit {
            return Err(self.over(what));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_grow_with_the_input() {
        let small = Budget::for_input(1000);
        let big = Budget::for_input(10 << 20);
        assert!(big.nodes > small.nodes && big.ops > small.ops && big.output > small.output);
        assert!(
            small.nodes >= 1000,
            "a parse makes at most one node per byte"
        );
    }

    #[test]
    fn a_meter_stops_at_its_limit_and_says_which() {
        let b = Budget {
            nodes: 10,
            ..Budget::for_input(100)
        };
        let m = Meter::new(b);
        assert!(m.nodes(10).is_ok());
        let e = m.nodes(1).unwrap_err();
        assert_eq!(e.what, Resource::Nodes);
        assert_eq!(m.hit(), Some(e));
        let msg = e.to_string();
        assert!(
            msg.starts_with("analysis limit reached: more than 10 nodes for a 100 B file"),
            "{msg}"
        );
    }

    #[test]
    fn the_multiplier_reads_numbers_and_off() {
        assert_eq!(parse_scale("4"), Ok(4.0));
        assert_eq!(parse_scale("off"), Ok(f64::INFINITY));
        assert!(parse_scale("0").is_err() && parse_scale("x").is_err());
    }
}
