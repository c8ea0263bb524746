"""Checkpoint names, paths and the environment sidecar, as brine lays them out.

``checkpoint_<name>.pkl`` in the checkpoint folder, with ``<name>_env.pkl``
next to it: a plain ``pickle`` of this interpreter's version, platform, path,
modules and cwd.  The folder is the ``dir`` argument, else
``$BRINE_CHECKPOINT_DIR``, else ``./checkpoints``.  The sidecar is read with an
unpickler that refuses every global, so reading it runs nothing.
"""

import os
import pickle
import re
import sys
import warnings

__all__ = ['CheckpointEnvWarning', 'DEFAULT_NAME', 'DIR_ENV_VAR', 'checkpoint_path',
           'default_dir', 'env_metadata', 'read_sidecar', 'sidecar_path',
           'warn_about_env']

#: Environment variable naming the default checkpoint folder.
DIR_ENV_VAR = 'BRINE_CHECKPOINT_DIR'

#: Default name for ``%save_dill``/``%load_dill`` without an argument.
DEFAULT_NAME = 'session'



class CheckpointEnvWarning(UserWarning):
    """The checkpoint was written by an environment that may not load it."""


def default_dir():
    """The checkpoint folder: ``$BRINE_CHECKPOINT_DIR``, else ``./checkpoints``."""
    return os.environ.get(DIR_ENV_VAR) or 'checkpoints'


def _check_name(name):
    """Reject names that would not make a single ``checkpoint_<name>.pkl`` file."""
    if not isinstance(name, str) or not name:
        raise ValueError('checkpoint name must be a non-empty string, got %r' % (name,))
    seps = [s for s in (os.sep, os.altsep) if s]
    if any(s in name for s in seps) or name in ('.', '..'):
        raise ValueError('checkpoint name %r must not contain a path separator '
                         '(use save_file/load_file for paths)' % name)
    return name


def checkpoint_path(name, dir=None):
    """``<dir>/checkpoint_<name>.pkl`` for a checkpoint name."""
    return os.path.join(dir if dir is not None else default_dir(),
                        'checkpoint_%s.pkl' % _check_name(name))


def sidecar_path(path):
    """The env sidecar of a checkpoint file, as brine looks for it.

    ``checkpoint_<n>.pkl`` has ``<n>_env.pkl``; any other ``<stem>.<ext>`` has
    ``<stem>_env.pkl``.
    """
    folder, base = os.path.split(os.fspath(path))
    stem = os.path.splitext(base)[0]
    if stem.startswith('checkpoint_') and len(stem) > len('checkpoint_'):
        stem = stem[len('checkpoint_'):]
    return os.path.join(folder, stem + '_env.pkl')


def env_metadata():
    """The sidecar's contents: this interpreter's version, platform, path, modules, cwd."""
    return {
        'python_version': sys.version,
        'platform': sys.platform,
        'path': list(sys.path),
        'modules': list(sys.modules),
        'cwd': os.getcwd(),
    }


class _PlainDataUnpickler(pickle.Unpickler):
    """Unpickles plain data only: any global (class or function) is refused."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(
            'a sidecar holds plain data only; refusing %s.%s' % (module, name))


def read_sidecar(path):
    """The sidecar dict of checkpoint ``path``, or None when it has none."""
    side = sidecar_path(path)
    try:
        with open(side, 'rb') as f:
            data = _PlainDataUnpickler(f).load()
    except FileNotFoundError:
        return None
    if not isinstance(data, dict):
        raise pickle.UnpicklingError('%s holds a %s, not a dict' % (side, type(data).__name__))
    return data


def _minor_of(version):
    """``(3, 11)`` from a ``sys.version`` string such as ``'3.11.7 (main, ...)'``."""
    m = re.match(r'\s*(\d+)\.(\d+)', version) if isinstance(version, str) else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def warn_about_env(path):
    """Warn (never fail) when the sidecar shows another Python minor version."""
    try:
        env = read_sidecar(path)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError) as e:
        warnings.warn('could not read the env sidecar %s: %s' % (sidecar_path(path), e),
                      CheckpointEnvWarning, stacklevel=4)
        return
    if env is None:
        return
    saved = _minor_of(env.get('python_version'))
    here = tuple(sys.version_info[:2])
    if saved is not None and saved != here:
        warnings.warn(
            '%s was written by Python %d.%d; this is Python %d.%d. Functions and '
            'classes saved by value may fail to load or behave differently.'
            % ((os.path.basename(path),) + saved + here),
            CheckpointEnvWarning, stacklevel=4)
