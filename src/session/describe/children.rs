//! Children for the tree: container items, instance attributes, function facts,
//! class bases and members, array facts.

use super::*;

impl<'p> Describer<'p> {
    /// The children of a value for the tree.
    pub fn children(&self, id: NodeId) -> Vec<Child> {
        let p = self.p;
        let node = p.node(id);
        match node.kind {
            NodeKind::List | NodeKind::Set | NodeKind::FrozenSet => self
                .seq_items(id)
                .into_iter()
                .enumerate()
                .map(|(i, v)| Child::value(i.to_string(), v))
                .collect(),
            NodeKind::Tuple => p
                .items(id)
                .iter()
                .enumerate()
                .map(|(i, &v)| Child::value(i.to_string(), v))
                .collect(),
            NodeKind::Dict => self.dict_children(id),
            NodeKind::None | NodeKind::Bool | NodeKind::Int | NodeKind::Float | NodeKind::Str => {
                Vec::new()
            }
            NodeKind::Bytes | NodeKind::ByteArray => {
                let len = p.payload_span(id).map(|s| s.1).unwrap_or(0);
                vec![Child::fact("len", len.to_string())]
            }
            _ => self.object_children(id),
        }
    }

    pub(super) fn dict_children(&self, id: NodeId) -> Vec<Child> {
        self.dict_items(id)
            .into_iter()
            .map(|(k, v)| {
                let name = match self.p.node(k).kind {
                    NodeKind::Str => self.p.text(k).unwrap_or_default(),
                    _ => self.tiny(k),
                };
                Child::value(name, v)
            })
            .collect()
    }

