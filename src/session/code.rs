//! Facts about the code objects a session carries (`_create_code(...)`):
//! signature, file, line, the globals it really looks up, and which Python
//! wrote them. The bytecode is decoded (with each interpreter's generated
//! opcode table) only to check which table it fits and which names its
//! global opcodes name; it is never run.

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
    /// `co_names`: globals *and* attribute names, mixed.
    pub names: Vec<String>,
    /// The names this code object's own bytecode looks up in (or stores to) its globals:
    /// LOAD_GLOBAL, LOAD_NAME, STORE_GLOBAL, DELETE_GLOBAL, LOAD_FROM_DICT_OR_GLOBALS, in
    /// first-use order. `None` when no opcode table decodes the bytecode (then only
    /// `names`, a superset, is known). Nested code objects are not included.
    pub globals: Option<Vec<String>>,
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
        globals: None,
    };
    let code = bytes_of(p, items[lay.code]);
    let counts = Counts {
        consts: p.items(items[lay.consts]).len(),
        names: info.names.len(),
    };
    if lay.check_bytecode
        && let Some(code) = &code
    {
        let fits: Vec<&'static str> = info
            .pythons
            .iter()
            .copied()
            .filter(|v| bytecode_fits(v, code) && args_fit(v, code, &counts))
            .collect();
        // Versions we have no table for (3.0–3.5, 3.14) stay possible when nothing else fits.
        if !fits.is_empty() || info.pythons.iter().all(|v| has_table(v)) {
            info.pythons = fits;
        } else {
            info.pythons.retain(|v| !has_table(v));
        }
    }
    info.nested = p.items(items[lay.consts]).to_vec();
    if let Some(code) = &code {
        info.globals = globals_of(&info.pythons, code, &info.names);
    }
    Some(info)
}

/// One decoded instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instr {
    /// Byte offset in `co_code`.
    pub offset: usize,
    pub op: u8,
    /// The argument with any EXTENDED_ARG prefixes folded in (0 for argument-less opcodes).
    pub arg: u32,
}

/// Decodes `code` with `version`'s opcode table: EXTENDED_ARG folded into the next
/// instruction, inline caches (3.11+) skipped. `None` when there is no table for that
/// version or the stream does not decode with it.
pub fn decode(version: &str, code: &[u8]) -> Option<Vec<Instr>> {
    let t = opcodes::TABLES.iter().find(|t| t.version == version)?;
    let mut out = Vec::new();
    let mut ext: u32 = 0;
    let mut i = 0;
    while i < code.len() {
        let op = code[i];
        let (arg, len) = if t.wordcode {
            let a = u32::from(*code.get(i + 1)?);
            (a, 2 + 2 * usize::from(t.cache[usize::from(op)]))
        } else if op >= t.have_argument {
            let lo = u32::from(*code.get(i + 1)?);
            let hi = u32::from(*code.get(i + 2)?);
            (lo | hi << 8, 3)
        } else {
            (0, 1)
        };
        let shift = if t.wordcode { 8 } else { 16 };
        let full = ext.checked_shl(shift).unwrap_or(0) | arg;
        if op == t.extended_arg {
            ext = full;
        } else {
            ext = 0;
            out.push(Instr {
                offset: i,
                op,
                arg: full,
            });
        }
        i += len;
    }
    (i == code.len()).then_some(out)
}

