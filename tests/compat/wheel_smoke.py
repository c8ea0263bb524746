"""Checks an installed brine-checkpoint wheel from the outside, as a pip user has it.

Run with the Python of a fresh venv the wheel was installed into (.ci/run does):

    VENV/bin/python tests/compat/wheel_smoke.py SAMPLE.pkl EXPECTED_VERSION

It checks that ``brine`` is in the venv's scripts folder and runs
(``--version``, ``inspect`` on a sample), and that the installed companion
(not this checkout's copy) saves, shows and loads -- whole and ``only=`` -- in
fresh child processes whose PATH does not hold brine, so the companion must
find the binary next to its Python.  Ends with ``smoke: N passed, N failed``.
"""
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import textwrap

SAMPLE, VERSION = sys.argv[1], sys.argv[2]
SCRIPTS = sysconfig.get_path('scripts')
BRINE = os.path.join(SCRIPTS, 'brine.exe' if os.name == 'nt' else 'brine')
results = []


def check(what, ok, detail=''):
    results.append(ok)
    print('%s %s%s' % ('ok  ' if ok else 'FAIL', what, '' if ok else ': ' + detail))


def child(code, cwd):
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'BRINE_BIN', 'BRINE_CHECKPOINT_DIR')}
    env['PATH'] = '/usr/bin:/bin'  # brine is not on PATH: found next to this Python
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)


p = subprocess.run([BRINE, '--version'], stdout=subprocess.PIPE, universal_newlines=True)
check('brine --version from %s' % SCRIPTS, p.returncode == 0
      and p.stdout.strip() == 'brine ' + VERSION, repr(p.stdout))

p = subprocess.run([BRINE, 'inspect', '--json', SAMPLE], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, universal_newlines=True)
ok = p.returncode == 0 and json.loads(p.stdout).get('entries')
check('brine inspect %s' % os.path.basename(SAMPLE), bool(ok), p.stderr)

work = tempfile.mkdtemp(prefix='brine-wheel-')
p = child('''
    import json, brine_checkpoint
    from brine_checkpoint import save_checkpoint
    rate = 0.25
    def scale(v):
        return v * rate
    gen = (i for i in range(3))
    path = save_checkpoint('wheel', skip_unpicklable=True)
    print('RESULT ' + json.dumps([brine_checkpoint.__file__, path]))
''', work)
out = [l[7:] for l in p.stdout.splitlines() if l.startswith('RESULT ')]
where, path = json.loads(out[-1]) if out else (None, None)
check('installed companion saves', p.returncode == 0 and bool(path)
      and "gen (generator): cannot pickle 'generator' object" in p.stderr, p.stderr)
check('companion is the installed one', bool(where) and where.startswith(sys.prefix)
      and 'assets' not in where, repr(where))

p = child('''
    import brine_checkpoint
    print(brine_checkpoint.show('wheel'))
''', work)
check('show() through the installed binary', p.returncode == 0 and 'scale' in p.stdout
      and 'builtins.function' in p.stdout, p.stderr or p.stdout)

p = child('''
    import json
    from brine_checkpoint import load_checkpoint
    load_checkpoint('wheel', only=['rate'])
    print('RESULT ' + json.dumps([rate, 'scale' in globals()]))
    load_checkpoint('wheel')
    print('RESULT ' + json.dumps([rate, scale(8), 'gen' in globals()]))
''', work)
out = [json.loads(l[7:]) for l in p.stdout.splitlines() if l.startswith('RESULT ')]
check('load_checkpoint only= then whole', out == [[0.25, False], [0.25, 2.0, False]],
      p.stderr or repr(out))

failed = results.count(False)
print('smoke: %d passed, %d failed' % (len(results) - failed, failed))
sys.exit(1 if failed else 0)
