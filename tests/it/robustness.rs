//! Hostile and broken input: every case ends in a result or a clean error.
