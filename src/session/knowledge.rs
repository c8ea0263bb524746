//! The one table of knowledge that turns a factory into a type: what calling a
//! global returns (the reconstructors, written here by hand), and what a global
//! is when it is only referenced (the generated `table`, asked of the real
//! libraries). Nothing else in brine hard-codes a library's names.

mod table;

pub use table::Ctx;

use super::names::QualName;

/// What brine knows about a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// A class (a type object) whose metaclass is `meta`; calling it makes an instance of it.
    Class { meta: &'static str },
    /// A function whose own type is `ty`; calling it returns `returns` when known.
    Func { ty: &'static str, returns: Returns },
    /// A dill reconstructor.
    Dill(Dill),
    /// A plain object that is neither class nor function (a constant, a singleton).
    Object { ty: &'static str },
    /// Depends on a version the file does not reveal: the alternatives, each with the
    /// versions that give it; `classes` when every alternative is a class.
    Either { text: &'static str, classes: bool },
}

/// What a known function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    Unknown,
    Type(&'static str),
    /// An instance of the class passed as argument n.
    InstanceOfArg(usize),
    /// A numpy scalar of the dtype in argument 0.
    NumpyScalar,
    /// The dtype object for the code in argument 0.
    NumpyDtype,
}

/// dill's reconstructors (`dill._dill.X`), by what they build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dill {
    ImportModule,
    CreateFunction,
    CreateCode,
    CreateType,
    LoadType,
    CreateCell,
    CreateNamedtuple,
    CreateArray,
    CreateFilehandle,
    EvalRepr,
    GetAttrDescriptor,
    CreateDtypeMeta,
    /// A reconstructor whose result has one fixed type.
    Fixed(&'static str),
    /// A helper that is called for its side effect or returns something we cannot name.
    Helper,
}

const F: &str = "builtins.function";
const B: &str = "builtins.builtin_function_or_method";

fn func(ty: &'static str) -> Known {
    Known::Func {
        ty,
        returns: Returns::Unknown,
    }
}

fn returns(ty: &'static str, r: &'static str) -> Known {
    Known::Func {
        ty,
        returns: Returns::Type(r),
    }
}

fn class() -> Known {
    Known::Class {
        meta: "builtins.type",
    }
}

/// Looks a global up, knowing nothing about the versions that wrote the file.
pub fn lookup(q: &QualName) -> Option<Known> {
    lookup_in(q, &Ctx::default())
}

/// Looks a global up: dill's reconstructors, the hand-written factories that say what
/// they return, then the generated table (resolved with what the file reveals).
pub fn lookup_in(q: &QualName, ctx: &Ctx) -> Option<Known> {
    let (m, n) = (q.module.as_str(), q.name.as_str());
    if m == "dill._dill" || m == "dill._shims" {
        // dill's reconstructors are private names; a public one is whatever dill imported
        // (`dill._dill.logging` is the logging module): not known from here.
        if !n.starts_with('_') {
            return None;
        }
        return Some(Known::Dill(dill(n)));
    }
    let hand = exact(m, n);
    if let Some(k @ Known::Func { returns, .. }) = hand
        && returns != Returns::Unknown
    {
        return Some(k);
    }
    if let Some(k) = table::lookup(m, n, ctx) {
        return Some(k);
    }
    if hand.is_some() {
        return hand;
    }
    if m == "builtins" {
        return builtin(n);
    }
    if let Some(rest) = m.strip_prefix("numpy") {
        let ufunc_home = rest.is_empty()
            || rest == ".core._multiarray_umath"
            || rest == "._core._multiarray_umath";
        if ufunc_home && NUMPY_UFUNCS.contains(&n) {
            return Some(Known::Object { ty: "numpy.ufunc" });
        }
        if m == "numpy.dtypes" && n.ends_with("DType") {
            return Some(Known::Class {
                meta: "numpy._DTypeMeta",
            });
        }
    }
    None
}

fn dill(n: &str) -> Dill {
    match n {
        "_import_module" => Dill::ImportModule,
        "_create_function" => Dill::CreateFunction,
        "_create_code" | "_unmarshal" => Dill::CreateCode,
        "_create_type" => Dill::CreateType,
        "_load_type" => Dill::LoadType,
        "_create_cell" => Dill::CreateCell,
        "_create_namedtuple" => Dill::CreateNamedtuple,
        "_create_array" => Dill::CreateArray,
        "_create_filehandle" => Dill::CreateFilehandle,
        "_eval_repr" => Dill::EvalRepr,
        "_getattr" => Dill::GetAttrDescriptor,
        "_create_dtypemeta" => Dill::CreateDtypeMeta,
        "_create_lock" => Dill::Fixed("_thread.lock"),
        "_create_rlock" => Dill::Fixed("_thread.RLock"),
        "_create_thread_handle" => Dill::Fixed("_thread._ThreadHandle"),
        "_create_weakref" => Dill::Fixed("weakref.ReferenceType"),
        "_create_weakproxy" => Dill::Fixed("weakref.ProxyType"),
        "_create_capsule" => Dill::Fixed("builtins.PyCapsule"),
        "_create_typing_tuple" => Dill::Fixed("typing._GenericAlias"),
        "_create_stringi" | "_create_stringo" => Dill::Fixed("io.BytesIO"),
        "_create_dictproxy" | "_dict_from_dictproxy" => Dill::Fixed("builtins.mappingproxy"),
        "_create_ftype" => Dill::Fixed("functools.partial"),
        "_setitems" | "_setattr" | "_delattr" => Dill::Fixed("builtins.NoneType"),
        _ => Dill::Helper,
    }
}

/// The type a `dill._dill._load_type(name)` call names, as (module.qualname).
pub fn load_type(name: &str) -> String {
    let known = match name {
        "LambdaType" | "FunctionType" => "builtins.function",
        "MethodType" | "UnboundMethodType" => "builtins.method",
        "CodeType" => "builtins.code",
        "ModuleType" => "builtins.module",
        "CellType" => "builtins.cell",
        "PartialType" => "functools.partial",
        "SuperType" => "builtins.super",
        "MappingProxyType" | "DictProxyType" => "builtins.mappingproxy",
        "BuiltinMethodType" | "BuiltinFunctionType" => B,
        "FileType" => "_io.FileIO",
        "BufferedRandomType" => "_io.BufferedRandom",
        "BufferedReaderType" => "_io.BufferedReader",
        "BufferedWriterType" => "_io.BufferedWriter",
        "TextWrapperType" => "_io.TextIOWrapper",
        "PyBufferedRandomType" => "_pyio.BufferedRandom",
        "PyBufferedReaderType" => "_pyio.BufferedReader",
        "PyBufferedWriterType" => "_pyio.BufferedWriter",
        "PyTextWrapperType" => "_pyio.TextIOWrapper",
        "ItemGetterType" => "operator.itemgetter",
        "AttrGetterType" => "operator.attrgetter",
        "NoneType" => "builtins.NoneType",
        "EllipsisType" => "builtins.ellipsis",
        "NotImplementedType" => "builtins.NotImplementedType",
        "DictKeysType" => "builtins.dict_keys",
        "DictValuesType" => "builtins.dict_values",
        "DictItemsType" => "builtins.dict_items",
        "OdictKeysType" => "collections.odict_keys",
        "OdictValuesType" => "collections.odict_values",
        "OdictItemsType" => "collections.odict_items",
        "ExitType" => "_sitebuiltins.Quitter",
        "PyCapsuleType" => "builtins.PyCapsule",
        "GeneratorType" => "builtins.generator",
        "CoroutineType" => "builtins.coroutine",
        "AsyncGeneratorType" => "builtins.async_generator",
        "FrameType" => "builtins.frame",
        "TracebackType" => "builtins.traceback",
        "MethodWrapperType" => "builtins.method-wrapper",
        "WrapperDescriptorType" => "builtins.wrapper_descriptor",
        "MethodDescriptorType" => "builtins.method_descriptor",
        "ClassMethodDescriptorType" => "builtins.classmethod_descriptor",
        "GetSetDescriptorType" => "builtins.getset_descriptor",
        "MemberDescriptorType" => "builtins.member_descriptor",
        "GenericAliasIteratorType" => "builtins.generic_alias_iterator",
        "IOError" | "EnvironmentError" => "builtins.OSError",
        "SliceType" => "builtins.slice",
        "XRangeType" => "builtins.range",
        "StringType" | "UnicodeType" => "builtins.str",
        "IntType" | "LongType" => "builtins.int",
        "FloatType" => "builtins.float",
        "ComplexType" => "builtins.complex",
        "ListType" => "builtins.list",
        "TupleType" => "builtins.tuple",
        "DictType" | "DictionaryType" => "builtins.dict",
        "BooleanType" => "builtins.bool",
        "TypeType" | "ClassType" => "builtins.type",
        "ObjectType" => "builtins.object",
        _ => return format!("builtins.{name}"),
    };
    known.to_string()
}

/// Names in `builtins` that are not classes.
fn builtin(n: &str) -> Option<Known> {
    const FUNCS: &[&str] = &[
        "abs",
        "all",
        "any",
        "ascii",
        "bin",
        "breakpoint",
        "callable",
        "chr",
        "compile",
        "delattr",
        "dir",
        "divmod",
        "eval",
        "exec",
        "format",
        "getattr",
        "globals",
        "hasattr",
        "hash",
        "hex",
        "id",
        "input",
        "isinstance",
        "issubclass",
        "iter",
        "aiter",
        "len",
        "locals",
        "max",
        "min",
        "next",
        "anext",
        "oct",
        "ord",
        "pow",
        "print",
        "repr",
        "round",
        "setattr",
        "sorted",
        "sum",
        "vars",
        "__import__",
        "__build_class__",
        "open",
    ];
    match n {
        _ if FUNCS.contains(&n) => Some(func(B)),
        "Ellipsis" => Some(Known::Object {
            ty: "builtins.ellipsis",
        }),
        "NotImplemented" => Some(Known::Object {
            ty: "builtins.NotImplementedType",
        }),
        "None" => Some(Known::Object {
            ty: "builtins.NoneType",
        }),
        "True" | "False" => Some(Known::Object {
            ty: "builtins.bool",
        }),
        "__dict__" => Some(Known::Object {
            ty: "builtins.dict",
        }),
        "copyright" | "credits" | "license" => Some(Known::Object {
            ty: "_sitebuiltins._Printer",
        }),
        "exit" | "quit" => Some(Known::Object {
            ty: "_sitebuiltins.Quitter",
        }),
        "help" => Some(Known::Object {
            ty: "_sitebuiltins._Helper",
        }),
        // Every other public name in builtins is a class (int, dict, ValueError…).
        _ if !n.starts_with('_') => Some(class()),
        _ => None,
    }
}

fn exact(m: &str, n: &str) -> Option<Known> {
    let k = match (m, n) {
        ("copyreg", "_reconstructor")
        | ("copyreg", "__newobj__")
        | ("copyreg", "__newobj_ex__") => Known::Func {
            ty: F,
            returns: Returns::InstanceOfArg(0),
        },
        ("copyreg", "_reconstructor_ex") => Known::Func {
            ty: F,
            returns: Returns::InstanceOfArg(0),
        },
        ("_codecs", "encode") | ("codecs", "encode") => returns(B, "builtins.bytes"),
        ("_codecs", "decode") | ("codecs", "decode") => returns(B, "builtins.str"),
        ("re", "_compile") => returns(F, "re.Pattern"),
        ("re", "compile") => returns(F, "re.Pattern"),
        ("functools", "partial") | ("functools", "partialmethod") => class(),
        ("functools", "reduce") => func(B),
        ("functools", "lru_cache") => func(F),
        ("functools", "_lru_cache_wrapper") => class(),
        ("operator", "getitem") | ("_operator", "getitem") => func(B),
        ("operator", "itemgetter") | ("_operator", "itemgetter") => class(),
        ("operator", "attrgetter") | ("_operator", "attrgetter") => class(),
        ("operator", "methodcaller") | ("_operator", "methodcaller") => class(),
        ("types", "new_class") => Known::Func {
            ty: F,
            returns: Returns::Type("builtins.type"),
        },
        ("types", "SimpleNamespace") | ("types", "GenericAlias") | ("types", "UnionType") => {
            class()
        }
        ("types", "MappingProxyType") => class(),
        ("datetime", "datetime") | ("datetime", "date") | ("datetime", "time") => class(),
        ("datetime", "timedelta") | ("datetime", "timezone") | ("datetime", "tzinfo") => class(),
        ("collections", "OrderedDict")
        | ("collections", "defaultdict")
        | ("collections", "deque") => class(),
        ("collections", "Counter") | ("collections", "ChainMap") | ("collections", "UserDict") => {
            class()
        }
        ("collections", "UserList") | ("collections", "UserString") => class(),
        ("collections", "namedtuple") => func(F),
        ("_collections", "OrderedDict")
        | ("_collections", "defaultdict")
        | ("_collections", "deque") => class(),
        ("decimal", "Decimal") | ("fractions", "Fraction") | ("uuid", "UUID") => class(),
        ("_decimal", "Decimal") | ("_pydecimal", "Decimal") => class(),
        ("array", "array") | ("array", "_array_reconstructor") => returns(B, "array.array"),
        ("_io", "BytesIO") | ("_io", "StringIO") | ("io", "BytesIO") | ("io", "StringIO") => {
            class()
        }
        ("_io", "open") | ("io", "open") => func(B),
        ("_pyio", "open") => func(F),
        ("enum", "EnumMeta") | ("enum", "EnumType") => Known::Class {
            meta: "builtins.type",
        },
        ("enum", "Enum")
        | ("enum", "IntEnum")
        | ("enum", "Flag")
        | ("enum", "IntFlag")
        | ("enum", "StrEnum") => Known::Class {
            meta: "enum.EnumType",
        },
        ("abc", "ABCMeta") => Known::Class {
            meta: "builtins.type",
        },
        ("abc", "ABC") => Known::Class {
            meta: "abc.ABCMeta",
        },
        ("typing", "NamedTuple") => func(F),
        ("typing", "TypeVar") | ("typing", "Generic") | ("typing", "Protocol") => class(),
        ("dataclasses", "MISSING") => Known::Object {
            ty: "dataclasses._MISSING_TYPE",
        },
        ("dataclasses", "_HAS_DEFAULT_FACTORY") => Known::Object {
            ty: "dataclasses._HAS_DEFAULT_FACTORY_CLASS",
        },
        ("dataclasses", "KW_ONLY") => Known::Object {
            ty: "dataclasses._KW_ONLY_TYPE",
        },
        ("dataclasses", "_FIELD")
        | ("dataclasses", "_FIELD_CLASSVAR")
        | ("dataclasses", "_FIELD_INITVAR") => Known::Object {
            ty: "dataclasses._FIELD_BASE",
        },
        ("dataclasses", "Field") | ("dataclasses", "_DataclassParams") => class(),
        ("_frozen_importlib", "ModuleSpec") | ("importlib._bootstrap", "ModuleSpec") => class(),
        ("_frozen_importlib_external", _) if n.ends_with("Loader") || n.ends_with("Finder") => {
            class()
        }
        ("_frozen_importlib", "BuiltinImporter") | ("_frozen_importlib", "FrozenImporter") => {
            class()
        }
        ("pathlib", _) if n.ends_with("Path") => class(),
        ("pathlib._local", _) if n.ends_with("Path") => class(),
        ("threading", "ExceptHookArgs") => class(),
        ("_contextvars", "Context") => class(),
        ("numpy", "ndarray") | ("numpy", "dtype") | ("numpy", "matrix") | ("numpy", "recarray") => {
            class()
        }
        ("numpy.ma.core", "MaskedArray") => class(),
        ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct")
        | ("numpy.core._multiarray_umath" | "numpy._core._multiarray_umath", "_reconstruct") => {
            Known::Func {
                ty: B,
                returns: Returns::InstanceOfArg(0),
            }
        }
        ("numpy.core.multiarray" | "numpy._core.multiarray", "scalar")
        | ("numpy.core._multiarray_umath" | "numpy._core._multiarray_umath", "scalar") => {
            Known::Func {
                ty: B,
                returns: Returns::NumpyScalar,
            }
        }
        ("numpy.core.numeric", "_frombuffer") | ("numpy._core.numeric", "_frombuffer") => {
            returns(F, "numpy.ndarray")
        }
        ("numpy.core", "_ufunc_reconstruct") | ("numpy._core", "_ufunc_reconstruct") => {
            returns(F, "numpy.ufunc")
        }
        ("numpy.ma.core", "_mareconstruct") => Known::Func {
            ty: F,
            returns: Returns::InstanceOfArg(0),
        },
        ("numpy.random._pickle", "__randomstate_ctor") => {
            returns(F, "numpy.random.mtrand.RandomState")
        }
        ("numpy.random._pickle", "__generator_ctor") => {
            returns(F, "numpy.random._generator.Generator")
        }
        ("pandas.core.indexes.base" | "pandas.indexes.base", "_new_Index") => Known::Func {
            ty: F,
            returns: Returns::InstanceOfArg(0),
        },
        ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked") => Known::Func {
            ty: B,
            returns: Returns::InstanceOfArg(0),
        },
        ("pandas._libs.internals", "_unpickle_block") => returns(B, "pandas._libs.internals.Block"),
        ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp") => {
            returns(B, "pandas._libs.tslibs.timestamps.Timestamp")
        }
        ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle") => {
            returns(B, "pandas._libs.tslibs.timedeltas.Timedelta")
        }
        _ => return None,
    };
    Some(k)
}

