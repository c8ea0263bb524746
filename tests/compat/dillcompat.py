"""The checks behind check.py (see there). Loads only fixtures this project made."""
import json
import math
import os
import sys
import types
import warnings

import dill

warnings.simplefilter("ignore")
SUPPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "sessions", "support")
sys.path.insert(0, SUPPORT)

BOOKKEEPING = {"__builtins__", "__loader__", "__session__", "__dill_imported", "__dill_imported_as",
               "__dill_imported_top_level"}


def load(path):
    if hasattr(dill, "load_module_asdict"):
        try:
            return dict(dill.load_module_asdict(path))
        except KeyError:
            # __runtime__.X files: load_module_asdict has a bug (KeyError); load_module works.
            mod = dill.load_module(path)
            return dict(vars(mod))
    # Old dill loads into the running __main__: empty it first so loads do not mix.
    import __main__
    for k in [k for k in vars(__main__) if not k.startswith("__")]:
        del vars(__main__)[k]
    dill.load_session(path)
    return dict(vars(__main__))


def tname(x):
    t = type(x)
    return "%s.%s" % (t.__module__, getattr(t, "__qualname__", t.__name__))


def same(a, b, seen, depth=0):
    if depth > 40:
        return True
    key = (id(a), id(b))
    if key in seen:
        return True
    seen.add(key)
    if tname(a) != tname(b):
        return False
    try:
        import numpy as np
        if isinstance(a, np.ndarray):
            if a.dtype != b.dtype or a.shape != b.shape:
                return False
            if a.dtype.hasobject:
                return all(same(x, y, seen, depth + 1) for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
            return a.tobytes() == b.tobytes()
        if isinstance(a, np.generic):
            return a.tobytes() == b.tobytes()
    except ImportError:
        pass
    if type(a).__module__.startswith("pandas"):
        try:
            return bool(a.equals(b))
        except Exception:
            return repr(a) == repr(b)
    if isinstance(a, types.FunctionType):
        return (a.__name__ == b.__name__ and a.__code__.co_code == b.__code__.co_code
                and same(a.__defaults__, b.__defaults__, seen, depth + 1)
                and same([c.cell_contents if _full(c) else "<empty>" for c in (a.__closure__ or ())],
                         [c.cell_contents if _full(c) else "<empty>" for c in (b.__closure__ or ())], seen, depth + 1))
    if isinstance(a, type):
        qa = getattr(a, "__qualname__", a.__name__)
        qb = getattr(b, "__qualname__", b.__name__)
        return qa == qb and sorted(vars(a)) == sorted(vars(b))
    if isinstance(a, types.ModuleType):
        return a.__name__ == b.__name__
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k], seen, depth + 1) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, seen, depth + 1) for x, y in zip(a, b))
    if isinstance(a, (set, frozenset)):
        return a == b
    if hasattr(a, "getvalue") and hasattr(a, "tell"):
        return a.getvalue() == b.getvalue() and a.tell() == b.tell()
    if hasattr(a, "locked") and hasattr(a, "acquire"):
        return a.locked() == b.locked()
    if tname(a) == "_thread.RLock":
        return repr(a).split(" object ")[0] == repr(b).split(" object ")[0]
    if tname(a) == "functools.partial":
        return same((a.func, a.args, a.keywords), (b.func, b.args, b.keywords), seen, depth + 1)
    if tname(a) == "__builtin__.classobj":
        return a.__name__ == b.__name__
    plain_fn = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    if hasattr(a, "__dict__") and not isinstance(a, type) and not isinstance(a, plain_fn):
        return same(vars(a), vars(b), seen, depth + 1)
    slots = getattr(type(a), "__slots__", None)
    if slots and type(a).__module__ == "__main__":
        return all(same(getattr(a, s, None), getattr(b, s, None), seen, depth + 1) for s in slots)
    try:
        return bool(a == b) or repr(a) == repr(b)
    except Exception:
        return repr(a) == repr(b)


