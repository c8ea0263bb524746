//! The checkpoint directory: listing and recognising checkpoints, watching for
//! changes, env sidecars, and safe writes with backups. Never runs a pickle.

pub mod apply;
pub mod backup;
pub mod dir;
pub mod fingerprint;
pub mod sidecar;
pub mod watch;
pub mod write;