/// numpy ufuncs that are pickled by name as `numpy.<name>`.
const NUMPY_UFUNCS: &[&str] = &[
    "add",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
    "floor_divide",
    "power",
    "mod",
    "remainder",
    "negative",
    "positive",
    "absolute",
    "abs",
    "fabs",
    "sqrt",
    "square",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "floor",
    "ceil",
    "trunc",
    "rint",
    "sign",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "invert",
    "isnan",
    "isinf",
    "isfinite",
    "matmul",
    "hypot",
    "reciprocal",
    "conjugate",
    "degrees",
    "radians",
    "deg2rad",
    "rad2deg",
];

/// The Python type of a numpy scalar with this dtype string (`'f8'`, `'<i4'`, `'?'`).
pub fn numpy_scalar_type(code: &str) -> Option<&'static str> {
    let c = code.trim_start_matches(['<', '>', '|', '=']);
    Some(match c {
        "f8" | "d" | "float64" => "numpy.float64",
        "f4" | "f" | "float32" => "numpy.float32",
        "f2" | "e" | "float16" => "numpy.float16",
        "f16" | "g" | "f12" => "numpy.longdouble",
        "i8" | "q" | "l" | "int64" => "numpy.int64",
        "i4" | "i" | "int32" => "numpy.int32",
        "i2" | "h" | "int16" => "numpy.int16",
        "i1" | "b" | "int8" => "numpy.int8",
        "u8" | "Q" | "L" | "uint64" => "numpy.uint64",
        "u4" | "I" | "uint32" => "numpy.uint32",
        "u2" | "H" | "uint16" => "numpy.uint16",
        "u1" | "B" | "uint8" => "numpy.uint8",
        "b1" | "?" | "bool" => "numpy.bool",
        "c16" | "D" | "complex128" => "numpy.complex128",
        "c8" | "F" | "complex64" => "numpy.complex64",
        "O8" | "O4" | "O" => "builtins.object",
        _ if c.starts_with('U') => "numpy.str_",
        _ if c.starts_with('S') => "numpy.bytes_",
        _ if c.starts_with('V') => "numpy.void",
        _ if c.starts_with("M8") => "numpy.datetime64",
        _ if c.starts_with("m8") => "numpy.timedelta64",
        _ => return None,
    })
}

