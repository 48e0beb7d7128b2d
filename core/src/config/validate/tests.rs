//! Validation tests (below).
