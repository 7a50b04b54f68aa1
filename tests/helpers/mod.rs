//! Helpers for Heimdex's tests: generated media, temporary libraries, fake stages, event collection.
#![allow(clippy::unwrap_used)]

pub mod events;
pub mod library;
pub mod media;
pub mod pg;
pub mod qdrant;
pub mod seed;
