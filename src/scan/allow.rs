//! The closed allowlist: every callable and name a pickle may use and still be
//! judged `safe`, each as its exact module and full qualified name (no
//! wildcard, no suffix match, no module prefix), with what it may be used for
//! and which argument constraints the analysis must prove. A name not listed
//! here is at best `unknown`. Extending this table is a claim that loading
//! through the name runs no code the file chose; each row says why.

/// What a listed name may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Builds plain data from its arguments (stored, not called). Instances it
    /// returns take BUILD/SETITEMS/APPENDS through library code that calls
    /// nothing the file gives it.
    Data,
    /// Safe to refer to (bind as a value, a base class, a default); calling it is not proven.
    Ref,
    /// A metaclass: calling it (dill's `_create_type`) makes a class by value.
    Meta,
    /// Safe only when the analysis proves the constraint.
    Check(Check),
}

/// Argument constraints, one per kind of behaviour that depends on arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// `import_module(name)`: the name must be a literal module on the import list.
    Import,
    /// `getattr(obj, name[, default])`: the name must be literal and what it
    /// gives must itself be listed (or the file's own object).
    GetAttr,
    /// `setattr(obj, name, value)`: the target must be an object the file builds
    /// whose class runs no `__setattr__` of its own.
    SetAttr,
    /// `copyreg._reconstructor(cls, base, state)`: `base.__new__(cls)`, and `base.__init__` when base is not object.
    Reconstructor,
    /// `copyreg.__newobj__(cls, *args)`: `cls.__new__(cls, *args)`.
    NewObj,
    /// dill's `_create_type(metaclass, name, bases, dict)`: the class-creation hooks.
    CreateType,
    /// dill's `_create_ftype(wrapper, func, args, kwds)`: `wrapper(func, …)`; the wrapper must be listed.
    CreateFtype,
    /// dill's `_create_array(f, args, state, npdict)`: `f(*args).__setstate__(state)`; f must be listed.
    CreateArray,
    /// dill's `_create_weakref(obj, *callback)` / `weakref.ref`: a callback runs when obj dies.
    Weakref,
    /// dill's `_eval_repr(s)`: `eval(s)`; only the literals dill itself writes.
    EvalRepr,
    /// dill's `_getattr(cls, name, repr_str)`: evals part of `repr_str`; must be a plain slot-wrapper repr.
    DillGetattr,
    /// dill's `_create_filehandle(name, mode, …, open, …, fmode, fdata)`: a read mode, a listed opener, no FILE_FMODE.
    FileHandle,
    /// dill's `_create_namedtuple(name, fields, module)`: imports `module.name` first.
    Namedtuple,
    /// dill's `_load_type(name)`: a type from dill's own table.
    LoadType,
    /// `codecs.encode/decode(s, encoding)`: the encoding must be a literal text codec.
    Codec,
    /// `functools.partial(f, …)` and friends: stores `f`, which is judged where it is called.
    Wrapper,
}

use self::Check::*;
use self::Use::*;