/// The names the global opcodes of `code` refer to, for the first version in `pythons`
/// whose table decodes it (all fitting tables agree on these opcodes' meaning).
fn globals_of(pythons: &[&str], code: &[u8], names: &[String]) -> Option<Vec<String>> {
    'version: for v in pythons {
        let Some(t) = opcodes::TABLES.iter().find(|t| t.version == *v) else {
            continue;
        };
        let Some(instrs) = decode(v, code) else {
            continue;
        };
        let mut out: Vec<String> = Vec::new();
        // LOAD_NAME (class bodies, module code) finds a name stored by STORE_NAME first.
        let stored: Vec<u32> = instrs
            .iter()
            .filter(|i| i.op == t.store_name)
            .map(|i| i.arg)
            .collect();
        for ins in &instrs {
            let Some(which) = t.globals.iter().position(|&g| g == u16::from(ins.op)) else {
                continue;
            };
            let index = match which {
                0 => ins.arg >> t.global_shift,
                1 if stored.contains(&ins.arg) => continue,
                _ => ins.arg,
            };
            // An index past co_names: this table is not the one that wrote it.
            let Some(name) = names.get(index as usize) else {
                continue 'version;
            };
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        return Some(out);
    }
    None
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
        // Protocols 0–2 write bytes as _codecs.encode(text, 'latin1'), and b'' as bytes()
        // (dill: `_load_type('bytes')()`).
        NodeKind::Reduce => {
            let f = NodeId(p.node(id).a);
            if p.node(f).kind == NodeKind::Reduce {
                let named = super::names::global_name(p, NodeId(p.node(f).a))
                    .is_some_and(|q| q.is_dill("_load_type"));
                let arg = p
                    .items(NodeId(p.node(f).b))
                    .first()
                    .and_then(|&a| p.text(a));
                return named && arg.as_deref() == Some("bytes");
            }
            super::names::global_name(p, f).is_some_and(|q| {
                q.is("_codecs", "encode")
                    || q.is("codecs", "encode")
                    || q.is("builtins", "bytes")
                    || q.is("__builtin__", "bytes")
            })
        }
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
            let Some(&arg) = p.items(NodeId(p.node(id).b)).first() else {
                // bytes(): the empty bytes of protocols 0–2.
                return Some(Vec::new());
            };
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
    if !t.wordcode {
        return decode(version, code).is_some();
    }
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

/// How many constants and names a code object has, to check its instructions' arguments.
struct Counts {
    consts: usize,
    names: usize,
}

/// True when every instruction that indexes co_consts or co_names stays in range under
/// `version`'s table: two tables whose opcodes and cache sizes both happen to fit (3.11
/// and 3.12) disagree here.
fn args_fit(version: &str, code: &[u8], counts: &Counts) -> bool {
    let Some(t) = opcodes::TABLES.iter().find(|t| t.version == version) else {
        return false;
    };
    let Some(instrs) = decode(version, code) else {
        return false;
    };
    let bit = |map: &[u64; 4], op: u8| map[usize::from(op) / 64] & (1 << (op % 64)) != 0;
    instrs.iter().all(|i| {
        if bit(&t.hasconst, i.op) {
            return (i.arg as usize) < counts.consts;
        }
        if bit(&t.hasname, i.op) {
            let shift = t
                .name_shift
                .iter()
                .find(|(op, _)| *op == i.op)
                .map_or(0, |x| x.1);
            return ((i.arg >> shift) as usize) < counts.names;
        }
        true
    })
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

    /// `def f(x): global counter; counter = 1; return math.pi + cos(x) + [y for y in config]`
    /// as each CPython compiled it (co_code, co_names from the real interpreters).
    #[test]
    fn globals_are_the_global_opcodes_not_attribute_loads() {
        let names: Vec<String> = ["counter", "math", "pi", "cos", "config"]
            .map(String::from)
            .to_vec();
        let want = ["counter", "math", "cos", "config"]
            .map(String::from)
            .to_vec();
        let py27: &[u8] = &[
            100, 1, 0, 97, 0, 0, 116, 1, 0, 106, 2, 0, 116, 3, 0, 124, 0, 0, 131, 1, 0, 23, 103, 0,
            0, 116, 4, 0, 68, 93, 12, 0, 125, 1, 0, 124, 1, 0, 94, 2, 0, 113, 29, 0, 23, 83,
        ];
        let py37: &[u8] = &[
            100, 1, 97, 0, 116, 1, 106, 2, 116, 3, 124, 0, 131, 1, 23, 0, 100, 2, 100, 3, 132, 0,
            116, 4, 68, 0, 131, 1, 23, 0, 83, 0,
        ];
        let mut py311 = vec![151, 0, 100, 1, 97, 0, 116, 2];
        py311.extend([0; 10]);
        py311.extend([106, 2]);
        py311.extend([0; 8]);
        py311.extend([116, 7]);
        py311.extend([0; 10]);
        py311.extend([124, 0, 166, 1, 0, 0, 171, 1]);
        py311.extend([0; 8]);
        py311.extend([122, 0, 0, 0, 100, 2, 132, 0, 116, 8]);
        py311.extend([0; 10]);
        py311.extend([68, 0, 166, 0, 0, 0, 171, 0]);
        py311.extend([0; 8]);
        py311.extend([122, 0, 0, 0, 83, 0]);
        assert_eq!(globals_of(&["2.7"], py27, &names), Some(want.clone()));
        assert_eq!(globals_of(&["3.7"], py37, &names), Some(want.clone()));
        assert!(bytecode_fits("3.11", &py311));
        // 3.11 keeps the comprehension in a nested code object: `config` is the outer iterable.
        assert_eq!(globals_of(&["3.11"], &py311, &names), Some(want.clone()));
        // No table for the version: unknown, never a guess.
        assert_eq!(globals_of(&["3.4"], py37, &names), None);
    }

    #[test]
    fn extended_arg_is_folded_into_the_next_instruction() {
        // 3.7: EXTENDED_ARG 1; LOAD_GLOBAL 2  → LOAD_GLOBAL 258.
        let ins = decode("3.7", &[144, 1, 116, 2]).unwrap();
        assert_eq!(ins.len(), 1);
        assert_eq!((ins[0].op, ins[0].arg), (116, 258));
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
