//! A function's signature as `inspect.signature` would print it, with the
//! default values the file stores shown as their reprs
//! (`lr_schedule(epoch, base=0.003, *, warmup=5)`). Positional defaults come
//! from `_create_function`'s defaults tuple, keyword-only ones from the
//! `__kwdefaults__` dill stores in the function's state (or its older argument).
//! Never runs the function or its code.

use crate::pickle::{NodeId, NodeKind};
use crate::session::Describer;
use crate::session::code::CodeInfo;

/// Characters of one default's repr before it is clipped.
const DEFAULT_WIDTH: usize = 30;

thread_local! {
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

const CO_VARARGS: u32 = 0x04;
const CO_VARKEYWORDS: u32 = 0x08;

impl Describer<'_> {
    /// The positional defaults tuple and keyword-only defaults dict of a function node.
    fn defaults(&self, id: NodeId) -> (Vec<NodeId>, Vec<(String, NodeId)>) {
        let p = self.p;
        let args = self.args(id);
        let pos = args
            .get(3)
            .filter(|&&d| p.node(d).kind == NodeKind::Tuple)
            .map(|&d| p.items(d).to_vec())
            .unwrap_or_default();
        let from_state = self
            .build_state(id)
            .and_then(|s| p.items(s).get(1).copied())
            .and_then(|d| self.dict_get(d, "__kwdefaults__"));
        let kw_node = from_state
            .or_else(|| self.post_attr(id, "__kwdefaults__"))
            .or_else(|| args.get(6).copied());
        let kw = kw_node
            .filter(|&d| p.node(d).kind == NodeKind::Dict)
            .map(|d| {
                self.dict_items(d)
                    .into_iter()
                    .filter_map(|(k, v)| Some((p.text(k)?, v)))
                    .collect()
            })
            .unwrap_or_default();
        (pos, kw)
    }

    /// `name(a, b=0.003, *args, c=1, **kw)` for a function node.
    pub fn function_signature(&self, id: NodeId, info: &CodeInfo) -> String {
        // A default may be (or hold) a function whose defaults hold this one: show those as `…`.
        let nested = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        let s = self.signature_at(id, info, nested > 2);
        DEPTH.with(|d| d.set(d.get() - 1));
        s
    }

    fn signature_at(&self, id: NodeId, info: &CodeInfo, shallow: bool) -> String {
        let (defaults, kwdefaults) = self.defaults(id);
        let name = self.function_name(id, info);
        let var = |i: usize| {
            info.varnames
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("arg{i}"))
        };
        let repr = |v: NodeId| {
            if shallow {
                "…".to_string()
            } else {
                self.preview(v, DEFAULT_WIDTH)
            }
        };
        let pos = info.argcount as usize;
        let kw = info.kwonly as usize;
        let first_default = pos.saturating_sub(defaults.len());
        let mut parts = Vec::new();
        for i in 0..pos {
            let mut s = var(i);
            if i >= first_default
                && let Some(&d) = defaults.get(i - first_default)
            {
                s = format!("{s}={}", repr(d));
            }
            parts.push(s);
            if info.posonly as usize == i + 1 {
                parts.push("/".into());
            }
        }
        let mut next = pos + kw;
        if info.flags & CO_VARARGS != 0 {
            parts.push(format!("*{}", var(next)));
            next += 1;
        } else if kw > 0 {
            parts.push("*".into());
        }
        for i in pos..pos + kw {
            let n = var(i);
            match kwdefaults.iter().rev().find(|(k, _)| *k == n) {
                Some(&(_, v)) => parts.push(format!("{n}={}", repr(v))),
                None => parts.push(n),
            }
        }
        if info.flags & CO_VARKEYWORDS != 0 {
            parts.push(format!("**{}", var(next)));
        }
        format!("{name}({})", parts.join(", "))
    }
}
