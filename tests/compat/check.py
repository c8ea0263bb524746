"""Loads brine's edited checkpoints in real dill and compares them with the originals.

Reads a JSON manifest on stdin: [{"original": path, "edited": path, "dropped": [names]}].
For each pair, loads both files with dill (in this process, one fresh module each),
then checks that the edited namespace is the original minus the dropped names: same
names, same types, equal values (numpy by dtype/shape/bytes, pandas by .equals,
functions by code, defaults and closure, instances by type and attributes), objects
shared before still shared, and zero-argument session functions return the same.
Writes a JSON list of {"edited", "ok", "problems"} to stdout.

This script loads pickles, so it only ever runs on fixtures this project made.
"""
import os
import sys

# The checks live in a module of their own: old dill loads sessions into the running
# __main__, which must hold nothing a session could overwrite.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dillcompat  # noqa: E402

if __name__ == "__main__":
    dillcompat.main()
