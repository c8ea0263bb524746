//! Errors of the pickle layer: where in the file, and what was wrong there.

use super::Opcode;

/// A decoding failure at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct Error {
    pub offset: u64,
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("truncated ({needed} more bytes needed)")]
    Truncated { needed: u64 },
    #[error("truncated (no STOP)")]
    NoStop,
    #[error("unknown opcode 0x{0:02x}")]
    UnknownOpcode(u8),
    #[error("{op} needs {needed} items on the stack, found {found}")]
    StackUnderflow {
        op: Opcode,
        needed: usize,
        found: usize,
    },
    #[error("{0} without a MARK")]
    NoMark(Opcode),
    #[error("{op} on a MARK instead of a value")]
    MarkAsValue { op: Opcode },
    #[error("memo key {0} was never stored")]
    MemoMissing(u64),
    #[error("bad {op} argument {text:?}")]
    BadArg { op: Opcode, text: String },
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
    #[error("stack is empty at STOP")]
    EmptyAtStop,
    #[error("{0} is over the limit of {1}")]
    Limit(&'static str, u64),
    #[error("read failed: {0}")]
    Io(String),
    #[error("file changed while it was read ({0})")]
    Changed(String),
    /// A [`super::Budget`] ran out: the walk stopped there on purpose.
    #[error("{0}")]
    Budget(super::budget::Exceeded),
}

impl Error {
    pub fn new(offset: u64, kind: ErrorKind) -> Error {
        Error { offset, kind }
    }

    /// True when the input simply ended early (a cut, or a dump still being written).
    pub fn is_truncation(&self) -> bool {
        matches!(self.kind, ErrorKind::Truncated { .. } | ErrorKind::NoStop)
    }

    /// The budget that stopped the walk, when one did (not a fault of the file).
    pub fn budget(&self) -> Option<super::budget::Exceeded> {
        match self.kind {
            ErrorKind::Budget(e) => Some(e),
            _ => None,
        }
    }
}