    pub(super) fn object_children(&self, id: NodeId) -> Vec<Child> {
        let p = self.p;
        let mut out = Vec::new();
        if let Some((info, code)) = self.function_code(id) {
            let args = self.args(id);
            out.push(Child::fact("qualname", self.function_name(id, &info)));
            let defaults = args.get(3).map_or(0, |&d| p.items(d).len());
            out.push(Child::fact("signature", info.signature(defaults)));
            if let Some(f) = &info.filename {
                out.push(Child::fact("file", f.clone()));
            }
            if let Some(l) = info.firstlineno {
                out.push(Child::fact("line", l.to_string()));
            }
            let globals = self.code_globals(&info);
            if !globals.names.is_empty() {
                let mut text = globals.names.join(", ");
                if !globals.exact {
                    text.push_str(" (and attribute names: the bytecode did not decode)");
                }
                out.push(Child::fact("globals used", text));
            }
            if let Some(&d) = args.get(3)
                && p.node(d).kind == NodeKind::Tuple
            {
                out.push(Child::value("defaults", d));
            }
            if let Some(&closure) = args.get(4) {
                for (i, &cell) in p.items(closure).iter().enumerate() {
                    let name = info
                        .freevars
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("cell{i}"));
                    match self.cell_contents(cell) {
                        Some(v) => out.push(Child::value(format!("closure {name}"), v)),
                        None => out.push(Child::fact(format!("closure {name}"), "<empty cell>")),
                    }
                }
            }
            if let Some(pys) = crate::session::code::describe_pythons(&info.pythons) {
                out.push(Child::fact("python", pys));
            }
            out.push(Child::value("__code__", code));
            if let Some(state) = self.build_state(id) {
                for (k, v) in self.state_attrs(state) {
                    if k != "__qualname__" {
                        out.push(Child::value(k, v));
                    }
                }
            }
            return out;
        }
        if let Some(c) = self.class_of(id) {
            if c.by_value {
                out.push(Child::fact("module", c.module.clone()));
                if let Some(m) = &c.meta {
                    out.push(Child::fact("metaclass", m.clone()));
                }
                for (i, b) in self.class_bases(&c).into_iter().enumerate() {
                    out.push(Child::value(format!("base {i}"), b));
                }
                if let Some(d) = self.class_dict(&c) {
                    out.extend(self.dict_children(d));
                }
                return out;
            }
            out.push(Child::fact("reference", c.path()));
            return out;
        }
        if let Some(table) = self.pandas(id) {
            match table {
                Ok(tb) => out.extend(self.table_children(&tb)),
                Err(e) => out.push(Child::fact("problem", e)),
            }
            // pandas' own plumbing stays reachable, folded under one child.
            match self.build_state(id) {
                Some(state) => out.push(Child::value("raw", state)),
                None => out.push(Child::fact("raw", "made by a call (see `made by`)")),
            }
            return out;
        }
        if let Some(Ok(a)) = self.ndarray(id) {
            out.push(Child::fact(
                "values",
                crate::session::view::one_line_values(
                    &self
                        .ndarray_repr(&a, &p.source)
                        .unwrap_or_else(|e| format!("({e})")),
                ),
            ));
        }
        if self.is_ndarray_call(id)
            && let Some((dtype, shape, fortran, data)) = self.array_facts(id)
        {
            if let Some(d) = dtype {
                out.push(Child::fact(
                    "dtype",
                    format!("{} ({d})", knowledge::numpy_dtype_name(&d)),
                ));
            }
            out.push(Child::fact("shape", format!("({})", shape.join(", "))));
            out.push(Child::fact("order", if fortran { "F" } else { "C" }));
            if let Some(d) = data {
                if let Some((_, len)) = p.payload_span(d) {
                    out.push(Child::fact("nbytes", len.to_string()));
                } else {
                    out.push(Child::value("data", d));
                }
            }
            return out;
        }
        if self.type_of(id).as_str() == "builtins.module" {
            out.push(Child::fact(
                "module",
                module_ref(p, id, 0).unwrap_or_default(),
            ));
            if let Some(state) = self.build_state(id) {
                out.extend(self.dict_children(state));
            }
            return out;
        }
        if self.type_of(id).as_str() == "builtins.cell" {
            if let Some(v) = self.cell_contents(id) {
                out.push(Child::value("cell_contents", v));
            }
            return out;
        }
        match p.node(id).kind {
            NodeKind::Global | NodeKind::StackGlobal => {
                if let Some(q) = global_name(p, id) {
                    out.push(Child::fact("reference", q.to_string()));
                }
                return out;
            }
            NodeKind::Reduce => {
                if let Some(q) = self.called(id) {
                    out.push(Child::fact("made by", format!("{q}(…)")));
                }
                for (i, &a) in self.args(id).iter().enumerate() {
                    out.push(Child::value(format!("arg {i}"), a));
                }
            }
            NodeKind::NewObj | NodeKind::NewObjEx => {
                let args = if p.node(id).kind == NodeKind::NewObj {
                    p.items(NodeId(p.node(id).b)).to_vec()
                } else {
                    p.items(p.items(id)[1]).to_vec()
                };
                for (i, a) in args.into_iter().enumerate() {
                    out.push(Child::value(format!("arg {i}"), a));
                }
            }
            _ => {}
        }
        if let Some(state) = self.build_state(id) {
            let attrs = self.state_attrs(state);
            if attrs.is_empty() {
                out.push(Child::value("state", state));
            } else {
                out.extend(attrs.into_iter().map(|(k, v)| Child::value(k, v)));
            }
        }
        out.extend(self.dict_children_of_effects(id));
        let seq: Vec<NodeId> = p
            .effects_on(id)
            .filter(|&e| matches!(p.effect(e).kind, EffectKind::Append | EffectKind::AddItems))
            .flat_map(|e| p.effect_args(e).to_vec())
            .collect();
        out.extend(
            seq.into_iter()
                .enumerate()
                .map(|(i, v)| Child::value(i.to_string(), v)),
        );
        out
    }

    pub(super) fn dict_children_of_effects(&self, id: NodeId) -> Vec<Child> {
        if self.p.node(id).kind == NodeKind::Dict {
            return Vec::new();
        }
        let p = self.p;
        let mut out = Vec::new();
        for e in p.effects_on(id) {
            if p.effect(e).kind == EffectKind::SetItems {
                for c in p.effect_args(e).chunks_exact(2) {
                    let name = p.text(c[0]).unwrap_or_else(|| self.tiny(c[0]));
                    out.push(Child::value(name, c[1]));
                }
            }
        }
        out
    }
}
