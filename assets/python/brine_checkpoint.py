"""Save and load dill session checkpoints in the layout brine browses.

brine (a terminal browser for dill session checkpoints) watches a folder of
``checkpoint_<name>.pkl`` files, each with an environment sidecar
``<name>_env.pkl`` next to it.  This module writes exactly that pair, so a
script or a notebook can save its session straight into the folder brine
watches:

* ``save_checkpoint(name)`` pickles the whole ``__main__`` namespace with
  ``dill.dump_module`` into ``checkpoint_<name>.pkl`` and writes the sidecar,
  a plain ``pickle`` of ``{'python_version': sys.version, 'platform':
  sys.platform, 'path': sys.path, 'modules': list(sys.modules), 'cwd':
  os.getcwd()}``.  Both files are written atomically: each goes to a hidden
  temporary file in the same folder (``.<file>.<random>.tmp``, which brine
  ignores), is flushed and fsynced, and is then renamed over the final name
  with ``os.replace``.  Nothing is renamed unless both pickled completely, and
  the sidecar is renamed first, so whoever sees the new checkpoint also sees
  its sidecar.  A watcher never sees half a file under a final name.
* ``load_checkpoint(name)`` loads it back into ``__main__``.  When the sidecar
  says another Python minor version wrote it (functions and classes pickled by
  value rarely survive that), it warns with ``CheckpointEnvWarning`` first and
  then tries anyway.
* In IPython or Jupyter, ``%load_ext brine_checkpoint`` adds the line magics
  ``%save_dill [file]`` and ``%load_dill [file]``.

The folder is, in order: the ``dir`` argument, the ``BRINE_CHECKPOINT_DIR``
environment variable, ``./checkpoints`` (created when missing).

From a notebook (with this file on ``sys.path``, e.g. next to the notebook)::

    %load_ext brine_checkpoint
    %save_dill baseline        # -> checkpoints/checkpoint_baseline.pkl + baseline_env.pkl
    %load_dill baseline        # later, in a fresh kernel
    %save_dill ~/runs/x.pkl    # a path (has a '/' or ends in .pkl) is used as given

or from code::

    from brine_checkpoint import save_checkpoint, load_checkpoint
    save_checkpoint('baseline')
    load_checkpoint('baseline')

IPython's own bookkeeping (``In``, ``Out``, ``_``, ``_i3``, ``_5``,
``get_ipython``, ``exit``...) is left out of a checkpoint saved from IPython,
so a displayed but unpicklable output cannot spoil the save, and loading one
does not replace the running shell's history.

**Security:** loading a checkpoint runs code from it -- unpickling calls
whatever callables the file names.  Only load checkpoints you made yourself
(or check them first with ``brine scan``).  The sidecar is read with an
unpickler that refuses every global, so it holds plain data only.

Needs only dill: ``dill.dump_module``/``load_module`` (dill >= 0.3.6), else
``dill.dump_session``/``load_session`` on older dill.  Python 3.8 or newer.
"""

import os
import pickle
import re
import sys
import warnings

import dill

__all__ = [
    'CheckpointEnvWarning',
    'checkpoint_path',
    'default_dir',
    'env_metadata',
    'load_checkpoint',
    'load_file',
    'load_ipython_extension',
    'save_checkpoint',
    'save_file',
    'sidecar_path',
]

#: Environment variable naming the default checkpoint folder.
DIR_ENV_VAR = 'BRINE_CHECKPOINT_DIR'

#: Default name for ``%save_dill``/``%load_dill`` without an argument.
DEFAULT_NAME = 'session'


class CheckpointEnvWarning(UserWarning):
    """The checkpoint was written by an environment that may not load it."""


# ---------------------------------------------------------------------------
# names and paths
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# atomic writes
# ---------------------------------------------------------------------------

def _open_temp(final):
    """Create a new hidden temp file next to ``final``; returns (path, binary file).

    Created with ``O_EXCL`` and mode 0o666 (less the umask), so the final file
    gets the permissions a plain ``open(final, 'wb')`` would have given it.
    """
    folder, base = os.path.split(final)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0)
    for _ in range(100):
        tmp = os.path.join(folder, '.%s.%s.tmp' % (base, os.urandom(6).hex()))
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        return tmp, os.fdopen(fd, 'wb')
    raise FileExistsError('could not create a temporary file next to %s' % final)