def _full(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def is_namespace(ns, v):
    return isinstance(v, dict) and "__name__" in v and v.get("__name__") == ns.get("__name__") and v is not ns.get("__builtins__")


def paths(ns, names, depth=3):
    """id -> list of paths, for containers reachable from the given names."""
    out = {}
    todo = [((n,), ns[n], 0) for n in names]
    while todo:
        path, v, d = todo.pop()
        if isinstance(v, (int, float, str, bytes, bool, type(None))) or is_namespace(ns, v):
            continue
        out.setdefault(id(v), []).append(path)
        if d >= depth or len(out) > 5000:
            continue
        if isinstance(v, dict):
            todo.extend((path + (k,), x, d + 1) for k, x in list(v.items())[:200] if isinstance(k, str))
        elif isinstance(v, (list, tuple)):
            todo.extend((path + (i,), x, d + 1) for i, x in enumerate(v[:200]))
        elif type(v).__module__ == "__main__" and hasattr(v, "__dict__") and not isinstance(v, type):
            todo.extend((path + ("." + k,), x, d + 1) for k, x in vars(v).items())
    return out


def get(ns, path):
    v = ns[path[0]]
    for p in path[1:]:
        v = getattr(v, p[1:]) if isinstance(p, str) and p.startswith(".") else v[p]
    return v


def check(item):
    problems = []
    try:
        orig = load(item["original"])
    except Exception as e:
        return {"edited": item["edited"], "ok": False, "problems": ["original does not load: %r" % e], "skip": True}
    try:
        new = load(item["edited"])
    except Exception as e:
        return {"edited": item["edited"], "ok": False, "problems": ["edited does not load: %r" % e]}
    dropped = set(item["dropped"])
    want = [k for k in orig if k not in BOOKKEEPING and k not in dropped]
    got = [k for k in new if k not in BOOKKEEPING]
    # Every module has its dunders: loading into one may show some the file does not hold.
    extra = [k for k in set(got) - set(want) if not (k.startswith("__") and k.endswith("__"))]
    if set(want) - set(got) or extra:
        problems.append("names: missing %s, extra %s" % (sorted(set(want) - set(got)), sorted(extra)))
    # A name bound to the module's own globals() holds the namespace: it loses the dropped names too.
    namespaces = set(k for k in want if is_namespace(orig, orig[k]))
    for k in namespaces:
        if not is_namespace(new, new.get(k)):
            problems.append("%s no longer holds the module's globals" % k)
    for k in want:
        if k not in new or k in namespaces:
            continue
        if not same(orig[k], new[k], set()):
            problems.append("%s differs: %s vs %s" % (k, tname(orig[k]), tname(new[k])))
    kept = [k for k in want if k in new and not k.startswith("__") and k not in namespaces]
    shared = [p for p in paths(orig, kept).values() if len(p) > 1]
    for group in shared:
        first = group[0]
        for other in group[1:]:
            try:
                if get(new, first) is not get(new, other):
                    problems.append("no longer shared: %s and %s" % (first, other))
            except Exception as e:
                problems.append("shared path %s unreadable: %r" % (other, e))
    for k in kept:
        f = orig[k]
        if isinstance(f, types.FunctionType) and f.__code__.co_argcount == 0 and not getattr(f.__code__, "co_kwonlyargcount", 0) \
                and getattr(f, "__module__", None) == "__main__":
            # Results are compared as values, not reprs: a result that holds a
            # function (make_pair() returns two closures) has a repr with a
            # memory address, which differs between any two loads.
            try:
                va, a = f(), None
                a = repr(va)
            except Exception as e:
                va, a = None, "raised %s" % type(e).__name__
            try:
                vb, b = new[k](), None
                b = repr(vb)
            except Exception as e:
                vb, b = None, "raised %s" % type(e).__name__
            raised = a.startswith("raised ") or b.startswith("raised ")
            if a != b and (raised or not same(va, vb, set())):
                problems.append("%s() returns %s, was %s" % (k, b, a))
    return {"edited": item["edited"], "ok": not problems, "problems": problems}


def check_calls(item):
    """{"edited", "calls": [{"name", "args", "result"}], "broken": bool}: loads the edit and
    calls each function with the recorded arguments. With "broken", the call must raise
    NameError (brine warned that the edit drops a name it uses); else return the recorded
    result's repr."""
    ns = load(item["edited"])
    problems = []
    for c in item["calls"]:
        f = ns.get(c["name"])
        if f is None:
            problems.append("%s is not in the edit" % c["name"])
            continue
        try:
            got = repr(f(*c["args"]))
        except NameError as e:
            got = "NameError: %s" % e
        except Exception as e:
            got = "raised %s: %s" % (type(e).__name__, e)
        if item.get("broken"):
            if not got.startswith("NameError"):
                problems.append("%s%r: expected NameError (brine warned), got %s" % (c["name"], tuple(c["args"]), got))
        elif got != c["result"]:
            problems.append("%s%r returns %s, recorded %s" % (c["name"], tuple(c["args"]), got, c["result"]))
    return {"edited": item["edited"], "ok": not problems, "problems": problems}


def safe_check(item):
    try:
        if "calls" in item:
            return check_calls(item)
        return check(item)
    except Exception as e:
        return {"edited": item["edited"], "ok": False, "problems": ["checker failed: %r" % e]}


def main():
    items = json.load(sys.stdin)
    json.dump([safe_check(i) for i in items], sys.stdout)


