//! Known-dangerous capabilities: what lifts a finding from `unknown` to
//! `dangerous`. This table never makes anything safe (that is the allowlist's
//! job alone), so it may match whole modules and every spelling a name can be
//! reached by, dotted attribute walks included (`numpy.ctypeslib.os.system`).

use super::Capability;
use crate::session::names::QualName;

use Capability::*;

/// `(module, name, capability)`; name `*` is every name of the module; a module
/// ending in `.*` also covers its submodules.
const DENY: &[(&str, &str, Capability)] = &[
    ("os", "system", Process),
    ("os", "popen", Process),
    ("os", "startfile", Process),
    ("os", "fork", Process),
    ("os", "forkpty", Process),
    ("os", "kill", Process),
    ("os", "killpg", Process),
    ("os", "posix_spawn", Process),
    ("os", "posix_spawnp", Process),
    ("os", "putenv", Process),
    ("os", "environ", Process),
    ("os", "remove", FileWrite),
    ("os", "unlink", FileWrite),
    ("os", "rmdir", FileWrite),
    ("os", "removedirs", FileWrite),
    ("os", "rename", FileWrite),
    ("os", "renames", FileWrite),
    ("os", "replace", FileWrite),
    ("os", "truncate", FileWrite),
    ("os", "ftruncate", FileWrite),
    ("os", "write", FileWrite),
    ("os", "open", FileWrite),
    ("os", "mkdir", FileWrite),
    ("os", "makedirs", FileWrite),
    ("os", "symlink", FileWrite),
    ("os", "link", FileWrite),
    ("os", "chmod", FileWrite),
    ("os", "chown", FileWrite),
    ("os", "chdir", FileWrite),
    ("subprocess", "*", Process),
    ("_posixsubprocess", "*", Process),
    ("_winapi", "*", Process),
    ("pty", "*", Process),
    ("popen2", "*", Process),
    ("platform", "popen", Process),
    ("asyncio", "create_subprocess_exec", Process),
    ("asyncio", "create_subprocess_shell", Process),
    ("asyncio.subprocess", "*", Process),
    ("multiprocessing.*", "*", Process),
    ("webbrowser", "*", Process),
    ("pydoc", "pipepager", Process),
    ("pydoc", "pager", Process),
    ("ctypes.*", "*", Process),
    ("_ctypes", "*", Process),
    ("cffi.*", "*", Process),
    ("numpy.ctypeslib", "*", Process),
    ("numpy.f2py.*", "*", Process),
    ("numpy.distutils.*", "*", Process),
    ("antigravity", "*", Process),
    ("IPython.utils.process", "*", Process),
    ("IPython.utils._process_posix", "*", Process),
    ("builtins", "eval", Code),
    ("builtins", "exec", Code),
    ("builtins", "execfile", Code),
    ("builtins", "compile", Code),
    ("builtins", "breakpoint", Code),
    ("builtins", "__import__", Code),
    ("builtins", "open", FileWrite),
    ("builtins", "input", Code),
    ("code", "*", Code),
    ("codeop", "*", Code),
    ("runpy", "*", Code),
    ("timeit", "*", Code),
    ("pdb", "*", Code),
    ("bdb", "*", Code),
    ("doctest", "*", Code),
    ("trace", "*", Code),
    ("cProfile", "*", Code),
    ("profile", "*", Code),
    ("importlib", "import_module", Code),
    ("importlib", "__import__", Code),
    ("importlib", "reload", Code),
    ("importlib.*", "*", Code),
    ("pydoc", "locate", Code),
    ("pkgutil", "resolve_name", Code),
    ("marshal", "loads", Code),
    ("types", "FunctionType", Code),
    ("IPython.core.interactiveshell", "*", Code),
    ("pandas", "eval", Code),
    ("pandas.core.computation.*", "*", Code),
    ("numexpr", "evaluate", Code),
    ("sys", "settrace", Code),
    ("sys", "setprofile", Code),
    ("sys", "addaudithook", Code),
    ("sys", "modules", Rebind),
    ("sys", "path", Rebind),
    ("sys", "meta_path", Rebind),
    ("sys", "path_hooks", Rebind),
    ("sys", "excepthook", Rebind),
    ("sys", "displayhook", Rebind),
    ("builtins", "globals", Rebind),
    ("builtins", "vars", Rebind),
    ("builtins", "setattr", Rebind),
    ("builtins", "delattr", Rebind),
    ("copyreg", "dispatch_table", Rebind),
    ("socket", "*", Network),
    ("_socket", "*", Network),
    ("ssl", "*", Network),
    ("http.client", "*", Network),
    ("http.server", "*", Network),
    ("urllib.request", "*", Network),
    ("ftplib", "*", Network),
    ("smtplib", "*", Network),
    ("poplib", "*", Network),
    ("imaplib", "*", Network),
    ("nntplib", "*", Network),
    ("telnetlib", "*", Network),
    ("xmlrpc.*", "*", Network),
    ("socketserver", "*", Network),
    ("asyncio", "open_connection", Network),
    ("asyncio", "start_server", Network),
    ("requests.*", "*", Network),
    ("httpx.*", "*", Network),
    ("urllib3.*", "*", Network),
    ("aiohttp.*", "*", Network),
    ("shutil", "*", FileWrite),
    ("tempfile", "*", FileWrite),
    ("numpy", "save", FileWrite),
    ("numpy", "savez", FileWrite),
    ("numpy", "savez_compressed", FileWrite),
    ("numpy", "savetxt", FileWrite),
    ("numpy", "memmap", FileWrite),
    ("numpy", "tofile", FileWrite),
    ("io", "open", FileWrite),
    ("io", "FileIO", FileWrite),
    ("_io", "open", FileWrite),
    ("_io", "FileIO", FileWrite),
    ("_pyio", "*", FileWrite),
    ("codecs", "open", FileWrite),
    ("gzip", "open", FileWrite),
    ("bz2", "open", FileWrite),
    ("lzma", "open", FileWrite),
    ("zipfile", "*", FileWrite),
    ("tarfile", "*", FileWrite),
    ("logging", "FileHandler", FileWrite),
    ("sqlite3", "connect", FileWrite),
    ("pathlib", "Path.write_text", FileWrite),
    ("pathlib", "Path.write_bytes", FileWrite),
    ("pathlib", "Path.unlink", FileWrite),
    ("pathlib", "Path.touch", FileWrite),
    ("pathlib", "Path.open", FileWrite),
    ("pathlib", "Path.rmdir", FileWrite),
    ("pathlib", "Path.rename", FileWrite),
    ("pathlib", "Path.mkdir", FileWrite),
    ("pickle", "*", NestedLoad),
    ("_pickle", "*", NestedLoad),
    ("dill", "*", NestedLoad),
    ("dill._dill", "load", NestedLoad),
    ("dill._dill", "loads", NestedLoad),
    ("dill._dill", "Unpickler", NestedLoad),
    ("dill._dill", "load_session", NestedLoad),
    ("dill._dill", "load_module", NestedLoad),
    ("dill.session", "*", NestedLoad),
    ("cloudpickle.*", "*", NestedLoad),
    ("joblib.*", "*", NestedLoad),
    ("torch", "load", NestedLoad),
    ("torch.serialization", "*", NestedLoad),
    ("pandas", "read_pickle", NestedLoad),
    ("pandas.io.pickle", "*", NestedLoad),
    ("pandas.compat.pickle_compat", "*", NestedLoad),
    ("numpy", "load", NestedLoad),
    ("numpy.lib.npyio", "*", NestedLoad),
    ("numpy.lib.format", "*", NestedLoad),
    ("shelve", "*", NestedLoad),
    ("yaml", "load", NestedLoad),
    ("yaml", "unsafe_load", NestedLoad),
    ("jsonpickle.*", "*", NestedLoad),
    ("threading", "Thread", Callback),
    ("threading", "Timer", Callback),
    ("_thread", "start_new_thread", Callback),
    ("_thread", "start_new", Callback),
    ("atexit", "register", Callback),
    ("weakref", "finalize", Callback),
    ("signal", "signal", Callback),
    ("asyncio", "*", Callback),
    ("concurrent.*", "*", Callback),
];

