//! Semantic validation (being written).
