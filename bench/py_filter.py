"""The Python way to drop names from a dill session, in one process.

    python py_filter.py IN OUT NAME...

Loads IN with dill.load_module_asdict, deletes the NAMEs, and writes the rest
with dill.dump_module from a fresh module named __main__. Like
load_module_asdict itself does while loading, the fresh module stands in as
sys.modules['__main__'] during the dump: otherwise dill records it as the
runtime module '__runtime__.__main__', which load_module_asdict cannot load
back. Functions' globals are the loaded dict, which dill recognises (by
equality) as the saved module's __dict__ and writes as a reference.
"""
import sys
import types

import dill

src, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
d = dill.load_module_asdict(src)
for n in names:
    del d[n]
d.pop("__session__", None)  # added by load_module_asdict
m = types.ModuleType("__main__")
m.__dict__.update(d)
old_main = sys.modules["__main__"]
sys.modules["__main__"] = m
try:
    dill.dump_module(out, module=m)
finally:
    sys.modules["__main__"] = old_main
