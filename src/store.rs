//! The checkpoint directory: listing and recognising checkpoints, watching for
//! changes, env sidecars, and safe writes with backups. Never runs a pickle.

pub mod dir;
pub mod sidecar;
pub mod watch;
pub mod write;
