//! The local library.
