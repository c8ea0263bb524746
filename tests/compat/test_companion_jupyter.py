"""The companion in a real Jupyter kernel (ipykernel), driven through jupyter_client.

Save in a kernel, restart it, load in the fresh kernel, check the values; show
the notebook table (``%brine``/``show``) as the rich ``text/html`` display a
notebook renders, loading nothing.  The kernel runs this Python with a
throwaway IPYTHONDIR and Jupyter folders.

Run by tests/it/companion.rs; see companion_common.py for the environment.
"""
import json
import os
import unittest

from companion_common import (child_env, fresh_dir, front_ends_or_skip, leftovers, names_of,
                              result_of)

TIMEOUT = 120


class Kernel:
    """One ipykernel process and a client; ``run(code)`` returns what a notebook would show."""

    def __init__(self, cwd):
        from jupyter_client import KernelManager
        env = child_env()
        for var in ('JUPYTER_RUNTIME_DIR', 'JUPYTER_DATA_DIR', 'JUPYTER_CONFIG_DIR'):
            env[var] = os.path.join(cwd, '.jupyter', var.lower())
            os.makedirs(env[var], exist_ok=True)
        self.km = KernelManager(kernel_name='python3')
        self.km.start_kernel(cwd=cwd, env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)

    def restart(self):
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=TIMEOUT)

    def run(self, code):
        """(stdout text, [rich outputs: dict mime -> data], error or None) of one cell."""
        out, rich, err = [], [], []

        def hook(msg):
            t, c = msg['msg_type'], msg['content']
            if t == 'stream':
                out.append(c['text'])
            elif t in ('display_data', 'execute_result'):
                rich.append(c['data'])
            elif t == 'error':
                err.append('%s: %s' % (c['ename'], c['evalue']))

        reply = self.kc.execute_interactive(code, output_hook=hook, timeout=TIMEOUT)
        if reply['content']['status'] != 'ok' and not err:
            err.append(reply['content'].get('ename', 'error'))
        return ''.join(out), rich, (err[0] if err else None)

    def ok(self, test, code):
        out, rich, err = self.run(code)
        test.assertIsNone(err, 'cell failed: %s\n%s\n%s' % (err, code, out))
        return out, rich

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


SESSION_CELLS = [
    '%load_ext brine_checkpoint',
    'import math\nrate = 0.25\nlabels = {"a": [1, 2], "b": "text"}',
    'def scale(v):\n    return math.floor(v * rate * 10)',
    'class Box:\n    def __init__(self, items):\n        self.items = items',
    'box = Box(["x", 2])',
    '(i for i in range(3))',  # an unpicklable Out[] entry
    'rate * 4',
]
REPORT = ('import json\nprint("RESULT " + json.dumps([rate, labels, scale(8), box.items, '
          'type(box).__name__, isinstance(box, Box), math.pi > 3]))')
EXPECTED = [0.25, {'a': [1, 2], 'b': 'text'}, 20, ['x', 2], 'Box', True, True]
PRESENT = ('print("RESULT " + __import__("json").dumps('
           '[n for n in ("rate", "labels", "scale", "Box", "box") if n in globals()]))')


class JupyterKernel(unittest.TestCase):

    def setUp(self):
        front_ends_or_skip(self, 'IPython', 'ipykernel', 'jupyter_client')
        self.cwd = fresh_dir('jupyter-' + self._testMethodName)
        self.kernel = Kernel(self.cwd)
        self.addCleanup(self.kernel.close)
        for cell in SESSION_CELLS:
            self.kernel.ok(self, cell)

    def test_save_restart_load(self):
        k = self.kernel
        out, _ = k.ok(self, '%save_dill nb')
        saved = os.path.join(self.cwd, 'checkpoints', 'checkpoint_nb.pkl')
        self.assertIn('saved ' + saved, out)
        names, complete = names_of(saved)
        self.assertTrue(complete)
        for n in ['__name__', 'math', 'rate', 'labels', 'scale', 'Box', 'box']:
            self.assertIn(n, names)
        for n in ['In', 'Out', '_oh', '_6', '_i1', 'get_ipython', 'exit', 'quit']:
            self.assertNotIn(n, names)

        k.restart()
        out, _ = k.ok(self, PRESENT)
        self.assertEqual(result_of(out), [])  # a fresh kernel
        out, _ = k.ok(self, '%load_ext brine_checkpoint\n%load_dill nb')
        self.assertIn('loaded ' + saved, out)
        out, _ = k.ok(self, REPORT)
        self.assertEqual(result_of(out), EXPECTED)

        k.restart()
        out, _ = k.ok(self, 'from brine_checkpoint import load_checkpoint\n'
                            'load_checkpoint("nb", only=["labels", "box"])\n' + PRESENT)
        self.assertEqual(result_of(out), ['labels', 'box'])
        out, _ = k.ok(self, 'import json\nprint("RESULT " + json.dumps([labels, box.items]))')
        self.assertEqual(result_of(out), [{'a': [1, 2], 'b': 'text'}, ['x', 2]])
        self.assertEqual(leftovers(os.path.join(self.cwd, 'checkpoints')), [])

    def test_brine_table_in_the_notebook_loads_nothing(self):
        k = self.kernel
        k.ok(self, 'from brine_checkpoint import save_checkpoint\nsave_checkpoint("look")')
        k.restart()
        _, rich = k.ok(self, '%load_ext brine_checkpoint\n%brine look')
        html = [r['text/html'] for r in rich if 'text/html' in r]
        self.assertEqual(len(html), 1, rich)
        table = html[0]
        self.assertIn('<table', table)
        self.assertIn('checkpoint_look.pkl', table)
        for cell in ['rate', 'builtins.float', 'scale', 'builtins.function', 'box',
                     '__main__.Box', '0.25']:
            self.assertIn('<code>%s</code>' % cell, table)
        self.assertIn('text/plain', rich[0])  # and the text form alongside

        _, rich = k.ok(self, 'import brine_checkpoint\nbrine_checkpoint.show("look")')
        self.assertEqual(len(rich), 1, rich)
        self.assertIn('<table', rich[0]['text/html'])
        self.assertEqual(rich[0]['text/html'], table)

        out, _ = k.ok(self, PRESENT)
        self.assertEqual(result_of(out), [])  # showing loaded nothing


if __name__ == '__main__':
    unittest.main()
