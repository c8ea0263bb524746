//! (e2e, next)
