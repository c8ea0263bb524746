"""Tests of the Python companion (assets/python/brine_checkpoint) from plain scripts.

Saves and loads in fresh ``python -c`` children; brine (``BRINE_BIN``) reads the
results.  The real ``ipython`` and Jupyter tests are in test_companion_ipython.py
and test_companion_jupyter.py; see companion_common.py for the environment.

Run by tests/it/companion.rs; by hand:
  BRINE_BIN=target/debug/brine python -m unittest -v test_companion   (in tests/compat)

It only loads checkpoints these tests have just written.
"""
import json
import os
import pickle
import subprocess
import sys
import textwrap
import threading
import unittest

from companion_common import (REPORT, REPORT_EXPECTED, SESSION, SESSION_NAMES, BRINE,
                              brine_json, child_env, contents, fresh_dir, front_ends_or_skip,
                              leftovers, names_of, python, result_of, run)


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


class InProcessShell(unittest.TestCase):
    """%save_dill in an ``InteractiveShell.instance()`` (no app start-up), an extra route.

    The real ``ipython`` process and the Jupyter kernel are tested in
    test_companion_ipython.py and test_companion_jupyter.py.
    """

    def setUp(self):
        front_ends_or_skip(self, 'IPython')

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



# Names for the pattern tests: substrings, globs, regexes and near misses.
PATTERN_NAMES = ['x_temp_y', 'temp', 'debug_flag', 'my_debug_flag', 'tmp1', 'tmp12', 'tmpx',
                 'Model', 'model', 'a.b', 'ab', 'star_', 'q1', 'q22', 'big_frame', 'cfg']
PATTERN_CASES = [['_temp'], ['debug_*'], ['re:^tmp\\d+$'], ['[mM]odel'], ['q?'],
                 ['[!q]*1'], ['{cfg,ab}*'], ['re:frame|flag'], ['*_*'], ['a.b'],
                 ['_temp', 'debug_', 're:^q']]


class Exclude(unittest.TestCase):
    """save_checkpoint(exclude=[...]) with brine's own pattern rules."""

    def test_excluded_names_stay_out_and_the_rest_loads(self):
        cwd = fresh_dir('exclude')
        p = python('from brine_checkpoint import save_checkpoint\n' + SESSION + textwrap.dedent('''
            run_temp = [0] * 10
            debug_level = 3
            tmp7 = 'scratch'
            print('RESULT ' + __import__('json').dumps(save_checkpoint(
                'ex', exclude=['_temp', 'debug_*', 're:^tmp\\d+$'])))
        '''), cwd)
        names, complete = names_of(result_of(p.stdout))
        self.assertTrue(complete)
        for n in ['run_temp', 'debug_level', 'tmp7']:
            self.assertNotIn(n, names)
        for n in SESSION_NAMES + ['__name__']:
            self.assertIn(n, names)
        p = python('from brine_checkpoint import load_checkpoint\nload_checkpoint("ex")\n'
                   + REPORT, cwd)
        self.assertEqual(result_of(p.stdout), REPORT_EXPECTED)

    def test_patterns_match_what_brine_filter_matches(self):
        cwd = fresh_dir('patterns')
        code = textwrap.dedent('''
            import json
            from brine_checkpoint import save_checkpoint, compile_pattern
            names, cases = json.loads(%r)
            for i, n in enumerate(names):
                globals()[n] = i
            save_checkpoint('all')
            print('RESULT ' + json.dumps([[n for n in names
                                           if any(compile_pattern(p)(n) for p in c)]
                                          for c in cases]))
        ''') % json.dumps([PATTERN_NAMES, PATTERN_CASES])
        mine = result_of(python(code, cwd).stdout)
        path = os.path.join(cwd, 'checkpoints', 'checkpoint_all.pkl')
        self.assertEqual(len(mine), len(PATTERN_CASES))
        for case, got in zip(PATTERN_CASES, mine):
            args = ['filter', path, '--dry-run']
            for p in case:
                args += ['-e', p]
            theirs = [n for n in brine_json(*args)['dropped'] if n in PATTERN_NAMES]
            self.assertTrue(theirs, 'pattern %s matched nothing' % case)
            self.assertEqual(sorted(got), sorted(theirs), 'pattern %s' % case)

    def test_bad_pattern_is_refused_before_writing(self):
        cwd = fresh_dir('badpattern')
        p = python(textwrap.dedent('''
            from brine_checkpoint import save_checkpoint
            out = []
            for bad in ['', 're:(', '[ab']:
                try:
                    save_checkpoint('x', exclude=[bad])
                except ValueError as e:
                    out.append(str(e))
            print('RESULT ' + __import__('json').dumps(out))
        '''), cwd)
        out = result_of(p.stdout)
        self.assertEqual(len(out), 3, out)
        self.assertEqual(out[0], 'empty pattern')
        self.assertTrue(out[1].startswith("bad regex '('"), out[1])
        self.assertTrue(out[2].startswith("bad glob '[ab'"), out[2])
        self.assertEqual(os.listdir(cwd), [])


