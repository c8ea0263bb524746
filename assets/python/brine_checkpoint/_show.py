"""Looking before loading: ``show(path)`` renders ``brine inspect --json``.

The result displays as an HTML table in Jupyter (``_repr_html_``) and as
aligned text in a terminal IPython or a plain ``print``.  brine reads the file
without running it, so showing loads nothing into the session.  Every value
brine reports is escaped before it is shown: HTML-escaped in the table, and
control characters written as ``\\xNN`` in the text.
"""

import html
import os

from ._brine import run_brine_json
from ._paths import checkpoint_path

__all__ = ['Inspection', 'show']

_COLUMNS = [('name', 'Name'), ('type', 'Type'), ('bytes', 'Bytes'), ('preview', 'Value')]


def _clean(value):
    """Text for a terminal: control characters as ``\\xNN``; None as ``?``."""
    if value is None:
        return '?'
    text = str(value)
    return ''.join(c if c.isprintable() else '\\x%02x' % ord(c) if ord(c) < 256
                   else '\\u%04x' % ord(c) for c in text)


def _size(n):
    if not isinstance(n, int):
        return '?'
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if n < 1024 or unit == 'GiB':
            return ('%d %s' % (n, unit)) if unit == 'B' else ('%.1f %s' % (n, unit))
        n /= 1024.0
    return '?'


class Inspection:
    """What ``brine inspect --json`` said about one checkpoint (``.data``)."""

    def __init__(self, data):
        self.data = data

    @property
    def entries(self):
        return self.data.get('entries') or []

    @property
    def names(self):
        return [e.get('name') for e in self.entries]

    def _facts(self):
        d = self.data
        facts = [('format', d.get('format')), ('module', d.get('module')),
                 ('protocol', d.get('protocol')), ('python', d.get('python')),
                 ('dill', d.get('dill')), ('size', _size(d.get('size'))),
                 ('names', len(self.entries)),
                 ('complete', {True: 'yes', False: 'no (truncated)'}.get(d.get('complete')))]
        return [(k, '?' if v is None else v) for k, v in facts]

    def _cell(self, entry, key):
        v = entry.get(key)
        return _size(v) if key == 'bytes' else v

    def __repr__(self):
        lines = [_clean(self.data.get('path')) + '  '
                 + '  '.join('%s %s' % (k, _clean(v)) for k, v in self._facts())]
        for w in self.data.get('warnings') or []:
            lines.append('warning: ' + _clean(w))
        rows = [[h for _, h in _COLUMNS]]
        rows += [[_clean(self._cell(e, k)) for k, _ in _COLUMNS] for e in self.entries]
        widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS) - 1)]
        for r in rows:
            lines.append('  '.join(c.ljust(w) for c, w in zip(r, widths)) + '  ' + r[-1])
        return '\n'.join(lines)

    __str__ = __repr__

    def _repr_html_(self):
        esc = lambda v: html.escape('?' if v is None else str(v))  # noqa: E731
        facts = ' &middot; '.join('<b>%s</b> %s' % (esc(k), esc(v)) for k, v in self._facts())
        out = ['<div class="brine-inspect">',
               '<p><code>%s</code><br>%s</p>' % (esc(self.data.get('path')), facts)]
        for w in self.data.get('warnings') or []:
            out.append('<p style="color:#a60">warning: %s</p>' % esc(w))
        out.append('<table>')
        out.append('<thead><tr>%s</tr></thead>' % ''.join(
            '<th style="text-align:left">%s</th>' % esc(h) for _, h in _COLUMNS))
        out.append('<tbody>')
        for e in self.entries:
            out.append('<tr>%s</tr>' % ''.join(
                '<td style="text-align:%s"><code>%s</code></td>'
                % ('right' if k == 'bytes' else 'left', esc(self._cell(e, k)))
                for k, _ in _COLUMNS))
        out.append('</tbody></table></div>')
        return '\n'.join(out)


def resolve(target, dir=None):
    """A checkpoint name means ``checkpoint_<name>.pkl`` in the folder; a path is a path."""
    t = os.fspath(target)
    seps = [s for s in (os.sep, os.altsep) if s]
    if any(s in t for s in seps) or t.endswith('.pkl') or t.startswith('~'):
        return os.path.abspath(os.path.expanduser(t))
    return os.path.abspath(checkpoint_path(t, dir))


def show(target, dir=None):
    """brine's view of a checkpoint (a name or a path) as an ``Inspection``; loads nothing.

    In Jupyter the result renders as a table; in a terminal as text.  Needs
    the brine binary (see ``find_brine``).
    """
    return Inspection(run_brine_json('show()', ['inspect', resolve(target, dir)]))
