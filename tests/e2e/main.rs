//! End-to-end tests of the library over real and generated media. One binary (ripgrep's layout).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_inputs;
mod disk;
mod import;
mod probe_shared;
mod queue;
mod scenes;
mod search;
