"""brine's name patterns, in Python: what ``exclude=[...]`` means.

The same rules as brine's ``filter -e`` (src/edit/pattern.rs):

* ``re:REGEX`` -- a regular expression, searched anywhere in the name
  (``re:^tmp\\d+$`` to anchor it);
* a pattern with ``*``, ``?`` or ``[`` -- a glob on the whole name: ``*`` any
  run of characters, ``?`` one, ``[abc]``/``[a-z]`` a class (``[!...]`` or
  ``[^...]`` negated), ``{a,b}`` alternatives, ``\\`` escapes the next
  character;
* anything else -- a substring (dill's own ``exclude_patterns=['_temp',
  'debug_']``).

An empty pattern, a bad regex or a bad glob is refused with a ``ValueError``
naming it.  Rust's regex syntax and Python's differ in corners (look-around
and back-references exist only in Python); the common syntax means the same.
This module only matches names: it never touches a namespace.
"""

import re

__all__ = ['compile_pattern', 'compile_patterns', 'matches_any']


def _glob_to_regex(text):
    """The regex for a glob, as globset reads it (whole name, ``*`` crosses ``/``)."""
    out = []
    i, n = 0, len(text)
    depth = 0  # inside {...}
    while i < n:
        c = text[i]
        if c == '\\':
            if i + 1 >= n:
                raise ValueError('bad glob %r: dangling escape' % text)
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        if c == '*':
            while i + 1 < n and text[i + 1] == '*':
                i += 1
            out.append('.*')
        elif c == '?':
            out.append('.')
        elif c == '[':
            j = i + 1
            negate = j < n and text[j] in '!^'
            if negate:
                j += 1
            start = j
            # a ']' right after '[' or '[!' is a literal member
            if j < n and text[j] == ']':
                j += 1
            while j < n and text[j] != ']':
                j += 1
            if j >= n:
                raise ValueError('bad glob %r: unclosed character class' % text)
            members = text[start:j]
            cls = ''.join('\\' + ch if ch in '\\^[]' else ch for ch in members)
            out.append('[%s%s]' % ('^' if negate else '', cls))
            i = j
        elif c == '{':
            if depth:
                raise ValueError('bad glob %r: nested alternates' % text)
            depth += 1
            out.append('(?:')
        elif c == '}' and depth:
            depth -= 1
            out.append(')')
        elif c == ',' and depth:
            out.append('|')
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        raise ValueError('bad glob %r: unclosed alternate group' % text)
    try:
        return re.compile(r'(?s)\A(?:%s)\Z' % ''.join(out))
    except re.error as e:
        raise ValueError('bad glob %r: %s' % (text, e)) from None


def compile_pattern(text):
    """One pattern as a function ``name -> bool``; ``ValueError`` when it is bad."""
    if not isinstance(text, str):
        raise ValueError('a pattern is a string, got %r' % (text,))
    if text.startswith('re:'):
        try:
            rx = re.compile(text[3:])
        except re.error as e:
            raise ValueError('bad regex %r: %s' % (text[3:], e)) from None
        return lambda name: rx.search(name) is not None
    if any(c in text for c in '*?['):
        rx = _glob_to_regex(text)
        return lambda name: rx.match(name) is not None
    if not text:
        raise ValueError('empty pattern')
    return lambda name: text in name


def compile_patterns(patterns):
    """A list of compiled patterns; a single string counts as one pattern."""
    if patterns is None:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    return [compile_pattern(p) for p in patterns]


def matches_any(compiled, name):
    """Whether any compiled pattern matches ``name``."""
    return any(m(name) for m in compiled)
