//! The one table of safety rules: what calling a global does when a pickle is
//! loaded. Type knowledge lives in `session::knowledge`; this table only says
//! whether a call is harmless, worth a look, or dangerous, and which calls need
//! their arguments checked. Extend it here; the analysis hard-codes no library.

use super::{Category, Severity};
use crate::session::names::QualName;

/// What calling a global does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub severity: Severity,
    pub category: Category,
    pub check: Check,
}

/// Calls whose verdict depends on their arguments, or whose value the analysis follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// `dill._dill._eval_repr(s)`: an `eval`, harmless only for the literals dill writes.
    EvalRepr,
    /// `dill._dill._create_filehandle(name, mode, pos, closed, open, strictio, fmode, fdata)`.
    FileHandle,
    /// `open(path, mode)`-like: writes when the mode argument (at `mode`) can write.
    Open {
        mode: usize,
        default: &'static str,
    },
    /// Instantiates the classes given as these arguments (`copyreg._reconstructor`).
    Instantiates(&'static [usize]),
    /// Calls the callables given as these arguments, now or when the result is used.
    Invokes(&'static [usize]),
    /// `setattr(obj, name, value)`: harmless on objects the file builds, not on modules.
    SetAttr,
    /// Returns a wrapper (`lru_cache(…)`), so calling the result only wraps its argument.
    WrapperFactory,
}

use Category::*;
use Check::None as Plain;
use Severity::*;

const fn r(severity: Severity, category: Category, check: Check) -> Rule {
    Rule {
        severity,
        category,
        check,
    }
}

const SAFE: Rule = r(Safe, Data, Plain);
const NOTICE: Rule = r(Notice, Other, Plain);
const COMMAND: Rule = r(Dangerous, Command, Plain);
const CODE: Rule = r(Dangerous, Code, Plain);
const NETWORK: Rule = r(Dangerous, Network, Plain);
const WRITE: Rule = r(Dangerous, FileWrite, Plain);
const NESTED: Rule = r(Dangerous, NestedLoad, Plain);
const IMPORT: Rule = r(Safe, Import, Plain);
const OPEN: Rule = r(
    Notice,
    FileRead,
    Check::Open {
        mode: 1,
        default: "r",
    },
);

/// `(module, name, rule)`; name `*` is every name of the module, and a module
/// ending in `.*` also covers its submodules. The most specific row wins.
const RULES: &[(&str, &str, Rule)] = &[
    // Running commands.
    ("os", "system", COMMAND),
    ("os", "popen", COMMAND),
    ("os", "startfile", COMMAND),
    ("os", "fork", COMMAND),
    ("os", "forkpty", COMMAND),
    ("os", "kill", COMMAND),
    ("os", "killpg", COMMAND),
    ("os", "posix_spawn", COMMAND),
    ("os", "posix_spawnp", COMMAND),
    ("os", "putenv", COMMAND),
    ("os", "remove", WRITE),
    ("os", "unlink", WRITE),
    ("os", "rmdir", WRITE),
    ("os", "removedirs", WRITE),
    ("os", "rename", WRITE),
    ("os", "renames", WRITE),
    ("os", "replace", WRITE),
    ("os", "truncate", WRITE),
    ("os", "ftruncate", WRITE),
    ("os", "write", WRITE),
    ("os", "open", WRITE),
    ("os", "mkdir", WRITE),
    ("os", "makedirs", WRITE),
    ("os", "symlink", WRITE),
    ("os", "link", WRITE),
    ("os", "chmod", WRITE),
    ("os", "chown", WRITE),
    ("os", "lchown", WRITE),
    ("os", "stat_result", SAFE),
    ("os", "statvfs_result", SAFE),
    ("os", "terminal_size", SAFE),
    ("os", "times_result", SAFE),
    ("os", "uname_result", SAFE),
    ("os", "fspath", SAFE),
    ("os", "getcwd", SAFE),
    ("os.path", "*", SAFE),
    ("posixpath", "*", SAFE),
    ("ntpath", "*", SAFE),
    ("subprocess", "*", COMMAND),
    ("subprocess", "CompletedProcess", SAFE),
    ("subprocess", "CalledProcessError", SAFE),
    ("subprocess", "TimeoutExpired", SAFE),
    ("_posixsubprocess", "*", COMMAND),
    ("_winapi", "*", COMMAND),
    ("pty", "*", COMMAND),
    ("popen2", "*", COMMAND),
    ("platform", "popen", COMMAND),
    ("asyncio", "create_subprocess_exec", COMMAND),
    ("asyncio", "create_subprocess_shell", COMMAND),
    ("asyncio.subprocess", "*", COMMAND),
    ("webbrowser", "*", COMMAND),
    ("pydoc", "pipepager", COMMAND),
    ("pydoc", "tempfilepager", COMMAND),
    ("pydoc", "pager", COMMAND),
    ("ctypes.*", "*", COMMAND),
    ("_ctypes", "*", COMMAND),
    ("cffi.*", "*", COMMAND),
    ("numpy.distutils.*", "*", COMMAND),
    ("numpy.f2py.*", "*", COMMAND),
    ("numpy.ctypeslib", "*", COMMAND),
    ("antigravity", "*", COMMAND),
    // Evaluating or compiling code.
    ("builtins", "eval", CODE),
    ("builtins", "exec", CODE),
    ("builtins", "execfile", CODE),
    ("builtins", "compile", CODE),
    ("builtins", "breakpoint", CODE),
    ("code", "*", CODE),
    ("codeop", "*", CODE),
    ("runpy", "*", CODE),
    ("timeit", "*", CODE),
    ("pdb", "*", CODE),
    ("bdb", "*", CODE),
    ("profile", "run", CODE),
    ("profile", "runctx", CODE),
    ("cProfile", "run", CODE),
    ("cProfile", "runctx", CODE),
    ("doctest", "*", CODE),
    ("trace", "*", CODE),
    ("IPython.utils.process", "*", COMMAND),
    ("IPython.utils._process_posix", "*", COMMAND),
    ("IPython.utils._process_win32", "*", COMMAND),
    ("IPython.utils._process_common", "*", COMMAND),
    ("IPython.core.interactiveshell", "InteractiveShell", CODE),
    ("pandas", "eval", CODE),
    ("pandas.core.computation.*", "*", CODE),
    ("numexpr", "evaluate", CODE),
    ("sys", "settrace", CODE),
    ("sys", "setprofile", CODE),
    ("sys", "addaudithook", CODE),
    ("dill._dill", "_eval_repr", r(Safe, Code, Check::EvalRepr)),
    // Network.
    ("socket", "*", NETWORK),
    ("socket", "AddressFamily", SAFE),
    ("socket", "SocketKind", SAFE),
    ("socket", "MsgFlag", SAFE),
    ("socket", "AddressInfo", SAFE),
    ("_socket", "*", NETWORK),
    ("ssl", "*", NETWORK),
    ("http.client", "*", NETWORK),
    ("http.server", "*", NETWORK),
    ("urllib.request", "*", NETWORK),
    ("urllib", "urlopen", NETWORK),
    ("urllib", "urlretrieve", NETWORK),
    ("ftplib", "*", NETWORK),
    ("smtplib", "*", NETWORK),
    ("poplib", "*", NETWORK),
    ("imaplib", "*", NETWORK),
    ("nntplib", "*", NETWORK),
    ("telnetlib", "*", NETWORK),
    ("xmlrpc.*", "*", NETWORK),
    ("socketserver", "*", NETWORK),
    ("asyncio", "open_connection", NETWORK),
    ("asyncio", "start_server", NETWORK),
    ("requests.*", "*", NETWORK),
    ("httpx.*", "*", NETWORK),
    ("urllib3.*", "*", NETWORK),
    ("aiohttp.*", "*", NETWORK),
    ("paramiko.*", "*", NETWORK),
    // Deleting and writing files.
    ("shutil", "*", WRITE),
    ("shutil", "which", NOTICE),
    ("shutil", "disk_usage", NOTICE),
    ("shutil", "get_terminal_size", SAFE),
    ("numpy", "save", WRITE),
    ("numpy", "savez", WRITE),
    ("numpy", "savez_compressed", WRITE),
    ("numpy", "savetxt", WRITE),
    (
        "numpy",
        "memmap",
        r(
            Notice,
            FileRead,
            Check::Open {
                mode: 2,
                default: "r+",
            },
        ),
    ),
    ("numpy", "fromfile", r(Notice, FileRead, Plain)),
    ("numpy", "loadtxt", r(Notice, FileRead, Plain)),
    ("numpy", "genfromtxt", r(Notice, FileRead, Plain)),
    ("numpy.lib.npyio", "*", r(Notice, FileRead, Plain)),
    ("numpy.testing.*", "*", NOTICE),
    ("builtins", "open", OPEN),
    ("io", "open", OPEN),
    ("_io", "open", OPEN),
    ("_pyio", "open", OPEN),
    ("codecs", "open", OPEN),
    ("io", "FileIO", OPEN),
    ("_io", "FileIO", OPEN),
    (
        "gzip",
        "open",
        r(
            Notice,
            FileRead,
            Check::Open {
                mode: 1,
                default: "rb",
            },
        ),
    ),
    (
        "bz2",
        "open",
        r(
            Notice,
            FileRead,
            Check::Open {
                mode: 1,
                default: "rb",
            },
        ),
    ),
    (
        "lzma",
        "open",
        r(
            Notice,
            FileRead,
            Check::Open {
                mode: 1,
                default: "rb",
            },
        ),
    ),
    ("zipfile", "ZipFile", OPEN),
    (
        "logging",
        "FileHandler",
        r(
            Notice,
            FileRead,
            Check::Open {
                mode: 1,
                default: "a",
            },
        ),
    ),
    ("tempfile", "*", r(Notice, FileWrite, Plain)),
    ("logging", "getLogger", SAFE),
    ("logging", "Logger", SAFE),
    ("logging", "LogRecord", SAFE),
    ("sqlite3", "connect", r(Notice, FileWrite, Plain)),
    (
        "dill._dill",
        "_create_filehandle",
        r(Safe, FileRead, Check::FileHandle),
    ),
    // Loading nested pickles.
    ("pickle", "loads", NESTED),
    ("pickle", "load", NESTED),
    ("pickle", "_loads", NESTED),
    ("pickle", "_load", NESTED),
    ("pickle", "Unpickler", NESTED),
    ("pickle", "_Unpickler", NESTED),
    ("_pickle", "*", NESTED),
    ("dill", "loads", NESTED),
    ("dill", "load", NESTED),
    ("dill", "load_session", NESTED),
    ("dill", "load_module", NESTED),
    ("dill", "load_module_asdict", NESTED),
    ("dill._dill", "loads", NESTED),
    ("dill._dill", "load", NESTED),
    ("dill._dill", "Unpickler", NESTED),
    ("dill.session", "*", NESTED),
    ("cloudpickle.*", "loads", NESTED),
    ("cloudpickle.*", "load", NESTED),
    ("joblib.*", "load", NESTED),
    ("torch", "load", NESTED),
    ("torch.serialization", "load", NESTED),
    ("pandas", "read_pickle", NESTED),
    ("pandas.io.pickle", "*", NESTED),
    ("numpy", "load", NESTED),
    ("shelve", "*", NESTED),
    ("yaml", "load", NESTED),
    ("yaml", "unsafe_load", NESTED),
    ("yaml", "full_load", NESTED),
    ("jsonpickle.*", "*", NESTED),
    ("marshal", "*", r(Notice, Code, Plain)),
    // Imports: the analysis follows their value; the import itself runs module code.
    ("dill._dill", "_import_module", IMPORT),
    ("builtins", "__import__", r(Notice, Import, Plain)),
    ("importlib", "import_module", r(Notice, Import, Plain)),
    ("importlib", "__import__", r(Notice, Import, Plain)),
    ("importlib", "reload", r(Notice, Import, Plain)),
    ("pydoc", "locate", r(Notice, Import, Plain)),
    ("pkgutil", "resolve_name", r(Notice, Import, Plain)),
    // Attribute access and calls of calls.
    ("builtins", "getattr", SAFE),
    ("builtins", "setattr", r(Safe, Data, Check::SetAttr)),
    ("builtins", "delattr", r(Safe, Data, Check::SetAttr)),
    ("dill._dill", "_setattr", r(Safe, Data, Check::SetAttr)),
    ("dill._dill", "_delattr", r(Safe, Data, Check::SetAttr)),
    ("builtins", "input", NOTICE),
    ("builtins", "print", NOTICE),
    ("builtins", "help", NOTICE),
    ("builtins", "exit", NOTICE),
    ("builtins", "quit", NOTICE),
    ("builtins", "globals", NOTICE),
    ("builtins", "locals", NOTICE),
    ("builtins", "vars", NOTICE),
    ("builtins", "map", r(Safe, Data, Check::Invokes(&[0]))),
    ("builtins", "filter", r(Safe, Data, Check::Invokes(&[0]))),
    ("builtins", "sorted", SAFE),
    ("builtins", "*", SAFE),
    ("__builtin__", "__main__", SAFE),
    ("__builtin__", "NoneType", SAFE),
    ("functools", "reduce", r(Safe, Data, Check::Invokes(&[0]))),
    (
        "functools",
        "lru_cache",
        r(Safe, Data, Check::WrapperFactory),
    ),
    ("functools", "wraps", r(Safe, Data, Check::WrapperFactory)),
    ("functools", "*", SAFE),
    ("_functools", "reduce", r(Safe, Data, Check::Invokes(&[0]))),
    ("_functools", "*", SAFE),
    ("itertools", "starmap", r(Safe, Data, Check::Invokes(&[0]))),
    ("itertools", "*", SAFE),
    ("operator", "call", r(Safe, Data, Check::Invokes(&[0]))),
    ("operator", "*", SAFE),
    ("_operator", "call", r(Safe, Data, Check::Invokes(&[0]))),
    ("_operator", "*", SAFE),
    ("atexit", "register", r(Notice, Other, Check::Invokes(&[0]))),
    ("types", "new_class", r(Safe, Data, Check::Invokes(&[3]))),
    ("types", "*", SAFE),
    (
        "copyreg",
        "_reconstructor",
        r(Safe, Data, Check::Instantiates(&[0, 1])),
    ),
    (
        "copyreg",
        "__newobj__",
        r(Safe, Data, Check::Instantiates(&[0])),
    ),
    (
        "copyreg",
        "__newobj_ex__",
        r(Safe, Data, Check::Instantiates(&[0])),
    ),
    ("copyreg", "add_extension", NOTICE),
    ("copyreg", "*", NOTICE),
    // Reconstructors for normal data: dill, the stdlib, numpy, pandas.
    ("dill._dill", "_create_capsule", NOTICE),
    ("dill._dill", "*", SAFE),
    ("dill._shims", "*", SAFE),
    ("dill", "_dill", SAFE),
    ("_codecs", "*", SAFE),
    ("codecs", "encode", SAFE),
    ("codecs", "decode", SAFE),
    ("collections.*", "*", SAFE),
    ("_collections", "*", SAFE),
    ("_collections_abc", "*", SAFE),
    ("datetime", "*", SAFE),
    ("_datetime", "*", SAFE),
    ("zoneinfo.*", "*", SAFE),
    ("time", "struct_time", SAFE),
    ("calendar", "*", SAFE),
    ("decimal", "*", SAFE),
    ("_decimal", "*", SAFE),
    ("_pydecimal", "*", SAFE),
    ("fractions", "*", SAFE),
    ("numbers", "*", SAFE),
    ("math", "*", SAFE),
    ("cmath", "*", SAFE),
    ("statistics", "*", SAFE),
    ("uuid", "UUID", SAFE),
    ("uuid", "SafeUUID", SAFE),
    ("re", "*", SAFE),
    ("_sre", "*", SAFE),
    ("sre_compile", "*", SAFE),
    ("enum", "*", SAFE),
    ("dataclasses", "*", SAFE),
    ("abc", "*", SAFE),
    ("_abc", "*", SAFE),
    ("typing", "*", SAFE),
    ("typing_extensions", "*", SAFE),
    ("array", "*", SAFE),
    ("_struct", "*", SAFE),
    ("struct", "*", SAFE),
    ("random", "Random", SAFE),
    ("_random", "*", SAFE),
    ("string", "*", SAFE),
    ("ipaddress", "*", SAFE),
    ("pathlib.*", "*", SAFE),
    ("weakref", "*", SAFE),
    ("_weakref", "*", SAFE),
    ("_weakrefset", "*", SAFE),
    ("_thread", "*", SAFE),
    ("threading", "Lock", SAFE),
    ("threading", "RLock", SAFE),
    ("threading", "Event", SAFE),
    ("threading", "Condition", SAFE),
    ("threading", "Semaphore", SAFE),
    ("threading", "BoundedSemaphore", SAFE),
    ("threading", "ExceptHookArgs", SAFE),
    ("threading", "_RLock", SAFE),
    ("contextvars", "*", SAFE),
    ("_contextvars", "*", SAFE),
    ("io", "BytesIO", SAFE),
    ("io", "StringIO", SAFE),
    ("_io", "BytesIO", SAFE),
    ("_io", "StringIO", SAFE),
    ("copy", "*", SAFE),
    ("reprlib", "Repr", SAFE),
    // Module metadata (`__spec__`, `__loader__`) dill saves with a module's namespace.
    ("_frozen_importlib", "ModuleSpec", SAFE),
    ("_frozen_importlib", "BuiltinImporter", SAFE),
    ("_frozen_importlib", "FrozenImporter", SAFE),
    ("_frozen_importlib_external", "SourceFileLoader", SAFE),
    ("_frozen_importlib_external", "SourcelessFileLoader", SAFE),
    ("_frozen_importlib_external", "ExtensionFileLoader", SAFE),
    ("_frozen_importlib_external", "FileFinder", SAFE),
    ("importlib.machinery", "ModuleSpec", SAFE),
    ("importlib.machinery", "SourceFileLoader", SAFE),
    ("numpy.*", "*", SAFE),
    ("pandas.*", "*", SAFE),
];

/// The rule for calling `q`. Anything not in the table is a notice.
pub fn call_rule(q: &QualName) -> Rule {
    let (m, n) = (q.module.as_str(), q.name.as_str());
    if let Some(rule) = lookup(m, n) {
        return rule;
    }
    // `STACK_GLOBAL 'os' 'path.join'`: try the dotted name as submodule + name.
    if let Some((head, rest)) = n.split_once('.') {
        let sub = format!("{m}.{head}");
        if let Some(rule) = lookup(&sub, rest) {
            return rule;
        }
        if let Some(rule) = lookup(m, head) {
            return rule;
        }
    }
    NOTICE
}

fn lookup(m: &str, n: &str) -> Option<Rule> {
    // The Python 2 / platform spellings of `os`.
    let m = match m {
        "posix" | "nt" => "os",
        _ => m,
    };
    let mut best: Option<((u32, usize), Rule)> = None;
    for &(rm, rn, rule) in RULES {
        // An exact module beats any package prefix; a longer prefix beats a shorter one.
        let module_score = if rm == m {
            usize::MAX
        } else if let Some(pkg) = rm.strip_suffix(".*") {
            let covers = m == pkg || m.strip_prefix(pkg).is_some_and(|s| s.starts_with('.'));
            if !covers {
                continue;
            }
            pkg.len()
        } else {
            continue;
        };
        let name_score = if rn == n {
            1
        } else if rn == "*" {
            0
        } else {
            continue;
        };
        let score = (name_score, module_score);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, rule));
        }
    }
    best.map(|b| b.1)
}

