//! The true globals of a function: the names its bytecode, and the bytecode of
//! every code object nested in it (inner functions, lambdas, comprehensions,
//! class bodies), looks up in or stores to its globals. Attribute loads
//! (`math.pi`'s `pi`) are not globals. Decoded from the bytecode with the
//! generated per-version opcode tables; nothing is run.

use super::code::CodeInfo;
use super::describe::Describer;
use crate::pickle::NodeId;

/// How deep nested code objects are followed.
const MAX_NESTING: u32 = 64;

/// The globals of a function or code object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Globals {
    /// In first-use order, outer code first, without repeats.
    pub names: Vec<String>,
    /// False when some code object's bytecode could not be decoded: `names` then also
    /// holds that code object's attribute names (its whole `co_names`), a superset.
    pub exact: bool,
}

impl<'p> Describer<'p> {
    /// The globals of the function built by node `id`, when it is a function.
    pub fn function_globals(&self, id: NodeId) -> Option<Globals> {
        let (info, _) = self.function_code(id)?;
        Some(self.code_globals(&info))
    }

    /// The globals of a code object and all the code objects nested in its constants.
    pub fn code_globals(&self, info: &CodeInfo) -> Globals {
        let mut out = Globals {
            names: Vec::new(),
            exact: true,
        };
        let mut seen: Vec<NodeId> = Vec::new();
        self.collect_globals(info, &mut out, &mut seen, 0);
        out
    }

    fn collect_globals(
        &self,
        info: &CodeInfo,
        out: &mut Globals,
        seen: &mut Vec<NodeId>,
        depth: u32,
    ) {
        let own = match &info.globals {
            Some(g) => g,
            None => {
                out.exact = false;
                &info.names
            }
        };
        for n in own {
            if !out.names.contains(n) {
                out.names.push(n.clone());
            }
        }
        if depth >= MAX_NESTING {
            out.exact = false;
            return;
        }
        for &c in &info.nested {
            if seen.contains(&c) {
                continue;
            }
            seen.push(c);
            if let Some(inner) = self.code(c) {
                self.collect_globals(&inner, out, seen, depth + 1);
            }
        }
    }
}
