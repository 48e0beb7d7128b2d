//! How the reader reaches files without doing I/O itself (being written).
