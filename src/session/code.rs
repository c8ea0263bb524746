//! Facts about the code objects a session carries (`_create_code(...)`):
//! signature, file, line, names used, and which Python wrote them. The
//! bytecode is decoded only to check which interpreter's opcode table it fits;
//! it is never run.

mod opcodes;

use crate::pickle::{NodeId, NodeKind, Program};

/// What a code object's argument tuple says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeInfo {
    pub argcount: u32,
    pub posonly: u32,
    pub kwonly: u32,
    pub flags: u32,
    pub varnames: Vec<String>,
    pub names: Vec<String>,
    pub freevars: Vec<String>,
    pub filename: Option<String>,
    pub name: Option<String>,
    pub qualname: Option<String>,
    pub firstlineno: Option<i64>,
    /// Python versions whose layout (and bytecode, where checked) fit, oldest first.
    pub pythons: Vec<&'static str>,
    /// Nested code objects found in `co_consts`.
    pub nested: Vec<NodeId>,
}

const CO_VARARGS: u32 = 0x04;
const CO_VARKEYWORDS: u32 = 0x08;

/// Field positions of one `_create_code` layout.
struct Layout {
    argcount: usize,
    posonly: Option<usize>,
    kwonly: Option<usize>,
    flags: usize,
    code: usize,
    consts: usize,
    names: usize,
    varnames: usize,
    filename: usize,
    name: usize,
    qualname: Option<usize>,
    firstlineno: usize,
    freevars: usize,
    pythons: &'static [&'static str],
    check_bytecode: bool,
}

const PY3_ALL: &[&str] = &[
    "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14",
];

/// The `_create_code` argument names for each layout (§11 of the format notes), keyed by
/// the argument count and whether `co_lnotab` leads. The one place these layouts live:
/// `layout` takes its field positions from here, and `diff` its field names.
pub fn field_names(count: usize, lnotab_first: bool) -> Option<&'static [&'static str]> {
    Some(match (count, lnotab_first) {
        (14, false) => &[
            "argcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "firstlineno",
            "lnotab",
            "freevars",
            "cellvars",
        ],
        (15, false) => &[
            "argcount",
            "kwonlyargcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "firstlineno",
            "lnotab",
            "freevars",
            "cellvars",
        ],
        (16, false) => &[
            "argcount",
            "posonlyargcount",
            "kwonlyargcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "firstlineno",
            "lnotab",
            "freevars",
            "cellvars",
        ],
        (17, true) => &[
            "lnotab",
            "argcount",
            "posonlyargcount",
            "kwonlyargcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "firstlineno",
            "linetable",
            "freevars",
            "cellvars",
        ],
        (18, true) => &[
            "lnotab",
            "argcount",
            "posonlyargcount",
            "kwonlyargcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "qualname",
            "firstlineno",
            "linetable",
            "freevars",
            "cellvars",
        ],
        (19, true) => &[
            "lnotab",
            "argcount",
            "posonlyargcount",
            "kwonlyargcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "qualname",
            "firstlineno",
            "linetable",
            "exceptiontable",
            "freevars",
            "cellvars",
        ],
        (20, false) => &[
            "argcount",
            "posonlyargcount",
            "kwonlyargcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "qualname",
            "firstlineno",
            "linetable",
            "endlinetable",
            "columntable",
            "exceptiontable",
            "freevars",
            "cellvars",
        ],
        (21, true) => &[
            "lnotab",
            "argcount",
            "posonlyargcount",
            "kwonlyargcount",
            "nlocals",
            "stacksize",
            "flags",
            "code",
            "consts",
            "names",
            "varnames",
            "filename",
            "name",
            "qualname",
            "firstlineno",
            "linetable",
            "endlinetable",
            "columntable",
            "exceptiontable",
            "freevars",
            "cellvars",
        ],
        _ => return None,
    })
}

