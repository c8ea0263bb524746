"""Saving a namespace as a checkpoint: ``save_checkpoint`` and ``save_file``.

One ``dill.dump_module`` of the module (``__main__`` by default) into
``checkpoint_<name>.pkl`` plus the env sidecar, both written atomically, the
sidecar first.  IPython's bookkeeping and the names matching ``exclude`` stay
out.  When the dump fails, each remaining name is pickled on its own to find
the ones that break it: with ``skip_unpicklable=True`` they are left out and
reported on stderr (``gen (generator): cannot pickle 'generator' object``),
else ``CheckpointError`` names them in one line and no file is touched.  A
save never loads anything.
"""

import os
import pickle
import sys

import dill

from ._atomic import write_all_atomically
from ._namespace import Hidden, is_module_dunder, left_out, running_shell
from ._paths import checkpoint_path, env_metadata, sidecar_path

__all__ = ['CheckpointError', 'save_checkpoint', 'save_file']


class CheckpointError(Exception):
    """A save or load that could not be done; the message is one line."""


def module_of(main):
    """The module to save or load: ``__main__`` for None, a module by name, or as given."""
    if main is None:
        return sys.modules['__main__']
    if isinstance(main, str):
        __import__(main)
        return sys.modules[main]
    return main


def _dump(module, f):
    if hasattr(dill, 'dump_module'):
        dill.dump_module(f, module=module)
    else:  # dill < 0.3.6
        dill.dump_session(f, main=module)


def one_line(e):
    """An exception as one line: its first line of text, else its type."""
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _unpicklable(ns):
    """[(name, type name, reason)] of the names in ``ns`` that dill cannot pickle alone."""
    broken = []
    for k, v in list(ns.items()):
        if is_module_dunder(k):
            continue
        try:
            dill.dumps(v)
        except Exception as e:  # noqa: BLE001 - any failure is a reason to report
            broken.append((k, type(v).__name__, one_line(e)))
    return broken


def describe(broken):
    """``gen (generator): cannot pickle 'generator' object; ...``."""
    return '; '.join('%s (%s): %s' % b for b in broken)


def save_file(path, main=None, exclude=None, skip_unpicklable=False):
    """Save a module's namespace to ``path`` plus its sidecar, both atomically.

    ``main`` is the module (or module name) to save; default ``__main__``.
    ``exclude`` is a list of brine patterns (substring, glob, ``re:``) of names
    to leave out.  ``skip_unpicklable`` leaves out, and reports on stderr, every
    name dill cannot pickle; without it such a name fails the save with a
    one-line ``CheckpointError`` and leaves any previous checkpoint as it was.
    The folder is created when missing.  Returns the checkpoint's absolute path.
    """
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    module = module_of(main)
    bookkeeping, excluded = left_out(module, exclude, running_shell())
    os.makedirs(os.path.dirname(path), exist_ok=True)
    env = env_metadata()
    jobs = [
        (sidecar_path(path), lambda f: pickle.dump(env, f)),
        (path, lambda f: _dump(module, f)),
    ]
    ns = module.__dict__
    with Hidden(ns, bookkeeping + excluded):
        try:
            write_all_atomically(jobs)
            return path
        except OSError:
            raise
        except Exception as e:  # noqa: BLE001 - dill raises many kinds
            first = e
        broken = _unpicklable(ns)
        label = os.path.basename(path)
        if not broken:
            raise CheckpointError('cannot save %s: %s' % (label, one_line(first))) from None
        if not skip_unpicklable:
            raise CheckpointError(
                'cannot save %s: %s; nothing was written (exclude=[...] the name, or pass '
                'skip_unpicklable=True)' % (label, describe(broken))) from None
        with Hidden(ns, [b[0] for b in broken]):
            try:
                write_all_atomically(jobs)
            except OSError:
                raise
            except Exception as e:  # noqa: BLE001
                raise CheckpointError('cannot save %s even without %s: %s'
                                      % (label, ', '.join(b[0] for b in broken),
                                         one_line(e))) from None
    print('left out %d name%s that cannot be pickled:' % (len(broken), '' if len(broken) == 1
                                                          else 's'), file=sys.stderr)
    for b in broken:
        print('  %s (%s): %s' % b, file=sys.stderr)
    return path


def save_checkpoint(name, dir=None, main=None, exclude=None, skip_unpicklable=False):
    """Save ``__main__`` (or ``main``) as ``<dir>/checkpoint_<name>.pkl`` plus ``<name>_env.pkl``.

    ``dir`` defaults to ``$BRINE_CHECKPOINT_DIR``, else ``./checkpoints``; it
    is created when missing.  ``exclude`` and ``skip_unpicklable`` as for
    ``save_file``.  Both files are written atomically (temp file, fsync,
    ``os.replace``).  Returns the checkpoint's absolute path.
    """
    return save_file(checkpoint_path(name, dir), main=main, exclude=exclude,
                     skip_unpicklable=skip_unpicklable)
