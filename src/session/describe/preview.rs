//! Previews: the start of a value's repr, from scalars to containers, functions,
//! classes, arrays and library objects. Nothing here runs anything.

use super::*;

impl<'p> Describer<'p> {
    /// A short preview, as the start of Python's repr would read.
    pub fn preview(&self, id: NodeId, width: usize) -> String {
        let s = self.preview_depth(id, width, 0);
        pyrepr::clip(&s, width)
    }

    pub(super) fn preview_depth(&self, id: NodeId, width: usize, depth: u32) -> String {
        let p = self.p;
        let node = p.node(id);
        let inner = |c: NodeId| {
            if depth >= 2 {
                return self.tiny(c);
            }
            self.preview_depth(c, width / 2 + 8, depth + 1)
        };
        match node.kind {
            NodeKind::None | NodeKind::Bool | NodeKind::Int | NodeKind::Float | NodeKind::Str => {
                self.scalar_repr(id, width)
            }
            NodeKind::Bytes | NodeKind::ByteArray => {
                let r = self.scalar_repr(id, width);
                if node.kind == NodeKind::ByteArray {
                    format!("bytearray({r})")
                } else {
                    r
                }
            }
            NodeKind::List => seq_preview("[", "]", &self.seq_items(id), width, inner),
            NodeKind::Tuple => {
                let items = p.items(id);
                if items.len() == 1 {
                    return format!("({},)", inner(items[0]));
                }
                seq_preview("(", ")", items, width, inner)
            }
            NodeKind::Set | NodeKind::FrozenSet => {
                let items = self.seq_items(id);
                let body = if items.is_empty() {
                    "()".into()
                } else {
                    seq_preview("{", "}", &items, width, inner)
                };
                if node.kind == NodeKind::Set {
                    if items.is_empty() {
                        "set()".into()
                    } else {
                        body
                    }
                } else {
                    format!("frozenset({body})")
                }
            }
            NodeKind::Dict => {
                let items = self.dict_items(id);
                dict_preview(&items, width, |k| self.tiny(k), inner)
            }
            _ => self.object_preview(id, width, depth),
        }
    }

    /// The smallest useful repr: scalars in full (short), containers as `[…]`.
    pub(crate) fn tiny(&self, id: NodeId) -> String {
        match self.p.node(id).kind {
            NodeKind::None
            | NodeKind::Bool
            | NodeKind::Int
            | NodeKind::Float
            | NodeKind::Str
            | NodeKind::Bytes => self.scalar_repr(id, 24),
            NodeKind::List => if self.seq_items(id).is_empty() {
                "[]"
            } else {
                "[…]"
            }
            .into(),
            NodeKind::Tuple => if self.p.items(id).is_empty() {
                "()"
            } else {
                "(…)"
            }
            .into(),
            NodeKind::Dict => if self.dict_items(id).is_empty() {
                "{}"
            } else {
                "{…}"
            }
            .into(),
            _ => {
                let t = self.type_of(id);
                let short = t.as_str().rsplit('.').next().unwrap_or("?").to_string();
                match t.as_str() {
                    "builtins.function" => self.object_preview(id, 40, 3),
                    "builtins.type" => self
                        .class_of(id)
                        .map(|c| format!("<class '{}'>", c.qualname))
                        .unwrap_or(short),
                    _ if t.is_known() => format!("<{short}>"),
                    _ => "…".into(),
                }
            }
        }
    }

