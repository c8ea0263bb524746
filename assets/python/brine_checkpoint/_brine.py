"""Finding and running the ``brine`` binary from Python.

``load_checkpoint(only=...)`` and ``show()`` hand the file to brine, which
reads a checkpoint without running it.  The binary is, in order: the
``BRINE_BIN`` environment variable, the ``brine`` installed next to this
Python (``pip install brine-checkpoint`` puts it in the same ``bin``/
``Scripts`` folder, which a Jupyter kernel often does not have on ``PATH``),
then ``brine`` on ``PATH``.  This module only runs brine; it never unpickles.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig

__all__ = ['BrineNotFoundError', 'BrineError', 'find_brine', 'run_brine_json']

HOW_TO_GET_IT = ('pip install brine-checkpoint (puts brine next to this Python), '
                 'or cargo install --path . in a brine checkout, '
                 'or set BRINE_BIN to a brine binary such as ./target/release/brine')


class BrineNotFoundError(RuntimeError):
    """The brine binary is needed but was not found."""


class BrineError(RuntimeError):
    """brine ran and refused (its one-line message is the text)."""


def _candidates():
    exe = 'brine.exe' if os.name == 'nt' else 'brine'
    dirs = []
    for scheme in (None, os.name + '_user'):
        try:
            path = (sysconfig.get_path('scripts') if scheme is None
                    else sysconfig.get_path('scripts', scheme))
        except KeyError:
            continue
        if path:
            dirs.append(path)
    dirs.append(os.path.dirname(sys.executable))
    for d in dirs:
        yield os.path.join(d, exe)
    found = shutil.which(exe)
    if found:
        yield found


def find_brine(purpose):
    """The path of the brine binary; ``BrineNotFoundError`` saying what ``purpose`` needs."""
    env = os.environ.get('BRINE_BIN')
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise BrineNotFoundError('%s needs the brine binary, but BRINE_BIN=%s is not an '
                                 'executable file' % (purpose, env))
    for path in _candidates():
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise BrineNotFoundError('%s needs the brine binary, which is not installed here: %s'
                             % (purpose, HOW_TO_GET_IT))


def run_brine_json(purpose, args):
    """Run ``brine ARGS --json`` and return its parsed output; ``BrineError`` on refusal."""
    brine = find_brine(purpose)
    p = subprocess.run([brine] + list(args) + ['--json'], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode('utf-8', 'replace').strip()
    if p.returncode != 0:
        line = err.splitlines()[-1] if err else 'exited %d' % p.returncode
        raise BrineError(line)
    try:
        return json.loads(p.stdout.decode('utf-8'))
    except ValueError as e:
        raise BrineError('brine %s printed no JSON: %s' % (args[0], e)) from None
