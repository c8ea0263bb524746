"""Save and load dill session checkpoints in the layout brine browses.

brine (a terminal browser for dill session checkpoints, which reads them
without running them) watches a folder of ``checkpoint_<name>.pkl`` files,
each with an environment sidecar ``<name>_env.pkl``.  This package writes
exactly that pair, so a script or a notebook saves straight into the folder
brine watches::

    from brine_checkpoint import save_checkpoint, load_checkpoint, show
    save_checkpoint('baseline', exclude=['_temp', 'debug_*'], skip_unpicklable=True)
    show('baseline')                            # brine's table; loads nothing
    load_checkpoint('baseline')                 # everything, into __main__
    load_checkpoint('baseline', only=['model']) # just that name (via brine extract)

In IPython or Jupyter::

    %load_ext brine_checkpoint
    %save_dill baseline -e _temp --skip-unpicklable
    %brine baseline
    %load_dill baseline model data

The folder is the ``dir`` argument, else ``$BRINE_CHECKPOINT_DIR``, else
``./checkpoints`` (created when missing).  Both files are written atomically
(temp file, fsync, ``os.replace``; the sidecar first), so a watcher never sees
half a file and a failed save leaves the previous checkpoint as it was.

IPython's own bookkeeping (``In``, ``Out``, ``_``, ``_i3``, ``_5``,
``get_ipython``, ``exit``...) is left out of a checkpoint saved from the
shell's namespace; the module's dunders (``__name__``, ``__builtins__``...)
always stay in, since dill needs them.

**Security:** loading a checkpoint runs code from it -- unpickling calls
whatever callables the file names.  Only load checkpoints you made yourself
(or check them first with ``brine scan``).  The sidecar is read with an
unpickler that refuses every global; ``show`` and the choice of names for
``only=`` are brine's, which never runs the file.

Needs dill (``dump_module``/``load_module`` from 0.3.6, else
``dump_session``/``load_session``), Python 3.8+; ``only=`` and ``show`` need
the brine binary (``pip install brine-checkpoint`` brings it).
"""

from ._brine import BrineError, BrineNotFoundError, find_brine
from ._load import load_checkpoint, load_file
from ._magics import load_ipython_extension
from ._paths import (DEFAULT_NAME, DIR_ENV_VAR, CheckpointEnvWarning, checkpoint_path,
                     default_dir, env_metadata, read_sidecar, sidecar_path)
from ._patterns import compile_pattern
from ._save import CheckpointError, save_checkpoint, save_file
from ._show import Inspection, show

# Tracebacks name them as users import them.
for _cls in (BrineError, BrineNotFoundError, CheckpointError, CheckpointEnvWarning, Inspection):
    _cls.__module__ = __name__
del _cls

__all__ = [
    'BrineError',
    'BrineNotFoundError',
    'CheckpointEnvWarning',
    'CheckpointError',
    'DEFAULT_NAME',
    'DIR_ENV_VAR',
    'Inspection',
    'checkpoint_path',
    'compile_pattern',
    'default_dir',
    'env_metadata',
    'find_brine',
    'load_checkpoint',
    'load_file',
    'load_ipython_extension',
    'read_sidecar',
    'save_checkpoint',
    'save_file',
    'show',
    'sidecar_path',
]