    pub(super) fn scalar_repr(&self, id: NodeId, width: usize) -> String {
        let max = (width as u64).clamp(16, 4096);
        match self.p.scalar(id, max * 4) {
            Some(Scalar::None) => "None".into(),
            Some(Scalar::Bool(b)) => if b { "True" } else { "False" }.into(),
            Some(Scalar::Int(i)) => i.to_string(),
            Some(Scalar::BigInt(s)) => s,
            Some(Scalar::Float(f)) => pyrepr::float(f),
            Some(Scalar::Str { text, len }) => {
                let chars = text.chars().count();
                let cut = (chars as u64) < len || chars > width;
                let r = pyrepr::str(&text, width.saturating_sub(2));
                if cut {
                    format!(
                        "{r} (len {})",
                        if chars as u64 == len {
                            chars as u64
                        } else {
                            len
                        }
                    )
                } else {
                    r
                }
            }
            Some(Scalar::Bytes { head, len }) => {
                let r = pyrepr::bytes(&head, width.saturating_sub(3));
                if head.len() as u64 > width as u64 || (head.len() as u64) < len {
                    format!("{r} (len {len})")
                } else {
                    r
                }
            }
            None => "?".into(),
        }
    }

    pub(super) fn object_preview(&self, id: NodeId, width: usize, depth: u32) -> String {
        let p = self.p;
        let ty = self.type_of(id);
        let t = ty.as_str();
        if let Some((info, _)) = self.function_code(id) {
            return format!("def {}", self.function_signature(id, &info));
        }
        if t == "builtins.code"
            && let Some(info) = self.code(id)
        {
            return format!(
                "<code {}{}>",
                info.name.clone().unwrap_or_default(),
                info.signature(0)
            );
        }
        if let Some(c) = self.class_of(id) {
            if c.by_value {
                let bases = self
                    .class_bases(&c)
                    .iter()
                    .map(|&b| self.class_name_short(b))
                    .collect::<Vec<_>>();
                let bases = if bases.is_empty() {
                    String::new()
                } else {
                    format!("({})", bases.join(", "))
                };
                return format!("class {}{bases}", c.qualname);
            }
            return format!("<class '{}'>", c.path());
        }
        if t == "builtins.module" {
            let name = module_ref(p, id, 0).unwrap_or_else(|| "?".into());
            let by_value = self.build_state(id).is_some();
            return if by_value {
                format!("<module '{name}'> (by value)")
            } else {
                format!("<module '{name}'>")
            };
        }
        if matches!(p.node(id).kind, NodeKind::Global | NodeKind::StackGlobal) {
            return match global_name(p, id) {
                Some(q) if q.module == "__builtin__" && q.name == "__main__" => {
                    "globals() of the module".into()
                }
                Some(q) if q.name == "__dict__" => format!("vars({})", q.module),
                Some(q) => format!("<{q}>"),
                None => "<global>".into(),
            };
        }
        if let Some(table) = self.pandas(id) {
            return match table {
                Ok(tb) => tb.line(),
                Err(e) => format!("{} ({e})", t.rsplit('.').next().unwrap_or(t)),
            };
        }
        if let Some(s) = self.special_preview(id, t, width, depth) {
            return s;
        }
        let short = t.rsplit('.').next().unwrap_or(t).trim_start_matches("? ");
        // Instance state: attributes of the BUILD dict (or slots).
        if let Some(state) = self.build_state(id) {
            let mut attrs = self.state_attrs(state);
            // pandas keeps its data in private managers: show only what a user named.
            if t.starts_with("pandas.") {
                attrs.retain(|(k, v)| k == "_name" && self.p.node(*v).kind == NodeKind::Str);
                attrs.iter_mut().for_each(|(k, _)| *k = "name".into());
            }
            if !attrs.is_empty() && depth < 2 {
                let parts: Vec<String> = attrs
                    .iter()
                    .take(4)
                    .map(|(k, v)| format!("{k}={}", self.tiny(*v)))
                    .collect();
                let more = if attrs.len() > 4 { ", …" } else { "" };
                return format!("{short}({}{more})", parts.join(", "));
            }
            return format!("{short}(…)");
        }
        if p.node(id).kind == NodeKind::Reduce {
            let args = self.args(id);
            if depth < 2 && args.len() <= 4 {
                let parts: Vec<String> = args.iter().map(|&a| self.tiny(a)).collect();
                return format!("{short}({})", parts.join(", "));
            }
        }
        if ty.is_known() {
            format!("{short}(…)")
        } else {
            "?".into()
        }
    }

