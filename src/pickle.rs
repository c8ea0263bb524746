//! Pickle decoding without evaluation: the opcode table, a zero-copy reader and
//! a symbolic machine. Nothing here calls, imports or evaluates anything.

pub mod budget;
pub mod error;
pub mod input;
pub mod machine;
pub mod opcode;
pub mod program;
pub mod reader;
pub mod resolve;
pub mod text;

pub use budget::{Budget, Exceeded, Meter, Resource};
pub use error::{Error, ErrorKind};
pub use input::Source;
pub use machine::{Limits, parse, parse_bytes, parse_file};
pub use opcode::Opcode;
pub use program::{Effect, EffectKind, MemoKey, Node, NodeId, NodeKind, NodeMap, Program};
pub use reader::{Arg, Op};
