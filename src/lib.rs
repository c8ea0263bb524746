//! brine: read, check and edit Python dill session checkpoints without running them.

pub mod pickle;