def _fsync_dir(folder):
    """Make renames in ``folder`` durable (POSIX; a no-op where dirs cannot be opened)."""
    if os.name != 'posix':
        return
    fd = os.open(folder or '.', os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all_atomically(jobs):
    """Write each ``(final_path, write(file))`` job to a temp file, then rename all.

    Every temp file is complete and fsynced before the first rename, and the
    renames happen in the order given.  On any error the temp files are
    removed and the error propagates; no final file has been touched.
    """
    temps = []
    try:
        for final, write in jobs:
            tmp, f = _open_temp(final)
            temps.append(tmp)
            with f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
        for (final, _), tmp in zip(jobs, temps):
            os.replace(tmp, final)
    except BaseException:
        for tmp in temps:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass  # already renamed into place, or never created
        raise
    for folder in sorted({os.path.dirname(final) for final, _ in jobs}):
        _fsync_dir(folder)


# ---------------------------------------------------------------------------
# IPython bookkeeping
# ---------------------------------------------------------------------------

# _, __, ___, _i, _ii, _iii, _i<n>, _<n>: IPython's input and output caches.
_IPYTHON_CACHE_NAME = re.compile(r'_(?:i{1,3}|i?\d+)?$|__$|___$')


def _running_shell():
    """The running IPython shell, or None (without importing IPython)."""
    ipython = sys.modules.get('IPython')
    get = getattr(ipython, 'get_ipython', None)
    return get() if get is not None else None


def _bookkeeping_names(module, shell):
    """Names IPython put in ``module`` for itself; empty unless it is the shell's."""
    if shell is None or module is not getattr(shell, 'user_module', None):
        return []
    ns = module.__dict__
    hidden = getattr(shell, 'user_ns_hidden', {})
    missing = object()
    return [k for k, v in ns.items()
            if (k in hidden and v is hidden.get(k, missing))
            or (k.startswith('_') and _IPYTHON_CACHE_NAME.match(k))]


class _Hidden:
    """Context manager: take names out of a namespace, put them back afterwards."""

    def __init__(self, ns, names):
        self.ns = ns
        self.names = names
        self.saved = {}

    def __enter__(self):
        for k in self.names:
            self.saved[k] = self.ns.pop(k)
        return self

    def __exit__(self, *exc):
        self.ns.update(self.saved)
        return False


# ---------------------------------------------------------------------------
# saving and loading
# ---------------------------------------------------------------------------

def _module_of(main):
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


def _load(path, module):
    if hasattr(dill, 'load_module') and hasattr(dill, 'dump_module'):
        return dill.load_module(path, module=module)
    dill.load_session(path, main=module)  # dill < 0.3.6
    return module


def save_file(path, main=None):
    """Save a module's namespace to ``path`` plus its sidecar, both atomically.

    ``main`` is the module (or module name) to save; default ``__main__``.  The
    folder is created when missing.  Returns the checkpoint's absolute path.
    """
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    module = _module_of(main)
    env = env_metadata()
    names = _bookkeeping_names(module, _running_shell())
    with _Hidden(module.__dict__, names):
        _write_all_atomically([
            (sidecar_path(path), lambda f: pickle.dump(env, f)),
            (path, lambda f: _dump(module, f)),
        ])
    return path


def save_checkpoint(name, dir=None, main=None):
    """Save ``__main__`` (or ``main``) as ``<dir>/checkpoint_<name>.pkl`` plus ``<name>_env.pkl``.

    ``dir`` defaults to ``$BRINE_CHECKPOINT_DIR``, else ``./checkpoints``; it
    is created when missing.  Both files are written atomically (temp file,
    fsync, ``os.replace``).  Returns the checkpoint's absolute path.
    """
    return save_file(checkpoint_path(name, dir), main=main)


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


def _warn_about_env(path):
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


def load_file(path, main=None):
    """Load the checkpoint at ``path`` into ``__main__`` (or ``main``); returns the module.

    Warns with ``CheckpointEnvWarning`` first when its sidecar names another
    Python minor version.  Loading runs code from the file: only load your own.
    """
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    _warn_about_env(path)
    return _load(path, _module_of(main))


def load_checkpoint(name, dir=None, main=None):
    """Load ``<dir>/checkpoint_<name>.pkl`` into ``__main__`` (or ``main``); returns the module.

    ``dir`` defaults as for ``save_checkpoint``.  Warns (does not fail) when
    the sidecar's Python minor version differs from this one.  Loading a
    checkpoint runs code from it: only load checkpoints you made yourself.
    """
    return load_file(checkpoint_path(name, dir), main=main)


# ---------------------------------------------------------------------------
# IPython magics
# ---------------------------------------------------------------------------

def _target(line):
    """The file a magic's argument means: a bare name, or a path, or the default."""
    import shlex
    args = shlex.split(line)
    if len(args) > 1:
        raise ValueError('expected at most one file name or path, got %d' % len(args))
    arg = args[0] if args else DEFAULT_NAME
    seps = [s for s in (os.sep, os.altsep) if s]
    if any(s in arg for s in seps) or arg.endswith('.pkl') or arg.startswith('~'):
        return os.path.expanduser(arg)
    return checkpoint_path(arg)


def _user_names(module):
    return sorted(k for k in module.__dict__ if not k.startswith('_'))


def load_ipython_extension(ip):
    """Register ``%save_dill [file]`` and ``%load_dill [file]`` (``%load_ext brine_checkpoint``).

    A bare name means ``checkpoint_<name>.pkl`` in the default folder; an
    argument with a path separator or a ``.pkl`` suffix is used as a path; no
    argument means the name ``session``.  Both act on the shell's user
    namespace module.
    """

    def save_dill(line):
        """%save_dill [file]: save the user namespace as a dill checkpoint + env sidecar."""
        path = save_file(_target(line), main=ip.user_module)
        print('saved %s' % path)

    def load_dill(line):
        """%load_dill [file]: load a dill checkpoint into the user namespace (runs its code)."""
        path = os.path.abspath(_target(line))
        before = set(ip.user_module.__dict__)
        load_file(path, main=ip.user_module)
        new = [k for k in _user_names(ip.user_module) if k not in before]
        print('loaded %s (%d new names)' % (path, len(new)))

    ip.register_magic_function(save_dill, 'line', 'save_dill')
    ip.register_magic_function(load_dill, 'line', 'load_dill')
