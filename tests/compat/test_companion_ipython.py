"""The companion in a real ``ipython`` process: stock configuration, typed at the prompt.

Each test starts ``python -m IPython`` with its default configuration and a
throwaway IPYTHONDIR and feeds it lines on stdin, as a user typing would: the
app start-up runs, so ``hide_initial_ns`` puts ``__name__``, ``__builtins__``...
in ``user_ns_hidden`` (what an in-process ``InteractiveShell.instance()`` skips).
brine reads what was saved; a second ``ipython`` process loads it back.

Run by tests/it/companion.rs; see companion_common.py for the environment.
"""
import os
import unittest

from companion_common import (brine_json, contents, fresh_dir, front_ends_or_skip,
                              ipython_stdin, leftovers, names_of, result_of)

# Cells as typed: one line each (a blank line ends a block at the prompt).
SESSION_LINES = [
    '%load_ext brine_checkpoint',
    'import math',
    'rate = 0.25',
    'def scale(v): return math.floor(v * rate * 10)',
    'class Box: pass',
    'box = Box(); box.items = ["x", 2]',
    'rate * 4',
]
BOOKKEEPING = ['In', 'Out', '_oh', '_ih', '_dh', '_', '__', '_7', '_i1', '_i', 'get_ipython',
               'exit', 'quit']
REPORT_LINE = ('print("RESULT " + __import__("json").dumps([rate, scale(8), box.items, '
               'type(box).__name__, math.pi > 3]))')


def no_error(test, out):
    for bad in ('Traceback', 'Error', 'error:'):
        test.assertNotIn(bad, out)


class StockIPython(unittest.TestCase):

    def setUp(self):
        front_ends_or_skip(self, 'IPython')

    def test_save_dill_and_save_checkpoint_in_stock_ipython(self):
        cwd = fresh_dir('stock')
        p = ipython_stdin(SESSION_LINES + [
            '%save_dill baseline',
            'from brine_checkpoint import save_checkpoint',
            'print("RESULT " + __import__("json").dumps(save_checkpoint("direct")))',
        ], cwd)
        no_error(self, p.out)
        folder = os.path.join(cwd, 'checkpoints')
        saved = os.path.join(folder, 'checkpoint_baseline.pkl')
        self.assertIn('saved ' + saved, p.out)
        self.assertEqual(result_of(p.out), os.path.join(folder, 'checkpoint_direct.pkl'))
        for path in (saved, result_of(p.out)):
            names, complete = names_of(path)
            self.assertTrue(complete)
            for n in ['__name__', 'math', 'rate', 'scale', 'Box', 'box']:
                self.assertIn(n, names)
            for n in BOOKKEEPING:
                self.assertNotIn(n, names)  # IPython's own names stay out
        self.assertEqual(brine_json('env', saved)['saved']['platform'], os.sys.platform)

        # A second stock ipython loads it back.
        p = ipython_stdin(['%load_ext brine_checkpoint', '%load_dill baseline', REPORT_LINE,
                           'print("HIST", In is get_ipython().history_manager.input_hist_parsed)'],
                          cwd)
        no_error(self, p.out)
        self.assertIn('loaded ' + saved, p.out)
        self.assertEqual(result_of(p.out), [0.25, 20, ['x', 2], 'Box', True])
        self.assertIn('HIST True', p.out)  # the shell's history survives the load
        self.assertEqual(leftovers(folder), [])

    def test_exclude_and_skip_unpicklable_from_the_magic(self):
        cwd = fresh_dir('stock-skip')
        p = ipython_stdin(SESSION_LINES + [
            'debug_rows = [1] * 5',
            'gen = (i for i in range(3))',
            '%save_dill run -e debug_* --skip-unpicklable',
        ], cwd)
        saved = os.path.join(cwd, 'checkpoints', 'checkpoint_run.pkl')
        self.assertIn('saved ' + saved, p.out)
        self.assertIn("gen (generator): cannot pickle 'generator' object", p.out)
        names, _ = names_of(saved)
        self.assertNotIn('gen', names)
        self.assertNotIn('debug_rows', names)
        self.assertIn('rate', names)

    def test_failed_save_dill_is_one_line_and_keeps_the_previous_pair(self):
        cwd = fresh_dir('stock-fail')
        folder = os.path.join(cwd, 'checkpoints')
        ipython_stdin(SESSION_LINES + ['%save_dill run'], cwd)
        before = contents(folder)
        self.assertEqual(sorted(before), ['checkpoint_run.pkl', 'run_env.pkl'])
        p = ipython_stdin(SESSION_LINES + ['gen = (i for i in range(3))', '%save_dill run'], cwd)
        lines = [l for l in p.out.splitlines() if 'generator' in l]
        self.assertEqual(len(lines), 1, p.out)
        self.assertIn("UsageError: save_dill: cannot save checkpoint_run.pkl: "
                      "gen (generator): cannot pickle 'generator' object", lines[0])
        self.assertNotIn('Traceback', p.out)
        self.assertNotIn('dill/', p.out)
        self.assertEqual(contents(folder), before)
        self.assertEqual(leftovers(folder), [])

    def test_load_dill_only_some_names(self):
        cwd = fresh_dir('stock-only')
        ipython_stdin(SESSION_LINES + ['%save_dill part'], cwd)
        p = ipython_stdin([
            '%load_ext brine_checkpoint',
            '%load_dill part rate box',
            'print("RESULT " + __import__("json").dumps([rate, box.items, '
            '[n for n in ("scale", "math", "Box") if n in globals()]]))',
        ], cwd)
        no_error(self, p.out)
        self.assertIn('loaded rate, box from', p.out)
        # Box is not a name here, but box's class came with it
        self.assertEqual(result_of(p.out), [0.25, ['x', 2], []])

    def test_brine_magic_prints_the_table_and_loads_nothing(self):
        cwd = fresh_dir('stock-show')
        ipython_stdin(SESSION_LINES + ['%save_dill look'], cwd)
        p = ipython_stdin([
            '%load_ext brine_checkpoint',
            '%brine look',
            'print("RESULT " + __import__("json").dumps('
            '[n for n in ("rate", "scale", "box") if n in globals()]))',
        ], cwd)
        no_error(self, p.out)
        self.assertEqual(result_of(p.out), [])
        self.assertIn('checkpoint_look.pkl', p.out)
        self.assertIn('format dill-module', p.out)
        rows = {l.split()[0]: l for l in p.out.splitlines() if l.split()}
        for n, ty in [('rate', 'builtins.float'), ('scale', 'builtins.function'),
                      ('box', '__main__.Box')]:
            self.assertIn(n, rows)
            self.assertIn(ty, rows[n])
        self.assertNotIn('<table', p.out)  # a terminal gets text


if __name__ == '__main__':
    unittest.main()