GENERATOR_LINE = "gen (generator): cannot pickle 'generator' object"


class Unpicklable(unittest.TestCase):
    """A generator in the namespace: skipped and reported, or one clear line."""

    def test_skip_unpicklable_leaves_it_out_and_says_so(self):
        cwd = fresh_dir('skip')
        p = python('from brine_checkpoint import save_checkpoint\n' + SESSION
                   + 'gen = (i for i in range(3))\n'
                   'print("RESULT " + __import__("json").dumps('
                   'save_checkpoint("sk", skip_unpicklable=True)))', cwd)
        self.assertIn(GENERATOR_LINE, p.stderr)
        self.assertIn('left out 1 name', p.stderr)
        names, complete = names_of(result_of(p.stdout))
        self.assertTrue(complete)
        self.assertNotIn('gen', names)
        p = python('from brine_checkpoint import load_checkpoint\nload_checkpoint("sk")\n'
                   + REPORT, cwd)
        self.assertEqual(result_of(p.stdout), REPORT_EXPECTED)

    def test_failed_save_names_the_variable_in_one_line(self):
        cwd = fresh_dir('oneline')
        folder = os.path.join(cwd, 'checkpoints')
        python('from brine_checkpoint import save_checkpoint\nkeep = [1, 2]\n'
               'save_checkpoint("run")', cwd)
        before = contents(folder)
        p = subprocess.run(
            [sys.executable, '-c', 'from brine_checkpoint import save_checkpoint\n'
             'keep = [3]\ngen = (i for i in range(3))\nsave_checkpoint("run")'],
            cwd=cwd, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True)
        self.assertNotEqual(p.returncode, 0)
        last = p.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith('brine_checkpoint.CheckpointError: cannot save '
                                        'checkpoint_run.pkl: ' + GENERATOR_LINE), last)
        self.assertNotIn('dill', p.stderr)  # no dill frames, no chained traceback
        self.assertLess(len(p.stderr.splitlines()), 10, p.stderr)
        self.assertEqual(contents(folder), before)
        self.assertEqual(leftovers(folder), [])


# A class whose unpickling leaves a mark: a load that unpickles it is seen.
LOUD = textwrap.dedent('''
    class Loud:
        def __reduce__(self):
            return (__import__('builtins').print, ('UNPICKLED LOUD',))
''')


class OnlyLoad(unittest.TestCase):
    """load_checkpoint(only=[...]) loads those names without unpickling the rest."""

    def save(self, cwd):
        python('from brine_checkpoint import save_checkpoint\n' + SESSION + LOUD
               + 'loud = Loud()\nsave_checkpoint("part")', cwd)

    def test_only_the_names_asked_for_come_back(self):
        cwd = fresh_dir('only')
        self.save(cwd)
        p = python(textwrap.dedent('''
            import json
            from brine_checkpoint import load_checkpoint
            load_checkpoint('part', only=['pt', 'answer'])
            print('RESULT ' + json.dumps([answer, pt.norm1(), type(pt).__name__,
                                          sorted(k for k in ('loud', 'data', 'greet')
                                                 if k in globals())]))
        '''), cwd)
        self.assertNotIn('UNPICKLED LOUD', p.stdout)
        self.assertEqual(result_of(p.stdout), [42, 7, 'Point', []])
        # a whole load does unpickle it: the mark is a real test
        p = python('from brine_checkpoint import load_checkpoint\nload_checkpoint("part")', cwd)
        self.assertIn('UNPICKLED LOUD', p.stdout)

    def test_unknown_name_is_brines_one_line(self):
        cwd = fresh_dir('only-unknown')
        self.save(cwd)
        p = python(textwrap.dedent('''
            from brine_checkpoint import load_checkpoint, BrineError
            try:
                load_checkpoint('part', only=['nosuch'])
            except BrineError as e:
                print('RESULT ' + __import__('json').dumps(str(e)))
        '''), cwd)
        self.assertIn("no name 'nosuch'", result_of(p.stdout))

    def test_without_the_binary_it_says_what_it_needs(self):
        cwd = fresh_dir('only-nobin')
        self.save(cwd)
        env = child_env(PATH='/usr/bin:/bin')
        env.pop('BRINE_BIN', None)
        p = subprocess.run([sys.executable, '-c', textwrap.dedent('''
            from brine_checkpoint import load_checkpoint, BrineNotFoundError
            try:
                load_checkpoint('part', only=['answer'])
            except BrineNotFoundError as e:
                print('RESULT ' + __import__('json').dumps([str(e), 'answer' in globals()]))
        ''')], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True)
        msg, loaded = result_of(p.stdout)
        self.assertFalse(loaded)
        self.assertIn('needs the brine binary', msg)
        self.assertIn('pip install brine-checkpoint', msg)
        self.assertIn('BRINE_BIN', msg)


if __name__ == '__main__':
    if not BRINE:
        sys.exit('set BRINE_BIN to the brine binary')
    unittest.main()
