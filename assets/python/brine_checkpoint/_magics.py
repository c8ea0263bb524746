"""The IPython magics ``%save_dill``, ``%load_dill`` and ``%brine`` (``%load_ext brine_checkpoint``).

* ``%save_dill [NAME|PATH] [-e PATTERN]... [--skip-unpicklable]``
* ``%load_dill [NAME|PATH] [VAR]...`` -- with VARs, only those (``only=``)
* ``%brine [NAME|PATH]`` -- brine's table of the checkpoint, loading nothing

A bare name means ``checkpoint_<name>.pkl`` in the checkpoint folder; an
argument with a path separator, a ``.pkl`` suffix or a leading ``~`` is a
path; none means the name ``session``.  A failure is one ``UsageError`` line,
not a traceback.  This module parses magic lines and calls the library.
"""

import shlex

from ._brine import BrineError, BrineNotFoundError
from ._load import load_file
from ._namespace import is_module_dunder
from ._paths import DEFAULT_NAME
from ._save import CheckpointError, one_line, save_file
from ._show import resolve, show

__all__ = ['load_ipython_extension']


def _split(line):
    try:
        return shlex.split(line)
    except ValueError as e:
        raise ValueError('cannot read %r: %s' % (line, e)) from None


def _save_args(line):
    target, exclude, skip = None, [], False
    args = _split(line)
    i = 0
    while i < len(args):
        a = args[i]
        if a in ('-e', '--exclude'):
            if i + 1 >= len(args):
                raise ValueError('%s needs a pattern' % a)
            exclude.append(args[i + 1])
            i += 2
            continue
        if a == '--skip-unpicklable':
            skip = True
        elif a.startswith('-') and len(a) > 1:
            raise ValueError('unknown option %s (known: -e PATTERN, --skip-unpicklable)' % a)
        elif target is None:
            target = a
        else:
            raise ValueError('expected one file name or path, got also %r' % a)
        i += 1
    return target or DEFAULT_NAME, exclude, skip


def _user_names(module):
    return {k for k in module.__dict__ if not is_module_dunder(k)}


def load_ipython_extension(ip):
    """Register ``%save_dill``, ``%load_dill`` and ``%brine`` on the shell ``ip``."""
    from IPython.core.error import UsageError
    from IPython.display import display

    def guarded(fn):
        def magic(line):
            try:
                return fn(line)
            except (CheckpointError, BrineError, BrineNotFoundError, ValueError,
                    OSError) as e:
                raise UsageError('%s: %s' % (fn.__name__, one_line(e))) from None
        magic.__name__ = fn.__name__
        magic.__doc__ = fn.__doc__
        return magic

    def save_dill(line):
        """%save_dill [NAME|PATH] [-e PATTERN]... [--skip-unpicklable]: save the session.

        Writes checkpoint_<NAME>.pkl (or PATH) and its env sidecar atomically;
        -e leaves out names matching a brine pattern (substring, glob, re:).
        """
        target, exclude, skip = _save_args(line)
        path = save_file(resolve(target), main=ip.user_module, exclude=exclude,
                         skip_unpicklable=skip)
        print('saved %s' % path)

    def load_dill(line):
        """%load_dill [NAME|PATH] [VAR]...: load a checkpoint (runs its code); VARs: only those."""
        args = _split(line)
        target = args[0] if args else DEFAULT_NAME
        only = args[1:] or None
        path = resolve(target)
        before = _user_names(ip.user_module)
        load_file(path, main=ip.user_module, only=only)
        after = _user_names(ip.user_module)
        if only:
            print('loaded %s from %s' % (', '.join(only), path))
        else:
            print('loaded %s (%d new names)' % (path, len(after - before)))

    def brine(line):
        """%brine [NAME|PATH]: brine's view of a checkpoint (a table in Jupyter); loads nothing."""
        args = _split(line)
        if len(args) > 1:
            raise ValueError('expected one file name or path, got %d' % len(args))
        display(show(args[0] if args else DEFAULT_NAME))

    for fn in (save_dill, load_dill, brine):
        ip.register_magic_function(guarded(fn), 'line', fn.__name__)