/// `(module, qualified name, use)`, sorted by module then name for binary search.
const TABLE: &[(&str, &str, Use)] = &[
    ("__builtin__", "NoneType", Ref),
    ("__builtin__", "__main__", Ref),
    ("_ast", "AnnAssign", Data),
    ("_ast", "Assign", Data),
    ("_ast", "AugAssign", Data),
    ("_ast", "Module", Data),
    ("_ast", "stmt", Data),
    ("_codecs", "encode", Check(Codec)),
    ("_collections", "OrderedDict", Data),
    ("_collections", "defaultdict", Data),
    ("_collections", "deque", Data),
    ("_datetime", "date", Data),
    ("_datetime", "datetime", Data),
    ("_datetime", "time", Data),
    ("_datetime", "timedelta", Data),
    ("_datetime", "timezone", Data),
    ("_decimal", "Decimal", Data),
    // Module metadata dill saves with a module's namespace (`__spec__`, `__loader__`).
    ("_frozen_importlib", "BuiltinImporter", Ref),
    ("_frozen_importlib", "ModuleSpec", Data),
    ("_frozen_importlib_external", "SourceFileLoader", Data),
    ("_frozen_importlib_external", "SourcelessFileLoader", Data),
    ("_io", "BytesIO", Data),
    ("_io", "StringIO", Data),
    ("_io", "open", Ref),
    ("_operator", "itemgetter", Data),
    ("_thread", "get_ident", Ref),
    ("_weakrefset", "WeakSet", Data),
    ("_weakrefset", "__dict__", Ref),
    ("abc", "ABC", Ref),
    ("abc", "ABCMeta", Meta),
    ("array", "_array_reconstructor", Data),
    ("array", "array", Data),
    ("ast", "AnnAssign", Data),
    ("ast", "Assign", Data),
    ("ast", "AugAssign", Data),
    ("ast", "Module", Data),
    ("ast", "stmt", Data),
    ("builtins", "Ellipsis", Ref),
    ("builtins", "Exception", Data),
    ("builtins", "KeyError", Data),
    ("builtins", "NoneType", Ref),
    ("builtins", "NotImplemented", Ref),
    ("builtins", "NotImplementedType", Ref),
    ("builtins", "RuntimeError", Data),
    ("builtins", "TypeError", Data),
    ("builtins", "ValueError", Data),
    ("builtins", "__dict__", Ref),
    ("builtins", "__main__", Ref),
    ("builtins", "abs", Ref),
    ("builtins", "bool", Data),
    ("builtins", "bytearray", Data),
    ("builtins", "bytes", Data),
    ("builtins", "cell", Data),
    ("builtins", "classmethod", Check(Wrapper)),
    ("builtins", "code", Data),
    ("builtins", "complex", Data),
    ("builtins", "dict", Data),
    ("builtins", "ellipsis", Ref),
    ("builtins", "enumerate", Ref),
    ("builtins", "filter", Ref),
    ("builtins", "float", Data),
    ("builtins", "frozenset", Data),
    ("builtins", "function", Data),
    ("builtins", "getattr", Check(GetAttr)),
    ("builtins", "getset_descriptor", Ref),
    ("builtins", "hasattr", Ref),
    ("builtins", "int", Data),
    ("builtins", "isinstance", Ref),
    ("builtins", "iter", Ref),
    ("builtins", "len", Ref),
    ("builtins", "list", Data),
    ("builtins", "map", Ref),
    ("builtins", "mappingproxy", Data),
    ("builtins", "max", Ref),
    ("builtins", "member_descriptor", Ref),
    ("builtins", "method", Check(Wrapper)),
    ("builtins", "method_descriptor", Ref),
    ("builtins", "min", Ref),
    ("builtins", "module", Data),
    ("builtins", "next", Ref),
    ("builtins", "object", Data),
    ("builtins", "object.__new__", Ref),
    ("builtins", "print", Ref),
    ("builtins", "property", Check(Wrapper)),
    ("builtins", "range", Data),
    ("builtins", "repr", Ref),
    ("builtins", "round", Ref),
    ("builtins", "set", Data),
    ("builtins", "setattr", Check(SetAttr)),
    ("builtins", "slice", Data),
    ("builtins", "sorted", Ref),
    ("builtins", "staticmethod", Check(Wrapper)),
    ("builtins", "str", Data),
    ("builtins", "sum", Ref),
    ("builtins", "super", Ref),
    ("builtins", "tuple", Data),
    ("builtins", "type", Meta),
    ("builtins", "wrapper_descriptor", Ref),
    ("builtins", "zip", Ref),
    ("collections", "Counter", Data),
    ("collections", "OrderedDict", Data),
    ("collections", "defaultdict", Data),
    ("collections", "deque", Data),
    ("collections.abc", "Iterable", Ref),
    ("copy_reg", "_reconstructor", Check(Reconstructor)),
    ("copyreg", "__newobj__", Check(NewObj)),
    ("copyreg", "_reconstructor", Check(Reconstructor)),
    // Names dill saves as the globals of dataclass-generated methods: references, never called at load.
    ("dataclasses", "Field", Data),
    ("dataclasses", "FrozenInstanceError", Ref),
    ("dataclasses", "InitVar", Ref),
    ("dataclasses", "KW_ONLY", Ref),
    ("dataclasses", "MISSING", Ref),
    ("dataclasses", "_DataclassParams", Data),
    ("dataclasses", "_FIELD", Ref),
    ("dataclasses", "_FIELD_BASE", Data),
    ("dataclasses", "_FIELD_CLASSVAR", Ref),
    ("dataclasses", "_FIELD_INITVAR", Ref),
    ("dataclasses", "_HAS_DEFAULT_FACTORY", Ref),
    ("dataclasses", "_HAS_DEFAULT_FACTORY_CLASS", Data),
    ("dataclasses", "_InitVarMeta", Ref),
    ("dataclasses", "_KW_ONLY_TYPE", Data),
    ("dataclasses", "_MISSING_TYPE", Data),
    ("dataclasses", "__dict__", Ref),
    ("dataclasses", "_add_slots", Ref),
    ("dataclasses", "_asdict_inner", Ref),
    ("dataclasses", "_astuple_inner", Ref),
    ("dataclasses", "_cmp_fn", Ref),
    ("dataclasses", "_create_fn", Ref),
    ("dataclasses", "_dataclass_getstate", Ref),
    ("dataclasses", "_dataclass_setstate", Ref),
    ("dataclasses", "_field_assign", Ref),
    ("dataclasses", "_field_init", Ref),
    ("dataclasses", "_fields_in_init_order", Ref),
    ("dataclasses", "_frozen_get_del_attr", Ref),
    ("dataclasses", "_get_field", Ref),
    ("dataclasses", "_get_slots", Ref),
    ("dataclasses", "_hash_add", Ref),
    ("dataclasses", "_hash_exception", Ref),
    ("dataclasses", "_hash_fn", Ref),
    ("dataclasses", "_hash_set_none", Ref),
    ("dataclasses", "_init_fn", Ref),
    ("dataclasses", "_init_param", Ref),
    ("dataclasses", "_is_classvar", Ref),
    ("dataclasses", "_is_dataclass_instance", Ref),
    ("dataclasses", "_is_initvar", Ref),
    ("dataclasses", "_is_kw_only", Ref),
    ("dataclasses", "_is_type", Ref),
    ("dataclasses", "_process_class", Ref),
    ("dataclasses", "_recursive_repr", Ref),
    ("dataclasses", "_replace", Ref),
    ("dataclasses", "_repr_fn", Ref),
    ("dataclasses", "_set_new_attribute", Ref),
    ("dataclasses", "_set_qualname", Ref),
    ("dataclasses", "_tuple_str", Ref),
    ("dataclasses", "asdict", Ref),
    ("dataclasses", "astuple", Ref),
    ("dataclasses", "dataclass", Ref),
    ("dataclasses", "field", Ref),
    ("dataclasses", "fields", Ref),
    ("dataclasses", "is_dataclass", Ref),
    ("dataclasses", "make_dataclass", Ref),
    ("dataclasses", "replace", Ref),
    ("datetime", "date", Data),
    ("datetime", "datetime", Data),
    ("datetime", "time", Data),
    ("datetime", "timedelta", Data),
    ("datetime", "timezone", Data),
    ("decimal", "Decimal", Data),
    // dill's reconstructors. Those that call or import what they are given carry a check.
    ("dill._dill", "_create_array", Check(CreateArray)),
    ("dill._dill", "_create_cell", Data),
    ("dill._dill", "_create_code", Data),
    ("dill._dill", "_create_dtypemeta", Data),
    ("dill._dill", "_create_filehandle", Check(FileHandle)),
    ("dill._dill", "_create_ftype", Check(CreateFtype)),
    ("dill._dill", "_create_function", Data),
    ("dill._dill", "_create_lock", Data),
    ("dill._dill", "_create_namedtuple", Check(Namedtuple)),
    ("dill._dill", "_create_rlock", Data),
    ("dill._dill", "_create_stringi", Data),
    ("dill._dill", "_create_stringo", Data),
    ("dill._dill", "_create_type", Check(CreateType)),
    ("dill._dill", "_create_typing_tuple", Data),
    ("dill._dill", "_create_weakproxy", Check(Weakref)),
    ("dill._dill", "_create_weakref", Check(Weakref)),
    ("dill._dill", "_dict_from_dictproxy", Data),
    ("dill._dill", "_eval_repr", Check(EvalRepr)),
    ("dill._dill", "_get_attr", Check(GetAttr)),
    ("dill._dill", "_getattr", Check(DillGetattr)),
    ("dill._dill", "_import_module", Check(Import)),
    ("dill._dill", "_load_type", Check(LoadType)),
    ("dill._dill", "_setattr", Check(SetAttr)),
    ("dill._dill", "_unmarshal", Data),
    ("dill._shims", "_CELL_EMPTY", Ref),
    ("enum", "Enum", Ref),
    ("enum", "Enum.__new__", Ref),
    ("enum", "Enum._generate_next_value_", Ref),
    ("enum", "EnumMeta", Meta),
    ("enum", "EnumType", Meta),
    ("enum", "IntEnum", Ref),
    ("enum", "__dict__", Ref),
    ("fractions", "Fraction", Data),
    ("functools", "_lru_cache_wrapper", Check(Wrapper)),
    ("functools", "lru_cache", Check(Wrapper)),
    ("functools", "partial", Check(Wrapper)),
    ("functools", "wraps", Ref),
    ("io", "BytesIO", Data),
    ("io", "StringIO", Data),
    ("io", "open", Ref),
    ("itertools", "chain", Ref),
    ("itertools", "islice", Ref),
    ("itertools", "permutations", Ref),
    ("itertools", "product", Ref),
    ("math", "ceil", Ref),
    ("math", "sin", Ref),
    ("numpy", "add", Ref),
    ("numpy", "arange", Ref),
    ("numpy", "array", Ref),
    ("numpy", "copy", Ref),
    ("numpy", "dtype", Data),
    ("numpy", "hsplit", Ref),
    ("numpy", "hstack", Ref),
    ("numpy", "isreal", Ref),
    ("numpy", "matrix", Data),
    ("numpy", "meshgrid", Ref),
    ("numpy", "ndarray", Data),
    ("numpy", "real", Ref),
    ("numpy", "reshape", Ref),
    ("numpy", "shape", Ref),
    ("numpy", "transpose", Ref),
    ("numpy", "vsplit", Ref),
    ("numpy", "zeros", Ref),
    ("numpy._core._multiarray_umath", "_reconstruct", Data),
    ("numpy._core._multiarray_umath", "add", Ref),
    ("numpy._core.multiarray", "_reconstruct", Data),
    ("numpy._core.multiarray", "scalar", Data),
    ("numpy.core", "_ufunc_reconstruct", Check(Import)),
    ("numpy.core._multiarray_umath", "_reconstruct", Data),
    ("numpy.core._multiarray_umath", "add", Ref),
    ("numpy.core._multiarray_umath", "conjugate", Ref),
    ("numpy.core._multiarray_umath", "cos", Ref),
    ("numpy.core._multiarray_umath", "exp", Ref),
    ("numpy.core._multiarray_umath", "sin", Ref),
    ("numpy.core._multiarray_umath", "sqrt", Ref),
    ("numpy.core.multiarray", "_reconstruct", Data),
    ("numpy.core.multiarray", "scalar", Data),
    ("numpy.core.numeric", "_frombuffer", Data),
    ("numpy.linalg", "LinAlgError", Ref),
    ("numpy.linalg", "svd", Ref),
    ("numpy.ma.core", "MaskedArray", Data),
    ("numpy.ma.core", "_mareconstruct", Data),
    ("numpy.random._pcg64", "PCG64", Data),
    ("numpy.random._pickle", "__bit_generator_ctor", Data),
    ("numpy.random._pickle", "__generator_ctor", Data),
    ("numpy.random._pickle", "__randomstate_ctor", Data),
    ("numpy.random.bit_generator", "SeedSequence", Data),
    (
        "numpy.random.bit_generator",
        "__pyx_unpickle_SeedSequence",
        Data,
    ),
    ("numpy.random.mtrand", "RandomState", Data),
    ("operator", "attrgetter", Ref),
    ("operator", "itemgetter", Data),
    ("pandas", "DataFrame", Data),
    ("pandas", "DatetimeIndex", Data),
    ("pandas", "Index", Data),
    ("pandas", "RangeIndex", Data),
    ("pandas", "Series", Data),
    ("pandas", "StringDtype", Data),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked", Data),
    ("pandas._libs.internals", "_unpickle_block", Data),
    ("pandas._libs.tslibs.nattype", "__nat_unpickle", Data),
    ("pandas._libs.tslibs.offsets", "Day", Data),
    ("pandas._libs.tslibs.timedeltas", "Timedelta", Data),
    (
        "pandas._libs.tslibs.timedeltas",
        "_timedelta_unpickle",
        Data,
    ),
    ("pandas._libs.tslibs.timestamps", "Timestamp", Data),
    (
        "pandas._libs.tslibs.timestamps",
        "_unpickle_timestamp",
        Data,
    ),
    ("pandas.arrays", "DatetimeArray", Data),
    ("pandas.arrays", "StringArray", Data),
    ("pandas.core.arrays.categorical", "Categorical", Data),
    ("pandas.core.arrays.datetimes", "DatetimeArray", Data),
    ("pandas.core.arrays.string_", "StringArray", Data),
    ("pandas.core.arrays.string_", "StringDtype", Data),
    ("pandas.core.dtypes.dtypes", "CategoricalDtype", Data),
    ("pandas.core.frame", "DataFrame", Data),
    ("pandas.core.indexes.base", "Index", Data),
    ("pandas.core.indexes.base", "_new_Index", Data),
    ("pandas.core.indexes.datetimes", "DatetimeIndex", Data),
    ("pandas.core.indexes.datetimes", "_new_DatetimeIndex", Data),
    ("pandas.core.indexes.numeric", "Int64Index", Data),
    ("pandas.core.indexes.range", "RangeIndex", Data),
    ("pandas.core.internals", "BlockManager", Data),
    ("pandas.core.internals", "SingleBlockManager", Data),
    ("pandas.core.internals.blocks", "new_block", Data),
    ("pandas.core.internals.managers", "BlockManager", Data),
    ("pandas.core.internals.managers", "SingleBlockManager", Data),
    ("pandas.core.series", "Series", Data),
    ("pandas.indexes.base", "Index", Data),
    ("pandas.indexes.base", "_new_Index", Data),
    ("pandas.indexes.numeric", "Int64Index", Data),
    ("pandas.indexes.range", "RangeIndex", Data),
    ("pandas.tseries.offsets", "YearBegin", Data),
    ("pathlib", "Path", Data),
    ("pathlib", "PosixPath", Data),
    ("pathlib", "PurePosixPath", Data),
    ("pathlib", "PureWindowsPath", Data),
    ("pathlib", "WindowsPath", Data),
    ("pathlib._local", "PosixPath", Data),
    ("pathlib._local", "PurePosixPath", Data),
    ("posixpath", "join", Ref),
    ("re", "_compile", Data),
    ("re", "sub", Ref),
    ("reprlib", "Repr", Data),
    ("reprlib", "Repr.repr", Ref),
    ("reprlib", "_possibly_sorted", Ref),
    ("reprlib", "recursive_repr", Ref),
    ("sys", "__loader__", Ref),
    ("types", "CodeType", Data),
    ("types", "FunctionType", Data),
    ("types", "GenericAlias", Data),
    ("types", "MappingProxyType", Data),
    ("types", "MethodType", Check(Wrapper)),
    ("types", "ModuleType", Data),
    ("types", "SimpleNamespace", Data),
    ("typing", "Any", Ref),
    ("typing", "Callable", Ref),
    ("typing", "Dict", Ref),
    ("typing", "List", Ref),
    ("typing", "Optional", Ref),
    ("typing", "Sequence", Ref),
    ("typing", "Tuple", Ref),
    ("typing", "Union", Ref),
    ("uuid", "UUID", Data),
];

/// What the allowlist says about `module.qualname`: exact match or nothing.
pub fn lookup(module: &str, qualname: &str) -> Option<Use> {
    TABLE
        .binary_search_by(|&(m, n, _)| (m, n).cmp(&(module, qualname)))
        .ok()
        .map(|i| TABLE[i].2)
}

mod imports;

/// True when importing `module` is on the import list (its top-level package is).
pub fn importable(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    imports::IMPORTS.binary_search(&top).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_sorted_and_exact() {
        assert!(
            TABLE
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
        );
        assert!(imports::IMPORTS.windows(2).all(|w| w[0] < w[1]));
        assert!(importable("os.path") && !importable("antigravity") && !importable("evil"));
        assert!(
            TABLE
                .iter()
                .all(|(m, n, _)| !m.contains('*') && !n.contains('*'))
        );
        assert_eq!(lookup("collections", "OrderedDict"), Some(Use::Data));
        // No prefix, no suffix: a listed class does not list its methods.
        assert_eq!(lookup("pathlib", "Path.write_text"), None);
        assert_eq!(lookup("collections.abc", "OrderedDict"), None);
        assert_eq!(lookup("numpy.core", "multiarray._reconstruct"), None);
    }
}