/// The dtype class name numpy ≥ 1.25 gives `type(np.dtype(code))`.
pub fn numpy_dtype_class(code: &str) -> Option<String> {
    let scalar = numpy_scalar_type(code)?;
    let base = match scalar {
        "builtins.object" => "Object",
        "numpy.str_" => "Str",
        "numpy.bytes_" => "Bytes",
        "numpy.void" => "Void",
        "numpy.bool" => "Bool",
        "numpy.datetime64" => "DateTime64",
        "numpy.timedelta64" => "TimeDelta64",
        "numpy.longdouble" => "LongDouble",
        s => {
            let t = s.trim_start_matches("numpy.");
            return Some(format!(
                "numpy.dtypes.{}{}DType",
                t[..1].to_uppercase(),
                &t[1..]
            ));
        }
    };
    Some(format!("numpy.dtypes.{base}DType"))
}

/// A friendly numpy dtype name for previews (`float64`, `<U5`).
pub fn numpy_dtype_name(code: &str) -> String {
    match numpy_scalar_type(code) {
        Some("builtins.object") => "object".into(),
        Some("numpy.str_") | Some("numpy.bytes_") | Some("numpy.void") | None => code.to_string(),
        Some(s) => s.trim_start_matches("numpy.").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_dtype_classes_follow_numpy_naming() {
        assert_eq!(
            numpy_dtype_class("f8").as_deref(),
            Some("numpy.dtypes.Float64DType")
        );
        assert_eq!(
            numpy_dtype_class("<U5").as_deref(),
            Some("numpy.dtypes.StrDType")
        );
        assert_eq!(numpy_dtype_name("i4"), "int32");
    }

    #[test]
    fn builtin_names_split_into_classes_and_functions() {
        assert_eq!(
            lookup(&QualName::new("builtins", "dict")),
            Some(Known::Class {
                meta: "builtins.type"
            })
        );
        assert!(matches!(
            lookup(&QualName::new("builtins", "len")),
            Some(Known::Func { ty: B, .. })
        ));
        assert!(matches!(
            lookup(&QualName::new("math", "sin")),
            Some(Known::Func { ty: B, .. })
        ));
        assert_eq!(lookup(&QualName::new("mylib", "thing")), None);
    }
}
