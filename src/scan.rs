//! (being written) A dill-aware safety scan of the symbolic program.
