"""Tests of the Python companion (assets/python/brine_checkpoint.py) with real dill and IPython.

Every save and load runs in a fresh child process (``python -c`` or IPython), in a
work folder; brine itself (``BRINE_BIN``) then reads what was written.

Environment:
  BRINE_BIN                 the brine binary (required)
  BRINE_COMPANION_WORKDIR   folder to work in (default: a new temp folder); the Rust
                            test reads the files left there afterwards
  BRINE_COMPANION_IPYTHON   'require' (default): IPython must import; 'skip': skip
                            the IPython tests

Run by tests/it/companion.rs; by hand:
  BRINE_BIN=target/debug/brine python tests/compat/test_companion.py -v

It only loads checkpoints these tests have just written.
"""
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
COMPANION_DIR = os.path.normpath(os.path.join(HERE, '..', '..', 'assets', 'python'))
BRINE = os.environ.get('BRINE_BIN')
WORKDIR = os.environ.get('BRINE_COMPANION_WORKDIR') or tempfile.mkdtemp(prefix='brine-companion-')
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
    lines = [l for l in stdout.splitlines() if l.startswith('RESULT ')]
    if not lines:
        raise AssertionError('no RESULT line in:\n' + stdout)
    return json.loads(lines[-1][len('RESULT '):])


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


class ScriptRoundTrip(unittest.TestCase):
    """save_checkpoint / load_checkpoint from plain ``python -c`` processes."""

    def test_save_inspect_env_and_load(self):
        cwd = fresh_dir('script')
        p = python('import brine_checkpoint\n' + SESSION
                   + 'print("RESULT " + __import__("json").dumps('
                     'brine_checkpoint.save_checkpoint("script")))', cwd)
        path = result_of(p.stdout)
        folder = os.path.join(cwd, 'checkpoints')  # the default folder
        self.assertEqual(path, os.path.join(folder, 'checkpoint_script.pkl'))
        self.assertEqual(sorted(os.listdir(folder)),
                         ['checkpoint_script.pkl', 'script_env.pkl'])

        names, complete = names_of(path)
        self.assertTrue(complete)
        for n in SESSION_NAMES:
            self.assertIn(n, names)

        env = brine_json('env', path)
        self.assertIsNotNone(env['saved'], 'brine env found no sidecar')
        self.assertEqual(env['saved']['python_version'], sys.version)
        self.assertEqual(env['saved']['platform'], sys.platform)
        self.assertEqual(env['saved']['cwd'], os.path.realpath(cwd))
        self.assertIn('brine_checkpoint', env['saved']['modules'])
        self.assertIn('%d.%d' % sys.version_info[:2], env['inferred']['pythons'])

        p = python('from brine_checkpoint import load_checkpoint\n'
                   'load_checkpoint("script")\n' + REPORT, cwd)
        self.assertEqual(result_of(p.stdout), REPORT_EXPECTED)
        self.assertNotIn('Warning', p.stderr)  # same Python: no env warning

    def test_dir_argument_and_environment_variable(self):
        cwd = fresh_dir('dirs')
        env_dir = os.path.join(cwd, 'from-env')
        p = python('from brine_checkpoint import save_checkpoint as s\nx = 1\n'
                   'print("RESULT " + __import__("json").dumps([s("a"), s("b", dir="explicit")]))',
                   cwd, BRINE_CHECKPOINT_DIR=env_dir)
        a, b = result_of(p.stdout)
        self.assertEqual(a, os.path.join(env_dir, 'checkpoint_a.pkl'))
        self.assertEqual(b, os.path.join(cwd, 'explicit', 'checkpoint_b.pkl'))
        self.assertTrue(os.path.exists(os.path.join(env_dir, 'a_env.pkl')))
        self.assertTrue(os.path.exists(os.path.join(cwd, 'explicit', 'b_env.pkl')))
        # and load_checkpoint finds it through the same variable
        p = python('from brine_checkpoint import load_checkpoint\nload_checkpoint("a")\n'
                   'print("RESULT", x)', cwd, BRINE_CHECKPOINT_DIR=env_dir)
        self.assertEqual(result_of(p.stdout), 1)

    def test_bad_names_are_refused(self):
        cwd = fresh_dir('badname')
        p = python(textwrap.dedent('''
            from brine_checkpoint import save_checkpoint
            for bad in ['', '../up', 'a/b']:
                try:
                    save_checkpoint(bad)
                except ValueError:
                    pass
                else:
                    raise SystemExit('accepted %r' % bad)
            print('RESULT 1')
        '''), cwd)
        self.assertEqual(result_of(p.stdout), 1)
        self.assertEqual(os.listdir(cwd), [])

    def test_other_python_minor_warns_but_loads(self):
        cwd = fresh_dir('mismatch')
        python('from brine_checkpoint import save_checkpoint\n' + SESSION
               + 'save_checkpoint("old")', cwd)
        side = os.path.join(cwd, 'checkpoints', 'old_env.pkl')
        with open(side, 'rb') as f:
            env = pickle.load(f)
        env['python_version'] = '2.7.18 (default, Jan 1 2023, 00:00:00) \n[GCC 12.2.0]'
        with open(side, 'wb') as f:
            pickle.dump(env, f)
        p = python(textwrap.dedent('''
            import warnings
            from brine_checkpoint import load_checkpoint, CheckpointEnvWarning
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter('always')
                load_checkpoint('old')
            print('RESULT ' + __import__('json').dumps(
                [[w.category.__name__, str(w.message)] for w in seen]
                + [greet('ann')]))
        '''), cwd)
        out = result_of(p.stdout)
        self.assertEqual(out[-1], 'hi ann!!')  # loaded anyway
        warned = out[:-1]
        self.assertEqual(len(warned), 1, warned)
        self.assertEqual(warned[0][0], 'CheckpointEnvWarning')
        self.assertIn('Python 2.7', warned[0][1])
        self.assertIn('Python %d.%d' % sys.version_info[:2], warned[0][1])