    /// The bit generator of a numpy `Generator` / `RandomState` (`PCG64`), as
    /// `repr` names it: the ctor's argument (a class or its name, or a bit
    /// generator made by `__bit_generator_ctor`), else the state's
    /// `bit_generator` key.
    fn bit_generator_name(&self, id: NodeId, depth: u32) -> Option<String> {
        let p = self.p;
        let ok = |s: String| {
            (!s.is_empty()
                && s.len() <= 32
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(s)
        };
        if depth > 2 {
            return None;
        }
        if p.node(id).kind == NodeKind::Reduce
            && let Some(&a) = self.args(id).first()
        {
            let from_arg = match p.node(a).kind {
                NodeKind::Str => p.text(a),
                NodeKind::Global | NodeKind::StackGlobal => {
                    crate::session::names::global_name(p, a).map(|q| q.name.to_string())
                }
                NodeKind::Reduce => self.bit_generator_name(a, depth + 1),
                _ => None,
            };
            if let Some(n) = from_arg.and_then(ok) {
                return Some(n);
            }
        }
        let state = self.build_state(id)?;
        let key = match p.node(state).kind {
            NodeKind::Dict => self.dict_get(state, "bit_generator"),
            // The legacy RandomState state: ('MT19937', keys, pos, has_gauss, gauss).
            NodeKind::Tuple => p.items(state).first().copied(),
            _ => None,
        }?;
        p.text(key).and_then(ok)
    }

    pub(super) fn special_preview(
        &self,
        id: NodeId,
        t: &str,
        width: usize,
        depth: u32,
    ) -> Option<String> {
        let p = self.p;
        let args: &[NodeId] = if p.node(id).kind == NodeKind::Reduce {
            self.args(id)
        } else {
            &[]
        };
        match t {
            "builtins.cell" => {
                let content = self.cell_contents(id);
                Some(match content {
                    Some(c) => format!("<cell: {}>", self.tiny(c)),
                    None => "<cell: empty>".into(),
                })
            }
            "_thread.lock" | "_thread.RLock" => {
                let locked = args.first().and_then(|&a| p.scalar(a, 0));
                let state = match locked {
                    Some(Scalar::Bool(true)) => "locked",
                    Some(Scalar::Int(n)) if n > 0 => "locked",
                    _ => "unlocked",
                };
                Some(format!("<{state} {t}>"))
            }
            "re.Pattern" => Some(format!(
                "re.compile({})",
                args.first().map(|&a| self.tiny(a)).unwrap_or_default()
            )),
            "builtins.range" => args.first().and_then(|&a| p.text(a)),
            "builtins.ellipsis" => Some("Ellipsis".into()),
            "builtins.NotImplementedType" => Some("NotImplemented".into()),
            _ if t.starts_with("_io.") || t.starts_with("_pyio.") => {
                let name = args.first().map(|&a| self.tiny(a)).unwrap_or_default();
                let mode = args.get(1).map(|&a| self.tiny(a)).unwrap_or_default();
                Some(format!("<{t} name={name} mode={mode}>"))
            }
            "datetime.datetime" | "datetime.date" | "datetime.time" => {
                let raw = args.first().and_then(|&a| match p.scalar(a, 16)? {
                    Scalar::Bytes { head, .. } => Some(head),
                    Scalar::Str { text, .. } => text
                        .chars()
                        .map(|c| u8::try_from(u32::from(c)).ok())
                        .collect(),
                    _ => None,
                });
                raw.and_then(|b| datetime_preview(t, &b))
            }
            "functools.partial" => {
                let state = self.build_state(id)?;
                let items = p.items(state);
                let f = items.first().map(|&f| self.tiny(f)).unwrap_or_default();
                let a = items
                    .get(1)
                    .map(|&a| p.items(a).iter().map(|&x| self.tiny(x)).collect::<Vec<_>>());
                let mut parts = vec![f];
                parts.extend(a.unwrap_or_default());
                Some(format!("functools.partial({})", parts.join(", ")))
            }
            "numpy.random._generator.Generator" | "numpy.random.mtrand.RandomState" => {
                let class = t.rsplit('.').next().unwrap_or(t);
                let bitgen = self.bit_generator_name(id, 0);
                Some(format!("{class}({})", bitgen.as_deref().unwrap_or("?")))
            }
            "builtins.method" => {
                let f = args.first().map(|&f| self.tiny(f)).unwrap_or_default();
                Some(format!("<bound method {}>", f.trim_start_matches("def ")))
            }
            _ if self.is_ndarray_call(id) => self.array_preview(id),
            _ if t.starts_with("numpy.") && p.node(id).kind == NodeKind::Reduce => {
                self.numpy_scalar_preview(id, t)
            }
            _ if depth < 3
                && self
                    .class_of(self.callable_or_class(id))
                    .is_some_and(|c| c.module == "collections") =>
            {
                self.collection_preview(id, t, width)
            }
            _ => None,
        }
    }

    pub(super) fn callable_or_class(&self, id: NodeId) -> NodeId {
        let n = self.p.node(id);
        match n.kind {
            NodeKind::Reduce | NodeKind::NewObj => NodeId(n.a),
            _ => id,
        }
    }

    pub(super) fn collection_preview(&self, id: NodeId, t: &str, width: usize) -> Option<String> {
        let short = t.rsplit('.').next().unwrap_or(t);
        let items = self.dict_items(id);
        if !items.is_empty() {
            return Some(format!(
                "{short}({})",
                dict_preview(&items, width, |k| self.tiny(k), |v| self.tiny(v))
            ));
        }
        let seq = self.seq_items(id);
        if !seq.is_empty() {
            return Some(format!(
                "{short}({})",
                seq_preview("[", "]", &seq, width, |v| self.tiny(v))
            ));
        }
        let args = self.args(id);
        let parts: Vec<String> = args.iter().map(|&a| self.tiny(a)).collect();
        Some(format!("{short}({})", parts.join(", ")))
    }

    /// The name to show for a function: its qualname from BUILD state or code.
    pub fn function_name(&self, id: NodeId, info: &CodeInfo) -> String {
        let from_state = self
            .build_state(id)
            .and_then(|s| self.p.items(s).get(1).copied())
            .and_then(|d| self.dict_get(d, "__qualname__"))
            .and_then(|q| self.p.text(q));
        from_state
            .or_else(|| info.qualname.clone())
            .or_else(|| self.args(id).get(2).and_then(|&n| self.p.text(n)))
            .or_else(|| info.name.clone())
            .unwrap_or_else(|| "?".into())
    }

    pub fn class_bases(&self, c: &ClassInfo) -> Vec<NodeId> {
        if !c.by_value || self.p.node(c.node).kind != NodeKind::Reduce {
            return Vec::new();
        }
        let args = self.args(c.node);
        let bases = if self.dill_call(c.node) == Some(Dill::CreateType) {
            args.get(2)
        } else {
            args.get(1)
        };
        bases.map(|&b| self.p.items(b).to_vec()).unwrap_or_default()
    }

    pub(super) fn class_name_short(&self, id: NodeId) -> String {
        match self.class_of(id) {
            Some(c) if c.module == "builtins" || c.by_value => c.qualname,
            Some(c) => c.path(),
            None => match self.p.node(id).kind {
                // typing.Generic[T] and friends are written as operator.getitem(...) calls.
                NodeKind::Reduce => self.preview(id, 30),
                _ => "?".into(),
            },
        }
    }

    /// The members of a class built by the file.
    pub fn class_dict(&self, c: &ClassInfo) -> Option<NodeId> {
        if !c.by_value {
            return None;
        }
        let args = self.args(c.node);
        match self.dill_call(c.node) {
            Some(Dill::CreateType) => args.get(3).copied(),
            _ if self
                .called(c.node)
                .is_some_and(|q| q.is("types", "new_class")) =>
            {
                args.get(3).and_then(|&b| self.partial_source_dict(b))
            }
            _ => None,
        }
    }

    /// What a cell holds, after post-processing.
    pub fn cell_contents(&self, cell: NodeId) -> Option<NodeId> {
        if let Some(v) = self.post_attr(cell, "cell_contents") {
            return Some(v);
        }
        let arg = *self.args(cell).first()?;
        match self.p.node(arg).kind {
            NodeKind::None => None,
            _ => Some(arg),
        }
    }

    /// Attribute (name, value) pairs of an instance state (dict, or (dict, slots)).
    pub fn state_attrs(&self, state: NodeId) -> Vec<(String, NodeId)> {
        let p = self.p;
        let mut out = Vec::new();
        let push_dict = |d: NodeId, out: &mut Vec<(String, NodeId)>| {
            for (k, v) in self.dict_items(d) {
                out.push((p.text(k).unwrap_or_else(|| self.tiny(k)), v));
            }
        };
        match p.node(state).kind {
            NodeKind::Dict => push_dict(state, &mut out),
            NodeKind::Tuple if p.items(state).len() == 2 => {
                for &d in p.items(state) {
                    if p.node(d).kind == NodeKind::Dict {
                        push_dict(d, &mut out);
                    }
                }
            }
            _ => {}
        }
        out
    }

    pub(crate) fn is_ndarray_call(&self, id: NodeId) -> bool {
        let Some(q) = self.called(id) else {
            return false;
        };
        q.is_dill("_create_array")
            || q.name == "_reconstruct" && q.module.starts_with("numpy")
            || q.name == "_frombuffer"
    }

    /// (dtype code, shape, fortran, data node) of an ndarray call.
    pub fn array_facts(&self, id: NodeId) -> Option<ArrayFacts> {
        let p = self.p;
        let q = self.called(id)?;
        let args = self.args(id);
        let state = if q.is_dill("_create_array") {
            *args.get(2)?
        } else if q.name == "_frombuffer" {
            let dtype = args.get(1).and_then(|&d| self.numpy_dtype_code(d));
            let shape = args.get(2).map(|&s| self.int_items(s)).unwrap_or_default();
            let fortran = args
                .get(3)
                .and_then(|&o| p.text(o))
                .is_some_and(|o| o == "F");
            return Some((dtype, shape, fortran, args.first().copied()));
        } else {
            self.build_state(id)?
        };
        let items = p.items(state);
        let shape = items.get(1).map(|&s| self.int_items(s)).unwrap_or_default();
        let dtype = items.get(2).and_then(|&d| self.numpy_dtype_code(d));
        let fortran = items.get(3).and_then(|&f| p.scalar(f, 0)) == Some(Scalar::Bool(true));
        Some((dtype, shape, fortran, items.get(4).copied()))
    }

    pub(super) fn int_items(&self, tuple: NodeId) -> Vec<String> {
        self.p
            .items(tuple)
            .iter()
            .map(|&i| self.scalar_repr(i, 24))
            .collect()
    }

    pub(super) fn array_preview(&self, id: NodeId) -> Option<String> {
        match self.ndarray(id) {
            Some(Ok(a)) => return Some(self.array_line(id, &a)),
            Some(Err(e)) if !e.contains("not a simple dtype") => {
                return Some(format!("ndarray ({e})"));
            }
            _ => {}
        }
        let (dtype, shape, fortran, _) = self.array_facts(id)?;
        let dtype = dtype
            .map(|d| knowledge::numpy_dtype_name(&d))
            .unwrap_or_else(|| "?".into());
        let shape = if shape.len() == 1 {
            format!("({},)", shape[0])
        } else {
            format!("({})", shape.join(", "))
        };
        let order = if fortran { " F-order" } else { "" };
        let class = self.type_of(id);
        let short = class.as_str().rsplit('.').next().unwrap_or("ndarray");
        Some(format!("{short} {dtype} {shape}{order}"))
    }

    pub(super) fn numpy_scalar_preview(&self, id: NodeId, t: &str) -> Option<String> {
        let args = self.args(id);
        let short = t.trim_start_matches("numpy.");
        // Only `scalar(dtype, bytes)` calls are scalars; other numpy objects keep the generic preview.
        self.dtype_of(*args.first()?)?;
        let Some(value) = self.numpy_scalar_value(id) else {
            return Some(format!("{short}(…)"));
        };
        Some(match self.numpy2 {
            Some(true) => format!("np.{short}({value})"),
            Some(false) => value,
            None if args.is_empty() => value,
            None => format!("{short}({value})"),
        })
    }

    /// `str()` of a numpy scalar `numpy.core.multiarray.scalar(dtype, bytes)`.
    pub fn numpy_scalar_value(&self, id: NodeId) -> Option<String> {
        let args = self.args(id);
        let dtype = self.dtype_of(*args.first()?)?;
        let Scalar::Bytes { head, .. } = self.p.scalar(*args.get(1)?, 64)? else {
            return None;
        };
        if head.len() != dtype.size {
            return None;
        }
        let a = crate::session::ndarray::ArrayView {
            dtype,
            shape: Vec::new(),
            fortran: false,
            data: crate::session::ndarray::Data::Objects(Vec::new()),
            numpy2: self.numpy2,
        };
        use crate::session::ndarray::Elem;
        Some(match a.decode(&head) {
            Elem::Bool(b) => if b { "True" } else { "False" }.into(),
            Elem::Int(i) => i.to_string(),
            Elem::Float(x, 8) => pyrepr::float(x),
            Elem::Float(x, 4) => pyrepr::float(format!("{}", x as f32).parse().ok()?),
            Elem::Float(x, _) => pyrepr::float(x),
            _ => return None,
        })
    }
}

fn datetime_preview(t: &str, b: &[u8]) -> Option<String> {
    let us = |b: &[u8]| (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
    match (t, b.len()) {
        ("datetime.date", 4) => Some(format!(
            "datetime.date({}, {}, {})",
            u16::from_be_bytes([b[0], b[1]]),
            b[2],
            b[3]
        )),
        ("datetime.datetime", 10) => {
            let mut parts = vec![
                u16::from_be_bytes([b[0], b[1]]).to_string(),
                (b[2] & 0x7f).to_string(),
                b[3].to_string(),
                b[4].to_string(),
                b[5].to_string(),
            ];
            if b[6] != 0 || us(&b[7..10]) != 0 {
                parts.push(b[6].to_string());
            }
            if us(&b[7..10]) != 0 {
                parts.push(us(&b[7..10]).to_string());
            }
            Some(format!("datetime.datetime({})", parts.join(", ")))
        }
        ("datetime.time", 6) => Some(format!(
            "datetime.time({}, {}, {})",
            b[0] & 0x7f,
            b[1],
            b[2]
        )),
        _ => None,
    }
}

fn seq_preview(
    open: &str,
    close: &str,
    items: &[NodeId],
    width: usize,
    item: impl Fn(NodeId) -> String,
) -> String {
    let mut out = String::from(open);
    let mut shown = 0;
    for (i, &v) in items.iter().enumerate() {
        let s = item(v);
        if i > 0 && out.chars().count() + s.chars().count() + 2 > width.saturating_sub(12) {
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&s);
        shown += 1;
        if shown >= 8 {
            break;
        }
    }
    if shown < items.len() {
        out.push_str(", …");
        out.push_str(close);
        out.push_str(&format!(" (len {})", items.len()));
        return out;
    }
    out.push_str(close);
    out
}

fn dict_preview(
    items: &[(NodeId, NodeId)],
    width: usize,
    key: impl Fn(NodeId) -> String,
    value: impl Fn(NodeId) -> String,
) -> String {
    let mut out = String::from("{");
    let mut shown = 0;
    for (i, &(k, v)) in items.iter().enumerate() {
        let s = format!("{}: {}", key(k), value(v));
        if i > 0 && out.chars().count() + s.chars().count() + 2 > width.saturating_sub(12) {
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&s);
        shown += 1;
        if shown >= 6 {
            break;
        }
    }
    if shown < items.len() {
        return format!("{out}, …}} (len {})", items.len());
    }
    out.push('}');
    out
}