fn layout(count: usize, lnotab_first: bool) -> Option<Layout> {
    let names = field_names(count, lnotab_first)?;
    let at = |n: &str| names.iter().position(|x| *x == n);
    let (pythons, check_bytecode): (&'static [&'static str], bool) = match count {
        14 => (&["2.7"], false),
        15 => (
            &["3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"],
            true,
        ),
        16 => (&["3.8", "3.9", "3.10"], true),
        17 => (&["3.10"], true),
        18 => (&["pypy3.11"], false),
        19 => (&["3.11", "3.12", "3.13", "3.14"], true),
        _ => (&["3.11"], false),
    };
    Some(Layout {
        argcount: at("argcount")?,
        posonly: at("posonlyargcount"),
        kwonly: at("kwonlyargcount"),
        flags: at("flags")?,
        code: at("code")?,
        consts: at("consts")?,
        names: at("names")?,
        varnames: at("varnames")?,
        filename: at("filename")?,
        name: at("name")?,
        qualname: at("qualname"),
        firstlineno: at("firstlineno")?,
        freevars: at("freevars")?,
        pythons,
        check_bytecode,
    })
}

/// Reads a code object from the argument tuple of its factory call.
pub fn code_info(p: &Program, args: NodeId) -> Option<CodeInfo> {
    let items = p.items(args);
    let first_is_bytes = items.first().is_some_and(|&f| is_bytes_like(p, f));
    let lay = layout(items.len(), first_is_bytes)?;
    let int = |i: usize| -> u32 {
        match p.scalar(items[i], 0) {
            Some(crate::pickle::text::Scalar::Int(v)) => v.clamp(0, i64::from(u32::MAX)) as u32,
            _ => 0,
        }
    };
    let strs = |i: usize| -> Vec<String> {
        p.items(items[i])
            .iter()
            .filter_map(|&s| p.text(s))
            .collect()
    };
    let mut info = CodeInfo {
        argcount: int(lay.argcount),
        posonly: lay.posonly.map_or(0, int),
        kwonly: lay.kwonly.map_or(0, int),
        flags: int(lay.flags),
        varnames: strs(lay.varnames),
        names: strs(lay.names),
        freevars: strs(lay.freevars),
        filename: p.text(items[lay.filename]),
        name: p.text(items[lay.name]),
        qualname: lay.qualname.and_then(|i| p.text(items[i])),
        firstlineno: match p.scalar(items[lay.firstlineno], 0) {
            Some(crate::pickle::text::Scalar::Int(v)) => Some(v),
            _ => None,
        },
        pythons: lay.pythons.to_vec(),
        nested: Vec::new(),
    };
    if lay.check_bytecode
        && let Some(code) = bytes_of(p, items[lay.code])
    {
        let fits: Vec<&'static str> = info
            .pythons
            .iter()
            .copied()
            .filter(|v| bytecode_fits(v, &code))
            .collect();
        // Versions we have no table for (3.0–3.5, 3.14) stay possible when nothing else fits.
        if !fits.is_empty() || info.pythons.iter().all(|v| has_table(v)) {
            info.pythons = fits;
        } else {
            info.pythons.retain(|v| !has_table(v));
        }
    }
    info.nested = p.items(items[lay.consts]).to_vec();
    Some(info)
}

impl CodeInfo {
    /// `(a, b=…, *args, c, **kw)`; `defaults` is how many positional defaults there are.
    pub fn signature(&self, defaults: usize) -> String {
        let mut parts = Vec::new();
        let pos = self.argcount as usize;
        let kw = self.kwonly as usize;
        let name = |i: usize| {
            self.varnames
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("arg{i}"))
        };
        for i in 0..pos {
            let mut s = name(i);
            if i + defaults >= pos {
                s.push_str("=…");
            }
            parts.push(s);
            if self.posonly as usize == i + 1 {
                parts.push("/".into());
            }
        }
        let mut next = pos + kw;
        if self.flags & CO_VARARGS != 0 {
            parts.push(format!("*{}", name(next)));
            next += 1;
        } else if kw > 0 {
            parts.push("*".into());
        }
        for i in pos..pos + kw {
            parts.push(name(i));
        }
        if self.flags & CO_VARKEYWORDS != 0 {
            parts.push(format!("**{}", name(next)));
        }
        format!("({})", parts.join(", "))
    }
}