/// Modules whose names reach the capabilities above under another spelling.
fn canonical(module: &str) -> &str {
    match module {
        "posix" | "nt" => "os",
        "__builtin__" | "__builtins__" => "builtins",
        "commands" => "subprocess",
        "cPickle" => "pickle",
        "dill.dill" => "dill._dill",
        m => m,
    }
}

/// The capability calling `q` reaches, if a known-dangerous one. Dotted names
/// are tried at every split: `('numpy', 'ctypeslib.os.system')` also reads as
/// `os.system` reached by attribute walk.
pub fn capability(q: &QualName) -> Option<Capability> {
    let parts: Vec<&str> = q.name.split('.').collect();
    // Module + full name, then every deeper module spelt by the walk.
    if let Some(c) = row(canonical(&q.module), &q.name) {
        return Some(c);
    }
    for i in 0..parts.len().saturating_sub(1) {
        let module = parts[..=i].join(".");
        let rest = parts[i + 1..].join(".");
        for m in [format!("{}.{module}", q.module), module.clone()] {
            if let Some(c) = row(canonical(&m), &rest) {
                return Some(c);
            }
        }
        // The last module-looking part, whatever reached it.
        if let Some(c) = row(canonical(parts[i]), &rest) {
            return Some(c);
        }
    }
    None
}

