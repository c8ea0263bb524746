"""Loading a checkpoint: ``load_checkpoint`` and ``load_file``, whole or ``only=`` some names.

A whole load is ``dill.load_module`` into ``__main__`` (or the module given).
``only=[names]`` first has ``brine extract`` write a copy holding just those
names (plus the module's dunders) to a temporary folder, reading the original
without running it, and loads that copy: the other names are never unpickled.
That needs the brine binary; without it the load refuses and says how to get
it.  Loading runs code from the file: only load checkpoints you made.
"""

import os
import shutil
import tempfile
import warnings

import dill

from ._brine import run_brine_json
from ._paths import checkpoint_path, warn_about_env
from ._save import module_of

__all__ = ['load_checkpoint', 'load_file']


def _load(path, module):
    if hasattr(dill, 'load_module') and hasattr(dill, 'dump_module'):
        return dill.load_module(path, module=module)
    dill.load_session(path, main=module)  # dill < 0.3.6
    return module


def _names(only):
    if isinstance(only, str):
        only = [only]
    names = list(only)
    if not names:
        raise ValueError('only= names no names: give at least one, or leave it out to load all')
    for n in names:
        if not isinstance(n, str) or not n:
            raise ValueError('only= takes names (non-empty strings), got %r' % (n,))
    return names


def _load_only(path, names, module):
    """Extract ``names`` with brine into a temp folder, then load just that."""
    folder = tempfile.mkdtemp(prefix='brine-only-')
    try:
        part = os.path.join(folder, 'checkpoint_only.pkl')
        report = run_brine_json('load_checkpoint(only=...)',
                                ['extract', path] + names + ['-o', part])
        needed = report.get('still_needed') or []
        if needed:
            warnings.warn('kept the objects of %s, which %s need; their names are not loaded'
                          % (', '.join(str(n.get('name')) for n in needed),
                             ', '.join(sorted({b for n in needed for b in n.get('needed_by', [])}))),
                          stacklevel=4)
        return _load(part, module)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_file(path, main=None, only=None):
    """Load the checkpoint at ``path`` into ``__main__`` (or ``main``); returns the module.

    ``only=[names]`` loads just those names, without unpickling the others
    (through ``brine extract``; needs the brine binary).  Warns with
    ``CheckpointEnvWarning`` first when its sidecar names another Python minor
    version.  Loading runs code from the file: only load your own.
    """
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if not os.path.exists(path):
        raise FileNotFoundError('no checkpoint %s' % path)
    names = None if only is None else _names(only)
    warn_about_env(path)
    module = module_of(main)
    if names is None:
        return _load(path, module)
    return _load_only(path, names, module)


def load_checkpoint(name, dir=None, main=None, only=None):
    """Load ``<dir>/checkpoint_<name>.pkl`` into ``__main__`` (or ``main``); returns the module.

    ``dir`` defaults as for ``save_checkpoint``; ``only`` as for ``load_file``.
    Warns (does not fail) when the sidecar's Python minor version differs from
    this one.  Loading a checkpoint runs code from it: only load checkpoints
    you made yourself.
    """
    return load_file(checkpoint_path(name, dir), main=main, only=only)