fn is_bytes_like(p: &Program, id: NodeId) -> bool {
    match p.node(id).kind {
        NodeKind::Bytes => true,
        // Protocols 0–2 write bytes as _codecs.encode(text, 'latin1').
        NodeKind::Reduce => super::names::global_name(p, NodeId(p.node(id).a))
            .is_some_and(|q| q.is("_codecs", "encode") || q.is("codecs", "encode")),
        _ => false,
    }
}

fn bytes_of(p: &Program, id: NodeId) -> Option<Vec<u8>> {
    use crate::pickle::text::Scalar;
    match p.node(id).kind {
        NodeKind::Bytes => match p.scalar(id, 1 << 20)? {
            Scalar::Bytes { head, len } if head.len() as u64 == len => Some(head),
            _ => None,
        },
        NodeKind::Reduce => {
            let arg = *p.items(NodeId(p.node(id).b)).first()?;
            let text = p.text(arg)?;
            text.chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect()
        }
        NodeKind::Str => p
            .text(id)
            .map(|t| t.chars().map(|c| c as u32 as u8).collect()),
        _ => None,
    }
}

fn has_table(version: &str) -> bool {
    opcodes::TABLES.iter().any(|t| t.version == version)
}

/// True when `code` decodes as a valid instruction stream for `version`.
fn bytecode_fits(version: &str, code: &[u8]) -> bool {
    let Some(t) = opcodes::TABLES.iter().find(|t| t.version == version) else {
        return false;
    };
    if !code.len().is_multiple_of(2) {
        return false;
    }
    let mut i = 0;
    while i < code.len() {
        let op = code[i] as usize;
        if t.valid[op / 64] & (1 << (op % 64)) == 0 {
            return false;
        }
        i += 2 + 2 * usize::from(t.cache[op]);
    }
    i == code.len()
}

/// Joins per-code-object candidates into one answer: the versions every code object allows.
pub fn common_pythons(all: &[Vec<&'static str>]) -> Vec<&'static str> {
    let Some(first) = all.first() else {
        return Vec::new();
    };
    let mut out: Vec<&'static str> = first.clone();
    for c in &all[1..] {
        out.retain(|v| c.contains(v));
    }
    if out.is_empty() {
        // Disagreeing code objects (e.g. one copied from another interpreter): keep the union of layouts.
        let mut u: Vec<&'static str> = all.iter().flatten().copied().collect();
        u.sort_by_key(|v| version_key(v));
        u.dedup();
        return u;
    }
    out
}

fn version_key(v: &str) -> (u32, u32) {
    let v = v.trim_start_matches("pypy");
    let mut it = v.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// `3.11`, or `3.8–3.10` for a range.
pub fn describe_pythons(v: &[&str]) -> Option<String> {
    match v {
        [] => None,
        [one] => Some(one.to_string()),
        [first, .., last] => Some(format!("{first}–{last}")),
    }
}

/// The set of 3.x versions brine knows, for callers that want "anything".
pub fn all_python3() -> &'static [&'static str] {
    PY3_ALL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_opcode_tells_311_from_313() {
        // RESUME 0; LOAD_CONST 0; RETURN_VALUE as 3.11 writes it.
        let py311 = [151u8, 0, 100, 0, 83, 0];
        assert!(bytecode_fits("3.11", &py311));
        // 3.13: RESUME is 149, RETURN_CONST 103.
        let py313 = [149u8, 0, 103, 0];
        assert!(bytecode_fits("3.13", &py313));
        assert!(!bytecode_fits("3.13", &py311) || !bytecode_fits("3.11", &py313));
    }

    #[test]
    fn signatures_read_like_python() {
        let c = CodeInfo {
            argcount: 2,
            kwonly: 1,
            flags: CO_VARARGS | CO_VARKEYWORDS,
            varnames: ["a", "b", "c", "args", "kw"].map(String::from).to_vec(),
            ..CodeInfo::default()
        };
        assert_eq!(c.signature(1), "(a, b=…, *args, c, **kw)");
    }

    #[test]
    fn common_versions_intersect() {
        assert_eq!(
            common_pythons(&[vec!["3.11", "3.12"], vec!["3.11"]]),
            vec!["3.11"]
        );
        assert_eq!(
            describe_pythons(&["3.8", "3.9", "3.10"]).unwrap(),
            "3.8–3.10"
        );
    }
}
