//! brine: read, check and edit Python dill session checkpoints without running them.

pub mod cli;
pub mod pickle;
pub mod session;
pub mod tui;
pub mod edit;
pub mod env;
pub mod scan;
pub mod store;
