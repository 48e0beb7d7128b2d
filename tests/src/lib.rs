//! Support code for holdfast's cross-crate and system tests.
