//! brine: read, check and edit Python dill session checkpoints without running them.

pub mod cli;
pub mod diff;
pub mod edit;
pub mod env;
pub mod failure;
pub mod pickle;
pub mod restore;
pub mod scan;
pub mod session;
pub mod sniff;
pub mod store;
pub mod text;
pub mod tui;