/// The capability importing `module` (off the import list) reaches: only modules
/// that act when imported. Importing anything else off the list is `unknown`.
pub fn module(module: &str) -> Option<Capability> {
    match module.split('.').next().unwrap_or(module) {
        "antigravity" => Some(Process),
        "this" | "__hello__" | "__phello__" => Some(Code),
        _ => None,
    }
}

/// A method name that is dangerous whatever it is called on (`methodcaller('system')`).
pub fn method(name: &str) -> Option<Capability> {
    Some(match name {
        "system" | "popen" | "startfile" | "spawn" | "Popen" | "check_output" | "check_call"
        | "getoutput" | "getstatusoutput" | "run_path" | "run_module" => Process,
        "eval" | "exec" | "execfile" | "runsource" | "runcode" | "__import__" | "import_module" => {
            Code
        }
        "rmtree" | "remove" | "unlink" | "rmdir" | "truncate" | "write_text" | "write_bytes"
        | "write" | "touch" => FileWrite,
        "loads" | "load" | "read_pickle" => NestedLoad,
        "urlopen" | "urlretrieve" | "create_connection" | "connect" => Network,
        _ if name.starts_with("exec") || name.starts_with("spawn") => Process,
        _ => return None,
    })
}

fn row(module: &str, name: &str) -> Option<Capability> {
    let mut best: Option<(usize, u8, Capability)> = None;
    for &(rm, rn, cap) in DENY {
        let module_score = if rm == module {
            usize::MAX
        } else if let Some(pkg) = rm.strip_suffix(".*") {
            let covers =
                module == pkg || module.strip_prefix(pkg).is_some_and(|s| s.starts_with('.'));
            if !covers {
                continue;
            }
            pkg.len()
        } else {
            continue;
        };
        let name_score = if rn == name || name.starts_with(&format!("{rn}.")) {
            1
        } else if rn == "*" {
            0
        } else {
            continue;
        };
        if best.is_none_or(|(m, n, _)| (name_score, module_score) > (n, m)) {
            best = Some((module_score, name_score, cap));
        }
    }
    best.map(|b| b.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(m: &str, n: &str) -> Option<Capability> {
        capability(&QualName::new(m, n))
    }

    #[test]
    fn every_spelling_reaches_the_capability() {
        assert_eq!(cap("os", "system"), Some(Process));
        assert_eq!(cap("posix", "system"), Some(Process));
        assert_eq!(cap("numpy", "ctypeslib.os.system"), Some(Process));
        assert_eq!(cap("pathlib", "Path.write_text"), Some(FileWrite));
        assert_eq!(cap("builtins", "eval"), Some(Code));
        assert_eq!(cap("subprocess", "Popen"), Some(Process));
        assert_eq!(cap("collections", "OrderedDict"), None);
        assert_eq!(cap("os", "path.join"), None);
    }
}
