"""What of a module's namespace goes into a checkpoint.

Saved: every name, less IPython's own bookkeeping when the module is the
running shell's (``In``, ``Out``, ``_``, ``_5``, ``_i5``, ``_oh``,
``get_ipython``, ``exit``...), less the names the caller excludes.  Never left
out: the module's own dunders (``__name__``, ``__builtins__``, ``__doc__``...),
which dill needs to pickle a module at all.  IPython's ``hide_initial_ns`` (on
in every ``ipython`` and Jupyter kernel) lists those dunders in
``user_ns_hidden`` too, so "hidden" alone must not mean "leave out".

Names are taken out only for the length of a dump (``Hidden``) and always put
back.  This module decides and moves names; it never pickles.
"""

import re
import sys

from ._patterns import compile_patterns, matches_any

__all__ = ['Hidden', 'is_module_dunder', 'left_out', 'running_shell']

# _, __, ___, _i, _ii, _iii, _i<n>, _<n>: IPython's input and output caches.
_IPYTHON_CACHE_NAME = re.compile(r'_(?:i{1,3}|i?\d+)?$|__$|___$')
_DUNDER = re.compile(r'__\w+__$')


def is_module_dunder(name):
    """``__name__``, ``__builtins__``...: a module's own attributes, never left out."""
    return _DUNDER.match(name) is not None


def running_shell():
    """The running IPython shell, or None (without importing IPython)."""
    ipython = sys.modules.get('IPython')
    get = getattr(ipython, 'get_ipython', None)
    return get() if get is not None else None


def _bookkeeping(module, shell):
    """Names IPython put in ``module`` for itself; empty unless it is the shell's."""
    if shell is None or module is not getattr(shell, 'user_module', None):
        return []
    ns = module.__dict__
    hidden = getattr(shell, 'user_ns_hidden', {})
    missing = object()
    return [k for k, v in ns.items()
            if not is_module_dunder(k)
            and ((k in hidden and v is hidden.get(k, missing))
                 or (k.startswith('_') and _IPYTHON_CACHE_NAME.match(k)))]


def left_out(module, exclude=None, shell=None):
    """(IPython's bookkeeping names, names ``exclude`` matches) in ``module``.

    ``exclude`` is a list of brine patterns; a bad one raises ``ValueError``
    before anything is touched.  Module dunders are in neither list.
    """
    compiled = compile_patterns(exclude)
    bookkeeping = _bookkeeping(module, shell)
    skip = set(bookkeeping)
    excluded = [k for k in module.__dict__
                if k not in skip and not is_module_dunder(k) and matches_any(compiled, k)]
    return bookkeeping, excluded


class Hidden:
    """Context manager: take names out of a namespace, put them back afterwards."""

    def __init__(self, ns, names):
        self.ns = ns
        self.names = list(names)
        self.saved = {}

    def __enter__(self):
        for k in self.names:
            if k in self.ns:
                self.saved[k] = self.ns.pop(k)
        return self

    def __exit__(self, *exc):
        self.ns.update(self.saved)
        return False
