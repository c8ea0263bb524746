"""What the companion's tests share: the session they save, child processes, brine's view.

Every save and load runs in a fresh child process (``python -c``, a real
``ipython``, a Jupyter kernel) in a folder under WORKDIR; brine itself
(``BRINE_BIN``) reads what was written.  Nothing here loads a checkpoint in
the test process.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# BRINE_COMPANION_PATH: where brine_checkpoint is imported from (to run these
# tests against another copy, e.g. an older one, to see them fail).
COMPANION_DIR = os.environ.get('BRINE_COMPANION_PATH') or os.path.normpath(
    os.path.join(HERE, '..', '..', 'assets', 'python'))
BRINE = os.environ.get('BRINE_BIN')
WORKDIR = os.environ.get('BRINE_COMPANION_WORKDIR') or tempfile.mkdtemp(prefix='brine-companion-')
# 'require' (default): IPython, ipykernel and jupyter_client must import; 'skip':
# skip the front-end tests (tests/it/companion.rs says skip only outside CI).
IPYTHON_MODE = os.environ.get('BRINE_COMPANION_IPYTHON', 'require')

# A session with a few kinds of names: numbers, containers, a function using a
# global, a class and an instance of it.
SESSION = textwrap.dedent('''
    answer = 42
    data = {'a': [1, 2, 3], 'b': 'text'}
    def greet(who):
        return 'hi ' + who + '!' * (answer // 21)
    class Point:
        def __init__(self, x, y):
            self.x = x
            self.y = y
        def norm1(self):
            return abs(self.x) + abs(self.y)
    pt = Point(3, -4)
''')
SESSION_NAMES = ['answer', 'data', 'greet', 'Point', 'pt']

# Prints what a loaded SESSION holds, as one RESULT line of JSON.
REPORT = textwrap.dedent('''
    import json as _json
    print('RESULT ' + _json.dumps({
        'answer': answer, 'data': data, 'greet': greet('bob'),
        'pt': [pt.x, pt.y, pt.norm1()], 'pt_type': type(pt).__name__,
        'is_point': isinstance(pt, Point),
    }))
''')
REPORT_EXPECTED = {
    'answer': 42, 'data': {'a': [1, 2, 3], 'b': 'text'}, 'greet': 'hi bob!!',
    'pt': [3, -4, 7], 'pt_type': 'Point', 'is_point': True,
}


def child_env(**extra):
    env = dict(os.environ)
    env.pop('BRINE_CHECKPOINT_DIR', None)
    env['PYTHONPATH'] = COMPANION_DIR + os.pathsep + env.get('PYTHONPATH', '')
    env['IPYTHONDIR'] = os.path.join(WORKDIR, '.ipython')
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    env.update(extra)
    return env


def run(args, cwd, **env):
    """Run a child to completion; fail the test with its output when it fails."""
    p = subprocess.run(args, cwd=cwd, env=child_env(**env), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        raise AssertionError('%s exited %d\nstdout:\n%s\nstderr:\n%s'
                             % (args[:3], p.returncode, p.stdout, p.stderr))
    return p


def python(code, cwd, **env):
    return run([sys.executable, '-c', code], cwd, **env)


def result_of(stdout):
    """The JSON after the last ``RESULT `` (after an ``In [n]:`` prompt, too)."""
    lines = [l[l.index('RESULT ') + len('RESULT '):] for l in stdout.splitlines()
             if 'RESULT ' in l]
    if not lines:
        raise AssertionError('no RESULT line in:\n' + stdout)
    return json.loads(lines[-1])


def brine_json(*args):
    p = subprocess.run([BRINE] + list(args) + ['--json'], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        raise AssertionError('brine %s failed: %s' % (' '.join(args), p.stderr))
    return json.loads(p.stdout)


def names_of(path):
    """(names, complete) of a checkpoint as brine inspect lists them."""
    out = brine_json('inspect', path)
    return [e['name'] for e in out['entries']], out['complete']


def contents(folder):
    """{file name: bytes} of every file in a folder."""
    out = {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), 'rb') as f:
            out[name] = f.read()
    return out


def leftovers(folder):
    return [f for f in os.listdir(folder) if f.endswith('.tmp')]


def fresh_dir(name):
    d = os.path.join(WORKDIR, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def front_ends_or_skip(test, *modules):
    """Skip (BRINE_COMPANION_IPYTHON=skip) or fail when a front-end module is missing."""
    if IPYTHON_MODE == 'skip':
        test.skipTest('front-end tests skipped (BRINE_COMPANION_IPYTHON=skip)')
    for m in modules:
        try:
            __import__(m)
        except ImportError as e:
            test.fail('%s does not import in %s: %s (pip install -r tests/compat/requirements.txt)'
                      % (m, sys.executable, e))


def ipython_stdin(lines, cwd, **env):
    """A stock ``ipython`` (default config, a throwaway IPYTHONDIR) fed ``lines`` on stdin.

    What a user typing at the prompt gets: IPython's app start-up, with
    ``hide_initial_ns``.  Returns the finished process (stdout and stderr merged
    into ``out``); IPython keeps going after an error, so callers check ``out``.
    """
    p = subprocess.run([sys.executable, '-m', 'IPython', '--colors=NoColor', '--no-banner'],
                       input='\n'.join(lines) + '\n', cwd=cwd, env=child_env(**env),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError('ipython exited %d:\n%s' % (p.returncode, p.stdout))
    p.out = p.stdout
    return p


def dill_version():
    import dill
    return dill.__version__