/// Method names that run commands, evaluate code, write files or open connections
/// whatever object they are called on (`methodcaller('system', …)`).
pub fn dangerous_method(name: &str) -> Option<Category> {
    Some(match name {
        "system" | "popen" | "startfile" | "spawn" | "Popen" | "check_output" | "check_call"
        | "getoutput" | "getstatusoutput" | "run_path" | "run_module" => Category::Command,
        "eval" | "exec" | "execfile" | "run_code" | "runsource" | "runcode" => Category::Code,
        "rmtree" | "remove" | "unlink" | "rmdir" | "removedirs" | "truncate" | "write_text"
        | "write_bytes" => Category::FileWrite,
        "loads" => Category::NestedLoad,
        "urlopen" | "urlretrieve" | "create_connection" => Category::Network,
        _ if name.starts_with("exec") || name.starts_with("spawn") => Category::Command,
        _ => return None,
    })
}

/// True for classes whose instances are live handles on processes or connections
/// (`subprocess.Popen`, `socket.socket`): making one even without calling it
/// (NEWOBJ runs only `cls.__new__`) hands the program something that acts.
/// Other dangerous-to-call classes (`requests.Session`, `shelve.Shelf`) act only
/// when used, so a bare NEWOBJ of them is a notice.
pub fn live_handle(q: &QualName) -> bool {
    let module = match q.module.as_str() {
        "posix" | "nt" => "os",
        m => m,
    };
    matches!(
        module,
        "subprocess"
            | "asyncio.subprocess"
            | "_posixsubprocess"
            | "pty"
            | "os"
            | "socket"
            | "_socket"
            | "ssl"
    ) && call_rule(q).severity == Severity::Dangerous
}