class Atomicity(unittest.TestCase):
    """A watcher never sees half a file under a final name."""

    def test_failed_save_keeps_the_previous_pair_and_leaves_no_temp(self):
        cwd = fresh_dir('failed')
        folder = os.path.join(cwd, 'checkpoints')
        python('from brine_checkpoint import save_checkpoint\nkeep = [1, 2]\n'
               'save_checkpoint("run")', cwd)
        before = contents(folder)
        p = subprocess.run(
            [sys.executable, '-c', 'from brine_checkpoint import save_checkpoint\n'
             'keep = [3]\nbad = (i for i in range(3))\nsave_checkpoint("run")'],
            cwd=cwd, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('generator', p.stderr)  # the real error propagates
        after = contents(folder)
        self.assertEqual(after, before)  # neither file replaced, nothing left behind
        self.assertEqual(leftovers(folder), [])

    def test_polling_watcher_sees_only_complete_checkpoints(self):
        cwd = fresh_dir('watched')
        folder = os.path.join(cwd, 'checkpoints')
        os.makedirs(folder)
        final = os.path.join(folder, 'checkpoint_big.pkl')
        snaps = os.path.join(cwd, 'snaps')
        os.makedirs(snaps)
        seen = []
        stop = threading.Event()

        def watch():
            # Copy whatever is under the final name whenever its size changes.
            last = None
            while not stop.is_set():
                try:
                    with open(final, 'rb') as f:
                        data = f.read()
                except FileNotFoundError:
                    continue
                if len(data) != last:
                    last = len(data)
                    snap = os.path.join(snaps, '%d.pkl' % len(seen))
                    with open(snap, 'wb') as g:
                        g.write(data)
                    seen.append((len(data), snap))

        t = threading.Thread(target=watch)
        t.start()
        try:
            # Three saves of a few MB each, overwriting the same name.
            p = python(textwrap.dedent('''
                import os
                from brine_checkpoint import save_checkpoint
                sizes = []
                for i in range(3):
                    rows = [[j * (i + 1), str(j)] for j in range(60000 * (i + 1))]
                    sizes.append(os.path.getsize(save_checkpoint('big')))
                print('RESULT %s' % sizes)
            '''), cwd)
        finally:
            stop.set()
            t.join()
        sizes = result_of(p.stdout)
        self.assertTrue(seen, 'the watcher never saw the file')
        for size, snap in seen:
            self.assertIn(size, sizes, 'watcher saw a partial file (%d bytes)' % size)
            names, complete = names_of(snap)
            self.assertTrue(complete, '%s is incomplete' % snap)
            self.assertIn('rows', names)
        self.assertEqual(leftovers(folder), [])


def _ipython_available():
    try:
        import IPython  # noqa: F401
    except ImportError:
        return False
    return True


class IPythonMagics(unittest.TestCase):
    """%load_ext brine_checkpoint, %save_dill and %load_dill in real IPython shells."""

    def setUp(self):
        if IPYTHON_MODE == 'skip':
            self.skipTest('IPython tests skipped (BRINE_COMPANION_IPYTHON=skip)')
        if not _ipython_available():
            self.fail('IPython does not import in %s' % sys.executable)

    # Cells run one by one with history, as a notebook would: In/Out/_N exist,
    # and one output (a generator) cannot be pickled at all.
    SHELL_DRIVER = textwrap.dedent('''
        import json, sys
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        for cell in json.loads(sys.argv[1]):
            ip.run_cell(cell, store_history=True).raise_error()
    ''')

    def test_save_in_one_shell_load_in_a_fresh_one(self):
        cwd = fresh_dir('ipython')
        cells = [
            '%load_ext brine_checkpoint',
            'import math\nrate = 0.25',
            'def scale(v):\n    return math.floor(v * rate * 10)',
            'class Box:\n    def __init__(self, items):\n        self.items = items',
            'box = Box(["x", 2])',
            '(i for i in range(3))',   # Out[6]: an unpicklable generator
            'rate * 4',                 # Out[7]
            '%save_dill demo',
            '%save_dill sub/other.pkl',
        ]
        p = run([sys.executable, '-c', self.SHELL_DRIVER, json.dumps(cells)], cwd)
        saved = os.path.join(cwd, 'checkpoints', 'checkpoint_demo.pkl')
        self.assertIn('saved ' + saved, p.stdout)
        self.assertTrue(os.path.exists(os.path.join(cwd, 'checkpoints', 'demo_env.pkl')))
        self.assertTrue(os.path.exists(os.path.join(cwd, 'sub', 'other.pkl')))
        self.assertTrue(os.path.exists(os.path.join(cwd, 'sub', 'other_env.pkl')))

        names, complete = names_of(saved)
        self.assertTrue(complete)
        for n in ['math', 'rate', 'scale', 'Box', 'box']:
            self.assertIn(n, names)
        for n in ['In', 'Out', '_oh', '_ih', '_dh', '_', '_6', '_7', '_i1', 'get_ipython',
                  'exit', 'quit', 'open']:
            self.assertNotIn(n, names)  # IPython's bookkeeping stays out
        env = brine_json('env', saved)
        self.assertEqual(env['saved']['python_version'], sys.version)
        self.assertIn('IPython', env['saved']['modules'])

        # A fresh `ipython -c` shell: the magic loads the names back.
        code = ('%load_ext brine_checkpoint\n%load_dill demo\n'
                'print("RESULT " + __import__("json").dumps([rate, scale(8), box.items,'
                ' type(box).__name__, isinstance(box, Box), math.pi > 3,'
                ' In is get_ipython().history_manager.input_hist_parsed]))')
        p = run([sys.executable, '-m', 'IPython', '--quick', '--no-banner', '--colors=NoColor',
                 '--HistoryManager.enabled=False', '-c', code], cwd)
        self.assertIn('loaded ' + saved, p.stdout)
        self.assertEqual(result_of(p.stdout), [0.25, 20, ['x', 2], 'Box', True, True, True])

        # The path form loads the same namespace.
        code = ('%load_ext brine_checkpoint\n%load_dill sub/other.pkl\n'
                'print("RESULT " + __import__("json").dumps(sorted(box.items, key=str)))')
        p = run([sys.executable, '-m', 'IPython', '--quick', '--no-banner', '--colors=NoColor',
                 '--HistoryManager.enabled=False', '-c', code], cwd)
        self.assertEqual(result_of(p.stdout), [2, 'x'])
        self.assertEqual(leftovers(os.path.join(cwd, 'checkpoints')), [])


if __name__ == '__main__':
    if not BRINE:
        sys.exit('set BRINE_BIN to the brine binary')
    unittest.main()
