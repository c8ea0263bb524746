"""Atomic writes: a watcher never sees half a file under a final name.

Each file goes to a hidden temporary file in the same folder
(``.<file>.<random>.tmp``, which brine ignores), is flushed and fsynced, and is
then renamed over its final name with ``os.replace``.  Nothing is renamed
unless every file was written completely.  This module only writes bytes it is
handed; it knows nothing of pickles.
"""

import os

__all__ = ['write_all_atomically']


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


def write_all_atomically(jobs):
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
