//! The one table of pickle opcodes: byte, name (as pickletools spells it) and
//! the shape of the argument that follows the opcode byte.

/// How the bytes after an opcode byte are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    /// A fixed number of little-endian bytes (1, 2, 4 or 8).
    Fixed(u8),
    /// A length prefix of this many bytes, then that many payload bytes.
    Counted(u8),
    /// One line ending in `\n`.
    Line,
    /// Two lines, each ending in `\n` (GLOBAL, INST).
    TwoLines,
}

macro_rules! opcodes {
    ($($variant:ident = $byte:literal, $name:literal, $arg:expr, $proto:literal;)*) => {
        /// A pickle opcode.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Opcode { $($variant = $byte,)* }

        /// Byte → opcode, built once at compile time so decoding is one load.
        const BY_BYTE: [Option<Opcode>; 256] = {
            let mut t = [None; 256];
            $(t[$byte as usize] = Some(Opcode::$variant);)*
            t
        };

        /// Byte → argument layout, likewise.
        pub(crate) const ARG_BY_BYTE: [ArgKind; 256] = {
            let mut t = [ArgKind::None; 256];
            $(t[$byte as usize] = $arg;)*
            t
        };

        impl Opcode {
            /// The opcode for a byte, if the byte is one.
            #[inline]
            pub fn from_byte(b: u8) -> Option<Opcode> {
                BY_BYTE[b as usize]
            }
            /// The name pickletools prints.
            pub fn name(self) -> &'static str {
                match self { $(Opcode::$variant => $name,)* }
            }
            /// The layout of the argument bytes.
            #[inline]
            pub fn arg_kind(self) -> ArgKind {
                ARG_BY_BYTE[self as usize]
            }
            /// The lowest protocol that emits this opcode.
            pub fn protocol(self) -> u8 {
                match self { $(Opcode::$variant => $proto,)* }
            }
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$variant,)*];
        }
    };
}

use ArgKind::{Counted, Fixed, Line, TwoLines};
const NONE: ArgKind = ArgKind::None;

opcodes! {
    Int = b'I', "INT", Line, 0;
    BinInt = b'J', "BININT", Fixed(4), 1;
    BinInt1 = b'K', "BININT1", Fixed(1), 1;
    BinInt2 = b'M', "BININT2", Fixed(2), 1;
    Long = b'L', "LONG", Line, 0;
    Long1 = 0x8a, "LONG1", Counted(1), 2;
    Long4 = 0x8b, "LONG4", Counted(4), 2;
    String = b'S', "STRING", Line, 0;
    BinString = b'T', "BINSTRING", Counted(4), 1;
    ShortBinString = b'U', "SHORT_BINSTRING", Counted(1), 1;
    BinBytes = b'B', "BINBYTES", Counted(4), 3;
    ShortBinBytes = b'C', "SHORT_BINBYTES", Counted(1), 3;
    BinBytes8 = 0x8e, "BINBYTES8", Counted(8), 4;
    ByteArray8 = 0x96, "BYTEARRAY8", Counted(8), 5;
    NextBuffer = 0x97, "NEXT_BUFFER", NONE, 5;
    ReadonlyBuffer = 0x98, "READONLY_BUFFER", NONE, 5;
    None = b'N', "NONE", NONE, 0;
    NewTrue = 0x88, "NEWTRUE", NONE, 2;
    NewFalse = 0x89, "NEWFALSE", NONE, 2;
    Unicode = b'V', "UNICODE", Line, 0;
    ShortBinUnicode = 0x8c, "SHORT_BINUNICODE", Counted(1), 4;
    BinUnicode = b'X', "BINUNICODE", Counted(4), 1;
    BinUnicode8 = 0x8d, "BINUNICODE8", Counted(8), 4;
    Float = b'F', "FLOAT", Line, 0;
    BinFloat = b'G', "BINFLOAT", Fixed(8), 1;
    EmptyList = b']', "EMPTY_LIST", NONE, 1;
    Append = b'a', "APPEND", NONE, 0;
    Appends = b'e', "APPENDS", NONE, 1;
    List = b'l', "LIST", NONE, 0;
    EmptyTuple = b')', "EMPTY_TUPLE", NONE, 1;
    Tuple = b't', "TUPLE", NONE, 0;
    Tuple1 = 0x85, "TUPLE1", NONE, 2;
    Tuple2 = 0x86, "TUPLE2", NONE, 2;
    Tuple3 = 0x87, "TUPLE3", NONE, 2;
    EmptyDict = b'}', "EMPTY_DICT", NONE, 1;
    Dict = b'd', "DICT", NONE, 0;
    SetItem = b's', "SETITEM", NONE, 0;
    SetItems = b'u', "SETITEMS", NONE, 1;
    EmptySet = 0x8f, "EMPTY_SET", NONE, 4;
    AddItems = 0x90, "ADDITEMS", NONE, 4;
    FrozenSet = 0x91, "FROZENSET", NONE, 4;
    Pop = b'0', "POP", NONE, 0;
    Dup = b'2', "DUP", NONE, 0;
    Mark = b'(', "MARK", NONE, 0;
    PopMark = b'1', "POP_MARK", NONE, 1;
    Get = b'g', "GET", Line, 0;
    BinGet = b'h', "BINGET", Fixed(1), 1;
    LongBinGet = b'j', "LONG_BINGET", Fixed(4), 1;
    Put = b'p', "PUT", Line, 0;
    BinPut = b'q', "BINPUT", Fixed(1), 1;
    LongBinPut = b'r', "LONG_BINPUT", Fixed(4), 1;
    Memoize = 0x94, "MEMOIZE", NONE, 4;
    Ext1 = 0x82, "EXT1", Fixed(1), 2;
    Ext2 = 0x83, "EXT2", Fixed(2), 2;
    Ext4 = 0x84, "EXT4", Fixed(4), 2;
    Global = b'c', "GLOBAL", TwoLines, 0;
    StackGlobal = 0x93, "STACK_GLOBAL", NONE, 4;
    Reduce = b'R', "REDUCE", NONE, 0;
    Build = b'b', "BUILD", NONE, 0;
    Inst = b'i', "INST", TwoLines, 0;
    Obj = b'o', "OBJ", NONE, 1;
    NewObj = 0x81, "NEWOBJ", NONE, 2;
    NewObjEx = 0x92, "NEWOBJ_EX", NONE, 4;
    Proto = 0x80, "PROTO", Fixed(1), 2;
    Stop = b'.', "STOP", NONE, 0;
    Frame = 0x95, "FRAME", Fixed(8), 4;
    PersId = b'P', "PERSID", Line, 0;
    BinPersId = b'Q', "BINPERSID", NONE, 1;
}

impl std::fmt::Display for Opcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_round_trips_through_its_byte() {
        assert_eq!(Opcode::ALL.len(), 68);
        for &op in Opcode::ALL {
            assert_eq!(Opcode::from_byte(op as u8), Some(op));
        }
        assert_eq!(Opcode::from_byte(0xf3), None);
    }
}