/// Module names whose import alone has a visible effect.
pub fn import_effect(module: &str) -> Option<Rule> {
    match module.split('.').next().unwrap_or(module) {
        "antigravity" => Some(COMMAND),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(m: &str, n: &str) -> Severity {
        call_rule(&QualName::new(m, n)).severity
    }

    #[test]
    fn the_most_specific_row_wins() {
        assert_eq!(sev("os", "system"), Dangerous);
        assert_eq!(sev("posix", "system"), Dangerous);
        assert_eq!(sev("os", "getcwd"), Safe);
        assert_eq!(sev("os", "getpid"), Notice);
        assert_eq!(sev("subprocess", "CompletedProcess"), Safe);
        assert_eq!(sev("subprocess", "getoutput"), Dangerous);
        assert_eq!(sev("numpy", "load"), Dangerous);
        assert_eq!(sev("numpy.core.multiarray", "_reconstruct"), Safe);
        assert_eq!(sev("pandas", "read_pickle"), Dangerous);
        assert_eq!(sev("pandas._libs.internals", "_unpickle_block"), Safe);
        assert_eq!(sev("ctypes.util", "find_library"), Dangerous);
        assert_eq!(sev("sklearn.tree._tree", "Tree"), Notice);
        assert_eq!(sev("builtins", "set"), Safe);
        assert_eq!(sev("builtins", "eval"), Dangerous);
        assert_eq!(sev("os", "path.join"), Safe);
    }
}
