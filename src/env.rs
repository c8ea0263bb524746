//! (being written) Environment metadata: sidecars, what the file tells, the local Python.
